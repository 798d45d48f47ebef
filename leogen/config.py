"""The workflow configuration and the whole-input check behind ``leogen validate``.

``load_config`` checks ``config.yaml`` against ``workflow/schemas/config.schema.yaml`` (the
same schema the Snakefile validates with) and fills defaults. ``validate_inputs`` then reads
every input the config names and reports *all* problems: bad rows in each sheet, sample ids
a genotype/screening/FASTA/VCF file uses that the sample sheet lacks, loci that differ
between genotype files, a missing sex marker, a VCF without index.
"""

from __future__ import annotations

import copy
import difflib
from pathlib import Path

import jsonschema
import yaml

from leogen.errors import ErrorCollector, InputError
from leogen.io.sheets import check_known_ids, load_schema, read_samples, read_screening

CONFIG_VERSION = 1


def _fill_defaults(config: dict, schema: dict) -> dict:
    out = dict(config)
    for key, spec in schema.get("properties", {}).items():
        if key not in out and "default" in spec:
            out[key] = copy.deepcopy(spec["default"])
        if isinstance(out.get(key), dict) and spec.get("type") == "object":
            out[key] = _fill_defaults(out[key], spec)
    return out


def unknown_keys(config: dict, schema: dict, prefix: str = "") -> list[str]:
    """Config keys the schema does not know (likely typos; :func:`check_config` rejects them).

    Parameters
    ----------
    config : dict
        The config mapping.
    schema : dict
        Its JSON schema.
    prefix : str
        Dotted path of ``config`` within the whole config.

    Returns
    -------
    list of str
        Dotted names of the unknown keys.

    Examples
    --------
    >>> schema = {"properties": {"seed": {}, "health": {"properties": {"grid_km": {}}}}}
    >>> unknown_keys({"seed": 1, "helth": {}, "health": {"grid": 5}}, schema)
    ['helth', 'health.grid']
    """
    props = schema.get("properties", {})
    found = []
    for key, value in config.items():
        if key not in props:
            found.append(prefix + key)
        elif isinstance(value, dict) and props[key].get("properties"):
            found.extend(unknown_keys(value, props[key], f"{prefix}{key}."))
    return found


def closest_key(dotted: str, schema: dict) -> str | None:
    """The known key nearest in spelling to an unknown one (``difflib``), or None.

    Parameters
    ----------
    dotted : str
        Dotted name of the unknown key (``identfy`` or ``health.gird_km``).
    schema : dict
        The config's JSON schema.

    Returns
    -------
    str or None
        Dotted name of the suggestion.

    Examples
    --------
    >>> schema = {"properties": {"identify": {"properties": {"min_loci": {}}}, "seed": {}}}
    >>> closest_key("identfy", schema), closest_key("identify.min_locus", schema)
    ('identify', 'identify.min_loci')
    >>> closest_key("zzz", schema) is None
    True
    """
    *parents, key = dotted.split(".")
    node = schema
    for part in parents:
        node = node.get("properties", {}).get(part, {})
    match = difflib.get_close_matches(key, list(node.get("properties", {})), n=1, cutoff=0.6)
    return ".".join([*parents, match[0]]) if match else None


def load_config(path: str | Path, collector: ErrorCollector | None = None) -> dict | None:
    """Read and check a config file; defaults filled in. Problems raise (or go to ``collector``).

    Parameters
    ----------
    path : str or Path
        The YAML config file.
    collector : ErrorCollector or None
        Collects the problems instead of raising.

    Returns
    -------
    dict or None
        The config, None when it could not be read.

    Raises
    ------
    InputError
        Without ``collector``, when the file is missing, not valid YAML or fails the schema.
    """
    own = ErrorCollector()
    path = Path(path)
    config = None
    if not path.exists():
        own.add("config file not found", path)
    else:
        try:
            config = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            own.add(f"not valid YAML: {getattr(e, 'problem', e)}", path,
                    None if mark is None else mark.line + 1)
        if config is not None and not isinstance(config, dict):
            own.add("expected a mapping of keys to values", path)
            config = None
        elif config is None and not own:
            own.add("config file is empty", path)
    if config is not None:
        config = check_config(config, path, own)
    if collector is not None:
        # keep going with a config that has problems, so its inputs get checked too
        collector.extend(own.errors)
        return config
    own.raise_if_any()
    return config


def check_config(config: dict, path, collector: ErrorCollector) -> dict:
    """Check a config mapping against the schema; problems (unknown keys too, with the
    closest known key suggested) go to ``collector``. Returns the config with defaults filled in.

    ``path`` names the config's source in the messages (its file, or files).

    Parameters
    ----------
    config : dict
        The config mapping.
    path : str or Path
        Its source, for messages.
    collector : ErrorCollector
        Collects the problems.

    Returns
    -------
    dict
        The config with defaults filled in.
    """
    schema = load_schema("config")
    version = config.get("config_version", CONFIG_VERSION)
    if version != CONFIG_VERSION:
        collector.add(f"config_version {version} is not supported; this leogen reads version "
                      f"{CONFIG_VERSION} (compare with config/config.yaml of this release)",
                      path, column="config_version")
    validator = jsonschema.validators.validator_for(schema)(schema)
    for err in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.path))):
        key = ".".join(str(p) for p in err.path) or "(top level)"
        if err.validator == "required":
            collector.add(f"required key missing: {err.message.split()[0]}", path)
        elif err.validator == "enum" and key == "config_version":
            continue
        else:
            collector.add(f"{key}: {err.message}", path, column=key)
    for key in unknown_keys(config, schema):
        near = closest_key(key, schema)
        hint = f"; did you mean '{near}'?" if near else " (see workflow/schemas/config.schema.yaml)"
        collector.add(f"unknown key '{key}'{hint}", path, column=key)
    return _fill_defaults(config, schema)


def genotype_files(config: dict) -> list[str]:
    """The genotype files named in ``config`` (one name or a list).

    Parameters
    ----------
    config : dict
        The config mapping.

    Returns
    -------
    list of str
        The file names (empty when none).
    """
    files = config.get("genotypes", [])
    return [files] if isinstance(files, str) else list(files)


def _read_any_genotypes(path: str, fmt: str):
    from leogen.io import formats

    return formats.read_genotypes(path, None if fmt == "auto" else fmt)


def _check_cutoffs(config: dict, errors: ErrorCollector) -> dict | None:
    """The config's assay cut-offs (``health.cutoffs``) read as the health stage reads them
    (the workflow writes them to a YAML file for it); None when they have problems."""
    import tempfile

    from leogen.health.screening import load_cutoffs

    cutoffs = (config.get("health") or {}).get("cutoffs") or {}
    if not cutoffs:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cutoffs.yaml"
        path.write_text(yaml.safe_dump({"cutoffs": cutoffs}), encoding="utf-8")
        try:
            return load_cutoffs(path)
        except InputError as e:
            errors.add(e.message, "config", column="health.cutoffs")
            return None


def _check_fasta(path, known, errors: ErrorCollector, reference: bool,
                 target: str | None = None) -> None:
    """Read a barcode FASTA (or the reference panel) with the species stage's reader; the
    target species must have a haplotype in the panel."""
    from leogen.io.fasta import read_fasta, read_reference

    try:
        if reference:
            ref = read_reference(path)
            if target is not None and target not in set(ref["species"]):
                errors.add(f"the target species '{target}' (config target_species) has no "
                           "haplotype in the reference panel", path)
            return
        records = read_fasta(path)
    except InputError as e:
        errors.extend([e])
        return
    if known is not None:
        check_known_ids([r[0] for r in records], known, path, "sample_id",
                        lines=[r[2] for r in records], collector=errors)


def _check_vcf(path, known, errors: ErrorCollector) -> None:
    """Read a VCF/BCF header with the SNP stage's reader; a bgzipped VCF needs its index."""
    from leogen.io.vcfindex import check_indexed_vcf
    from leogen.io.vcfstream import read_header

    p = Path(path)
    if not p.exists():
        errors.add("file not found", path)
        return
    if p.is_dir():
        errors.add("is a directory, expected a VCF/BCF file", path)
        return
    try:
        header = read_header(p)
    except InputError as e:
        errors.extend([e])
        return
    # the workflow reads the VCF region by region, through its index
    errors.extend(check_indexed_vcf(p, header.kind, [c for c, _ in header.contigs]))
    if known is not None:
        check_known_ids(list(header.samples), known, path, "sample", collector=errors)


def validate_inputs(config: dict, collector: ErrorCollector | None = None) -> ErrorCollector:
    """Read every input named in ``config``; collect every problem (does not raise).

    Parameters
    ----------
    config : dict
        The checked config.
    collector : ErrorCollector or None
        Collects the problems; None starts a new one.

    Returns
    -------
    ErrorCollector
        The problems found.
    """
    errors = collector if collector is not None else ErrorCollector()
    if not isinstance(config.get("samples"), str) or not config.get("genotypes"):
        return errors  # reported by load_config
    samples = read_samples(config["samples"], errors)
    known = None if samples is None else set(samples["sample_id"])
    loci_seen: dict[str, list[str]] = {}
    for path in genotype_files(config):
        try:
            data = _read_any_genotypes(path, config.get("genotype_format", "auto"))
        except InputError as e:
            errors.extend([e])
            continue
        loci_seen[path] = list(data.loci)
        if known is not None:
            check_known_ids(data.samples, known, path, "sample_id", collector=errors)
        sex_locus = config.get("sex_marker", {}).get("locus")
        if sex_locus and sex_locus not in set(data.loci):
            errors.add(f"the sex marker locus '{sex_locus}' (config sex_marker.locus) is not "
                       "among the loci", path, column="locus")
    if len(loci_seen) > 1:
        paths = list(loci_seen)
        ref = loci_seen[paths[0]]
        for other in paths[1:]:
            if sorted(loci_seen[other]) != sorted(ref):
                only_a = sorted(set(ref) - set(loci_seen[other]))
                only_b = sorted(set(loci_seen[other]) - set(ref))
                errors.add(f"loci differ from {paths[0]}: missing here {only_a or 'none'}, "
                           f"extra here {only_b or 'none'}", other, column="locus")
    cutoffs = _check_cutoffs(config, errors)
    if config.get("screening"):
        n_before = len(errors.errors)
        screening = read_screening(config["screening"], errors)
        if screening is not None and known is not None:
            has_sample = screening["sample_id"].to_numpy(dtype=str) != ""
            check_known_ids(screening["sample_id"][has_sample], known, config["screening"],
                            "sample_id", lines=screening["_line"].to_numpy()[has_sample],
                            collector=errors)
        if screening is not None and len(errors.errors) == n_before and cutoffs is not None:
            # titres, results and cut-offs, interpreted as the health stage does
            from leogen.health.screening import normalise_screening

            try:
                normalise_screening(screening, cutoffs, config["screening"])
            except InputError as e:
                errors.extend([e])
    if config.get("mtdna"):
        if not config.get("mtdna_reference"):
            errors.add("mtdna is given but mtdna_reference is not", "config", column="mtdna_reference")
        _check_fasta(config["mtdna"], known, errors, reference=False)
    if config.get("mtdna_reference"):
        _check_fasta(config["mtdna_reference"], None, errors, reference=True,
                     target=config.get("target_species") if config.get("mtdna") else None)
    # camera_traps alone is fine: without aliases the camera animals are not linked to the
    # genetic ids (SCR fits them as a data set of their own; abundance and survival use the
    # genetic detections only); aliases without camera detections are a mistake
    if config.get("camera_aliases") and not config.get("camera_traps"):
        errors.add("camera_aliases is given but camera_traps is not (the aliases link camera "
                   "detections to animals)", "config", column="camera_traps")
    from leogen.scr.detectors import read_search_effort, read_stations

    for key, reader in (("camera_stations", read_stations), ("search_effort", read_search_effort)):
        if config.get(key):
            try:
                reader(config[key])
            except InputError as e:
                errors.extend([e])
    if config.get("snps"):
        _check_vcf(config["snps"], known, errors)
    return errors


def summarise_ok(config: dict) -> str:
    """The one-line report of a config whose inputs all passed.

    Parameters
    ----------
    config : dict
        The checked config.

    Returns
    -------
    str
        ``OK: <n> input files checked (<files>)``.
    """
    files = [config["samples"], *genotype_files(config)]
    files += [config[k] for k in ("screening", "mtdna", "mtdna_reference", "snps") if config.get(k)]
    return f"OK: {len(files)} input files checked ({', '.join(files)})"



#: markers of the generated key reference in config/README.md
REFERENCE_START = "<!-- config keys: generated by `python -m leogen.config config/README.md` -->"
REFERENCE_END = "<!-- end of config keys -->"


def _format_default(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list) and not value:
        return "{}" if isinstance(value, dict) else "[]"
    return str(value)


def _type_text(node: dict) -> str:
    if "enum" in node:
        return " \\| ".join(map(str, node["enum"]))
    if "oneOf" in node:
        return " or ".join(_type_text(alt) for alt in node["oneOf"])
    kind = node.get("type", "")
    kind = " or ".join(map(str, kind)) if isinstance(kind, list) else str(kind)
    bounds = [f"{op} {node[key]}" for key, op in (("minimum", ">="), ("exclusiveMinimum", ">"),
                                                  ("maximum", "<=")) if key in node]
    return kind + (f" ({', '.join(bounds)})" if bounds else "")


def config_reference(schema: dict | None = None) -> str:
    """Markdown table of every config key (dotted), its type, default and description,
    read off the config schema (``workflow/schemas/config.schema.yaml``), between
    :data:`REFERENCE_START` and :data:`REFERENCE_END`.

    Parameters
    ----------
    schema : dict, optional
        The config's JSON schema (default: the installed one).

    Returns
    -------
    str

    Examples
    --------
    >>> schema = {"required": ["samples"], "properties": {
    ...     "samples": {"type": "string", "description": "sample sheet"},
    ...     "seed": {"type": "integer", "default": 1, "description": "seed"}}}
    >>> print(config_reference(schema).splitlines()[4])
    | `samples` | string | required | sample sheet |
    """
    schema = load_schema("config") if schema is None else schema
    rows = ["| key | type | default | description |", "|---|---|---|---|"]

    def walk(node: dict, prefix: str, required) -> None:
        for key, sub in node.get("properties", {}).items():
            if sub.get("properties"):
                rows.append(f"| **`{prefix}{key}`** | section | | {sub.get('description', '')} |")
                walk(sub, f"{prefix}{key}.", sub.get("required", []))
                continue
            default = ("required" if key in required else
                       f"`{_format_default(sub['default'])}`" if "default" in sub else "none")
            rows.append(f"| `{prefix}{key}` | {_type_text(sub)} | {default} | "
                        f"{sub.get('description', '')} |")

    walk(schema, "", schema.get("required", []))
    return "\n".join([REFERENCE_START, "", *rows, "", REFERENCE_END])


def update_config_reference(path) -> bool:
    """Rewrite the generated key table of ``path`` (config/README.md) from the schema.

    Parameters
    ----------
    path : str or Path
        A Markdown file holding :data:`REFERENCE_START` and :data:`REFERENCE_END`.

    Returns
    -------
    bool
        True when the file changed.
    """
    from leogen.io.contract import replace_block

    return replace_block(path, REFERENCE_START, REFERENCE_END, config_reference())


if __name__ == "__main__":  # python -m leogen.config config/README.md
    import sys

    for name in sys.argv[1:]:
        print(f"{name}: {'updated' if update_config_reference(name) else 'up to date'}")
