"""Mirrors (SPEC §10): the files Zenodo gets, also in S3-compatible buckets.

Fed by the same :class:`~zenodo_publish.manifest.LocalState` as Zenodo and run after it; never
part of ``sync/``. ``run_mirrors`` is the entry point; boto3 is imported only inside
``mirror.s3``, which is imported only when a mirror actually runs.
"""

from __future__ import annotations

from zenodo_publish.mirror.run import MirrorResult, TargetOutcome, run_mirrors

__all__ = ["MirrorResult", "TargetOutcome", "run_mirrors"]
