"""The atomic writer: permissions follow the umask (or are private), nothing half-written or
temporary is left, and temporaries of killed writers are removed by the next write."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time

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
