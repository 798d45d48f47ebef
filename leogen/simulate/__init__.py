"""A population simulator with known truth: every workflow input plus ``truth/``.

One module per sub-model (each function takes a ``seed``: anything ``np.random.default_rng``
accepts; all rates are ``SimParams`` fields, see docs/simulate.md):

* ``params``: ``SimParams`` (every parameter and its default) and shared constants;
* ``demography``: the yearly pedigree (``simulate_pedigree``, ``alive_matrix``);
* ``microsatellites``: loci and true genotypes by gene dropping (``make_loci``,
  ``true_microsats``);
* ``sampling``: sites, home ranges, scats and blood captures (``make_sites``,
  ``sample_animals``);
* ``genotyping``: DNA quality, PCR replicates with failures, dropout and false alleles,
  realised error rates (``genotype_samples``, ``genotype_replicates``, ``error_constants``);
* ``mtdna``: reference panel, maternal haplotypes, scat barcodes (``mtdna_panel``,
  ``barcodes``);
* ``snps``: founder haplotypes with LD, meiosis, exact IBD (``simulate_snps``);
* ``disease``: infections and pathogen tests (``simulate_infection``, ``screening_tests``);
* ``cameras``: camera-trap detections and camera/genetic id aliases (``camera_detections``,
  ``genetic_camera_aliases``);
* ``truth``: census, true Ne and the truth tables (``census``, ``true_ne``);
* ``run``: ``simulate(params, seed, out_dir)``, which runs them all and writes the files,
  and ``run.run(...)`` behind ``leogen simulate``.
"""

from leogen.simulate.cameras import genetic_camera_aliases
from leogen.simulate.params import DEFAULT_SEED, SimParams
from leogen.simulate.run import simulate

__all__ = ["DEFAULT_SEED", "SimParams", "genetic_camera_aliases", "simulate"]
