"""``leogen pedigree``: parentage and sibships with posterior probabilities, relationships,
pedigree kinship and inbreeding.

Writes to ``--out-dir``: ``pedigree.tsv``, ``relationships.tsv``, ``inbreeding.tsv``,
``kinship.tsv``, ``management_animals.tsv``, ``management_summary.tsv``, the drawn pedigree
``pedigree.png``, with ``--pairs`` ``proposed_pairs.tsv`` and with ``--colony-bestconfig``
``colony_pedigree.tsv`` and ``colony_comparison.tsv`` (:mod:`leogen.pedigree.outputs`). The work is :func:`leogen.pedigree.run.run`;
the method is described in docs/pedigree.md.
"""

from __future__ import annotations

import sys

from leogen.commands._args import (
    non_negative_int,
    positive_float,
    positive_int,
    probability,
    probability_or_auto,
)
from leogen.errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "pedigree", help="parentage and sibships (dummy parents) with posterior probabilities; "
                         "relationships, pedigree kinship and inbreeding",
        description="Pedigree reconstruction by likelihood over candidate parents and "
                    "sibships of unsampled (dummy) parents, with the identification stage's "
                    "genotyping-error model, sex and age priors (birth_year or age_class, "
                    "minimum breeding age, last detection); posterior probabilities for every "
                    "sire and dam (docs/pedigree.md).")
    p.add_argument("--genotypes", required=True,
                   help="one genotype per animal (e.g. identify/individual_genotypes.tsv), "
                        "microsatellites or SNPs")
    p.add_argument("--format", default="auto", help="genotype file format [%(default)s]")
    p.add_argument("--samples", required=True, help="sample sheet (sex, date, age_class; "
                   "optional birth_year and known parents sire/dam)")
    p.add_argument("--sample-individual", help="identify/sample_individual.tsv: the animal of "
                   "each sample (without it the sample ids are the animals)")
    p.add_argument("--out-dir", required=True, help="output directory")
    p.add_argument("--error-rates", help="error-rate table (error_rates/error_rates_locus.tsv) "
                   "for per-locus genotyping error; default 0.005 per call")
    p.add_argument("--inbreeding", help="inbreeding/individuals.tsv: marker-based F beside the "
                   "pedigree F")
    p.add_argument("--seed", type=non_negative_int, default=1, help="random seed [%(default)s]")
    p.add_argument("--exclude-loci", default="", help="comma-separated loci to leave out")
    p.add_argument("--sex-locus", default="AMEL", help="sex marker (sex of each animal; not "
                   "used as a locus) [%(default)s]")
    p.add_argument("--x-allele", type=int, default=214, help="X allele size [%(default)s]")
    p.add_argument("--y-allele", type=int, default=194, help="Y allele size [%(default)s]")
    p.add_argument("--min-probability", type=probability, default=0.7,
                   help="assign a parent or sibship when its posterior is at least this "
                        "[%(default)s]")
    p.add_argument("--locus-error", type=probability, default=0.01,
                   help="per-locus probability that a genotype says nothing (COLONY's "
                        "error) [%(default)s]")
    p.add_argument("--max-candidates", type=positive_int, default=6,
                   help="candidate parents per sex in the joint hypotheses [%(default)s]")
    p.add_argument("--calibration-replicates", type=non_negative_int, default=0,
                   help="simulated replicates of the parametric-bootstrap calibration of the "
                        "parent probabilities (0: none) [%(default)s]")
    p.add_argument("--species", help="the species stage's species.tsv: the samples' mtDNA "
                   "haplotypes, evidence on dams and maternal sibships (optional)")
    p.add_argument("--cub-age", type=positive_float, default=1.0,
                   help="age (years) at which a cub becomes a juvenile [%(default)s]")
    p.add_argument("--juvenile-age", type=positive_float, default=2.0,
                   help="age at which a juvenile becomes a subadult [%(default)s]")
    p.add_argument("--adult-age", type=positive_float, default=3.0,
                   help="age at which a subadult becomes an adult [%(default)s]")
    p.add_argument("--max-age", type=positive_int, default=20,
                   help="oldest possible age [%(default)s]")
    p.add_argument("--min-breeding-age", type=non_negative_int, default=2,
                   help="youngest age at which an animal has offspring [%(default)s]")
    p.add_argument("--detectable-age", type=non_negative_int, default=1,
                   help="youngest age at which an animal leaves samples: the sampled years "
                        "it was this old before its first detection are years it was "
                        "missed [%(default)s]")
    p.add_argument("--detection-history", choices=["yes", "no"], default="yes",
                   help="weigh birth years by the chance of the animal having been missed "
                        "before its first detection, from the animals' annual detection "
                        "rates [%(default)s]")
    p.add_argument("--availability", type=probability_or_auto, default=None,
                   help="share of animals that could be sampled in the years before their "
                        "first detection (the rest, e.g. immigrants, were elsewhere): 'auto' "
                        "estimates it from the animals of known age [auto]")
    p.add_argument("--last-seen-decay", type=probability, default=0.5,
                   help="prior factor per year an offspring is born after its parent's last "
                        "detection (soft constraint) [%(default)s]")
    p.add_argument("--age-decay", type=probability, default=0.8,
                   help="prior decay per year of age at first detection without an age "
                        "class (annual survival) [%(default)s]")
    p.add_argument("--reference", help="table with individual_id: the reference (e.g. living) "
                   "population of the management numbers; default every genotyped animal")
    p.add_argument("--relatedness-matrix", help="relatedness/matrix_<estimator>.tsv: molecular "
                   "kinship (r/2) for mean kinship when the pedigree is shallow")
    p.add_argument("--management-basis", choices=["auto", "pedigree", "molecular"],
                   default="auto", help="source of mean kinship and gene diversity: auto = "
                   "molecular when under half the reference's parents are known and "
                   "--relatedness-matrix is given [%(default)s]")
    p.add_argument("--gene-drop", type=non_negative_int, default=5000,
                   help="gene-drop replicates of the management numbers (0: none) "
                        "[%(default)s]")
    p.add_argument("--pairs", help="table id1, id2 of proposed pairs (breeding, translocation):"
                   " their kinship and offspring F (proposed_pairs.tsv)")
    p.add_argument("--captive-pedigree", help="studbook individual_id, sire, dam joined to the "
                   "pedigree for --pairs")
    p.add_argument("--captive-kinship", help="id1, id2, kinship table for --pairs")
    p.add_argument("--colony-bestconfig", help="COLONY's *.BestConfig(_Ordered) or run prefix "
                   "of the same animals: compare links (colony_comparison.tsv)")
    p.set_defaults(func=main)


def main(args) -> int:
    import numpy as np

    from leogen.io.formats import read_individual_genotypes
    from leogen.io.sheets import read_samples
    from leogen.pedigree.priors import AgeSettings
    from leogen.pedigree.run import run

    if not args.cub_age < args.juvenile_age < args.adult_age < args.max_age:
        raise InputError("ages must increase: --cub-age < --juvenile-age < --adult-age < "
                         "--max-age")
    g = read_individual_genotypes(args.genotypes, args.format)
    genetic_sex = None
    if args.sex_locus and args.sex_locus in set(g.loci) and not g.is_snp:
        from leogen.qc.consensus import sex_from_genotype

        j = list(g.loci).index(args.sex_locus)
        genetic_sex = sex_from_genotype(g.sizes()[:, j], args.x_allele, args.y_allele)
    drop = {s.strip() for s in args.exclude_loci.split(",") if s.strip()}
    if args.sex_locus:
        drop.add(args.sex_locus)
    g = g.without_loci(drop)
    if g.n_loci == 0:
        raise InputError("no loci left after excluding " + ", ".join(sorted(drop)),
                         args.genotypes)
    samples = read_samples(args.samples)
    links = None
    if args.sample_individual:
        from leogen.identify.outputs import read_sample_individual

        links = read_sample_individual(args.sample_individual,
                                       columns=["sample_id", "individual_id"])
    error_rates = None
    if args.error_rates:
        from leogen.qc.outputs import LINKED_ERROR_RATES_LOCUS

        error_rates = LINKED_ERROR_RATES_LOCUS.read(
            args.error_rates, ["locus", "basis", "ado_rate", "fa_rate"],
            if_present=["median_replicates"])
    marker = None
    if args.inbreeding:
        from leogen.popgen.outputs import read_individual_inbreeding

        marker = read_individual_inbreeding(args.inbreeding,
                                            ["individual_id", "f_ritland", "smlh", "ir", "hl"])
    species = None
    if args.species:
        from leogen.qc.outputs import SPECIES

        species = SPECIES.read(args.species, ["sample_id", "best_species", "best_haplotype",
                                              "status"])
    ages = AgeSettings(cub=args.cub_age, juvenile=args.juvenile_age, adult=args.adult_age,
                       max_age=args.max_age, min_breeding_age=args.min_breeding_age,
                       last_seen_decay=args.last_seen_decay, age_decay=args.age_decay,
                       detectable_age=args.detectable_age,
                       detection_history=args.detection_history == "yes",
                       availability=args.availability)
    res = run(g, samples, args.out_dir, links=links, genetic_sex=genetic_sex,
              error_rates=error_rates, marker_inbreeding=marker, ages=ages,
              locus_error=args.locus_error, min_probability=args.min_probability,
              max_candidates=args.max_candidates, seed=args.seed, samples_path=args.samples,
              links_path=args.sample_individual, genotypes_path=args.genotypes,
              reference=args.reference, relatedness_matrix=args.relatedness_matrix,
              management_basis=args.management_basis, gene_drop=args.gene_drop,
              pairs=args.pairs, captive_pedigree=args.captive_pedigree,
              captive_kinship=args.captive_kinship, colony_bestconfig=args.colony_bestconfig,
              calibration_replicates=args.calibration_replicates, species=species)
    ped = res.pedigree[res.pedigree["sampled"]]
    n_s = int(ped["sire"].notna().sum())
    n_d = int(ped["dam"].notna().sum())
    n_dummy = int((~res.sampled).sum())
    dummies = res.pedigree[~res.pedigree["sampled"]]
    n_dummy_par = int((dummies["sire"].notna() | dummies["dam"].notna()).sum())
    sure = int((ped["sire_probability"] >= 0.9).sum() + (ped["dam_probability"] >= 0.9).sum())
    print(f"{len(ped)} animals, {g.n_loci} loci: {n_s} sires and {n_d} dams assigned "
          f"({sure} links with p >= 0.9), {n_dummy} dummy parents ({n_dummy_par} with a "
          f"sampled parent); unsampled-parent shares "
          f"{res.parentage.theta[0]:.2f} (sires), {res.parentage.theta[1]:.2f} (dams); "
          f"mean pedigree F {float(np.mean(res.inbreeding['f_pedigree'])):.3f}",
          file=sys.stderr)
    panel = res.panel_power.iloc[-1]
    print(f"marker panel: an unrelated candidate is excluded as a parent with probability "
          f"{panel['excl_first_parent']:.4f} (other parent unknown), "
          f"{panel['excl_second_parent']:.4f} (other parent known): of the {len(ped) - 1} "
          f"other animals about {(len(ped) - 1) * (1 - panel['excl_first_parent']):.1f} would "
          "not be excluded if unrelated, relatives far more (panel_power.tsv)", file=sys.stderr)
    return 0
