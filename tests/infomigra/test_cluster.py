"""The service on a real three-master Redis Cluster (started here from the same redis-server
binary): every script's keys in one slot, so saves, pages, statistics, the inbox, API keys, the
change notices, talking to a person and alerts work as on one server."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis, RedisCluster
from redis.exceptions import RedisClusterException, ResponseError

from faq.alerts import AlertDesk, AlertStatus, load_topics
from faq.apikeys import ApiKeyRegistry, AuthThrottle, failure_subjects
from faq.conversations import ConversationDesk
from faq.crypto import ChatCipher
from faq.loader import Content
from faq.matcher import Candidate, Decision, MatchResult
from faq.migrate import migrate_layout
from faq.models import Status
from faq.store import EntryFilter
from infomigra.runtime import Services, build_services, connect, prepare
from infomigra.settings import Settings
from tests.conftest import TEST_HASH_SECRET, FakeClock, RedisProcess, start_cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[list[RedisProcess]]:
    with tempfile.TemporaryDirectory(prefix="im-cluster-") as tmp:
        nodes = start_cluster(Path(tmp))
        try:
            yield nodes
        finally:
            for node in nodes:
                node.stop()


@pytest.fixture
async def on_cluster(cluster: list[RedisProcess], tmp_path: Path, content: Content,
                     clock: FakeClock) -> AsyncIterator[Services]:
    settings = Settings(data_dir=tmp_path / "var", redis_cluster_url=cluster[1].url,
                        user_hash_secret=TEST_HASH_SECRET, helpdesk_enabled=True,
                        alerts_enabled=True, chat_key=ChatCipher.new_key(),
                        _env_file=None)  # type: ignore[call-arg]
    redis = connect(settings, None)
    assert isinstance(redis, RedisCluster)
    await redis.flushall(target_nodes=RedisCluster.PRIMARIES)  # type: ignore[call-arg]
    services = build_services(settings, redis, content, clock=clock)
    await prepare(services)
    await services.store.seed(content.entries, content.categories)
    try:
        yield services
    finally:
        await redis.aclose()


async def test_faq_saves_pages_and_change_notices_on_a_cluster(
        on_cluster: Services, content: Content) -> None:
    store, live = on_cluster.store, on_cluster.live
    ids, total = await store.page(limit=5)
    assert total == len(content.entries) and ids == sorted(e.id for e in content.entries)[:5]
    published, _ = await store.page(EntryFilter(status=Status.PUBLISHED, language="en"),
                                    limit=None)
    assert published

    follower = await live.start()
    try:
        entry = await store.get(ids[0])
        assert entry is not None
        lang, tr = entry.translation("es")
        edited = entry.model_copy(update={"translations": {
            **entry.translations, lang: tr.model_copy(update={"answer": "<b>nuevo</b>"})}})
        saved = await store.save(edited, expected_version=entry.version, actor="ana")
        deadline = asyncio.get_running_loop().time() + 10
        while live.matcher.revision < await store.revision():
            assert asyncio.get_running_loop().time() < deadline, "no change notice arrived"
            await asyncio.sleep(0.05)
    finally:
        follower.cancel()
    if saved.status is Status.PUBLISHED:
        current = live.entry(saved.id)
        assert current is not None and current.version == saved.version
    assert [r.action for r in await store.audit(entry_id=saved.id)] == ["update", "seed"]
    assert await store.existing([saved.id, "nope"]) == {saved.id}
    batch = [(e, e.version) for e in (await store.get_many(ids[1:4])).values()]
    assert len(await store.save_many(batch, actor="import", action="import")) == 3


async def test_a_change_notice_reaches_subscribers_on_every_node(
        on_cluster: Services, cluster: list[RedisProcess], content: Content) -> None:
    """Regular (not sharded) pub/sub: the save script publishes on the node that holds
    ``{faq}``; the cluster bus forwards it, so a process subscribed anywhere hears it."""
    store = on_cluster.store
    subscribers = [Redis(port=node.port, decode_responses=True) for node in cluster]
    pubsubs = [r.pubsub() for r in subscribers]
    try:
        for pubsub in pubsubs:
            await pubsub.subscribe(store.keys.changed_channel)
            assert (await pubsub.get_message(timeout=5))["type"] == "subscribe"  # type: ignore[index]
        entry = content.entries[0]
        saved = await store.save(entry.model_copy(update={"tags": ["cluster"]}),
                                 expected_version=1, actor="ana")
        rev = await store.revision()
        for pubsub in pubsubs:
            # The bus forwards asynchronously: the seed's own notices may still arrive first.
            heard: list[str] = []
            deadline = asyncio.get_running_loop().time() + 10
            while str(rev) not in heard and asyncio.get_running_loop().time() < deadline:
                message = await pubsub.get_message(timeout=1)
                if message is not None and message["type"] == "message":
                    heard.append(message["data"])
            assert str(rev) in heard, heard
        assert saved.version == 2
    finally:
        for pubsub, client in zip(pubsubs, subscribers, strict=True):
            await pubsub.aclose()
            await client.aclose()


async def test_stats_inbox_and_keys_on_a_cluster(on_cluster: Services, clock: FakeClock) -> None:
    stats = on_cluster.stats
    for day in range(3):
        await stats.record_question(MatchResult("pasaporte", Decision.ANSWER,
                                                (Candidate("privacy", 0.9),)), "es", f"u{day}")
        await stats.record_question(MatchResult("receta de pepián", Decision.NONE, ()),
                                    "en", "u0")
        await stats.record_feedback("privacy", "up", None)
        clock.advance(days=1)
    clock.advance(days=-1)
    summary = await stats.summary(stats.today() - timedelta(days=2), stats.today())
    assert (summary.asked, summary.answered, summary.unmatched, summary.distinct_users,
            summary.feedback_up) == (6, 3, 3, 3, 3)
    [ranked] = await stats.entries(stats.today() - timedelta(days=2), stats.today())
    assert (ranked.entry_id, ranked.answers, ranked.up) == ("privacy", 3, 3)
    inbox = await stats.inbox()
    assert [i.text for i in inbox] == ["receta de pepián"] * 3
    await stats.dismiss([inbox[0].id])
    assert len(await stats.inbox()) == 2

    registry = ApiKeyRegistry(on_cluster.redis, on_cluster.keys)
    secret, info = await registry.create("editor", "ana")
    assert (await registry.authenticate(secret)) is not None
    assert [k.id for k in await registry.list()] == [info.id]
    await registry.revoke(info.id)
    assert await registry.authenticate(secret) is None

    throttle = AuthThrottle(on_cluster.redis, on_cluster.keys, max_failures=2)
    subjects = failure_subjects("10.0.0.7", "imk_wrong-key-guess")
    assert await throttle.failed(*subjects) == 1  # one MULTI over both counters
    assert await throttle.retry_after(*subjects) is None
    await throttle.failed(*subjects)
    assert (await throttle.retry_after(subjects[1])) is not None


async def test_the_cluster_refuses_what_the_layout_avoids(on_cluster: Services) -> None:
    """The point of the hash tags: keys of two slots in one command are refused."""
    redis: Redis = on_cluster.redis
    with pytest.raises((ResponseError, RedisClusterException)):
        await redis.eval("return redis.call('GET', KEYS[1])", 2, "im:faq:ids", "im:stats:x")
    report = await migrate_layout(redis, on_cluster.keys, cluster=True)
    assert report.moved == 0


PERSON, OTHER = "4f2a" + "0" * 60, "b07e" + "1" * 60


async def test_talking_to_a_person_on_a_cluster(on_cluster: Services, clock: FakeClock) -> None:
    """Opening, replying and closing are each one MULTI over the conversation, the status
    indexes, the person's pointers and the day's counters: all in ``{conv}``."""
    desk = on_cluster.conversations
    assert isinstance(desk, ConversationDesk)
    await desk.ensure_outbox()
    conv, created = await desk.open(PERSON, 771234567, "es")
    assert created and (await desk.open(PERSON, 771234567, "es")) == (conv, False)
    other, _ = await desk.open(OTHER, 771234568, "en")
    assert (await desk.add_person_message(PERSON, "hola, mi teléfono es 5555-1234")) is not None
    clock.advance(seconds=90)
    await desk.reply(conv.id, "ana (key 1)", "Hola, le ayudo.")
    assert [c.id for c in await desk.list_conversations("mine", "ana (key 1)")] == [conv.id]
    closed = await desk.close(conv.id, "ana (key 1)")
    assert closed.status == "closed" and await desk.active(PERSON) is None
    assert [m.sender for m in closed.messages] == ["person", "staff"]
    assert "5555-1234" not in closed.messages[0].text  # redacted before it was stored
    items = await desk.take_outbox("bot-1", block_ms=100)
    assert [(i.conv_id, i.kind, i.chat_id) for i in items] == [
        (conv.id, "reply", 771234567), (conv.id, "closed", 771234567)]
    await desk.ack([i.id for i in items])
    assert await desk.take_outbox("bot-1", block_ms=100) == []
    figures = await desk.stats(desk.today(), desk.today())
    assert (figures.total.opened, figures.total.answered) == (2, 1)
    assert figures.total.first_replies == [90]

    assert await desk.forget(PERSON) == 1
    keys = [k async for k in on_cluster.redis.scan_iter(match="*")]  # every primary
    assert not any(PERSON in k or conv.id in k for k in keys), keys
    assert (await desk.get(other.id)).status == "open"
    await desk.close_by_person(OTHER)
    clock.advance(days=desk.options.retention_days + 1)
    assert await desk.expire() == 1
    assert await desk.list_conversations("closed") == []


async def test_alerts_on_a_cluster(on_cluster: Services) -> None:
    """Subscriptions are one MULTI in ``{alert-subs}``; each alert's delivery runs its scripts
    in the alert's own slot, and the alert index and active set are written beside them."""
    desk = on_cluster.alerts
    assert isinstance(desk, AlertDesk)
    await desk.seed_topics(load_topics())
    people = [f"{n:064x}" for n in range(1, 4)]
    for n, person in enumerate(people):
        assert await desk.subscribe(person, "fraud-warnings", 1000 + n, "es")
    assert await desk.subscribe(people[2], "safety-notices", 1002, "en")
    assert await desk.unsubscribe(people[2], ["fraud-warnings"]) == 1
    assert await desk.subscriptions(people[2]) == {"safety-notices"}
    assert await desk.subscriber_count("fraud-warnings") == 2

    alert = await desk.create(["fraud-warnings"], {"es": "<b>Cuidado</b>", "en": "<b>Beware</b>"},
                              actor="ed", actor_key="k1")
    approved = await desk.approve(alert.id, actor="admin", actor_key="k2")
    assert approved.recipients == 2 and await desk.active() == [alert.id]
    assert await desk.acquire(alert.id, "sender", 10_000)
    reached: list[int] = []
    while (claim := await desk.claim(alert.id, "sender")).recipient is not None:
        assert await desk.should_send(approved, claim.recipient.user) is None
        reached.append(claim.recipient.chat_id)
        await desk.mark(alert.id, claim.recipient.user, "delivered")
    assert sorted(reached) == [1000, 1001]
    assert await desk.finish(alert.id, "sender")
    done = await desk.get(alert.id)
    assert (done.status, done.delivered) == (AlertStatus.DONE, 2)
    assert await desk.active() == [] and [a.id for a in await desk.list_alerts()] == [alert.id]

    assert await desk.forget(people[0]) == 1
    assert await desk.subscriptions(people[0]) == set()
    assert await desk.subscriber_count("fraud-warnings") == 1
    assert await desk.should_send(approved, people[0]) == "unsubscribed"
