"""``leogen scr``: spatially explicit capture-recapture (fit secr files, run on the pipeline's
inputs, export secr files)."""

from __future__ import annotations

from leogen.commands._args import grid_km, positive_float


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "scr", help="spatially explicit capture-recapture: density, N, sigma per year, trend",
        description="Maximum-likelihood SECR (Borchers & Efford 2008, as R secr): 'fit' fits "
                    "secr's DENSITY text files, 'run' the pipeline's camera stations, search "
                    "effort and detections, 'export' writes secr's files.")
    sub = p.add_subparsers(dest="scr_command", metavar="SUBCOMMAND", required=True)

    f = sub.add_parser("fit", help="fit secr's trap layout + capture files")
    f.add_argument("--detectors", required=True, metavar="FILE",
                   help="trap layout: detector x y [usage]")
    f.add_argument("--captures", required=True, metavar="FILE",
                   help="capture file: session ID occasion detector (or x y)")
    f.add_argument("--detector-type", required=True, choices=("proximity", "count", "multi"),
                   help="secr's detector type: proximity (cameras), count (Poisson, e.g. "
                        "scat-search cells with effort) or multi (multi-catch traps)")
    f.add_argument("--format", dest="fmt", choices=("trapID", "XY"), default=None,
                   help="capture file format (default: detected)")
    f.add_argument("--buffer", required=True, type=positive_float, metavar="METRES",
                   help="habitat-mask buffer around the detectors (metres)")
    f.add_argument("--spacing", type=positive_float, default=None, metavar="METRES",
                   help="mask spacing (default: 64 points across the buffered extent)")
    f.add_argument("--detection", choices=("hn", "hhn"), default=None,
                   help="half-normal g0 (default) or hazard half-normal lambda0 (default "
                        "for count detectors)")
    sexes = f.add_mutually_exclusive_group()
    _common(f, sexes)
    sexes.add_argument("--sex-column", default=None, metavar="COLUMN",
                       help="instead of --sex-covariate: the capture file's individual "
                            "covariate column holding sex (F, M, female, male or NA on "
                            "every detection row; one sex per animal), by position (1 = "
                            "the first column after the detector, or x y, as the first of "
                            "secr's read.capthist covnames) or by the name in the file's "
                            "column-header comment ('# Session ID Occasion Detector sex', "
                            "as secr's write.capthist and 'leogen scr export' write it)")
    f.set_defaults(func=_fit)

    r = sub.add_parser("run", help="SECR per year from the pipeline's inputs")
    _pipeline_inputs(r)
    r.add_argument("--buffer", type=positive_float, default=None, metavar="METRES",
                   help="mask buffer (default 4 x RPSV of the detections)")
    r.add_argument("--spacing", type=positive_float, default=None, metavar="METRES",
                   help="mask spacing (default: 64 points across the buffered extent)")
    r.add_argument("--habitat", default=None, metavar="GEOJSON",
                   help="habitat polygon (lon/lat) clipping the mask")
    r.add_argument("--region-km2", type=positive_float, default=None,
                   help="area of a region for n_hat_region")
    r.add_argument("--grid-km", type=grid_km, default=10.0,
                   help="the density map is drawn on this generalised grid (km, at least "
                        "1; mask points and detectors are never shown) [%(default)s]")
    r.add_argument("--seed", type=int, default=1,
                   help="accepted for the workflow's uniform interface; the fit is "
                        "deterministic")
    _common(r)
    r.set_defaults(func=_run)

    e = sub.add_parser("export", help="write secr's text files per year and detector set")
    _pipeline_inputs(e)
    e.add_argument("--sex-covariate", default=None, metavar="TSV",
                   help="table with individual_id and sex (F, M, U or NA), e.g. "
                        "identify/individuals.tsv: the capture files get the individual "
                        "covariate 'sex' as their 5th column (F, M, NA), read in secr with "
                        "read.capthist(..., covnames = 'sex')")
    e.set_defaults(func=_export)


def _pipeline_inputs(p) -> None:
    p.add_argument("--stations", default=None, metavar="TSV",
                   help="camera stations: station, lat, lon[, start_date, end_date]")
    p.add_argument("--search-effort", default=None, metavar="TSV",
                   help="scat searches: detector_id, lat, lon, date, effort_km")
    p.add_argument("--samples", default=None, metavar="TSV", help="sample sheet")
    p.add_argument("--sample-individual", default=None, metavar="TSV",
                   help="identify/sample_individual.tsv")
    p.add_argument("--camera-traps", default=None, metavar="TSV",
                   help="camera-trap detections: date, station, individual_id, lat, lon")
    p.add_argument("--aliases", default=None, metavar="TSV",
                   help="alias table camera_id -> individual_id (links cameras and genetics)")
    p.add_argument("--occasion", choices=("month", "season", "year"), default="month",
                   help="capture occasion within a yearly session [%(default)s]")
    p.add_argument("--out-dir", required=True, metavar="DIR", help="output folder")


def _common(p, sex_group=None) -> None:
    p.add_argument("--conditional", action="store_true",
                   help="maximise the conditional likelihood (density derived as n / a)")
    p.add_argument("--mixture", action="store_true",
                   help="also fit a two-class latent mixture in g0 and sigma (heterogeneity "
                        "without a recorded covariate; for known sexes use --sex-covariate)")
    p.add_argument("--no-mask-check", dest="mask_check", action="store_false",
                   help="skip refitting with wider buffers")
    where = sex_group if sex_group is not None else p
    where.add_argument("--sex-covariate", default=None, metavar="TSV",
                       help="table with individual_id and sex (F, M, U or NA), e.g. "
                            "identify/individuals.tsv: also fit the known-sex models (secr's "
                            "hcov='sex': g0 and sigma by sex, pmix); animals not in it are "
                            "of unknown sex")
    if not any(a.dest == "out_dir" for a in p._actions):
        p.add_argument("--out-dir", required=True, metavar="DIR", help="output folder")


def _fit(args) -> int:
    from leogen.scr.run import fit_files
    fit_files(args.detectors, args.captures, args.detector_type, args.buffer, args.out_dir,
              args.detection, args.conditional, args.fmt, args.spacing, None, args.mixture,
              args.mask_check, args.sex_covariate, args.sex_column)
    return 0


def _run(args) -> int:
    from leogen.scr.run import run_pipeline
    run_pipeline(args.stations, args.search_effort, args.samples, args.sample_individual,
                 args.camera_traps, args.aliases, args.occasion, args.buffer, args.out_dir,
                 args.spacing, args.habitat, args.region_km2, args.mixture, args.mask_check,
                 args.conditional, args.sex_covariate, args.grid_km)
    return 0


def _export(args) -> int:
    from leogen.scr.run import export
    export(args.stations, args.search_effort, args.samples, args.sample_individual,
           args.camera_traps, args.aliases, args.occasion, args.out_dir, args.sex_covariate)
    return 0
