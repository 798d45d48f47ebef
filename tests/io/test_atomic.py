"""The atomic writer: permissions follow the umask (or are private), nothing half-written or
temporary is left, and temporaries of killed writers are removed by the next write."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from leogen.io import atomic
from leogen.io.atomic import PRIVATE, atomic_open, atomic_path, write_table


@pytest.fixture
def umask():
    """``umask(0o077)`` sets the process umask for the test; restored afterwards."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda mask: os.umask(mask)
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def temporaries(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664),
                                            (0o027, 0o640)])
def test_outputs_follow_the_umask(tmp_path, umask, mask, expected):
    umask(mask)
    assert atomic.current_umask() == mask
    with atomic_open(tmp_path / "a.txt", "w") as fh:
        fh.write("x\n")
    write_table(pd.DataFrame({"a": [1], "b": ["x"]}), tmp_path / "t.tsv")
    with atomic_path(tmp_path / "b.bin") as tmp:
        tmp.write_bytes(b"\0")
    for name in ("a.txt", "t.tsv", "b.bin"):
        assert mode(tmp_path / name) == expected, name


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o000])
def test_private_outputs_are_owner_only_whatever_the_umask(tmp_path, umask, mask):
    umask(mask)
    with atomic_open(tmp_path / "exact.html", "w", permissions=PRIVATE, encoding="utf-8") as fh:
        fh.write("<p>43.35993 131.46824</p>")
    write_table(pd.DataFrame({"lat": [43.35993], "lon": [131.46824]}), tmp_path / "w.tsv",
                permissions=PRIVATE)
    with atomic_path(tmp_path / "x.bin", permissions=PRIVATE) as tmp:
        tmp.write_bytes(b"1")
    for name in ("exact.html", "w.tsv", "x.bin"):
        assert mode(tmp_path / name) == 0o600, name


def test_replacing_a_public_file_with_a_private_one(tmp_path, umask):
    umask(0o022)
    target = tmp_path / "page.html"
    target.write_text("old")
    os.chmod(target, 0o644)
    with atomic_open(target, "w", permissions=PRIVATE) as fh:
        fh.write("new")
    assert target.read_text() == "new" and mode(target) == 0o600


def test_existing_api_unchanged(tmp_path):
    with atomic_open(tmp_path / "b.bin", "wb") as fh:
        fh.write(b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    with atomic_open(tmp_path / "t.txt", "w", encoding="utf-8") as fh:
        fh.write("é\n")
    assert (tmp_path / "t.txt").read_text(encoding="utf-8") == "é\n"
    write_table(pd.DataFrame({"x": [0.5, float("nan")], "y": ["a", "b"]}), tmp_path / "d.tsv",
                "%.3f")
    assert (tmp_path / "d.tsv").read_text() == "x\ty\n0.500\ta\nNA\tb\n"


def test_failed_write_leaves_no_temporary_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.tsv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_open(target, "w") as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old\n"
    assert temporaries(tmp_path) == []


KILLED_WRITER = """
import os, signal, sys
from leogen.io.atomic import atomic_open
with atomic_open(sys.argv[1], "w") as fh:
    fh.write("half-written")
    fh.flush()
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_sigkill_leftover_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "king.tsv"
    proc = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(target)])
    assert proc.returncode == -signal.SIGKILL
    left = temporaries(tmp_path)
    assert len(left) == 1 and left[0].startswith(".king.tsv.") and not target.exists()
    # a temporary of another target (same name prefix) is not touched
    other = tmp_path / f".king.tsv.tbi.{atomic._HOST}-1.abcdefgh.tmp"
    other.write_text("")
    write_table(pd.DataFrame({"a": [1], "b": [2]}), target)
    assert target.read_text() == "a\tb\n1\t2\n"
    assert temporaries(tmp_path) == [other.name]


def test_temporaries_of_live_writers_are_kept(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".a.tsv.{atomic._HOST}-{sleeper.pid}.abcdefgh.tmp"
        other_host = tmp_path / ".a.tsv.000000-1.abcdefgh.tmp"
        legacy_new = tmp_path / ".a.tsv.k2j4h5g6.tmp"
        legacy_old = tmp_path / ".a.tsv.q1w2e3r4.tmp"
        old_other_host = tmp_path / ".a.tsv.000000-2.abcdefgh.tmp"
        for p in (live, other_host, legacy_new, legacy_old, old_other_host):
            p.write_text("")
        day_ago = time.time() - atomic.STALE_SECONDS - 60
        for p in (legacy_old, old_other_host):
            os.utime(p, (day_ago, day_ago))
        removed = atomic.remove_stale_temporaries(tmp_path / "a.tsv")
        assert sorted(p.name for p in removed) == sorted([legacy_old.name, old_other_host.name])
        assert temporaries(tmp_path) == sorted([live.name, other_host.name, legacy_new.name])
    finally:
        sleeper.kill()
        sleeper.wait()
    # the writer is gone now: its temporary is stale
    atomic.remove_stale_temporaries(tmp_path / "a.tsv")
    assert live.name not in temporaries(tmp_path)


# ------------------------------------------------- tables given as mappings of numpy columns
def _to_csv_bytes(df, tmp_path, name, float_format="%.6g") -> bytes:
    """What pandas writes for ``df`` with the writer's settings (the reference)."""
    path = tmp_path / name
    df.to_csv(path, sep="\t", index=False, float_format=float_format, lineterminator="\n",
              na_rep="NA")
    return path.read_bytes()


def _plain_mapping(n=1000, seed=5):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n) * 10.0 ** rng.integers(-8, 8, n)
    x[rng.random(n) < 0.1] = np.nan
    text = np.array([f"s{k}" for k in rng.integers(0, 50, n)], dtype=object)
    text[rng.random(n) < 0.1] = None
    text[rng.random(n) < 0.05] = np.nan
    return {"id": text, "ref": np.array(list("ACGT"))[rng.integers(0, 4, n)],
            "n": rng.integers(-10**12, 10**12, n), "u8": rng.integers(0, 255, n).astype(np.uint8),
            "flag": rng.random(n) < 0.5, "x": x, "x32": x.astype(np.float32),
            "empty_text": np.array([""] * n, dtype=object)}


def test_mapping_and_the_equal_frame_write_the_same_bytes(tmp_path):
    m = _plain_mapping()
    write_table(m, tmp_path / "m.tsv")
    write_table(pd.DataFrame(m), tmp_path / "d.tsv")
    got = (tmp_path / "m.tsv").read_bytes()
    assert got == (tmp_path / "d.tsv").read_bytes()
    assert got == _to_csv_bytes(pd.DataFrame(m), tmp_path, "ref.tsv")
    assert b"\tNA\t" in got and b"\nNA\t" in got  # NaN floats and None / NaN text
    # more rows than one formatting slice, and other float formats
    big = _plain_mapping(250_001, seed=6)
    write_table(big, tmp_path / "big.tsv", "%.3e")
    assert (tmp_path / "big.tsv").read_bytes() == _to_csv_bytes(pd.DataFrame(big), tmp_path,
                                                                "bigref.tsv", "%.3e")


def test_small_mapping_by_hand(tmp_path):
    write_table({"id": np.array(["a", None, "c"], dtype=object), "n": np.array([1, -2, 3]),
                 "ok": np.array([True, False, True]), "f": np.array([0.125, np.nan, 1e-7])},
                tmp_path / "t.tsv", "%.3g")
    assert (tmp_path / "t.tsv").read_text() == ("id\tn\tok\tf\na\t1\tTrue\t0.125\n"
                                                "NA\t-2\tFalse\tNA\nc\t3\tTrue\t1e-07\n")
    write_table({"a": np.zeros(0), "b": np.zeros(0, dtype=object)}, tmp_path / "e.tsv")
    assert (tmp_path / "e.tsv").read_text() == "a\tb\n"


@pytest.mark.parametrize("odd", [
    np.array(["x\ty", "z", None], dtype=object),  # quoted by the csv module
    np.array(['say "hi"', "z", "w"], dtype=object),
    np.array(["two\nlines", "z", "w"], dtype=object),
    np.array(["x", 1.5, None], dtype=object),  # not text
    np.array(["x", pd.NA, "y"], dtype=object),  # its comparison is no bool
    np.array(["2026-01-01", "NaT", "2026-03-01"], dtype="datetime64[D]"),
    np.array([0.5, np.nan, 2.0], dtype=np.float16),
    np.array([1 + 2j, 0, 1j]),
    [1, 2, 3],  # not an array
])
def test_a_mapping_that_is_not_plain_is_written_as_its_frame(tmp_path, odd):
    m = {"k": np.arange(3), "odd": odd, "x": np.array([0.1, np.nan, 3.0])}
    assert atomic._plain_formatters(m, "%.6g") is None
    write_table(m, tmp_path / "m.tsv")
    assert (tmp_path / "m.tsv").read_bytes() == _to_csv_bytes(pd.DataFrame(m), tmp_path,
                                                              "ref.tsv")


def test_a_single_column_mapping_is_written_as_its_frame(tmp_path):
    m = {"id": np.array(["a", "", "b"], dtype=object)}  # the empty row is quoted
    write_table(m, tmp_path / "m.tsv")
    assert (tmp_path / "m.tsv").read_bytes() == _to_csv_bytes(pd.DataFrame(m), tmp_path,
                                                              "ref.tsv")
    assert (tmp_path / "m.tsv").read_text() == 'id\na\n""\nb\n'


def test_mapping_columns_of_different_lengths_are_refused(tmp_path):
    with pytest.raises(ValueError, match="different lengths"):
        write_table({"a": np.zeros(2), "b": np.zeros(3)}, tmp_path / "t.tsv")
    assert not (tmp_path / "t.tsv").exists()


NO_PANDAS_WRITER = """
import sys
import numpy as np
from leogen.io.atomic import write_table
from leogen.io.tables import Column, Table
t = Table("s/t.tsv", "t.", (Column("id"), Column("x", "float")))
t.write({"id": np.array(["a", None], dtype=object), "x": np.array([0.5, np.nan])}, sys.argv[1])
print(sorted(m for m in sys.modules if m.split(".")[0] == "pandas"))
"""


def test_writing_a_plain_mapping_imports_no_pandas(tmp_path):
    done = subprocess.run([sys.executable, "-c", NO_PANDAS_WRITER, str(tmp_path / "t.tsv")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert (tmp_path / "t.tsv").read_text() == "id\tx\na\t0.5\nNA\tNA\n"
