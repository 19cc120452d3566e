"""faq/usecases.py and the inbox's undo, on the real embedded Redis: the use cases every front
door (API, console, CLI) calls."""

from __future__ import annotations

import pytest

from faq.exchange import ExchangeError
from faq.inbox import ClusterNotFound, InboxDesk
from faq.matcher import Decision, MatchResult
from faq.models import Entry, Status
from faq.store import VersionConflict
from faq.usecases import AlreadyCurrent, EntryExists, FaqService, VersionMissing
from infomigra.runtime import Services
from tests.admin_api.helpers import new_entry


def service(services: Services) -> FaqService:
    return FaqService(services.store, ("es", "en"))


async def test_validate_lists_every_problem_including_the_fit_with_the_faq(
        services: Services) -> None:
    data = new_entry("usecase-entry", related=["no-such-entry"], category="no-such-category")
    data["translations"]["es"]["answer"] = "<div>x</div>"
    with pytest.raises(ExchangeError) as caught:
        await service(services).validate(data, "usecase-entry")
    fields = {p.field for p in caught.value.problems}
    assert {"translations.es.answer", "related", "category"} <= fields


async def test_create_update_archive_and_rollback(services: Services) -> None:
    svc = service(services)
    entry = await svc.validate(new_entry("usecase-entry"), "usecase-entry")
    created = await svc.create(entry, actor="ana")
    assert created.version == 1
    with pytest.raises(EntryExists):
        await svc.create(entry, actor="ana")
    same = await svc.update(entry, expected_version=1, actor="ana")
    assert not same.changed and same.entry.version == 1  # no new version for nothing
    edited = entry.model_copy(update={"tags": ["nuevo"]})
    saved = await svc.update(edited, expected_version=1, actor="ana")
    assert saved.changed and saved.entry.version == 2
    with pytest.raises(VersionConflict):
        await svc.update(edited, expected_version=1, actor="beto")
    archived = await svc.archive("usecase-entry", expected_version=2, actor="ana")
    assert archived.entry.status is Status.ARCHIVED
    restored = await svc.rollback("usecase-entry", 1, actor="ana")
    assert restored.version == 4 and restored.tags == entry.tags
    with pytest.raises(AlreadyCurrent):
        await svc.rollback("usecase-entry", 4, actor="ana")
    with pytest.raises(VersionMissing):
        await svc.rollback("usecase-entry", 99, actor="ana")
    actions = [r.action for r in await services.store.audit(entry_id="usecase-entry")]
    assert actions == ["rollback", "archive", "update", "create"]


async def test_import_is_all_or_nothing_and_reports_field_changes(services: Services) -> None:
    svc = service(services)
    good = Entry.model_validate(new_entry("usecase-import"))
    bad = Entry.model_validate(new_entry("usecase-import-bad", related=["missing-entry"]))
    with pytest.raises(ExchangeError):
        await svc.import_entries([good, bad], actor="cli")
    assert await services.store.get("usecase-import") is None  # nothing written
    dry = await svc.import_entries([good], actor="cli", dry_run=True)
    assert dry.plan == [("usecase-import", "add")] and dry.written == []
    done = await svc.import_entries([good], actor="cli", detail="from test.yaml")
    assert [e.id for e in done.written] == ["usecase-import"]
    record = (await services.store.audit(entry_id="usecase-import"))[0]
    assert record.action == "import" and record.detail == "add from test.yaml"


async def test_a_dismissal_can_be_undone_once(services: Services) -> None:
    desk = InboxDesk(services.stats, services.store)
    await services.stats.record_question(MatchResult("receta de pepian", Decision.NONE, ()),
                                         "es", "u1")
    [cluster] = await desk.clusters()
    assert await desk.dismiss(cluster.id, actor="ana") == 1
    assert await desk.clusters() == []
    assert await desk.undo_dismiss(cluster.id, actor="ana") == 1
    [back] = await desk.clusters()
    assert back.phrasings() == ["receta de pepian"] and back.first_seen == cluster.first_seen
    with pytest.raises(ClusterNotFound):
        await desk.undo_dismiss(cluster.id, actor="ana")


async def test_an_import_confirmed_after_a_dry_run_refuses_if_an_entry_moved(
        services: Services) -> None:
    svc = service(services)
    base = Entry.model_validate(new_entry("usecase-confirm"))
    await services.store.save(base, expected_version=0, actor="ana")
    incoming = [base.model_copy(update={"tags": ["nueva"]}),
                Entry.model_validate(new_entry("usecase-confirm-new"))]
    dry = await svc.import_entries(incoming, actor="cli", dry_run=True)
    assert dry.based_on == {"usecase-confirm": 1, "usecase-confirm-new": 0}
    await services.store.save(base.model_copy(update={"tags": ["a mano"]}),
                              expected_version=1, actor="luis")
    with pytest.raises(VersionConflict):
        await svc.import_entries(incoming, actor="cli", expected_versions=dry.based_on)
    assert await services.store.get("usecase-confirm-new") is None  # nothing written
    again = await svc.import_entries(incoming, actor="cli", dry_run=True)
    done = await svc.import_entries(incoming, actor="cli", expected_versions=again.based_on)
    assert [e.id for e in done.written] == ["usecase-confirm", "usecase-confirm-new"]
