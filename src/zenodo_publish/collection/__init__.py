"""Collections (SPEC §9): many Zenodo records from one manifest.

``records:`` (a table or a list) describes one record per key; each becomes an ordinary
single-record manifest, synced by :mod:`zenodo_publish.sync` once per record. This package adds
what only a collection needs: reading the table, selecting keys and shards, running the records
in isolation with progress, the record folder, and the status table.
"""
