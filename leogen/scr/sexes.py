"""Known sex of the detected animals, for the known-class SECR models (secr's ``hcov``).

The sex table is any tab-separated file with the columns ``individual_id`` and ``sex``,
read through the declaration of the identify stage's ``identify/individuals.tsv``
(:data:`leogen.identify.outputs.INDIVIDUALS`), so that table serves as it is and a user's
two-column file for secr's capture files (``leogen scr fit --sex-covariate``) works too.

``sex`` is ``F`` or ``M`` (either case), or unknown: ``U`` (what ``leogen identify`` writes
when the sex marker failed) or empty / ``NA``. Any other value is an error naming the file,
line and column. An animal of the captures that is absent from the table is of unknown sex
(e.g. a camera-only animal never sampled genetically): the model gives it the mixture over
both sexes with the estimated proportion ``pmix``.

The sex can also come from an individual-covariate column of secr's capture file
(:func:`sex_from_captures`, ``leogen scr fit --sex-column``): one value per detection row,
``F``/``M``/``female``/``male`` (any case) or ``NA``. secr keeps the first non-missing value
of an animal (*secr-datainput*, "Capture data format"); leogen requires the non-missing
values of an animal's rows to agree, across all sessions of the file (one ID, one animal),
and rejects any other code (e.g. secr's numeric export ``1``/``2`` of
``write.capthist(tonumeric = TRUE)``, or ``U``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leogen.errors import InputError

#: The two known classes, in class order (class 0 female, class 1 male; secr orders the
#: levels of its ``hcov`` factor alphabetically, so ``F`` is its first class too).
SEXES = ("F", "M")
#: Values read as "sex not known".
UNKNOWN = frozenset({"", "U", "u"})
#: Codes of a capture file's sex column (lower case) and what they mean (``''`` unknown).
CAPTURE_CODES = {"f": "F", "female": "F", "m": "M", "male": "M", "na": ""}


def read_sex(path) -> pd.Series:
    """Read a sex table (module docstring).

    Parameters
    ----------
    path : str or Path
        Tab-separated, with ``individual_id`` and ``sex`` (other columns ignored).

    Returns
    -------
    Series (n_animals,)
        Indexed by ``individual_id``: ``'F'``, ``'M'`` or ``''`` (unknown).

    Raises
    ------
    InputError
        A missing column, a sex other than F/M/U/NA, or a repeated individual_id (file,
        line and column named).
    """
    from leogen.identify.outputs import INDIVIDUALS
    df = INDIVIDUALS.read(path, ["individual_id", "sex"])
    sex = df["sex"].astype(str).str.strip()
    upper = sex.str.upper()
    bad = ~(upper.isin(SEXES) | sex.isin(UNKNOWN))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"sex '{sex.iloc[i]}' is not F, M, U or NA", path,
                         int(df["_line"].iloc[i]), "sex")
    dup = df["individual_id"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(f"individual_id '{df['individual_id'].iloc[i]}' is repeated", path,
                         int(df["_line"].iloc[i]), "individual_id")
    out = upper.where(upper.isin(SEXES), "")
    return pd.Series(out.to_numpy(), index=df["individual_id"].to_numpy(), name="sex")


def known_classes(animals, sex: pd.Series | None) -> np.ndarray:
    """Known class of each animal (:data:`SEXES` order; -1 unknown or absent).

    Parameters
    ----------
    animals : list of str (n,)
        Animal ids of a session's rows.
    sex : Series or None
        From :func:`read_sex`; None: every class unknown.

    Returns
    -------
    int64 array (n,)

    Examples
    --------
    >>> known_classes(["a", "b", "c"], pd.Series(["M", ""], index=["a", "b"])).tolist()
    [1, -1, -1]
    """
    ids = pd.Series(list(animals or []), dtype=object)
    if sex is None or not len(ids):
        return np.full(len(ids), -1, dtype=np.int64)
    code = pd.Series({s: k for k, s in enumerate(SEXES)})
    return np.array(ids.map(sex).map(code).fillna(-1), dtype=np.int64)


def sex_from_captures(records, column, path=None) -> pd.Series:
    """The animals' sex from an individual-covariate column of secr's capture file.

    Parameters
    ----------
    records : leogen.scr.secrio.CaptureRecords
        From :func:`leogen.scr.secrio.read_captures`.
    column : int or str
        The column: a 1-based position among the covariate columns or a name of the file's
        column-header comment (:func:`leogen.scr.secrio.covariate_column`).
    path : str or Path, optional
        The capture file, for messages.

    Returns
    -------
    Series (n_animals,)
        Indexed by animal ID in order of first appearance, as :func:`read_sex`: ``'F'``,
        ``'M'`` or ``''`` (every row of the animal ``NA``).

    Raises
    ------
    InputError
        A value other than F, M, female, male (any case) or NA; an animal whose rows
        disagree (the first row that differs from the animal's first value named, with
        the line of that value).
    """
    from leogen.scr.secrio import covariate_column
    values, label = covariate_column(records, column, path)
    raw = pd.Series(values, dtype=object).str.strip()
    code = raw.str.lower().map(CAPTURE_CODES)
    lines = records.line if records.line is not None else np.full(len(raw), -1)
    bad = code.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"column {label}: sex '{raw.iloc[i]}' is not F, M, female, male "
                         "or NA", path, int(lines[i]) if lines[i] >= 0 else None, label)
    df = pd.DataFrame({"animal": list(records.animal), "sex": code.to_numpy(),
                       "line": np.asarray(lines)})
    known = df[df["sex"] != ""]
    first = known.groupby("animal", sort=False)[["sex", "line"]].transform("first")
    clash = (known["sex"] != first["sex"]).to_numpy()
    if clash.any():
        i = int(np.flatnonzero(clash)[0])
        row = known.iloc[i]
        raise InputError(f"column {label}: animal '{row['animal']}' is {row['sex']} here "
                         f"but {first['sex'].iloc[i]} on line {int(first['line'].iloc[i])} "
                         "(one animal, one sex)", path,
                         int(row["line"]) if row["line"] >= 0 else None, label)
    animals = list(dict.fromkeys(records.animal))
    sex = known.groupby("animal", sort=False)["sex"].first()
    out = pd.Series(animals, dtype=object).map(sex).fillna("")
    return pd.Series(out.to_numpy(), index=animals, name="sex")
