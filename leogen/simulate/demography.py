"""Demography: the yearly individual-based pedigree of an isolated population.

A generic individual-based model of a polygynous, density-regulated large felid (no
particular published model: the rates are illustrative defaults, see ``SimParams``): yearly
breeding of adult females without a litter the year before, sires drawn by fixed log-normal
mating weights, survival by age class, no migration. Pedigree kinship and inbreeding of the
result come from ``leogen.pedigree.kinship`` (tabular method); parent row positions from
``leogen.pedigree.kinship.pedigree_frame_indices``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from leogen.simulate.params import SimParams


def simulate_pedigree(p: SimParams, seed) -> pd.DataFrame:
    """Individual-based yearly demography of an isolated population.

    Founders of random ages (1..``founder_max_age``) at ``start_year``, sexes balanced, each
    with a fixed log-normal mating weight (sd ``sire_weight_sd``). Each year y: adult
    females (age >= ``adult_age``) without a litter in y - 1 breed with probability
    ``p_breed * clip(2 (1 - n_adults / carrying_capacity), 0, 1)`` (density regulation);
    the sire is drawn among adult males in proportion to their weights (polygyny, no
    inbreeding avoidance); litter sizes follow ``litter_size_probs``. Then deaths: yearly
    survival by age class (``survival_cub``, ``survival_juvenile``, ``survival_adult``),
    cubs die with a dam that dies in their birth year, nobody lives past ``max_age``. No
    migration. Random draws happen in exactly this order, so a seed gives one pedigree.

    Parameters
    ----------
    p : SimParams
        Demographic parameters (see above).
    seed : int, SeedSequence or Generator
        Anything ``np.random.default_rng`` accepts.

    Returns
    -------
    DataFrame (n_individuals rows, in birth order: parents precede offspring)
        ``individual_id`` (L001, ...), ``sire``, ``dam`` (None for founders), ``sex``
        (M/F), ``birth_year``, ``death_year`` (Int64, NA = alive at ``end_year``; an animal
        dying in year y was alive during y), ``founder`` (1/0), ``mating_weight``.
    """
    rng = np.random.default_rng(seed)
    nf = p.n_founders
    sexes = np.array(["M", "F"] * ((nf + 1) // 2))[:nf]
    sexes = list(rng.permutation(sexes))
    birth = list(p.start_year - rng.integers(1, p.founder_max_age + 1, size=nf))
    sire, dam = [-1] * nf, [-1] * nf
    death = [-1] * nf
    weight = list(rng.lognormal(0.0, p.sire_weight_sd, size=nf))
    last_litter = [-10**6] * nf
    litter_sizes = np.arange(1, len(p.litter_size_probs) + 1)
    litter_p = np.asarray(p.litter_size_probs, dtype=float)
    litter_p = litter_p / litter_p.sum()
    for y in range(p.start_year, p.end_year + 1):
        b = np.asarray(birth)
        alive = np.asarray(death) < 0
        age = y - b
        sx = np.asarray(sexes)
        adult = alive & (age >= p.adult_age)
        n_adult = int(adult.sum())
        dens = float(np.clip(2.0 * (1.0 - n_adult / p.carrying_capacity), 0.0, 1.0))
        males = np.flatnonzero(adult & (sx == "M"))
        fem = np.flatnonzero(adult & (sx == "F") & (np.asarray(last_litter) < y - 1))
        n_before = len(birth)
        if males.size and fem.size:
            breeds = fem[rng.random(fem.size) < p.p_breed * dens]
            w = np.asarray(weight)[males]
            for f in breeds:  # one litter per breeding female
                s = int(rng.choice(males, p=w / w.sum()))
                k = int(rng.choice(litter_sizes, p=litter_p))
                last_litter[f] = y
                for _ in range(k):
                    sexes.append("M" if rng.random() < 0.5 else "F")
                    birth.append(y)
                    sire.append(s)
                    dam.append(int(f))
                    death.append(-1)
                    weight.append(float(rng.lognormal(0.0, p.sire_weight_sd)))
                    last_litter.append(-10**6)
        # mortality at the end of year y
        n = len(birth)
        b = np.asarray(birth)
        age = y - b
        alive = np.asarray(death) < 0
        surv = np.where(age == 0, p.survival_cub,
                        np.where(age < p.adult_age, p.survival_juvenile, p.survival_adult))
        dies = alive & ((rng.random(n) >= surv) | (age >= p.max_age))
        dam_arr = np.asarray(dam)
        orphan = (np.arange(n) >= n_before) & (dam_arr >= 0)
        orphan &= dies[np.maximum(dam_arr, 0)]
        dies |= orphan & alive
        if y < p.end_year:
            for i in np.flatnonzero(dies):
                death[i] = y
        else:
            for i in np.flatnonzero(dies & (age >= p.max_age)):
                death[i] = y
    n = len(birth)
    width = max(3, len(str(n)))
    ids = np.array([f"L{i + 1:0{width}d}" for i in range(n)], dtype=object)
    sire_a, dam_a = np.asarray(sire), np.asarray(dam)
    return pd.DataFrame({
        "individual_id": ids,
        "sire": np.where(sire_a >= 0, ids[np.maximum(sire_a, 0)], None),
        "dam": np.where(dam_a >= 0, ids[np.maximum(dam_a, 0)], None),
        "sex": sexes,
        "birth_year": np.asarray(birth, dtype=np.int64),
        "death_year": pd.array([d if d >= 0 else pd.NA for d in death], dtype="Int64"),
        "founder": (sire_a < 0).astype(np.int64),
        "mating_weight": np.asarray(weight),
    })


def alive_matrix(ped: pd.DataFrame, years) -> np.ndarray:
    """Which animals are alive at some time in each year.

    Parameters
    ----------
    ped : DataFrame
        Pedigree with ``birth_year`` and ``death_year`` (NA = still alive).
    years : array of int, shape (n_years,)

    Returns
    -------
    bool array (n_individuals, n_years)
        Born in or before the year and not dead before it (deaths at the end of a year).

    Examples
    --------
    >>> ped = pd.DataFrame({"birth_year": [2000, 2002],
    ...                     "death_year": pd.array([2001, pd.NA], dtype="Int64")})
    >>> alive_matrix(ped, [2000, 2001, 2002]).astype(int)
    array([[1, 1, 0],
           [0, 0, 1]])
    """
    years = np.asarray(years)
    b = ped["birth_year"].to_numpy()[:, None]
    d = ped["death_year"].fillna(10**6).to_numpy(dtype=np.int64)[:, None]
    return (b <= years[None, :]) & (d >= years[None, :])


def age_class(age: np.ndarray, adult_age: int) -> np.ndarray:
    """Age class of each age in years: cub (< 1), juvenile (< 2), subadult, adult.

    Parameters
    ----------
    age : int array (n,)
    adult_age : int
        Age of first breeding (``SimParams.adult_age``).

    Returns
    -------
    str array (n,)

    Examples
    --------
    >>> age_class(np.array([0, 1, 2, 3]), adult_age=3).tolist()
    ['cub', 'juvenile', 'subadult', 'adult']
    """
    return np.where(age < 1, "cub", np.where(age < 2, "juvenile",
                                            np.where(age < adult_age, "subadult", "adult")))
