"""In group chats the bot answers only commands and mentions, and stores nothing else."""

from __future__ import annotations

from infomigra.runtime import Services
from tests.bot.conftest import FAMILY, JOHN, MARIA, PASSPORT_ES, VOICE, ChatFactory, only_sent


async def test_chatter_in_a_group_is_ignored(chat: ChatFactory, services: Services) -> None:
    maria = chat(MARIA, FAMILY)
    assert await maria.send(PASSPORT_ES) == []
    assert await maria.send("¿alguien sabe a qué hora abre el consulado?") == []
    assert await maria.send_content(**VOICE) == []
    assert [k async for k in services.redis.scan_iter()
            if k.startswith(("im:user:", "im:stats:", "im:inbox"))] == []


async def test_a_mention_is_answered_as_a_reply_without_the_mention(
        chat: ChatFactory, services: Services) -> None:
    maria = chat(MARIA, FAMILY)
    calls = await maria.send("@InfoMigraTestBot " + PASSPORT_ES)
    answer = only_sent(calls)
    assert answer["chat"]["id"] == FAMILY["id"]
    assert answer["text"].startswith(
        services.live.entry("passport-application").translations["es"].answer)
    question_id = next(c for c in calls if c.method == "sendMessage").params[
        "reply_parameters"]["message_id"]
    assert maria.tg.messages[(FAMILY["id"], question_id)]["text"].startswith("@InfoMigraTestBot")


async def test_commands_are_answered_in_a_group(chat: ChatFactory) -> None:
    john = chat(JOHN, FAMILY)
    assert "<b>How to ask</b>" in only_sent(await john.send("/help"))["text"]
    assert "<b>How to ask</b>" in only_sent(await john.send("/help@InfoMigraTestBot"))["text"]
    assert await john.send("/help@SomeOtherBot") == []


async def test_a_mention_of_someone_else_is_not_for_the_bot(chat: ChatFactory) -> None:
    assert await chat(MARIA, FAMILY).send("@tia_rosa " + PASSPORT_ES) == []


async def test_a_bare_mention_gets_a_hint(chat: ChatFactory) -> None:
    hint = only_sent(await chat(MARIA, FAMILY).send("@InfoMigraTestBot"))["text"]
    assert hint.startswith("Escríbame su pregunta con sus propias palabras")


async def test_a_reply_to_the_bots_message_in_a_group_is_answered(
        chat: ChatFactory, services: Services) -> None:
    maria, john = chat(MARIA, FAMILY), chat(JOHN, FAMILY)
    first = only_sent(await maria.send("@InfoMigraTestBot " + PASSPORT_ES))
    # John replies to the bot's answer, without the @name: a follow-up for the bot.
    follow_up = john.tg.user_message(JOHN, PASSPORT_ES, chat=FAMILY, reply_to_message=first)
    answer = only_sent(await john.feed(john.tg.update("message", follow_up)))
    assert answer["text"].startswith(  # John's Telegram speaks English
        services.live.entry("passport-application").translations["en"].answer)
    # A reply to someone else's message stays their conversation.
    other = john.tg.user_message(JOHN, PASSPORT_ES, chat=FAMILY,
                                 reply_to_message=maria.tg.user_message(MARIA, "hola",
                                                                        chat=FAMILY))
    assert await john.feed(john.tg.update("message", other)) == []
