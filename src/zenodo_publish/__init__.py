"""zenodo-publish: keep a Zenodo record in step with a git repository."""

__version__ = "1.0.0"
