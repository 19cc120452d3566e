"""Alerts on the real Redis: drafts, approval by a second person, subscriptions under the keyed
hash, and delivery state that survives a dead sender."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from faq.alerts import AlertDesk, AlertError, AlertErrorCode, AlertStatus, load_topics
from faq.crypto import ChatCipher
from faq.keys import Keys
from faq.telegram_html import HtmlProblemCode
from tests.conftest import FakeClock

TEXTS = {"es": "<b>Cuidado</b>: nadie cobra por una visa H-2A.",
         "en": "<b>Beware</b>: nobody charges for an H-2A visa."}


def user(n: int) -> str:
    return f"{n:064x}"


@pytest.fixture
async def desk(redis: Redis, clock: FakeClock) -> AlertDesk:
    found = AlertDesk(redis, Keys(), ChatCipher(ChatCipher.new_key()), clock=clock,
                      languages=("es", "en"), default_language="es")
    await found.seed_topics(load_topics())
    return found


async def test_a_draft_needs_every_language_valid_html_and_known_topics(
        desk: AlertDesk) -> None:
    with pytest.raises(AlertError, match="'en' text is missing") as missing:
        await desk.create(["fraud-warnings"], {"es": "hola"}, actor="ed", actor_key="k1")
    assert (missing.value.code, missing.value.details) == (AlertErrorCode.TEXT_MISSING,
                                                           {"lang": "en"})
    with pytest.raises(AlertError, match="'es' text") as invalid:
        await desk.create(["fraud-warnings"], {**TEXTS, "es": "<b>hola"}, actor="ed",
                          actor_key="k1")
    assert invalid.value.code is AlertErrorCode.TEXT_INVALID
    assert [p.code for p in invalid.value.details["problems"]] == [HtmlProblemCode.UNCLOSED]
    with pytest.raises(AlertError, match="unknown alert topic") as unknown:
        await desk.create(["no-such-topic"], TEXTS, actor="ed", actor_key="k1")
    assert unknown.value.details == {"topics": ["no-such-topic"]}
    with pytest.raises(AlertError, match="at least one") as none:
        await desk.create([], TEXTS, actor="ed", actor_key="k1")
    assert none.value.code is AlertErrorCode.NO_TOPIC
    alert = await desk.create(["fraud-warnings"], TEXTS, actor="ed", actor_key="k1")
    assert alert.status is AlertStatus.DRAFT and alert.recipients == 0


async def test_approval_needs_a_second_person_and_fixes_the_recipients(
        desk: AlertDesk) -> None:
    for n in range(3):
        await desk.subscribe(user(n), "fraud-warnings", 1000 + n, "es")
    await desk.subscribe(user(1), "safety-notices", 1001, "es")  # in both: counted once
    await desk.subscribe(user(9), "border-changes", 1009, "en")  # another topic
    alert = await desk.create(["fraud-warnings", "safety-notices"], TEXTS, actor="ed",
                              actor_key="k1")
    with pytest.raises(AlertError, match="someone other than its author") as own:
        await desk.approve(alert.id, actor="ed", actor_key="k1")
    assert own.value.code is AlertErrorCode.OWN_ALERT
    approved = await desk.approve(alert.id, actor="admin", actor_key="k2")
    assert approved.status is AlertStatus.APPROVED and approved.recipients == 3
    with pytest.raises(AlertError, match="only once") as twice:
        await desk.approve(alert.id, actor="admin2", actor_key="k3")
    assert twice.value.code is AlertErrorCode.NOT_DRAFT


async def test_subscriptions_are_kept_under_the_hash_and_forget_removes_them(
        desk: AlertDesk, redis: Redis) -> None:
    assert not await desk.subscribe(user(1), "no-such-topic", 4242, "es")
    assert await desk.subscribe(user(1), "fraud-warnings", 771234567, "es")
    assert await desk.subscribe(user(1), "safety-notices", 771234567, "es")
    assert await desk.subscriptions(user(1)) == {"fraud-warnings", "safety-notices"}
    values = [str(await redis.hgetall(k)) async for k in redis.scan_iter("im:{alert-subs}:topic:*")]
    assert values and not any("771234567" in v for v in values)
    assert await desk.unsubscribe(user(1), ["safety-notices"]) == 1
    assert await desk.forget(user(1)) == 1
    assert await desk.subscriptions(user(1)) == set()
    assert [k async for k in redis.scan_iter("im:{alert-subs}:person:*")] == []
    assert await desk.subscriber_count("fraud-warnings") == 0


async def deliver(desk: AlertDesk, alert_id: str, owner: str, *, stop_after: int | None = None,
                  lease_ms: int = 10_000) -> list[int]:
    """A minimal sender: takes recipients and records them as delivered."""
    got: list[int] = []
    assert await desk.acquire(alert_id, owner, lease_ms)
    while stop_after is None or len(got) < stop_after:
        claim = await desk.claim(alert_id, owner)
        if claim.recipient is None:
            break
        got.append(claim.recipient.chat_id)
        await desk.mark(alert_id, claim.recipient.user, "delivered")
    return got


async def test_a_sender_that_dies_is_resumed_without_gaps_or_repeats(desk: AlertDesk) -> None:
    for n in range(50):
        await desk.subscribe(user(n), "fraud-warnings", 1000 + n, "es")
    alert = await desk.create(["fraud-warnings"], TEXTS, actor="ed", actor_key="k1")
    await desk.approve(alert.id, actor="admin", actor_key="k2")
    first = await deliver(desk, alert.id, "dead", stop_after=20, lease_ms=200)
    # It took three more and died before Telegram answered.
    taken = [await desk.claim(alert.id, "dead") for _ in range(3)]
    assert all(c.recipient for c in taken)
    assert not await desk.acquire(alert.id, "new", 1000)  # its lease still runs
    await asyncio.sleep(0.3)
    rest = await deliver(desk, alert.id, "new")
    assert (await desk.claim(alert.id, "dead")).lost_lease
    assert sorted(first + rest) == list(range(1000, 1050))
    assert await desk.finish(alert.id, "new")
    done = await desk.get(alert.id)
    assert done.status is AlertStatus.DONE and (done.delivered, done.failed) == (50, 0)
    assert await desk.active() == []


async def test_an_alert_between_two_slots_is_neither_lost_nor_finished_early(
        desk: AlertDesk, redis: Redis) -> None:
    """The active set and the alert are in different slots (written one after the other): a
    sender that finds an alert whose approval has not landed yet leaves it for a later run, and
    a finished alert a crash left in the set is taken out by the next run."""
    await desk.subscribe(user(1), "fraud-warnings", 1001, "es")
    alert = await desk.create(["fraud-warnings"], TEXTS, actor="ed", actor_key="k1")
    assert [a.id for a in await desk.list_alerts()] == [alert.id]
    # As `approve` is between its two writes: in the set, still `approving`, no recipients.
    await redis.hset(desk.keys.alert(alert.id), "status", AlertStatus.APPROVING.value)
    await redis.sadd(desk.keys.alerts_active, alert.id)
    assert await deliver(desk, alert.id, "early") == []
    assert not await desk.finish(alert.id, "early")  # not marked done with nobody reached
    assert (await desk.get(alert.id)).status is AlertStatus.APPROVING
    assert await desk.active() == [alert.id]
    assert await desk.acquire(alert.id, "early", 10_000)  # the lease was given back
    await desk.release(alert.id, "early")

    other = await desk.create(["fraud-warnings"], TEXTS, actor="ed", actor_key="k1")
    await desk.approve(other.id, actor="admin", actor_key="k2")
    assert await deliver(desk, other.id, "a") == [1001]
    assert await desk.finish(other.id, "a")
    finished_at = (await desk.get(other.id)).finished_at
    await redis.sadd(desk.keys.alerts_active, other.id)  # as if it died before the SREM
    assert await desk.acquire(other.id, "b", 10_000)
    assert await desk.finish(other.id, "b")
    assert other.id not in await desk.active()
    assert (await desk.get(other.id)).finished_at == finished_at
    assert (await desk.get(other.id)).delivered == 1


async def test_who_left_or_blocked_the_bot_is_skipped(desk: AlertDesk, redis: Redis) -> None:
    for n in range(3):
        await desk.subscribe(user(n), "fraud-warnings", 1000 + n, "es")
    alert = await desk.create(["fraud-warnings"], TEXTS, actor="ed", actor_key="k1")
    alert = await desk.approve(alert.id, actor="admin", actor_key="k2")
    await desk.unsubscribe(user(0))
    await redis.hset(Keys().user(user(1)), "inactive", "2026-11-20T15:00:00+00:00")
    reasons = [await desk.should_send(alert, user(n)) for n in range(3)]
    assert reasons == ["unsubscribed", "inactive", None]
