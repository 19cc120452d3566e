"""The staff use cases on FAQ entries, written once: create, update, archive, rollback, import.

The admin API, the staff console and the CLI are front doors; each turns its input into entries
and its refusals into its own words, and all of them go through here, so an entry the console
accepts is one the API and the CLI accept too, and every write is checked the same way against
the rest of the FAQ. (Attach and dismiss, the inbox use cases, live in ``faq.inbox``.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from faq.exchange import (
    ExchangeError,
    FieldChange,
    Problem,
    collection_paused,
    diff_entries,
    plan_import,
    reference_problems,
    validation_problems,
)
from faq.models import Entry, Status
from faq.store import EntryNotFound, FaqStore, VersionConflict


class EntryExists(Exception):
    """A new entry was given an id that is taken."""

    def __init__(self, entry_id: str) -> None:
        super().__init__(f"an entry with id {entry_id!r} already exists")
        self.entry_id = entry_id


class VersionMissing(LookupError):
    def __init__(self, entry_id: str, version: int) -> None:
        super().__init__(f"entry {entry_id!r} has no version {version}")
        self.entry_id = entry_id
        self.version = version


class AlreadyCurrent(ValueError):
    def __init__(self, entry_id: str, version: int) -> None:
        super().__init__(f"version {version} is already the current version of {entry_id!r}")
        self.entry_id = entry_id
        self.version = version


@dataclass(frozen=True)
class Saved:
    entry: Entry
    changed: bool = True


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, on a dry run, would do), entry by entry."""

    plan: list[tuple[str, str]]
    changes: dict[str, list[FieldChange]]
    written: list[Entry] = field(default_factory=list)
    # The version each entry was at when the plan was made (0: not in the FAQ yet). Passed back
    # as ``expected_versions``, it makes the real import refuse if anything moved since a
    # dry run, so what is written is exactly what was previewed.
    based_on: dict[str, int] = field(default_factory=dict)

    def count(self, action: str) -> int:
        return sum(1 for _, act in self.plan if act == action)


def _plan_and_changes(current: dict[str, Entry], incoming: list[Entry]
                      ) -> tuple[list[tuple[str, str]], dict[str, list[FieldChange]]]:
    with collection_paused():
        plan = plan_import(current, incoming)
        by_id = {e.id: e for e in incoming}
        return plan, {entry_id: diff_entries(current.get(entry_id), by_id[entry_id])
                      for entry_id, _ in plan}


class FaqService:
    """The use cases over one store, for the languages the service offers."""

    def __init__(self, store: FaqStore, languages: Sequence[str]) -> None:
        self.store = store
        self.languages = tuple(languages)

    # -- checks --------------------------------------------------------------------------------

    async def reference_problems(self, entries: Sequence[Entry], *,
                                 where: dict[str, str] | None = None,
                                 known: set[str] | None = None) -> list[Problem]:
        """Related ids, category and languages checked against the FAQ as it is now."""
        if known is None:
            wanted = {rel for e in entries for rel in e.related} - {e.id for e in entries}
            known = await self.store.existing(sorted(wanted))  # one SMISMEMBER
        known = known | {e.id for e in entries}
        categories = {c.id for c in await self.store.categories()}
        return reference_problems(entries, known_ids=known, categories=categories,
                                  languages=self.languages, where=where)

    async def validate(self, data: Mapping[str, Any], entry_id: str) -> Entry:
        """The entry ``data`` describes, or one ``ExchangeError`` listing every problem at once:
        the entry's own rules (a published entry needs sources, ...) and its fit with the FAQ."""
        problems: list[Problem] = []
        entry: Entry | None = None
        try:
            entry = Entry.model_validate({**data, "id": entry_id})
        except ValidationError as exc:
            problems += validation_problems(exc)
        draft = entry or Entry.model_construct(
            id=entry_id, category=str(data.get("category") or ""),
            related=list(data.get("related") or []),
            translations=dict(data.get("translations") or {}))
        problems += await self.reference_problems([draft])
        if problems or entry is None:
            raise ExchangeError(problems)
        return entry

    # -- one entry -----------------------------------------------------------------------------

    async def current(self, entry_id: str) -> Entry:
        entry = await self.store.get(entry_id)
        if entry is None:
            raise EntryNotFound(entry_id)
        return entry

    async def create(self, entry: Entry, *, actor: str) -> Entry:
        try:
            return await self.store.save(entry, expected_version=0, actor=actor,
                                         action="create")
        except VersionConflict as exc:
            raise EntryExists(entry.id) from exc

    async def update(self, entry: Entry, *, expected_version: int, actor: str) -> Saved:
        """Save ``entry`` over the version the editor read; an edit that changes nothing makes
        no new version. Raises ``EntryNotFound`` and ``VersionConflict`` (nothing written)."""
        current = await self.current(entry.id)
        if current.version != expected_version:
            raise VersionConflict(entry.id, expected_version, current.version)
        if entry.content() == current.content():
            return Saved(current, changed=False)
        saved = await self.store.save(entry, expected_version=expected_version, actor=actor)
        return Saved(saved)

    async def archive(self, entry_id: str, *, expected_version: int, actor: str) -> Saved:
        current = await self.current(entry_id)
        if current.version != expected_version:
            raise VersionConflict(entry_id, expected_version, current.version)
        if current.status is Status.ARCHIVED:
            return Saved(current, changed=False)
        return Saved(await self.store.archive(entry_id, expected_version=expected_version,
                                              actor=actor))

    async def rollback(self, entry_id: str, version: int, *, actor: str,
                       expected_version: int | None = None) -> Entry:
        """Make an earlier version current again, as a new version. It must still fit the FAQ
        (a related entry may be gone since). Raises ``EntryNotFound``, ``VersionConflict``,
        ``VersionMissing``, ``AlreadyCurrent`` and ``ExchangeError``."""
        current = await self.current(entry_id)
        if expected_version is not None and current.version != expected_version:
            raise VersionConflict(entry_id, expected_version, current.version)
        old = await self.store.version(entry_id, version)
        if old is None:
            raise VersionMissing(entry_id, version)
        if version == current.version:
            raise AlreadyCurrent(entry_id, version)
        problems = await self.reference_problems([old])
        if problems:
            raise ExchangeError(problems)
        return await self.store.rollback(entry_id, version, expected_version=current.version,
                                         actor=actor)

    # -- many entries --------------------------------------------------------------------------

    async def import_entries(self, incoming: list[Entry], *, actor: str, dry_run: bool = False,
                             where: dict[str, str] | None = None,
                             detail: str = "",
                             expected_versions: Mapping[str, int] | None = None
                             ) -> ImportResult:
        """Check every entry against the FAQ, then write all changed entries in one atomic step
        (or none: ``VersionConflict`` when one changed meanwhile). ``ExchangeError`` lists every
        problem before anything is written. ``expected_versions`` (a dry run's ``based_on``):
        ``VersionConflict`` unless every entry is still at that version, so an import confirmed
        after a preview writes what the preview showed or nothing."""
        current = await self.store.get_many([e.id for e in incoming])  # not the whole FAQ
        based_on = {e.id: current[e.id].version if e.id in current else 0 for e in incoming}
        for entry_id, expected in (expected_versions or {}).items():
            if based_on.get(entry_id, 0) != expected:
                raise VersionConflict(entry_id, expected, based_on.get(entry_id, 0))
        problems = await self.reference_problems(
            incoming,
            where=where if where is not None else {e.id: f"entry {e.id}" for e in incoming})
        if problems:
            raise ExchangeError(problems)
        # CPU only, and seconds of it for a big file: in a worker thread (the bot shares the loop).
        plan, changes = await asyncio.to_thread(_plan_and_changes, current, incoming)
        by_id = {e.id: e for e in incoming}
        if dry_run:
            return ImportResult(plan, changes, based_on=based_on)
        to_write = [(by_id[i], current[i].version if i in current else 0)
                    for i, action in plan if action != "unchanged"]
        details = [f"{action} {detail}" if detail else "" for _, action in plan
                   if action != "unchanged"]
        saved = await self.store.save_many(to_write, actor=actor, action="import",
                                           details=details)
        return ImportResult(plan, changes, saved, based_on)
