"""API subcommands (`api`, `keys`): filled in by the admin API issue."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from infomigra.settings import Settings


def cmd_unavailable(settings: Settings, args: argparse.Namespace) -> int:
    print(f"infomigra {args.command}: not built yet", file=sys.stderr)
    return 3


def register(sub: Any) -> None:
    for name in ("api", "keys", "serve"):
        p = sub.add_parser(name, help="(not built yet)")
        p.set_defaults(handler=cmd_unavailable)
