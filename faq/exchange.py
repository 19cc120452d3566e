"""Entries in and out of files (YAML and CSV), the diff an import would make, and the checks an
edit must pass against the rest of the FAQ.

Staff keep FAQ copies in spreadsheets and YAML files; an import must either apply entirely or
not at all, and say beforehand, field by field, what it would change. Every refusal is a list of
``Problem`` (where, field, message) that the CLI prints and the admin API returns as it is.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from faq.models import Entry
from faq.spreadsheet import csv_text, unescape_cell

SERVER_FIELDS = ("version", "updated_at", "updated_by")
CSV_BASE_COLUMNS = ("id", "category", "status", "tags", "related", "reviewed_on", "sources")
CSV_LANGUAGE_FIELDS = ("question", "alternates", "answer")
_LIST_SPLIT = re.compile(r"[\n;,]")
_LANG_COLUMN = re.compile(r"^(question|alternates|answer)_([a-z]{2,3})$")

_PLAIN_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "string_too_short": None,  # pydantic's own wording is already plain
    "url_parsing": "must be a full web address starting with http:// or https://",
    "url_scheme": "must be a web address starting with http:// or https://",
    "date_from_datetime_parsing": "must be a date written as YYYY-MM-DD",
    "date_parsing": "must be a date written as YYYY-MM-DD",
    "date_type": "must be a date written as YYYY-MM-DD",
}


@dataclass(frozen=True)
class Problem:
    """One reason a change is refused: where (a row, an entry), which field, and why."""

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        parts = [p for p in (self.where, f"field {self.field}" if self.field else "") if p]
        return ": ".join([*parts, self.message])

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "field": self.field, "message": self.message}


class ExchangeError(ValueError):
    """Content that cannot be imported or saved; ``problems`` says every reason at once."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def plain_message(err: Any) -> str:
    """A pydantic error in words a content editor understands (no regexes, no class names)."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        if "a-z0-9" in pattern:
            return ("must be a lowercase id made of letters a-z, digits and single hyphens, "
                    "like 'work-permit'")
        if "[a-z]{2,3}" in pattern:
            return "must be a language code of 2 or 3 lowercase letters, like 'es'"
    plain = _PLAIN_MESSAGES.get(kind)
    if plain:
        return plain
    return str(err.get("msg", "is not valid")).removeprefix("Value error, ")


def field_path(loc: Iterable[Any]) -> str:
    return ".".join(str(p) for p in loc)


def validation_problems(exc: ValidationError, where: str = "",
                        drop_prefix: int = 0) -> list[Problem]:
    """Model-wide rules (no field of their own) are reported on the field ``entry``."""
    return [Problem(where, field_path(list(err["loc"])[drop_prefix:]) or "entry",
                    plain_message(err))
            for err in exc.errors()]


# -- parsing ---------------------------------------------------------------------------------

_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = True


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a big file is turned into entries.

    Parsing 8 MB allocates millions of objects; every full collection then walks all objects
    of the process holding the GIL, which stalled the event loop (and so the bot) for 0.3-0.4 s
    at a time even with the parse in a worker thread, and made the parse 2-3 times slower
    (measured: 2.0 s -> 0.6 s for 7.7 MB of YAML, largest stall 360 -> 45 ms). What is built here
    is acyclic (dicts, lists, strings, models), so reference counting frees it anyway. The pause
    is process-wide, so it is counted: the collector comes back when the last parse ends."""
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


def parse_entry_rows(rows: Sequence[Any], labels: Sequence[str]) -> list[Entry]:
    """Validate every row; raise one ``ExchangeError`` naming all the bad ones."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    for raw, label in zip(rows, labels, strict=True):
        if not isinstance(raw, dict):
            problems.append(Problem(label, "", "must be a mapping of fields (id, category, ...)"))
            continue
        where = f"{label} ({raw['id']})" if isinstance(raw.get("id"), str) else label
        data = {k: v for k, v in raw.items() if k not in SERVER_FIELDS}
        try:
            entries.append(Entry.model_validate(data))
        except ValidationError as exc:
            problems.extend(validation_problems(exc, where))
    if problems:
        raise ExchangeError(problems)
    return entries


# The deepest an entry goes is 5 levels (entries > entry > translations > es > alternates);
# 20 leaves room for any hand-written layout and stops "[[[[..." long before the composer
# would recurse into a RecursionError.
MAX_YAML_DEPTH = 20
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster, same rules
_OPENING = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSING = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _check_yaml_shape(text: str) -> None:
    """Refuse aliases and deep nesting from the event stream, before anything is built.

    An import is data: aliases (``*name``) only serve to multiply content (the "billion laughs"),
    and nesting deeper than any entry needs only serves to exhaust the stack."""
    depth = 0
    for event in yaml.parse(text, Loader=_YAML_LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise ExchangeError([Problem("file", "", "YAML aliases (*name) are not allowed")])
        if isinstance(event, _OPENING):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise ExchangeError([Problem(
                    "file", "", f"is nested more than {MAX_YAML_DEPTH} levels deep (an entry "
                                "needs 5 at most); it is not an export of FAQ entries")])
        elif isinstance(event, _CLOSING):
            depth -= 1


def too_many_entries(count: int, max_entries: int | None) -> None:
    if max_entries is not None and count > max_entries:
        raise ExchangeError([Problem("file", "", f"has {count:,} entries; at most "
                                                 f"{max_entries:,} can be imported at once "
                                                 "(split the file)")])


def entries_from_yaml(text: str, *, max_entries: int | None = None) -> list[Entry]:
    """``entries: [...]`` (as exported, or a content file), or a bare list of entries."""
    with collection_paused():
        return _entries_from_yaml(text, max_entries)


def _entries_from_yaml(text: str, max_entries: int | None) -> list[Entry]:
    try:
        _check_yaml_shape(text)
        data = yaml.load(text, Loader=_YAML_LOADER)  # a safe loader: plain data only
    except yaml.YAMLError as exc:
        raise ExchangeError([Problem("file", "", f"not valid YAML: {exc}")]) from exc
    raw = data.get("entries") if isinstance(data, dict) else data
    if not isinstance(raw, list) or not raw:
        raise ExchangeError([Problem("file", "", "expected 'entries:' with a list of entries")])
    too_many_entries(len(raw), max_entries)
    return parse_entry_rows(raw, [f"entry #{i + 1}" for i in range(len(raw))])


def entries_from_upload(raw: bytes, *, filename: str = "", content_type: str = "",
                        fmt: str = "auto", max_entries: int | None = None) -> list[Entry]:
    """An uploaded file's entries: UTF-8 (a BOM allowed), CSV or YAML by ``fmt`` or, for
    ``auto``, by the file name (``.csv``) or content type. Every front door that accepts a file
    (the admin API, the console) calls this, so they accept and refuse the same files. CPU
    only, seconds of it for a big file: call it in a worker thread."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExchangeError([Problem("file", "", "is not UTF-8 text (save it as UTF-8 and "
                                                 "upload again)")]) from exc
    if fmt == "auto":
        is_csv = filename.lower().endswith(".csv") or "csv" in content_type
        fmt = "csv" if is_csv else "yaml"
    parse = entries_from_csv if fmt == "csv" else entries_from_yaml
    return parse(text, max_entries=max_entries)


def entries_to_yaml(entries: Iterable[Entry]) -> str:
    data = {"entries": [e.content() for e in entries]}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _split_list(cell: str, *, lines_only: bool = False) -> list[str]:
    parts = cell.split("\n") if lines_only else _LIST_SPLIT.split(cell)
    return [p.strip() for p in parts if p.strip()]


def _parse_sources(cell: str, label: str, problems: list[Problem]) -> list[dict[str, str]]:
    sources = []
    for line in _split_list(cell, lines_only=True):
        title, sep, url = line.rpartition("|")
        if not sep:
            problems.append(Problem(label, "sources",
                                    "write each source on its own line as 'title | https://...'"
                                    f", not {line[:80]!r}"))
            continue
        sources.append({"title": title.strip(), "url": url.strip()})
    return sources


def _records(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str | Any, Any]]]:
    """The rows with their numbers; a broken file (an oversized cell, a stray NUL) is a
    ``Problem`` naming the row, not an exception from the csv module."""
    try:
        yield from enumerate(reader, start=2)
    except csv.Error as exc:
        raise ExchangeError([Problem(f"row {reader.line_num}", "",
                                     f"is not valid CSV ({exc})")]) from exc


def entries_from_csv(text: str, *, max_entries: int | None = None) -> list[Entry]:
    """See ``_entries_from_csv``; the collector is paused meanwhile (``collection_paused``)."""
    with collection_paused():
        return _entries_from_csv(text, max_entries)


def _entries_from_csv(text: str, max_entries: int | None) -> list[Entry]:
    """One row per entry. Lists (tags, related, alternates, sources) hold one item per line;
    tags and related may also be separated by commas or semicolons. Per language ``xx``:
    ``question_xx``, ``alternates_xx``, ``answer_xx``; a language whose cells are all empty is
    not part of the entry. ``version``/``updated_*`` columns (as exported) are ignored; the
    apostrophe ``csv_text`` puts before formula-like cells is taken away again.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip() for h in reader.fieldnames or []]
    except csv.Error as exc:
        raise ExchangeError([Problem("header", "", f"is not valid CSV ({exc})")]) from exc
    problems: list[Problem] = []
    if "id" not in header:
        raise ExchangeError([Problem("header", "", "the first row must name the columns, "
                                                   "including 'id'")])
    languages: list[str] = []
    for column in header:
        m = _LANG_COLUMN.match(column)
        if m:
            if m.group(2) not in languages:
                languages.append(m.group(2))
        elif column not in CSV_BASE_COLUMNS and column not in SERVER_FIELDS:
            problems.append(Problem("header", column, "is not a known column"))
    if problems:
        raise ExchangeError(problems)
    rows: list[dict[str, Any]] = []
    labels: list[str] = []
    for number, raw in _records(reader):
        cells = {(k or "").strip(): unescape_cell(v.strip()).strip() if isinstance(v, str)
                 else "" for k, v in raw.items()}
        if not any(cells.values()):
            continue  # blank line
        too_many_entries(len(rows) + 1, max_entries)
        label = f"row {number}"
        row: dict[str, Any] = {"id": cells.get("id", ""), "category": cells.get("category", "")}
        if cells.get("status"):
            row["status"] = cells["status"]
        row["tags"] = _split_list(cells.get("tags", ""))
        row["related"] = _split_list(cells.get("related", ""))
        row["sources"] = _parse_sources(cells.get("sources", ""), label, problems)
        if cells.get("reviewed_on"):
            row["reviewed_on"] = cells["reviewed_on"]
        translations: dict[str, Any] = {}
        for lang in languages:
            question = cells.get(f"question_{lang}", "")
            alternates = cells.get(f"alternates_{lang}", "")
            answer = cells.get(f"answer_{lang}", "")
            if not (question or alternates or answer):
                continue
            tr: dict[str, Any] = {"alternates": _split_list(alternates, lines_only=True)}
            if question:
                tr["question"] = question
            if answer:
                tr["answer"] = answer
            translations[lang] = tr
        row["translations"] = translations
        rows.append(row)
        labels.append(label)
    if not rows:
        problems.append(Problem("file", "", "no entries in the file"))
    try:
        entries = parse_entry_rows(rows, labels)
    except ExchangeError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ExchangeError(problems)
    return entries


def csv_languages(entries: Iterable[Entry], configured: Sequence[str]) -> list[str]:
    extra = sorted({lang for e in entries for lang in e.translations} - set(configured))
    return [*configured, *extra]


def entries_to_csv(entries: Sequence[Entry], languages: Sequence[str]) -> str:
    """The spreadsheet form; ``entries_from_csv`` reads it back to the same entries."""
    columns = [*CSV_BASE_COLUMNS]
    for lang in languages:
        columns += [f"{name}_{lang}" for name in CSV_LANGUAGE_FIELDS]
    columns += list(SERVER_FIELDS)
    rows = []
    for entry in entries:
        row: dict[str, Any] = {
            "id": entry.id, "category": entry.category, "status": entry.status.value,
            "tags": "\n".join(entry.tags), "related": "\n".join(entry.related),
            "reviewed_on": entry.reviewed_on.isoformat() if entry.reviewed_on else "",
            "sources": "\n".join(f"{s.title} | {s.url}" for s in entry.sources),
            "version": entry.version,
            "updated_at": entry.updated_at.isoformat() if entry.updated_at else "",
            "updated_by": entry.updated_by or "",
        }
        for lang in languages:
            tr = entry.translations.get(lang)
            row[f"question_{lang}"] = tr.question if tr else ""
            row[f"alternates_{lang}"] = "\n".join(tr.alternates) if tr else ""
            row[f"answer_{lang}"] = tr.answer if tr else ""
        rows.append(row)
    return csv_text(rows, columns)


# -- checks against the rest of the FAQ --------------------------------------------------------

def reference_problems(entries: Sequence[Entry], *, known_ids: set[str],
                       categories: set[str], languages: Sequence[str],
                       where: dict[str, str] | None = None) -> list[Problem]:
    """What models alone cannot check: ids used twice, ``related`` ids that do not exist,
    unknown categories (when categories are known at all), languages not configured."""
    where = where or {}
    problems: list[Problem] = []
    seen: set[str] = set()
    for entry in entries:
        label = where.get(entry.id, "")
        if entry.id in seen:
            problems.append(Problem(label, "id", f"{entry.id!r} is used by two entries"))
        seen.add(entry.id)
        if categories and entry.category not in categories:
            problems.append(Problem(label, "category",
                                    f"unknown category {entry.category!r}; use one of "
                                    f"{', '.join(sorted(categories))}"))
        for lang in entry.translations:
            if lang not in languages:
                problems.append(Problem(label, f"translations.{lang}",
                                        f"language {lang!r} is not offered; the service "
                                        f"speaks {', '.join(languages)}"))
        for rel in entry.related:
            if rel not in known_ids:
                problems.append(Problem(label, "related",
                                        f"there is no entry {rel!r} to relate to"))
    return problems


# -- plans and diffs ---------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "before": self.before, "after": self.after}


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def diff_entries(before: Entry | None, after: Entry) -> list[FieldChange]:
    """Field-level changes (``translations.es.answer``) of the editable content."""
    old = _flatten(before.content()) if before is not None else {}
    new = _flatten(after.content())
    return [FieldChange(path, old.get(path), new.get(path))
            for path in sorted(set(old) | set(new)) if old.get(path) != new.get(path)]


def changed_fields(before: Entry | None, after: Entry) -> list[str]:
    return [c.field for c in diff_entries(before, after)]


def plan_import(current: dict[str, Entry], incoming: list[Entry]) -> list[tuple[str, str]]:
    """What an import would do: (entry id, 'add' | 'update' | 'unchanged')."""
    plan = []
    for entry in incoming:
        existing = current.get(entry.id)
        if existing is None:
            plan.append((entry.id, "add"))
        elif existing.content() != entry.content():
            plan.append((entry.id, "update"))
        else:
            plan.append((entry.id, "unchanged"))
    return plan
