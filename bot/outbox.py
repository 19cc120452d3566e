"""Delivering what staff do in the console or the API to the person's chat: replies, and the
notice that staff closed the conversation.

Staff actions wait in ``faq.conversations``' outbox stream (a consumer group: each action goes
to one bot process; one a dead process had taken is claimed again after a minute). An action is
acknowledged once Telegram took it, or refused it for good (the person blocked the bot: the
sender marks them inactive); a send that keeps failing is left unacknowledged and tried again.
"""

from __future__ import annotations

import html
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.background import keep_running, worker_name
from bot.people import end_markup
from faq.conversations import ConversationDesk, OutboxItem

log = logging.getLogger(__name__)
IDLE_SECONDS = 2.0
"""After an error reading the outbox (Redis away), wait this long before trying again."""


class OutboxWorker:
    def __init__(self, bot: Bot, desk: ConversationDesk, i18n: I18n, *,
                 default_language: str, block_ms: int = 1000,
                 reclaim_idle_ms: int = 60_000) -> None:
        self.bot = bot
        self.desk = desk
        self.i18n = i18n
        self.default_language = default_language
        self.block_ms = block_ms
        self.reclaim_idle_ms = reclaim_idle_ms
        self.consumer = worker_name()
        self._ready = False

    async def run(self) -> None:
        """Until cancelled (``step`` itself waits on the stream, so no pause after a success)."""
        await keep_running(self.step, component="outbox", what="conversation outbox",
                           pause_on_error=IDLE_SECONDS)

    async def step(self) -> int:
        """Deliver what is waiting (blocking up to ``block_ms``); how many were finished."""
        if not self._ready:
            await self.desk.ensure_outbox()
            self._ready = True
        items = await self.desk.take_outbox(self.consumer, block_ms=self.block_ms,
                                            reclaim_idle_ms=self.reclaim_idle_ms)
        done = []
        for item in items:
            if await self.deliver(item):
                done.append(item.id)
        await self.desk.ack(done)
        return len(done)

    async def deliver(self, item: OutboxItem) -> bool:
        """True when the action is finished with (sent, or refused for good)."""
        lang = item.lang or self.default_language
        with self.i18n.context(), self.i18n.use_locale(lang):
            if item.kind == "reply":
                heading = html.escape(_("Reply from the InfoMigra team"))
                text = f"<b>💬 {heading}</b>\n\n{item.text}"
                markup = end_markup()
            else:
                text = html.escape(_("The team closed this conversation. You can ask me your "
                                     "questions again, or send /humano to talk to a person."))
                markup = None
        try:
            await self.bot.send_message(item.chat_id, text, reply_markup=markup)
        except TelegramForbiddenError:
            log.info("conversation %s: the person blocked the bot; %s not delivered",
                     item.conv_id, item.kind)
            return True
        except TelegramBadRequest as exc:
            log.warning("conversation %s: Telegram refused the %s (%s)", item.conv_id, item.kind,
                        exc.message[:80])
            return True
        except TelegramAPIError as exc:
            log.warning("conversation %s: %s not delivered yet (%s); it stays queued",
                        item.conv_id, item.kind, type(exc).__name__)
            return False
        log.info("conversation %s: %s delivered", item.conv_id, item.kind)
        return True
