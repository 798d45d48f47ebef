"""Parameters of the simulator (``SimParams``) and the constants every sub-model shares.

Every rate of every sub-model is a field of ``SimParams`` with its default; docs/simulate.md
lists them with their meaning. Parameters come from the defaults, then a YAML mapping
(``read_params_file``; a previous run's ``truth/params.yaml`` works), then explicit values.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from leogen.errors import InputError

#: seed of a run when neither the caller nor the parameter file gives one
DEFAULT_SEED = 1

#: the study species (its scats are genotyped against the pedigree's true genotypes)
TARGET_SPECIES = "Panthera_pardus"
#: species of the other scats picked up on the transects (``other_species_fraction``)
OTHER_SPECIES = ("Panthera_tigris", "Lynx_lynx", "Prionailurus_bengalensis",
                 "Canis_familiaris", "Vulpes_vulpes")
#: felids: their scats amplify with ``other_felid_amplification``, the others with the canid rate
FELIDS = {"Panthera_pardus", "Panthera_tigris", "Lynx_lynx", "Prionailurus_bengalensis"}
PATHOGENS = ("CDV", "FPV", "FIV", "FeLV", "T_gondii")
#: infections that persist once acquired (the others are acute: infected that year only)
PERSISTENT = {"FIV", "FeLV"}
#: DNA bases (mtDNA sequences, SNP alleles)
BASES = np.array(list("ACGT"))
#: amelogenin sex-marker sizes (bp): females X/X, males Y/X
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
    """Every parameter of ``simulate`` with its default (meanings: docs/simulate.md).

    Build from a mapping with ``SimParams.from_dict`` (unknown keys and bad values are an
    ``InputError``); ``validate`` checks a hand-built instance.
    """

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
    # space and scat searches (docs/simulate.md "Spatial model")
    study_years: int = 8
    n_sites: int = 30
    lat_min: float = 43.0
    lat_max: float = 43.6
    lon_min: float = 131.0
    lon_max: float = 131.8
    buffer_km: float = 12.0
    sigma_m: float = 5000.0
    dispersal_km_female: float = 8.0
    dispersal_km_male: float = 20.0
    min_age_sampled: int = 1
    visits_per_year: int = 4
    p_visit: float = 0.9
    effort_km_min: float = 2.0
    effort_km_max: float = 6.0
    lambda0_scat: float = 0.11
    p_never_sampled: float = 0.0
    scat_rate_shape: float = 0.0
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
    n_camera_stations: int = 12
    g0_camera: float = 0.3
    camera_fraction: float = 1.0
    camera_failure_prob: float = 0.3
    camera_failure_days_min: int = 15
    camera_failure_days_max: int = 120

    # ---------------------------------------------------------------- building
    @classmethod
    def from_dict(cls, d: dict | None, path=None) -> SimParams:
        """Parameters from a mapping (e.g. a params.yaml) over the defaults.

        Parameters
        ----------
        d : dict or None
            ``parameter: value``; mapping parameters (``incidence``, ``assays``,
            ``scat_pcr``) are merged key by key into their defaults. A ``seed`` key and the
            ``derived`` block of a previous run's params.yaml are ignored here.
        path : path-like, optional
            File the mapping came from, named in errors.

        Returns
        -------
        SimParams
            Validated parameters.

        Raises
        ------
        InputError
            Unknown keys, values of the wrong type, impossible values.
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
        """Every parameter as a plain mapping (what ``truth/params.yaml`` records)."""
        return dataclasses.asdict(self)

    def validate(self, path=None) -> None:
        """Raise InputError for impossible values (negative rates, n_loci < 1, ...).

        Parameters
        ----------
        path : str or Path, optional
            The parameter file, for messages.

        Returns
        -------
        None

        Raises
        ------
        InputError
            On the first impossible value.
        """
        def bad(key, why):
            raise InputError(f"parameter {key} = {getattr(self, key)!r}: {why}", path, column=key)

        for key in ("n_founders", "n_loci", "n_sites", "n_replicates_scat", "n_replicates_blood",
                    "mtdna_length", "n_chromosomes", "n_ancestral_haplotypes", "adult_age",
                    "max_age", "study_years", "carrying_capacity", "n_haplotypes_target",
                    "n_haplotypes_other", "min_alleles"):
            if getattr(self, key) < 1:
                bad(key, "must be at least 1")
        for key in ("n_captured", "n_snps", "min_age_sampled", "founder_max_age",
                    "mtdna_max_trim", "n_camera_stations", "camera_failure_days_min"):
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
                 "camera_fraction", "p_visit", "g0_camera", "camera_failure_prob")
        for key in probs:
            v = getattr(self, key)
            if not (0.0 <= v <= 1.0) or math.isnan(v):
                bad(key, "must be a probability in [0, 1]")
        if self.other_species_fraction >= 1:
            bad("other_species_fraction", "must be below 1")
        for key in ("sire_weight_sd", "founder_dirichlet_alpha", "quality_beta_a",
                    "quality_beta_b", "scat_rate_shape", "genome_length_cm",
                    "ancestral_switch_per_morgan", "buffer_km", "dispersal_km_female",
                    "dispersal_km_male", "lambda0_scat", "sigma_m", "effort_km_min",
                    "effort_km_max"):
            v = getattr(self, key)
            if not v >= 0 or math.isnan(v):
                bad(key, "must not be negative")
        for key in ("founder_dirichlet_alpha", "quality_beta_a", "quality_beta_b",
                    "genome_length_cm", "sigma_m", "effort_km_min"):
            if getattr(self, key) <= 0:
                bad(key, "must be positive")
        if not (self.lat_min < self.lat_max and self.lon_min < self.lon_max):
            bad("lat_min", "need lat_min < lat_max and lon_min < lon_max")
        if not (-80 <= self.lat_min and self.lat_max <= 80 and -180 <= self.lon_min
                and self.lon_max <= 180 and self.lat_max - self.lat_min <= 5
                and self.lon_max - self.lon_min <= 5):
            bad("lat_min", "the study box must lie within latitudes -80..80 and longitudes "
                "-180..180 and span at most 5 degrees (a local equal-area projection)")
        if not (1 <= self.visits_per_year <= 12):
            bad("visits_per_year", "must be 1 to 12 (at most one search round per month)")
        if not (self.effort_km_max >= self.effort_km_min) or math.isnan(self.effort_km_max):
            bad("effort_km_max", "must be at least effort_km_min")
        if not (self.camera_failure_days_min <= self.camera_failure_days_max <= 365):
            bad("camera_failure_days_max", "need camera_failure_days_min <= "
                "camera_failure_days_max <= 365")
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
        # imported here: genotyping imports the constants of this module
        from leogen.simulate.genotyping import error_constants

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
    """Validated ``SimParams`` from an instance, a mapping (``from_dict``) or None (defaults).

    Parameters
    ----------
    params : SimParams or dict or None
        The parameters.

    Returns
    -------
    SimParams

    Raises
    ------
    InputError
        When a value is impossible (:meth:`SimParams.validate`).
    """
    if isinstance(params, SimParams):
        params.validate()
        return params
    return SimParams.from_dict(params)


def read_params_file(path) -> dict:
    """The ``parameter: value`` mapping of a YAML parameter file (``{}`` for None).

    Parameters
    ----------
    path : path-like or None
        YAML mapping, e.g. a previous run's ``truth/params.yaml`` (its ``seed`` and
        ``derived`` keys are kept here; ``SimParams.from_dict`` ignores them).

    Returns
    -------
    dict
        The mapping as read (an empty file gives ``{}``).

    Raises
    ------
    InputError
        Missing file, invalid YAML (with its line) or a document that is not a mapping.
    """
    if path is None:
        return {}
    p = Path(path)
    if not p.is_file():
        raise InputError("parameter file not found", path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise InputError(f"not valid YAML: {getattr(e, 'problem', e)}", path,
                         mark.line + 1 if mark else None) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("expected a mapping of parameter: value", path)
    return data
