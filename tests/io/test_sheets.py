"""Sample and screening sheets checked against workflow/schemas, every problem reported."""

from __future__ import annotations

import pytest

from leogen.errors import InputError
from leogen.io.sheets import read_samples, read_screening

HEADER = "sample_id\tsample_type\tdate\tsite\tlat\tlon\tsex\n"


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_good_sheet_is_typed(tmp_path):
    p = write(tmp_path, "samples.tsv", HEADER + "S1\tscat\t2021-03-04\tA\t43.1\t131.2\tM\n")
    df = read_samples(p)
    assert df.loc[0, "lat"] == pytest.approx(43.1)
    assert str(df["date"].dtype).startswith("datetime64")
    assert df.loc[0, "sex"] == "M"
    assert df.loc[0, "age_class"] == ""  # absent optional column


@pytest.mark.parametrize(
    "row, message",
    [
        ("S1\tpoop\t2021-03-04\tA\t43.1\t131.2\tM", "line 2: sample_type 'poop' is not one of scat, blood, hair, tissue"),
        ("S1\tscat\t2021-13-04\tA\t43.1\t131.2\tM", "line 2: date '2021-13-04' is not a date (expected YYYY-MM-DD)"),
        ("S1\tscat\t04/03/2021\tA\t43.1\t131.2\tM", "line 2: date '04/03/2021' is not a date"),
        ("S1\tscat\t2021-03-04\tA\t95\t131.2\tM", "line 2: lat 95 is out of range (expected -90 to 90)"),
        ("S1\tscat\t2021-03-04\tA\t43.1\t191\tM", "line 2: lon 191 is out of range (expected -180 to 180)"),
        ("S1\tscat\t2021-03-04\tA\tN43\t131.2\tM", "line 2: lat 'N43' is not a number"),
        ("S1\tscat\t2021-03-04\tA\t43.1\t131.2\tmale", "line 2: sex 'male' is not one of M, F, U"),
        ("\tscat\t2021-03-04\tA\t43.1\t131.2\tM", "line 2: sample_id is empty"),
        ("S 1\tscat\t2021-03-04\tA\t43.1\t131.2\tM", "line 2: sample_id 'S 1' must not contain spaces"),
    ],
)
def test_bad_rows(tmp_path, row, message):
    p = write(tmp_path, "samples.tsv", HEADER + row + "\n")
    with pytest.raises(InputError) as e:
        read_samples(p)
    assert message in str(e.value)
    assert str(e.value).startswith(str(p))


def test_all_problems_reported_and_duplicates(tmp_path):
    p = write(tmp_path, "samples.tsv", HEADER
              + "S1\tscat\t2021-03-04\tA\t43.1\t131.2\tM\n"
              + "S2\tpoop\t2021-03-04\tA\t43.1\t131.2\tM\n"
              + "S1\tblood\t2021-03-05\tA\t43.1\t131.2\tF\n")
    with pytest.raises(InputError) as e:
        read_samples(p)
    text = str(e.value)
    assert "line 3: sample_type 'poop'" in text
    assert "line 4: sample_id 'S1' appears twice (first on line 2)" in text


def test_missing_column_wrong_delimiter_empty(tmp_path):
    p = write(tmp_path, "samples.tsv", "sample_id\tsample_type\tdate\n")
    with pytest.raises(InputError, match="missing column\\(s\\) site, lat, lon"):
        read_samples(p)
    p = write(tmp_path, "samples.tsv", HEADER.replace("\t", ",") + "S1,scat,2021-03-04,A,1,2,M\n")
    with pytest.raises(InputError, match="expected tab-separated columns but the header is comma-separated"):
        read_samples(p)
    p = write(tmp_path, "samples.tsv", "  \n")
    with pytest.raises(InputError, match="samples.tsv: file is empty"):
        read_samples(p)
    with pytest.raises(InputError, match="file not found"):
        read_samples(tmp_path / "nope.tsv")


def test_csv_by_extension(tmp_path):
    p = write(tmp_path, "samples.csv", HEADER.replace("\t", ",") + "S1,scat,2021-03-04,A,1,2,M\n")
    assert read_samples(p)["sample_id"].tolist() == ["S1"]


SCREEN = "sample_id\tindividual_id\tdate\tpathogen\tassay\tresult\ttiter\tsensitivity\tspecificity\n"


def test_screening_sheet(tmp_path):
    p = write(tmp_path, "screening.tsv", SCREEN
              + "B1\t\t2020-05-01\tCDV\tvnt\tpositive\t1:64\t0.9\t0.95\n"
              + "\tLEO001\t2021-05-01\tFPV\telisa\tnegative\t\t\t\n")
    df = read_screening(p)
    assert df["titer"].tolist() == ["1:64", ""]
    assert df.loc[0, "sensitivity"] == pytest.approx(0.9)


@pytest.mark.parametrize(
    "row, message",
    [
        ("B1\t\t2020-05-01\tCDV\tvnt\tpos\t1:64\t\t", "result 'pos' is not one of positive, negative, equivocal"),
        ("B1\t\t2020-05-01\tCDV\tvnt\tpositive\tone to 64\t\t", "titer 'one to 64' is not a titre"),
        ("B1\t\t2020-05-01\tCDV\tvnt\tpositive\t1:64\t1.2\t", "sensitivity 1.2 is out of range"),
        ("\t\t2020-05-01\tCDV\tvnt\tpositive\t1:64\t\t", "sample_id and individual_id are both empty"),
        ("B1\t\t2020-5-1\tCDV\tvnt\tpositive\t1:64\t\t", "date '2020-5-1' is not a date"),
    ],
)
def test_screening_bad_rows(tmp_path, row, message):
    p = write(tmp_path, "screening.tsv", SCREEN + row + "\n")
    with pytest.raises(InputError) as e:
        read_screening(p)
    assert "line 2" in str(e.value)
    assert message in str(e.value)
