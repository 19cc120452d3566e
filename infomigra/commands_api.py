"""API subcommands: ``api`` (the admin API alone), ``serve`` (API and bot in one process) and
``keys`` (create, list and revoke admin API keys; a key is printed once, only its hash kept)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from faq.apikeys import ApiKeyRegistry, KeyLookupError, Role
from faq.keys import Keys
from faq.migrate import migrate_layout
from faq.store import FaqStore
from infomigra.runtime import connect, is_cluster, redis_url
from infomigra.settings import Settings

T = TypeVar("T")
CLI_ACTOR = "cli"


def _run(coro: Coroutine[Any, Any, None]) -> int:
    """Run a server until Ctrl-C or SIGTERM; stopping that way is a normal exit."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(coro)
    return 0


def cmd_api(settings: Settings, args: argparse.Namespace) -> int:
    from infomigra.api_runner import run_api

    return _run(run_api(settings))


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from infomigra.api_runner import run_serve

    return _run(run_serve(settings))


# -- keys --------------------------------------------------------------------------------------

def with_registry(settings: Settings,
                  work: Callable[[ApiKeyRegistry, FaqStore], Awaitable[T]]) -> T:
    """Just Redis: managing keys needs no content, no matcher and no seeding."""

    async def run() -> T:
        with redis_url(settings) as url:
            redis = connect(settings, url)
            try:
                keys = Keys(settings.redis_prefix)
                await migrate_layout(redis, keys, cluster=is_cluster(settings))
                return await work(ApiKeyRegistry(redis, keys), FaqStore(redis, keys))
            finally:
                await redis.aclose()

    return asyncio.run(run())


def cmd_keys_create(settings: Settings, args: argparse.Namespace) -> int:
    async def work(registry: ApiKeyRegistry, store: FaqStore) -> int:
        try:
            secret, info = await registry.create(args.role, args.name, created_by=CLI_ACTOR)
        except ValueError as exc:
            print(f"infomigra keys create: {exc}", file=sys.stderr)
            return 2
        await store.note(action="key-create", actor=CLI_ACTOR,
                         detail=f"key {info.id} ({info.name}), role {info.role.value}")
        print(f"Created key {info.id} for {info.name!r} with role {info.role.value}. "
              "It is shown only now; store it somewhere safe:", file=sys.stderr)
        print(secret)
        return 0

    return with_registry(settings, work)


def cmd_keys_list(settings: Settings, args: argparse.Namespace) -> int:
    async def work(registry: ApiKeyRegistry, store: FaqStore) -> int:
        keys = await registry.list()
        if not keys:
            print("no API keys yet; create one with: infomigra keys create --role editor "
                  '--name "..."')
            return 0
        print(f"{'ID':<13} {'ROLE':<8} {'CREATED':<20} {'LAST USED':<20} NAME")
        for k in keys:
            used = k.last_used_at.strftime("%Y-%m-%d %H:%M") if k.last_used_at else "never"
            print(f"{k.id:<13} {k.role.value:<8} {k.created_at.strftime('%Y-%m-%d %H:%M'):<20} "
                  f"{used:<20} {k.name}")
        return 0

    return with_registry(settings, work)


def cmd_keys_revoke(settings: Settings, args: argparse.Namespace) -> int:
    async def work(registry: ApiKeyRegistry, store: FaqStore) -> int:
        try:
            info = await registry.revoke(args.key)
        except KeyLookupError as exc:
            print(f"infomigra keys revoke: {exc}", file=sys.stderr)
            return 1
        await store.note(action="key-revoke", actor=CLI_ACTOR,
                         detail=f"key {info.id} ({info.name}), role {info.role.value}")
        print(f"revoked key {info.id} ({info.name}, {info.role.value})")
        return 0

    return with_registry(settings, work)


def register(sub: Any) -> None:
    p = sub.add_parser("api", help="serve the admin API (uvicorn on INFOMIGRA_API_HOST/PORT)")
    p.set_defaults(handler=cmd_api)

    p = sub.add_parser("serve", help="the admin API and the Telegram bot in one process")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("keys", help="admin API keys: create, list, revoke")
    keys_sub = p.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    c = keys_sub.add_parser("create", help="create a key and print it (once)")
    c.add_argument("--role", required=True, choices=[r.value for r in Role],
                   help="editor: edit the FAQ and the inbox; manager: read FAQ and "
                        "statistics; admin: everything, plus keys")
    c.add_argument("--name", required=True, help="who or what uses the key (shown in the audit)")
    c.set_defaults(handler=cmd_keys_create, quiet=True)
    ls = keys_sub.add_parser("list", help="list keys (ids, roles, names; never the keys)")
    ls.set_defaults(handler=cmd_keys_list, quiet=True)
    r = keys_sub.add_parser("revoke", help="revoke a key by its id (or a unique start of it)")
    r.add_argument("key", metavar="ID", help="key id from 'keys list' (at least 4 characters)")
    r.set_defaults(handler=cmd_keys_revoke, quiet=True)
