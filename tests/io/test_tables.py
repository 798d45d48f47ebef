"""Declared stage tables (leogen.io.tables.Table): written as declared, read back strictly,
and the data contract in docs/ equal to the declarations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import REPO

from leogen.errors import InputError
from leogen.io.contract import SECTION_END, SECTION_START, all_tables, markdown
from leogen.io.tables import NA_TOKENS, Column, Table

SPEC = Table("stage/things.tsv", "things, one per row.", (
    Column("thing_id", "str", na=False),
    Column("n", "int", na=False),
    Column("n_maybe", "int"),
    Column("x", "float"),
    Column("flag", "bool", na=False),
    Column("day", "date"),
))


def _write(path, rows):
    path.write_text("thing_id\tn\tn_maybe\tx\tflag\tday\n" + "".join("\t".join(r) + "\n" for r in rows))


def test_round_trip_types_and_na(tmp_path):
    df = pd.DataFrame({"thing_id": ["a", "b"], "n": [1, 2], "n_maybe": [3, np.nan],
                       "x": [0.5, np.nan], "flag": [True, False],
                       "day": ["2020-01-02", None]})
    SPEC.write(df, tmp_path / "t.tsv")
    text = (tmp_path / "t.tsv").read_text()
    assert text.splitlines()[2] == "b\t2\tNA\tNA\tFalse\tNA"
    back = SPEC.read(tmp_path / "t.tsv")
    assert back["n"].tolist() == [1, 2] and back["n"].dtype == np.int64
    assert back["n_maybe"].iloc[0] == 3 and back["n_maybe"].isna().iloc[1]
    assert back["x"].iloc[0] == 0.5 and np.isnan(back["x"].iloc[1])
    assert back["flag"].tolist() == [True, False]
    assert back["day"].iloc[0] == pd.Timestamp("2020-01-02") and pd.isna(back["day"].iloc[1])
    assert back["_line"].tolist() == [2, 3]


@pytest.mark.parametrize("token", sorted(NA_TOKENS))
def test_every_na_token_is_missing(tmp_path, token):
    _write(tmp_path / "t.tsv", [["a", "1", token, token, "True", token]])
    back = SPEC.read(tmp_path / "t.tsv")
    assert back["n_maybe"].isna().all() and back["x"].isna().all() and back["day"].isna().all()


@pytest.mark.parametrize("row, column, expected", [
    (["a", "1.5", "", "", "True", ""], "n", "'1.5' is not a whole number"),
    (["a", "", "", "", "True", ""], "n", "is empty, expected a whole number"),
    (["a", "1", "x", "", "True", ""], "n_maybe", "'x' is not a whole number"),
    (["a", "1", "", "0.3.1", "True", ""], "x", "'0.3.1' is not a number"),
    (["a", "1", "", "", "yes", ""], "flag", "'yes' is not True or False"),
    (["a", "1", "", "", "True", "2020-13-01"], "day", "'2020-13-01' is not a date YYYY-MM-DD"),
    (["NA", "1", "", "", "True", ""], "thing_id", "is empty, expected text"),
])
def test_bad_cell_names_file_line_column(tmp_path, row, column, expected):
    path = tmp_path / "t.tsv"
    _write(path, [["ok", "1", "", "", "False", ""], row])
    before = path.read_bytes()
    with pytest.raises(InputError) as e:
        SPEC.read(path)
    msg = str(e.value)
    assert msg.startswith(f"{path} line 3: column {column}: "), msg
    assert expected in msg
    assert path.read_bytes() == before


def test_missing_column_is_an_input_error(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("thing_id\tn\na\t1\n")
    with pytest.raises(InputError, match="missing column"):
        SPEC.read(path)
    assert SPEC.read(path, ["thing_id", "n"])["n"].tolist() == [1]


def test_write_refuses_columns_other_than_declared(tmp_path):
    with pytest.raises(ValueError, match="differ from the declaration"):
        SPEC.write(pd.DataFrame({"thing_id": ["a"], "n": [1]}), tmp_path / "t.tsv")
    assert not (tmp_path / "t.tsv").exists()


def test_declarations_are_unique_and_lower_snake_case():
    tables = all_tables()
    paths = [t.path for t in tables]
    assert len(paths) == len(set(paths))
    for t in tables:
        assert len(t.names) == len(set(t.names)), t.path
        stage_file_ok = t.path.endswith(".tsv") and "/" in t.path
        assert stage_file_ok, t.path


def test_data_contract_doc_equals_the_declarations():
    doc = (REPO / "docs" / "data-contract.md").read_text()
    start, end = doc.index(SECTION_START), doc.index(SECTION_END) + len(SECTION_END)
    assert doc[start:end] == markdown(), (
        "docs/data-contract.md is out of date: run `python -m leogen.io.contract docs/data-contract.md`")


OPT = Table("stage/opt.tsv", "with optional columns.", (Column("a", "str", na=False),),
            optional=(Column("king", "float"), Column("n_snps", "int")))


def test_optional_columns_read_when_present_and_checked_on_write(tmp_path):
    path = tmp_path / "o.tsv"
    OPT.write(pd.DataFrame({"a": ["x"]}), path)
    assert list(OPT.read(path).columns) == ["a", "_line"]
    OPT.write(pd.DataFrame({"a": ["x"], "king": [0.25], "n_snps": [10]}), path)
    back = OPT.read(path)
    assert back["king"].iloc[0] == 0.25 and back["n_snps"].iloc[0] == 10
    # out of order, or undeclared, optional columns are a bug in the writer
    with pytest.raises(ValueError):
        OPT.write(pd.DataFrame({"a": ["x"], "n_snps": [1], "king": [0.1]}), path)
    with pytest.raises(ValueError):
        OPT.write(pd.DataFrame({"a": ["x"], "other": [1]}), path)
    # asked for by name, an optional column must be in the file
    OPT.write(pd.DataFrame({"a": ["x"]}), path)
    with pytest.raises(InputError, match="missing column"):
        OPT.read(path, ["a", "king"])
    assert list(OPT.read(path, ["a"], if_present=["king"]).columns) == ["a", "_line"]


def test_header_without_rows_is_an_empty_table(tmp_path):
    path = tmp_path / "o.tsv"
    OPT.write(pd.DataFrame({"a": pd.Series([], dtype=str)}), path)
    back = OPT.read(path)
    assert len(back) == 0 and list(back.columns) == ["a", "_line"]


def test_int_cell_too_large_is_an_error_not_a_wrapped_number(tmp_path):
    # was: 99999999999999999999999 read as -9223372036854775808 (int64 overflow), inf as a
    # numpy warning
    from leogen.io.tables import Column, Table

    t = Table("x.tsv", "test", (Column("id", "str", na=False), Column("n", "int")))
    for cell in ("99999999999999999999999", "inf", "1e16"):
        (tmp_path / "x.tsv").write_text(f"id\tn\na\t3\nb\t{cell}\n")
        with pytest.raises(InputError, match=rf"line 3: column n: '{cell}' is too large"):
            t.read(tmp_path / "x.tsv")
    (tmp_path / "x.tsv").write_text("id\tn\na\t3\nb\t1000000000000000\n")
    assert t.read(tmp_path / "x.tsv")["n"].tolist() == [3, 10**15]


def test_choices_of_a_status_column(tmp_path):
    # a species status 'maybe' was read and then silently treated as "not target"
    from leogen.io.tables import Column, Table

    t = Table("s.tsv", "test", (Column("sample_id", "str", na=False),
                                Column("status", "str", na=False,
                                       choices=("target", "other_species"))))
    (tmp_path / "s.tsv").write_text("sample_id\tstatus\nBL1\ttarget\nBL2\tmaybe\n")
    with pytest.raises(InputError, match="line 3: column status: 'maybe' is not one of "
                                         "target, other_species"):
        t.read(tmp_path / "s.tsv")
    (tmp_path / "s.tsv").write_text("sample_id\tstatus\nBL1\ttarget\nBL2\tother_species\n")
    assert t.read(tmp_path / "s.tsv")["status"].tolist() == ["target", "other_species"]
    with pytest.raises(ValueError, match="choices are for str columns"):
        Column("n", "int", choices=("1",))


def test_a_mapping_of_numpy_columns_is_written_and_read_back_as_declared(tmp_path):
    columns = {"thing_id": np.array(["a", "b"], dtype=object), "n": np.array([1, 2]),
               "n_maybe": np.array([3.0, np.nan]), "x": np.array([0.5, np.nan]),
               "flag": np.array([True, False]),
               "day": np.array(["2020-01-02", None], dtype=object)}
    SPEC.write(columns, tmp_path / "m.tsv")
    SPEC.write(pd.DataFrame(columns), tmp_path / "d.tsv")
    assert (tmp_path / "m.tsv").read_bytes() == (tmp_path / "d.tsv").read_bytes()
    assert (tmp_path / "m.tsv").read_text() == ("thing_id\tn\tn_maybe\tx\tflag\tday\n"
                                                "a\t1\t3\t0.5\tTrue\t2020-01-02\n"
                                                "b\t2\tNA\tNA\tFalse\tNA\n")
    back = SPEC.read(tmp_path / "m.tsv")
    assert back["n_maybe"].iloc[0] == 3 and back["n_maybe"].isna().iloc[1]
    assert back["flag"].tolist() == [True, False]
    with pytest.raises(ValueError, match="differ from the declaration"):
        SPEC.write({"thing_id": columns["thing_id"], "x": columns["x"]}, tmp_path / "bad.tsv")
    assert not (tmp_path / "bad.tsv").exists()
