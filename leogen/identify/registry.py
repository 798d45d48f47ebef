"""The persistent animal registry: animal ids that stay with their animal from run to run.

A monitoring programme keys everything on animal ids: a vet's records, the camera-trap
catalogue, last year's report. ``results/identify/registry.tsv`` (:data:`REGISTRY
<leogen.identify.outputs.REGISTRY>`) lists every known animal: its id, status, the samples
that define it, its reference genotype (one column per locus, ``allele1/allele2``) with its
quality, sex, first and last detection, and the user's own columns (``name``,
``camera_trap_id``, ``notes``) that leogen carries over unchanged. A run given last year's
registry keeps every registered id and reports in ``registry_changes.tsv`` everything it
could not keep as it was; no id is renamed or merged silently (docs/identify.md).

Ids (:func:`assign_ids`), from the groups of samples the matching found:

1. **Samples.** Each registered animal is linked to the groups that hold its defining
   samples. The (animal, group) links are resolved greedily, most shared defining samples
   first, then the smaller registered number, then the group's first detection date and
   smallest sample id: each registered id keeps at most one group and each group at most one
   registered id. Defining samples in another group are reported ``sample_moved``; defining
   samples of this run that no group holds (ambiguous, insufficient loci, ...) are reported
   ``sample_unassigned``.
2. **Would merge.** A registered animal whose grouped samples all lie in a group another
   registered id kept is reported ``would_merge``: both ids stay in the registry (the second
   with status ``would_merge`` and its samples unchanged, reported again in every run until
   resolved), the group carries the first. The user decides: set the second's status to
   ``retired`` to accept the merge (a retired row is carried over unchanged, never given to
   an animal, and its number never given again), or genotype the samples again.
3. **Genotype.** A registered animal none of whose defining samples is grouped in this run
   (their genotypes not in this run, or not assigned) is compared with the reference genotype
   of each group left without an id, at the identity loci: it keeps the group it matches with
   at most ``max_mismatches`` mismatches over at least ``min_loci`` loci typed in both (fewest
   mismatches, then most loci compared, then the smaller registered number, first):
   ``matched_by_genotype``. A match to a group another registered id holds is reported
   ``would_merge``. Otherwise the animal stays in the registry, ``not_seen``.
4. **New animals.** Groups left without an id get new numbers after the largest registered
   one, in the order of their first detection date, then their smallest sample id of that
   date: an order that samples added later do not change. Without a registry the same rule numbers all
   groups from 1 (a sample older than all others added later then renumbers: keep a
   registry).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from leogen.errors import InputError
from leogen.identify.outputs import REGISTRY, REGISTRY_CHANGES, REGISTRY_USER_COLUMNS
from leogen.io.tables import NA_TOKENS

#: Statuses of a registry row.
#: ``retired`` is set by the user (an id given up, e.g. after accepting a merge): the row is
#: carried over unchanged, never given to an animal, and its number is never given again.
STATUSES = ("seen", "new", "not_seen", "would_merge", "retired")
#: Kinds of change in ``registry_changes.tsv``, in the order the rows are written.
CHANGES = ("new", "matched_by_genotype", "would_merge", "sample_moved", "sample_unassigned",
           "genotype_changed", "not_seen")
#: Sample types whose genotype makes a reference-quality animal genotype.
REFERENCE_TYPES = ("blood", "tissue")
_CELL = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Registry:
    """A previous registry, read and checked against this run's genotypes and sample sheet.

    Attributes
    ----------
    table : DataFrame (n_animals,), the declared columns, typed (:meth:`Table.read`), with
        ``_line`` (line of each row in ``path``).
    labels : int64 array (n_animals, n_loci, 2), reference genotypes as allele sizes in the
        loci order of the genotypes, alleles sorted, -1 untyped.
    loci : str array (n_loci,), the genotypes' loci.
    numbers : int64 array (n_animals,), the number in each id (``LEO012`` -> 12).
    samples : tuple (n_animals,) of tuples of sample ids, the samples that define each animal.
    path : the registry file.
    """

    table: pd.DataFrame
    labels: np.ndarray
    loci: np.ndarray
    numbers: np.ndarray
    samples: tuple
    path: str

    @property
    def ids(self) -> np.ndarray:
        return self.table["individual_id"].to_numpy(dtype=str)


@dataclass
class IdAssignment:
    """The ids of one run (:func:`assign_ids`).

    Attributes
    ----------
    ids : dict {group: individual id} for every group of the matching.
    order : list of groups sorted by id number (the order of the animal tables).
    numbers : dict {individual id: number}.
    new : set of the ids given in this run.
    registered_group : dict {registry row: group} for registered animals found in this run.
    registered_status : str array (n_registered,), status of each registered animal.
    changes : DataFrame of :data:`REGISTRY_CHANGES <leogen.identify.outputs.REGISTRY_CHANGES>`
        (the ``genotype_changed`` rows are added by :func:`registry_table`).
    registry : the previous registry, or None.
    width : digits of the numbers of new ids.
    id_prefix : prefix of the ids.
    """

    ids: dict
    order: list
    numbers: dict
    new: set
    registered_group: dict
    registered_status: np.ndarray
    changes: pd.DataFrame
    registry: Registry | None = None
    width: int = 3
    id_prefix: str = "LEO"
    _rows: list = field(default_factory=list, repr=False)


# --------------------------------------------------------------------------- reading
def parse_genotype_cells(values, path=None, lines=None, column: str = "") -> np.ndarray:
    """Parse registry genotype cells ``allele1/allele2`` (sizes; NA or empty: untyped).

    Parameters
    ----------
    values : sequence (n,) of str cells.
    path, lines, column : where the cells come from (file, line of each cell (n,), column),
        for the error of a malformed cell.

    Returns
    -------
    int64 array (n, 2), alleles sorted, -1 where untyped.

    Examples
    --------
    >>> parse_genotype_cells(["216/214", "NA", "180/180"]).tolist()
    [[214, 216], [-1, -1], [180, 180]]
    """
    cells = pd.Series(np.asarray(values, dtype=object)).astype(str).str.strip()
    na = cells.isin(NA_TOKENS).to_numpy()
    parts = cells.str.extract(_CELL)
    bad = parts[0].isna().to_numpy() & ~na
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        line = None if lines is None else int(np.asarray(lines)[k])
        raise InputError(f"column {column}: genotype '{cells.iloc[k]}' is not allele1/allele2 "
                         "(two allele sizes in bp, e.g. 214/216; NA when untyped)",
                         path, line, column)
    out = np.full((len(cells), 2), -1, dtype=np.int64)
    ok = ~na
    out[ok, 0] = parts.loc[ok, 0].astype(np.int64).to_numpy()
    out[ok, 1] = parts.loc[ok, 1].astype(np.int64).to_numpy()
    return np.sort(out, axis=1)


def format_genotype_cells(labels: np.ndarray) -> np.ndarray:
    """Registry cells of genotypes: ``a/b`` with a <= b, ``NA`` untyped.

    Parameters
    ----------
    labels : int array (n, 2) of allele sizes, -1 untyped.

    Returns
    -------
    object array (n,) of str.

    Examples
    --------
    >>> format_genotype_cells(np.array([[216, 214], [-1, -1]])).tolist()
    ['214/216', 'NA']
    """
    s = np.sort(np.asarray(labels, dtype=np.int64), axis=1)
    text = np.char.add(np.char.add(s[:, 0].astype(str), "/"), s[:, 1].astype(str))
    return np.where(s[:, 0] >= 0, text, "NA").astype(object)


def _header_line(path) -> int:
    with open(path, encoding="utf-8-sig") as fh:
        for k, line in enumerate(fh, start=1):
            if line.strip() and not line.startswith("#"):
                return k
    return 1


def read_registry(path, genotypes, sheet, sheet_path=None, id_prefix: str = "LEO") -> Registry:
    """Read a previous ``registry.tsv`` and check it against this run's inputs.

    Parameters
    ----------
    path : the registry (written by a previous run; the user's columns may be edited).
    genotypes : Genotypes (n_samples, n_loci), this run's consensus genotypes (allele sizes).
    sheet : this run's sample sheet (:func:`leogen.io.sheets.read_samples`).
    sheet_path : the sheet's file, named in messages.
    id_prefix : prefix of the ids; every registry id must be the prefix and a number.

    Returns
    -------
    :class:`Registry`

    Raises
    ------
    InputError naming the registry file, line and column: a malformed cell; duplicate ids;
    an id not of the form prefix + number; a status not in :data:`STATUSES`; a locus of the
    genotypes without a column, or a column that is neither declared nor a locus; allele
    labels that do not match the genotypes (most of a locus's registry alleles never seen in
    them: a different sizing or binning); a sample in two animals or not in the sample sheet.
    """
    path = str(path)
    df = REGISTRY.read(path)
    lines = df["_line"].to_numpy()
    header = _header_line(path)
    loci = np.asarray(genotypes.loci, dtype=str)
    cols = [c for c in df.columns if c not in REGISTRY.names and c != "_line"]
    extra = [c for c in cols if c not in set(loci)]
    if extra:
        raise InputError(f"column {extra[0]}: is not a locus of the genotypes (loci: "
                         f"{', '.join(loci)}) nor a registry column", path, header, extra[0])
    missing = [x for x in loci if x not in set(cols)]
    if missing:
        raise InputError(f"has no column for locus {missing[0]} of the genotypes (expected one "
                         "column per locus, allele1/allele2)", path, header, missing[0])
    ids = df["individual_id"].to_numpy(dtype=str)
    first_line: dict[str, int] = {}
    for k, i in enumerate(ids):  # one step per registered animal
        if i in first_line:
            raise InputError(f"individual_id '{i}' is listed twice (also line {first_line[i]})",
                             path, int(lines[k]), "individual_id")
        first_line[i] = int(lines[k])
    num = pd.Series(ids).str.extract(f"^{re.escape(id_prefix)}(\\d+)$")[0]
    if num.isna().any():
        k = int(np.flatnonzero(num.isna().to_numpy())[0])
        raise InputError(f"individual_id '{ids[k]}' is not the id prefix '{id_prefix}' "
                         "followed by a number", path, int(lines[k]), "individual_id")
    bad = ~df["status"].isin(STATUSES).to_numpy()
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(f"status '{df['status'].iloc[k]}' is not one of {', '.join(STATUSES)}",
                         path, int(lines[k]), "status")
    labels = np.full((len(df), len(loci), 2), -1, dtype=np.int64)
    known = genotypes.labels().astype(np.int64)
    for j, locus in enumerate(loci):  # one step per locus
        labels[:, j] = parse_genotype_cells(df[locus].to_numpy(), path, lines, locus)
        _check_allele_labels(labels[:, j], known[:, j], locus, path, lines)
    samples = tuple(tuple(s for s in (x.strip() for x in cell.split(",")) if s)
                    for cell in df["samples"].to_numpy(dtype=str))
    in_sheet = set(sheet["sample_id"].astype(str))
    owner: dict[str, int] = {}
    retired = df["status"].to_numpy(dtype=str) == "retired"
    for k, ss in enumerate(samples):  # one step per registered animal
        for s in ss:
            if s not in in_sheet:
                raise InputError(f"sample '{s}' of {ids[k]} is not in the sample sheet"
                                 + (f" {sheet_path}" if sheet_path else "") + " (the sheet "
                                 "must keep every sample of earlier runs)",
                                 path, int(lines[k]), "samples")
            if retired[k]:
                continue
            if s in owner:
                raise InputError(f"sample '{s}' defines {ids[k]} and also {ids[owner[s]]} "
                                 f"(line {int(lines[owner[s]])})", path, int(lines[k]),
                                 "samples")
            owner[s] = k
    table = df[REGISTRY.names + ["_line"]].copy()
    return Registry(table, labels, loci, num.astype(np.int64).to_numpy(), samples, path)


def _check_allele_labels(reg: np.ndarray, known: np.ndarray, locus: str, path, lines) -> None:
    """Most distinct registry alleles at a locus unseen in the genotypes: labels differ.

    An animal not seen in this run may carry an allele no sample of this run has, so one
    unseen allele is allowed; more than half of a locus's registry alleles unseen is a
    different sizing or binning of the alleles, an error."""
    have = np.unique(known[known >= 0])
    typed = reg[:, 0] >= 0
    alleles = np.unique(reg[typed])
    unseen = np.setdiff1d(alleles, have)
    if len(unseen) and (len(unseen) > len(alleles) / 2 or len(have) == 0):
        row = int(np.flatnonzero(typed & np.isin(reg, unseen).any(axis=1))[0])
        shown = ", ".join(map(str, have[:12])) + (", ..." if len(have) > 12 else "")
        raise InputError(f"column {locus}: allele {int(unseen[0])} is not an allele of locus "
                         f"{locus} in the genotypes ({len(unseen)} of the {len(alleles)} registry "
                         f"alleles there are not; genotypes have {shown or 'none'}): registry "
                         "and genotypes must use the same allele sizes", path,
                         int(lines[row]), locus)


# ------------------------------------------------------------------------- assigning
def _codes(labels: np.ndarray) -> np.ndarray:
    s = np.sort(labels, axis=-1).astype(np.int64)
    return np.where(s[..., 0] >= 0, s[..., 0] * 100_000 + s[..., 1], -1)


def genotype_matches(a: np.ndarray, b: np.ndarray, chunk: int = 256):
    """Loci compared (typed in both) and mismatching, for every pair of rows of two sets.

    Parameters
    ----------
    a : int array (n_a, n_loci, 2), allele sizes, -1 untyped.
    b : int array (n_b, n_loci, 2).
    chunk : rows of ``a`` per block (memory ~ chunk x n_b x n_loci).

    Returns
    -------
    (n_compared int array (n_a, n_b), n_mismatches int array (n_a, n_b))

    Examples
    --------
    >>> a = np.array([[[1, 2], [3, 3], [-1, -1]]])
    >>> b = np.array([[[2, 1], [3, 4], [5, 5]]])
    >>> [x.tolist() for x in genotype_matches(a, b)]
    [[[2]], [[1]]]
    """
    ca, cb = _codes(a), _codes(b)
    comp = np.zeros((len(ca), len(cb)), dtype=np.int64)
    mism = np.zeros_like(comp)
    for i0 in range(0, len(ca), chunk):  # blocks of rows, vectorised within
        x = ca[i0:i0 + chunk, None, :]
        both = (x >= 0) & (cb[None, :, :] >= 0)
        comp[i0:i0 + chunk] = both.sum(axis=2)
        mism[i0:i0 + chunk] = (both & (x != cb[None, :, :])).sum(axis=2)
    return comp, mism


def _group_genotypes(labels: np.ndarray, group: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """One genotype per group (agreeing calls kept, conflicts missing), rows as ``groups``."""
    from leogen.qc.consensus import combine_genotypes

    out = np.full((len(groups), labels.shape[1], 2), -1, dtype=np.int64)
    m = np.isin(group, groups)
    if m.any():
        keys, geno = combine_genotypes(labels[m], group[m].astype(str))
        pos = pd.Index(keys.astype(np.int64)).get_indexer(groups)
        out[pos >= 0] = geno[pos[pos >= 0]]
    return out


def _change(kind, individual_id, other="", sample_ids=(), detail=""):
    ss = sorted(sample_ids)
    return {"change": kind, "individual_id": individual_id, "other_individual_id": other,
            "n_samples": len(ss), "sample_ids": ",".join(ss), "detail": detail}


def changes_frame(rows: list, numbers: dict) -> pd.DataFrame:
    """The change rows as :data:`REGISTRY_CHANGES`, in a fixed order (kind, id number,
    other id, samples).

    Parameters
    ----------
    rows : list of tuple
        Change rows, fields in :data:`REGISTRY_CHANGES` order.
    numbers : dict
        individual_id -> its id number, for the order.

    Returns
    -------
    DataFrame
    """
    df = pd.DataFrame(rows, columns=REGISTRY_CHANGES.names)
    if not len(df):
        return df.astype({"n_samples": np.int64})
    key = pd.DataFrame({"k": df["change"].map({c: i for i, c in enumerate(CHANGES)}),
                        "n": df["individual_id"].map(numbers).fillna(-1)})
    order = np.lexsort((df["sample_ids"].to_numpy(dtype=str),
                        df["other_individual_id"].to_numpy(dtype=str),
                        df["individual_id"].to_numpy(dtype=str), key["n"].to_numpy(),
                        key["k"].to_numpy()))
    out = df.iloc[order].reset_index(drop=True)
    out["n_samples"] = out["n_samples"].astype(np.int64)
    return out


def assign_ids(group, samples, dates, registry: Registry | None = None, labels=None,
               id_loci=None, id_prefix: str = "LEO", max_mismatches: int = 1,
               min_loci: int = 8) -> IdAssignment:
    """Animal ids for the groups of a matching, keeping a previous registry's (module doc).

    Parameters
    ----------
    group : int array (n_samples,), the group of each sample, -1 for none.
    samples : str array (n_samples,), sample ids.
    dates : datetime64 array (n_samples,), sampling dates (NaT allowed: ordered last).
    registry : the previous registry (:func:`read_registry`), or None.
    labels : int array (n_samples, n_loci, 2), allele sizes (-1 missing), in the registry's
        loci order: needed to match registered animals by genotype.
    id_loci : bool array (n_loci,), the loci compared by genotype (default all).
    id_prefix : prefix of new ids.
    max_mismatches, min_loci : the genotype match of a registered animal (module doc).

    Returns
    -------
    :class:`IdAssignment`

    Examples
    --------
    >>> a = assign_ids(np.array([1, 0, -1, 1]), np.array(["s4", "s2", "s3", "s1"]),
    ...                pd.to_datetime(["2020-01-01", "2019-05-01", "2018-01-01",
    ...                                "2021-01-01"]).to_numpy())
    >>> [a.ids[k] for k in a.order]
    ['LEO001', 'LEO002']
    >>> a.ids[0]
    'LEO001'
    """
    group = np.asarray(group, dtype=np.int64)
    samples = np.asarray(samples, dtype=str)
    dates = pd.to_datetime(pd.Series(dates)).to_numpy()
    gs = np.flatnonzero(group >= 0)
    gdf = pd.DataFrame({"group": group[gs], "date": dates[gs], "id": samples[gs]})
    # first detection, and the smallest sample id on that date (later samples change neither)
    first_date = gdf.groupby("group")["date"].transform("min")
    on_first = (gdf["date"] == first_date) | first_date.isna()
    ginfo = gdf[on_first].groupby("group").agg(date=("date", "min"), id=("id", "min"))
    ginfo = ginfo.reset_index()
    ginfo = ginfo.sort_values(["date", "id"], na_position="last", kind="stable")
    ginfo["rank"] = np.arange(len(ginfo))
    rank = dict(zip(ginfo["group"], ginfo["rank"], strict=True))
    members = {int(k): set(v) for k, v in gdf.groupby("group")["id"]}
    rows: list = []
    ids: dict = {}
    numbers: dict = {}
    reg_group: dict = {}
    n_reg = 0 if registry is None else len(registry.table)
    status = np.full(n_reg, "not_seen", dtype=object)
    if n_reg:
        status[registry.table["status"].to_numpy(dtype=str) == "retired"] = "retired"
    width = 3
    max_number = 0
    if registry is not None and n_reg:
        reg_ids = registry.ids
        width = max(width, max(len(i) - len(id_prefix) for i in reg_ids))
        max_number = int(registry.numbers.max())
        numbers.update(zip(reg_ids, registry.numbers.tolist(), strict=True))
        pos_of = pd.Index(samples)
        active = [() if status[r] == "retired" else ss
                  for r, ss in enumerate(registry.samples)]
        link_r = np.repeat(np.arange(n_reg), [len(s) for s in active])
        link_s = np.array([s for ss in active for s in ss], dtype=str)
        pos = pos_of.get_indexer(link_s) if len(link_s) else np.zeros(0, np.int64)
        lg = np.where(pos >= 0, group[np.maximum(pos, 0)], -1) if len(pos) else pos
        links = pd.DataFrame({"r": link_r[lg >= 0], "g": lg[lg >= 0]})
        links = links.groupby(["r", "g"]).size().rename("n").reset_index()
        links["num"] = registry.numbers[links["r"].to_numpy()]
        links["rank"] = links["g"].map(rank)
        links = links.sort_values(["n", "num", "rank"], ascending=[False, True, True],
                                  kind="stable")
        claimed: dict = {}
        for r, g_ in zip(links["r"].tolist(), links["g"].tolist(), strict=True):  # per link
            if r in reg_group or g_ in claimed:
                continue
            reg_group[r], claimed[g_] = g_, r
            ids[g_] = reg_ids[r]
            status[r] = "seen"
        linked = set(links["r"].tolist())
        # samples of a registered animal elsewhere: moved, would merge, unassigned
        for r in range(n_reg):  # one step per registered animal
            own = np.array(active[r], dtype=str)
            p = pos_of.get_indexer(own)
            here = own[p >= 0]
            g_here = group[p[p >= 0]]
            unassigned = here[g_here < 0]
            if len(unassigned):
                rows.append(_change("sample_unassigned", reg_ids[r], "", unassigned,
                                    "in this run's genotypes but in no animal (see the "
                                    "status in sample_individual.tsv)"))
            for g_ in np.unique(g_here[g_here >= 0]).tolist():
                if reg_group.get(r) == g_:
                    continue
                moved = here[g_here == g_]
                if r in reg_group:
                    rows.append(_change("sample_moved", reg_ids[r], ("", g_), moved))
                else:
                    rows.append(_change("would_merge", reg_ids[claimed[g_]], reg_ids[r], moved,
                                        f"samples of {reg_ids[r]} are now in the same animal "
                                        f"as {reg_ids[claimed[g_]]}; both ids kept, not "
                                        "merged: check the samples and edit the registry"))
                    status[r] = "would_merge"
        # registered animals with no grouped sample: by genotype
        rest = np.array([r for r in range(n_reg) if r not in linked and status[r] != "retired"],
                        dtype=np.int64)
        if len(rest) and labels is not None and len(ginfo):
            labels = np.asarray(labels, dtype=np.int64)
            loci = (np.ones(labels.shape[1], bool) if id_loci is None
                    else np.asarray(id_loci, bool))
            all_groups = ginfo["group"].to_numpy()
            gg = _group_genotypes(labels[:, loci], group, all_groups)
            comp, mism = genotype_matches(registry.labels[rest][:, loci], gg)
            ok = (comp >= min_loci) & (mism <= max_mismatches)
            ri, gi = np.nonzero(ok)
            cand = pd.DataFrame({"r": rest[ri], "g": all_groups[gi], "m": mism[ri, gi],
                                 "c": comp[ri, gi], "num": registry.numbers[rest[ri]],
                                 "rank": gi})
            cand = cand.sort_values(["m", "c", "num", "rank"],
                                    ascending=[True, False, True, True], kind="stable")
            free = cand[~cand["g"].isin(list(claimed))]
            for r, g_, m_, c_ in free[["r", "g", "m", "c"]].itertuples(index=False):
                if r in reg_group or g_ in claimed:  # one step per candidate match
                    continue
                reg_group[r], claimed[g_] = g_, r
                ids[g_] = reg_ids[r]
                status[r] = "seen"
                rows.append(_change("matched_by_genotype", reg_ids[r], "", members[g_],
                                    "its defining samples are not grouped in this run; "
                                    f"genotype matches with {m_} mismatch(es) over {c_} "
                                    "loci"))
            taken = cand[~cand["r"].isin(list(reg_group))].drop_duplicates("r")
            for r, g_, m_, c_ in taken[["r", "g", "m", "c"]].itertuples(index=False):
                status[r] = "would_merge"  # one step per registered animal left
                rows.append(_change("would_merge", ids[g_], reg_ids[r], members[g_],
                                    f"the genotype of {reg_ids[r]} matches this animal "
                                    f"({m_} mismatch(es) over {c_} loci); both ids kept, "
                                    "not merged: check and edit the registry"))
        for r in np.flatnonzero(status == "not_seen").tolist():
            rows.append(_change("not_seen", reg_ids[r], "", (),
                                "kept in the registry; no sample of this run is assigned to "
                                "it"))
    # new animals: after the largest registered number, by first date then sample id
    new_groups = [g_ for g_ in ginfo["group"].tolist() if g_ not in ids]
    last = max_number + len(new_groups)
    width = max(width, len(str(last)))
    new = set()
    for k, g_ in enumerate(new_groups):  # one step per new animal
        nid = f"{id_prefix}{max_number + k + 1:0{width}d}"
        ids[g_], numbers[nid] = nid, max_number + k + 1
        new.add(nid)
        rows.append(_change("new", nid, "", members[g_]))
    # moved samples now know the id of their new animal
    rows = [dict(r, other_individual_id=ids[r["other_individual_id"][1]])
            if isinstance(r["other_individual_id"], tuple) else r for r in rows]
    for r in rows:
        if r["change"] == "sample_moved":
            r["detail"] = (f"defined {r['individual_id']} in the registry; now in "
                           f"{r['other_individual_id']}")
    order = sorted(ids, key=lambda g_: (numbers[ids[g_]], ids[g_]))
    return IdAssignment(ids, order, numbers, new, reg_group, status,
                        changes_frame(rows, numbers), registry, width, id_prefix)


# -------------------------------------------------------------------------- the table
def registry_table(assignment: IdAssignment, individuals: pd.DataFrame, genotypes,
                   sample_ids, sample_labels, sample_individual, id_loci=None):
    """This run's registry and its full change log.

    Parameters
    ----------
    assignment : :func:`assign_ids` of this run.
    individuals : this run's ``individuals.tsv`` frame (one row per animal of this run).
    genotypes : Genotypes (n_animals, n_loci), this run's animal genotypes (same loci order
        as the registry).
    sample_ids : str array (n_samples,).
    sample_labels : int array (n_samples, n_loci, 2), the samples' allele sizes.
    sample_individual : str array (n_samples,), the id of each sample ('' for none).
    id_loci : bool array (n_loci,), identity loci (default all).

    Returns
    -------
    (registry DataFrame of :data:`REGISTRY <leogen.identify.outputs.REGISTRY>` (one row per
    known animal, by id number), changes DataFrame of :data:`REGISTRY_CHANGES
    <leogen.identify.outputs.REGISTRY_CHANGES>`)

    Notes
    -----
    A seen animal's reference genotype is this run's genotype, with loci it leaves untyped
    filled from the previous registry (a locus typed in both that differs is reported
    ``genotype_changed``); its samples are this run's plus previous defining samples absent
    from this run; first and last detection span both. ``genotype_quality``:
    ``reference_sample`` when a blood or tissue sample defines it, ``replicated`` when every
    typed identity locus is supported by two samples or more, else ``single_sample``
    (``min_locus_support``: the fewest samples whose call equals the reference call at a
    typed identity locus of this run).
    """
    reg = assignment.registry
    loci = np.asarray(genotypes.loci, dtype=str)
    idl = np.ones(len(loci), bool) if id_loci is None else np.asarray(id_loci, bool)
    ind_ids = np.asarray(genotypes.samples, dtype=str)
    glab = np.sort(genotypes.labels().astype(np.int64), axis=2)
    sample_ids = np.asarray(sample_ids, dtype=str)
    sample_individual = np.asarray(sample_individual, dtype=object).astype(str)
    slab = np.sort(np.asarray(sample_labels, dtype=np.int64), axis=2)
    inds = individuals.set_index("individual_id").reindex(ind_ids)
    # support: samples agreeing with their animal's call, per animal and locus
    grouped = np.flatnonzero(np.isin(sample_individual, ind_ids))
    row_of = pd.Index(ind_ids).get_indexer(sample_individual[grouped])
    agree = ((slab[grouped] == glab[row_of]).all(axis=2) & (slab[grouped, :, 0] >= 0))
    support = np.zeros((len(ind_ids), len(loci)), dtype=np.int64)
    np.add.at(support, row_of, agree.astype(np.int64))
    typed_now = glab[..., 0] >= 0
    sup = np.where(typed_now & idl, support, np.iinfo(np.int64).max).min(axis=1)
    has_sup = (typed_now & idl).any(axis=1)
    # samples of an animal that would merge stay its own (reported again until resolved)
    held = set()
    if reg is not None:
        for r in np.flatnonzero(assignment.registered_status == "would_merge").tolist():
            held.update(reg.samples[r])
    mem = pd.Series(sample_ids[grouped]).groupby(sample_individual[grouped]).agg(
        lambda s: sorted(x for x in s if x not in held))
    run_samples = set(sample_ids.tolist())
    prev_row = {}
    if reg is not None:
        prev_row = {reg.ids[r]: r for r in assignment.registered_group}
    changes = [assignment.changes]
    labels = glab.copy()
    out_samples, first, last, sex = [], [], [], []
    user = {c: [] for c in REGISTRY_USER_COLUMNS}
    for k, iid in enumerate(ind_ids):  # one step per animal of this run
        ss = list(mem.get(iid, []))
        f, la = inds.loc[iid, "first_seen"], inds.loc[iid, "last_seen"]
        sx = inds.loc[iid, "sex"]
        r = prev_row.get(iid)
        if r is not None:
            row = reg.table.iloc[r]
            ss = sorted(set(ss) | {s for s in reg.samples[r] if s not in run_samples})
            p = reg.labels[r]
            both = typed_now[k] & (p[:, 0] >= 0)
            differ = both & (p != glab[k]).any(axis=1)
            if differ.any():
                changes.append(pd.DataFrame([_change(
                    "genotype_changed", iid, "", (),
                    "reference genotype changed at " + ", ".join(
                        f"{loc} {a}->{b}" for loc, a, b in zip(
                            loci[differ], format_genotype_cells(p[differ]),
                            format_genotype_cells(glab[k][differ]), strict=True)))]))
            fill = ~typed_now[k] & (p[:, 0] >= 0)
            labels[k, fill] = p[fill]
            f = _min_date(f, row["first_seen"])
            la = _max_date(la, row["last_seen"])
            if sx not in ("M", "F") and row["sex"] in ("M", "F"):
                sx = row["sex"]
            for c in REGISTRY_USER_COLUMNS:
                user[c].append(row[c])
        else:
            for c in REGISTRY_USER_COLUMNS:
                user[c].append("")
        out_samples.append(ss)
        first.append(_fmt_date(f))
        last.append(_fmt_date(la))
        sex.append(sx if isinstance(sx, str) and sx else "U")
    stypes = inds["sample_types"].fillna("").astype(str).to_numpy() if len(ind_ids) else []
    ref = np.array([any(t in REFERENCE_TYPES for t in s.split(",")) for s in stypes], bool)
    quality = np.where(ref, "reference_sample",
                       np.where(has_sup & (sup >= 2), "replicated", "single_sample"))
    now = pd.DataFrame({
        "individual_id": ind_ids,
        "status": ["new" if i in assignment.new else "seen" for i in ind_ids],
        **{c: user[c] for c in REGISTRY_USER_COLUMNS},
        "sex": sex, "first_seen": first, "last_seen": last,
        "n_samples": np.array([len(s) for s in out_samples], dtype=np.int64),
        "samples": [",".join(s) for s in out_samples],
        "n_loci_typed": (labels[:, idl, 0] >= 0).sum(axis=1).astype(np.int64),
        "genotype_quality": [q if h or rf else pd.NA
                             for q, h, rf in zip(quality, has_sup, ref, strict=True)],
        "min_locus_support": pd.array([int(x) if h else pd.NA
                                       for x, h in zip(sup, has_sup, strict=True)],
                                      dtype="Int64"),
    })
    parts = [(now, labels)]
    if reg is not None:
        kept = np.array(sorted(set(range(len(reg.table))) - set(assignment.registered_group)),
                        dtype=np.int64)
        old = reg.table.iloc[kept][REGISTRY.names].copy()
        old["status"] = assignment.registered_status[kept]
        old["first_seen"] = [_fmt_date(x) for x in old["first_seen"]]
        old["last_seen"] = [_fmt_date(x) for x in old["last_seen"]]
        old["min_locus_support"] = old["min_locus_support"].astype("Int64")
        parts.append((old, reg.labels[kept]))
    table = pd.concat([p[0] for p in parts], ignore_index=True)
    glabels = np.concatenate([p[1] for p in parts], axis=0)
    for c in REGISTRY_USER_COLUMNS:
        table[c] = table[c].astype(object).fillna("")
    for c in ("genotype_quality", "sex"):
        table[c] = table[c].astype(object).replace("", pd.NA)
    for j, locus in enumerate(loci):
        table[locus] = format_genotype_cells(glabels[:, j])
    num = table["individual_id"].map(assignment.numbers).to_numpy()
    order = np.lexsort((table["individual_id"].to_numpy(dtype=str), num))
    table = table.iloc[order].reset_index(drop=True)
    table["n_samples"] = table["n_samples"].astype(np.int64)
    table["n_loci_typed"] = table["n_loci_typed"].astype(np.int64)
    ch = pd.concat([c for c in changes if len(c)], ignore_index=True) if any(
        len(c) for c in changes) else assignment.changes
    return table, changes_frame(ch.to_dict("records"), assignment.numbers)


def _fmt_date(x):
    if x is None or (not isinstance(x, str) and pd.isna(x)) or x in ("", "NA"):
        return pd.NA
    return pd.Timestamp(x).strftime("%Y-%m-%d")


def _min_date(a, b):
    vals = [pd.Timestamp(x) for x in (a, b) if _fmt_date(x) is not pd.NA]
    return min(vals) if vals else pd.NA


def _max_date(a, b):
    vals = [pd.Timestamp(x) for x in (a, b) if _fmt_date(x) is not pd.NA]
    return max(vals) if vals else pd.NA


def same_file(a, b) -> bool:
    """Whether two paths name the same file (the registry given is this run's output).

    Parameters
    ----------
    a, b : str or Path
        The paths.

    Returns
    -------
    bool
        False when either does not exist.
    """
    pa, pb = Path(a), Path(b)
    try:
        return pa.exists() and pb.exists() and pa.samefile(pb)
    except OSError:
        return False
