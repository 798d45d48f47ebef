"""The data model: Genotypes / Replicates, scikit-allel interop, the long replicate table."""

from __future__ import annotations

import allel
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leogen.errors import InputError
from leogen.io.longtable import read_long, write_long
from leogen.model.genotypes import Genotypes, Replicates


def small():
    sizes = np.array([
        [[214, 216], [100, 100]],
        [[216, 216], [0, 0]],
        [[212, 214], [104, 100]],
    ])
    return Genotypes.from_labels(sizes, ["a", "b", "c"], ["FCA1", "FCA2"], ["s1", "s1", "s2"])


def test_from_labels_encodes_sorted_sizes_and_missing():
    g = small()
    assert list(g.alleles[0]) == [212, 214, 216]
    assert list(g.alleles[1]) == [100, 104]
    assert g.calls[0, 0].tolist() == [1, 2]
    assert g.calls[1, 1].tolist() == [-1, -1]
    assert g.missing().tolist() == [[False, False], [False, True], [False, False]]
    assert g.heterozygous().tolist() == [[True, False], [False, False], [True, True]]
    assert g.sizes()[2, 1].tolist() == [104, 100]


def test_allel_round_trip_and_counts():
    g = small()
    ga = g.to_allel()
    assert isinstance(ga, allel.GenotypeArray)
    assert ga.shape == (2, 3, 2)
    back = Genotypes.from_allel(ga, g.samples, g.loci, g.alleles, g.populations)
    assert back.equals(g)
    # FCA1 alleles 212,214,216 counted over 6 gene copies: 1, 2, 3
    assert g.allele_counts()[0].tolist() == [1, 2, 3]
    assert g.allele_counts()[1].tolist()[:2] == [3, 1]


def test_half_missing_call_becomes_missing():
    g = Genotypes(np.array([[[0, -1]]]), ["a"], ["L"], (np.array([100]),))
    assert g.calls[0, 0].tolist() == [-1, -1]


def test_duplicate_ids_and_bad_shapes_rejected():
    with pytest.raises(ValueError, match="duplicate sample ids"):
        Genotypes(np.zeros((2, 1, 2), int), ["a", "a"], ["L"], (np.array([1]),))
    with pytest.raises(ValueError, match="n_samples, n_loci, 2"):
        Genotypes(np.zeros((2, 1, 3), int), ["a", "b"], ["L"], (np.array([1]),))
    with pytest.raises(ValueError, match="beyond"):
        Genotypes(np.ones((1, 1, 2), int), ["a"], ["L"], (np.array([1]),))


def test_subset_keeps_labels():
    g = small().subset(samples=[2, 0], loci=[1])
    assert list(g.samples) == ["c", "a"]
    assert g.sizes()[:, 0].tolist() == [[104, 100], [100, 100]]
    assert list(g.populations) == ["s2", "s1"]


def test_snp_labels():
    calls = np.array([[[0, 1]], [[1, 1]], [[-1, -1]]])
    g = Genotypes(calls, ["x", "y", "z"], ["rs1"], (np.array(["A", "G"], dtype=object),))
    assert g.is_snp
    assert g.labels()[:, 0].tolist() == [["A", "G"], ["G", "G"], ["", ""]]
    with pytest.raises(TypeError):
        g.sizes()


LONG = """sample_id\treplicate\tlocus\tallele1\tallele2
SC1\t1\tFCA1\t214\t216
SC1\t2\tFCA1\t214\t214
SC1\t3\tFCA1\t\t
SC1\t1\tAMEL\t194\t214
SC2\t1\tFCA1\t216\t216
SC2\t1\tAMEL\t214\t214
"""


def test_read_long_keeps_replicates_and_failed_amplifications(tmp_path):
    p = tmp_path / "g.tsv"
    p.write_text(LONG)
    r = read_long(p)
    assert isinstance(r, Replicates)
    assert list(r.samples) == ["SC1", "SC2"]
    assert list(r.loci) == ["FCA1", "AMEL"]
    assert r.n_replicates.tolist() == [[3, 1], [1, 1]]
    assert r.amplified()[0, 0].tolist() == [True, True, False]
    assert r.labels()[0, 0, 1].tolist() == [214, 214]
    with pytest.raises(ValueError, match="consensus"):
        r.single()


def test_long_round_trip_bytes(tmp_path):
    p = tmp_path / "g.tsv"
    p.write_text(LONG)
    out = tmp_path / "out.tsv"
    write_long(read_long(p), out)
    assert out.read_text() == LONG


@pytest.mark.parametrize(
    "body, message",
    [
        ("SC1\t1\tFCA1\t214\tl42\n", "line 2: allele2 'l42' is not a whole number"),
        ("SC1\t1\tFCA1\t214\t\n", "line 2: only one of allele1/allele2"),
        ("SC1\t1\tFCA1\t214.5\t216\n", "line 2: allele1 '214.5' is not a whole number"),
        ("SC1\t1\tFCA1\t214\t216\nSC1\t1\tFCA1\t214\t216\n",
         "line 3: sample 'SC1' locus 'FCA1' replicate '1' appears twice"),
        ("\t1\tFCA1\t214\t216\n", "line 2: sample_id is empty"),
        ("SC1\t1\tFCA1\t214\n", "line 2: has 4 fields, the header has 5"),
    ],
)
def test_long_bad_input_messages(tmp_path, body, message):
    p = tmp_path / "genotypes.tsv"
    p.write_text("sample_id\treplicate\tlocus\tallele1\tallele2\n" + body)
    before = p.read_bytes()
    with pytest.raises(InputError) as e:
        read_long(p)
    assert message in str(e.value)
    assert "genotypes.tsv" in str(e.value)
    assert p.read_bytes() == before


def test_long_wrong_delimiter_and_empty(tmp_path):
    p = tmp_path / "genotypes.tsv"
    p.write_text("sample_id,replicate,locus,allele1,allele2\nSC1,1,FCA1,214,216\n")
    with pytest.raises(InputError, match="expected tab-separated columns but the header is comma"):
        read_long(p)
    p.write_text("")
    with pytest.raises(InputError, match="genotypes.tsv: file is empty"):
        read_long(p)
    p.write_text("sample_id\treplicate\tlocus\tallele1\tallele2\n")
    with pytest.raises(InputError, match="no data rows"):
        read_long(p)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_long_round_trip_random(n_s, n_l, seed):
    rng = np.random.default_rng(seed)
    sizes = rng.choice([0, 100, 102, 104, 230, 234], size=(n_s, n_l, 2))
    sizes[:, :, 1] = np.where(sizes[:, :, 0] == 0, 0, sizes[:, :, 1])
    sizes[:, :, 0] = np.where(sizes[:, :, 1] == 0, 0, sizes[:, :, 0])
    g = Genotypes.from_labels(sizes, [f"s{i}" for i in range(n_s)], [f"L{j}" for j in range(n_l)])
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        write_long(g, Path(d) / "g.tsv")
        back = read_long(Path(d) / "g.tsv").single()
    # loci that are all-missing keep no labels; compare labels, not encodings
    assert np.array_equal(np.sort(back.sizes(), axis=2), np.sort(np.where(sizes == 0, -1, sizes), axis=2))


def test_without_loci():
    g = small()
    assert list(g.without_loci(["FCA2", "AMEL"]).loci) == ["FCA1"]
    assert g.without_loci(["AMEL"]) is g
