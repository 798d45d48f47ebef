"""Exports of the identified animals for the tools users run next.

:func:`run` writes, from one genotype per animal (``identify/individual_genotypes.tsv``),
one row per animal, populations as the workflow groups them (``diversity/populations.tsv``
of ``diversity.group_by``; one population ``all_animals`` without grouping), and the sex
marker left out unless asked:

* ``genalex.csv`` (GenAlEx 6.5), ``genepop.gen`` (Genepop 4; population names in the title
  line), ``structure.str`` (STRUCTURE, one row per animal, POPDATA = the population number
  of ``animals.tsv``), ``fstat.dat`` (FSTAT / hierfstat ``read.fstat``; rows in the order
  of ``animals.tsv``, which FSTAT has no column for), ``colony.dat`` (COLONY 2, every animal
  an offspring, males and females also candidate parents, per-locus dropout and other-error rates from leogen's error model when
  given; :mod:`leogen.io.colony`);
* ``allele_freqs.tsv`` (counts and frequencies per locus and population, 'all' pooled) and
  ``animals.tsv`` (the row order, population, population number and sex);
* with the detections (``identify/sample_individual.tsv`` and the sample sheet, plus camera
  traps when given): ``secr_captures.txt`` and ``secr_traps.txt`` for R ``secr``
  ``read.capthist(captfile, trapfile, detector = "proximity")`` and ``secr_sessions.tsv``
  (:func:`secr_files`).

All files are written atomically; ``secr_traps.txt`` holds detector positions (site and
station coordinates, projected to metres) and is therefore written not world-readable
(``leogen.io.atomic.PRIVATE``), as every file that may hold exact locations.
Each genotype file re-reads in leogen (``leogen convert`` or
:func:`leogen.io.formats.read_genotypes`, :func:`leogen.io.colony.read`) to the same genotypes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from leogen.errors import InputError
from leogen.export import outputs
from leogen.io.atomic import PRIVATE, atomic_open
from leogen.model.frequencies import allele_tallies
from leogen.model.genotypes import Genotypes
from leogen.popgen.outputs import file_name

NO_GROUPING = "all_animals"
EARTH_RADIUS_M = 6_371_008.8
GENOTYPE_FILES = {"genalex": "genalex.csv", "genepop": "genepop.gen",
                  "structure": "structure.str", "fstat": "fstat.dat", "colony": "colony.dat"}
SECR_CAPTURES = "secr_captures.txt"
SECR_TRAPS = "secr_traps.txt"


@dataclass
class ExportResult:
    """What :func:`run` wrote: file name -> path, the animals table, the population codes."""

    files: dict = field(default_factory=dict)
    animals: pd.DataFrame | None = None
    codes: dict = field(default_factory=dict)


def allele_frequency_table(g: Genotypes) -> pd.DataFrame:
    """Allele counts and frequencies per locus and population, then the pooled 'all' rows.

    Parameters
    ----------
    g : Genotypes, (n_individuals, n_loci, 2), populations optional.

    Returns
    -------
    DataFrame ``locus, population, allele, count, n_typed, freq`` (freq NaN where no
    individual of the group is typed).
    """
    K = max((len(a) for a in g.alleles), default=1)
    k = np.array([len(a) for a in g.alleles])
    groups = []
    if g.populations is not None:
        pops = np.asarray(g.populations, dtype=str)
        groups = [(p, pops == p) for p in sorted(set(pops.tolist()))]
    groups.append(("all", np.ones(g.n_samples, dtype=bool)))
    labels = (np.concatenate([np.asarray(a).astype(str) for a in g.alleles])
              if k.sum() else np.array([], dtype=str))
    locus = np.repeat(g.loci, k)
    sel = np.arange(K)[None, :] < k[:, None]
    frames = []
    for name, mask in groups:  # a handful of populations
        n, counts, _, _ = allele_tallies(g.calls[mask], K)
        nn = np.repeat(n, k)
        cnt = counts[sel]
        with np.errstate(invalid="ignore", divide="ignore"):
            freq = np.where(nn > 0, cnt / (2.0 * nn), np.nan)
        frames.append(pd.DataFrame({"locus": locus, "population": name, "allele": labels,
                                    "count": cnt, "n_typed": nn, "freq": freq}))
    return pd.concat(frames, ignore_index=True)[outputs.EXPORT_ALLELE_FREQS.names]


def colony_error_rates(table: pd.DataFrame | None, loci) -> tuple[np.ndarray, np.ndarray]:
    """Per-locus dropout and other-error rates for COLONY from an error-rate table.

    Parameters
    ----------
    table : ``locus, basis, ado_rate, fa_rate`` (``error_rates/error_rates_locus.tsv``) or
        None. Per locus the ``likelihood`` basis is used when present (maximum-likelihood
        rates), else the first row of the locus.
    loci : the exported loci.

    Returns
    -------
    (dropout, other_error) : float arrays (n_loci,); 0 and 0.01 where no rate is known,
    rates clipped to [0, 0.5].
    """
    loci = list(loci)
    ado = np.zeros(len(loci))
    err = np.full(len(loci), 0.01)
    if table is None or table.empty:
        return ado, err
    t = table.assign(_pref=(table["basis"] != "likelihood").astype(int))
    t = t.sort_values(["locus", "_pref"], kind="stable").drop_duplicates("locus")
    by = t.set_index("locus")
    for j, locus in enumerate(loci):  # per locus (~20)
        if locus in by.index:
            a, f = by.loc[locus, "ado_rate"], by.loc[locus, "fa_rate"]
            if pd.notna(a):
                ado[j] = min(max(float(a), 0.0), 0.5)
            if pd.notna(f):
                err[j] = min(max(float(f), 0.0), 0.5)
    return ado, err


def _project(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local equirectangular projection to metres around the centre of the points (errors
    below 0.1% across a study area of ~100 km)."""
    lat0 = float(np.mean(lat))
    lon0 = float(np.mean(lon))
    k = math.pi / 180 * EARTH_RADIUS_M
    return (lon - lon0) * k * math.cos(math.radians(lat0)), (lat - lat0) * k


def secr_files(detections: pd.DataFrame, occasions: dict, samples: pd.DataFrame,
               camera: pd.DataFrame | None = None):
    """secr capture and trap files from the detections of identified animals.

    Sessions are the years (the closed periods of ``leogen abundance``); occasions are the
    surveyed occasions of the year numbered 1..S in time order; detectors are the sample
    sites of the sheet (``site``, position = mean of its samples' coordinates) and the
    camera stations (``cam_<station>``); every surveyed detector is listed, detected or not.

    Parameters
    ----------
    detections : :func:`leogen.monitoring.captures.combine_detections` table
        (``individual_id, date, year, occasion, source, place``).
    occasions : {year: occasion labels} (:func:`leogen.monitoring.captures.surveyed_occasions`).
    samples : the sample sheet (``site, lat, lon``).
    camera : the camera detections (``station, lat, lon``) or None.

    Returns
    -------
    (captures, traps, sessions) : DataFrames ``Session ID Occasion Detector``,
    ``Detector x y`` (metres) and the :data:`leogen.export.outputs.EXPORT_SECR_SESSIONS`
    rows.
    """
    sites = samples.dropna(subset=["lat", "lon"]).groupby("site", sort=True)[["lat", "lon"]]
    pos = [sites.mean().reset_index().rename(columns={"site": "detector"})]
    if camera is not None and len(camera):
        st = camera.dropna(subset=["lat", "lon"]).groupby("station", sort=True)[["lat", "lon"]]
        cam = st.first().reset_index()
        cam["detector"] = "cam_" + cam["station"].astype(str)
        pos.append(cam[["detector", "lat", "lon"]])
    traps = pd.concat(pos, ignore_index=True)
    if traps.empty:
        raise InputError("no sample site or camera station has coordinates; secr needs "
                         "detector positions")
    x, y = _project(traps["lat"].to_numpy(float), traps["lon"].to_numpy(float))
    traps = pd.DataFrame({"Detector": traps["detector"].astype(str), "x": np.round(x, 1),
                          "y": np.round(y, 1)})
    det = detections.copy()
    det["Detector"] = np.where(det["source"] == "camera", "cam_" + det["place"].astype(str),
                               det["place"].astype(str))
    unknown = ~det["Detector"].isin(traps["Detector"])
    if unknown.any():
        raise InputError(f"detections at '{det['Detector'][unknown].iloc[0]}', which has no "
                         "coordinates in the sample sheet or camera sheet")
    number = {(y_, lab): i + 1 for y_, labs in occasions.items() for i, lab in enumerate(labs)}
    det["Occasion"] = [number[(int(y_), o)] for y_, o in zip(det["year"], det["occasion"],
                                                             strict=True)]
    caps = (det.rename(columns={"year": "Session", "individual_id": "ID"})
            [["Session", "ID", "Occasion", "Detector"]]
            .drop_duplicates().sort_values(["Session", "ID", "Occasion", "Detector"],
                                           kind="stable").reset_index(drop=True))
    sessions = pd.DataFrame([
        {"session": int(y_), "n_occasions": len(labs), "occasion_labels": ",".join(labs),
         "n_animals": int(caps.loc[caps["Session"] == y_, "ID"].nunique()),
         "n_detections": int((caps["Session"] == y_).sum())}
        for y_, labs in occasions.items() if (caps["Session"] == y_).any()],
        columns=outputs.EXPORT_SECR_SESSIONS.names)
    return caps, traps, sessions


def _write_text(df: pd.DataFrame, path: Path, header: str, permissions=None) -> None:
    """Whitespace-separated rows without a header row; the column names go on a ``#`` line
    (secr reads the columns by position and skips comment lines)."""
    for col in df.columns:
        if df[col].dtype == object and df[col].astype(str).str.contains(r"\s").any():
            bad = df.loc[df[col].astype(str).str.contains(r"\s"), col].iloc[0]
            raise InputError(f"{col} '{bad}' contains white space, which secr files do not "
                             "allow", path)
    cells = df.astype(str).to_numpy()
    lines = [header, "# " + " ".join(df.columns)] + [" ".join(r) for r in cells.tolist()]
    with atomic_open(path, "w", encoding="utf-8", permissions=permissions) as fh:
        fh.write("\n".join(lines) + "\n")


def run(g: Genotypes, out_dir, populations: pd.DataFrame | None = None,
        exclude_loci=("AMEL",), individuals: pd.DataFrame | None = None,
        error_rates: pd.DataFrame | None = None, detections=None, seed: int = 1,
        source=None, group_by: str = "none", sample_links: pd.DataFrame | None = None,
        samples: pd.DataFrame | None = None, period_years: int = 4) -> ExportResult:
    """Write every export of the identified animals to ``out_dir`` (see the module text).

    Parameters
    ----------
    g : one genotype per animal, calls (n_animals, n_loci, 2).
    out_dir : the export folder (created).
    populations : ``individual_id, population`` (``diversity/populations.tsv``) or None
        (one population :data:`NO_GROUPING`), or
    group_by : ``'site'`` or ``'period'``: the populations of ``leogen diversity --group-by``
        (:func:`leogen.popgen.diversity.individual_populations` of ``sample_links`` and the
        sample sheet ``samples``, periods of ``period_years``).
    exclude_loci : loci left out (the sex marker); ``()`` keeps every locus.
    individuals : ``individual_id, sex`` (``identify/individuals.tsv``) or None.
    error_rates : per-locus error rates for COLONY (:func:`colony_error_rates`) or None.
    detections : ``(detections, occasions, samples, camera)`` for the secr files
        (:func:`secr_files`), or None to skip them.
    seed : COLONY's random seed.
    source : the file ``populations`` came from, for messages.

    Returns
    -------
    ExportResult
    """
    from leogen.io import colony, fstat
    from leogen.io.formats import grouped, write_genotypes
    from leogen.io.structure import population_codes
    from leogen.popgen.diversity import assign_populations

    g = g.without_loci(set(exclude_loci))
    if g.n_loci == 0:
        raise InputError("no loci left to export after leaving out "
                         + ", ".join(sorted(exclude_loci)))
    if g.n_samples == 0:
        raise InputError("no animals to export")
    if group_by != "none":
        from leogen.popgen.diversity import individual_populations

        if populations is not None:
            raise InputError("give populations either as a table or by a grouping, not both")
        populations = individual_populations(sample_links, samples, group_by, period_years)
    if populations is not None:
        pop = populations if "_line" in populations else populations.assign(_line=0)
        g = assign_populations(g, pop, "population", source)
    else:
        g = g.with_populations([NO_GROUPING] * g.n_samples)
    g = grouped(g)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    res = ExportResult()
    codes = population_codes(g.populations)
    sex = pd.Series([None] * g.n_samples, dtype=object)
    if individuals is not None and "sex" in individuals:
        m = dict(zip(individuals["individual_id"].astype(str), individuals["sex"], strict=True))
        sex = pd.Series([m.get(s) for s in g.samples], dtype=object)
        sex = sex.where(sex.notna() & (sex.astype(str) != ""), None)
    animals = pd.DataFrame({"individual_id": g.samples.astype(str),
                            "population": np.asarray(g.populations, dtype=str),
                            "population_code": [codes[str(p)] for p in g.populations],
                            "sex": sex})
    outputs.EXPORT_ANIMALS.write(animals, out / file_name(outputs.EXPORT_ANIMALS))
    for fmt in ("genalex", "genepop", "structure"):
        res.files[fmt] = out / GENOTYPE_FILES[fmt]
        write_genotypes(g, res.files[fmt], fmt)
    res.files["fstat"] = out / GENOTYPE_FILES["fstat"]
    fstat.write(g, res.files["fstat"])
    ado, err = colony_error_rates(error_rates, g.loci)
    res.files["colony"] = out / GENOTYPE_FILES["colony"]
    # males and females are also the candidate fathers and mothers of COLONY's run
    colony.write(g, res.files["colony"], ado, err, seed=max(int(seed), 1),
                 sex=animals["sex"].tolist() if individuals is not None else None)
    outputs.EXPORT_ALLELE_FREQS.write(allele_frequency_table(g),
                                      out / file_name(outputs.EXPORT_ALLELE_FREQS))
    if detections is not None:
        det, occ, samples, camera = detections
        caps, traps, sessions = secr_files(det, occ, samples, camera)
        res.files["secr_captures"] = out / SECR_CAPTURES
        res.files["secr_traps"] = out / SECR_TRAPS
        _write_text(caps, res.files["secr_captures"],
                    "# leogen export: secr capture file (Session = year); "
                    "read.capthist(captfile, trapfile, detector = 'proximity', "
                    "noccasions = n_occasions of secr_sessions.tsv)")
        _write_text(traps, res.files["secr_traps"],
                    "# leogen export: secr trap file, x y in metres (local projection); "
                    "exact detector positions: do not share", permissions=PRIVATE)
        outputs.EXPORT_SECR_SESSIONS.write(sessions,
                                           out / file_name(outputs.EXPORT_SECR_SESSIONS))
    res.animals, res.codes = animals, codes
    return res
