"""`leogen convert` round-trips the bundled example through every format without loss."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import EXAMPLE

from leogen.cli import main
from leogen.io.formats import read_genotypes
from leogen.io.longtable import read_long

FORMATS = {"genalex": "g.csv", "genepop": "g.gen", "structure": "g.str", "vcf": "g.vcf.gz",
           "long": "g.tsv"}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_true_genotypes_round_trip_every_format(tmp_path, fmt):
    src = EXAMPLE / "truth" / "genotypes_true.tsv"
    original = read_long(src).single()
    mid = tmp_path / FORMATS[fmt]
    back = tmp_path / "back.tsv"
    assert main(["convert", str(src), str(mid)]) == 0
    assert main(["convert", str(mid), str(back)]) == 0
    again = read_long(back).single()
    assert again.equals(original)
    # and straight from the intermediate file
    assert read_genotypes(mid).equals(original) if fmt != "long" else True


def test_replicate_table_round_trips_with_split(tmp_path):
    src = EXAMPLE / "genotypes.tsv"
    original = read_long(src)
    for fmt in ("genalex", "genepop", "structure", "vcf"):
        mid = tmp_path / FORMATS[fmt]
        back = tmp_path / f"back_{fmt}.tsv"
        assert main(["convert", str(src), str(mid), "--replicates", "split"]) == 0
        assert main(["convert", str(mid), str(back)]) == 0
        again = read_long(back)
        assert list(again.samples) == list(original.samples)
        assert list(again.loci) == list(original.loci)
        # every run replicate that amplified keeps its alleles; failed ones stay failed
        a = np.sort(original.labels(), axis=3)
        b = np.sort(again.labels(), axis=3)
        amp_a = original.amplified()
        amp_b = again.amplified()
        assert (amp_a.sum(axis=2) == amp_b.sum(axis=2)).all(), fmt
        sa = np.sort(np.where(amp_a[..., None], a, -1).reshape(*a.shape[:2], -1), axis=2)
        sb = np.sort(np.where(amp_b[..., None], b, -1).reshape(*b.shape[:2], -1), axis=2)
        width = min(sa.shape[2], sb.shape[2])
        assert np.array_equal(sa[:, :, -width:], sb[:, :, -width:]), fmt


def test_snp_vcf_round_trips(tmp_path):
    src = EXAMPLE / "snps.vcf.gz"
    original = read_genotypes(src)
    for fmt in ("vcf",):
        mid = tmp_path / "copy.vcf.gz"
        assert main(["convert", str(src), str(mid)]) == 0
        assert read_genotypes(mid).equals(original), fmt
