"""Bot subcommands: ``bot`` (Telegram, long polling or ``--webhook``) and ``chat`` (terminal)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from infomigra.runtime import Services, open_services
from infomigra.settings import Settings

if TYPE_CHECKING:
    from infomigra.chat import ChatSession

log = logging.getLogger(__name__)

# aiogram and the bot are imported inside the commands: building aiogram's Telegram types takes
# seconds, which every other subcommand (`keys`, `match`, `export`...) should not pay.

NO_TOKEN = """infomigra bot: BOT_TOKEN is not set, so there is no bot to run.
Create a bot with @BotFather in Telegram, then run for example:
  BOT_TOKEN=123456:ABC... .venv/bin/infomigra bot
(or BOT_TOKEN=... make run for the admin API and the bot together)."""


def looks_like_token(token: str) -> bool:
    """aiogram's ``validate_token`` rule (digits, a colon, then something, no white space),
    checked before aiogram is imported so that a wrong setting is refused in a blink."""
    left, colon, right = token.partition(":")
    return bool(colon) and left.isdigit() and bool(right) and not any(c.isspace() for c in token)


def cmd_bot(settings: Settings, args: argparse.Namespace) -> int:
    token = settings.bot_token.get_secret_value().strip() if settings.bot_token else ""
    if not token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    if not looks_like_token(token):
        print("infomigra bot: BOT_TOKEN does not look like a Telegram bot token "
              "(digits, a colon, then letters: 123456:ABC...).", file=sys.stderr)
        return 2
    if args.webhook and not settings.webhook_url:
        print("infomigra bot --webhook: INFOMIGRA_WEBHOOK_URL is not set (the public https "
              "address Telegram sends updates to).", file=sys.stderr)
        return 2

    from infomigra.bot_errors import BotNotConfigured, BotTokenRefused
    from infomigra.bot_runner import check_token, run_bot, webhook_address

    async def main(stop: asyncio.Event) -> None:
        await check_token(settings, stop)  # a refused token exits before Redis even starts
        async with open_services(settings) as services:
            if args.webhook:
                webhook_address(services)
            await run_bot(services, webhook=args.webhook, stop=stop)

    try:
        _run_until_signal(main)
    except (BotNotConfigured, BotTokenRefused) as exc:
        print(f"infomigra bot: {exc}", file=sys.stderr)
        return 2
    return 0


def _run_until_signal(work: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run ``work(stop)``; SIGTERM (docker stop) and Ctrl-C set ``stop`` so the bot finishes
    the answers in progress and shuts down cleanly; a second signal cancels outright."""
    async def guarded() -> None:
        stop = asyncio.Event()
        task = asyncio.ensure_future(work(stop))
        loop = asyncio.get_running_loop()

        def on_signal() -> None:
            if stop.is_set():
                task.cancel()
            stop.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, on_signal)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    _run_bounded(guarded())


EXIT_GRACE_SECONDS = 3.0


def _run_bounded(main: Any) -> None:
    """``asyncio.run``, except that tasks still pending at the end are cancelled and awaited
    for ``EXIT_GRACE_SECONDS`` only: one stuck in a library (a pub/sub read ignoring its
    cancellation) must not keep the process from exiting. ``asyncio.run`` waits forever."""
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main)
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.wait(pending, timeout=EXIT_GRACE_SECONDS))
        left = [t for t in pending if not t.done()]
        if left:
            names = ", ".join(sorted({t.get_name() for t in left}))
            log.warning("exiting with %d task(s) that did not stop: %s", len(left), names)
            loop.set_exception_handler(lambda _loop, _context: None)  # no "destroyed" noise
        with contextlib.suppress(Exception):
            loop.run_until_complete(asyncio.wait_for(loop.shutdown_asyncgens(),
                                                     EXIT_GRACE_SECONDS))
        loop.close()


def cmd_broadcast(settings: Settings, args: argparse.Namespace) -> int:
    from infomigra.people import run_broadcast

    if settings.bot_token is None:
        print(NO_TOKEN.replace("infomigra bot", "infomigra broadcast", 1), file=sys.stderr)
        return 2
    if not settings.alerts_enabled:
        print("infomigra broadcast: alerts are off (set INFOMIGRA_ALERTS_ENABLED=true and "
              "INFOMIGRA_CHAT_KEY).", file=sys.stderr)
        return 2

    async def main(stop: asyncio.Event) -> None:
        async with open_services(settings, seed=False, matcher=False) as services:
            await run_broadcast(services, stop, lease_ms=int(args.lease_seconds * 1000),
                                poll_seconds=args.poll_seconds)

    _run_until_signal(main)
    return 0


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    from infomigra.chat import converse

    lang = args.lang if args.lang in settings.languages else settings.default_language

    async def main() -> None:
        async with open_services(settings) as services:
            await converse(chat_session(services, lang))

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return 0


def chat_session(services: Services, lang: str) -> ChatSession:
    from bot.answering import Answering
    from bot.catalog import TopicCatalog
    from bot.guard import RedisGuard
    from bot.i18n import build_i18n
    from infomigra.bot_runner import bot_config
    from infomigra.chat import ChatSession

    config = bot_config(services)
    guard = RedisGuard()
    answering = Answering(services.live, services.stats, guard, config)
    return ChatSession(answering, TopicCatalog(services.store, guard), build_i18n(config), lang,
                       sys.stdout)


def register(sub: Any) -> None:
    p = sub.add_parser("bot", help="the Telegram bot (long polling; --webhook behind HTTPS)")
    p.add_argument("--webhook", action="store_true",
                   help="receive updates on INFOMIGRA_WEBHOOK_URL instead of long polling")
    p.set_defaults(handler=cmd_bot)

    p = sub.add_parser("broadcast", help="deliver approved alerts (also done by `bot`/`serve`)")
    p.add_argument("--lease-seconds", type=float, default=15.0,
                   help="how long an alert of a dead sender waits before another takes it over")
    p.add_argument("--poll-seconds", type=float, default=2.0,
                   help="how often to look for newly approved alerts")
    p.set_defaults(handler=cmd_broadcast)

    p = sub.add_parser("chat", help="talk to the bot's pipeline in the terminal")
    p.add_argument("--lang", default="es", help="language of the conversation (default es)")
    p.set_defaults(handler=cmd_chat, quiet=True)
