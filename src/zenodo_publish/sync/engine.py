"""The engine: one call that validates, plans, syncs or publishes (SPEC §2, §5).

The CLI and the GitHub Action both build a :class:`SyncRequest` and call :func:`run`; everything
they report comes back in a :class:`~zenodo_publish.sync.result.RunResult`.
"""

from __future__ import annotations

import dataclasses
import datetime
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from zenodo_publish.citation import citation_settings, write_citation
from zenodo_publish.citation.flow import concept_doi_of
from zenodo_publish.communities import CommunityPlan, apply_communities, plan_communities
from zenodo_publish.errors import StateError, UsageError, ZenodoPublishError
from zenodo_publish.humanize import human_size, plural
from zenodo_publish.manifest import Endpoint, LocalState, Manifest, load_manifest, parse_endpoint
from zenodo_publish.manifest import resolve_files as resolve_local_files
from zenodo_publish.manifest.source_archive import add_source_archives
from zenodo_publish.sync import concepts, publish_rules
from zenodo_publish.sync.apply import Applier, needs_file_import
from zenodo_publish.sync.codec import codec_for
from zenodo_publish.sync.force import checked_force_upload
from zenodo_publish.sync.local_files import LocalFiles
from zenodo_publish.sync.locate import carries_marker, confirm_no_open_draft, is_foreign, locate
from zenodo_publish.sync.marker import DatasetMarker, make_marker, record_ids_named_elsewhere
from zenodo_publish.sync.plan import LocalSnapshot, Located, Plan, PlanPolicy, WantedFile, plan
from zenodo_publish.sync.record_file import (
    RecordEntry,
    read_entry,
    read_pending_create,
    write_entry,
    write_pending_create,
)
from zenodo_publish.sync.report import NullReporter, Reporter
from zenodo_publish.sync.result import FileOutcome, PublishedVersion, RecordIds, RunResult
from zenodo_publish.zenodo import make_backend
from zenodo_publish.zenodo.backend import Backend, RemoteRecord
from zenodo_publish.zenodo.communities import CommunitiesClient
from zenodo_publish.zenodo.rdm import RDMBackend

Mode = Literal["validate", "plan", "sync", "publish"]
BackendFactory = Callable[[Endpoint, str, str], Backend]


@dataclass(frozen=True)
class SyncRequest:
    mode: Mode
    manifest_path: Path
    repo_root: Path | None = None
    token: str | None = None
    #: Overrides of the manifest's settings (CLI flags, action inputs).
    endpoint: str | None = None
    api: Literal["rdm", "legacy"] | None = None
    #: Whether this run may publish (the trigger policy or an explicit ``publish`` command).
    may_publish: bool = False
    #: The version a release tag gives (minus its leading v); fills metadata.version.
    version: str | None = None
    dry_run: bool = False
    parallel: int = 4
    #: The repository's URL: with the manifest's path, the marker of this dataset's records.
    repository_url: str | None = None
    #: The checkout's top folder (the manifest's path in it is part of the marker, and other
    #: record files under it name records this run must not adopt); default the manifest's.
    repository_root: Path | None = None
    #: The marker identifier itself, when the caller names its records (collections, SPEC §9).
    marker: str | None = None
    today: datetime.date | None = None
    #: Allow a version lower than the latest published one (SPEC §13.3's explicit override).
    allow_lower_version: bool = False
    extra_notes: tuple[str, ...] = field(default_factory=tuple)
    #: ``sync --force-upload``: names to upload again although the md5 matches; () = all.
    force_upload: tuple[str, ...] | None = None
    #: Another run of the same repository may run at once (workflow runs): a run that creates a
    #: concept checks, once, that no other run created one too (sync.concepts).
    runs_may_race: bool = False

    @property
    def shows_only(self) -> bool:
        """A plan or a dry run: reads Zenodo, shows what a sync would do, writes nothing."""
        return self.mode == "plan" or self.dry_run


def run(
    request: SyncRequest,
    *,
    reporter: Reporter | None = None,
    backend_factory: BackendFactory | None = None,
    manifest: Manifest | None = None,
) -> RunResult:
    """Run one record. ``manifest``, when given, is used instead of loading
    ``request.manifest_path`` (a collection passes each record's manifest)."""
    report: Reporter = reporter if reporter is not None else NullReporter()
    with report.phase("Reading the manifest"):
        if manifest is None:
            manifest = load_manifest(request.manifest_path, repo_root=request.repo_root)
        endpoint = parse_endpoint(request.endpoint) if request.endpoint else manifest.endpoint
        api = request.api or manifest.api
        with tempfile.TemporaryDirectory(prefix="zenodo-publish-") as build_dir:
            local = resolve_local_files(manifest, build_dir=Path(build_dir), hashed=False)
            local = add_source_archives(
                manifest,
                local,
                repository=_repository_name(request.repository_url or manifest.code_repository),
                version=request.version or manifest.metadata.metadata.version,
                build_dir=Path(build_dir),
            )
            report.info(
                f"{plural(len(local.files), 'file')}, "
                f"{human_size(sum(f.size for f in local.files))}; "
                f"endpoint {endpoint.api_url} ({api} API)"
            )
            return _Run(request, manifest, endpoint, api, local, report, backend_factory).go()


class _Run:
    def __init__(
        self,
        request: SyncRequest,
        manifest: Manifest,
        endpoint: Endpoint,
        api: str,
        local: LocalState,
        reporter: Reporter,
        backend_factory: BackendFactory | None,
    ) -> None:
        self.request = request
        self.manifest = manifest
        self.endpoint = endpoint
        self.api = api
        self.local = local
        #: The same files, hashed only where a comparison needs it (sync.local_files).
        self.files = LocalFiles(local.files)
        self.reporter = reporter
        self.backend_factory = backend_factory or make_backend
        self.codec = codec_for(api)
        self.repository_root = request.repository_root or manifest.repo_root
        self.marker = (
            DatasetMarker(request.marker)
            if request.marker
            else make_marker(
                request.repository_url or manifest.code_repository,
                manifest.path,
                self.repository_root,
            )
        )
        self.record_path = manifest.repo_root / manifest.record_file
        #: The concept's latest published version, kept in the record file next to a draft.
        self.latest_published: PublishedVersion | None = None
        self.notes: list[str] = list(request.extra_notes)
        self.resolved = manifest.metadata

    # --- the phases -------------------------------------------------------------------------

    def go(self) -> RunResult:
        request = self.request
        publishing = request.may_publish and request.mode in ("plan", "sync", "publish")
        if not (publishing and self.endpoint.is_production):
            self.warnings = publish_rules.production_warnings(
                self.manifest, tag_version=request.version
            )
            for warning in self.warnings:
                self.reporter.info(f"warning: {warning}")
        if request.mode == "validate":
            return self._result(RecordIds(), plan_json=self._offline_plan_json())
        if publishing:
            publish_rules.check_publish_allowed(
                self.manifest, self.endpoint, tag_version=request.version
            )
        backend = self._backend()
        with self.reporter.phase("Comparing with Zenodo"):
            entry = read_entry(
                self.record_path, self.endpoint.api_url, root=self.manifest.repo_root
            )
            located = locate(
                backend,
                entry,
                marker=self.marker,
                record_file=str(self.manifest.record_file),
                named_elsewhere=self._named_elsewhere,
            )
            if located.kind == "none" and self.marker is None:
                located = self._recover_unmarked_create(backend, located)
            self.latest_published = _latest_published(backend, located, entry)
            if self.latest_published is not None:
                located = dataclasses.replace(located, latest_version=self.latest_published.version)
            snapshot = self._snapshot(located)
            if publishing:
                publish_rules.check_not_prerelease(self.manifest, self.resolved.metadata.version)
            policy = PlanPolicy(
                may_publish=publishing,
                today=self._today().isoformat(),
                allow_lower_version=request.allow_lower_version,
                force_upload=checked_force_upload(request.force_upload, snapshot.files),
            )
            the_plan = plan(snapshot, located, policy, self.codec)
            if located.draft_unchecked and the_plan.action != "none":
                located = confirm_no_open_draft(backend, located)
                snapshot = dataclasses.replace(snapshot, files=self._wanted(located))
                the_plan = plan(snapshot, located, policy, self.codec)
            if located.kind == "draft" and needs_file_import(located.record, backend):
                note = (
                    f"new-version draft {located.record.id} holds no files yet: a sync imports "
                    "the previous version's files first and uploads only what differs"
                )
                the_plan = dataclasses.replace(the_plan, notes=(*the_plan.notes, note))
            # A draft the record file names (keeps naming) while this run's outcome is the
            # published record: SPEC §13.5 (the open draft) and §13.3 (a release re-uses).
            kept_draft: RemoteRecord | None = None
            release = self._release_of_latest(backend, located, snapshot, policy, the_plan)
            if release is not None:
                kept_draft = located.record
                located, snapshot, the_plan = release
            else:
                kept_draft = self._unnamed_new_version_draft(backend, located, the_plan)
                if kept_draft is not None:
                    note = _unnamed_draft_note(kept_draft, request)
                    the_plan = dataclasses.replace(the_plan, notes=(*the_plan.notes, note))
        the_plan = self._plan_communities(backend, located, the_plan)
        self.notes.extend(the_plan.notes)
        self._report_plan(the_plan)
        if request.shows_only:
            ids = self._ids(located.record) if located.record is not None else RecordIds()
            ids = dataclasses.replace(ids, review_state=self.community_plan.review_state)
            return self._result(ids, the_plan, plan_only=True)

        applier = Applier(
            backend,
            self.reporter,
            sources={f.name: f.source for f in self.local.files},
            on_draft=lambda record: self._remember_draft(
                record, backend=backend if the_plan.action == "create" else None
            ),
            parallel=request.parallel,
            find_own_draft=lambda: concepts.find_patiently(
                lambda: self._find_own_draft(backend), concepts.pause_of(backend)
            ),
            force_upload=policy.force_upload,
        )
        if the_plan.action == "create" and self.marker is None:
            # Nothing marks the record: remember which same-titled drafts exist before creating,
            # so a re-run after a crash right after the create finds the draft it made.
            before = frozenset(d.id for d in self._same_title_drafts(backend))
            if write_pending_create(
                self.record_path, self.endpoint.api_url, before, root=self.manifest.repo_root
            ):
                self.record_file_changed = True
        applied = applier.apply(the_plan, located, self.files)
        self.notes.extend(applied.notes)
        if applied.record.is_published and not applied.record.is_draft:
            self.latest_published = _published_version(applied.record)
        ids = self._apply_communities(backend, self._ids(applied.record))
        ids = self._write_citation(backend, ids)
        entry_ids = ids
        if kept_draft is not None:
            # SPEC §13.5: the record file carries the open draft; the next run works in it.
            # The outputs of a release run name the published version it re-used (§13.3).
            entry_ids = dataclasses.replace(self._ids(kept_draft), review_state=ids.review_state)
            if not publishing:
                ids = entry_ids
        changed = write_entry(
            self.record_path,
            self.endpoint.api_url,
            RecordEntry.from_ids(entry_ids),
            root=self.manifest.repo_root,
        )
        self.record_file_changed = self.record_file_changed or changed
        files = tuple(
            FileOutcome(op.name, op.action, op.size, op.md5, op.origin) for op in applied.files
        )
        published = applied.published or self.published_by_review
        return self._result(ids, the_plan, published=published, files=files)

    record_file_changed = False
    warnings: list[str] = []  # noqa: RUF012 - replaced per run, never mutated in place
    community_plan = CommunityPlan()

    def _unnamed_new_version_draft(
        self, backend: Backend, located: Located, the_plan: Plan
    ) -> RemoteRecord | None:
        """A new-version draft of the concept that the record file does not name, found when
        this run has nothing to change (SPEC §13.5): left by a run killed after opening it, or
        by a run whose record file could not reach git. A run with changes opens (and so
        reuses) it anyway; this one only names it, and the next run with changes works in it."""
        if located.kind != "published" or the_plan.action != "none":
            return None
        draft = backend.open_new_version_draft(located.record)
        if draft is None:
            return None
        if (self.marker is not None and not carries_marker(draft, self.marker)) or is_foreign(
            draft, self._named_elsewhere()
        ):
            # SPEC §13.1: only a draft carrying this dataset's marker is provably its own.
            self.notes.append(
                f"new-version draft {draft.id} of this concept is open but does not carry "
                "this dataset's marker (opened on the web?): left alone, not named"
            )
            return None
        return draft

    def _release_of_latest(
        self,
        backend: Backend,
        located: Located,
        snapshot: LocalSnapshot,
        policy: PlanPolicy,
        the_plan: Plan,
    ) -> tuple[Located, LocalSnapshot, Plan] | None:
        """SPEC §13.3: a release of the latest published version re-uses it, also while the
        record file names an open new-version draft, provided the files are the published
        ones. The plan against the draft refuses the version (it is taken); the plan against
        the published record is then a no-op (or a metadata edit, published as without a
        draft), and the draft stays open and named."""
        latest = self.latest_published
        if (
            the_plan.blocked_by != "version"
            or located.kind != "draft"
            or not policy.may_publish
            or latest is None
            or latest.record_id == located.record.id
        ):
            return None
        published = backend.read_record(latest.record_id)
        if published is None:
            return None
        as_published = Located("published", published, latest_version=latest.version)
        snapshot = dataclasses.replace(snapshot, files=self.files.against(published.files))
        reused = plan(snapshot, as_published, policy, self.codec)
        if reused.action not in ("none", "edit"):
            return None  # other files: the refusal stands
        # Same files: a no-op, or (metadata only) an edit of the published record, exactly as
        # when no draft is open.
        note = (
            f"version {latest.version} is already published as record {published.id} with "
            f"these files: re-used; the open draft {located.record.id} is left as it is"
        )
        return as_published, snapshot, dataclasses.replace(reused, notes=(*reused.notes, note))

    def _plan_communities(self, backend: Backend, located: Located, the_plan: Plan) -> Plan:
        """RDM only: the legacy API carries communities in the metadata itself."""
        slugs = self.resolved.metadata.communities
        if self.api != "rdm" or not slugs or not isinstance(backend, RDMBackend):
            return the_plan
        self.community_plan = plan_communities(
            CommunitiesClient(backend.session),
            slugs,
            located.record,
            publishing=the_plan.publish,
            site=self.endpoint.api_url,
        )
        for step in self.community_plan.steps:
            self.reporter.info(f"community request: {step.action} -> {step.community.slug}")
        notes = the_plan.notes + self.community_plan.notes
        publish = the_plan.publish and not self.community_plan.hold_publish
        return dataclasses.replace(the_plan, publish=publish, notes=notes)

    def _apply_communities(self, backend: Backend, ids: RecordIds) -> RecordIds:
        plan = self.community_plan
        if not plan.steps:
            return dataclasses.replace(ids, review_state=plan.review_state)
        record = backend.read(ids.record_id) if ids.record_id else None
        if record is None or not isinstance(backend, RDMBackend):
            return ids
        outcome = apply_communities(CommunitiesClient(backend.session), plan, record)
        self.notes.extend(outcome.notes)
        if outcome.review_state == "accepted":
            published = backend.read_record(record.id)
            if published is not None:
                self.published_by_review = True
                self.latest_published = _published_version(published)
                return self._ids(published)
        return dataclasses.replace(ids, review_state=outcome.review_state)

    published_by_review = False
    repository_files: tuple[str, ...] = ()

    def _write_citation(self, backend: Backend, ids: RecordIds) -> RecordIds:
        """``citation:``: reserve the draft's DOI, write it and the concept DOI into the
        repository's files (SPEC §11)."""
        settings = citation_settings(self.manifest)
        if settings is None or ids.record_id is None:
            return ids
        record_id = ids.record_id
        if ids.doi is None and settings.reserve_doi and ids.state == "draft":
            with self.reporter.phase("Reserving the draft's DOI"):
                reserved = backend.reserve_doi(record_id)
            ids = dataclasses.replace(self._ids(reserved), review_state=ids.review_state)
            self.reporter.info(f"   reserved DOI {ids.doi}")
        if ids.doi is None:
            if settings.write or settings.badge:
                self.notes.append(
                    "citation: the draft has no DOI yet (set citation.reserve_doi: true to "
                    "reserve one before publishing); nothing written"
                )
            return ids
        concept_doi = ids.concept_doi or concept_doi_of(ids.doi, record_id, ids.concept_id)
        written = write_citation(
            settings,
            self.manifest.repo_root,
            doi=ids.doi,
            concept_doi=concept_doi,
            api_url=self.endpoint.api_url,
        )
        self.notes.extend(written.notes)
        for name in written.changed:
            self.reporter.info(f"   wrote the DOI into {name}")
        self.repository_files = tuple(dict.fromkeys((*self.repository_files, *written.changed)))
        return ids

    def _remember_draft(self, record: RemoteRecord, *, backend: Backend | None = None) -> None:
        """Write the record file the moment a draft exists, before any upload (SPEC §4). With
        ``backend`` (a concept was just created), check that no concurrent run created one too."""
        ids = self._ids(record)
        if write_entry(
            self.record_path,
            self.endpoint.api_url,
            RecordEntry.from_ids(ids),
            root=self.manifest.repo_root,
        ):
            self.record_file_changed = True
            self.reporter.info(f"   record file {self.manifest.record_file} -> draft {record.id}")
        if backend is not None and self.request.runs_may_race:
            self._check_single_concept(backend, record)

    def _check_single_concept(self, backend: Backend, ours: RemoteRecord) -> None:
        if self.marker is None:
            return
        concepts.pause_of(backend)(concepts.SETTLE_SECONDS)
        foreign = self._named_elsewhere()
        others = [
            d
            for d in backend.find_drafts(self.marker.query)
            if not d.is_published
            and d.id != ours.id
            and (d.concept_id is None or d.concept_id != ours.concept_id)
            and not is_foreign(d, foreign)
        ]
        if others:
            raise concepts.duplicate_error(ours, others, str(self.manifest.record_file))

    def _same_title_drafts(self, backend: Backend) -> list[RemoteRecord]:
        title = self.manifest.metadata.metadata.title
        query = 'metadata.title:"{}"'.format(title.replace("\\", " ").replace('"', " "))
        return [
            d
            for d in backend.find_drafts(query)
            if not d.is_published and d.metadata.get("title") == title
        ]

    def _unmarked_new_draft(self, backend: Backend) -> RemoteRecord | None:
        """The draft an interrupted create without a marker made: same title, and not among
        the drafts that existed when that create started. Several: refuse to guess."""
        before = read_pending_create(
            self.record_path, self.endpoint.api_url, root=self.manifest.repo_root
        )
        if before is None:
            return None
        new = [d for d in self._same_title_drafts(backend) if d.id not in before]
        if len(new) > 1:
            raise StateError(
                f"several drafts titled {self.manifest.metadata.metadata.title!r} appeared since "
                f"an interrupted run started creating one ({', '.join(d.id for d in new)}); "
                "zenodo-publish will not guess which one is yours",
                hint=f"write the right id into {self.manifest.record_file}, or discard the "
                "extra drafts; set code_repository so records carry a marker",
            )
        return backend.read_draft(new[0].id) if new else None

    def _recover_unmarked_create(self, backend: Backend, located: Located) -> Located:
        draft = self._unmarked_new_draft(backend)
        if draft is None:
            return located
        note = (
            f"adopted draft {draft.id}: an earlier run created it and was interrupted before "
            "it wrote the record file (same title; it did not exist when that run started)"
        )
        return Located("draft", draft, (note, *located.notes))

    def _find_own_draft(self, backend: Backend) -> RemoteRecord | None:
        if self.marker is None:
            return self._unmarked_new_draft(backend)
        foreign = self._named_elsewhere()
        drafts = [
            d
            for d in backend.find_drafts(self.marker.query)
            if not d.is_published and not is_foreign(d, foreign)
        ]
        found = backend.read_draft(drafts[0].id) if len(drafts) == 1 else None
        return found if found is not None and carries_marker(found, self.marker) else None

    def _named_elsewhere(self) -> frozenset[str]:
        return record_ids_named_elsewhere(
            self.repository_root, self.record_path, self.endpoint.api_url
        )

    def _ids(self, record: RemoteRecord) -> RecordIds:
        ids = _ids(record, self.endpoint)
        latest = self.latest_published
        if ids.state == "published" and (latest is None or latest.record_id == record.id):
            latest = _published_version(record)
        return dataclasses.replace(ids, latest_published=latest)

    # --- building blocks ------------------------------------------------------------------

    def _backend(self) -> Backend:
        token = self.request.token
        if not token:
            raise UsageError(
                "a Zenodo token is needed to read or change the record",
                hint="set ZENODO_TOKEN (or --token-file, or the action's zenodo_token input); "
                "create one under Account > Applications with deposit:write and "
                "deposit:actions scopes, on the same site as the endpoint",
            )
        return self.backend_factory(self.endpoint, self.api, token)

    def _snapshot(self, located: Located) -> LocalSnapshot:
        resolved = self.manifest.metadata
        if self.request.version:
            resolved = resolved.with_version(self.request.version)
        elif resolved.metadata.version is None and located.record is not None:
            # No source gives a version (no tag, none in the manifest or CITATION.cff): keep
            # the record's, never remove it (SPEC §13.2).
            kept = self.codec.version(located.record)
            if kept:
                resolved = resolved.with_version(kept, source="the record on Zenodo")
        self.resolved = resolved
        md = resolved.metadata
        if self.marker is not None:
            md = md.with_related_identifier(self.marker.identifier, "url", "issupplementto")
        return LocalSnapshot(
            files=self._wanted(located),
            body=self.codec.body(md),
            explicit_publication_date=md.publication_date is not None,
        )

    def _wanted(self, located: Located) -> tuple[WantedFile, ...]:
        if self.request.shows_only:
            return self.files.hashed()  # a plan that is shown lists every file's md5
        return self.files.against(located.record.files if located.record is not None else {})

    def _today(self) -> datetime.date:
        return self.request.today or datetime.datetime.now(datetime.UTC).date()

    # --- reporting ------------------------------------------------------------------------

    def _report_plan(self, the_plan: Plan) -> None:
        counts = {a: the_plan.count(a) for a in ("upload", "replace", "skip", "delete")}
        summary = ", ".join(f"{n} {a}" for a, n in counts.items() if n)
        then = ", then publish" if the_plan.publish else ""
        self.reporter.info(f"plan: {the_plan.action}{then}; files: {summary or 'none'}")
        if the_plan.metadata_changes:
            self.reporter.info(f"metadata differs in: {', '.join(the_plan.metadata_changes)}")
        for note in the_plan.notes:
            self.reporter.info(f"note: {note}")

    def _plan_json(self, the_plan: Plan | None) -> dict[str, object]:
        if the_plan is None:
            return {}
        provenance = self.resolved.provenance
        return {
            "endpoint": self.endpoint.api_url,
            "api": self.api,
            "action": the_plan.action,
            "record_id": the_plan.base_id,
            "publish": the_plan.publish,
            "files": [
                {
                    "name": op.name,
                    "action": op.action,
                    "size": op.size,
                    "md5": op.md5,
                    "source": op.origin,
                    "reason": op.reason,
                }
                for op in the_plan.files
            ],
            "metadata_changes": [
                {"field": name, "source": provenance.get(_model_field(name), "not set locally")}
                for name in the_plan.metadata_changes
            ],
            "notes": list(the_plan.notes),
            "communities": self.community_plan.as_json(),
        }

    def _offline_plan_json(self) -> dict[str, object]:
        return {
            "endpoint": self.endpoint.api_url,
            "api": self.api,
            "action": "validate",
            "files": [
                {"name": f.name, "size": f.size, "md5": f.md5, "source": f.origin}
                for f in self.files.hashed()
            ],
        }

    def _result(
        self,
        ids: RecordIds,
        the_plan: Plan | None = None,
        *,
        plan_json: dict[str, object] | None = None,
        plan_only: bool = False,
        published: bool = False,
        files: tuple[FileOutcome, ...] | None = None,
    ) -> RunResult:
        if the_plan is not None and files is None:
            files = tuple(
                FileOutcome(op.name, op.action, op.size, op.md5, op.origin) for op in the_plan.files
            )
        return RunResult(
            mode=self.request.mode,
            endpoint=self.endpoint.api_url,
            ids=ids,
            published=published,
            dry_run=plan_only,
            files=files or (),
            plan=plan_json if plan_json is not None else self._plan_json(the_plan),
            record_file=str(self.manifest.record_file),
            record_file_changed=self.record_file_changed,
            messages=tuple(self.notes),
            repository_files=self.repository_files,
            warnings=tuple(self.warnings),
        )


#: RDM metadata keys that the canonical model names differently (for provenance lookups).
_RDM_TO_MODEL = {
    "rights": "license",
    "related_identifiers": "related",
    "additional_descriptions": "notes",
    "languages": "languages",
    "subjects": "keywords",
    "upload_type": "resource_type",
    "keywords": "keywords",
    "related": "related",
}


def _repository_name(url: str | None) -> str | None:
    """``tiny`` of ``https://github.com/example/tiny``: ``{repository}`` in archive names."""
    if not url:
        return None
    name = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    return name or None


def _model_field(name: str) -> str:
    return _RDM_TO_MODEL.get(name, name)


def _published_version(record: RemoteRecord) -> PublishedVersion:
    return PublishedVersion(record.id, record.doi, record.version, record.html_url)


def _latest_published(
    backend: Backend, located: Located, entry: RecordEntry | None
) -> PublishedVersion | None:
    """The concept's latest published version as far as this run can tell without extra
    requests in the common cases: the located published record, else what the record file
    remembered, else (a draft adopted by its marker) one read of the concept's latest."""
    record = located.record
    if record is None:
        return None
    if located.kind == "published":
        return _published_version(record)
    if entry is not None and entry.latest_published is not None:
        return entry.latest_published
    if entry is not None and entry.state == "published":
        # A record file written before latest_published existed: its entry is the published one.
        return PublishedVersion(entry.record_id, entry.doi, entry.version, entry.record_url)
    if located.kind == "edit_draft":
        # The edit draft of a published record shares its id and DOI.
        return _published_version(record)
    if record.concept_doi is None:
        return None
    try:
        return _published_version(backend.read_latest(record.id))
    except ZenodoPublishError:
        return None


def _unnamed_draft_note(draft: RemoteRecord, request: SyncRequest) -> str:
    found = (
        f"new-version draft {draft.id} of this concept is open and the record file does not "
        "name it (left by an interrupted run, or one whose record file did not reach git)"
    )
    if request.shows_only:
        return f"{found}; a sync names it and leaves it as it is"
    return f"{found}: the record file names it now; the next change is made there"


def _ids(record: RemoteRecord, endpoint: Endpoint) -> RecordIds:
    state: Literal["draft", "published"] = (
        "draft" if record.is_draft and not record.is_published else "published"
    )
    return RecordIds(
        record_id=record.id,
        concept_id=record.concept_id,
        doi=record.doi,
        concept_doi=record.concept_doi,
        version=record.version,
        state=state,
        record_url=record.html_url,
    )


__all__ = ["Located", "SyncRequest", "run"]
