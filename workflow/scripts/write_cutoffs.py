"""Write the config's assay cut-offs (health.cutoffs) for `leogen health --cutoffs`."""

from pathlib import Path

import yaml

from leogen.io.atomic import atomic_open

sm = snakemake  # noqa: F821 (provided by Snakemake's script directive)
with atomic_open(sm.output[0], "w", encoding="utf-8") as fh:
    yaml.safe_dump(dict(sm.params.cutoffs), fh, sort_keys=True)
Path(sm.log[0]).write_text(f"{len(sm.params.cutoffs)} pathogen cut-off sets\n")
