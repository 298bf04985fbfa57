from zenodo_publish.github.entrypoint import run

run()
