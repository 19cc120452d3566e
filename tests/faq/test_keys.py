"""The keys one MULTI or script writes together share a Redis Cluster slot (the cluster refuses
anything else with CROSSSLOT); checked here by name, on the cluster in tests/infomigra."""

from __future__ import annotations

from datetime import date

from redis.crc import key_slot

from faq.keys import Keys

PERSON, OTHER = "4f2a" + "0" * 60, "b07e" + "1" * 60


def slots(*names: str) -> set[int]:
    return {key_slot(name.encode()) for name in names}


def test_a_conversation_and_the_persons_pointers_share_one_slot() -> None:
    keys = Keys()
    day = date(2026, 12, 1)
    assert len(slots(keys.conversation("a1b2c3d4e5f6"), keys.conversation_messages("a1b2c3d4e5f6"),
                     keys.conversation("0f0f0f0f0f0f"), keys.conversations("open"),
                     keys.conversations("closed"), keys.conversation_outbox,
                     keys.conversation_stats(day), keys.conversation_first_replies(day),
                     keys.user_conversation(PERSON), keys.user_conversations(OTHER))) == 1
    assert keys.user_conversation(PERSON) != keys.user_conversations(PERSON)


def test_subscriptions_share_one_slot_and_each_alert_has_its_own() -> None:
    keys = Keys()
    assert len(slots(keys.alert_subscribers("fraud-warnings"),
                     keys.alert_subscribers("safety-notices"), keys.user_alerts(PERSON),
                     keys.user_alerts(OTHER))) == 1
    one = "0123456789"
    assert len(slots(keys.alert(one), keys.alert_queue(one), keys.alert_recipients(one),
                     keys.alert_state(one), keys.alert_lock(one))) == 1


def test_the_new_names_are_not_taken_for_layout_1_names() -> None:
    keys = Keys()
    for name in (keys.user_conversation(PERSON), keys.alert_subscribers("x"),
                 keys.user_alerts(PERSON), keys.conversation_outbox):
        assert keys.legacy_name(name) is None
