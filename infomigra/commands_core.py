"""Core subcommands: match, eval, seed, export, import. They work on the live store."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from faq.calibration import CALIBRATION_FILE
from faq.evaluation import EvalItem, calibrate, evaluate, format_report, parse_items
from faq.exchange import (
    ExchangeError,
    entries_from_yaml,
    entries_to_yaml,
)
from faq.store import EntryNotFound, VersionConflict
from faq.usecases import FaqService
from infomigra.runtime import Services, open_services
from infomigra.settings import Settings

T = TypeVar("T")
Handler = Callable[[Settings, argparse.Namespace], int]


def with_services(settings: Settings, work: Callable[[Services], Awaitable[T]]) -> T:
    async def run() -> T:
        async with open_services(settings) as services:
            return await work(services)

    return asyncio.run(run())


# -- match -------------------------------------------------------------------------------------

def parse_question_line(line: str, default_lang: str) -> tuple[str, str] | None:
    """A plain-text line, or JSON ``{"q": ..., "lang": ...}``; None for a blank line."""
    line = line.strip()
    if not line:
        return None
    if line.startswith("{"):
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            return line, default_lang
        if isinstance(data, dict) and isinstance(data.get("q"), str):
            lang = data.get("lang") if isinstance(data.get("lang"), str) else default_lang
            return data["q"], str(lang)
    return line, default_lang


def cmd_match(settings: Settings, args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        await services.live.semantic_warmed_up()  # a tool answers with the whole cascade
        matcher = services.live.hybrid
        for raw in sys.stdin:
            parsed = parse_question_line(raw, args.lang)
            if parsed is None:
                continue
            q, lang = parsed
            result = matcher.match(q, lang)
            sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False) + "\n")
            sys.stdout.flush()
        return 0

    return with_services(settings, work)


# -- eval --------------------------------------------------------------------------------------

def _labelled_questions(path: Path, command: str) -> list[EvalItem] | None:
    """The labelled set ``eval`` and ``calibrate`` share; None (after saying so) when missing."""
    if not path.exists():
        print(f"infomigra {command}: no such file {path}", file=sys.stderr)
        return None
    return parse_items(yaml.safe_load(path.read_text(encoding="utf-8")))

def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    items = _labelled_questions(path, "eval")
    if items is None:
        return 2

    async def work(services: Services) -> int:
        await services.live.semantic_warmed_up()
        report = evaluate(services.live.hybrid, items)
        if args.json:
            print(json.dumps({
                "overall": report.overall.rates(),
                "by_language": {k: v.rates() for k, v in sorted(report.by_language.items())},
                "misses": report.misses}, ensure_ascii=False, indent=2))
        else:
            print(f"{path}: {len(items)} questions, "
                  f"{len(services.live.matcher)} published entries")
            print(format_report(report))
        return 0

    return with_services(settings, work)


# -- calibrate ---------------------------------------------------------------------------------

def cmd_calibrate(settings: Settings, args: argparse.Namespace) -> int:
    """Refit faq/calibration.json on a labelled set; prints the out-of-fold figures."""
    path = Path(args.file)
    items = _labelled_questions(path, "calibrate")
    if items is None:
        return 2

    async def work(services: Services) -> int:
        await services.live.semantic_warmed_up()
        hybrid = services.live.hybrid
        if not hybrid.semantic_ready:
            print("infomigra calibrate: the embedding model is not available "
                  "(semantic stage off); nothing written", file=sys.stderr)
            return 1
        calibration, report = await calibrate(hybrid, items, folds=args.folds)
        print(json.dumps(report, ensure_ascii=False, indent=1))
        if args.dry_run:
            print("dry run: nothing written", file=sys.stderr)
            return 0
        out = Path(args.output)
        out.write_text(calibration.to_json(), encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
        return 0

    return with_services(settings, work)


# -- seed --------------------------------------------------------------------------------------

def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        report = await services.store.seed(services.content.entries,
                                           services.content.categories, update=args.update)
        print(f"added {len(report.added)}, updated {len(report.updated)}, "
              f"kept {len(report.kept)} (edited by staff or unchanged)")
        for entry_id in report.added:
            print(f"  + {entry_id}")
        for entry_id in report.updated:
            print(f"  ~ {entry_id}")
        return 0

    return with_services(settings, work)


# -- export / import ---------------------------------------------------------------------------

def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    async def work(services: Services) -> int:
        entries = await services.store.list_entries()
        text = entries_to_yaml(entries)
        if args.file == "-":
            sys.stdout.write(text)
        else:
            Path(args.file).write_text(text, encoding="utf-8")
            print(f"exported {len(entries)} entries to {args.file}")
        return 0

    return with_services(settings, work)


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Validate the whole file against the live FAQ, then write every change in one step."""
    path = Path(args.file)
    try:
        incoming = entries_from_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        print(f"infomigra import: cannot read {path}: {exc}", file=sys.stderr)
        return 1
    except ExchangeError as exc:
        print(f"infomigra import: nothing written.\n{exc}", file=sys.stderr)
        return 1

    async def work(services: Services) -> int:
        service = FaqService(services.store, settings.languages)
        try:
            result = await service.import_entries(
                incoming, actor=f"cli:import:{path.name}", dry_run=args.dry_run,
                where={e.id: f"{path.name}: entry {e.id}" for e in incoming})
        except ExchangeError as exc:
            print(f"infomigra import: nothing written.\n{exc}", file=sys.stderr)
            return 1
        except (VersionConflict, EntryNotFound) as exc:
            print(f"infomigra import: nothing written: {exc} (someone saved meanwhile; "
                  "run it again)", file=sys.stderr)
            return 1
        for entry_id, action in result.plan:
            if action != "unchanged" or args.dry_run:
                print(f"{action:>9}  {entry_id}")
        if args.dry_run:
            print("dry run: nothing written")
            return 0
        print(f"imported {len(result.written)} entries")
        return 0

    return with_services(settings, work)


def register(sub: Any) -> None:
    p = sub.add_parser("match", help="match questions from stdin, one JSON line out per line")
    p.add_argument("--lang", default="es", help="language of plain-text lines (default es)")
    p.set_defaults(handler=cmd_match, quiet=True)

    p = sub.add_parser("eval", help="matching quality on a YAML eval set")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_eval, quiet=True)

    p = sub.add_parser("calibrate", help="refit the matching decisions on a labelled YAML set "
                       "(out-of-fold report; writes faq/calibration.json)")
    p.add_argument("file")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--output", default=str(CALIBRATION_FILE))
    p.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    p.set_defaults(handler=cmd_calibrate, quiet=True)

    p = sub.add_parser("seed", help="add shipped FAQ entries that are missing")
    p.add_argument("--update", action="store_true",
                   help="also apply shipped changes to entries staff have not edited")
    p.set_defaults(handler=cmd_seed)

    p = sub.add_parser("export", help="write every FAQ entry to a YAML file ('-' for stdout)")
    p.add_argument("file")
    p.set_defaults(handler=cmd_export, quiet=True)

    p = sub.add_parser("import", help="import entries from YAML (all valid, or nothing)")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="print what would change")
    p.set_defaults(handler=cmd_import)
