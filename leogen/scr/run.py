"""Runs of the scr stage: secr's text files (``leogen scr fit``), the pipeline's inputs
(``leogen scr run``) and the export of the pipeline's data to secr's files
(``leogen scr export``).

Every run fits the null model with density per session (the estimates), and with two or more
sessions the log-linear density trend (``trend.tsv``); ``mixture=True`` adds the two-class
latent mixture (sex-like classes with their own detection and sigma). With a sex table
(``sex=``, :mod:`leogen.scr.sexes`) and at least one detected animal of known sex, the two
known-class models of secr's ``hcov = "sex"`` are fitted too: ``pmix~sex`` (shared detection
and sigma, pmix from the sex ratio) and ``g0~sex sigma~sex pmix~sex`` (the sex model); the
sex model's rows follow the null model's in ``estimates.tsv`` (column ``model``). All models
go to ``models.tsv`` with their AIC; ``delta_aic`` compares models of the same likelihood
and the same known classes (secr: an ``hcov`` likelihood conditions on the known sexes, so
its AIC is not comparable with that of a model without them). The mask check refits density (one density for all sessions)
with buffers 1.5 and 2 times wider and flags the buffer as unstable when density changes by
more than 1%.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from leogen.errors import InputError
from leogen.io.atomic import atomic_open
from leogen.scr import fit as F
from leogen.scr import mask as mk
from leogen.scr import outputs as out
from leogen.scr import secrio
from leogen.scr.likelihood import DetectorSet, Session
from leogen.scr.sexes import known_classes, read_sex, sex_from_captures

MASK_CHECK_FACTORS = (1.0, 1.5, 2.0)
STABLE_CHANGE = 0.01


def _models_rows(fits):
    rows = []
    for f in fits:
        det = f.model.detection
        fn = ",".join(f"{g}:{d}" for g, d in sorted(det.items())) if isinstance(det, dict) else det
        rows.append({"model": f.model.name, "detection_function": fn,
                     "likelihood": "conditional" if f.model.cl else "full",
                     "n_par": f.n_par, "loglik": f.loglik, "aic": f.aic,
                     "converged": f.converged})
    df = pd.DataFrame(rows)
    hcov = [str(f.model.hcov) for f in fits]
    df["delta_aic"] = df["aic"] - df.groupby([df["likelihood"], pd.Series(hcov)])[
        "aic"].transform("min")
    return df[out.MODELS.names]


def _rebuild(sessions, mask):
    return [Session(s.sets, mask.xy, mask.cell_area_ha, s.name, s.animals, s.known_class)
            for s in sessions]


def with_sex(sessions, sex) -> list:
    """The sessions with the known sex of their animals (:func:`leogen.scr.sexes.known_classes`).

    Parameters
    ----------
    sessions : list of Session
        With ``animals`` set.
    sex : Series or None
        From :func:`leogen.scr.sexes.read_sex`; animals absent from it are of unknown sex.

    Returns
    -------
    list of Session
    """
    return [Session(s.sets, s.mask_xy, s.cell_area_ha, s.name, s.animals,
                    known_classes(s.animals, sex)) for s in sessions]


def fit_and_write(sessions, labels, times, mask, out_dir, crs: str | None, model: F.Model,
                  mixture: bool = False, mask_check: bool = True,
                  region_km2: float | None = None, habitat=None, projection=None,
                  grid_km: float = 10.0, sex: bool = False) -> dict:
    """Fit the models, write the stage's tables.

    Parameters
    ----------
    sessions : list of Session
    labels : list of str
        Density label per session.
    times : dict of str to float
        Time (year) of each density label, for the trend.
    mask : Mask
    out_dir : str or Path
    crs : str or None
        Projection of the coordinates (None for secr files in their own units).
    model : Model
        Base model (detection function, likelihood).
    mixture : bool
        Also fit the two-class mixture.
    mask_check : bool
        Refit with wider buffers.
    region_km2 : float, optional
    habitat : shapely geometry, optional
        Applied to the wider masks of the check too.
    projection : leogen.scr.geo.Projection, optional
        With it a realised-density map on the generalised grid (``density_map.png``).
    grid_km : float
        Generalisation grid of the map (km, at least
        :data:`leogen.io.locations.MIN_GRID_KM`).
    sex : bool
        Also fit the known-sex models (module docstring) from the sessions'
        ``known_class``; skipped with a warning when no detected animal is of known sex.

    Returns
    -------
    dict
        ``fits`` (list of Fit), ``estimates`` (DataFrame).
    """
    out_dir = Path(out_dir)
    main = F.fit(sessions, F.Model(model.detection, model.cl, "session"), labels, times)
    fits = [main]
    trend_rows = []
    ulabels = list(dict.fromkeys(labels))
    if len(ulabels) >= 2 and not model.cl:
        tr = F.fit(sessions, F.Model(model.detection, False, "trend"), labels, times)
        fits.append(tr)
        t = F.trend(tr)
        first = min(ulabels, key=lambda k: times[k])
        last = max(ulabels, key=lambda k: times[k])
        trend_rows = [
            {"parameter": "lambda", "estimate": t["lambda"],
             "se": t["lambda"] * np.sqrt(np.expm1(t["b1_se"] ** 2)),
             "lo": t["lambda_lo"], "hi": t["lambda_hi"]},
            {"parameter": "b1", "estimate": t["b1"], "se": t["b1_se"],
             "lo": t["b1"] - 1.959964 * t["b1_se"], "hi": t["b1"] + 1.959964 * t["b1_se"]}]
        for r in trend_rows:
            r.update(first_session=first, last_session=last, n_sessions=len(ulabels))
    if mixture:
        fits.append(F.fit(sessions, F.Model(model.detection, model.cl, "session", 2), labels,
                          times))
    est = F.estimates(main, region_km2=region_km2)
    est["model"] = main.model.name
    if sex:
        kc = np.concatenate([s.known_class for s in sessions])
        if not (kc >= 0).any():
            warnings.warn("no detected animal is of known sex: the sex models are not fitted",
                          RuntimeWarning, stacklevel=2)
        else:
            for k, x in enumerate(F.SEXES):
                if not (kc == k).any():
                    warnings.warn(f"no detected animal is known to be of sex {x}: the sex "
                                  "model rests on the animals of unknown sex for it",
                                  RuntimeWarning, stacklevel=2)
            fits.append(F.fit(sessions, F.Model(model.detection, model.cl, "session", 2,
                                                "sex", class_detection=False), labels, times))
            sx = F.fit(sessions, F.Model(model.detection, model.cl, "session", 2, "sex"),
                       labels, times)
            fits.append(sx)
            es = F.estimates(sx, region_km2=region_km2)
            es["model"] = sx.model.name
            est = pd.concat([est, es], ignore_index=True)
    est["crs"] = crs if crs is not None else pd.NA
    out.ESTIMATES.write(est[out.ESTIMATES.names], out_dir / "estimates.tsv")
    out.MODELS.write(_models_rows(fits), out_dir / "models.tsv")
    out.TREND.write(pd.DataFrame(trend_rows, columns=out.TREND.names), out_dir / "trend.tsv")
    rows = []
    if mask_check:
        base = None
        for f in MASK_CHECK_FACTORS:
            m = mask if f == 1.0 else mk.make_mask(
                np.concatenate([s.xy for sess in sessions for s in sess.sets]),
                mask.buffer * f, mask.spacing, habitat=habitat)
            fc = F.fit(_rebuild(sessions, m), F.Model(model.detection, model.cl, "constant"),
                       labels, times)
            e = F.estimates(fc)
            d = float(e.loc[e["parameter"] == "density_per_km2", "estimate"].mean())
            base = d if base is None else base
            rows.append({"buffer_m": m.buffer, "spacing_m": m.spacing,
                         "n_mask_points": len(m.xy), "density_per_km2": d,
                         "relative_change": d / base - 1.0, "used": f == 1.0})
        stable = all(abs(r["relative_change"]) < STABLE_CHANGE for r in rows)
        for r in rows:
            r["stable"] = stable
        if not stable:
            warnings.warn(f"the mask buffer {mask.buffer:.0f} m may be too narrow: density "
                          "changes by more than 1% with a wider buffer (mask_check.tsv)",
                          RuntimeWarning, stacklevel=2)
    out.MASK_CHECK.write(pd.DataFrame(rows, columns=out.MASK_CHECK.names),
                         out_dir / "mask_check.tsv")
    with atomic_open(out_dir / "projection.txt", "w", encoding="utf-8") as fh:
        fh.write((crs or "coordinates as given (secr files: metres in the user's own "
                  "projection)") + "\n")
    _plot_detection(main, est[est["model"] == main.model.name],
                    out_dir / "detection_function.png")
    if projection is not None:
        _density_map(main, projection, out_dir / "density_map.png", grid_km)
    return {"fits": fits, "estimates": est}


def _density_map(result, projection, path, grid_km: float) -> None:
    """Realised density of the last session aggregated to the generalised grid
    (:func:`leogen.io.locations.generalise`; never the mask points or detectors)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from leogen.io.atomic import atomic_path
    from leogen.io.locations import data_generalizations, generalise
    layout = F._Layout(result.model, result.sessions, result.density_labels, result.times)
    lg, ls, lp = layout.unpack(result.theta)
    sess = result.sessions[-1]
    lab = result.density_labels[-1]
    if result.model.cl:
        _, a, _ = sess.components(lg, ls, lp, result.model.detection)
        d_ha = sess.n / a
    else:
        d_ha = float(np.exp(layout.log_density(result.theta)[lab]))
    per_cell = sess.realised_surface(lg, ls, lp, result.model.detection, d_ha,
                                     result.model.hcov is not None)
    lon, lat = projection.inverse(sess.mask_xy[:, 0], sess.mask_xy[:, 1])
    glat, glon = generalise(lat, lon, grid_km)
    df = pd.DataFrame({"lat": glat, "lon": glon, "n": per_cell,
                       "area_km2": sess.cell_area_ha / 100.0})
    g = df.groupby(["lat", "lon"], as_index=False)[["n", "area_km2"]].sum()
    g["density_per_100km2"] = g["n"] / g["area_km2"] * 100.0
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    sc = ax.scatter(g["lon"], g["lat"], c=g["density_per_100km2"], marker="s", s=400,
                    cmap="viridis")
    fig.colorbar(sc, ax=ax, label="animals per 100 km^2 (realised)")
    ax.set_xlabel("longitude (grid cell centre)")
    ax.set_ylabel("latitude (grid cell centre)")
    ax.set_title(f"session {sess.name}: {data_generalizations(grid_km)}"[:90], fontsize=7)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)


def _plot_detection(result, est, path) -> None:
    """Detection function of each group (PNG; no coordinates)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from leogen.io.atomic import atomic_path
    first = est.loc[est["session"] == est["session"].iloc[0]].set_index("parameter")
    sig = float(first.loc[[p for p in first.index if p.startswith("sigma")][0], "estimate"])
    d = np.linspace(0, 4 * sig, 200)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for p in first.index:
        if p.startswith(("g0[", "lambda0[")):
            ax.plot(d, float(first.loc[p, "estimate"]) * np.exp(-d ** 2 / (2 * sig ** 2)),
                    label=p)
    ax.set_xlabel("distance from activity centre (m)")
    ax.set_ylabel("g0 or lambda0 x exp(-d^2 / 2 sigma^2)")
    ax.legend(frameon=False)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)


def fit_files(detectors, captures, detector_type: str, buffer: float, out_dir,
              detection: str | None = None, cl: bool = False, fmt: str | None = None,
              spacing: float | None = None, n_occasions: int | None = None,
              mixture: bool = False, mask_check: bool = True, sex_covariate=None,
              sex_column=None) -> dict:
    """Fit secr's DENSITY text files (``leogen scr fit``).

    Parameters
    ----------
    detectors, captures : str or Path
        Trap layout and capture file (:mod:`leogen.scr.secrio`).
    detector_type : {'proximity', 'count', 'multi'}
    buffer : float
        Mask buffer (metres, the files' units).
    out_dir : str or Path
    detection : {'hn', 'hhn'}, optional
        Default ``hn`` (``hhn`` for count detectors).
    cl : bool
    fmt : {'trapID', 'XY'}, optional
    spacing : float, optional
    n_occasions : int, optional
        Default: the usage's occasions, else the largest occasion in the capture file.
    mixture, mask_check : bool
    sex_covariate : str or Path, optional
        Sex table (``individual_id, sex``; :func:`leogen.scr.sexes.read_sex`) keyed by the
        capture file's animal IDs: fits the known-sex models too (secr's ``hcov``).
    sex_column : int or str, optional
        Instead of ``sex_covariate``: the capture file's individual-covariate column holding
        sex (position from 1, or the name in its column-header comment;
        :func:`leogen.scr.sexes.sex_from_captures`), as ``read.capthist(covnames = "sex")``
        and ``hcov = "sex"`` in secr.

    Returns
    -------
    dict, as :func:`fit_and_write`.

    Raises
    ------
    ValueError
        Both ``sex_covariate`` and ``sex_column``.
    """
    if sex_covariate is not None and sex_column is not None:
        raise ValueError("give the sex as a table (sex_covariate) or as a column of the "
                         "capture file (sex_column), not both")
    traps = secrio.read_traps(detectors)
    rec = secrio.read_captures(captures, traps, fmt)
    sex = read_sex(sex_covariate) if sex_covariate is not None else None
    if sex_column is not None:
        sex = sex_from_captures(rec, sex_column, captures)
    s_occ = (traps.usage.shape[1] if traps.usage is not None else
             int(n_occasions or rec.occasion.max()))
    usage = traps.usage if traps.usage is not None else np.ones((len(traps.ids), s_occ))
    if int(rec.occasion.max()) > s_occ:
        raise InputError(f"occasion {int(rec.occasion.max())} is beyond the {s_occ} "
                         "occasions of the trap layout's usage", captures, None, "occasion")
    sessions, labels = [], []
    names = list(dict.fromkeys(rec.session))
    mask = mk.make_mask(traps.xy, buffer, spacing)
    for name in names:
        animals, y = secrio.capture_array(rec, traps, name, s_occ, detector_type, captures)
        bad = (y.sum(0) > 0) & (usage.T <= 0)
        if bad.any():
            o, k = np.argwhere(bad)[0]
            raise InputError(f"detection at detector '{traps.ids[k]}' on occasion {o + 1}, "
                             "when its usage is 0", captures, None, "occasion")
        s = DetectorSet(traps.xy, detector_type, usage, y, group="detectors")
        sessions.append(Session([s], mask.xy, mask.cell_area_ha, name, animals,
                                known_classes(animals, sex)))
        labels.append(name)
    times = {lab: float(k) for k, lab in enumerate(names)}
    det = detection or ("hhn" if detector_type == "count" else "hn")
    return fit_and_write(sessions, labels, times, mask, out_dir, None, F.Model(det, cl),
                         mixture=mixture, mask_check=mask_check, sex=sex is not None)


def _pipeline(stations, search_effort, samples, sample_individual, camera_traps, aliases,
              occasion, buffer, spacing, habitat_path):
    from leogen.scr import detectors as dt
    data = dt.build(stations, search_effort, samples, sample_individual, camera_traps,
                    aliases, occasion)
    if not data.years:
        raise InputError("no year has detector effort")
    habitat = None
    if habitat_path is not None:
        habitat = mk.read_habitat(habitat_path, project=data.projection.forward)
        mk.check_detectors_inside(data.detector_xy, data.detector_ids, habitat, habitat_path)
    if buffer is None:
        pts = []
        for yd in data.years:
            for s in yd.sets.values():
                ii, _, kk = np.nonzero(s.captures)
                pts += [s.xy[kk[ii == i]] for i in np.unique(ii)]
        sig = mk.rpsv(pts)
        if not np.isfinite(sig):
            raise InputError("no animal was detected at two places: give --buffer")
        buffer = mk.suggest_buffer(sig)
    mask = mk.make_mask(data.detector_xy, buffer, spacing, habitat=habitat)
    return data, mask, habitat


def run_pipeline(stations=None, search_effort=None, samples=None, sample_individual=None,
                 camera_traps=None, aliases=None, occasion: str = "month",
                 buffer: float | None = None, out_dir=".", spacing: float | None = None,
                 habitat=None, region_km2: float | None = None, mixture: bool = False,
                 mask_check: bool = True, cl: bool = False, sex_covariate=None,
                 grid_km: float = 10.0) -> dict:
    """SECR from the pipeline's inputs (``leogen scr run``; :mod:`leogen.scr.detectors`).

    Parameters
    ----------
    stations, search_effort, samples, sample_individual, camera_traps, aliases : paths
        See :func:`leogen.scr.detectors.build`.
    occasion : {'month', 'season', 'year'}
    buffer : float, optional
        Metres; default 4 x RPSV of the detections (:func:`leogen.scr.mask.suggest_buffer`).
    out_dir : str or Path
    spacing : float, optional
        Mask spacing (m); default 64 points across.
    habitat : str or Path, optional
        GeoJSON habitat polygon in lon/lat.
    region_km2 : float, optional
        Region area for ``n_hat_region``.
    mixture, mask_check, cl : bool
    sex_covariate : str or Path, optional
        ``identify/individuals.tsv`` (or any table with ``individual_id, sex``;
        :func:`leogen.scr.sexes.read_sex`): fits the known-sex models too. Camera-only
        animals (not in the table) are of unknown sex.
    grid_km : float
        Side (km) of the generalised grid the density map is drawn on
        (:func:`leogen.io.locations.generalise`).

    Returns
    -------
    dict, as :func:`fit_and_write`, plus ``data`` (PipelineData) and ``mask``.
    """
    from leogen.scr import detectors as dt
    data, mask, hab = _pipeline(stations, search_effort, samples, sample_individual,
                                camera_traps, aliases, occasion, buffer, spacing, habitat)
    sessions, labels = dt.sessions_of(data, mask)
    sex = read_sex(sex_covariate) if sex_covariate is not None else None
    if sex is not None:
        sessions = with_sex(sessions, sex)
    times = {lab: float(lab) for lab in labels}
    groups = {g for s in sessions for g in (x.group for x in s.sets)}
    det = {g: ("hn" if g == "camera" else "hhn") for g in sorted(groups)}
    res = fit_and_write(sessions, labels, times, mask, out_dir, data.projection.crs,
                        F.Model(det, cl), mixture=mixture, mask_check=mask_check,
                        region_km2=region_km2, habitat=hab, projection=data.projection,
                        grid_km=grid_km, sex=sex is not None)
    for note in data.notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    res.update(data=data, mask=mask)
    return res


def export(stations=None, search_effort=None, samples=None, sample_individual=None,
           camera_traps=None, aliases=None, occasion: str = "month", out_dir=".",
           sex_covariate=None) -> list:
    """Write secr's text files per session and detector set (``leogen scr export``).

    Files ``<year>_<set>_traps.txt`` (usage per occasion) and ``<year>_<set>_captures.txt``
    (trapID format; occasions numbered within the year) in ``out_dir``; private (0600)
    because they hold projected detector coordinates. ``projection.txt`` gives the CRS.
    With a sex table the capture files carry the individual covariate ``sex`` as their 5th
    column (``F``, ``M``, ``NA`` for unknown or absent from the table), and their header
    comment gives the ``read.capthist(..., covnames = "sex")`` call that reads it.

    Parameters
    ----------
    stations, search_effort, samples, sample_individual, camera_traps, aliases : paths
    occasion : {'month', 'season', 'year'}
    out_dir : str or Path
    sex_covariate : str or Path, optional
        ``identify/individuals.tsv`` or any ``individual_id, sex`` table
        (:func:`leogen.scr.sexes.read_sex`, as ``leogen scr run``).

    Returns
    -------
    list of Path
        The files written.
    """
    from leogen.scr import detectors as dt
    data = dt.build(stations, search_effort, samples, sample_individual, camera_traps,
                    aliases, occasion)
    sex = read_sex(sex_covariate) if sex_covariate is not None else None
    out_dir = Path(out_dir)
    written = []
    for yd in data.years:
        for name, s in yd.sets.items():
            ids = yd.set_ids[name]
            tp = out_dir / f"{yd.year}_{name}_traps.txt"
            secrio.write_traps(tp, ids, s.xy, s.usage)
            ii, oo, kk = np.nonzero(s.captures)
            reps = s.captures[ii, oo, kk]
            ii, oo, kk = np.repeat(ii, reps), np.repeat(oo, reps), np.repeat(kk, reps)
            cp = out_dir / f"{yd.year}_{name}_captures.txt"
            who = [yd.animals[i] for i in ii]
            cov, notes = None, ()
            if sex is not None:
                code = pd.Series(who, dtype=object).map(sex).fillna("")
                cov = {"sex": code.where(code != "", "NA").tolist()}
                g0, fn = ("lambda0", "HHN") if s.detector_type == "count" else ("g0", "HN")
                # write_traps writes usage other than 0/1 as numbers: secr reads those
                # with binary.usage = FALSE (secr-datainput, "Detector layout format")
                numeric = ("" if np.isin(s.usage, (0.0, 1.0)).all()
                           else ", binary.usage = FALSE")
                notes = (f"individual covariate: column 5 'sex' (F, M; NA = unknown) from "
                         f"{Path(sex_covariate).name}",
                         f"secr: CH <- read.capthist('{cp.name}', '{tp.name}', "
                         f"detector = '{s.detector_type}', covnames = 'sex'{numeric})",
                         f"then: secr.fit(CH, detectfn = '{fn}', hcov = 'sex', "
                         f"model = list({g0} ~ h2, sigma ~ h2), ...)")
            secrio.write_captures(cp, [str(yd.year)] * len(ii), who, oo + 1,
                                  [ids[k] for k in kk], covariates=cov, comments=notes)
            written += [tp, cp]
    with atomic_open(out_dir / "projection.txt", "w", encoding="utf-8") as fh:
        fh.write(data.projection.crs + "\n")
    return written + [out_dir / "projection.txt"]
