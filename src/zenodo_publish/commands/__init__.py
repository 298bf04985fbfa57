"""One module per CLI subcommand; see ``zenodo_publish.cli``."""
