"""Delivering approved alerts to their subscribers through the shared rate limiter.

Every message goes through the Bot's sender (``bot.sender``): the Redis-backed limiter keeps all
bot processes together under Telegram's 30 messages a second, 429s are waited out, and a 403
marks the person inactive. The per-recipient state lives in Redis (``faq.alerts``): one process
at a time holds an alert's lease, and a process that takes it over from a dead one first puts
back what that one had in flight; so a crash or a restart resumes where it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.utils.i18n import I18n

from bot.background import keep_running, worker_name
from bot.people import alert_message, unsubscribe_markup
from bot.sender import failure_reason
from faq.alerts import Alert, AlertDesk, AlertTopic, Recipient

log = logging.getLogger(__name__)


class BroadcastWorker:
    def __init__(self, bot: Bot, desk: AlertDesk, i18n: I18n, *, concurrency: int = 4,
                 lease_ms: int = 15_000, poll_seconds: float = 2.0) -> None:
        """``concurrency`` sends in flight at once: enough to keep 30/s with Telegram's usual
        answer times (about 100 ms), and the most messages a crash can leave uncertain.
        ``lease_ms``: how long a dead sender's alert waits before another takes it over."""
        self.bot = bot
        self.desk = desk
        self.i18n = i18n
        self.concurrency = concurrency
        self.lease_ms = lease_ms
        self.poll_seconds = poll_seconds
        self.owner = worker_name()

    async def run(self) -> None:
        """Until cancelled: look for approved alerts, deliver each one this process can take."""
        await keep_running(self.run_once, component="alerts", what="alerts",
                           pause=self.poll_seconds, pause_on_error=self.poll_seconds)

    async def run_once(self) -> int:
        """Deliver every active alert this process can take; how many it finished."""
        finished = 0
        for alert_id in await self.desk.active():
            if await self.desk.acquire(alert_id, self.owner, self.lease_ms):
                finished += int(await self.deliver(alert_id))
        return finished

    async def deliver(self, alert_id: str) -> bool:
        alert = await self.desk.get(alert_id)
        names = {t.id: t for t in await self.desk.topics()}
        log.info("alert %s: delivering to %d recipients (%d done before)", alert_id,
                 alert.recipients, alert.recipients - alert.pending)
        keeper = asyncio.create_task(self._keep_lease(alert_id))
        try:
            await asyncio.gather(*(self._sender(alert, names) for _ in range(self.concurrency)))
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        done = await self.desk.finish(alert_id, self.owner)
        if done:
            final = await self.desk.get(alert_id)
            log.info("alert %s: done: %d delivered, %d failed, %d skipped", alert_id,
                     final.delivered, final.failed, final.skipped)
        return done

    async def _keep_lease(self, alert_id: str) -> None:
        while True:
            await asyncio.sleep(self.lease_ms / 3000)
            if not await self.desk.renew(alert_id, self.owner, self.lease_ms):
                log.warning("alert %s: lease lost; another process continues", alert_id)
                return

    async def _sender(self, alert: Alert, names: dict[str, AlertTopic]) -> None:
        while True:
            claim = await self.desk.claim(alert.id, self.owner)
            if claim.recipient is None:
                return
            reason = await self.desk.should_send(alert, claim.recipient.user)
            if reason is not None:
                await self.desk.mark(alert.id, claim.recipient.user, f"skipped:{reason}")
                continue
            outcome = await self._send(alert, claim.recipient, names)
            await self.desk.mark(alert.id, claim.recipient.user, outcome)

    async def _send(self, alert: Alert, recipient: Recipient,
                    names: dict[str, AlertTopic]) -> str:
        lang = recipient.lang if recipient.lang in alert.texts else self.desk.default_language
        with self.i18n.context(), self.i18n.use_locale(lang):
            topic_names = [names[t].name(lang) if t in names else t for t in alert.topics]
            text = alert_message(topic_names, alert.text(lang, self.desk.default_language))
            markup = unsubscribe_markup(alert.id)
        try:
            await self.bot.send_message(recipient.chat_id, text, reply_markup=markup)
        except TelegramForbiddenError:
            return "failed:blocked"
        except TelegramAPIError as exc:
            return f"failed:{failure_reason(exc)}"
        return "delivered"
