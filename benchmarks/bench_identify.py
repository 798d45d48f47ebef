"""Benchmark: individual matching of 20,000 samples x 20 microsatellite loci.

Synthetic data (seeded): ``n_animals`` animals with 10 alleles per locus, each sampled
``n_samples / n_animals`` times.

- ``--method mismatch``: consensus genotypes with 5% missing and 1% replaced by an error;
  times ``leogen.identify.matching.identify`` (all-pairs mismatch counts, grouping,
  individual genotypes, PID, capture histories).
- ``--method likelihood`` (default): ``--replicates`` PCR replicates per sample and locus
  with 10% failed amplifications, allelic dropout ``--ado`` and false alleles ``--fa``;
  times the error-model fit and genotype likelihoods
  (:func:`leogen.identify.likelihood.evidence_from_replicates`) and then ``identify``
  (simulated false-match threshold, prefilter, likelihood ratios, agglomeration,
  assignment probabilities, tables) on the multiple-tubes consensus.

Records the peak resident memory of the process (``resource.getrusage(RUSAGE_SELF)
.ru_maxrss``). Threads are limited to ``--threads`` (default 2) before numpy is imported.

    python benchmarks/bench_identify.py --results benchmarks/RESULTS_identify.md
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=20_000)
    ap.add_argument("--loci", type=int, default=20)
    ap.add_argument("--animals", type=int, default=2_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-mismatches", type=int, default=2)
    ap.add_argument("--method", default="likelihood", choices=["likelihood", "mismatch"])
    ap.add_argument("--replicates", type=int, default=3)
    ap.add_argument("--ado", type=float, default=0.1)
    ap.add_argument("--fa", type=float, default=0.01)
    ap.add_argument("--results", help="write a Markdown summary here")
    args = ap.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    import resource

    import numpy as np
    import pandas as pd

    from leogen.identify.matching import identify
    from leogen.model.genotypes import Genotypes

    rng = np.random.default_rng(args.seed)
    n, n_l, n_a = args.samples, args.loci, args.animals
    animals = np.sort(100 + 2 * rng.integers(0, 10, size=(n_a, n_l, 2)), axis=2)
    owner = np.sort(rng.integers(0, n_a, size=n))
    lab = animals[owner].copy()
    ids = np.array([f"S{i:06d}" for i in range(n)])
    loci = [f"L{j:02d}" for j in range(n_l)]
    if args.method == "mismatch":
        lab[rng.random((n, n_l)) < 0.05] = -1
        err = rng.random((n, n_l)) < 0.01
        lab[err] = np.sort(100 + 2 * rng.integers(0, 10, size=(int(err.sum()), 2)), axis=1)
        g = Genotypes.from_labels(lab, ids, loci)
    else:
        from leogen.model.genotypes import Replicates
        from leogen.qc.consensus import call_consensus

        r = args.replicates
        rep_lab = np.repeat(lab[:, :, None, :], r, axis=2).copy()  # (n, L, R, 2)
        het = rep_lab[..., 0] != rep_lab[..., 1]
        u = rng.random((3,) + rep_lab.shape[:3])
        drop = het & (u[0] < args.ado)
        keep = rng.integers(0, 2, size=drop.shape)
        kept = np.take_along_axis(rep_lab, keep[..., None], axis=3)[..., 0]
        rep_lab[drop] = kept[drop][:, None]
        false = ~drop & (u[1] < args.fa)
        rep_lab[false, 1] = rep_lab[false, 0] + 2 * rng.choice([-1, 1], size=int(false.sum()))
        rep_lab[u[2] < 0.1] = -1
        rep_lab = np.sort(rep_lab, axis=3)
        alleles = [np.unique(rep_lab[:, j][rep_lab[:, j] >= 0]) for j in range(n_l)]
        calls = np.stack([np.searchsorted(alleles[j], rep_lab[:, j]) for j in range(n_l)],
                         axis=1)
        calls = np.where(rep_lab >= 0, calls, -1)
        reps = Replicates(calls, np.ones(rep_lab.shape[:3], bool), ids, loci, tuple(alleles))
        g = call_consensus(reps, 2, 2).genotypes
    sheet = pd.DataFrame({"sample_id": ids, "sample_type": "scat",
                          "date": pd.Timestamp("2020-01-01")
                          + pd.to_timedelta(rng.integers(0, 1500, n), unit="D"),
                          "site": "A", "individual_hint": "", "sex": ""})
    t0 = time.perf_counter()
    fit = 0.0
    if args.method == "mismatch":
        out = identify(g, sheet, max_mismatches=args.max_mismatches, min_loci=8)
    else:
        from leogen.identify.likelihood import evidence_from_replicates

        ev = evidence_from_replicates(reps, loci, np.full(n, "scat"))
        fit = time.perf_counter() - t0
        out = identify(g, sheet, method="likelihood", evidence=ev)
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    si = out["sample_individual"]
    a = si[si["individual_id"].notna()].assign(owner=owner[si["individual_id"].notna()])
    maj = a.groupby("individual_id")["owner"].agg(lambda s: s.value_counts().index[0])
    correct = float((a["owner"] == a["individual_id"].map(maj)).mean())
    lines = [
        f"samples {n}, loci {n_l}, animals {n_a}, threads {args.threads}, method "
        + (f"mismatch, k {args.max_mismatches}" if args.method == "mismatch" else
           f"likelihood, {args.replicates} replicates, ADO {args.ado}, FA {args.fa}"),
        f"wall time {wall:.1f} s (error model and likelihoods {fit:.1f} s, identify "
        f"{wall - fit:.1f} s); peak RSS {peak_mb:.0f} MB",
        f"candidate pairs: {len(out['pairs'])}; individuals {len(out['individuals'])}; "
        f"statuses {si['status'].value_counts().to_dict()}; "
        f"samples in their animal's majority individual {correct:.4f}",
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs visible, "
        f"python {platform.python_version()}, numpy {np.__version__}",
    ]
    print("\n".join(lines))
    if args.results:
        cmd = "python benchmarks/bench_identify.py " + " ".join(argv or sys.argv[1:])
        with open(args.results, "w", encoding="utf-8") as fh:
            fh.write("# Benchmark: individual matching (leogen identify)\n\n")
            fh.write(f"Command (from the repository root):\n\n    {cmd}\n\n")
            fh.write("Target: 20,000 samples x 20 loci in < 60 s and < 2 GB on 2 cores.\n\n")
            fh.write("Measured:\n\n" + "".join(f"- {x}\n" for x in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
