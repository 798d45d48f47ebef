"""Tests of leogen.snp.outputs: the declared snp tables, their readers, and the one table
writer (leogen.io.atomic.write_table) whose fast path must equal pandas' to_csv byte for byte."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from snp.test_snp import TINY, simulate, write_vcf

from leogen.errors import InputError
from leogen.io.atomic import _plain_formatters, write_table
from leogen.snp import outputs, run, stats, tables


@pytest.fixture(scope="module")
def snp_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("snpout")
    vcf = simulate(tmp / "sim.vcf.gz", n=12, m=400, chroms=("chr1", "chr2", "chrX"))
    out = tmp / "snp"
    run.all_tables(vcf, out)
    run.roh(vcf, out)
    return out


def test_every_declared_table_is_written_and_reads_back(snp_dir):
    names = sorted(p.name for p in snp_dir.iterdir())
    assert names == sorted(t.path.split("/")[1] for t in outputs.TABLES)
    for table in outputs.TABLES:
        path = snp_dir / table.path.split("/")[1]
        lines = path.read_text().splitlines()
        assert lines[0].split("\t") == table.names
        if len(lines) == 1:  # no ROH in this small file: Table.read rejects header-only files
            continue
        df = table.read(path)
        assert list(df.columns) == table.names + ["_line"]


def test_stats_tables_are_declared_in_order():
    assert tuple(outputs.STATS_OUTPUTS) == stats.STATS_TABLES == tuple(tables._MAKERS)


def test_readers_give_typed_columns(snp_dir):
    king = outputs.read_king(snp_dir)
    assert list(king.columns) == ["id1", "id2", "n_snps", "ibs0", "kinship", "_line"]
    assert king["n_snps"].dtype == np.int64 and king["kinship"].dtype == np.float64
    assert len(king) == 12 * 11 // 2
    het = outputs.read_het(snp_dir)
    assert het["n_called"].dtype == np.int64 and het["f_mom"].dtype == np.float64
    froh = outputs.read_froh(snp_dir, ["sample_id", "f_roh"])
    assert list(froh.columns) == ["sample_id", "f_roh", "_line"]


def test_reader_names_file_line_and_column_of_a_bad_cell(snp_dir, tmp_path):
    text = (snp_dir / "king.tsv").read_text().splitlines()
    cells = text[3].split("\t")
    cells[5] = "high"
    text[3] = "\t".join(cells)
    (tmp_path / "king.tsv").write_text("\n".join(text) + "\n")
    with pytest.raises(InputError) as e:
        outputs.read_king(tmp_path)
    msg = e.value.format()
    assert "king.tsv" in msg and "line 4" in msg and "kinship" in msg


def test_undefined_kinship_is_written_na(tmp_path):
    vcf = write_vcf(tmp_path / "tiny.vcf.gz", ["A", "B", "C", "D"], TINY)
    run.all_tables(vcf, tmp_path / "o", ["king"])
    king = outputs.read_king(tmp_path / "o")
    lines = (tmp_path / "o" / "king.tsv").read_text().splitlines()
    a_d = next(ln for ln in lines if ln.startswith("A\tD\t"))
    assert a_d.endswith("\tNA")
    assert king["kinship"].isna().sum() == 1


def _to_csv(df, float_format="%.6g") -> str:
    buf = io.StringIO()
    df.to_csv(buf, sep="\t", index=False, float_format=float_format, lineterminator="\n",
              na_rep="NA")
    return buf.getvalue()


def _random_frame(rng, n: int) -> pd.DataFrame:
    words = ["a", "", "é ü", " sp ", "NA", "x y", "1.5", "nan"]
    x = rng.normal(size=n) * 10.0 ** rng.integers(-300, 300, n)
    x[rng.random(n) < 0.2] = np.nan
    x[rng.random(n) < 0.1] = np.inf
    x[rng.random(n) < 0.1] = -0.0
    return pd.DataFrame({
        "float": x,
        "float32": rng.random(n).astype(np.float32),
        "int": rng.integers(-10**12, 10**12, n),
        "uint8": rng.integers(0, 255, n).astype(np.uint8),
        "bool": rng.random(n) < 0.5,
        "str": np.array([words[j] for j in rng.integers(0, len(words), n)], dtype=str),
        "object": pd.Series([None if rng.random() < 0.3 else words[j]
                             for j in rng.integers(0, len(words), n)], dtype=object),
    })


@pytest.mark.parametrize("float_format", ["%.6g", "%.3f"])
def test_fast_writer_equals_pandas(tmp_path, float_format):
    rng = np.random.default_rng(0)
    for n in (0, 1, 7, 250_001):  # also more rows than one formatted slice
        df = _random_frame(rng, n)
        assert _plain_formatters(df, float_format) is not None
        write_table(df, tmp_path / "t.tsv", float_format)
        got = (tmp_path / "t.tsv").read_bytes().decode("utf-8")
        assert got == _to_csv(df, float_format), n


@pytest.mark.parametrize("df", [
    pd.DataFrame({"a": ["x\ty", "z"], "b": [1, 2]}),  # quoted by csv
    pd.DataFrame({"a": ['q"', "z"], "b": [1, 2]}),
    pd.DataFrame({"a": [1, None], "b": [1.0, 2.0]}).astype({"a": "Int64"}),
    pd.DataFrame({"a": ["", "x"]}),  # a lone empty cell is written '""'
    pd.DataFrame({"a": [1, "x"], "b": [1, 2]}, dtype=object),
    pd.DataFrame({"d": pd.to_datetime(["2024-01-02", None]), "b": [1, 2]}),
])
def test_other_frames_go_through_pandas(tmp_path, df):
    assert _plain_formatters(df, "%.6g") is None
    write_table(df, tmp_path / "t.tsv")
    assert (tmp_path / "t.tsv").read_bytes().decode("utf-8") == _to_csv(df)
