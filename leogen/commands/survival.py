"""``leogen survival``: apparent survival per year (Cormack-Jolly-Seber) of identified animals."""

from __future__ import annotations

import argparse

from leogen.commands._args import non_negative_int


def register(subparsers) -> None:
    """Add the ``survival`` parser to the ``leogen`` subcommands.

    Parameters
    ----------
    subparsers : argparse subparsers action
    """
    p = subparsers.add_parser(
        "survival",
        help="apparent survival per year (Cormack-Jolly-Seber) from yearly detections",
        description="Build yearly capture histories of the identified animals (genetic "
                    "detections, and camera-trap detections linked by the alias table), fit "
                    "the CJS models phi(.)p(.), phi(t)p(.), phi(.)p(t), phi(t)p(t) by maximum "
                    "likelihood, and test goodness of fit by a parametric bootstrap. Writes "
                    "survival.tsv and survival_models.tsv. See docs/monitoring.md.")
    add_arguments(p)
    p.set_defaults(func=run)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``leogen survival``.

    Parameters
    ----------
    p : ArgumentParser
    """
    p.add_argument("--sample-individual", required=True, metavar="TSV",
                   help="identify/sample_individual.tsv")
    p.add_argument("--samples", required=True, metavar="TSV", help="sample sheet")
    p.add_argument("--camera-traps", default=None, metavar="TSV",
                   help="camera-trap detections (date, station, individual_id, lat, lon)")
    p.add_argument("--aliases", default=None, metavar="TSV",
                   help="alias table camera_id -> individual_id (genetic id)")
    p.add_argument("--study-start", default=None, metavar="YYYY-MM-DD",
                   help="start of the study (default: first date of the sample sheet)")
    p.add_argument("--study-end", default=None, metavar="YYYY-MM-DD",
                   help="end of the study (default: last date of the sample sheet)")
    p.add_argument("--ci", choices=("wald", "profile"), default="wald",
                   help="interval on the logit scale: Wald (default) or profile likelihood")
    p.add_argument("--bootstraps", type=non_negative_int, default=100,
                   help="parametric bootstraps of the goodness-of-fit test (default 100; 0: "
                        "none)")
    p.add_argument("--seed", type=non_negative_int, default=1,
                   help="seed of the goodness-of-fit bootstrap [%(default)s]")
    p.add_argument("--out-dir", required=True, metavar="DIR", help="output folder")


def run(args) -> int:
    """Run ``leogen survival`` on parsed arguments.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    int
        0.
    """
    from leogen.monitoring.survival import run as survival_run

    survival_run(args.sample_individual, args.samples, args.camera_traps, args.aliases,
                 ci=args.ci, n_boot=args.bootstraps, seed=args.seed,
                 study_start=args.study_start, study_end=args.study_end,
                 out_dir=args.out_dir)
    return 0


def main(argv=None) -> int:
    """``leogen survival`` as a function: parse ``argv`` and run (errors as the CLI prints them).

    Parameters
    ----------
    argv : list of str, optional

    Returns
    -------
    int
        Exit status.
    """
    from leogen.cli import main as cli_main

    return cli_main(["survival", *(argv or [])])
