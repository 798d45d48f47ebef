"""`leogen validate`: every input of a config is read and every problem reported, exit 2."""

from __future__ import annotations

import os

import pytest

from leogen.cli import main

SAMPLES = (
    "sample_id\tsample_type\tdate\tsite\tlat\tlon\n"
    "SC1\tscat\t2021-03-04\tA\t43.1\t131.2\n"
    "SC2\tscat\t2021-03-05\tA\t43.1\t131.2\n"
    "BL1\tblood\t2020-11-01\tB\t43.2\t131.3\n"
)
GENOTYPES = (
    "sample_id\treplicate\tlocus\tallele1\tallele2\n"
    "SC1\t1\tFCA1\t214\t216\nSC1\t1\tAMEL\t194\t214\n"
    "SC2\t1\tFCA1\t214\t214\nSC2\t1\tAMEL\t214\t214\n"
    "BL1\t1\tFCA1\t216\t216\nBL1\t1\tAMEL\t214\t214\n"
)
SCREENING = (
    "sample_id\tdate\tpathogen\tassay\tresult\ttiter\n"
    "BL1\t2020-11-01\tCDV\tvnt\tpositive\t1:64\n"
)
FASTA = ">SC1\nACGTACGT\n>SC2\nACGTACGA\n"
REFERENCE = ">Panthera_pardus|H1\nACGTACGT\n>Lynx_lynx|H1\nACCTACCA\n"


def make_project(tmp_path, **overrides):
    files = {
        "samples.tsv": SAMPLES,
        "genotypes.tsv": GENOTYPES,
        "screening.tsv": SCREENING,
        "mtdna.fasta": FASTA,
        "ref.fasta": REFERENCE,
    }
    files.update(overrides.pop("files", {}))
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    config = {
        "samples": str(tmp_path / "samples.tsv"),
        "genotypes": str(tmp_path / "genotypes.tsv"),
        "screening": str(tmp_path / "screening.tsv"),
        "mtdna": str(tmp_path / "mtdna.fasta"),
        "mtdna_reference": str(tmp_path / "ref.fasta"),
    }
    config.update(overrides)
    lines = []
    for k, v in config.items():
        if isinstance(v, list):
            lines.append(f"{k}: [{', '.join(v)}]")
        else:
            lines.append(f"{k}: {v}")
    cfg = tmp_path / "config.yaml"
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def run(cfg, capsys):
    rc = main(["validate", "--config", str(cfg)])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_good_project_passes(tmp_path, capsys):
    rc, out, err = run(make_project(tmp_path), capsys)
    assert rc == 0, err
    assert out.startswith("OK: 5 input files checked")


def test_all_problems_reported_at_once(tmp_path, capsys):
    cfg = make_project(tmp_path, files={
        "samples.tsv": SAMPLES + "SC3\tscat\t2021-02-30\tA\t43.1\t131.2\nSC1\tscat\t2021-03-04\tA\t43.1\t131.2\n",
        "genotypes.tsv": GENOTYPES + "SC9\t1\tFCA1\t214\tl42\n",
        "screening.tsv": SCREENING + "XX1\t2020-11-01\tFPV\telisa\tnegative\t\n",
        "mtdna.fasta": FASTA + ">ZZ9\nACGT\n",
    })
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    rc, out, err = run(cfg, capsys)
    assert rc == 2
    assert "samples.tsv line 5: date '2021-02-30' is not a date" in err
    assert "samples.tsv line 6: sample_id 'SC1' appears twice (first on line 2)" in err
    assert "genotypes.tsv line 8: allele2 'l42' is not a whole number" in err
    assert "screening.tsv line 3: sample_id 'XX1' is not in the sample sheet" in err
    assert "mtdna.fasta line 5: sample_id 'ZZ9' is not in the sample sheet" in err
    assert "Traceback" not in err
    # inputs never modified
    assert before == {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}


def test_unknown_sample_in_genotypes(tmp_path, capsys):
    cfg = make_project(tmp_path, files={"genotypes.tsv": GENOTYPES + "SC7\t1\tFCA1\t214\t216\nSC7\t1\tAMEL\t214\t214\n"})
    rc, _, err = run(cfg, capsys)
    assert rc == 2
    assert "genotypes.tsv: sample_id 'SC7' is not in the sample sheet" in err


def test_loci_differ_between_files(tmp_path, capsys):
    other = GENOTYPES.replace("FCA1", "FCA9")
    (tmp_path / "genotypes2.tsv").write_text(other)
    cfg = make_project(tmp_path, genotypes=[str(tmp_path / "genotypes.tsv"), str(tmp_path / "genotypes2.tsv")])
    rc, _, err = run(cfg, capsys)
    assert rc == 2
    assert "genotypes2.tsv: column locus: loci differ from" in err
    assert "missing here ['FCA1'], extra here ['FCA9']" in err


def test_missing_sex_marker(tmp_path, capsys):
    cfg = make_project(tmp_path, files={"genotypes.tsv": "\n".join(
        ln for ln in GENOTYPES.splitlines() if "AMEL" not in ln) + "\n"})
    rc, _, err = run(cfg, capsys)
    assert rc == 2
    assert "the sex marker locus 'AMEL'" in err


def test_config_problems(tmp_path, capsys):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("genotypes: g.tsv\nseed: x\nconsensus: {min_het_replicates: 0}\nspeling: 1\n")
    rc, _, err = run(cfg, capsys)
    assert rc == 2
    assert "required key missing: 'samples'" in err
    assert "seed: 'x' is not of type 'integer'" in err
    assert "consensus.min_het_replicates: 0 is less than the minimum of 1" in err
    assert "unknown key 'speling'" in err


def test_unknown_key_is_an_error_with_a_suggestion(tmp_path, capsys):
    cfg = make_project(tmp_path, identfy={"method": "likelihood"})
    rc, _, err = run(cfg, capsys)
    assert rc == 2
    assert "unknown key 'identfy'; did you mean 'identify'?" in err


def test_config_version_and_yaml(tmp_path, capsys):
    cfg = make_project(tmp_path, config_version=2)
    rc, _, err = run(cfg, capsys)
    assert rc == 2 and "config_version 2 is not supported" in err
    cfg.write_text("samples: [unclosed\n")
    rc, _, err = run(cfg, capsys)
    assert rc == 2 and "not valid YAML" in err
    rc, _, err = run(tmp_path / "nope.yaml", capsys)
    assert rc == 2 and "config file not found" in err


def test_bad_fasta_and_missing_files(tmp_path, capsys):
    cfg = make_project(tmp_path, files={"mtdna.fasta": "SC1 ACGT\n", "ref.fasta": ">noname\nACGT\n"})
    os.remove(tmp_path / "screening.tsv")
    rc, _, err = run(cfg, capsys)
    assert rc == 2
    assert "mtdna.fasta line 1: not FASTA: expected a '>' header line before sequence" in err
    assert "ref.fasta line 1: reference id 'noname' is not '<Genus_species>|<haplotype>'" in err
    assert "screening.tsv: file not found" in err


@pytest.mark.parametrize("text, message", [
    ("", "file is empty"),
    ("sample_id,sample_type,date,site,lat,lon\nSC1,scat,2021-03-04,A,1,2\n",
     "expected tab-separated columns but the header is comma-separated"),
])
def test_empty_and_wrong_delimiter_sample_sheet(tmp_path, capsys, text, message):
    cfg = make_project(tmp_path, files={"samples.tsv": text})
    rc, _, err = run(cfg, capsys)
    assert rc == 2
    assert f"samples.tsv: {message}" in err or f"samples.tsv line 1: {message}" in err


@pytest.mark.parametrize("text, message", [
    ("#CHROM\tPOS\n", "snps.vcf line 1: not a VCF: the first line must be '##fileformat=VCFv4.x'"),
    ("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tBL1\tXX9\n",
     "snps.vcf: sample 'XX9' is not in the sample sheet"),
])
def test_vcf_checked_with_the_snp_stage_reader(tmp_path, capsys, text, message):
    """validate reads the VCF header with the reader the SNP stage uses (io.vcfstream)."""
    cfg = make_project(tmp_path, files={"snps.vcf": text}, snps=str(tmp_path / "snps.vcf"))
    rc, _, err = run(cfg, capsys)
    assert rc == 2
    assert message in err.replace(str(tmp_path) + "/", ""), err


# ---- validate checks what the stages check (issue 23): a config it passes does not fail later


def test_max_errors_must_be_at_least_one(tmp_path, capsys):
    cfg = make_project(tmp_path, files={"genotypes.tsv": GENOTYPES + "SC8\t1\tFCA1\t214\t2x\n"
                                        "SC9\t1\tFCA1\t214\t216\n"})
    with pytest.raises(SystemExit) as e:
        main(["validate", "--config", str(cfg), "--max-errors", "0"])
    assert e.value.code == 2
    assert "--max-errors: 0 is not allowed; expected a whole number >= 1" in capsys.readouterr().err
    rc = main(["validate", "--config", str(cfg), "--max-errors", "1"])
    err = capsys.readouterr().err
    assert rc == 2 and "1 problem(s) found (first 1 shown)" in err


@pytest.mark.parametrize("cutoff_cell", ["abc", "1:x"])
def test_screening_cutoff_cell_read_as_the_health_stage_reads_it(tmp_path, capsys, cutoff_cell):
    sheet = ("sample_id\tdate\tpathogen\tassay\tresult\ttiter\tcutoff\n"
             f"BL1\t2020-11-01\tCDV\tvnt\tpositive\t1:64\t{cutoff_cell}\n")
    cfg = make_project(tmp_path, files={"screening.tsv": sheet})
    rc, _, err = run(cfg, capsys)
    assert rc == 2
    assert "screening.tsv line 2" in err and cutoff_cell in err, err


def test_config_cutoff_read_as_the_health_stage_reads_it(tmp_path, capsys):
    cfg = make_project(tmp_path)
    cfg.write_text(cfg.read_text() + "health:\n  cutoffs: {CDV: {vnt: abc}}\n")
    rc, _, err = run(cfg, capsys)
    assert rc == 2
    assert "config: column health.cutoffs: CDV/vnt: cut-off 'abc' is not a titre" in err, err
    cfg.write_text(cfg.read_text().replace("abc", "'1:16'"))
    rc, _, err = run(cfg, capsys)
    assert rc == 0, err


def test_target_species_must_be_in_the_reference_panel(tmp_path, capsys):
    cfg = make_project(tmp_path, target_species="'Panthera_pardus; touch PWNED'")
    rc, _, err = run(cfg, capsys)
    assert rc == 2
    assert ("ref.fasta: the target species 'Panthera_pardus; touch PWNED' (config "
            "target_species) has no haplotype in the reference panel") in err, err


def test_camera_aliases_need_camera_traps(tmp_path, capsys):
    cfg = make_project(tmp_path, camera_aliases=str(tmp_path / "aliases.tsv"))
    rc, _, err = run(cfg, capsys)
    assert rc == 2 and "camera_aliases is given but camera_traps is not" in err


def test_bad_camera_stations_sheet(tmp_path, capsys):
    (tmp_path / "stations.tsv").write_text("station\tlat\tlon\nCAM1\tabc\t131.2\n")
    cfg = make_project(tmp_path, camera_stations=str(tmp_path / "stations.tsv"))
    rc, _, err = run(cfg, capsys)
    assert rc == 2 and "stations.tsv" in err and "line 2" in err


def test_hash_inside_a_field_is_data_not_a_comment(tmp_path, capsys):
    """A '#' inside a cell is kept (only a line starting with '#' is a comment)."""
    from leogen.io.sheets import read_samples

    samples = SAMPLES.replace("\tA\t43.1\t131.2\n", "\tA#2\t43.1\t131.2\n", 1)
    cfg = make_project(tmp_path, files={"samples.tsv": "# exported 2021\n" + samples})
    rc, out, err = run(cfg, capsys)
    assert rc == 0, err
    assert read_samples(tmp_path / "samples.tsv")["site"].tolist() == ["A#2", "A", "B"]


def test_field_longer_than_the_csv_default_limit(tmp_path, capsys):
    notes = "x" * 200_000
    samples = SAMPLES.splitlines()
    samples = [samples[0] + "\tnotes"] + [ln + f"\t{notes}" for ln in samples[1:]]
    cfg = make_project(tmp_path, files={"samples.tsv": "\n".join(samples) + "\n"})
    rc, _, err = run(cfg, capsys)
    assert rc == 0, err


VCF_TEXT = (
    "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=100000>\n##contig=<ID=chr2,length=100000>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSC1\tSC2\tBL1\n"
)


def _indexed_vcf(path, step, n=400):
    """A bgzipped, tabix-indexed VCF of two contigs (``step`` apart: different offsets)."""
    import pysam

    rows = [f"chr{c}\t{1 + step * k}\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\t1/1\t0/0\n"
            for c in (1, 2) for k in range(n)]
    plain = path.with_suffix("")
    plain.write_text(VCF_TEXT + "".join(rows))
    pysam.tabix_compress(str(plain), str(path), force=True)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    plain.unlink()
    return path


def test_indexed_vcf_passes(tmp_path, capsys):
    vcf = _indexed_vcf(tmp_path / "snps.vcf.gz", 7)
    rc, _, err = run(make_project(tmp_path, snps=str(vcf)), capsys)
    assert rc == 0, err


def test_stale_index(tmp_path, capsys):
    vcf = _indexed_vcf(tmp_path / "snps.vcf.gz", 7)
    later = os.stat(vcf).st_mtime + 60
    os.utime(vcf, (later, later))  # the VCF was rewritten after indexing
    rc, _, err = run(make_project(tmp_path, snps=str(vcf)), capsys)
    assert rc == 2
    assert "snps.vcf.gz: its index snps.vcf.gz.tbi is older than the file" in err, err


def test_index_of_another_file(tmp_path, capsys):
    vcf = _indexed_vcf(tmp_path / "snps.vcf.gz", 7, n=3000)
    other = _indexed_vcf(tmp_path / "other.vcf.gz", 3, n=200)
    os.replace(f"{other}.tbi", f"{vcf}.tbi")  # the index of another file, newer than the VCF
    rc, _, err = run(make_project(tmp_path, snps=str(vcf)), capsys)
    assert rc == 2
    assert "snps.vcf.gz: its index snps.vcf.gz.tbi does not belong to it" in err, err
    assert "Traceback" not in err


def test_plain_gzip_vcf(tmp_path, capsys):
    import gzip

    vcf = tmp_path / "snps.vcf.gz"
    vcf.write_bytes(gzip.compress((VCF_TEXT + "chr1\t5\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\t1/1\t0/0\n")
                                  .encode()))
    rc, _, err = run(make_project(tmp_path, snps=str(vcf)), capsys)
    assert rc == 2
    assert "snps.vcf.gz: is compressed with plain gzip, not bgzip" in err, err


def test_vcf_without_index(tmp_path, capsys):
    vcf = _indexed_vcf(tmp_path / "snps.vcf.gz", 7)
    os.unlink(f"{vcf}.tbi")
    rc, _, err = run(make_project(tmp_path, snps=str(vcf)), capsys)
    assert rc == 2 and "snps.vcf.gz: has no index (.tbi or .csi)" in err
