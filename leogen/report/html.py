"""The one way leogen renders its HTML pages: a Jinja2 environment, number/date filters, plots.

Every page (the health pages ``animal.html.j2`` / ``population.html.j2``, the summary page
``summary.html.j2`` and the interactive table pages ``table.html.j2`` of
:mod:`leogen.report.tables`, all in ``leogen/report/templates``) is rendered through
:func:`environment`: autoescaping is on for every template (ids are shown as text, never as
markup), an undefined template variable is an error rather than an empty string, and a
template's trailing newline is kept so the pages are byte-stable. Plots are embedded as base64
PNG (:func:`png`), so a page is one self-contained file.
"""

from __future__ import annotations

import base64
import io
import math
from pathlib import Path

import pandas as pd

#: Folder of the package's page templates.
TEMPLATES = Path(__file__).parent / "templates"


def fmt(value, digits: int = 3) -> str:
    """A number for a page: ``digits`` significant digits, ``NA`` for a missing value.

    Parameters
    ----------
    value : number, str or None. A string is shown as it is (``NA`` when empty).
    digits : significant digits.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt(0.123456), fmt(float("nan")), fmt(None), fmt(float("inf")), fmt(1234.5, 2)
    ('0.123', 'NA', 'NA', 'inf', '1.2e+03')
    """
    if value is None or isinstance(value, str):
        return value or "NA"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return "NA"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{digits}g}"


def format_date(value) -> str:
    """A date for a page or a table cell: ``YYYY-MM-DD``; '' for a missing date.

    Parameters
    ----------
    value : date-like (Timestamp, datetime, ISO text), None or NaN/NaT. Text that is not a
        date is returned unchanged.

    Returns
    -------
    str

    Examples
    --------
    >>> format_date(pd.Timestamp("2021-03-04 10:00")), format_date(None), format_date(pd.NaT)
    ('2021-03-04', '', '')
    """
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        return str(value)
    return "" if pd.isna(ts) else ts.strftime("%Y-%m-%d")


def png(fig) -> str:
    """A matplotlib figure as base64 PNG text (for ``<img src="data:image/png;base64,...">``).

    The PNG carries no ``Software`` metadata, so the bytes do not change with the matplotlib
    version string; the figure is closed.

    Parameters
    ----------
    fig : Figure
        The matplotlib figure.

    Returns
    -------
    str
        Base64 PNG text.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight", metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def environment():
    """The Jinja2 environment of every leogen page.

    Package templates (:data:`TEMPLATES`), autoescaping ON for every template,
    ``StrictUndefined`` (a missing variable is an error), trailing newlines kept, and the
    filters ``fmt`` (:func:`fmt`) and ``date`` (:func:`format_date`).

    Returns
    -------
    jinja2.Environment
    """
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["fmt"] = fmt
    env.filters["date"] = format_date
    return env
