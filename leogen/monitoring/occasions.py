"""Sampling occasions: the one definition of year, month, season and session labels.

Both the capture histories of ``leogen identify`` (``identify/captures.tsv``) and the
detection histories of ``leogen abundance`` (``monitoring/detection_history.tsv``) label
dates with :func:`occasion_labels`, so an occasion means the same thing in every table.

* ``year``: ``YYYY``;
* ``month``: ``YYYY-MM``;
* ``season``: meteorological seasons ``YYYY-1_winter`` (December, January, February),
  ``YYYY-2_spring`` (March-May), ``YYYY-3_summer`` (June-August), ``YYYY-4_autumn``
  (September-November). A winter spans the new year and is one season, labelled by the year
  of its January: 2020-12-05 and 2021-01-10 are both ``2021-1_winter``. The number before the
  season name makes the labels sort in time order;
* ``session``: ``YYYY-<session>`` from a survey-session label per date.

Labels of every kind sort chronologically as plain strings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Occasion kinds, as accepted by :func:`occasion_labels`.
OCCASIONS = ("month", "season", "session", "year")

#: Season of each calendar month (numbered so that labels sort in time order).
SEASONS = {12: "1_winter", 1: "1_winter", 2: "1_winter", 3: "2_spring", 4: "2_spring",
           5: "2_spring", 6: "3_summer", 7: "3_summer", 8: "3_summer", 9: "4_autumn",
           10: "4_autumn", 11: "4_autumn"}


def season_year(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Year a season belongs to: December counts with the winter of the next year.

    Parameters
    ----------
    year, month : int arrays (n,)
        Calendar year and month (1-12) of each date.

    Returns
    -------
    int array (n,)
        ``year + 1`` for December, ``year`` otherwise.

    Examples
    --------
    >>> season_year(np.array([2020, 2021, 2021]), np.array([12, 1, 6]))
    array([2021, 2021, 2021])
    """
    year = np.asarray(year)
    return np.where(np.asarray(month) == 12, year + 1, year)


def occasion_labels(dates, occasion: str = "month", sessions=None) -> np.ndarray:
    """Occasion label of each date (module docstring).

    Parameters
    ----------
    dates : sequence (n,) of dates (anything ``pandas.to_datetime`` reads); no missing date.
    occasion : one of :data:`OCCASIONS`.
    sessions : sequence (n,) of session labels; needed for ``occasion='session'``.

    Returns
    -------
    object array (n,) of str labels.

    Examples
    --------
    >>> occasion_labels(["2020-12-05", "2021-01-10", "2021-12-20"], "season").tolist()
    ['2021-1_winter', '2021-1_winter', '2022-1_winter']
    >>> occasion_labels(["2020-12-05", "2021-03-10"], "month").tolist()
    ['2020-12', '2021-03']
    """
    if occasion not in OCCASIONS:
        raise ValueError(f"occasion must be one of {', '.join(OCCASIONS)}")
    d = pd.DatetimeIndex(pd.to_datetime(pd.Series(dates)))
    year = np.asarray(d.year, dtype=int)
    month = np.asarray(d.month, dtype=int)
    if occasion == "year":
        return np.asarray(year.astype(str), dtype=object)
    if occasion == "month":
        return np.asarray([f"{y}-{m:02d}" for y, m in zip(year, month, strict=True)],
                          dtype=object)
    if occasion == "season":
        return np.asarray([f"{y}-{SEASONS[m]}" for y, m in
                           zip(season_year(year, month), month, strict=True)], dtype=object)
    if sessions is None:
        raise ValueError("occasion 'session' needs a session label per date")
    return np.asarray([f"{y}-{s}" for y, s in zip(year, sessions, strict=True)], dtype=object)
