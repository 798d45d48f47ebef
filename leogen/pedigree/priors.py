"""What the sample sheet says about each animal: sex, birth-year window, detections, known
parents; and the age prior of parentage built from them.

Birth years. A ``birth_year`` column of the sample sheet (one value per animal; its samples
must agree) gives the year exactly. Otherwise the ``age_class`` of the animal's first sample
that has one bounds its age on that sample's date (thresholds in years, the config's
``pedigree.ages``): cub ``[0, cub)``, juvenile ``[cub, juvenile)``, subadult
``[juvenile, adult)``, adult ``[adult, max_age]``; without any, the animal was born at most
``max_age`` years before its first detection and not after it. The window is a uniform
prior over its years (sequoia's age prior, Huisman 2017 Mol Ecol Resour 17:1009, in its
simplest form).

Parentage prior. ``A[p, o]`` = P(o born between ``min_breeding_age`` and ``max_age`` years
after p) under the two windows, times a soft last-detection factor: a parent last detected
in year l gives ``decay ** (y - l - 1)`` for an offspring born in year y > l + 1 (an animal
not seen for years is probably dead, but scats are missed). Sex: a sire must not be female,
a dam not male (sex from the sex marker when called, else the sheet).
:func:`pedigree_age_prior` is the same prior with every birth year conditioned on the links
of a pedigree (the joint rounds of :func:`leogen.pedigree.reconstruct.joint_parentage`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from leogen.errors import InputError

AGE_CLASSES = ("cub", "juvenile", "subadult", "adult")


@dataclass(frozen=True)
class AgeSettings:
    """Age thresholds (years) and the parentage age rules.

    Attributes
    ----------
    cub, juvenile, adult : ages at which an animal stops being a cub, a juvenile, a subadult.
    max_age : oldest possible age (window of an animal without age information).
    min_breeding_age : youngest age at which an animal has offspring (birth to birth).
    last_seen_decay : prior factor per year an offspring is born after its parent's last
        detection year + 1.
    age_decay : within an open window (no age class, or adult), the prior of an age a at the
        first detection is proportional to ``age_decay ** a`` (the stationary age
        distribution of a population with annual survival ``age_decay``; 1 = uniform).
    detectable_age : youngest age at which an animal leaves samples; the years of the study
        an animal was at least this old before its first detection are years it was missed.
    detection_history : weigh each birth year by the chance of the animal being missed in
        the study's sampled years before its first detection (:func:`missed_weight`);
        False: the window alone.
    availability : share of animals that could be sampled in the years before their first
        detection (:func:`missed_weight`); None: estimated from the animals of known age
        (:func:`fit_availability`).
    """

    cub: float = 1.0
    juvenile: float = 2.0
    adult: float = 3.0
    max_age: int = 20
    min_breeding_age: int = 2
    last_seen_decay: float = 0.5
    age_decay: float = 0.8
    detectable_age: int = 1
    detection_history: bool = True
    availability: float | None = None


#: the default age settings
DEFAULT_AGES = AgeSettings()


@dataclass(frozen=True)
class AnimalInfo:
    """Per-animal facts (arrays (n,) in the order of ``ids``).

    Attributes
    ----------
    ids : str; sex : 'M', 'F' or 'U'; birth_lo, birth_hi : int, birth-year window;
    first_year, last_year : int years of first and last detection (-1 unknown);
    open_window : bool, the window is only bounded by the maximum age (no birth year, no
    age class below adult): the age prior decays with age (``AgeSettings.age_decay``);
    known_sire, known_dam : int positions of parents given in the sheet (-1 none).
    sampled_years : int array, the years in which any of the animals was sampled (empty:
        unknown).
    detection_a, detection_b : float arrays (n,), each animal's Beta distribution of its
        annual detection probability (:func:`fit_detection` updated by its own history;
        empty: the detection history is not used).
    availability : float, the share of animals that could be sampled in the years before
        their first detection (the rest, e.g. immigrants, were elsewhere;
        :func:`fit_availability`).
    mt_haplotype : str array (n,), each animal's mtDNA haplotype ('' unknown; empty: none
        known), :func:`animal_haplotypes`.
    """

    ids: np.ndarray
    sex: np.ndarray
    birth_lo: np.ndarray
    birth_hi: np.ndarray
    first_year: np.ndarray
    last_year: np.ndarray
    open_window: np.ndarray
    known_sire: np.ndarray
    known_dam: np.ndarray
    sampled_years: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    detection_a: np.ndarray = field(default_factory=lambda: np.zeros(0))
    detection_b: np.ndarray = field(default_factory=lambda: np.zeros(0))
    availability: float = 1.0
    mt_haplotype: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))


def _int_cell(value: str, path, line, column) -> int:
    try:
        f = float(value)
    except ValueError:
        raise InputError(f"{column} '{value}' is not a year (expected e.g. 2015)", path, line,
                         column) from None
    if not np.isfinite(f) or f != int(f):
        raise InputError(f"{column} '{value}' is not a whole year", path, line, column)
    return int(f)


def detection_histories(animal: np.ndarray, year: np.ndarray, sampled_years: np.ndarray,
                        n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each animal's known-alive sampled years and the years it was sampled in them: the
    sampled years strictly between its first and last detection (the animal was alive and
    could have been sampled; Pollock et al. 1990 Wildl Monogr 107).

    Parameters
    ----------
    animal : int array (m,), the animal (0..n-1) of each sample; year : int array (m,), its
        year.
    sampled_years : int array, the years in which the study sampled at all.
    n : number of animals.

    Returns
    -------
    trials, detected : int arrays (n,).

    Examples
    --------
    Animal 0 is seen in 2010, 2011 and 2014 (known alive 2011-2013, seen in one of three),
    animal 1 in 2010 and 2016 (2011-2015: none of five), animal 2 once:

    >>> t, d = detection_histories(np.array([0, 0, 0, 1, 1, 2]),
    ...                            np.array([2010, 2011, 2014, 2010, 2016, 2012]),
    ...                            np.arange(2010, 2017), 3)
    >>> t.tolist(), d.tolist()
    ([3, 5, 0], [1, 0, 0])
    """
    trials = np.zeros(n, np.int64)
    detected = np.zeros(n, np.int64)
    det = pd.DataFrame({"a": animal, "y": year}).drop_duplicates()
    if det.empty:
        return trials, detected
    grp = det.groupby("a")["y"]
    span = grp.agg(["min", "max", "nunique"])
    sy = np.sort(np.asarray(sampled_years))
    a = span.index.to_numpy()
    trials[a] = (np.searchsorted(sy, span["max"].to_numpy(), "left")
                 - np.searchsorted(sy, span["min"].to_numpy(), "right")).clip(min=0)
    # detection years strictly between the first and the last
    detected[a] = span["nunique"].to_numpy() - 1 - (span["max"] > span["min"]).to_numpy()
    return trials, detected


def fit_detection(trials: np.ndarray, detected: np.ndarray,
                  min_trials: int = 5) -> tuple[float, float] | None:
    """Beta distribution of the annual detection probability over animals, by maximum
    likelihood of the beta-binomial of their known-alive histories (detection heterogeneity,
    model Mh of capture-recapture; Dorazio & Royle 2003 Biometrics 59:351).

    Parameters
    ----------
    trials, detected : int arrays (n,), :func:`detection_histories`.
    min_trials : fewer known-alive years in all: no estimate.

    Returns
    -------
    (a, b) of the Beta distribution, or None.

    Examples
    --------
    >>> a, b = fit_detection(np.array([4] * 20), np.array([3, 2] * 10))
    >>> round(a / (a + b), 3)
    0.625
    """
    from scipy.optimize import minimize
    from scipy.stats import betabinom

    use = trials > 0
    if trials[use].sum() < min_trials:
        return None
    t, k = trials[use], detected[use]
    mean = float(np.clip(k.sum() / t.sum(), 0.02, 0.98))

    def nll(x):
        a, b = np.exp(x)
        return -float(betabinom.logpmf(k, t, a, b).sum())

    # a and b each in [0.05, 1000]: from very heterogeneous to one common probability
    x0 = np.log([2.0 * mean, 2.0 * (1 - mean)])
    bounds = [(np.log(0.05), np.log(1000.0))] * 2
    res = minimize(nll, x0, method="L-BFGS-B", bounds=bounds)
    a, b = np.exp(res.x)
    return float(a), float(b)


def animal_haplotypes(ids, species: pd.DataFrame, links: pd.DataFrame | None) -> np.ndarray:
    """Each animal's mtDNA haplotype from the species stage's barcodes of its samples: the
    haplotype of most of its samples with a target-species call ('' when none has one, or
    two haplotypes are called equally often).

    Parameters
    ----------
    ids : sequence (n,) of the animals.
    species : ``species.tsv`` (``sample_id, best_species, best_haplotype, status``).
    links : ``sample_id, individual_id``, or None when the sample ids are the animals.

    Returns
    -------
    object array (n,) of str, ``species|haplotype`` or ''.

    Examples
    --------
    >>> sp = pd.DataFrame({"sample_id": ["s1", "s2", "s3", "s4"],
    ...                    "best_species": ["P_pardus"] * 4,
    ...                    "best_haplotype": ["H1", "H1", "H2", None],
    ...                    "status": ["target"] * 4})
    >>> ln = pd.DataFrame({"sample_id": ["s1", "s2", "s3", "s4"],
    ...                    "individual_id": ["A", "A", "A", "B"]})
    >>> animal_haplotypes(["A", "B"], sp, ln).tolist()
    ['P_pardus|H1', '']
    """
    ids = list(ids)
    out = np.full(len(ids), "", dtype=object)
    sp = species[(species["status"] == "target") & species["best_haplotype"].notna()
                 & (species["best_haplotype"].astype(str).str.strip() != "")]
    if sp.empty:
        return out
    hap = sp["best_species"].astype(str) + "|" + sp["best_haplotype"].astype(str)
    animal = (sp["sample_id"].map(dict(zip(links["sample_id"], links["individual_id"],
                                           strict=True)))
              if links is not None else sp["sample_id"])
    calls = pd.DataFrame({"a": animal.to_numpy(), "h": hap.to_numpy()}).dropna()
    counts = calls.groupby(["a", "h"]).size().rename("k").reset_index()
    counts = counts.sort_values(["a", "k", "h"], ascending=[True, False, True])
    top = counts.groupby("a").head(2)
    first = top.groupby("a").nth(0).set_index("a")
    second = top.groupby("a").nth(1).set_index("a")["k"]
    clear = first["k"] > second.reindex(first.index).fillna(0)
    pos = {x: k for k, x in enumerate(ids)}
    for a, h in first.loc[clear, "h"].items():
        if a in pos:
            out[pos[a]] = h
    return out


def maternal_haplotype_loglik(info: AnimalInfo, error: float = 0.01) -> np.ndarray:
    """Log likelihood ratio of the mtDNA haplotypes of o and p under "p is of o's maternal
    line" (o's dam, or a full sib, a maternal half sib, ...) against "unrelated": an
    offspring carries its dam's haplotype (maternal inheritance), but for a sequencing or
    calling ``error``: ``log((1 - error) / f(h_o))`` when the two match,
    ``log(error / (1 - f(h_o)))`` when they do not, f the haplotype's frequency among the
    animals (with half an animal added to each); 0 when either haplotype is unknown. The
    parentage weighs it for the dam, and for the relatives that compete with a parent
    (:func:`leogen.pedigree.reconstruct.nonparent_loglik`), so that a maternal aunt is not
    taken for the dam because she shares the haplotype.

    Parameters
    ----------
    info : AnimalInfo with ``mt_haplotype``; error : probability that a dam and offspring
        are called with different haplotypes.

    Returns
    -------
    float array (n, n), ``[o, p]``; all 0 without haplotypes.

    Examples
    --------
    Two animals of H1 and one of H2: f(H1) = 2.5 / 4, f(H2) = 1.5 / 4; a match of H1 gives
    log(0.99 / 0.625) = 0.46, a mismatch log(0.01 / 0.375) for H1 and log(0.01 / 0.625) for
    H2:

    >>> info = AnimalInfo(*(np.zeros(3),) * 9, mt_haplotype=np.array(["H1", "H1", "H2"],
    ...                                                              dtype=object))
    >>> maternal_haplotype_loglik(info).round(2).tolist()
    [[0.0, 0.46, -3.62], [0.46, 0.0, -3.62], [-4.14, -4.14, 0.0]]
    """
    h = np.asarray(info.mt_haplotype, dtype=object)
    n = len(info.ids)
    if len(h) == 0 or not (h != "").any():
        return np.zeros((n, n))
    known = h != ""
    labels, inv, counts = np.unique(h[known], return_inverse=True, return_counts=True)
    freq = (counts + 0.5) / (counts.sum() + 0.5 * len(labels))
    f_o = np.ones(n)
    f_o[known] = freq[inv]
    same = (h[:, None] == h[None, :])
    ll = np.where(same, np.log1p(-error) - np.log(f_o)[:, None],
                  np.log(error) - np.log1p(-np.minimum(f_o, 0.99))[:, None])
    ll[~known, :] = 0.0
    ll[:, ~known] = 0.0
    np.fill_diagonal(ll, 0.0)
    return ll


def animal_info(ids, samples: pd.DataFrame, links: pd.DataFrame | None,
                genetic_sex: np.ndarray | None = None, ages: AgeSettings = DEFAULT_AGES,
                path=None, species: pd.DataFrame | None = None) -> AnimalInfo:
    """Sex, birth-year window, detection years and known parents of each animal.

    Parameters
    ----------
    ids : sequence (n,) of str, the genotyped animals.
    samples : the sample sheet (:func:`leogen.io.sheets.read_samples`): ``sample_id, date,
        sex, age_class``, ``_line``, optionally ``birth_year`` and known parents ``sire``,
        ``dam`` (animal ids).
    links : ``sample_id, individual_id`` (identify's ``sample_individual.tsv``), or None
        when the sample ids are the animals.
    genetic_sex : str array (n,) from the sex marker ('M', 'F', 'U'), optional; wins over
        the sheet where called.
    ages : AgeSettings.
    path : the sample sheet, for messages.
    species : the species stage's ``species.tsv``, optional: the animals' mtDNA haplotypes
        (:func:`animal_haplotypes`).

    Returns
    -------
    AnimalInfo

    Raises
    ------
    InputError
        Samples of one animal with different sexes or birth years; a birth year after one of
        the animal's samples or more than ``max_age`` years before it; a known parent that is not a genotyped animal, of the wrong
        sex, or (by ``birth_year``) not at least ``min_breeding_age`` years older than its
        offspring.
    """
    ids = np.asarray(ids, dtype=object)
    n = len(ids)
    pos = pd.Index(ids)
    df = samples.copy()
    if links is not None:
        m = dict(zip(links["sample_id"], links["individual_id"], strict=True))
        df["x_animal"] = df["sample_id"].map(m).fillna("")
    else:
        df["x_animal"] = df["sample_id"]
    df = df[df["x_animal"].isin(set(ids))]
    df["x_year"] = pd.to_datetime(df["date"]).dt.year
    df["x_line"] = df["_line"]
    idx = pos.get_indexer(df["x_animal"])
    first = np.full(n, -1, np.int64)
    last = np.full(n, -1, np.int64)
    yr = df["x_year"].to_numpy()
    ok = ~np.isnan(yr.astype(float))
    if ok.any():
        first_s = pd.Series(yr[ok]).groupby(idx[ok]).min()
        last_s = pd.Series(yr[ok]).groupby(idx[ok]).max()
        first[first_s.index.to_numpy()] = first_s.to_numpy()
        last[last_s.index.to_numpy()] = last_s.to_numpy()

    # sex: one value per animal in the sheet
    sheet_sex = np.full(n, "U", dtype=object)
    if "sex" in df.columns:
        for col_val, grp in df[df["sex"].isin(["M", "F"])].groupby("x_animal", sort=False):
            vals = grp["sex"].unique()
            if len(vals) > 1:
                row = grp[grp["sex"] != grp["sex"].iloc[0]].iloc[0]
                raise InputError(f"sex '{row['sex']}' of sample '{row['sample_id']}' differs "
                                 f"from '{grp['sex'].iloc[0]}' of sample "
                                 f"'{grp['sample_id'].iloc[0]}' (line {grp['_line'].iloc[0]}), "
                                 f"both of animal '{col_val}'", path, int(row["_line"]), "sex")
            sheet_sex[pos.get_loc(col_val)] = vals[0]
    sex = sheet_sex.copy()
    if genetic_sex is not None:
        gs = np.asarray(genetic_sex, dtype=object)
        sex = np.where(np.isin(gs, ["M", "F"]), gs, sheet_sex)

    # birth-year windows
    lo = np.where(first >= 0, first - ages.max_age, -1)
    hi = first.copy()
    has_by = np.zeros(n, bool)
    if "birth_year" in df.columns:
        sub = df[df["birth_year"].astype(str).str.strip() != ""]
        seen: dict = {}
        for rec in sub.itertuples(index=False):  # one row per sample with a birth year
            line = int(rec.x_line)
            b = _int_cell(str(rec.birth_year).strip(), path, line, "birth_year")
            k = pos.get_loc(rec.x_animal)
            if rec.x_animal in seen and seen[rec.x_animal][0] != b:
                raise InputError(f"birth_year {b} differs from {seen[rec.x_animal][0]} given for the "
                                 f"same animal '{rec.x_animal}' on line {seen[rec.x_animal][1]}",
                                 path, line, "birth_year")
            seen.setdefault(rec.x_animal, (b, line))
            y = int(rec.x_year)
            if b > y:
                raise InputError(f"birth_year {b} is after the sample's date ({y}): the animal "
                                 "cannot be sampled before it is born", path, line, "birth_year")
            if b < y - ages.max_age:
                raise InputError(f"birth_year {b} is more than {ages.max_age} years (the "
                                 f"maximum age) before the sample's date ({y})", path, line,
                                 "birth_year")
            lo[k] = hi[k] = b
            has_by[k] = True
    has_class = np.zeros(n, bool)
    if "age_class" in df.columns:
        bounds = {"cub": (0.0, ages.cub), "juvenile": (ages.cub, ages.juvenile),
                  "subadult": (ages.juvenile, ages.adult),
                  "adult": (ages.adult, float(ages.max_age))}
        sub = df[df["age_class"].isin(AGE_CLASSES)].sort_values("date", kind="stable")
        sub = sub.drop_duplicates("x_animal")  # the first sample with an age class
        for rec in sub.itertuples(index=False):  # one row per animal
            k = pos.get_loc(rec.x_animal)
            if has_by[k]:
                continue
            a_lo, a_hi = bounds[rec.age_class]
            has_class[k] = True
            y = int(rec.x_year)
            # age in [a_lo, a_hi) on the date: born in years (y - a_hi, y - a_lo]
            lo[k] = int(np.floor(y - a_hi + 1e-9)) + (0 if a_hi == ages.max_age else 1)
            hi[k] = int(np.floor(y - a_lo))
            lo[k] = min(lo[k], hi[k])

    # known parents
    known = {}
    for col, need in (("sire", "M"), ("dam", "F")):
        out = np.full(n, -1, np.int64)
        if col in df.columns:
            sub = df[df[col].astype(str).str.strip() != ""]
            for rec in sub.itertuples(index=False):  # rows naming a known parent
                par = str(getattr(rec, col)).strip()
                line = int(rec.x_line)
                if par not in pos:
                    raise InputError(f"{col} '{par}' is not a genotyped animal (known ids are "
                                     "those of the genotypes)", path, line, col)
                p = pos.get_loc(par)
                k = pos.get_loc(rec.x_animal)
                if p == k:
                    raise InputError(f"animal '{par}' is its own {col}", path, line, col)
                if sex[p] not in (need, "U"):
                    raise InputError(f"{col} '{par}' is {sex[p]}, a {col} must be {need}",
                                     path, line, col)
                if out[k] >= 0 and out[k] != p:
                    raise InputError(f"{col} '{par}' differs from {ids[out[k]]!r} given for "
                                     f"the same animal '{rec.x_animal}'", path, line, col)
                if has_by[p] and has_by[k] and lo[k] - lo[p] < ages.min_breeding_age:
                    raise InputError(f"{col} '{par}' (birth_year {lo[p]}) is not at least "
                                     f"{ages.min_breeding_age} years older than its offspring "
                                     f"'{rec.x_animal}' (birth_year {lo[k]})", path, line, col)
                out[k] = p
        known[col] = out
    lo = np.where(lo < 0, hi, lo)
    open_w = (hi - lo) >= ages.max_age - ages.adult
    sampled_years = np.unique(yr[ok]).astype(np.int64)
    det_a = det_b = np.zeros(0)
    if ages.detection_history:
        trials, detected = detection_histories(idx[ok], yr[ok].astype(np.int64),
                                               sampled_years, n)
        fit = fit_detection(trials, detected)
        if fit is not None:  # each animal's own known-alive years update the population's
            det_a = fit[0] + detected
            det_b = fit[1] + trials - detected
    info = AnimalInfo(ids, sex.astype(str), lo, hi, first, last, open_w, known["sire"],
                      known["dam"], sampled_years, det_a, det_b)
    if len(det_a):
        pi = (fit_availability(info, has_by | (has_class & ~open_w), ages)
              if ages.availability is None else float(ages.availability))
        info = replace(info, availability=pi)
    if species is not None:
        info = replace(info, mt_haplotype=animal_haplotypes(ids, species, links))
    return info


def missed_weight(info: AnimalInfo, years: np.ndarray, detectable_age: int = 1) -> np.ndarray:
    """``pi E[(1 - p) ** k] + 1 - pi``: the chance that an animal born in year y was missed
    in the k sampled years in which it was at least ``detectable_age`` old before its first
    detection, over the Beta distribution of its detection probability p
    (``info.detection_a``, ``info.detection_b``): ``B(a, b + k) / B(a, b)``, if it lived in
    the study area then (probability ``pi = info.availability``). An animal first
    seen late in a long study was probably born shortly before; one first seen in the
    study's first year may be of any age (the information on age in first captures of
    capture-recapture; Pollock et al. 1990 Wildl Monogr 107).

    Parameters
    ----------
    info : AnimalInfo; years : int array (Y,).
    detectable_age : see :class:`AgeSettings`.

    Returns
    -------
    float array (n, Y) of weights in (0, 1]; all 1 without a detection probability, or for
    an animal with its birth year known or no detection.

    Examples
    --------
    Sampled 2010-2014, the animal first seen in 2013 and p = 0.5 for certain (a, b large):
    born in 2009 or before, it was missed in 2010-2012; born in 2010, in 2011 and 2012 (it
    leaves samples from age 1); born in 2012 or 2013, in none:

    >>> info = AnimalInfo(np.array(["a"]), np.array(["U"]), np.array([2000]),
    ...                   np.array([2013]), np.array([2013]), np.array([2013]),
    ...                   np.array([True]), np.array([-1]), np.array([-1]),
    ...                   np.arange(2010, 2015), np.array([1e6]), np.array([1e6]))
    >>> missed_weight(info, np.arange(2008, 2014)).round(3).tolist()
    [[0.125, 0.125, 0.25, 0.5, 1.0, 1.0]]
    """
    y = np.asarray(years)
    n = len(info.ids)
    if len(info.detection_a) == 0 or len(info.sampled_years) == 0:
        return np.ones((n, len(y)))
    from scipy.special import betaln

    sy = np.sort(np.asarray(info.sampled_years))
    before_first = np.searchsorted(sy, info.first_year, "left")[:, None]  # sampled years < f
    before_able = np.searchsorted(sy, y + detectable_age, "left")[None, :]
    k = np.clip(before_first - before_able, 0, None)
    a, b = info.detection_a[:, None], info.detection_b[:, None]
    pi = info.availability
    w = pi * np.exp(betaln(a, b + k) - betaln(a, b)) + (1 - pi)
    fixed = (info.first_year < 0) | (info.birth_lo == info.birth_hi)
    w[fixed] = 1.0
    return w


#: availability when fewer animals of known age than :data:`MIN_AGED` tell it (measured
#: best by the birth years' log score between a closed sampled area, 1, and a spatial one
#: with dispersal, 0.5-0.7: docs/pedigree.md)
DEFAULT_AVAILABILITY = 0.5
MIN_AGED = 10


def fit_availability(info: AnimalInfo, aged: np.ndarray, ages: AgeSettings) -> float:
    """The availability of :func:`missed_weight` that best predicts the birth years of the
    animals whose age is known (a ``birth_year``, or an age class below adult): the
    maximum over a grid of 0, 0.05, ..., 1 of the probability of their known windows
    under the prior they would have from their detections alone (empirical Bayes).

    Parameters
    ----------
    info : AnimalInfo with the detection fields set; aged : bool array (n,), the animals of
        known age (their windows in ``info``).
    ages : AgeSettings.

    Returns
    -------
    float in [0, 1]; :data:`DEFAULT_AVAILABILITY` when fewer than :data:`MIN_AGED` animals
    have a known age and a detection after the study's first year.
    """
    use = aged & (info.first_year > (info.sampled_years.min() if len(info.sampled_years)
                                     else np.iinfo(np.int64).max))
    if use.sum() < MIN_AGED or len(info.detection_a) == 0:
        return DEFAULT_AVAILABILITY
    idx = np.flatnonzero(use)
    first = info.first_year[idx]
    sub = replace(info, ids=info.ids[idx], sex=info.sex[idx], birth_lo=first - ages.max_age,
                  birth_hi=first, first_year=first, last_year=info.last_year[idx],
                  open_window=np.ones(len(idx), bool), known_sire=info.known_sire[idx],
                  known_dam=info.known_dam[idx], detection_a=info.detection_a[idx],
                  detection_b=info.detection_b[idx])
    years = np.arange(int(first.min()) - ages.max_age, int(first.max()) + 1)
    known = ((years[None, :] >= info.birth_lo[idx, None])
             & (years[None, :] <= info.birth_hi[idx, None]))
    grid = np.linspace(0.0, 1.0, 21)
    score = []
    for pi in grid:  # 21 grid points, each vectorised over the animals
        b = birth_distribution(replace(sub, availability=float(pi)), years, ages.age_decay,
                               ages.detectable_age)
        score.append(np.log(np.clip((b * known).sum(axis=1), 1e-12, None)).sum())
    return float(grid[int(np.argmax(score))])


def birth_distribution(info: AnimalInfo, years: np.ndarray, age_decay: float = 1.0,
                       detectable_age: int = 1) -> np.ndarray:
    """Birth-year prior of each animal over its window, (n, Y) on ``years`` (Y,): uniform, or
    in an open window ``age_decay ** (hi - y)`` (younger more likely).

    Animals without any date get a flat prior over all years.

    Parameters
    ----------
    info : AnimalInfo; years : int array (Y,), consecutive years.
    age_decay : see :class:`AgeSettings`.

    Returns
    -------
    float array (n, Y); rows sum to 1.

    Examples
    --------
    >>> info = AnimalInfo(np.array(["a"]), np.array(["U"]), np.array([2001]),
    ...                   np.array([2002]), np.array([2003]), np.array([2003]),
    ...                   np.array([False]), np.array([-1]), np.array([-1]))
    >>> birth_distribution(info, np.arange(2000, 2004)).tolist()
    [[0.0, 0.5, 0.5, 0.0]]
    """
    y = np.asarray(years)[None, :]
    lo, hi = info.birth_lo[:, None], info.birth_hi[:, None]
    m = ((y >= lo) & (y <= hi)).astype(float)
    decay = np.where(info.open_window[:, None], float(age_decay) ** np.maximum(hi - y, 0), 1.0)
    m = m * decay * missed_weight(info, years, detectable_age)
    unknown = (info.birth_hi < 0) | (m.sum(axis=1) == 0)
    m[unknown] = 1.0
    return m / m.sum(axis=1, keepdims=True)


def prior_years(info: AnimalInfo, ages: AgeSettings = DEFAULT_AGES) -> np.ndarray:
    """The years over which birth years are spread: from ``max_age`` before the earliest
    known year (a window bound or a last detection) to the year after the latest; empty
    when no animal has a date.

    >>> info = AnimalInfo(np.array(["a"]), np.array(["U"]), np.array([2001]),
    ...                   np.array([2002]), np.array([2003]), np.array([2003]),
    ...                   np.array([False]), np.array([-1]), np.array([-1]))
    >>> prior_years(info, AgeSettings(max_age=2)).tolist()
    [1999, 2000, 2001, 2002, 2003, 2004]
    """
    known = np.concatenate([info.birth_lo[info.birth_hi >= 0], info.birth_hi[info.birth_hi >= 0],
                            info.last_year[info.last_year >= 0]])
    if known.size == 0:
        return np.zeros(0, np.int64)
    return np.arange(known.min() - ages.max_age, known.max() + 2)


def age_prior(info: AnimalInfo, ages: AgeSettings = DEFAULT_AGES) -> np.ndarray:
    """``A[p, o]``: prior weight that p can be a parent of o (module docstring).

    Parameters
    ----------
    info : AnimalInfo of n animals.
    ages : AgeSettings.

    Returns
    -------
    float array (n, n), zero on the diagonal.

    Examples
    --------
    a born 2000, b 2001 (last seen 2003), c 2005: c is born two years after b's last
    detection, so b as its parent gets the factor 0.5:

    >>> info = AnimalInfo(np.array(["a", "b", "c"]), np.array(["F", "M", "U"]),
    ...                   np.array([2000, 2001, 2005]), np.array([2000, 2001, 2005]),
    ...                   np.array([2006, 2002, 2006]), np.array([2010, 2003, 2010]),
    ...                   np.zeros(3, bool), np.array([-1, -1, -1]), np.array([-1, -1, -1]))
    >>> age_prior(info, AgeSettings(min_breeding_age=3)).round(3).tolist()
    [[0.0, 0.0, 1.0], [0.0, 0.0, 0.5], [0.0, 0.0, 0.0]]
    >>> age_prior(info, AgeSettings(min_breeding_age=1)).round(3).tolist()
    [[0.0, 1.0, 1.0], [0.0, 0.0, 0.5], [0.0, 0.0, 0.0]]
    """
    years = prior_years(info, ages)
    if years.size == 0:
        a = np.ones((len(info.ids),) * 2)
        np.fill_diagonal(a, 0.0)
        return a
    b = birth_distribution(info, years, ages.age_decay, ages.detectable_age)  # (n, Y)
    diff = years[None, :] - years[:, None]  # offspring year - parent year
    band = ((diff >= ages.min_breeding_age) & (diff <= ages.max_age)).astype(float)
    reach = b @ band  # (n_parent, Y_offspring): P(parent old enough in year y)
    last = info.last_year[:, None]
    gap = years[None, :] - last - 1
    soft = np.where((last >= 0) & (gap > 0), ages.last_seen_decay ** np.maximum(gap, 0), 1.0)
    a = (reach * soft) @ b.T
    np.fill_diagonal(a, 0.0)
    return np.clip(a, 0.0, 1.0)


def pedigree_age_prior(info: AnimalInfo, sire: np.ndarray, dam: np.ndarray,
                       ages: AgeSettings = DEFAULT_AGES, sire_p: np.ndarray | None = None,
                       dam_p: np.ndarray | None = None) -> np.ndarray:
    """``A[p, o]`` of :func:`age_prior` with each animal's birth year conditioned on its
    descendants in a pedigree: a parent must be at least ``min_breeding_age`` older than
    every assigned offspring, so an animal that is a parent, grandparent, ... of animals
    seen at the same time is older than its own window alone says, and two animals each
    with descendants are rarely parent and offspring of each other (sequoia's age prior,
    Huisman 2017 Mol Ecol Resour 17:1009, carried through the pedigree).

    Belief propagation over the assigned pedigree, one upward pass (children before
    parents): ``D_x(y) = b_x(y) prod_{c child of x} M_c(y)`` with ``M_c(y) = sum_{y'}
    band(y' - y) D_c(y')`` (``band``: offspring born ``min_breeding_age`` to ``max_age``
    years after the parent), and one downward pass (parents before offspring): each
    parent p sends ``N_p(y) = sum_{y'} band(y - y') B_p^{-x}(y')``, its belief without x's
    message. Then ``A[p, o] = sum B_p(y) band(y' - y) soft_p(y') B_o(y')`` with the beliefs
    B, for the two animals of an assigned link p -> o (either direction) without the link's
    own messages (the link is not its own evidence). Exact on a tree (no animal with two assigned parents that share an
    ancestor), an approximation otherwise.

    Parameters
    ----------
    info : AnimalInfo of n animals.
    sire, dam : int arrays (n,), assigned parents (-1 none), acyclic.
    ages : AgeSettings.
    sire_p, dam_p : float arrays (n,), optional, the links' probabilities q (default 1): a
        link's message is the mixture ``q M + (1 - q)`` (the link holds with probability
        q, else it constrains nothing), so an uncertain link moves the ages little.

    Returns
    -------
    float array (n, n), ``[p, o]``, zero on the diagonal; equals :func:`age_prior` when
    no parent is assigned.

    Examples
    --------
    c born 2010, b in 2005-2010, a in 2000-2007 (uniform). Alone, a is b's possible parent
    with P(b >= a + 2) = (4 + 5 + 6 + 7 + 8 + 8) / 48; with b assigned as c's parent, b was
    born by 2008 and the chance drops to (4 + 5 + 6 + 7) / 32. The link b -> c itself keeps
    its pairwise value P(b <= 2008) = 4 / 6:

    >>> info = AnimalInfo(np.array(["a", "b", "c"]), np.array(["F", "M", "U"]),
    ...                   np.array([2000, 2005, 2010]), np.array([2007, 2010, 2010]),
    ...                   np.array([2012, 2012, 2012]), np.array([2012, 2012, 2012]),
    ...                   np.zeros(3, bool), np.array([-1, -1, -1]), np.array([-1, -1, -1]))
    >>> ages = AgeSettings(min_breeding_age=2, age_decay=1.0)
    >>> age_prior(info, ages)[[0, 1], [1, 2]].round(4).tolist()
    [0.7917, 0.6667]
    >>> pedigree_age_prior(info, np.array([-1, -1, 1]), np.array([-1, -1, -1]),
    ...                    ages)[[0, 1], [1, 2]].round(4).tolist()
    [0.6875, 0.6667]
    """
    sire = np.asarray(sire, np.int64)
    dam = np.asarray(dam, np.int64)
    bp = _birth_beliefs(info, sire, dam, ages, sire_p, dam_p)
    if bp is None:
        return age_prior(info, ages)
    years, band, full, log_msg, log_dn = bp

    def norm(lx):
        e = np.exp(lx - lx.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    d = norm(full)
    last = info.last_year[:, None]
    gap = years[None, :] - last - 1
    soft = np.where((last >= 0) & (gap > 0), ages.last_seen_decay ** np.maximum(gap, 0), 1.0)
    a = ((d @ band) * soft) @ d.T
    for side, parents in ((0, sire), (1, dam)):  # assigned links: p without o's message
        o = np.flatnonzero(parents >= 0)
        p = parents[o]
        cav_p = norm(full[p] - log_msg[o, side])
        cav_o = norm(full[o] - log_dn[o, side])
        a[p, o] = (((cav_p @ band) * soft[p]) * cav_o).sum(axis=1)
        a[o, p] = (((cav_o @ band) * soft[o]) * cav_p).sum(axis=1)  # the other direction
    np.fill_diagonal(a, 0.0)
    return np.clip(a, 0.0, 1.0)



def birth_posterior(info: AnimalInfo, sire: np.ndarray, dam: np.ndarray,
                    ages: AgeSettings = DEFAULT_AGES, sire_p: np.ndarray | None = None,
                    dam_p: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Posterior of each animal's birth year given its window, its detection history and
    the assigned pedigree: :func:`birth_distribution` times the messages of its assigned
    parents and offspring (a parent born ``min_breeding_age`` to ``max_age`` years before
    its offspring; the belief propagation of :func:`pedigree_age_prior`, Huisman 2017 Mol
    Ecol Resour 17:1009 for the age prior of parentage).

    Parameters
    ----------
    info : AnimalInfo of n animals.
    sire, dam : int arrays (n,), assigned parents (-1 none), acyclic.
    ages : AgeSettings.
    sire_p, dam_p : float arrays (n,), optional, the links' probabilities (default 1).

    Returns
    -------
    years : int array (Y,); posterior : float array (n, Y), rows sum to 1 (Y = 0 when no
    animal has a date).

    Examples
    --------
    b (born 2005-2010) is the assigned sire of c (born 2010), and breeding starts at 2:
    b was born by 2008, each of 2005-2008 equally likely:

    >>> info = AnimalInfo(np.array(["b", "c"]), np.array(["M", "U"]),
    ...                   np.array([2005, 2010]), np.array([2010, 2010]),
    ...                   np.array([2012, 2012]), np.array([2012, 2012]),
    ...                   np.zeros(2, bool), np.array([-1, -1]), np.array([-1, -1]))
    >>> years, post = birth_posterior(info, np.array([-1, 0]), np.array([-1, -1]),
    ...                               AgeSettings(min_breeding_age=2, age_decay=1.0))
    >>> {int(y): round(float(p), 3) for y, p in zip(years, post[0]) if p > 1e-9}
    {2005: 0.25, 2006: 0.25, 2007: 0.25, 2008: 0.25}
    """
    bp = _birth_beliefs(info, np.asarray(sire, np.int64), np.asarray(dam, np.int64), ages,
                        sire_p, dam_p)
    if bp is not None:
        years, _, full = bp[:3]
        e = np.exp(full - full.max(axis=1, keepdims=True))
        return years, e / e.sum(axis=1, keepdims=True)
    years = prior_years(info, ages)
    if years.size == 0:
        return years, np.zeros((len(info.ids), 0))
    return years, birth_distribution(info, years, ages.age_decay, ages.detectable_age)


def parent_born_sampled(years: np.ndarray, posterior: np.ndarray, sampled_years: np.ndarray,
                        ages: AgeSettings = DEFAULT_AGES) -> np.ndarray:
    """Probability that a parent of each animal was born in a year the study sampled.

    The parent's age at the animal's birth is ``a`` in ``min_breeding_age .. max_age``
    with weight ``age_decay ** a`` (the stationary age distribution of
    :class:`AgeSettings`), so its birth year is the animal's minus ``a``.

    Parameters
    ----------
    years : int array (Y,); posterior : float array (n, Y), :func:`birth_posterior`.
    sampled_years : int array, the years in which any animal was sampled.
    ages : AgeSettings.

    Returns
    -------
    float array (n,), 0 when no year is known.

    Examples
    --------
    An animal born 2005, a study sampling 2002-2005, parents 2 to 4 years old with weights
    1/4, 1/8, 1/16 (``age_decay`` 0.5): born 2003, 2002 or 2001, the first two sampled:

    >>> parent_born_sampled(np.array([2005]), np.array([[1.0]]), np.arange(2002, 2006),
    ...                     AgeSettings(min_breeding_age=2, max_age=4, age_decay=0.5))
    array([0.85714286])
    """
    n = posterior.shape[0]
    age = np.arange(ages.min_breeding_age, ages.max_age + 1)
    if len(years) == 0 or len(sampled_years) == 0 or age.size == 0:
        return np.zeros(n)
    weight = ages.age_decay ** age.astype(float)
    weight /= weight.sum()
    inside = np.isin(np.asarray(years)[:, None] - age[None, :], sampled_years)  # (Y, A)
    return posterior @ (inside @ weight)


def credible_years(years: np.ndarray, posterior: np.ndarray,
                   level: float = 0.8) -> tuple[np.ndarray, ...]:
    """Posterior median and equal-tailed credible interval of each animal's birth year.

    Parameters
    ----------
    years : int array (Y,); posterior : float array (n, Y), :func:`birth_posterior`.
    level : float, the interval's probability: the years from the ``(1 - level) / 2``
        quantile to the ``(1 + level) / 2`` quantile.

    Returns
    -------
    median, lo, hi : int arrays (n,); mass : float array (n,), the posterior probability
    of [lo, hi] (at least ``level``: the years are discrete).

    Examples
    --------
    >>> credible_years(np.array([2000, 2001, 2002, 2003]), np.array([[0.1, 0.4, 0.4, 0.1]]))
    (array([2001]), array([2000]), array([2002]), array([0.9]))
    """
    cum = np.cumsum(posterior, axis=1)
    tail = (1.0 - level) / 2
    pick = [np.minimum((cum < q - 1e-12).sum(axis=1), len(years) - 1)
            for q in (tail, 0.5, 1.0 - tail)]
    lo, med, hi = (years[p] for p in pick)
    inside = (years[None, :] >= lo[:, None]) & (years[None, :] <= hi[:, None])
    return med, lo, hi, (posterior * inside).sum(axis=1)


def _birth_beliefs(info: AnimalInfo, sire: np.ndarray, dam: np.ndarray,
                   ages: AgeSettings, sire_p: np.ndarray | None,
                   dam_p: np.ndarray | None) -> tuple | None:
    """The two passes of :func:`pedigree_age_prior`: ``(years, band, log belief, upward
    messages, downward messages)``, or None when no year is known or no parent assigned."""
    from leogen.pedigree.kinship import generation_depth

    n = len(info.ids)
    years = prior_years(info, ages)
    sire = np.asarray(sire, np.int64)
    dam = np.asarray(dam, np.int64)
    if years.size == 0 or n == 0 or not ((sire >= 0) | (dam >= 0)).any():
        return None
    sire_p = np.ones(n) if sire_p is None else np.nan_to_num(np.asarray(sire_p, float))
    dam_p = np.ones(n) if dam_p is None else np.nan_to_num(np.asarray(dam_p, float))
    b = birth_distribution(info, years, ages.age_decay, ages.detectable_age)  # (n, Y)
    diff = years[None, :] - years[:, None]  # [parent year, offspring year]
    band = ((diff >= ages.min_breeding_age) & (diff <= ages.max_age)).astype(float)
    depth = generation_depth(sire, dam)
    log_d = np.log(np.maximum(b, 1e-300))
    log_msg = np.zeros((n, 2, len(years)))  # message of each animal to its sire, dam
    for lev in range(int(depth.max()), -1, -1):  # deepest generation first
        rows = np.flatnonzero(depth == lev)
        dist = np.exp(log_d[rows] - log_d[rows].max(axis=1, keepdims=True))
        dist /= dist.sum(axis=1, keepdims=True)
        m_c = dist @ band.T  # M_c(y) over parent years y, in [0, 1]
        for side, parents, prob in ((0, sire, sire_p), (1, dam, dam_p)):
            par = parents[rows]
            ok = par >= 0
            msg = np.log(np.maximum(prob[rows[ok], None] * m_c[ok] + (1 - prob[rows[ok], None]),
                                    1e-300))
            log_msg[rows[ok], side] = msg
            np.add.at(log_d, par[ok], msg)
    log_dn = np.zeros((n, 2, len(years)))  # message of each animal's sire, dam to it
    for lev in range(1, int(depth.max()) + 1):  # parents before offspring
        rows = np.flatnonzero(depth == lev)
        for side, parents, prob in ((0, sire, sire_p), (1, dam, dam_p)):
            par = parents[rows]
            ok = par >= 0
            r, pp = rows[ok], par[ok]
            cav = log_d[pp] + log_dn[pp].sum(axis=1) - log_msg[r, side]  # p without r
            cav = np.exp(cav - cav.max(axis=1, keepdims=True))
            cav /= cav.sum(axis=1, keepdims=True)
            nm = cav @ band  # N(y) over offspring years y, in [0, 1]
            log_dn[r, side] = np.log(np.maximum(prob[r, None] * nm + (1 - prob[r, None]),
                                                1e-300))
    full = log_d + log_dn.sum(axis=1)
    return years, band, full, log_msg, log_dn

