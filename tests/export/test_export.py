"""Exports for the field's tools (FSTAT, COLONY, secr, the export set of ``leogen export``)
and ``leogen convert --populations/--exclude-loci``: layouts by hand, re-reading to the same
genotypes, bad input."""

from __future__ import annotations

import os
import stat

import numpy as np
import pandas as pd
import pytest
from helpers import FORMATS_DATA, fixture_genotypes

from leogen.cli import main
from leogen.errors import InputError
from leogen.export import outputs
from leogen.export import run as exports
from leogen.io import colony, fstat
from leogen.io.formats import convert, grouped, read_genotypes
from leogen.model.genotypes import Genotypes

G = fixture_genotypes()


def _same_calls(a: Genotypes, b: Genotypes) -> bool:
    """Same loci and genotypes row by row (names aside; alleles unordered)."""
    return (np.array_equal(a.loci, b.loci) and a.n_samples == b.n_samples
            and np.array_equal(np.sort(a.sizes(), axis=2), np.sort(b.sizes(), axis=2)))


# --------------------------------------------------------------------------- FSTAT
def test_fstat_layout_by_hand(tmp_path):
    p = tmp_path / "x.dat"
    codes = fstat.write(G, p)
    lines = p.read_text().splitlines()
    assert codes == {"siteA": 1, "siteB": 2}
    assert lines[0] == "2 3 218 3"  # populations, loci, highest allele, digits
    assert lines[1:4] == ["FCA8", "FCA43", "F53"]
    assert lines[4] == "1 214216 130134 0"  # S1: F53 missing
    assert lines[9] == "2 0 134134 152160"  # S6: FCA8 missing


def test_fstat_round_trip_and_convert(tmp_path, capsys):
    p = tmp_path / "x.dat"
    fstat.write(G, p)
    back = read_genotypes(p)
    assert _same_calls(back, G)
    assert list(back.samples) == [f"ind{i}" for i in range(1, 7)]
    assert list(back.populations) == ["1"] * 3 + ["2"] * 3
    assert main(["convert", str(FORMATS_DATA / "example.gen"), str(tmp_path / "y.dat")]) == 0
    assert "FSTAT population codes: 1=siteA, 2=siteB" in capsys.readouterr().err
    assert _same_calls(read_genotypes(tmp_path / "y.dat"), G)


@pytest.mark.parametrize("text, line, what", [
    ("2 3 218\nA\n", 1, "4 whole numbers"),
    ("1 2 218 3\nA\nB\n1 214216\n", 4, "expected 3"),
    ("1 1 218 3\nA\n2 214216\n", 3, "outside 1..1"),
    ("1 1 218 3\nA\n1 21x216\n", 3, "not a whole number"),
    ("1 1 218 3\nA\n", None, "no individuals"),
])
def test_fstat_bad_input(tmp_path, text, line, what):
    p = tmp_path / "bad.dat"
    p.write_text(text)
    with pytest.raises(InputError) as e:
        fstat.read(p)
    assert what in str(e.value)
    assert e.value.line == line


# --------------------------------------------------------------------------- COLONY
def test_colony_layout_and_round_trip(tmp_path):
    p = tmp_path / "c.dat"
    colony.write(G, p, dropout=np.array([0.1, 0.0, 0.05]), other_error=np.full(3, 0.02))
    text = p.read_text()
    vals = [ln.split("!")[0].strip() for ln in text.splitlines()]
    vals = [v for v in vals if v]
    assert vals[:4] == ["leogen", "leogen", "6", "3"]
    assert vals[21] == "FCA8 FCA43 F53"
    assert vals[23] == "0.1000 0.0000 0.0500"
    assert vals[25] == "S1 214 216 130 134 0 0"
    assert vals[-10:-8] == ["0  0", "0  0"]  # no candidate parents
    back = colony.read(p)
    assert list(back.samples) == list(G.samples) and _same_calls(back, G)


def test_colony_refuses_long_ids_and_bad_rates(tmp_path):
    g = G.subset(samples=np.arange(2))
    long = Genotypes(g.calls, ["x" * 21, "y"], g.loci, g.alleles)
    with pytest.raises(InputError, match="longer than 20"):
        colony.write(long, tmp_path / "c.dat")
    with pytest.raises(InputError, match="one value in"):
        colony.write(g, tmp_path / "c.dat", dropout=np.array([0.1, 2.0, 0.0]))
    assert not (tmp_path / "c.dat").exists()


def test_colony_error_rates_prefer_likelihood_basis():
    t = pd.DataFrame({"locus": ["A", "A", "B"], "basis": ["consensus", "likelihood", "consensus"],
                      "ado_rate": [0.3, 0.2, np.nan], "fa_rate": [0.01, 0.02, 0.03]})
    ado, err = exports.colony_error_rates(t, ["A", "B", "C"])
    assert ado.tolist() == [0.2, 0.0, 0.0]
    assert err.tolist() == [0.02, 0.03, 0.01]


# --------------------------------------------------------------------------- secr
def test_secr_files_by_hand():
    det = pd.DataFrame({
        "individual_id": ["A", "A", "B", "A"],
        "date": pd.to_datetime(["2020-01-05", "2020-01-20", "2020-03-01", "2021-02-01"]),
        "year": [2020, 2020, 2020, 2021], "occasion": ["1", "1", "3", "2"],
        "source": ["genetic", "genetic", "camera", "genetic"],
        "place": ["S1", "S1", "C9", "S2"]})
    occ = {2020: ["1", "2", "3"], 2021: ["2"]}
    samples = pd.DataFrame({"site": ["S1", "S1", "S2"], "lat": [43.0, 43.0, 43.01],
                            "lon": [131.0, 131.0, 131.0]})
    camera = pd.DataFrame({"station": ["C9"], "lat": [43.0], "lon": [131.01]})
    caps, traps, sessions = exports.secr_files(det, occ, samples, camera)
    assert caps.values.tolist() == [[2020, "A", 1, "S1"], [2020, "B", 3, "cam_C9"],
                                    [2021, "A", 1, "S2"]]
    t = traps.set_index("Detector")
    # 0.01 degree of latitude = 1112 m; of longitude at 43 N = 1112 cos(43) = 813 m
    assert t.loc["S2", "y"] - t.loc["S1", "y"] == pytest.approx(1111.9, abs=1)
    assert t.loc["cam_C9", "x"] - t.loc["S1", "x"] == pytest.approx(813.2, abs=1)
    assert sessions["n_occasions"].tolist() == [3, 1]
    assert sessions["occasion_labels"].tolist() == ["1,2,3", "2"]


def test_secr_detection_without_coordinates_is_an_error():
    det = pd.DataFrame({"individual_id": ["A"], "date": pd.to_datetime(["2020-01-05"]),
                        "year": [2020], "occasion": ["1"], "source": ["genetic"],
                        "place": ["S7"]})
    samples = pd.DataFrame({"site": ["S1"], "lat": [43.0], "lon": [131.0]})
    with pytest.raises(InputError, match="S7"):
        exports.secr_files(det, {2020: ["1"]}, samples)


# --------------------------------------------------------------------------- export set
def _with_amel(g: Genotypes) -> Genotypes:
    sizes = np.concatenate([g.sizes(), np.tile([[[194, 214]]], (g.n_samples, 1, 1))], axis=1)
    return Genotypes.from_labels(sizes, g.samples, list(g.loci) + ["AMEL"], None)


def test_export_set_re_reads_to_the_same_genotypes(tmp_path):
    g = _with_amel(G)
    pops = pd.DataFrame({"individual_id": ["S1", "S2", "S3", "S4", "S5", "S6"],
                         "population": ["2017-2020", "2021-2024", "2017-2020", "2021-2024",
                                        "2017-2020", "2017-2020"]})
    ind = pd.DataFrame({"individual_id": ["S1", "S2"], "sex": ["M", "F"]})
    res = exports.run(g, tmp_path, populations=pops, individuals=ind)
    animals = outputs.EXPORT_ANIMALS.read(tmp_path / "animals.tsv")
    assert animals["individual_id"].tolist() == ["S1", "S3", "S5", "S6", "S2", "S4"]
    assert animals["population_code"].tolist() == [1, 1, 1, 1, 2, 2]
    assert animals["sex"].tolist() == ["M", "", "", "", "F", ""]  # NA is read back as empty
    want = grouped(G.with_populations(pops.set_index("individual_id").loc[
        list(G.samples), "population"].tolist()))
    assert list(want.samples) == animals["individual_id"].tolist()
    for fmt in ("genalex", "genepop"):
        assert read_genotypes(res.files[fmt]).equals(want), fmt
    codes = [str(c) for c in animals["population_code"]]
    assert read_genotypes(res.files["structure"]).equals(want.with_populations(codes))
    back = read_genotypes(res.files["fstat"])
    assert _same_calls(back, want) and list(back.populations) == codes
    assert colony.read(res.files["colony"]).equals(want.with_populations(None))
    assert "AMEL" not in (tmp_path / "genepop.gen").read_text()  # sex marker left out
    freqs = outputs.EXPORT_ALLELE_FREQS.read(tmp_path / "allele_freqs.tsv")
    one = freqs[(freqs["locus"] == "FCA8") & (freqs["population"] == "all")]
    assert one["count"].sum() == 2 * one["n_typed"].iloc[0] == 10  # S6 missing
    kept = exports.run(g, tmp_path / "k", exclude_loci=())
    assert "AMEL" in read_genotypes(kept.files["genalex"]).loci
    assert set(read_genotypes(kept.files["genalex"]).populations) == {exports.NO_GROUPING}


def test_export_writes_secr_traps_privately(tmp_path):
    det = pd.DataFrame({"individual_id": ["S1"], "date": pd.to_datetime(["2020-01-05"]),
                        "year": [2020], "occasion": ["1"], "source": ["genetic"],
                        "place": ["P1"]})
    samples = pd.DataFrame({"site": ["P1"], "lat": [43.0], "lon": [131.0]})
    res = exports.run(G, tmp_path, detections=(det, {2020: ["1"]}, samples, None))
    mode = stat.S_IMODE(os.stat(res.files["secr_traps"]).st_mode)
    assert mode & 0o077 == 0
    lines = res.files["secr_captures"].read_text().splitlines()
    assert lines[1] == "# Session ID Occasion Detector" and lines[2] == "2020 S1 1 P1"


def test_export_cli_and_bad_input(tmp_path, capsys):
    src = FORMATS_DATA / "example_genalex.csv"
    assert main(["export", "--genotypes", str(src), "--out-dir", str(tmp_path / "e")]) == 0
    assert "6 animals" in capsys.readouterr().err
    assert (tmp_path / "e" / "colony.dat").exists()
    assert main(["export", "--genotypes", str(src), "--out-dir", str(tmp_path / "f"),
                 "--samples", "x.tsv"]) == 2
    assert "need both" in capsys.readouterr().err
    pops = tmp_path / "p.tsv"
    pops.write_text("individual_id\tpopulation\nS1\ta\n")
    assert main(["export", "--genotypes", str(src), "--out-dir", str(tmp_path / "g"),
                 "--populations", str(pops)]) == 2
    assert "not in the population table" in capsys.readouterr().err


# --------------------------------------------------------------------------- convert
def test_convert_takes_populations_and_excludes_loci(tmp_path):
    table = tmp_path / "pops.tsv"
    table.write_text("sample_id\tsite\n" + "".join(
        f"{s}\t{'north' if i < 2 else 'south'}\n" for i, s in enumerate(G.samples)))
    out = tmp_path / "o.gen"
    assert main(["convert", str(FORMATS_DATA / "example_genalex.csv"), str(out),
                 "--populations", str(table), "--population-column", "site",
                 "--exclude-loci", "F53"]) == 0
    back = read_genotypes(out)
    assert list(back.loci) == ["FCA8", "FCA43"]
    assert list(back.populations) == ["north"] * 2 + ["south"] * 4
    # without a table the source's populations are kept
    assert main(["convert", str(FORMATS_DATA / "example_genalex.csv"),
                 str(tmp_path / "k.gen")]) == 0
    assert list(read_genotypes(tmp_path / "k.gen").populations) == list(G.populations)


def test_convert_split_replicates_take_their_sample_population(tmp_path):
    table = pd.DataFrame({"sample_id": list(G.samples), "population": ["a"] * 3 + ["b"] * 3,
                          "_line": range(2, 8)})
    out = tmp_path / "o.csv"
    convert(FORMATS_DATA / "example_replicates.tsv", out, replicates="split",
            populations=table)
    back = read_genotypes(out)
    pop = dict(zip(G.samples, ["a"] * 3 + ["b"] * 3, strict=True))
    assert all(p == pop[s.split("@")[0]] for s, p in zip(back.samples, back.populations,
                                                         strict=True))


def test_convert_unknown_excluded_locus_is_an_error(tmp_path, capsys):
    assert main(["convert", str(FORMATS_DATA / "example.gen"), str(tmp_path / "o.csv"),
                 "--exclude-loci", "AMEL"]) == 2
    err = capsys.readouterr().err
    assert "AMEL" in err and "not in the file" in err
    assert not (tmp_path / "o.csv").exists()
