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
