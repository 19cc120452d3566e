"""The inbox desk: unanswered questions grouped by similar wording, and what staff do with them.

Fifty people asking "chamba en el norte sin papeles" in fifty spellings are one gap in the FAQ,
not fifty. Questions are compared on their content words (lexicon applied, stop words dropped)
with rapidfuzz, so "trabajo en estados unidos" and "chamba en el norte" meet. A cluster is named
after its oldest question, which stays its leader while newer questions join; that keeps the id
a staff member saw valid when they act on it a minute later.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from rapidfuzz import fuzz, process

from faq.models import ALTERNATES_MAX, Entry
from faq.stats import InboxItem, Stats
from faq.store import EntryNotFound, FaqStore, VersionConflict
from faq.text import normalise

log = logging.getLogger(__name__)

KeyFunction = Callable[[str, str], str]
SAVE_ATTEMPTS = 5
# How long a dismissal can be undone: long enough to notice a wrong click and come back from
# another page, short enough that dismissed (redacted) questions do not linger.
UNDO_SECONDS = 600


@dataclass(frozen=True)
class InboxOptions:
    similarity: float = 78.0     # rapidfuzz token_sort_ratio (0-100) to join a cluster
    max_examples: int = 5
    max_candidates: int = 3
    max_items: int = 5000        # newest questions read per request (bounded cost)


class InboxErrorCode(StrEnum):
    """Why an inbox action was refused, for front doors that say it in their own words."""

    NO_PHRASINGS = "no_phrasings"
    NO_TRANSLATION = "no_translation"
    TOO_MANY_ALTERNATES = "too_many_alternates"
    KEEPS_CHANGING = "keeps_changing"


class InboxError(ValueError):
    """An inbox action that cannot be done as asked; the message says why, plainly (in
    English); ``code`` and ``details`` (the entry, the language, a limit) say it as data."""

    def __init__(self, code: InboxErrorCode, message: str, *,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.details = details or {}


class ClusterNotFound(LookupError):
    def __init__(self, cluster_id: str) -> None:
        super().__init__(f"no inbox cluster {cluster_id!r} (it may have been handled already)")
        self.cluster_id = cluster_id


@dataclass(frozen=True)
class Cluster:
    id: str
    items: tuple[InboxItem, ...]  # oldest first; items[0] is the leader
    candidates: tuple[tuple[str, float], ...] = ()

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]

    @property
    def first_seen(self) -> datetime:
        return min(i.at for i in self.items)

    @property
    def last_seen(self) -> datetime:
        return max(i.at for i in self.items)

    @property
    def languages(self) -> dict[str, int]:
        return dict(Counter(i.lang for i in self.items).most_common())

    @property
    def main_language(self) -> str:
        return next(iter(self.languages))

    def phrasings(self, lang: str | None = None) -> list[str]:
        """Distinct wordings (case-insensitive), most frequent first."""
        counts: Counter[str] = Counter()
        first: dict[str, str] = {}
        for item in self.items:
            if lang is not None and item.lang != lang:
                continue
            text = " ".join(item.text.split())
            key = text.casefold()
            if key:
                counts[key] += 1
                first.setdefault(key, text)
        return [first[k] for k, _ in counts.most_common()]

    def examples(self, limit: int) -> list[str]:
        return self.phrasings()[:limit]


def _stream_order(item: InboxItem) -> tuple[int, int]:
    ms, _, seq = item.id.partition("-")
    try:
        return int(ms), int(seq or 0)
    except ValueError:
        return 0, 0


def plain_key(text: str, lang: str) -> str:
    return " ".join(sorted(normalise(text).split()))


def cluster_items(items: Sequence[InboxItem], key: KeyFunction = plain_key,
                  options: InboxOptions | None = None) -> list[Cluster]:
    """Leader clustering, oldest first: each question joins the most similar leader above the
    threshold or leads a new cluster. Largest clusters first, then the most recent."""
    options = options or InboxOptions()
    leaders: list[str] = []
    groups: list[list[InboxItem]] = []
    for item in sorted(items, key=_stream_order):
        text_key = key(item.text, item.lang) or plain_key(item.text, item.lang)
        best = None
        if leaders and text_key:
            best = process.extractOne(text_key, leaders, scorer=fuzz.token_sort_ratio,
                                      score_cutoff=options.similarity)
        if best is not None:
            groups[best[2]].append(item)
        else:
            leaders.append(text_key)
            groups.append([item])
    clusters = [Cluster(group[0].id, tuple(group), _candidates(group, options.max_candidates))
                for group in groups]
    return sorted(clusters, key=lambda c: (-c.count, -c.last_seen.timestamp(), c.id))


def _candidates(items: Sequence[InboxItem], limit: int) -> tuple[tuple[str, float], ...]:
    """The entries the matcher came closest with, averaged over the cluster's questions."""
    totals: dict[str, float] = {}
    for item in items:
        for cand in item.candidates:
            entry_id = cand.get("id")
            if isinstance(entry_id, str):
                totals[entry_id] = totals.get(entry_id, 0.0) + float(cand.get("score", 0.0))
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return tuple((entry_id, round(total / len(items), 4)) for entry_id, total in ranked)


@dataclass
class AttachResult:
    entry: Entry
    added: list[str] = field(default_factory=list)
    resolved: int = 0


class InboxDesk:
    """Reads the inbox as clusters and resolves them: attach to an entry, or dismiss."""

    def __init__(self, stats: Stats, store: FaqStore, key: KeyFunction = plain_key,
                 options: InboxOptions | None = None) -> None:
        self.stats = stats
        self.store = store
        self.key = key
        self.options = options or InboxOptions()

    async def clusters(self) -> list[Cluster]:
        items = await self.stats.inbox(limit=self.options.max_items)
        return await asyncio.to_thread(cluster_items, items, self.key, self.options)

    async def cluster(self, cluster_id: str) -> Cluster:
        for cluster in await self.clusters():
            if cluster.id == cluster_id:
                return cluster
        raise ClusterNotFound(cluster_id)

    async def attach(self, cluster_id: str, entry_id: str, *, actor: str,
                     lang: str | None = None, phrasings: Sequence[str] | None = None
                     ) -> AttachResult:
        """Add the cluster's wordings (or the ones staff chose and perhaps corrected) as
        alternates of ``entry_id`` in ``lang``: a new version of the entry, audited as
        ``inbox-attach``. The cluster's questions then leave the inbox.

        Raises ``ClusterNotFound``, ``EntryNotFound``, ``InboxError`` and pydantic's
        ``ValidationError`` (a phrasing too long, say); nothing is written then.
        """
        cluster = await self.cluster(cluster_id)
        lang = lang or cluster.main_language
        chosen = list(phrasings) if phrasings is not None else cluster.phrasings(lang)
        chosen = [" ".join(p.split()) for p in chosen if p and p.strip()]
        if not chosen:
            raise InboxError(InboxErrorCode.NO_PHRASINGS,
                             f"no {lang!r} phrasings to add: choose at least one",
                             details={"lang": lang})
        for _ in range(SAVE_ATTEMPTS):
            entry = await self.store.get(entry_id)
            if entry is None:
                raise EntryNotFound(entry_id)
            if lang not in entry.translations:
                raise InboxError(InboxErrorCode.NO_TRANSLATION,
                                 f"entry {entry_id!r} has no {lang!r} translation to add "
                                 f"phrasings to", details={"entry": entry_id, "lang": lang})
            tr = entry.translations[lang]
            present = {p.casefold() for p in tr.phrasings()}
            added = [p for p in dict.fromkeys(chosen) if p.casefold() not in present]
            if len(tr.alternates) + len(added) > ALTERNATES_MAX:
                raise InboxError(InboxErrorCode.TOO_MANY_ALTERNATES,
                                 f"entry {entry_id!r} would have more than {ALTERNATES_MAX} "
                                 f"{lang!r} alternates; remove some first",
                                 details={"entry": entry_id, "lang": lang,
                                          "limit": ALTERNATES_MAX})
            if not added:
                await self.stats.dismiss(cluster.item_ids)
                return AttachResult(entry, [], cluster.count)
            new_tr = tr.model_validate({**tr.model_dump(), "alternates": [*tr.alternates,
                                                                          *added]})
            updated = entry.model_copy(
                update={"translations": {**entry.translations, lang: new_tr}})
            try:
                saved = await self.store.save(
                    updated, expected_version=entry.version, actor=actor, action="inbox-attach",
                    detail=f"inbox cluster {cluster.id}: {len(added)} {lang} phrasing(s) "
                           f"from {cluster.count} question(s)")
            except VersionConflict:
                continue  # someone saved meanwhile: add to their version instead
            await self.stats.dismiss(cluster.item_ids)
            return AttachResult(saved, added, cluster.count)
        raise InboxError(InboxErrorCode.KEEPS_CHANGING,
                         f"entry {entry_id!r} keeps changing; try again in a moment",
                         details={"entry": entry_id})

    async def dismiss(self, cluster_id: str, *, actor: str) -> int:
        """Drop the cluster's questions (not worth an answer); audited as ``inbox-dismiss``."""
        cluster = await self.cluster(cluster_id)
        kept = [json.dumps({"text": i.text, "lang": i.lang, "candidates": i.candidates,
                            "at": i.at.isoformat()}) for i in cluster.items]
        undo_key = self.store.keys.inbox_undo(cluster.id)
        pipe = self.store.redis.pipeline(transaction=True)
        pipe.delete(undo_key)
        pipe.rpush(undo_key, *kept)
        pipe.expire(undo_key, UNDO_SECONDS)
        await pipe.execute()
        await self.stats.dismiss(cluster.item_ids)
        example = cluster.examples(1)[0] if cluster.examples(1) else ""
        await self.store.note(action="inbox-dismiss", actor=actor,
                              detail=f"inbox cluster {cluster.id}: {cluster.count} question(s) "
                                     f"like {example[:120]!r}")
        return cluster.count

    async def resolve(self, cluster_id: str) -> int:
        """Take a cluster's questions out of the inbox because an entry now answers them (the
        entry's own save is what the audit records). 0 when the cluster is gone already."""
        try:
            cluster = await self.cluster(cluster_id)
        except ClusterNotFound:
            return 0
        await self.stats.dismiss(cluster.item_ids)
        return cluster.count

    async def undo_dismiss(self, cluster_id: str, *, actor: str) -> int:
        """Put a dismissed cluster's questions back (within ``UNDO_SECONDS``); audited as
        ``inbox-undo``. Raises ``ClusterNotFound`` when there is nothing to undo."""
        undo_key = self.store.keys.inbox_undo(cluster_id)
        pipe = self.store.redis.pipeline(transaction=True)
        pipe.lrange(undo_key, 0, -1)
        pipe.delete(undo_key)
        raw, _ = await pipe.execute()
        if not raw:
            raise ClusterNotFound(cluster_id)
        items = []
        for row in raw:
            data = json.loads(row)
            items.append(InboxItem("", data["text"], data["lang"], data["candidates"],
                                   datetime.fromisoformat(data["at"])))
        await self.stats.restore(items)
        await self.store.note(action="inbox-undo", actor=actor,
                              detail=f"inbox cluster {cluster_id}: {len(items)} question(s) back")
        return len(items)
