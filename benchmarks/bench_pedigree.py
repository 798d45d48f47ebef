"""Benchmark: pedigree reconstruction of 200 animals x 20 microsatellite loci.

Synthetic data (seeded): the independent gene drop of the pedigree tests
(tests/pedigree/genedrop.py), a closed population grown until ``--animals`` animals are
sampled, 20 loci with 6-10 alleles, 1% genotype errors and 2% missing. Times
:func:`leogen.pedigree.run.run` (genotype posteriors, all pair likelihoods, joint parentage
posteriors, dummy-parent sibships, relationship probabilities, kinship, the tables, the
genetic-management numbers with 5000 gene-drop replicates and the drawn pedigree);
simulating the data is not timed. Threads are limited to ``--threads`` (default 2) before
numpy is imported; ``--calibration-replicates R`` adds the bootstrap calibration. Prints the time, the peak resident memory and the accuracy of the links.

    python benchmarks/bench_pedigree.py
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--animals", type=int, default=200)
    ap.add_argument("--loci", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--calibration-replicates", type=int, default=0,
                    help="bootstrap calibration replicates of the run (0: off, the default)")
    args = ap.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    root = Path(__file__).resolve().parents[1]
    # the working tree's leogen, not an installed copy
    sys.path[:0] = [str(root), str(root / "tests")]
    import numpy as np
    from pedigree.genedrop import evaluate, gene_drop

    from leogen.pedigree.run import run

    capacity = 28
    while True:  # grow the population until enough animals are sampled
        drop = gene_drop(args.seed, n_loci=args.loci, n_alleles=(6, 11), capacity=capacity,
                         n_founders=max(20, capacity // 2))
        if drop.g.n_samples >= args.animals:
            break
        capacity = int(capacity * 1.3) + 1
    keep = np.arange(args.animals)
    g = drop.g.subset(samples=keep)
    kept = set(g.samples)
    links = drop.links[drop.links["individual_id"].isin(kept)].reset_index(drop=True)
    samples = drop.samples[drop.samples["sample_id"].isin(set(links["sample_id"]))]
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        res = run(g, samples.reset_index(drop=True), out, links=links,
                  genetic_sex=drop.sex[keep],
                  calibration_replicates=args.calibration_replicates)
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    e = evaluate(res.pedigree, res.relationships, res.inbreeding, drop.truth)
    print(f"animals {g.n_samples}, loci {g.n_loci}, threads {args.threads}, seed {args.seed}, "
          f"calibration replicates {args.calibration_replicates}")
    print(f"wall time (pedigree run) {wall:.1f} s; peak RSS {rss:.0f} MB")
    print(f"links to sampled parents assigned {e['assigned']}, right {e['right']}; true links "
          f"with a sampled parent {e['true_links']}, found {e['found']}; dummy links "
          f"{e['dummy_assigned']}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs visible, python "
          f"{platform.python_version()}, numpy {np.__version__}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
