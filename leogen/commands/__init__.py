"""Subcommands of the ``leogen`` CLI, one module each (see ``leogen.cli``)."""
