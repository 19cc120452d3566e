"""An import previewed in the console, kept for its confirmation, and its problems in words.

"Importar" must write exactly what the preview showed. The browser is not trusted to send the
same file twice, so the previewed file stays in Redis, next to the staff session and bound to
it (keyed by the session's digest, with a random token the confirm form carries), for a short
time. Taking it deletes it in the same script that reads it: a reloaded confirm finds nothing
and imports nothing a second time.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from redis.asyncio import Redis

from faq.exchange import Problem
from faq.keys import Keys
from faq.redis_values import as_text

from .forms import plain
from .i18n import Ngettext
from .labels import field_label

Gettext = Callable[[str], str]
# Long enough to read a preview of a few hundred entries and confirm; short enough that a
# forgotten preview does not keep up to INFOMIGRA_MAX_IMPORT_BYTES in Redis for long.
STASH_SECONDS = 15 * 60
# Read the previewed file and delete it in one step, only for the preview it belongs to.
_TAKE = """
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return false end
local found = redis.call('HMGET', KEYS[1], 'text', 'name', 'based_on')
redis.call('DEL', KEYS[1])
return found
"""


@dataclass(frozen=True)
class Previewed:
    """A previewed upload: its text (validated UTF-8), its name, the versions it was planned
    on (the use case's ``based_on``)."""

    text: str
    name: str
    based_on: dict[str, int]


class ImportStash:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    async def put(self, session_digest: str, previewed: Previewed) -> str:
        """Keep the preview (replacing an earlier one of the session); returns its token."""
        token = secrets.token_urlsafe(16)
        name = self.keys.console_import(session_digest)
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(name)
        pipe.hset(name, mapping={"token": token, "text": previewed.text,
                                 "name": previewed.name,
                                 "based_on": json.dumps(previewed.based_on)})
        pipe.expire(name, STASH_SECONDS)
        await pipe.execute()
        return token

    async def take(self, session_digest: str, token: str) -> Previewed | None:
        """The preview ``token`` names, once; None when it expired, was taken or replaced."""
        if not token or len(token) > 100:
            return None
        found = await self.redis.eval(
            _TAKE, 1, self.keys.console_import(session_digest), token)
        if not found:
            return None
        text, name, based_on = (as_text(v) if v is not None else "" for v in found)
        try:
            versions = {str(k): int(v) for k, v in json.loads(based_on or "{}").items()}
        except (ValueError, AttributeError):
            return None
        return Previewed(text, name, versions)


# -- problems in the staff member's words -------------------------------------------------------

_ROW = re.compile(r"^row (\d+)(?: \((.*)\))?$")
_ENTRY_NUMBER = re.compile(r"^entry #(\d+)(?: \((.*)\))?$")
_ENTRY = re.compile(r"^entry (\S+)$")


def where_label(where: str, _: Gettext) -> str:
    """``row 5 (visa)`` -> "Fila 5 (visa)": where in the file a problem is."""
    if where == "file":
        return _("The file")
    if where == "header":
        return _("The first row (column names)")
    for pattern, words in ((_ROW, _("Row {n}")), (_ENTRY_NUMBER, _("Entry number {n}"))):
        found = pattern.match(where)
        if found:
            label = words.format(n=found.group(1))
            return f"{label} ({found.group(2)})" if found.group(2) else label
    found = _ENTRY.match(where)
    if found:
        return _("Entry {id}").format(id=found.group(1))
    return where


def _file_patterns(_: Gettext, ngettext: Ngettext
                   ) -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]:
    def fixed(text: str) -> Callable[[re.Match[str]], str]:
        return lambda m: text

    def too_many(m: re.Match[str]) -> str:
        count = int(m.group(1).replace(",", ""))
        return ngettext("The file has {count} entry; at most {max} can be imported at once. "
                        "Split the file.",
                        "The file has {count} entries; at most {max} can be imported at once. "
                        "Split the file.", count).format(count=m.group(1), max=m.group(2))

    return [
        (re.compile(r"is not UTF-8 text"),
         fixed(_("The file is not UTF-8 text. Save it as UTF-8 and upload it again."))),
        (re.compile(r"not valid YAML.*?line (\d+)", re.S),
         lambda m: _("The file is not valid YAML (look near line {line}).").format(
             line=m.group(1))),
        (re.compile(r"not valid YAML"), fixed(_("The file is not valid YAML."))),
        (re.compile(r"YAML aliases"),
         fixed(_("The file uses YAML aliases (*name), which are not allowed."))),
        (re.compile(r"nested more than (\d+) levels"),
         lambda m: _("The file is nested more than {n} levels deep: it is not an export of "
                     "FAQ entries.").format(n=m.group(1))),
        (re.compile(r"has ([\d,]+) entries; at most ([\d,]+)"), too_many),
        (re.compile(r"expected 'entries:'"),
         fixed(_("The file has no list of entries (it should start with entries:)."))),
        (re.compile(r"is not valid CSV"), fixed(_("This is not valid CSV."))),
        (re.compile(r"the first row must name the columns"),
         fixed(_("The first row must name the columns, including id."))),
        (re.compile(r"is not a known column"), fixed(_("This column is not known."))),
        (re.compile(r"no entries in the file"), fixed(_("There are no entries in the file."))),
        (re.compile(r"write each source on its own line"),
         fixed(_("Write each source on its own line as: title | https://..."))),
        (re.compile(r"must be a mapping of fields"),
         fixed(_("This is not an entry: it needs fields like id and category."))),
    ]


def problem_text(problem: Problem, _: Gettext, ngettext: Ngettext) -> str:
    for pattern, words in _file_patterns(_, ngettext):
        found = pattern.search(problem.message)
        if found:
            return words(found)
    return plain(problem.message, _, ngettext)


@dataclass(frozen=True)
class ShownProblem:
    where: str
    field: str
    text: str


def shown_problems(problems: Iterable[Problem], _: Gettext, ngettext: Ngettext,
                   lang: str) -> list[ShownProblem]:
    """Each problem with the entry (or row) and the field it concerns, in plain words."""
    shown = []
    for problem in problems:
        field = "" if problem.field in {"", "entry"} else problem.field
        if problem.where == "header":
            label = field  # a column of the file, as it is written there
        elif field == "translations":
            label = _("Languages")
        else:
            label = field_label(field, _, lang) if field else ""
        shown.append(ShownProblem(where_label(problem.where, _), label,
                                  problem_text(problem, _, ngettext)))
    return shown
