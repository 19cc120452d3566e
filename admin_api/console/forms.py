"""The entry form: from the browser's fields to entry data, and refusals back to the fields.

The core says why an entry is refused in plain English, per field path
(``translations.es.answer``); here each reason goes next to the input it is about, in the staff
member's language: HTML problems by their codes (``errors``), pydantic's and the core's other
sentences by their wording. A reason the console has no translation for is shown as a generic
sentence in the staff member's language (the English goes to the log at DEBUG), never as it is.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from starlette.datastructures import FormData

from faq.exchange import Problem
from faq.models import Entry
from faq.telegram_html import html_problems

from .errors import generic, html_problem, html_text_problems
from .i18n import Ngettext

log = logging.getLogger(__name__)
Gettext = Callable[[str], str]
_LIST_SPLIT = re.compile(r"[,;\n]")


@dataclass
class EntryForm:
    """What the editor typed, kept as typed so a refused form comes back unchanged."""

    id: str = ""
    category: str = ""
    status: str = "draft"
    tags: str = ""
    related: str = ""
    reviewed_on: str = ""
    sources: list[tuple[str, str]] = field(default_factory=list)
    translations: dict[str, dict[str, Any]] = field(default_factory=dict)
    version: int = 0

    @classmethod
    def of(cls, entry: Entry, languages: Sequence[str]) -> EntryForm:
        return cls.parse_content(entry.content(), languages, entry.id, entry.version)

    @classmethod
    def parse_content(cls, content: dict[str, Any], languages: Sequence[str], entry_id: str,
                      version: int) -> EntryForm:
        """The form for entry content (as ``Entry.content()`` gives it, or a merge of it)."""
        sources = []
        for source in content.get("sources") or []:
            if isinstance(source, dict):
                sources.append((str(source.get("title", "")), str(source.get("url", ""))))
        reviewed = content.get("reviewed_on")
        form = cls(id=entry_id, category=str(content.get("category") or ""),
                   status=str(content.get("status") or "draft"),
                   tags=", ".join(content.get("tags") or []),
                   related=", ".join(content.get("related") or []),
                   reviewed_on=str(reviewed) if reviewed else "", sources=sources,
                   version=version)
        translations = content.get("translations") or {}
        for lang in languages:
            tr = translations.get(lang) or {}
            form.translations[lang] = {"question": str(tr.get("question") or ""),
                                       "alternates": list(tr.get("alternates") or []),
                                       "answer": str(tr.get("answer") or "")}
        return form

    @classmethod
    def blank(cls, languages: Sequence[str]) -> EntryForm:
        form = cls()
        for lang in languages:
            form.translations[lang] = {"question": "", "alternates": [], "answer": ""}
        return form

    @classmethod
    def parse(cls, data: FormData, languages: Sequence[str], today: date) -> EntryForm:
        def text(name: str) -> str:
            value = data.get(name)
            return value.strip() if isinstance(value, str) else ""

        def texts(name: str) -> list[str]:
            return [v.strip() for v in data.getlist(name) if isinstance(v, str)]

        try:
            version = int(text("version") or 0)
        except ValueError:
            version = 0
        form = cls(id=text("id"), category=text("category"), status=text("status") or "draft",
                   tags=text("tags"), related=text("related"),
                   reviewed_on=today.isoformat() if text("checked_today")
                   else text("reviewed_on"), version=version)
        titles, urls = texts("source_title"), texts("source_url")
        form.sources = [(t, u) for t, u in zip(titles, urls, strict=False) if t or u]
        for lang in languages:
            form.translations[lang] = {
                "question": text(f"question_{lang}"),
                "alternates": [a for a in texts(f"alternates_{lang}") if a],
                "answer": text(f"answer_{lang}")}
        return form

    def data(self) -> dict[str, Any]:
        """Entry data for ``FaqService.validate``; a language left empty is not part of it."""
        translations = {lang: dict(tr) for lang, tr in self.translations.items()
                        if tr["question"] or tr["answer"] or tr["alternates"]}
        out: dict[str, Any] = {
            "category": self.category, "status": self.status,
            "tags": split_list(self.tags), "related": split_list(self.related),
            "sources": [{"title": t, "url": u} for t, u in self.sources],
            "translations": translations}
        if self.reviewed_on:
            out["reviewed_on"] = self.reviewed_on
        return out


    def answer_inputs(self) -> dict[str, str]:
        """Each answer as typed, by its input's name (``answer_es``)."""
        return {f"answer_{lang}": tr["answer"] for lang, tr in self.translations.items()}

    def publishing_problems(self) -> list[Problem]:
        """The rules of a published entry, said even when another field is wrong (the model
        checks them only once every field is valid, so the editor would meet them one by one)."""
        if self.status != "published":
            return []
        problems = []
        if not any(url for _title, url in self.sources):
            problems.append(Problem("", "entry", "a published entry needs at least one source"))
        if not self.reviewed_on:
            problems.append(Problem("", "entry", "a published entry needs reviewed_on"))
        return problems


def split_list(text: str) -> list[str]:
    return [part.strip() for part in _LIST_SPLIT.split(text) if part.strip()]


def field_for(problem: Problem) -> str:
    """The form input a core problem is about (``answer_es`` for ``translations.es.answer``)."""
    parts = problem.field.split(".")
    head = parts[0]
    if head == "translations":
        if len(parts) >= 3 and parts[2] in {"question", "answer", "alternates"}:
            return f"{parts[2]}_{parts[1]}"
        if len(parts) >= 2:
            return f"question_{parts[1]}"
        return "translations"
    if head == "entry":
        message = problem.message
        if "source" in message:
            return "sources"
        if "reviewed_on" in message:
            return "reviewed_on"
        if "related" in message:
            return "related"
        return "entry"
    return head or "entry"


def _patterns(_: Gettext, ngettext: Ngettext
              ) -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]:
    def fixed(text: str) -> Callable[[re.Match[str]], str]:
        return lambda m: text

    return [
        (re.compile(r"^is required$"), fixed(_("This is required."))),
        (re.compile(r"^Field required$"), fixed(_("This is required."))),
        (re.compile(r"String should have at least (\d+) characters?"),
         lambda m: ngettext("Write at least {n} character.", "Write at least {n} characters.",
                            int(m.group(1))).format(n=m.group(1))),
        (re.compile(r"String should have at most (\d+) characters?"),
         lambda m: ngettext("Write at most {n} character.", "Write at most {n} characters.",
                            int(m.group(1))).format(n=m.group(1))),
        (re.compile(r"List should have at most (\d+) items?"),
         lambda m: _("Too many: at most {n}.").format(n=m.group(1))),
        (re.compile(r"needs at least one source"),
         fixed(_("A published entry needs at least one source with a web address."))),
        (re.compile(r"needs reviewed_on"),
         fixed(_("A published entry needs the date its facts were last checked."))),
        (re.compile(r"a source needs an http\(s\) address"),
         fixed(_("Write a full web address that starts with https://"))),
        (re.compile(r"web address"),
         fixed(_("Write a full web address that starts with https://"))),
        (re.compile(r"URL"), fixed(_("Write a full web address that starts with https://"))),
        (re.compile(r"YYYY-MM-DD|valid date|date"),
         fixed(_("Write a date like 2026-11-20."))),
        (re.compile(r"lowercase id"),
         fixed(_("Use lowercase letters a-z, digits and single hyphens, like work-permit."))),
        (re.compile(r"related to itself"), fixed(_("An entry cannot be related to itself."))),
        (re.compile(r"there is no entry '([^']*)' to relate to"),
         lambda m: _("There is no entry {id} to relate to.").format(id=m.group(1))),
        (re.compile(r"unknown category"), fixed(_("Choose a category from the list."))),
        (re.compile(r"Dictionary should have at least 1 item"),
         fixed(_("Write the question and the answer in at least one language."))),
        (re.compile(r"Input should be 'draft', 'published' or 'archived'"),
         fixed(_("Choose a status from the list."))),
        (re.compile(r"is used by two entries"), fixed(_("This id is used twice."))),
        (re.compile(r"is not offered"), fixed(_("This language is not offered."))),
        (re.compile(r"must be a language code"),
         fixed(_("Use a language code of two or three lowercase letters, like es."))),
        (re.compile(r"is not a known field"), fixed(_("The console does not know this field."))),
        # An answer's HTML problems come from their codes (``_parts``); these wordings are for
        # a problem without the text at hand (restoring a stored version).
        (re.compile(r"tag <([\w-]+)> is not allowed"),
         lambda m: _("Telegram does not accept <{tag}>; use b, i, u, s, a, code, pre or "
                     "blockquote.").format(tag=m.group(1))),
        (re.compile(r"a link <a> needs href"),
         fixed(_("A link needs a full web address: <a href=\"https://...\">."))),
        (re.compile(r"unclosed tag\(s\): (.*)"),
         lambda m: _("Close every tag you open: {tags}.").format(tags=m.group(1))),
        (re.compile(r"closing tag </([\w-]+)> does not match"),
         lambda m: _("The closing tag </{tag}> does not match the tag that is open.").format(
             tag=m.group(1))),
        (re.compile(r"bare '<'"), fixed(_("Write a lone < as &lt;"))),
        (re.compile(r"bare '&'"), fixed(_("Write a lone & as &amp;"))),
    ]


def plain(message: str, _: Gettext, ngettext: Ngettext) -> str:
    for pattern, words in _patterns(_, ngettext):
        found = pattern.search(message)
        if found:
            return words(found)
    log.debug("no console wording for the core's field problem: %s", message)
    return generic(_)


def answer_problems(answer: str, _: Gettext) -> list[str]:
    """Why Telegram would refuse an answer, one plain sentence per reason."""
    return html_text_problems(answer, _)


def _parts(problem: Problem, answer: str | None, _: Gettext, ngettext: Ngettext) -> list[str]:
    """The problem's sentences; an answer's HTML problems from their codes (the answer as
    typed gives the same problems the model found, with their data)."""
    message = problem.message
    words: list[str] = []
    for found in html_problems(answer) if answer else []:
        if found.message in message:
            words.append(html_problem(found, _))
            message = message.replace(found.message, "")
    rest = [part for part in message.split("; ") if part.strip(" ;")]
    return words + [plain(part, _, ngettext) for part in rest]


def field_errors(problems: Iterable[Problem], _: Gettext, ngettext: Ngettext,
                 first_question: str = "question_es",
                 answers: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """Plain messages per form input. A list the editor picks from has one message whatever
    went wrong; "no language at all" goes to the first question box. ``answers``: the answer
    inputs as typed (``answer_es`` -> text)."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        name = field_for(problem)
        if name == "translations":
            name = first_question
        messages = errors.setdefault(name, [])
        if name == "category":
            parts = [_("Choose a category from the list.")]
        elif name == "status":
            parts = [_("Choose a status from the list.")]
        else:
            parts = _parts(problem, (answers or {}).get(name), _, ngettext)
        for words in parts:
            if words not in messages:
                messages.append(words)
    return errors
