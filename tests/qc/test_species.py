"""Species check of mtDNA barcodes (leogen.qc.species, `leogen species`)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from leogen.cli import main
from leogen.errors import InputError
from leogen.io.fasta import read_fasta
from leogen.qc.species import assign_species, make_aligner

L = 300


def _mutate(seq: str, sites, rng=None) -> str:
    s = list(seq)
    for i in sites:
        s[i] = {"A": "C", "C": "G", "G": "T", "T": "A"}[s[i]]
    return "".join(s)


LEO_SITES = [3 + 18 * i for i in range(16)]
TIG_SITES = [12 + 18 * i for i in range(16)]
LYNX_SITES = [6 + 9 * i for i in range(32)]


@pytest.fixture
def panel():
    """Species differ from a root at scattered sites (no gap can do better than a mismatch),
    so identities can be counted by hand."""
    rng = np.random.default_rng(7)
    root = "".join(rng.choice(list("ACGT"), L))
    leo = _mutate(root, LEO_SITES)
    tig = _mutate(root, TIG_SITES)
    lynx = _mutate(root, LYNX_SITES)
    rows = [("Panthera_pardus", "H1", leo), ("Panthera_pardus", "H2", _mutate(leo, [100, 150])),
            ("Panthera_tigris", "H1", tig), ("Panthera_tigris", "H2", _mutate(tig, [101, 151])),
            ("Lynx_lynx", "H1", lynx)]
    return pd.DataFrame(rows, columns=["species", "haplotype", "sequence"]), root, leo, tig


def _write_inputs(tmp_path, panel_df, barcodes, samples):
    ref = tmp_path / "ref.fasta"
    ref.write_text("".join(f">{s}|{h}\n{q}\n" for s, h, q in panel_df.itertuples(index=False)))
    fa = tmp_path / "mtdna.fasta"
    fa.write_text("".join(f">{k}\n{v[:60]}\n{v[60:]}\n" for k, v in barcodes.items()))
    sheet = tmp_path / "samples.tsv"
    rows = ["sample_id\tsample_type\tdate\tsite\tlat\tlon"]
    rows += [f"{s}\t{t}\t2021-03-0{k % 9 + 1}\tA\t43.1\t131.5" for k, (s, t) in
             enumerate(samples.items())]
    sheet.write_text("\n".join(rows) + "\n")
    return fa, ref, sheet


def test_identity_definition_hand_computed(panel):
    ref, _root, leo, _tig = panel
    al = make_aligner()
    from leogen.qc.species import identity

    # trimmed ends are free and not counted: a perfect 260 bp piece has identity 1
    aln = al.align(leo, leo[20:280])[0]
    assert identity(aln) == (1.0, 260)
    # 2 substitutions in 260 aligned columns
    bar = _mutate(leo[20:280], [50, 100])
    assert identity(al.align(leo, bar)[0]) == pytest.approx((258 / 260, 260))
    # a 3 bp internal deletion in the barcode: 257 identities over 260 columns
    bar = leo[20:150] + leo[153:280]
    ident, n = identity(al.align(leo, bar)[0])
    assert n == 260 and ident == pytest.approx(257 / 260)
    # barcode bases hanging over the reference end count as non-identical: 10 extra bases
    ident, n = identity(al.align(leo[:200], leo[100:200] + "ACGTACGTAC")[0])
    assert ident == pytest.approx(100 / 110) and n == 110
    # N is ambiguous: left out of numerator and denominator
    bar = leo[20:100] + "NNNNN" + leo[105:280]
    assert identity(al.align(leo, bar)[0]) == pytest.approx((1.0, 255))


def test_assignment_statuses(panel):
    ref, root, leo, tig = panel
    half = _mutate(root, LEO_SITES[:8] + TIG_SITES[8:])  # 16 differences from each species
    barcodes = {
        "S1": leo[10:290],  # leopard H1, trimmed
        "S2": _mutate(tig, [100, 150])[5:295],  # tiger H1 + 2 errors
        "S3": "".join(np.random.default_rng(3).choice(list("ACGT"), 280)),  # junk
        "S4": half,
        "S6": "NNNNNNNNNN",
    }
    samples = pd.DataFrame({"sample_id": ["S1", "S2", "S3", "S4", "S5", "S6", "B1"],
                            "sample_type": ["scat"] * 6 + ["blood"]})
    r = assign_species(barcodes, ref, samples, "Panthera_pardus", 0.9, 0.02).set_index(
        "sample_id")
    assert r.loc["S1", "status"] == "target" and r.loc["S1", "identity"] == 1.0
    assert r.loc["S1", "best_haplotype"] == "H1" and r.loc["S1", "n_aligned"] == 280
    # window 10..289 holds 15 leopard sites and 16 tiger sites: 31 differences
    assert r.loc["S1", "second_species"] == "Panthera_tigris"
    assert r.loc["S1", "second_identity"] == pytest.approx((280 - 31) / 280)
    assert r.loc["S1", "margin"] == pytest.approx(31 / 280)
    assert r.loc["S2", "status"] == "other_species"
    assert r.loc["S2", "best_species"] == "Panthera_tigris"
    # tiger H2 carries the 2 errors' neighbours (101, 151) -> H1 is best: 288/290
    assert r.loc["S2", "identity"] == pytest.approx(288 / 290)
    assert r.loc["S3", "status"] == "unassigned" and "identity" in r.loc["S3", "reason"]
    assert r.loc["S4", "status"] == "unassigned" and "margin" in r.loc["S4", "reason"]
    assert r.loc["S4", "identity"] == pytest.approx(284 / 300)
    assert r.loc["S4", "margin"] == pytest.approx(0.0)
    assert r.loc["S5", "status"] == "no_sequence"
    assert r.loc["S6", "status"] == "no_sequence"
    assert r.loc["B1", "status"] == "target"
    assert r.loc["B1", "reason"].startswith("not a scat: species assumed")


def test_cli_writes_every_sample(tmp_path, panel):
    ref, _root, leo, tig = panel
    fa, rf, sheet = _write_inputs(tmp_path, ref, {"S1": leo, "S2": tig[3:]},
                                  {"S1": "scat", "S2": "scat", "S3": "scat", "B1": "blood"})
    out = tmp_path / "species.tsv"
    assert main(["species", "--fasta", str(fa), "--reference", str(rf), "--samples", str(sheet),
                 "--out", str(out)]) == 0
    t = pd.read_csv(out, sep="\t")
    assert list(t.columns[:8]) == ["sample_id", "sample_type", "best_species", "best_haplotype",
                                   "identity", "second_species", "second_identity", "margin"]
    assert dict(zip(t.sample_id, t.status, strict=True)) == {
        "S1": "target", "S2": "other_species", "S3": "no_sequence", "B1": "target"}


@pytest.mark.parametrize("fasta_text, message", [
    ("ACGT\n>S1\nACGT\n", "expected a '>' header line"),
    (">S1\nACGTXZ\n", "invalid sequence character"),
    (">S1\nACGT\n>S1\nACGT\n", "appears twice"),
    (">S1\n>S2\nACGT\n", "has no sequence"),
])
def test_malformed_fasta(tmp_path, capsys, panel, fasta_text, message):
    ref, *_ = panel
    fa, rf, sheet = _write_inputs(tmp_path, ref, {}, {"S1": "scat", "S2": "scat"})
    fa.write_text(fasta_text)
    code = main(["species", "--fasta", str(fa), "--reference", str(rf), "--samples", str(sheet),
                 "--out", str(tmp_path / "o.tsv")])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "mtdna.fasta" in err and "line" in err


def test_unknown_sample_in_fasta(tmp_path, capsys, panel):
    ref, _root, leo, _ = panel
    fa, rf, sheet = _write_inputs(tmp_path, ref, {"S1": leo, "X9": leo}, {"S1": "scat"})
    code = main(["species", "--fasta", str(fa), "--reference", str(rf), "--samples", str(sheet),
                 "--out", str(tmp_path / "o.tsv")])
    assert code == 2
    err = capsys.readouterr().err
    assert "record 'X9' is not a sample_id of the sample sheet" in err and "line 4" in err
    assert not (tmp_path / "o.tsv").exists()


def test_bad_reference_and_thresholds(tmp_path, capsys, panel):
    ref, _root, leo, _ = panel
    fa, rf, sheet = _write_inputs(tmp_path, ref, {"S1": leo}, {"S1": "scat"})
    base = ["species", "--fasta", str(fa), "--reference", str(rf), "--samples", str(sheet),
            "--out", str(tmp_path / "o.tsv")]
    assert main(base + ["--min-identity", "1.5"]) == 2
    assert "min_identity 1.5 is out of range" in capsys.readouterr().err
    assert main(base + ["--min-margin", "-0.1"]) == 2
    assert "min_margin -0.1 is out of range" in capsys.readouterr().err
    assert main(base + ["--target", "Felis_catus"]) == 2
    assert "target species 'Felis_catus' has no haplotype" in capsys.readouterr().err
    rf.write_text(">Panthera_pardus_H1\nACGT\n")
    assert main(base) == 2
    err = capsys.readouterr().err
    assert "is not '<Genus_species>|<haplotype>'" in err and "line 1" in err


def test_read_fasta_wrapped_and_gaps(tmp_path):
    p = tmp_path / "x.fasta"
    p.write_text(">a desc\nAC-GT\nacgt\n\n>b\nNNAC\n")
    assert read_fasta(p) == [("a", "ACGTACGT", 1), ("b", "NNAC", 5)]
    p.write_text("")
    with pytest.raises(InputError, match="empty"):
        read_fasta(p)


@pytest.mark.slow
def test_speed_300_barcodes_30_haplotypes():
    rng = np.random.default_rng(1)
    base = "".join(rng.choice(list("ACGT"), 500))

    def mut(s, n):
        return _mutate(s, rng.choice(len(s), n, replace=False))

    sp = [mut(base, 60) for _ in range(6)]
    ref = pd.DataFrame([(f"Sp_{k}", f"H{h}", mut(sp[k], 4)) for k in range(6) for h in range(5)],
                       columns=["species", "haplotype", "sequence"])
    bars = {f"s{i}": mut(ref.sequence[int(rng.integers(30))], 3)[10:-8] for i in range(300)}
    samples = pd.DataFrame({"sample_id": list(bars), "sample_type": "scat"})
    t0 = time.perf_counter()
    r = assign_species(bars, ref, samples, "Sp_0")
    elapsed = time.perf_counter() - t0
    assert (r["status"].isin(["target", "other_species"])).all()
    assert elapsed < 30, f"species check took {elapsed:.1f} s"
