from zenodo_publish.cli import entry

entry()
