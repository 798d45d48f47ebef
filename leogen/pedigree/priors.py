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

from dataclasses import dataclass

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
    """

    cub: float = 1.0
    juvenile: float = 2.0
    adult: float = 3.0
    max_age: int = 20
    min_breeding_age: int = 2
    last_seen_decay: float = 0.5
    age_decay: float = 0.8


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


def _int_cell(value: str, path, line, column) -> int:
    try:
        f = float(value)
    except ValueError:
        raise InputError(f"{column} '{value}' is not a year (expected e.g. 2015)", path, line,
                         column) from None
    if not np.isfinite(f) or f != int(f):
        raise InputError(f"{column} '{value}' is not a whole year", path, line, column)
    return int(f)


def animal_info(ids, samples: pd.DataFrame, links: pd.DataFrame | None,
                genetic_sex: np.ndarray | None = None, ages: AgeSettings = DEFAULT_AGES,
                path=None) -> AnimalInfo:
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
    return AnimalInfo(ids, sex.astype(str), lo, hi, first, last, open_w, known["sire"],
                      known["dam"])


def birth_distribution(info: AnimalInfo, years: np.ndarray, age_decay: float = 1.0) -> np.ndarray:
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
    m = m * decay
    unknown = (info.birth_hi < 0) | (m.sum(axis=1) == 0)
    m[unknown] = 1.0
    return m / m.sum(axis=1, keepdims=True)


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
    known = np.concatenate([info.birth_lo[info.birth_hi >= 0], info.birth_hi[info.birth_hi >= 0],
                            info.last_year[info.last_year >= 0]])
    if known.size == 0:
        a = np.ones((len(info.ids),) * 2)
        np.fill_diagonal(a, 0.0)
        return a
    years = np.arange(known.min() - ages.max_age, known.max() + 2)
    b = birth_distribution(info, years, ages.age_decay)  # (n, Y)
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
    from leogen.pedigree.kinship import generation_depth

    n = len(info.ids)
    known = np.concatenate([info.birth_lo[info.birth_hi >= 0], info.birth_hi[info.birth_hi >= 0],
                            info.last_year[info.last_year >= 0]])
    sire = np.asarray(sire, np.int64)
    dam = np.asarray(dam, np.int64)
    if known.size == 0 or n == 0 or not ((sire >= 0) | (dam >= 0)).any():
        return age_prior(info, ages)
    sire_p = np.ones(n) if sire_p is None else np.nan_to_num(np.asarray(sire_p, float))
    dam_p = np.ones(n) if dam_p is None else np.nan_to_num(np.asarray(dam_p, float))
    years = np.arange(known.min() - ages.max_age, known.max() + 2)
    b = birth_distribution(info, years, ages.age_decay)  # (n, Y)
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
