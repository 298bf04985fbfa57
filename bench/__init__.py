"""Benchmarks of zenodo-publish against its local emulator (``make bench``).

Every figure is a ratio against a baseline measured in the same run on the same machine (or a
fixed target), never an absolute timing compared across machines. ``python -m bench`` runs them
all and writes ``bench/results.md``. Nothing leaves 127.0.0.1.
"""
