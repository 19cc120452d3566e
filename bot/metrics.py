"""Telegram send outcomes as Prometheus counters, on the default registry.

Labels are Bot API method names and outcome kinds only: never a chat, a person or a text, so
the ``/metrics`` page (served by the admin API) cannot leak who talked to the bot.
"""

from __future__ import annotations

from prometheus_client import Counter

TELEGRAM_REQUESTS = Counter(
    "infomigra_telegram_requests",
    "Bot API calls by method and final outcome (ok, retry_after, network, server, blocked, "
    "bad_request, plain_text_fallback, unauthorized, other)",
    ["method", "outcome"])
TELEGRAM_RETRIES = Counter(
    "infomigra_telegram_retries",
    "Bot API calls tried again, by method and reason (retry_after, network, server)",
    ["method", "reason"])
TELEGRAM_RETRY_WAIT = Counter(
    "infomigra_telegram_retry_wait_seconds",
    "Seconds spent waiting before retrying Bot API calls (429 retry_after and backoff)",
    ["reason"])
RATE_LIMIT_WAIT = Counter(
    "infomigra_telegram_rate_limit_wait_seconds",
    "Seconds outgoing messages waited in the shared rate limiter, by kind of chat",
    ["chat"])
BOT_REDIS_ERRORS = Counter(
    "infomigra_bot_redis_errors",
    "Times a part of the bot found Redis unreachable and carried on without it (rate_limiter:"
    " limits in this process only; guard: per-person limit in this process; alerts, outbox:"
    " retried later; inactive: a blocked recipient not recorded)",
    ["component"])
DELIVERY_FAILED = Counter(
    "infomigra_delivery_failed",
    "Replies that did not reach the person after every retry, by reason",
    ["reason"])
