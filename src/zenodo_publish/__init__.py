"""zenodo-publish: keep a Zenodo record in step with a git repository."""

__version__ = "0.1.0"
