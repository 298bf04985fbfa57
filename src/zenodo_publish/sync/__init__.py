"""Plan and apply: turn a validated manifest into the right Zenodo record (SPEC §5)."""
