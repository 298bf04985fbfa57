"""The GitHub Action adapter: inputs, trigger policy, workflow commands, outputs, step summary
and git commit-back around the sync engine (``python -m zenodo_publish.github``)."""
