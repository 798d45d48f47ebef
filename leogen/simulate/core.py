"""A population simulator with known truth: pedigree, microsatellites, scat and blood
sampling with genotyping errors, mtDNA barcodes, genome-wide SNPs and infections.

``simulate(params, seed, out_dir)`` writes every input of the workflow (the data-contract
"Inputs") plus ``truth/``. Each part is a small function taking a ``seed`` (anything
``np.random.default_rng`` accepts: an int, a ``SeedSequence`` or a ``Generator``); the parts
get independent child seeds of the run's seed, so changing e.g. the number of SNPs leaves
the microsatellite data unchanged. Models (all rates are parameters, see ``SimParams``):

* Demography: yearly steps; adult females (age >= ``adult_age``) without a litter the year
  before breed with probability ``p_breed`` times a density factor
  ``clip(2 (1 - n_adults / carrying_capacity), 0, 1)``; the sire of a litter is drawn among
  adult males with fixed log-normal mating weights (polygyny; sd ``sire_weight_sd``); no
  inbreeding avoidance, so fathers mate daughters and sibs mate. Yearly survival by age
  class; cubs die when their dam dies in their birth year; no one lives past ``max_age``.
  No migration (an isolated population).
* Microsatellites: founder allele frequencies ~ Dirichlet(``founder_dirichlet_alpha``) over
  3-7 alleles (a small ancestral population: He ~ 0.4-0.6); alleles dropped through the
  pedigree by Mendel's rules (unlinked loci). Sex marker AMEL: X 214 bp, Y 194 bp.
* Genotyping errors (scat): DNA quality q ~ Beta(a, b); with h = 1 - q, per replicate
  failure ``fail(q) = c_fail h``, allelic dropout (heterozygotes only) ``ado(q) = c_ado h``,
  false allele ``fa(q) = c_fa h``. The constants are solved so that, averaged over q, the
  expected rates per *successful* amplification equal the parameters (``fail_scat``,
  ``ado_scat``, ``fa_scat``; Broquet & Petit 2004 definitions). Dropout and false allele
  are exclusive within one amplification: a dropout shows one true allele twice; a false
  allele (one repeat step beside a true allele, never a true allele) replaces one allele
  copy. Blood: constant small rates. AMEL gets dropout but no false alleles; error rates
  are counted over autosomal loci.
* Other-species scats (fraction ``other_species_fraction``) are genotyped too: most
  replicates fail and the rest give junk alleles within each locus' size range (felids
  amplify with probability ``other_felid_amplification``, canids
  ``other_canid_amplification``).
* mtDNA: a synthetic cytb-like panel (tree of substitutions: leopard-tiger ~9%, leopard-lynx
  ~12%, felid-canid ~20%; haplotypes 0.5-2% apart); leopards inherit the dam's haplotype;
  other-species barcodes are panel haplotypes with 0-3 extra substitutions; every barcode
  gets sequencing errors, end trimming, and some fail (no record).
* SNPs: ancestral haplotypes -> founder haplotypes as mosaics of them (LD); meiosis with a
  Haldane map (Poisson crossovers, mean = chromosome length in Morgans); founder-genome
  labels are dropped so IBD (and runs of homozygosity) is known exactly.
* Disease: yearly infection probability ``logit^-1(logit(incidence) + inbreeding_effect F)``;
  FIV and FeLV persist once acquired; antibodies (``exposed_ever``) are lifelong.
  Serology at capture (per assay sensitivity/specificity, two-fold titres) and scat PCR for
  T. gondii (true state: infected that year).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from leogen.errors import InputError
from leogen.io.atomic import atomic_open, write_table
from leogen.io.longtable import write_long
from leogen.model.genotypes import MISSING, Genotypes, Replicates
from leogen.pedigree.kinship import (
    inbreeding_coefficients,
    kinship_matrix,
    kinship_pairs,
    relationship_matrix,
    topological_order,
)

TARGET_SPECIES = "Panthera_pardus"
OTHER_SPECIES = ("Panthera_tigris", "Lynx_lynx", "Prionailurus_bengalensis",
                 "Canis_familiaris", "Vulpes_vulpes")
FELIDS = {"Panthera_pardus", "Panthera_tigris", "Lynx_lynx", "Prionailurus_bengalensis"}
PATHOGENS = ("CDV", "FPV", "FIV", "FeLV", "T_gondii")
PERSISTENT = {"FIV", "FeLV"}
AMEL_X, AMEL_Y = 214, 194

# FCA-style names (synthetic loci; sizes and steps are drawn, not the real loci's)
LOCUS_NAMES = ("FCA008", "FCA023", "FCA043", "FCA045", "FCA077", "FCA090", "FCA096",
               "FCA126", "FCA176", "FCA220", "FCA229", "FCA304", "FCA391", "FCA441",
               "FCA453", "FCA723", "FCA731", "FCA740", "F53", "F124")

DEFAULT_ASSAYS = {
    # state: which truth the assay detects (exposed = antibodies ever, infected = this year)
    "CDV": {"assay": "vnt", "state": "exposed", "sensitivity": 0.90, "specificity": 0.96,
            "titer_start": 4, "cutoff": 16, "lab": "lab_a"},
    "FPV": {"assay": "hi", "state": "exposed", "sensitivity": 0.92, "specificity": 0.95,
            "titer_start": 10, "cutoff": 40, "lab": "lab_a"},
    "FIV": {"assay": "elisa", "state": "exposed", "sensitivity": 0.93, "specificity": 0.98,
            "titer_start": 0, "cutoff": 0, "lab": "lab_b"},
    "FeLV": {"assay": "elisa_ag", "state": "infected", "sensitivity": 0.88, "specificity": 0.98,
             "titer_start": 0, "cutoff": 0, "lab": "lab_b"},
    "T_gondii": {"assay": "mat", "state": "exposed", "sensitivity": 0.85, "specificity": 0.92,
                 "titer_start": 25, "cutoff": 25, "lab": "lab_a"},
}
DEFAULT_SCAT_PCR = {"pathogen": "T_gondii", "assay": "pcr", "state": "infected",
                    "sensitivity": 0.60, "specificity": 0.99, "lab": "lab_c"}
DEFAULT_INCIDENCE = {"CDV": 0.015, "FPV": 0.1, "FIV": 0.005, "FeLV": 0.003, "T_gondii": 0.05}


@dataclass
class SimParams:
    """Every parameter of ``simulate`` with its default (see docs/simulate.md)."""

    # population and pedigree
    start_year: int = 2000
    end_year: int = 2024
    n_founders: int = 20
    founder_max_age: int = 8
    carrying_capacity: int = 45
    adult_age: int = 3
    max_age: int = 16
    p_breed: float = 0.8
    litter_size_probs: list = field(default_factory=lambda: [0.3, 0.45, 0.2, 0.05])
    survival_cub: float = 0.65
    survival_juvenile: float = 0.85
    survival_adult: float = 0.9
    sire_weight_sd: float = 0.7
    # microsatellites
    n_loci: int = 15
    min_alleles: int = 3
    max_alleles: int = 7
    founder_dirichlet_alpha: float = 0.5
    frac_tetranucleotide: float = 0.25
    sex_marker: str = "AMEL"
    # sampling
    study_years: int = 8
    n_sites: int = 30
    lat_min: float = 43.0
    lat_max: float = 43.6
    lon_min: float = 131.0
    lon_max: float = 131.8
    home_range_sd_km: float = 6.0
    min_age_sampled: int = 1
    p_never_sampled: float = 0.3
    scat_rate: float = 0.85
    scat_rate_shape: float = 1.5
    other_species_fraction: float = 0.05
    n_captured: int = 10
    p_recapture: float = 0.4
    # genotyping
    n_replicates_scat: int = 4
    n_replicates_blood: int = 1
    quality_beta_a: float = 3.0
    quality_beta_b: float = 2.0
    ado_scat: float = 0.2
    fa_scat: float = 0.03
    fail_scat: float = 0.1
    ado_blood: float = 0.005
    fa_blood: float = 0.002
    fail_blood: float = 0.01
    other_felid_amplification: float = 0.3
    other_canid_amplification: float = 0.05
    # mtDNA
    mtdna_length: int = 500
    n_haplotypes_target: int = 4
    n_haplotypes_other: int = 2
    mtdna_error_rate: float = 0.003
    mtdna_fail_scat: float = 0.05
    mtdna_max_trim: int = 15
    # SNPs
    n_snps: int = 20000
    n_chromosomes: int = 5
    genome_length_cm: float = 550.0
    n_ancestral_haplotypes: int = 16
    ancestral_switch_per_morgan: float = 30.0
    # disease
    incidence: dict = field(default_factory=lambda: dict(DEFAULT_INCIDENCE))
    inbreeding_effect: float = 4.0
    assays: dict = field(default_factory=lambda: {k: dict(v) for k, v in DEFAULT_ASSAYS.items()})
    scat_pcr: dict = field(default_factory=lambda: dict(DEFAULT_SCAT_PCR))
    scat_pcr_fraction: float = 0.3
    p_equivocal: float = 0.03
    # camera traps
    n_camera_stations: int = 6
    camera_fraction: float = 0.4
    camera_rate: float = 2.0

    # ---------------------------------------------------------------- building
    @classmethod
    def from_dict(cls, d: dict | None, path=None) -> SimParams:
        """Parameters from a mapping (e.g. a params.yaml); unknown keys are errors.

        A ``seed`` key (as in a previous run's params.yaml) is ignored here.
        """
        d = dict(d or {})
        d.pop("seed", None)
        d.pop("derived", None)
        names = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - set(names))
        if unknown:
            raise InputError(f"unknown simulation parameter(s) {', '.join(unknown)}", path)
        p = cls()
        for key, value in d.items():
            default = getattr(p, key)
            if isinstance(default, dict):
                if not isinstance(value, dict):
                    raise InputError(f"parameter {key} must be a mapping", path, column=key)
                merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in default.items()}
                for k, v in value.items():
                    if isinstance(merged.get(k), dict) and isinstance(v, dict):
                        merged[k].update(v)
                    else:
                        merged[k] = v
                value = merged
            elif isinstance(default, bool) or isinstance(default, list):
                pass
            elif isinstance(default, int):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                if not isinstance(value, int) or isinstance(value, bool):
                    raise InputError(f"parameter {key} must be a whole number, got {value!r}",
                                     path, column=key)
            elif isinstance(default, float):
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise InputError(f"parameter {key} must be a number, got {value!r}",
                                     path, column=key)
                value = float(value)
            elif isinstance(default, str) and not isinstance(value, str):
                raise InputError(f"parameter {key} must be text, got {value!r}", path, column=key)
            setattr(p, key, value)
        p.validate(path)
        return p

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def validate(self, path=None) -> None:
        """Raise InputError for impossible values (negative rates, n_loci < 1, ...)."""
        def bad(key, why):
            raise InputError(f"parameter {key} = {getattr(self, key)!r}: {why}", path, column=key)

        for key in ("n_founders", "n_loci", "n_sites", "n_replicates_scat", "n_replicates_blood",
                    "mtdna_length", "n_chromosomes", "n_ancestral_haplotypes", "adult_age",
                    "max_age", "study_years", "carrying_capacity", "n_haplotypes_target",
                    "n_haplotypes_other", "min_alleles"):
            if getattr(self, key) < 1:
                bad(key, "must be at least 1")
        for key in ("n_captured", "n_snps", "min_age_sampled", "founder_max_age",
                    "mtdna_max_trim", "n_camera_stations"):
            if getattr(self, key) < 0:
                bad(key, "must not be negative")
        if self.n_loci > len(LOCUS_NAMES):
            bad("n_loci", f"at most {len(LOCUS_NAMES)} loci are available")
        if self.n_founders < 2:
            bad("n_founders", "need at least 2 founders (one of each sex)")
        if self.max_alleles < self.min_alleles or self.min_alleles < 2:
            bad("max_alleles", "need 2 <= min_alleles <= max_alleles")
        if self.end_year < self.start_year:
            bad("end_year", "must not be before start_year")
        if self.study_years > self.end_year - self.start_year + 1:
            bad("study_years", "longer than the simulated period")
        if self.n_snps and self.n_snps < self.n_chromosomes:
            bad("n_snps", "need at least one SNP per chromosome (or 0 for no SNPs)")
        if self.n_replicates_scat > 8 or self.n_replicates_blood > 8:
            bad("n_replicates_scat", "at most 8 PCR replicates per locus")
        probs = ("p_breed", "survival_cub", "survival_juvenile", "survival_adult",
                 "frac_tetranucleotide", "p_never_sampled", "other_species_fraction",
                 "p_recapture", "ado_scat", "fa_scat", "fail_scat", "ado_blood", "fa_blood",
                 "fail_blood", "other_felid_amplification", "other_canid_amplification",
                 "mtdna_error_rate", "mtdna_fail_scat", "scat_pcr_fraction", "p_equivocal",
                 "camera_fraction")
        for key in probs:
            v = getattr(self, key)
            if not (0.0 <= v <= 1.0) or math.isnan(v):
                bad(key, "must be a probability in [0, 1]")
        if self.other_species_fraction >= 1:
            bad("other_species_fraction", "must be below 1")
        for key in ("sire_weight_sd", "founder_dirichlet_alpha", "quality_beta_a",
                    "quality_beta_b", "scat_rate", "scat_rate_shape", "home_range_sd_km",
                    "genome_length_cm", "ancestral_switch_per_morgan", "camera_rate"):
            v = getattr(self, key)
            if not v >= 0 or math.isnan(v):
                bad(key, "must not be negative")
        for key in ("founder_dirichlet_alpha", "quality_beta_a", "quality_beta_b",
                    "scat_rate_shape", "home_range_sd_km", "genome_length_cm"):
            if getattr(self, key) <= 0:
                bad(key, "must be positive")
        if not (self.lat_min < self.lat_max and self.lon_min < self.lon_max):
            bad("lat_min", "need lat_min < lat_max and lon_min < lon_max")
        lp = np.asarray(self.litter_size_probs, dtype=float)
        if lp.ndim != 1 or lp.size == 0 or (lp < 0).any() or not np.isclose(lp.sum(), 1.0):
            bad("litter_size_probs", "must be non-negative probabilities of litter sizes 1, 2, "
                "... summing to 1")
        for pth in PATHOGENS:
            v = self.incidence.get(pth)
            if not isinstance(v, (int, float)) or not (0 <= v < 1):
                raise InputError(f"parameter incidence.{pth} = {v!r}: must be a yearly "
                                 "probability in [0, 1)", path, column="incidence")
        unknown = sorted(set(self.incidence) - set(PATHOGENS))
        if unknown:
            raise InputError(f"parameter incidence: unknown pathogen(s) {', '.join(unknown)}; "
                             f"expected {', '.join(PATHOGENS)}", path, column="incidence")
        for pth, a in list(self.assays.items()) + [("scat_pcr", self.scat_pcr)]:
            if pth != "scat_pcr" and pth not in PATHOGENS:
                raise InputError(f"parameter assays: unknown pathogen {pth}", path,
                                 column="assays")
            for key in ("sensitivity", "specificity"):
                v = a.get(key)
                if not isinstance(v, (int, float)) or not (0 < v <= 1):
                    raise InputError(f"parameter assays.{pth}.{key} = {v!r}: must be in (0, 1]",
                                     path, column="assays")
            if a.get("state") not in ("exposed", "infected"):
                raise InputError(f"parameter assays.{pth}.state must be exposed or infected",
                                 path, column="assays")
        if not math.isfinite(self.inbreeding_effect):
            bad("inbreeding_effect", "must be a finite number")
        c = error_constants(self.quality_beta_a, self.quality_beta_b, self.fail_scat,
                            self.ado_scat, self.fa_scat)
        if c["fail"] > 1 or c["ado"] + c["fa"] >= 1:
            bad("ado_scat", f"rates too high for the quality distribution (at q = 0 the "
                f"dropout probability {c['ado']:.2f} plus false-allele probability "
                f"{c['fa']:.2f} reach 1, or failure {c['fail']:.2f} exceeds 1); lower the "
                "rates or make quality_beta_b smaller")
        if self.ado_blood + self.fa_blood >= 1:
            bad("ado_blood", "ado_blood + fa_blood must be below 1")


def as_params(params: SimParams | dict | None) -> SimParams:
    if isinstance(params, SimParams):
        params.validate()
        return params
    return SimParams.from_dict(params)


# ============================================================== population / pedigree
def simulate_pedigree(p: SimParams, seed) -> pd.DataFrame:
    """Individual-based yearly demography; returns the pedigree in birth (creation) order.

    Columns individual_id, sire, dam, sex, birth_year, death_year (NA = alive at the end),
    founder (1/0), mating_weight. Events in year y: births, then deaths (death_year = y).
    """
    rng = np.random.default_rng(seed)
    nf = p.n_founders
    sexes = np.array(["M", "F"] * ((nf + 1) // 2))[:nf]
    sexes = list(rng.permutation(sexes))
    birth = list(p.start_year - rng.integers(1, p.founder_max_age + 1, size=nf))
    sire, dam = [-1] * nf, [-1] * nf
    death = [-1] * nf
    weight = list(rng.lognormal(0.0, p.sire_weight_sd, size=nf))
    last_litter = [-10**6] * nf
    litter_sizes = np.arange(1, len(p.litter_size_probs) + 1)
    litter_p = np.asarray(p.litter_size_probs, dtype=float)
    litter_p = litter_p / litter_p.sum()
    for y in range(p.start_year, p.end_year + 1):
        b = np.asarray(birth)
        alive = np.asarray(death) < 0
        age = y - b
        sx = np.asarray(sexes)
        adult = alive & (age >= p.adult_age)
        n_adult = int(adult.sum())
        dens = float(np.clip(2.0 * (1.0 - n_adult / p.carrying_capacity), 0.0, 1.0))
        males = np.flatnonzero(adult & (sx == "M"))
        fem = np.flatnonzero(adult & (sx == "F") & (np.asarray(last_litter) < y - 1))
        n_before = len(birth)
        if males.size and fem.size:
            breeds = fem[rng.random(fem.size) < p.p_breed * dens]
            w = np.asarray(weight)[males]
            for f in breeds:  # one litter per breeding female
                s = int(rng.choice(males, p=w / w.sum()))
                k = int(rng.choice(litter_sizes, p=litter_p))
                last_litter[f] = y
                for _ in range(k):
                    sexes.append("M" if rng.random() < 0.5 else "F")
                    birth.append(y)
                    sire.append(s)
                    dam.append(int(f))
                    death.append(-1)
                    weight.append(float(rng.lognormal(0.0, p.sire_weight_sd)))
                    last_litter.append(-10**6)
        # mortality at the end of year y
        n = len(birth)
        b = np.asarray(birth)
        age = y - b
        alive = np.asarray(death) < 0
        surv = np.where(age == 0, p.survival_cub,
                        np.where(age < p.adult_age, p.survival_juvenile, p.survival_adult))
        dies = alive & ((rng.random(n) >= surv) | (age >= p.max_age))
        dam_arr = np.asarray(dam)
        orphan = (np.arange(n) >= n_before) & (dam_arr >= 0)
        orphan &= dies[np.maximum(dam_arr, 0)]
        dies |= orphan & alive
        if y < p.end_year:
            for i in np.flatnonzero(dies):
                death[i] = y
        else:
            for i in np.flatnonzero(dies & (age >= p.max_age)):
                death[i] = y
    n = len(birth)
    width = max(3, len(str(n)))
    ids = np.array([f"L{i + 1:0{width}d}" for i in range(n)], dtype=object)
    sire_a, dam_a = np.asarray(sire), np.asarray(dam)
    return pd.DataFrame({
        "individual_id": ids,
        "sire": np.where(sire_a >= 0, ids[np.maximum(sire_a, 0)], None),
        "dam": np.where(dam_a >= 0, ids[np.maximum(dam_a, 0)], None),
        "sex": sexes,
        "birth_year": np.asarray(birth, dtype=np.int64),
        "death_year": pd.array([d if d >= 0 else pd.NA for d in death], dtype="Int64"),
        "founder": (sire_a < 0).astype(np.int64),
        "mating_weight": np.asarray(weight),
    })


def parent_idx(ped: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Sire/dam row positions of a simulated pedigree (-1 for founders)."""
    index = pd.Index(ped["individual_id"])
    s = index.get_indexer(ped["sire"].fillna("").astype(str))
    d = index.get_indexer(ped["dam"].fillna("").astype(str))
    return s, d


def alive_matrix(ped: pd.DataFrame, years) -> np.ndarray:
    """(n_individuals, n_years) bool: alive at some time in the year."""
    years = np.asarray(years)
    b = ped["birth_year"].to_numpy()[:, None]
    d = ped["death_year"].fillna(10**6).to_numpy(dtype=np.int64)[:, None]
    return (b <= years[None, :]) & (d >= years[None, :])


def census(ped: pd.DataFrame, p: SimParams) -> pd.DataFrame:
    """Yearly census: animals alive at some time in the year, those old enough to leave
    samples (``min_age_sampled``: the population an abundance estimate from scats refers to),
    and adults among them."""
    years = np.arange(p.start_year, p.end_year + 1)
    alive = alive_matrix(ped, years)
    age = years[None, :] - ped["birth_year"].to_numpy()[:, None]
    return pd.DataFrame({"year": years, "n_alive": alive.sum(axis=0),
                         "n_sampleable_age": (alive & (age >= p.min_age_sampled)).sum(axis=0),
                         "n_adults": (alive & (age >= p.adult_age)).sum(axis=0)})


# ================================================================== microsatellites
def make_loci(p: SimParams, seed) -> list[dict]:
    """Locus definitions: name, repeat step (2 or 4 bp), allele sizes, founder frequencies.

    Frequencies ~ Dirichlet(alpha) over 3-7 alleles: a small ancestral population.
    """
    rng = np.random.default_rng(seed)
    loci = []
    n_tetra = int(round(p.frac_tetranucleotide * p.n_loci))
    tetra = np.zeros(p.n_loci, bool)
    tetra[rng.choice(p.n_loci, n_tetra, replace=False)] = True
    for j in range(p.n_loci):
        k = int(rng.integers(p.min_alleles, p.max_alleles + 1))
        step = 4 if tetra[j] else 2
        span = k + int(rng.integers(0, 4))  # a few gaps in the ladder
        top = 300 - step * (span + 2)
        base = int(rng.integers(100 // step, max(100 // step + 1, top // step))) * step
        rungs = np.sort(rng.choice(span, k, replace=False))
        sizes = base + step * rungs
        freqs = rng.dirichlet(np.full(k, p.founder_dirichlet_alpha))
        # keep every allele present at a usable frequency in the ancestral pool
        freqs = np.maximum(freqs, 0.01)
        freqs /= freqs.sum()
        loci.append({"name": LOCUS_NAMES[j], "step": step, "sizes": sizes.astype(np.int64),
                     "freqs": freqs})
    return loci


def drop_alleles(sire_idx, dam_idx, founder_alleles: np.ndarray, seed) -> np.ndarray:
    """Mendelian gene dropping of unlinked loci through a pedigree in birth order.

    ``founder_alleles``: (n_individuals, n_loci, 2) with founders' rows filled (others
    ignored). Each offspring gets a random one of its sire's two alleles and of its dam's,
    independently per locus. Parents must precede offspring.
    """
    rng = np.random.default_rng(seed)
    g = np.array(founder_alleles, copy=True)
    n, n_l, _ = g.shape
    pick = rng.integers(0, 2, size=(n, n_l, 2))
    cols = np.arange(n_l)
    for i in range(n):
        s, d = sire_idx[i], dam_idx[i]
        if s < 0 or d < 0:
            continue
        if s >= i or d >= i:
            raise ValueError("parents must precede offspring")
        g[i, :, 0] = g[s, cols, pick[i, :, 0]]
        g[i, :, 1] = g[d, cols, pick[i, :, 1]]
    return g


def true_microsats(ped: pd.DataFrame, loci: list[dict], seed) -> np.ndarray:
    """True allele sizes (n_individuals, n_loci + 1, 2); the last locus is the sex marker."""
    rng = np.random.default_rng(seed)
    s, d = parent_idx(ped)
    n = len(ped)
    fa = np.zeros((n, len(loci), 2), dtype=np.int64)
    founders = np.flatnonzero(s < 0)
    for j, loc in enumerate(loci):
        fa[founders, j, :] = rng.choice(len(loc["sizes"]), size=(founders.size, 2),
                                        p=loc["freqs"])
    idx = drop_alleles(s, d, fa, rng)
    sizes = np.empty((n, len(loci) + 1, 2), dtype=np.int64)
    for j, loc in enumerate(loci):
        sizes[:, j, :] = loc["sizes"][idx[:, j, :]]
    male = ped["sex"].to_numpy() == "M"
    sizes[:, -1, 0] = np.where(male, AMEL_Y, AMEL_X)
    sizes[:, -1, 1] = AMEL_X
    return sizes


def expected_heterozygosity(sizes: np.ndarray) -> np.ndarray:
    """He = 1 - sum p^2 per locus from genotypes (n, n_loci, 2) of allele sizes (Nei 1987)."""
    out = np.empty(sizes.shape[1])
    for j in range(sizes.shape[1]):
        a = sizes[:, j, :].ravel()
        a = a[a >= 0]
        _, c = np.unique(a, return_counts=True)
        f = c / c.sum()
        out[j] = 1.0 - np.sum(f * f)
    return out


# ========================================================================= sampling
def make_sites(p: SimParams, seed) -> pd.DataFrame:
    """Sampling sites along a SW-NE transect through the study box (site, lat, lon)."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0.05, 0.95, p.n_sites))
    lat = p.lat_min + t * (p.lat_max - p.lat_min)
    lon = p.lon_min + t * (p.lon_max - p.lon_min)
    off = rng.normal(0.0, 0.12, p.n_sites)  # perpendicular scatter, fraction of the box
    lat = np.clip(lat + off * (p.lat_max - p.lat_min) * 0.7, p.lat_min, p.lat_max)
    lon = np.clip(lon - off * (p.lon_max - p.lon_min) * 0.7, p.lon_min, p.lon_max)
    width = max(2, len(str(p.n_sites)))
    return pd.DataFrame({"site": [f"S{i + 1:0{width}d}" for i in range(p.n_sites)],
                         "lat": lat, "lon": lon})


def _km(lat1, lon1, lat2, lon2):
    dy = (lat1 - lat2) * 111.2
    dx = (lon1 - lon2) * 111.2 * np.cos(np.radians(0.5 * (lat1 + lat2)))
    return np.hypot(dx, dy)


def site_weights(centres: pd.DataFrame, sites: pd.DataFrame, sd_km: float) -> np.ndarray:
    """(n_animals, n_sites) probability of leaving a scat at each site (Gaussian home range)."""
    d = _km(centres["lat"].to_numpy()[:, None], centres["lon"].to_numpy()[:, None],
            sites["lat"].to_numpy()[None, :], sites["lon"].to_numpy()[None, :])
    w = np.exp(-0.5 * (d / sd_km) ** 2) + 1e-12
    return w / w.sum(axis=1, keepdims=True)


def _random_dates(rng, years) -> list[str]:
    years = np.asarray(years)
    start = pd.to_datetime(pd.Series(years.astype(str)) + "-01-01")
    leap = ((years % 4 == 0) & (years % 100 != 0)) | (years % 400 == 0)
    days = np.floor(rng.random(len(years)) * np.where(leap, 366, 365)).astype(int)
    dates = start + pd.to_timedelta(days, unit="D")
    return list(dates.dt.strftime("%Y-%m-%d"))


def age_class(age: np.ndarray, adult_age: int) -> np.ndarray:
    return np.where(age < 1, "cub", np.where(age < 2, "juvenile",
                                            np.where(age < adult_age, "subadult", "adult")))


def sample_animals(ped: pd.DataFrame, sites: pd.DataFrame, p: SimParams, seed) -> pd.DataFrame:
    """Scat and blood samples of the study window, with their truth.

    Columns: sample_type, date, site, lat, lon, individual_id (None for other species),
    species, sex, age_class, capture (1 for blood), collector. Ids are assigned later.
    """
    rng = np.random.default_rng(seed)
    years = np.arange(p.end_year - p.study_years + 1, p.end_year + 1)
    alive = alive_matrix(ped, years)
    age = years[None, :] - ped["birth_year"].to_numpy()[:, None]
    eligible = alive & (age >= p.min_age_sampled)
    n = len(ped)
    # home-range centres near the transect
    t = rng.uniform(0.0, 1.0, n)
    off = rng.normal(0.0, 0.15, n)
    centres = pd.DataFrame({
        "lat": np.clip(p.lat_min + t * (p.lat_max - p.lat_min) + off * (p.lat_max - p.lat_min),
                       p.lat_min, p.lat_max),
        "lon": np.clip(p.lon_min + t * (p.lon_max - p.lon_min) - off * (p.lon_max - p.lon_min),
                       p.lon_min, p.lon_max)})
    w = site_weights(centres, sites, p.home_range_sd_km)
    rate = p.scat_rate * rng.gamma(p.scat_rate_shape, 1.0 / p.scat_rate_shape, n)
    rate[rng.random(n) < p.p_never_sampled] = 0.0
    counts = rng.poisson(rate[:, None] * eligible)
    ind, yr = np.nonzero(counts)
    reps = counts[ind, yr]
    ind, yr = np.repeat(ind, reps), np.repeat(yr, reps)
    site_idx = np.array([rng.choice(len(sites), p=w[i]) for i in ind], dtype=np.int64)
    ids = ped["individual_id"].to_numpy()
    rows = {
        "sample_type": ["scat"] * ind.size,
        "year": years[yr],
        "site_idx": site_idx,
        "individual_id": list(ids[ind]),
        "species": [TARGET_SPECIES] * ind.size,
        "sex": [""] * ind.size,
        "age_class": [""] * ind.size,
        "collector": list(rng.choice(["team_1", "team_2", "team_3"], ind.size)),
    }
    scats = pd.DataFrame(rows)
    # other species' scats picked up on the same transects
    n_other = int(round(p.other_species_fraction * ind.size / (1 - p.other_species_fraction)))
    other = pd.DataFrame({
        "sample_type": ["scat"] * n_other,
        "year": rng.choice(years, n_other),
        "site_idx": rng.integers(0, len(sites), n_other),
        "individual_id": [None] * n_other,
        "species": list(rng.choice(OTHER_SPECIES, n_other)),
        "sex": [""] * n_other,
        "age_class": [""] * n_other,
        "collector": list(rng.choice(["team_1", "team_2", "team_3"], n_other)),
    })
    # captures: blood at first capture and at recaptures in later years
    cap_ok = alive & (age >= 2)
    candidates = np.flatnonzero(cap_ok.any(axis=1))
    n_cap = min(p.n_captured, candidates.size)
    captured = np.sort(rng.choice(candidates, n_cap, replace=False)) if n_cap else []
    brows = []
    for i in captured:
        ys = np.flatnonzero(cap_ok[i])
        k = int(rng.choice(ys))
        while True:
            a = int(age[i, k])
            site_i = int(rng.choice(len(sites), p=w[i]))
            brows.append({"sample_type": "blood", "year": int(years[k]), "site_idx": site_i,
                          "individual_id": ids[i], "species": TARGET_SPECIES,
                          "sex": ped["sex"].iloc[i],
                          "age_class": str(age_class(np.array([a]), p.adult_age)[0]),
                          "collector": "vet_team"})
            later = ys[ys > k]
            if later.size == 0 or rng.random() >= p.p_recapture:
                break
            k = int(rng.choice(later))
    blood = pd.DataFrame(brows, columns=list(rows))
    out = pd.concat([scats, other, blood], ignore_index=True)
    out["date"] = _random_dates(rng, out["year"].to_numpy())
    jit = rng.uniform(-0.004, 0.004, size=(len(out), 2))
    out["site"] = sites["site"].to_numpy()[out["site_idx"].to_numpy()]
    out["lat"] = sites["lat"].to_numpy()[out["site_idx"].to_numpy()] + jit[:, 0]
    out["lon"] = sites["lon"].to_numpy()[out["site_idx"].to_numpy()] + jit[:, 1]
    # ids in collection order
    out = out.sort_values(["sample_type", "date", "site", "individual_id"],
                          kind="stable", na_position="last").reset_index(drop=True)
    is_scat = (out["sample_type"] == "scat").to_numpy()
    sid = np.empty(len(out), dtype=object)
    sid[is_scat] = [f"SC{k + 1:04d}" for k in range(int(is_scat.sum()))]
    sid[~is_scat] = [f"BL{k + 1:03d}" for k in range(int((~is_scat).sum()))]
    out.insert(0, "sample_id", sid)
    return out.drop(columns=["site_idx"]).sort_values("sample_id").reset_index(drop=True)


# ======================================================================= genotyping
def beta_moments(a: float, b: float) -> tuple[float, float]:
    """E[h], E[h^2] for h = 1 - q, q ~ Beta(a, b)."""
    m1 = b / (a + b)
    m2 = b * (b + 1) / ((a + b) * (a + b + 1))
    return m1, m2


def error_constants(a, b, fail, ado, fa) -> dict:
    """Slopes c of the per-replicate rates c * (1 - q) for scat (see module docstring).

    fail(q) = c_fail h with c_fail = fail / E[h], so E[fail(q)] = fail; ado and fa are
    expected per *successful* amplification: c = rate (1 - c_fail E[h]) / (E[h] - c_fail E[h^2]),
    so that E[c h (1 - fail(q))] / E[1 - fail(q)] = rate.
    """
    m1, m2 = beta_moments(a, b)
    c_fail = fail / m1
    denom = m1 - c_fail * m2
    scale = (1 - c_fail * m1) / denom if denom > 0 else np.inf
    return {"fail": c_fail, "ado": ado * scale, "fa": fa * scale}


def sample_error_rates(samples: pd.DataFrame, p: SimParams, seed) -> pd.DataFrame:
    """DNA quality and the per-replicate failure, dropout and false-allele probabilities."""
    rng = np.random.default_rng(seed)
    n = len(samples)
    is_scat = (samples["sample_type"] == "scat").to_numpy()
    q = np.where(is_scat, rng.beta(p.quality_beta_a, p.quality_beta_b, n), 1.0)
    c = error_constants(p.quality_beta_a, p.quality_beta_b, p.fail_scat, p.ado_scat, p.fa_scat)
    h = 1.0 - q
    return pd.DataFrame({
        "dna_quality": q,
        "fail_rate": np.where(is_scat, np.minimum(c["fail"] * h, 1.0), p.fail_blood),
        "dropout_rate": np.where(is_scat, c["ado"] * h, p.ado_blood),
        "false_allele_rate": np.where(is_scat, c["fa"] * h, p.fa_blood),
    })


def genotype_replicates(true_sizes: np.ndarray, n_reps: np.ndarray, rates: pd.DataFrame,
                        steps: np.ndarray, seed, sex_locus: int | None = None):
    """PCR replicates of true genotypes with failures, allelic dropout and false alleles.

    ``true_sizes`` (n_samples, n_loci, 2); ``n_reps`` replicates run per sample; ``steps``
    repeat unit per locus. Returns sizes (n_samples, n_loci, max_rep, 2) with -1 for failed
    or not-run replicates, and ``attempted`` (n_samples, n_loci, max_rep).
    """
    rng = np.random.default_rng(seed)
    n_s, n_l, _ = true_sizes.shape
    r = int(max(n_reps.max(), 1)) if n_s else 1
    shape = (n_s, n_l, r)
    attempted = np.arange(r)[None, None, :] < np.asarray(n_reps)[:, None, None]
    attempted = np.broadcast_to(attempted, shape).copy()
    a = np.broadcast_to(true_sizes[:, :, None, 0], shape)
    b = np.broadcast_to(true_sizes[:, :, None, 1], shape)
    fail = rates["fail_rate"].to_numpy()[:, None, None]
    ado = np.broadcast_to(rates["dropout_rate"].to_numpy()[:, None, None], shape).copy()
    fa = np.broadcast_to(rates["false_allele_rate"].to_numpy()[:, None, None], shape).copy()
    if sex_locus is not None:
        fa[:, sex_locus] = 0.0
    u = rng.random((4,) + shape)
    het = a != b
    failed = u[0] < fail
    drop = het & (u[1] < ado)
    fa_p = np.where(het, fa / np.maximum(1.0 - ado, 1e-12), fa)
    false = ~drop & (u[2] < fa_p)
    keep_first = u[3] < 0.5
    c1 = np.where(drop, np.where(keep_first, a, b), a)
    c2 = np.where(drop, np.where(keep_first, a, b), b)
    # false allele: replace one copy by a size one repeat step beside it, not a true allele
    step = np.broadcast_to(np.asarray(steps)[None, :, None], shape)
    sign = np.where(rng.random(shape) < 0.5, -1, 1)
    replaced = np.where(het & keep_first, b, a)  # homozygotes: one copy of a
    kept = np.where(het & keep_first, a, np.where(het, b, a))
    f = replaced + sign * step
    clash = (f == a) | (f == b)
    f = np.where(clash, replaced - sign * step, f)
    clash = (f == a) | (f == b)
    f = np.where(clash, np.maximum(a, b) + step, f)
    c1 = np.where(false, kept, c1)
    c2 = np.where(false, f, c2)
    out = np.stack([c1, c2], axis=-1)
    out[failed | ~attempted] = MISSING
    return out, attempted


def junk_replicates(n_reps: np.ndarray, loci: list[dict], amplify: np.ndarray, seed):
    """Replicates of other species' scats: amplification with probability ``amplify`` per
    sample, alleles drawn at random over the locus' size range (cross-species junk); the
    sex marker gives X/Y sizes at random."""
    rng = np.random.default_rng(seed)
    n_s = len(n_reps)
    n_l = len(loci) + 1
    r = int(max(np.max(n_reps), 1)) if n_s else 1
    shape = (n_s, n_l, r)
    attempted = np.broadcast_to(np.arange(r)[None, None, :] < np.asarray(n_reps)[:, None, None],
                                shape).copy()
    out = np.full(shape + (2,), MISSING, dtype=np.int64)
    ok = (rng.random(shape) < np.asarray(amplify)[:, None, None]) & attempted
    for j, loc in enumerate(loci):
        lo, hi = loc["sizes"].min() - 4 * loc["step"], loc["sizes"].max() + 4 * loc["step"]
        nsteps = (hi - lo) // loc["step"] + 1
        x = lo + loc["step"] * rng.integers(0, nsteps, size=(n_s, r, 2))
        out[:, j][ok[:, j]] = np.sort(x, axis=-1)[ok[:, j]]
    sexy = np.where(rng.random((n_s, r)) < 0.5, AMEL_Y, AMEL_X)
    out[:, -1, :, 0] = np.where(ok[:, -1], sexy, MISSING)
    out[:, -1, :, 1] = np.where(ok[:, -1], AMEL_X, MISSING)
    return out, attempted


def sizes_to_replicates(sizes: np.ndarray, attempted: np.ndarray, samples, loci) -> Replicates:
    """A ``Replicates`` from allele sizes (samples, loci, reps, 2), -1 = missing."""
    calls = np.full(sizes.shape, MISSING, dtype=np.int32)
    labels = []
    for j in range(sizes.shape[1]):
        s = sizes[:, j]
        uniq = np.unique(s[s >= 0])
        calls[:, j] = np.where(s >= 0, np.searchsorted(uniq, s), MISSING)
        labels.append(uniq.astype(np.int64))
    return Replicates(calls, attempted, samples, loci, tuple(labels))


def count_errors(obs: np.ndarray, true: np.ndarray, attempted: np.ndarray) -> dict:
    """Realised error counts against the truth (Broquet & Petit 2004).

    ``obs`` (n, loci, reps, 2) and ``true`` (n, loci, 2) sizes. A dropout is a successful
    amplification of a heterozygote showing only one of its true alleles (as a homozygote);
    a false allele is any called allele not in the true genotype. ADO = dropouts / successful
    amplifications of heterozygotes; FA = amplifications with a false allele / successful
    amplifications.
    """
    amp = attempted & (obs[..., 0] >= 0)
    a = true[:, :, None, 0]
    b = true[:, :, None, 1]
    het = (a != b) & amp
    in_true = (obs == a[..., None]) | (obs == b[..., None])
    false = amp & ~in_true.all(axis=-1)
    drop = het & (obs[..., 0] == obs[..., 1]) & in_true.all(axis=-1)
    n_het, n_drop = int(het.sum()), int(drop.sum())
    n_amp, n_false = int(amp.sum()), int(false.sum())
    return {"n_het_amplifications": n_het, "n_dropouts": n_drop,
            "ado_rate": n_drop / n_het if n_het else np.nan,
            "n_amplifications": n_amp, "n_false_alleles": n_false,
            "fa_rate": n_false / n_amp if n_amp else np.nan}


# ============================================================================ mtDNA
_TRANSITION = {"A": "G", "G": "A", "C": "T", "T": "C"}
_BASES = np.array(list("ACGT"))


def mutate(seq: np.ndarray, fraction: float, rng, n: int | None = None) -> np.ndarray:
    """Substitute ``n`` (default round(fraction * len)) distinct sites; 70% transitions."""
    seq = seq.copy()
    n = int(round(fraction * seq.size)) if n is None else n
    sites = rng.choice(seq.size, size=min(n, seq.size), replace=False)
    for s in sites:
        if rng.random() < 0.7:
            seq[s] = _TRANSITION[seq[s]]
        else:
            seq[s] = rng.choice([x for x in "ACGT" if x != seq[s] and x != _TRANSITION[seq[s]]])
    return seq


def mtdna_panel(p: SimParams, seed) -> dict[str, list[np.ndarray]]:
    """Synthetic cytb-like reference haplotypes per species, along a fixed species tree."""
    rng = np.random.default_rng(seed)
    root = rng.choice(_BASES, size=p.mtdna_length, p=[0.30, 0.30, 0.13, 0.27])
    felid = mutate(root, 0.05, rng)
    canid = mutate(root, 0.05, rng)
    panthera = mutate(felid, 0.02, rng)
    species = {
        "Panthera_pardus": mutate(panthera, 0.045, rng),
        "Panthera_tigris": mutate(panthera, 0.045, rng),
        "Lynx_lynx": mutate(felid, 0.06, rng),
        "Prionailurus_bengalensis": mutate(felid, 0.06, rng),
        "Canis_familiaris": mutate(canid, 0.05, rng),
        "Vulpes_vulpes": mutate(canid, 0.05, rng),
    }
    panel = {}
    for sp, seq in species.items():
        k = p.n_haplotypes_target if sp == TARGET_SPECIES else p.n_haplotypes_other
        panel[sp] = [mutate(seq, rng.uniform(0.0025, 0.01), rng) for _ in range(k)]
    return panel


def maternal_haplotypes(ped: pd.DataFrame, n_haplotypes: int, seed) -> np.ndarray:
    """Haplotype index of every animal: founders at random, offspring their dam's."""
    rng = np.random.default_rng(seed)
    s, d = parent_idx(ped)
    freqs = rng.dirichlet(np.ones(n_haplotypes))
    h = np.zeros(len(ped), dtype=np.int64)
    for i in range(len(ped)):
        h[i] = h[d[i]] if d[i] >= 0 else rng.choice(n_haplotypes, p=freqs)
    return h


def barcodes(samples: pd.DataFrame, hap_of: dict, panel: dict, quality: np.ndarray,
             p: SimParams, seed) -> dict[str, str]:
    """Observed barcode of every scat (failed ones absent): the true haplotype (other species:
    a panel haplotype with 0-3 extra substitutions) with sequencing errors and trimmed ends."""
    rng = np.random.default_rng(seed)
    out = {}
    mean_h = beta_moments(p.quality_beta_a, p.quality_beta_b)[0]
    for k, row in enumerate(samples.itertuples(index=False)):
        if row.sample_type != "scat":
            continue
        if rng.random() < min(1.0, p.mtdna_fail_scat * (1 - quality[k]) / mean_h):
            continue
        if row.species == TARGET_SPECIES:
            seq = panel[TARGET_SPECIES][hap_of[row.individual_id]]
        else:
            seq = panel[row.species][int(rng.integers(len(panel[row.species])))]
            seq = mutate(seq, 0.0, rng, n=int(rng.integers(0, 4)))
        n_err = rng.binomial(seq.size, p.mtdna_error_rate)
        seq = mutate(seq, 0.0, rng, n=int(n_err))
        t1, t2 = rng.integers(0, p.mtdna_max_trim + 1, 2)
        out[row.sample_id] = "".join(seq[t1:seq.size - t2])
    return out


def write_fasta(records: dict[str, str], path, width: int = 60) -> None:
    """FASTA, sequences wrapped at ``width``, in the given order, atomically."""
    with atomic_open(path, "w", encoding="utf-8") as fh:
        for name, seq in records.items():
            fh.write(f">{name}\n")
            for i in range(0, len(seq), width):
                fh.write(seq[i:i + width] + "\n")


# ============================================================================= SNPs
def chromosome_layout(p: SimParams) -> pd.DataFrame:
    """Chromosomes with lengths (cM, bp at 1 cM/Mb) and SNP counts (longer ones first)."""
    w = np.linspace(1.4, 0.6, p.n_chromosomes)
    w = w / w.sum()
    cm = p.genome_length_cm * w
    n = np.floor(p.n_snps * w).astype(int)
    n[: p.n_snps - n.sum()] += 1
    return pd.DataFrame({"chrom": [f"chr{i + 1}" for i in range(p.n_chromosomes)],
                         "length_cm": cm, "length_bp": np.round(cm * 1e6).astype(np.int64),
                         "n_snps": n})


def founder_haplotypes(n_genomes: int, n_snps: int, morgans_pos: np.ndarray, length_m: float,
                       n_ancestral: int, switch_per_morgan: float, seed) -> np.ndarray:
    """Founder haplotypes (n_genomes, n_snps) of 0/1: mosaics of a few ancestral haplotypes.

    Ancestral allele frequencies ~ Beta(0.5, 0.5), every SNP polymorphic among the ancestral
    haplotypes; switch points between ancestral sources follow a Poisson process with
    ``switch_per_morgan`` per Morgan, which gives linkage disequilibrium over a few cM.
    """
    rng = np.random.default_rng(seed)
    freq = rng.beta(0.5, 0.5, n_snps)
    anc = (rng.random((n_ancestral, n_snps)) < freq[None, :]).astype(np.int8)
    mono = (anc.sum(axis=0) == 0) | (anc.sum(axis=0) == n_ancestral)
    if mono.any():  # make every SNP polymorphic: flip one random ancestral haplotype
        rows = rng.integers(0, n_ancestral, mono.sum())
        cols = np.flatnonzero(mono)
        anc[rows, cols] = 1 - anc[rows, cols]
    out = np.empty((n_genomes, n_snps), dtype=np.int8)
    for g in range(n_genomes):
        k = rng.poisson(switch_per_morgan * length_m)
        cuts = np.sort(rng.uniform(0, length_m, k))
        src = rng.integers(0, n_ancestral, k + 1)
        seg = np.searchsorted(cuts, morgans_pos)
        out[g] = anc[src[seg], np.arange(n_snps)]
    return out


def drop_chromosome(sire_idx, dam_idx, morgans_pos: np.ndarray, length_m: float,
                    seed) -> np.ndarray:
    """Founder-genome labels (n_individuals, 2, n_snps) dropped through the pedigree with
    recombination (Haldane: Poisson(length_m) crossovers at uniform positions per meiosis).

    Founder i carries labels 2i and 2i+1 (in founder order); label equality = IBD.
    Copy 0 comes from the sire, copy 1 from the dam.
    """
    rng = np.random.default_rng(seed)
    n = len(sire_idx)
    m = morgans_pos.size
    lab = np.full((n, 2, m), -1, dtype=np.int32)
    k = 0
    for i in range(n):
        if sire_idx[i] < 0:
            lab[i, 0] = 2 * k
            lab[i, 1] = 2 * k + 1
            k += 1
            continue
        for c, par in enumerate((sire_idx[i], dam_idx[i])):
            x = rng.poisson(length_m)
            cuts = np.sort(rng.uniform(0, length_m, x))
            start = rng.integers(0, 2)
            which = (start + np.searchsorted(cuts, morgans_pos)) % 2
            lab[i, c] = np.where(which == 0, lab[par, 0], lab[par, 1])
    return lab


def simulate_snps(ped: pd.DataFrame, p: SimParams, seed) -> dict:
    """SNP truth for every animal: per chromosome positions, REF/ALT, founder-genome labels and
    allele dosages. Returns {'layout', 'chrom', 'pos', 'ref', 'alt', 'labels', 'haps'}.
    ``haps`` (n_individuals, 2, n_snps) of 0/1 over the whole genome."""
    rng = np.random.default_rng(seed)
    s, d = parent_idx(ped)
    lay = chromosome_layout(p)
    n_found = int((s < 0).sum())
    chrom, pos, labels, haps = [], [], [], []
    for row in lay.itertuples(index=False):
        nn = int(row.n_snps)
        if nn == 0:
            continue
        pp = np.sort(rng.choice(int(row.length_bp), nn, replace=False)) + 1
        morg = pp / row.length_bp * row.length_cm / 100.0
        length_m = row.length_cm / 100.0
        fh = founder_haplotypes(2 * n_found, nn, morg, length_m, p.n_ancestral_haplotypes,
                                p.ancestral_switch_per_morgan, rng)
        lab = drop_chromosome(s, d, morg, length_m, rng)
        chrom.append(np.full(nn, row.chrom, dtype=object))
        pos.append(pp)
        labels.append(lab)
        haps.append(fh[lab, np.arange(nn)[None, None, :]])
    n_total = int(sum(x.size for x in pos))
    ref = rng.choice(_BASES, n_total)
    alt = np.array([rng.choice([b for b in "ACGT" if b != r]) for r in ref])
    return {"layout": lay, "chrom": np.concatenate(chrom) if chrom else np.array([]),
            "pos": np.concatenate(pos) if pos else np.array([], dtype=np.int64),
            "ref": ref, "alt": alt,
            "labels": np.concatenate(labels, axis=2) if labels else None,
            "haps": np.concatenate(haps, axis=2) if haps else None}


def ibd_segments(labels: np.ndarray, chrom: np.ndarray, pos: np.ndarray, ids) -> pd.DataFrame:
    """Autozygous (IBD) runs of each animal: both copies descend from one founder genome."""
    rows = []
    for i, name in enumerate(ids):
        auto = labels[i, 0] == labels[i, 1]
        for c in pd.unique(chrom):
            sel = np.flatnonzero(chrom == c)
            a = auto[sel].astype(np.int8)
            edges = np.diff(np.concatenate([[0], a, [0]]))
            starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
            for s0, e0 in zip(starts, ends, strict=True):
                rows.append((name, c, int(pos[sel][s0]), int(pos[sel][e0]), int(e0 - s0 + 1)))
    return pd.DataFrame(rows, columns=["individual_id", "chrom", "start", "end", "n_snps"])


def snp_genotypes(snps: dict, rows: np.ndarray, sample_ids) -> Genotypes:
    """Genotypes of selected animals (rows of the pedigree) as a SNP ``Genotypes``."""
    h = snps["haps"][rows]  # (n, 2, m)
    calls = np.sort(h.transpose(0, 2, 1), axis=-1).astype(np.int32)  # unphased: 0/1
    loci = [f"{c}:{q}" for c, q in zip(snps["chrom"], snps["pos"], strict=True)]
    alleles = tuple(np.array([r, a], dtype=object) for r, a in
                    zip(snps["ref"], snps["alt"], strict=True))
    return Genotypes(calls, sample_ids, loci, alleles)


def write_snp_vcf(g: Genotypes, path, chrom, pos) -> None:
    """Write the simulated SNPs as a bgzipped, tabix-indexed VCF."""
    from leogen.io.vcf import write_vcf

    write_vcf(g, path, chrom=chrom, pos=pos, index=True)


# ========================================================================== disease
def simulate_infection(ped: pd.DataFrame, f: np.ndarray, p: SimParams, seed) -> pd.DataFrame:
    """Yearly infections of every animal-year alive (all simulated years).

    P(infection in year) = logistic(logit(incidence) + inbreeding_effect * F); for FIV and
    FeLV infection persists once acquired; exposed_ever = infected in this or any earlier
    year. Returns individual_id, pathogen, year, infected, exposed_ever.
    """
    rng = np.random.default_rng(seed)
    years = np.arange(p.start_year, p.end_year + 1)
    alive = alive_matrix(ped, years)
    ids = ped["individual_id"].to_numpy()
    frames = []
    for pth in PATHOGENS:
        inc = p.incidence[pth]
        if inc <= 0:
            prob = np.zeros(len(ped))
        else:
            eta = math.log(inc / (1 - inc)) + p.inbreeding_effect * f
            prob = 1.0 / (1.0 + np.exp(-eta))
        new = (rng.random(alive.shape) < prob[:, None]) & alive
        ever = np.cumsum(new, axis=1) > 0
        infected = ever if pth in PERSISTENT else new
        i, y = np.nonzero(alive)
        frames.append(pd.DataFrame({"individual_id": ids[i], "pathogen": pth,
                                    "year": years[y], "infected": infected[i, y].astype(int),
                                    "exposed_ever": ever[i, y].astype(int)}))
    return pd.concat(frames, ignore_index=True)


def _titer(x: int) -> str:
    return f"1:{x}"


def screening_tests(samples: pd.DataFrame, infection: pd.DataFrame, p: SimParams,
                    seed) -> pd.DataFrame:
    """Serology of every blood sample (all pathogens) and T. gondii PCR of some scats.

    The observed result is positive with probability = sensitivity when the assay's true
    state holds, 1 - specificity otherwise; a share ``p_equivocal`` is equivocal (titre one
    dilution below the cut-off). Titres: positives cut-off x 2^Poisson(1.5), negatives
    below the start dilution mostly, else one dilution under the cut-off.
    """
    rng = np.random.default_rng(seed)
    key = infection.set_index(["individual_id", "pathogen", "year"])
    rows = []

    def state(ind, pth, year, what):
        if ind is None or (isinstance(ind, float) and np.isnan(ind)):
            return 0
        try:
            r = key.loc[(ind, pth, year)]
        except KeyError:
            return 0
        return int(r["exposed_ever"] if what == "exposed" else r["infected"])

    def result(true, a):
        if rng.random() < p.p_equivocal:
            return "equivocal"
        pos = rng.random() < (a["sensitivity"] if true else 1 - a["specificity"])
        return "positive" if pos else "negative"

    def titer(res, a):
        start, cut = int(a.get("titer_start", 0)), int(a.get("cutoff", 0))
        if not start:
            return ""
        if res == "positive":
            return _titer(cut * 2 ** int(rng.poisson(1.5)))
        if res == "equivocal":
            return _titer(max(start, cut // 2))
        if cut // 2 >= start and rng.random() < 0.3:
            return _titer(cut // 2)
        return f"<1:{start}"

    for row in samples.itertuples(index=False):
        year = int(row.date[:4])
        if row.sample_type == "blood":
            for pth in PATHOGENS:
                a = p.assays[pth]
                res = result(state(row.individual_id, pth, year, a["state"]), a)
                cut = int(a.get("cutoff", 0))
                rows.append({"sample_id": row.sample_id, "date": row.date, "pathogen": pth,
                             "assay": a["assay"], "result": res, "titer": titer(res, a),
                             "sensitivity": a["sensitivity"], "specificity": a["specificity"],
                             "lab": a.get("lab", ""), "cutoff": _titer(cut) if cut else ""})
    scats = samples[samples["sample_type"] == "scat"]
    n_pcr = int(round(p.scat_pcr_fraction * len(scats)))
    chosen = np.sort(rng.choice(len(scats), n_pcr, replace=False)) if n_pcr else []
    a = p.scat_pcr
    for k in chosen:
        row = scats.iloc[k]
        ind = row["individual_id"] if row["species"] == TARGET_SPECIES else None
        res = result(state(ind, a["pathogen"], int(row["date"][:4]), a["state"]), a)
        rows.append({"sample_id": row["sample_id"], "date": row["date"],
                     "pathogen": a["pathogen"], "assay": a["assay"], "result": res, "titer": "",
                     "sensitivity": a["sensitivity"], "specificity": a["specificity"],
                     "lab": a.get("lab", ""), "cutoff": ""})
    cols = ["sample_id", "date", "pathogen", "assay", "result", "titer", "sensitivity",
            "specificity", "lab", "cutoff"]
    return pd.DataFrame(rows, columns=cols).sort_values(["sample_id", "pathogen"],
                                                        kind="stable").reset_index(drop=True)


# ====================================================================== monitoring truth
def equivalent_generations(sire_idx, dam_idx) -> np.ndarray:
    """Equivalent complete generations of every animal (Maignel, Boichard & Verrier 1996):
    t_i = sum over known ancestors of (1/2)^g, g = generations back; founders 0. Recursively
    t_i = (t_sire + 1) / 2 + (t_dam + 1) / 2, a missing parent contributing 0."""
    s, d = np.asarray(sire_idx), np.asarray(dam_idx)
    t = np.zeros(s.size)
    for i in topological_order(s, d):
        t[i] = (0.5 * (t[s[i]] + 1.0) if s[i] >= 0 else 0.0) + \
            (0.5 * (t[d[i]] + 1.0) if d[i] >= 0 else 0.0)
    return t


def individual_delta_f(f: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Individual increase in inbreeding (Gutierrez, Cervantes, Molina, Valera & Goyache 2008,
    Genet Sel Evol 40:359): dF_i = 1 - (1 - F_i)^(1 / (t_i - 1)); NaN where t_i <= 1."""
    f, t = np.asarray(f, float), np.asarray(t, float)
    out = np.full(f.size, np.nan)
    ok = t > 1.0
    out[ok] = 1.0 - (1.0 - f[ok]) ** (1.0 / (t[ok] - 1.0))
    return out


def true_ne(ped: pd.DataFrame, f: np.ndarray, years, study_years=None) -> pd.DataFrame:
    """Realised (inbreeding) effective size from the pedigree, per year and over the study.

    Ne = 1 / (2 mean dF_i) over the animals alive in the year (or in any study year, row
    ``all``) with more than one equivalent complete generation (Gutierrez et al. 2008, 2009:
    the individual increase in inbreeding, dF_i above; Ne = 1/(2 dF), Falconer & Mackay 1996
    eq. 4.2). NA where no animal is informative or mean dF_i <= 0.
    Columns: period, n_alive, n_informative, mean_f, mean_equivalent_generations,
    mean_delta_f, ne.
    """
    s, d = parent_idx(ped)
    t = equivalent_generations(s, d)
    dfi = individual_delta_f(f, t)
    years = np.asarray(years)
    alive = alive_matrix(ped, years)
    cols = [alive[:, k] for k in range(years.size)]
    labels = [str(y) for y in years]
    if study_years is not None:
        cols.append(alive_matrix(ped, np.asarray(study_years)).any(axis=1))
        labels.append("all")
    rows = []
    for lab, a in zip(labels, cols, strict=True):
        inf = a & np.isfinite(dfi)
        mdf = float(dfi[inf].mean()) if inf.any() else np.nan
        rows.append({"period": lab, "n_alive": int(a.sum()), "n_informative": int(inf.sum()),
                     "mean_f": float(f[a].mean()) if a.any() else np.nan,
                     "mean_equivalent_generations": float(t[a].mean()) if a.any() else np.nan,
                     "mean_delta_f": mdf,
                     "ne": 1.0 / (2.0 * mdf) if mdf > 0 else np.nan})
    return pd.DataFrame(rows)


def camera_stations(p: SimParams, seed) -> pd.DataFrame:
    """``n_camera_stations`` camera stations spread along the sampling transect."""
    rng = np.random.default_rng(seed)
    n = p.n_camera_stations
    t = (np.arange(n) + rng.uniform(0.3, 0.7, n)) / max(n, 1)
    off = rng.normal(0.0, 0.08, n)
    lat = np.clip(p.lat_min + (t + off) * (p.lat_max - p.lat_min), p.lat_min, p.lat_max)
    lon = np.clip(p.lon_min + (t - off) * (p.lon_max - p.lon_min), p.lon_min, p.lon_max)
    return pd.DataFrame({"station": [f"CAM{i + 1:02d}" for i in range(n)], "lat": lat,
                         "lon": lon})


def camera_detections(ped: pd.DataFrame, samples: pd.DataFrame, stations: pd.DataFrame,
                      p: SimParams, seed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Camera-trap detections of a subset of the animals; returns (detections, aliases).

    A share ``camera_fraction`` of the animals is photographable (coat pattern readable);
    each is photographed Poisson(``camera_rate``) times per study year in which it is alive
    and at least ``min_age_sampled`` old, at a station drawn by the Gaussian home-range
    weights (``home_range_sd_km``) around the mean position of its scats (or a random point
    on the transect if it left none), on a random day of the year within the sample sheet's
    date range (so detections fall inside the study period). Detections: ``date, station,
    individual_id`` (camera id ``CT-01``, ... in order of first detection), ``lat, lon``;
    aliases: ``camera_id, individual_id`` (the true animal id).
    """
    rng = np.random.default_rng(seed)
    det_cols = ["date", "station", "individual_id", "lat", "lon"]
    empty = (pd.DataFrame(columns=det_cols), pd.DataFrame(columns=["camera_id", "individual_id"]))
    years = np.arange(p.end_year - p.study_years + 1, p.end_year + 1)
    age = years[None, :] - ped["birth_year"].to_numpy()[:, None]
    eligible = alive_matrix(ped, years) & (age >= p.min_age_sampled)
    n = len(ped)
    photo = rng.random(n) < p.camera_fraction
    counts = rng.poisson(p.camera_rate * (eligible & photo[:, None]))
    if len(stations) == 0 or counts.sum() == 0:
        return empty
    ids = ped["individual_id"].to_numpy()
    leo = samples[samples["individual_id"].notna()]
    mean_xy = leo.groupby("individual_id")[["lat", "lon"]].mean()
    tt = rng.uniform(0.0, 1.0, n)
    centres = pd.DataFrame({"lat": p.lat_min + tt * (p.lat_max - p.lat_min),
                            "lon": p.lon_min + tt * (p.lon_max - p.lon_min)}, index=ids)
    have = centres.index.isin(mean_xy.index)
    centres.loc[have, ["lat", "lon"]] = mean_xy.loc[centres.index[have]].to_numpy()
    w = site_weights(centres.reset_index(drop=True), stations, p.home_range_sd_km)
    ind, yr = np.nonzero(counts)
    reps = counts[ind, yr]
    ind, yr = np.repeat(ind, reps), np.repeat(yr, reps)
    st = np.array([rng.choice(len(stations), p=w[i]) for i in ind], dtype=np.int64)
    dates = pd.to_datetime(samples["date"])
    lo_all, hi_all = dates.min(), dates.max()
    y = years[yr]
    lo = np.maximum(pd.to_datetime(pd.Series(y.astype(str)) + "-01-01").to_numpy(),
                    lo_all.to_datetime64())
    hi = np.minimum(pd.to_datetime(pd.Series(y.astype(str)) + "-12-31").to_numpy(),
                    hi_all.to_datetime64())
    span = ((hi - lo) / np.timedelta64(1, "D")).astype(np.int64) + 1
    day = np.floor(rng.random(ind.size) * np.maximum(span, 1)).astype(np.int64)
    day_dates = pd.Series(lo + day.astype("timedelta64[D]")).dt.strftime("%Y-%m-%d")
    det = pd.DataFrame({"date": day_dates.to_numpy(), "station": stations["station"].to_numpy()[st],
                        "true_id": ids[ind], "lat": stations["lat"].to_numpy()[st],
                        "lon": stations["lon"].to_numpy()[st]})
    det = det.sort_values(["date", "station", "true_id"], kind="stable").reset_index(drop=True)
    order = pd.unique(det["true_id"])
    width = max(2, len(str(order.size)))
    cam = {a: f"CT-{k + 1:0{width}d}" for k, a in enumerate(order)}
    det["individual_id"] = det["true_id"].map(cam)
    aliases = pd.DataFrame({"camera_id": [cam[a] for a in order], "individual_id": order})
    return det[det_cols], aliases


def genetic_camera_aliases(aliases_true: pd.DataFrame, samples_truth: pd.DataFrame,
                           sample_individual: pd.DataFrame) -> pd.DataFrame:
    """Alias table ``camera_id, individual_id`` with GENETIC ids, for ``leogen abundance
    --aliases`` on simulated data: each true animal gets the genetic id most of its samples
    were assigned (``identify/sample_individual.tsv``; ties: the first id in sort order);
    camera ids of animals never identified genetically are left out (their camera rows
    must be dropped from the detection sheet, as ``leogen abundance`` rejects unknown ids).
    """
    si = sample_individual[["sample_id", "individual_id"]].rename(
        columns={"individual_id": "genetic_id"})
    si = si[si["genetic_id"].notna() & ~si["genetic_id"].astype(str).isin(["", "NA"])]
    m = samples_truth[["sample_id", "individual_id"]].dropna().merge(si, on="sample_id")
    counts = m.groupby(["individual_id", "genetic_id"]).size().reset_index(name="n")
    counts = counts.sort_values(["individual_id", "n", "genetic_id"],
                                ascending=[True, False, True], kind="stable")
    best = counts.drop_duplicates("individual_id").set_index("individual_id")["genetic_id"]
    out = aliases_true[["camera_id"]].assign(
        individual_id=aliases_true["individual_id"].map(best))
    return out.dropna().reset_index(drop=True)


# ============================================================================ driver
def _fmt_coord(x) -> list[str]:
    return [f"{v:.5f}" for v in x]


def simulate(params: SimParams | dict | None, seed: int, out_dir) -> dict:
    """Simulate a population and write the example inputs and ``truth/`` to ``out_dir``.

    Returns a small summary dict (counts, realised rates, file list).
    """
    p = as_params(params)
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"seed must be a non-negative whole number, got {seed!r}")
    out = Path(out_dir)
    truth = out / "truth"
    ss = np.random.SeedSequence(int(seed)).spawn(15)

    ped = simulate_pedigree(p, ss[0])
    s, d = parent_idx(ped)
    kin = kinship_matrix(s, d)
    f = inbreeding_coefficients(s, d, kin)
    rel = relationship_matrix(s, d)

    loci = make_loci(p, ss[1])
    true_sizes = true_microsats(ped, loci, ss[2])
    locus_names = [loc["name"] for loc in loci] + [p.sex_marker]

    sites = make_sites(p, ss[3])
    samples = sample_animals(ped, sites, p, ss[4])
    rates = sample_error_rates(samples, p, ss[5])
    row_of = pd.Series(np.arange(len(ped)), index=ped["individual_id"])
    is_target = (samples["species"] == TARGET_SPECIES).to_numpy()
    n_reps = np.where(samples["sample_type"] == "scat", p.n_replicates_scat,
                      p.n_replicates_blood)
    steps = np.array([loc["step"] for loc in loci] + [AMEL_X - AMEL_Y])
    tgt = np.flatnonzero(is_target)
    ind_rows = row_of[samples["individual_id"].to_numpy()[tgt]].to_numpy()
    gsub = np.random.default_rng(ss[6])
    obs_t, att_t = genotype_replicates(true_sizes[ind_rows], n_reps[tgt],
                                       rates.iloc[tgt].reset_index(drop=True), steps, gsub,
                                       sex_locus=len(loci))
    oth = np.flatnonzero(~is_target)
    amp = np.where(samples["species"].iloc[oth].isin(FELIDS), p.other_felid_amplification,
                   p.other_canid_amplification)
    obs_o, att_o = junk_replicates(n_reps[oth], loci, amp, gsub)
    r = max(obs_t.shape[2], obs_o.shape[2])
    obs = np.full((len(samples), len(locus_names), r, 2), MISSING, dtype=np.int64)
    att = np.zeros((len(samples), len(locus_names), r), dtype=bool)
    obs[tgt, :, : obs_t.shape[2]] = obs_t
    att[tgt, :, : att_t.shape[2]] = att_t
    obs[oth, :, : obs_o.shape[2]] = obs_o
    att[oth, :, : att_o.shape[2]] = att_o
    reps = sizes_to_replicates(obs, att, samples["sample_id"], locus_names)

    # realised error rates over autosomal loci of leopard samples
    err_rows = []
    types = samples["sample_type"].to_numpy()[tgt]
    auto = slice(0, len(loci))
    for st in ["scat", "blood", "all"]:
        sel = np.ones(tgt.size, bool) if st == "all" else types == st
        c = count_errors(obs_t[sel][:, auto], true_sizes[ind_rows][sel][:, auto],
                         att_t[sel][:, auto])
        err_rows.append({"sample_type": st, **c})
    errors = pd.DataFrame(err_rows)

    # mtDNA
    panel = mtdna_panel(p, ss[7])
    hap = maternal_haplotypes(ped, p.n_haplotypes_target, ss[10])
    hap_of = dict(zip(ped["individual_id"], hap, strict=True))
    bars = barcodes(samples, hap_of, panel, rates["dna_quality"].to_numpy(), p, ss[11])
    reference = {f"{sp}|H{k + 1}": "".join(seq) for sp in sorted(panel)
                 for k, seq in enumerate(panel[sp])}

    # disease
    infection = simulate_infection(ped, f, p, ss[8])
    screening = screening_tests(samples, infection, p, ss[12])

    # camera traps
    stations = camera_stations(p, ss[13])
    cam_det, cam_alias = camera_detections(ped, samples, stations, p, ss[14])

    # ------------------------------------------------------------------ write inputs
    sheet = pd.DataFrame({
        "sample_id": samples["sample_id"], "sample_type": samples["sample_type"],
        "date": samples["date"], "site": samples["site"],
        "lat": _fmt_coord(samples["lat"]), "lon": _fmt_coord(samples["lon"]),
        "individual_hint": np.where(samples["sample_type"] == "blood",
                                    samples["individual_id"].fillna(""), ""),
        "sex": samples["sex"], "age_class": samples["age_class"],
        "collector": samples["collector"]})
    write_table(sheet, out / "samples.tsv")
    write_long(reps, out / "genotypes.tsv")
    write_table(screening, out / "screening.tsv")
    write_fasta(bars, out / "mtdna.fasta")
    write_fasta(reference, out / "mtdna_reference.fasta")
    write_table(cam_det.assign(lat=_fmt_coord(cam_det["lat"]), lon=_fmt_coord(cam_det["lon"])),
                out / "camera_traps.tsv")

    # ------------------------------------------------------------------- write truth
    sampled = np.zeros(len(ped), bool)
    sampled[ind_rows] = True
    ped_out = ped[["individual_id", "sire", "dam", "sex", "birth_year", "death_year",
                   "founder"]].copy()
    ped_out["f_pedigree"] = f
    write_table(ped_out, truth / "pedigree.tsv")
    write_table(kinship_pairs(ped["individual_id"].to_numpy(), kin, rel, sampled),
                truth / "kinship.tsv")
    srow = np.flatnonzero(sampled)
    gt_true = sizes_to_replicates(true_sizes[srow][:, :, None, :],
                                  np.ones((srow.size, len(locus_names), 1), bool),
                                  ped["individual_id"].to_numpy()[srow], locus_names)
    write_long(gt_true, truth / "genotypes_true.tsv")
    st = pd.DataFrame({"sample_id": samples["sample_id"],
                       "individual_id": samples["individual_id"],
                       "species": samples["species"], "sample_type": samples["sample_type"],
                       "dna_quality": rates["dna_quality"], "dropout_rate": rates["dropout_rate"],
                       "false_allele_rate": rates["false_allele_rate"]})
    write_table(st, truth / "samples_truth.tsv")
    write_table(errors, truth / "error_rates.tsv")
    study = np.arange(p.end_year - p.study_years + 1, p.end_year + 1)
    write_table(infection[infection["year"].isin(study)].sort_values(
        ["individual_id", "pathogen", "year"], kind="stable"), truth / "infection.tsv")
    write_table(census(ped, p), truth / "census.tsv")
    write_table(sites.assign(lat=_fmt_coord(sites["lat"]), lon=_fmt_coord(sites["lon"])),
                truth / "sites.tsv")
    write_table(pd.DataFrame({"individual_id": ped["individual_id"], "mt_haplotype":
                              [f"{TARGET_SPECIES}|H{h + 1}" for h in hap]}),
                truth / "mt_haplotypes.tsv")
    write_table(true_ne(ped, f, np.arange(p.start_year, p.end_year + 1), study),
                truth / "ne.tsv")
    write_table(cam_alias, truth / "camera_aliases_true.tsv")
    write_table(stations.assign(lat=_fmt_coord(stations["lat"]),
                                lon=_fmt_coord(stations["lon"])), truth / "camera_stations.tsv")

    # SNPs last
    vcf_writer = "none"
    for stale in (out / "snps.vcf.gz", out / "snps.vcf.gz.tbi"):
        stale.unlink(missing_ok=True)  # a rerun without SNPs must not leave an old VCF
    blood = samples[samples["sample_type"] == "blood"].drop_duplicates("individual_id")
    if p.n_snps and len(blood):
        snps = simulate_snps(ped, p, ss[9])
        brow = row_of[blood["individual_id"].to_numpy()].to_numpy()
        g = snp_genotypes(snps, brow, blood["sample_id"].to_numpy())
        write_snp_vcf(g, out / "snps.vcf.gz", snps["chrom"], snps["pos"])
        vcf_writer = "leogen.io.vcf"
        lab = snps["labels"][brow]
        het = (g.calls[..., 0] != g.calls[..., 1]).mean(axis=1)
        write_table(pd.DataFrame({
            "sample_id": blood["sample_id"].to_numpy(),
            "individual_id": blood["individual_id"].to_numpy(),
            "f_pedigree": f[brow],
            "f_ibd": (lab[:, 0] == lab[:, 1]).mean(axis=1),
            "snp_heterozygosity": het}), truth / "snp_truth.tsv")
        seg = ibd_segments(lab, snps["chrom"], snps["pos"], blood["sample_id"].to_numpy())
        write_table(seg.rename(columns={"individual_id": "sample_id"}),
                    truth / "ibd_segments.tsv")

    sd_f = float(np.std(f[sampled])) if sampled.any() else 0.0
    meta = {"seed": int(seed), **p.to_dict(),
            "derived": {"inbreeding_effect_log_odds_per_unit_f": p.inbreeding_effect,
                        "inbreeding_effect_log_odds_per_sd_f_sampled": p.inbreeding_effect * sd_f,
                        "sd_f_sampled": sd_f,
                        "error_constants": error_constants(p.quality_beta_a, p.quality_beta_b,
                                                           p.fail_scat, p.ado_scat, p.fa_scat),
                        "vcf_writer": vcf_writer}}
    with atomic_open(truth / "params.yaml", "w", encoding="utf-8") as fh:
        yaml.safe_dump(_plain(meta), fh, sort_keys=False, default_flow_style=None)

    return {"n_animals": len(ped), "n_sampled": int(sampled.sum()),
            "n_samples": len(samples), "n_scats": int((samples["sample_type"] == "scat").sum()),
            "n_blood_animals": int(blood["individual_id"].nunique()),
            "n_other_species": int((~is_target).sum()), "errors": errors,
            "vcf_writer": vcf_writer, "f_max": float(f.max()),
            "n_camera_detections": len(cam_det), "n_camera_animals": len(cam_alias)}


def _plain(x):
    """Python builtins only, for a deterministic safe YAML dump."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        return float(x)
    return x
