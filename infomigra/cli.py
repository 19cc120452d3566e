"""The ``infomigra`` command line. Each front door registers its own subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from infomigra import commands_api, commands_bot, commands_core
from infomigra.logging_setup import configure_logging
from infomigra.redis_server import missing_binary
from infomigra.settings import Settings
from infomigra.threads import single_threaded_blas


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="infomigra",
        description="InfoMigra: sourced migration information for people on the move.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands_core.register(sub)
    commands_bot.register(sub)
    commands_api.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValueError as exc:
        print(f"infomigra: invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    problem = settings.startup_problem() or (None if settings.redis_url else missing_binary())
    if problem:
        print(f"infomigra: {problem}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level if not getattr(args, "quiet", False) else "WARNING")
    single_threaded_blas()
    result: int = args.handler(settings, args)
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
