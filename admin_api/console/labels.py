"""Names a staff member understands for field paths, statuses, roles and audit actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel import Locale, UnknownLocaleError

Gettext = Callable[[str], str]


def language_name(code: str, in_language: str) -> str:
    try:
        name = Locale.parse(code).get_display_name(in_language) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def field_label(path: str, _: Gettext, lang: str) -> str:
    """``translations.es.answer`` -> "Answer (Spanish)", in the staff member's language."""
    parts = path.split(".")
    if parts[0] == "translations" and len(parts) >= 3:
        names = {"question": _("Question"), "alternates": _("Other ways to ask"),
                 "answer": _("Answer")}
        return f"{names.get(parts[2], parts[2])} ({language_name(parts[1], lang)})"
    if parts[0] == "translations" and len(parts) == 2:
        return language_name(parts[1], lang)
    names = {"category": _("Category"), "status": _("Status"), "tags": _("Tags"),
             "related": _("Related entries"), "sources": _("Sources"),
             "reviewed_on": _("Facts checked on"), "id": _("Identifier")}
    return names.get(parts[0], path)


def status_label(status: str, _: Gettext) -> str:
    return {"draft": _("Draft"), "published": _("Published"),
            "archived": _("Archived")}.get(status, status)


def role_label(role: str, _: Gettext) -> str:
    return {"editor": _("Editor"), "manager": _("Manager"),
            "admin": _("Administrator")}.get(role, role)


def action_label(action: str, _: Gettext) -> str:
    return {"create": _("created"), "update": _("edited"), "archive": _("archived"),
            "rollback": _("restored an earlier version"), "import": _("imported"),
            "seed": _("installed (shipped content)"),
            "seed-update": _("updated (shipped content)"),
            "inbox-attach": _("added questions from the inbox"),
            "inbox-dismiss": _("dismissed inbox questions"),
            "inbox-undo": _("undid an inbox dismissal"),
            "key-create": _("created a key"), "key-revoke": _("revoked a key")
            }.get(action, action)


def show_value(value: Any) -> str:
    """A field's value as plain text for diffs (lists one item per line)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(show_value(v) for v in value)
    if isinstance(value, dict):
        if set(value) == {"title", "url"}:
            return f"{value['title']} | {value['url']}"
        return ", ".join(f"{k}: {show_value(v)}" for k, v in value.items())
    return str(value)
