"""The simulator's driver: one seeded run of every sub-model, written as workflow inputs +
``truth/``.

``simulate(params, seed, out_dir)`` spawns 18 independent child seeds of the run's seed
(``np.random.SeedSequence(seed).spawn(18)``) and gives each sub-model its own, so changing
e.g. the number of SNPs leaves the microsatellite data unchanged. The child-seed numbers
below are part of the output: renumbering them changes every bundled example file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from leogen.errors import InputError
from leogen.io.atomic import atomic_open, write_table
from leogen.io.longtable import write_long
from leogen.io.vcf import write_vcf
from leogen.pedigree.kinship import (
    inbreeding_coefficients,
    kinship_matrix,
    kinship_pairs,
    pedigree_frame_indices,
    relationship_matrix,
)
from leogen.simulate.cameras import (
    camera_detections,
    camera_operation,
    camera_stations,
    operating_periods,
)
from leogen.simulate.demography import simulate_pedigree
from leogen.simulate.disease import screening_tests, simulate_infection
from leogen.simulate.genotyping import error_constants, genotype_samples, sizes_to_replicates
from leogen.simulate.microsatellites import make_loci, true_microsats
from leogen.simulate.mtdna import (
    barcodes,
    maternal_haplotypes,
    mtdna_panel,
    reference_records,
    write_fasta,
)
from leogen.simulate.params import (
    DEFAULT_SEED,
    SimParams,
    as_params,
    read_params_file,
)
from leogen.simulate.sampling import make_sites, sample_animals, search_visits
from leogen.simulate.snps import ibd_segments, simulate_snps, snp_genotypes
from leogen.simulate.space import Projection, activity_centres, density_truth, in_box, state_space
from leogen.simulate.truth import (
    census,
    mt_haplotypes_truth,
    pedigree_truth,
    samples_truth,
    snp_truth,
    true_ne,
)

# child seed of each sub-model (indices into SeedSequence(seed).spawn(N_CHILD_SEEDS))
N_CHILD_SEEDS = 18
SEED_PEDIGREE, SEED_LOCI, SEED_MICROSATS, SEED_SITES, SEED_SAMPLES = 0, 1, 2, 3, 4
SEED_QUALITY, SEED_REPLICATES, SEED_MTDNA_PANEL, SEED_INFECTION, SEED_SNPS = 5, 6, 7, 8, 9
SEED_HAPLOTYPES, SEED_BARCODES, SEED_SCREENING, SEED_STATIONS, SEED_CAMERAS = 10, 11, 12, 13, 14
SEED_CENTRES, SEED_VISITS, SEED_CAMERA_OPERATION = 15, 16, 17


def _fmt_coord(x) -> list[str]:
    """Coordinates as written in every table: 5 decimals (about 1 m)."""
    return [f"{v:.5f}" for v in x]


def _with_coords(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(lat=_fmt_coord(df["lat"]), lon=_fmt_coord(df["lon"]))


def _check_seed(seed, path=None) -> int:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"seed must be a non-negative whole number, got {seed!r}", path,
                         column="seed")
    return int(seed)


def simulate(params: SimParams | dict | None, seed: int, out_dir) -> dict:
    """Simulate a population and write the example inputs and ``truth/`` to ``out_dir``.

    Sub-models, in the order they run (each in its own module of ``leogen.simulate``):
    demography (pedigree), microsatellites (loci, true genotypes), space (projection, state
    space, activity centres), sampling (search cells and visits, scats, blood), genotyping (PCR replicates with errors), mtdna (panel, barcodes), disease
    (infections, screening), cameras, truth tables, and snps last.

    Parameters
    ----------
    params : SimParams, dict or None
        Parameters (a mapping is read by ``SimParams.from_dict``; None: the defaults).
    seed : int
        Non-negative; the same parameters and seed give byte-identical files.
    out_dir : path-like
        Output directory: ``samples.tsv``, ``genotypes.tsv``, ``screening.tsv``,
        ``mtdna.fasta``, ``mtdna_reference.fasta``, ``camera_traps.tsv``,
        ``camera_stations.tsv``, ``search_effort.tsv``,
        ``snps.vcf.gz`` (+ ``.tbi``; only when ``n_snps`` > 0) and ``truth/``.

    Returns
    -------
    dict
        ``n_animals``, ``n_sampled``, ``n_samples``, ``n_scats``, ``n_blood_animals``,
        ``n_other_species``, ``errors`` (the realised error-rate table), ``vcf_writer``,
        ``f_max``, ``n_camera_detections``, ``n_camera_animals``, ``n_searches`` (rows of
        search_effort.tsv), ``mean_density_per_100km2`` (true density of animals of
        sampleable age in the state space, mean over the study years).

    Raises
    ------
    InputError
        Invalid parameters or seed.
    """
    p = as_params(params)
    seed = _check_seed(seed)
    out = Path(out_dir)
    truth = out / "truth"
    ss = np.random.SeedSequence(seed).spawn(N_CHILD_SEEDS)

    ped = simulate_pedigree(p, ss[SEED_PEDIGREE])
    s, d = pedigree_frame_indices(ped)
    kin = kinship_matrix(s, d)
    f = inbreeding_coefficients(s, d, kin)
    rel = relationship_matrix(s, d)

    loci = make_loci(p, ss[SEED_LOCI])
    true_sizes = true_microsats(ped, loci, ss[SEED_MICROSATS])
    locus_names = [loc["name"] for loc in loci] + [p.sex_marker]

    proj = Projection(p)
    space = state_space(p, proj)
    centres = activity_centres(ped, p, space, ss[SEED_CENTRES])
    sites = make_sites(p, ss[SEED_SITES])
    sites_xy = np.column_stack(proj.to_xy(sites["lat"], sites["lon"]))
    visits = search_visits(sites, p, ss[SEED_VISITS])
    samples = sample_animals(ped, sites, visits, centres, sites_xy, p, ss[SEED_SAMPLES])
    typed = genotype_samples(samples, ped, loci, true_sizes, p, ss[SEED_QUALITY],
                             ss[SEED_REPLICATES])
    rates = typed.rates

    panel = mtdna_panel(p, ss[SEED_MTDNA_PANEL])
    hap = maternal_haplotypes(ped, p.n_haplotypes_target, ss[SEED_HAPLOTYPES])
    hap_of = dict(zip(ped["individual_id"], hap, strict=True))
    bars = barcodes(samples, hap_of, panel, rates["dna_quality"].to_numpy(), p,
                    ss[SEED_BARCODES])

    infection = simulate_infection(ped, f, p, ss[SEED_INFECTION])
    screening = screening_tests(samples, infection, p, ss[SEED_SCREENING])

    stations = camera_stations(p, ss[SEED_STATIONS])
    stations_xy = np.column_stack(proj.to_xy(stations["lat"], stations["lon"]))
    period = (samples["date"].min(), samples["date"].max())
    days, operating = camera_operation(stations, period, p, ss[SEED_CAMERA_OPERATION])
    cam_det, cam_alias = camera_detections(ped, stations, days, operating, centres,
                                           stations_xy, p, ss[SEED_CAMERAS])

    # ------------------------------------------------------------------ write inputs
    sheet = pd.DataFrame({
        "sample_id": samples["sample_id"], "sample_type": samples["sample_type"],
        "date": samples["date"], "site": samples["site"],
        "lat": _fmt_coord(samples["lat"]), "lon": _fmt_coord(samples["lon"]),
        "individual_hint": np.where(samples["sample_type"] == "blood",
                                    samples["individual_id"].fillna(""), ""),
        "sex": samples["sex"], "age_class": samples["age_class"],
        "collector": samples["collector"]})
    write_table(sheet, out / "samples.tsv")
    write_long(typed.replicates, out / "genotypes.tsv")
    write_table(screening, out / "screening.tsv")
    write_fasta(bars, out / "mtdna.fasta")
    write_fasta(reference_records(panel), out / "mtdna_reference.fasta")
    write_table(_with_coords(cam_det), out / "camera_traps.tsv")
    write_table(_with_coords(operating_periods(stations, days, operating)),
                out / "camera_stations.tsv")
    write_table(search_effort_table(visits, sites), out / "search_effort.tsv")

    # ------------------------------------------------------------------- write truth
    sampled = np.zeros(len(ped), bool)
    sampled[typed.animal_rows] = True
    write_table(pedigree_truth(ped, f), truth / "pedigree.tsv")
    write_table(kinship_pairs(ped["individual_id"].to_numpy(), kin, rel, sampled),
                truth / "kinship.tsv")
    srow = np.flatnonzero(sampled)
    gt_true = sizes_to_replicates(true_sizes[srow][:, :, None, :],
                                  np.ones((srow.size, len(locus_names), 1), bool),
                                  ped["individual_id"].to_numpy()[srow], locus_names)
    write_long(gt_true, truth / "genotypes_true.tsv")
    write_table(samples_truth(samples, rates), truth / "samples_truth.tsv")
    write_table(typed.errors, truth / "error_rates.tsv")
    study = np.arange(p.end_year - p.study_years + 1, p.end_year + 1)
    write_table(infection[infection["year"].isin(study)].sort_values(
        ["individual_id", "pathogen", "year"], kind="stable"), truth / "infection.tsv")
    write_table(census(ped, p), truth / "census.tsv")
    write_table(_with_coords(sites), truth / "sites.tsv")
    write_table(mt_haplotypes_truth(ped, hap), truth / "mt_haplotypes.tsv")
    write_table(true_ne(ped, f, np.arange(p.start_year, p.end_year + 1), study),
                truth / "ne.tsv")
    write_table(cam_alias, truth / "camera_aliases_true.tsv")
    (truth / "camera_stations.tsv").unlink(missing_ok=True)  # now an input (camera_stations.tsv)
    c_lat, c_lon = proj.to_latlon(centres[:, 0], centres[:, 1])
    write_table(pd.DataFrame({"individual_id": ped["individual_id"],
                              "x_m": [f"{v:.1f}" for v in centres[:, 0]],
                              "y_m": [f"{v:.1f}" for v in centres[:, 1]],
                              "lat": _fmt_coord(c_lat), "lon": _fmt_coord(c_lon),
                              "in_study_box": in_box(c_lat, c_lon, p).astype(int)}),
                truth / "activity_centres.tsv")
    dens = density_truth(ped, (c_lat, c_lon), p, space,
                         _detected_by_year(ped, samples, cam_det, cam_alias, p))
    write_table(dens, truth / "density.tsv")

    # SNPs last
    vcf_writer = "none"
    for stale in (out / "snps.vcf.gz", out / "snps.vcf.gz.tbi"):
        stale.unlink(missing_ok=True)  # a rerun without SNPs must not leave an old VCF
    blood = samples[samples["sample_type"] == "blood"].drop_duplicates("individual_id")
    if p.n_snps and len(blood):
        snps = simulate_snps(ped, p, ss[SEED_SNPS])
        row_of = pd.Series(np.arange(len(ped)), index=ped["individual_id"])
        brow = row_of[blood["individual_id"].to_numpy()].to_numpy()
        g = snp_genotypes(snps, brow, blood["sample_id"].to_numpy())
        write_vcf(g, out / "snps.vcf.gz", chrom=snps["chrom"], pos=snps["pos"], index=True)
        vcf_writer = "leogen.io.vcf"
        lab = snps["labels"][brow]
        write_table(snp_truth(g, lab, blood["individual_id"].to_numpy(), f[brow]),
                    truth / "snp_truth.tsv")
        seg = ibd_segments(lab, snps["chrom"], snps["pos"], blood["sample_id"].to_numpy())
        write_table(seg.rename(columns={"individual_id": "sample_id"}),
                    truth / "ibd_segments.tsv")

    sd_f = float(np.std(f[sampled])) if sampled.any() else 0.0
    meta = {"seed": seed, **p.to_dict(),
            "derived": {"inbreeding_effect_log_odds_per_unit_f": p.inbreeding_effect,
                        "inbreeding_effect_log_odds_per_sd_f_sampled": p.inbreeding_effect * sd_f,
                        "sd_f_sampled": sd_f,
                        "error_constants": error_constants(p.quality_beta_a, p.quality_beta_b,
                                                           p.fail_scat, p.ado_scat, p.fa_scat),
                        "vcf_writer": vcf_writer,
                        "state_space": {k: space[k] for k in ("crs", "xmin", "xmax", "ymin",
                                                               "ymax", "area_km2",
                                                               "study_box_km2")},
                        "detection": {"scat": {"detector": "count", "lambda0_per_km":
                                               p.lambda0_scat, "sigma_m": p.sigma_m,
                                               "occasion": "search visit (month)"},
                                      "camera": {"detector": "proximity",
                                                 "g0_per_month": p.g0_camera,
                                                 "sigma_m": p.sigma_m,
                                                 "occasion": "calendar month"}}}}
    with atomic_open(truth / "params.yaml", "w", encoding="utf-8") as fh:
        yaml.safe_dump(_plain(meta), fh, sort_keys=False, default_flow_style=None)

    is_target = np.zeros(len(samples), bool)
    is_target[typed.target_rows] = True
    return {"n_animals": len(ped), "n_sampled": int(sampled.sum()),
            "n_samples": len(samples), "n_scats": int((samples["sample_type"] == "scat").sum()),
            "n_blood_animals": int(blood["individual_id"].nunique()),
            "n_other_species": int((~is_target).sum()), "errors": typed.errors,
            "vcf_writer": vcf_writer, "f_max": float(f.max()),
            "n_camera_detections": len(cam_det), "n_camera_animals": len(cam_alias),
            "n_searches": len(visits),
            "mean_density_per_100km2": float(dens["density_per_100km2"].mean())}


def search_effort_table(visits: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """The ``search_effort.tsv`` input: one row per search of a cell on a date.

    Parameters
    ----------
    visits : DataFrame
        ``leogen.simulate.sampling.search_visits``.
    sites : DataFrame
        ``make_sites`` (``site`` is the detector id).

    Returns
    -------
    DataFrame
        ``detector_id, lat, lon, date, effort_km`` (coordinates 5 decimals, effort 2).
    """
    k = visits["site_idx"].to_numpy()
    return pd.DataFrame({"detector_id": sites["site"].to_numpy()[k],
                         "lat": _fmt_coord(sites["lat"].to_numpy()[k]),
                         "lon": _fmt_coord(sites["lon"].to_numpy()[k]),
                         "date": visits["date"].to_numpy(),
                         "effort_km": [f"{v:.2f}" for v in visits["effort_km"]]})


def _detected_by_year(ped, samples, cam_det, cam_alias, p) -> dict:
    """{source: bool (n_individuals, study_years)}: true animals detected by scat / camera."""
    years = np.arange(p.end_year - p.study_years + 1, p.end_year + 1)
    row = pd.Series(np.arange(len(ped)), index=ped["individual_id"].to_numpy())
    col = pd.Series(np.arange(years.size), index=years)
    out = {}
    scat = samples[(samples["sample_type"] == "scat") & samples["individual_id"].notna()]
    cam_true = cam_det["individual_id"].map(
        cam_alias.set_index("camera_id")["individual_id"]) if len(cam_det) else pd.Series([])
    cam_year = pd.to_datetime(cam_det["date"]).dt.year if len(cam_det) else pd.Series([])
    for name, ids, yrs in (("scat", scat["individual_id"], scat["year"]),
                           ("camera", cam_true, cam_year)):
        m = np.zeros((len(ped), years.size), dtype=bool)
        if len(ids):
            m[row[ids.to_numpy()].to_numpy(), col[yrs.to_numpy()].to_numpy()] = True
        out[name] = m
    return out


def run(out_dir, params_path=None, seed=None, overrides: dict | None = None) -> dict:
    """``leogen simulate``: parameters from defaults, a YAML file and overrides; one run.

    Parameters
    ----------
    out_dir : path-like
        Output directory of ``simulate``.
    params_path : path-like, optional
        YAML mapping of parameters (``read_params_file``); its ``seed`` is used when
        ``seed`` is None.
    seed : int, optional
        Seed of the run (default: the file's seed, else ``DEFAULT_SEED``).
    overrides : dict, optional
        ``parameter: value`` applied over the file (None values are ignored).

    Returns
    -------
    dict
        The summary of ``simulate``.
    """
    raw = read_params_file(params_path)
    if seed is None:
        seed = raw.get("seed", DEFAULT_SEED)
    raw.update({k: v for k, v in (overrides or {}).items() if v is not None})
    params = SimParams.from_dict(raw, path=params_path)
    _check_seed(seed, params_path)
    return simulate(params, seed, out_dir)


def _plain(x):
    """Python builtins only, for a deterministic safe YAML dump."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        return float(x)
    return x
