"""An independent gene drop for the pedigree tests (not leogen's simulator): a small closed
big-cat population with overlapping generations, a monitoring study that samples part of it,
and genotypes with errors, as the inputs of ``leogen.pedigree.run.run``.

Shared by tests/pedigree/test_reconstruct.py and benchmarks/bench_pedigree.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from leogen.model.genotypes import Genotypes


@dataclass
class GeneDrop:
    g: Genotypes  # genotypes of the sampled animals (with errors), no sex marker
    samples: pd.DataFrame  # sample sheet as read_samples returns it
    links: pd.DataFrame  # sample_id, individual_id, _line
    sex: np.ndarray  # genetic sex of the sampled animals ('M'/'F', 'U' some)
    truth: pd.DataFrame  # individual_id, sire, dam, sex, birth_year, f (all animals)
    sampled: np.ndarray  # ids of the sampled animals


def _true_f(ids, sire, dam):
    """Pedigree F by the recursive definition of kinship (Malecot), written here
    independently of leogen.pedigree.kinship."""
    pos = {x: k for k, x in enumerate(ids)}
    birth_order = {x: k for k, x in enumerate(ids)}  # ids are in birth order

    @cache
    def phi(a, b):
        if a is None or b is None:
            return 0.0
        if a == b:
            return 0.5 * (1.0 + phi(sire[pos[a]], dam[pos[a]]))
        if birth_order[a] < birth_order[b]:
            a, b = b, a  # a is the younger: recurse on its parents
        return 0.5 * (phi(sire[pos[a]], b) + phi(dam[pos[a]], b))

    return np.array([phi(s, d) if s is not None and d is not None else 0.0
                     for s, d in zip(sire, dam, strict=True)])


def gene_drop(seed: int, n_loci: int = 15, n_alleles=(6, 11), n_founders: int = 20,
              years=(2008, 2024), study=(2019, 2024), sample_rate: float = 0.8,
              age_class_rate: float = 0.5, error_rate: float = 0.01,
              missing_rate: float = 0.02, capacity: int = 28, snp: bool = False) -> GeneDrop:
    """Simulate a closed population year by year and a study sampling part of it.

    Females from age 3 breed with probability 0.45 a year with a random male of age >= 3
    (litters of 1-3), annual survival 0.85 (cubs 0.6, lower above ``capacity`` animals).
    Animals alive in the study years are sampled with probability ``sample_rate``: each gets
    1-4 scats on dates in years it was alive, an age class on the first one with
    probability ``age_class_rate`` and its sex on the sheet with probability 0.5; genetic
    sex is known for 90%. Genotypes: ``error_rate`` of calls get a random allele,
    ``missing_rate`` are missing.
    """
    rng = np.random.default_rng(seed)
    if snp:
        freqs = [np.array([p, 1 - p]) for p in rng.uniform(0.15, 0.5, n_loci)]
    else:
        freqs = [rng.dirichlet(np.full(k, 1.5)) for k in rng.integers(*n_alleles, n_loci)]
    ids, sire, dam, sex, birth, death, geno = [], [], [], [], [], [], []

    def add(s, d, sx, b, gt):
        ids.append(f"T{len(ids) + 1:04d}")
        sire.append(s)
        dam.append(d)
        sex.append(sx)
        birth.append(b)
        death.append(None)
        geno.append(gt)

    for k in range(n_founders):
        gt = np.stack([np.array([rng.choice(len(f), p=f) for f in freqs]) for _ in range(2)], 1)
        add(None, None, "M" if k % 2 == 0 else "F", int(years[0] - rng.integers(0, 6)), gt)
    for year in range(years[0], years[1] + 1):  # one breeding season a year
        alive = [k for k in range(len(ids)) if death[k] is None and birth[k] < year]
        adults = [k for k in alive if year - birth[k] >= 3]
        males = [k for k in adults if sex[k] == "M"]
        females = [k for k in adults if sex[k] == "F"]
        if males:
            for f_ in females:
                if rng.random() < 0.45:
                    m_ = males[rng.integers(len(males))]
                    for _ in range(int(rng.integers(1, 4))):
                        gt = np.stack([geno[m_][np.arange(n_loci), rng.integers(0, 2, n_loci)],
                                       geno[f_][np.arange(n_loci), rng.integers(0, 2, n_loci)]],
                                      1)
                        add(ids[m_], ids[f_], "M" if rng.random() < 0.5 else "F", year, gt)
        crowd = max(0.0, (len(alive) - capacity) / capacity)
        for k in alive:  # survival to next year
            s = 0.6 if year - birth[k] < 1 else 0.85
            if rng.random() > s * (1 - crowd):
                death[k] = year
    n = len(ids)
    f_true = _true_f(ids, sire, dam)
    truth = pd.DataFrame({"individual_id": ids, "sire": sire, "dam": dam, "sex": sex,
                          "birth_year": birth, "death_year": death, "f": f_true})
    # the study
    rows, link_rows, chosen = [], [], []
    for k in range(n):
        end = death[k] if death[k] is not None else years[1]
        lo, hi = max(birth[k] + 1, study[0]), min(end, study[1])
        if hi < lo or rng.random() > sample_rate:
            continue
        chosen.append(k)
        yrs = np.sort(rng.integers(lo, hi + 1, int(rng.integers(1, 5))))
        for r, y in enumerate(yrs):
            sid = f"S{len(rows) + 1:05d}"
            age = y - birth[k]
            cls = ""
            if r == 0 and rng.random() < age_class_rate:
                cls = ("cub" if age < 1 else "juvenile" if age < 2 else "subadult" if age < 3
                       else "adult")
            rows.append({"sample_id": sid, "sample_type": "scat",
                         "date": pd.Timestamp(f"{y}-{rng.integers(1, 13):02d}-15"),
                         "site": "S1", "lat": 43.0, "lon": 131.0,
                         "sex": sex[k] if rng.random() < 0.5 else "", "age_class": cls,
                         "_line": len(rows) + 2})
            link_rows.append({"sample_id": sid, "individual_id": ids[k],
                              "_line": len(link_rows) + 2})
    samples = pd.DataFrame(rows)
    links = pd.DataFrame(link_rows)
    calls = np.stack([geno[k] for k in chosen]).astype(np.int64)
    err = rng.random(calls.shape[:2]) < error_rate
    for j in range(n_loci):  # per locus: replace one allele of erroneous calls
        e = err[:, j]
        calls[e, j, rng.integers(0, 2)] = rng.integers(0, len(freqs[j]), e.sum())
    calls[rng.random(calls.shape[:2]) < missing_rate] = -1
    labels = (np.array([["A", "G"]] * n_loci, dtype=object) if snp
              else [np.arange(len(f)) * 2 + 100 for f in freqs])
    g = Genotypes(calls, [ids[k] for k in chosen], [f"L{j:02d}" for j in range(n_loci)],
                  tuple(np.asarray(x) for x in labels))
    gsex = np.array([sex[k] if rng.random() < 0.9 else "U" for k in chosen])
    return GeneDrop(g, samples, links, gsex, truth, np.array([ids[k] for k in chosen]))


def sampled_pedigree_f(d: GeneDrop, dummy_parents: bool = False) -> np.ndarray:
    """F of each sampled animal (in ``d.sampled`` order) from its *true* pedigree cut to the
    sampled animals: every link to a sampled parent right, every unsampled parent an
    unrelated founder. The most any reconstruction without the unsampled animals' ancestry
    can know (the ceiling of the pedigree-F correlation). ``dummy_parents``: each unsampled
    parent of a sampled animal is kept (one dummy per true parent, as if every sibship were
    found) with its own links to sampled parents, the most a reconstruction that gives dummy
    parents their sampled parents can know."""
    t = d.truth
    sampled = set(d.sampled)
    keep = set(sampled)
    if dummy_parents:
        keep |= {p for col in ("sire", "dam") for p in t.loc[t["individual_id"].isin(sampled),
                                                           col]
                 if isinstance(p, str)}
    rows = t[t["individual_id"].isin(keep)]  # birth order kept

    def cut(col):
        allowed = [keep if x in sampled else sampled for x in rows["individual_id"]]
        return [p if isinstance(p, str) and p in ok else None
                for p, ok in zip(rows[col], allowed, strict=True)]

    f = pd.Series(_true_f(list(rows["individual_id"]), cut("sire"), cut("dam")),
                  index=rows["individual_id"])
    return f.loc[list(d.sampled)].to_numpy()


def evaluate(ped: pd.DataFrame, rel: pd.DataFrame, inb: pd.DataFrame, truth: pd.DataFrame,
             id_map: dict | None = None) -> dict:
    """Compare a reconstructed pedigree with the truth.

    ``ped``, ``rel``, ``inb``: the pedigree, relationships and inbreeding tables;
    ``truth``: individual_id, sire, dam (NA/None unknown) and f; ``id_map``: reconstructed
    id -> true id (default identity). Returns counts and the (probability, right) pairs of
    every link to a sampled parent, for calibration; ``dummy_parent_*`` the same for the
    sampled parents of dummy parents.
    """
    id_map = id_map or {}
    tid = lambda x: id_map.get(x, x)  # noqa: E731
    t = truth.set_index("individual_id")
    true_par = {"sire": {k: v for k, v in t["sire"].items() if isinstance(v, str) and v},
                "dam": {k: v for k, v in t["dam"].items() if isinstance(v, str) and v}}
    sampled = ped[ped["sampled"]]
    present = {tid(x) for x in sampled["individual_id"]}
    out = {"assigned": 0, "right": 0, "true_links": 0, "found": 0, "calib": [],
           "dummy_assigned": 0, "dummy_right": 0, "dummy_parent_assigned": 0,
           "dummy_parent_right": 0, "dummy_parent_calib": []}
    dummy_truth = {}  # dummy parent -> the true animal most of its offspring have
    for role in ("sire", "dam"):
        dummies = {}
        for rec in sampled.itertuples(index=False):
            o = tid(rec.individual_id)
            tp = true_par[role].get(o)
            if tp in present:
                out["true_links"] += 1
            par = getattr(rec, role)
            prob = getattr(rec, f"{role}_probability")
            if isinstance(par, str) and par and not getattr(rec, f"{role}_dummy"):
                out["assigned"] += 1
                ok = tid(par) == tp
                out["right"] += ok
                out["found"] += ok and tp in present
                out["calib"].append((float(prob), bool(ok)))
            elif isinstance(par, str) and par:
                dummies.setdefault(par, []).append(tp)
        for dummy, members in dummies.items():  # a dummy link is right if it names the
            vals = pd.Series([m for m in members if m is not None])  # sibship's parent
            top = vals.value_counts().index[0] if len(vals) else None
            dummy_truth[dummy] = top if top not in present else None
            out["dummy_assigned"] += len(members)
            out["dummy_right"] += sum(m == top and top not in present for m in members)
    # the sampled parents of dummy parents: right if they are the true parents of the
    # unsampled animal the dummy stands for (wrong too when the dummy is a sampled animal)
    for rec in ped[~ped["sampled"]].itertuples(index=False):
        for role in ("sire", "dam"):
            par = getattr(rec, role)
            if isinstance(par, str) and par:
                truth_d = dummy_truth.get(rec.individual_id)
                ok = truth_d is not None and tid(par) == true_par[role].get(truth_d)
                out["dummy_parent_assigned"] += 1
                out["dummy_parent_right"] += ok
                out["dummy_parent_calib"].append((float(getattr(rec, f"{role}_probability")),
                                                  bool(ok)))
    # pairs
    sire = {k: true_par["sire"].get(k) for k in t.index}
    dam = {k: true_par["dam"].get(k) for k in t.index}
    a = rel["id1"].map(tid).to_numpy()
    b = rel["id2"].map(tid).to_numpy()
    ss = np.array([sire[x] is not None and sire[x] == sire[y] for x, y in zip(a, b, strict=True)])
    sd = np.array([dam[x] is not None and dam[x] == dam[y] for x, y in zip(a, b, strict=True)])
    fs, hs = ss & sd, ss ^ sd
    lab = rel["relationship"].to_numpy()
    for cls, truth_mask in (("FS", fs), ("HS", hs)):
        out[f"{cls}_labelled"] = int((lab == cls).sum())
        out[f"{cls}_right"] = int((truth_mask & (lab == cls)).sum())
        out[f"{cls}_true"] = int(truth_mask.sum())
    # grandparent / avuncular labels: the true relationship by the kinship module's
    # classification of the true pedigree
    from leogen.pedigree.kinship import parent_indices, relationship_matrix

    ids = list(t.index)
    s_idx, d_idx = parent_indices(ids, t["sire"].fillna("").tolist(), t["dam"].fillna("").tolist())
    true_rel = relationship_matrix(s_idx, d_idx)
    pos = {x: k for k, x in enumerate(ids)}
    gpav = lab == "GPAV"
    ok = np.array([true_rel[pos[x], pos[y]] in ("GP", "AV") for x, y in
                   zip(a[gpav], b[gpav], strict=True)], bool)
    out["GPAV_labelled"] = int(gpav.sum())
    out["GPAV_right"] = int(ok.sum())
    f_true = inb["individual_id"].map(lambda x: t.loc[tid(x), "f"]).to_numpy(float)
    out["f_true"] = f_true
    out["f_ped"] = inb["f_pedigree"].to_numpy(float)
    out["f_expected"] = inb["f_pedigree_expected"].to_numpy(float)
    return out
