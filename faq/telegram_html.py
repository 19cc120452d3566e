"""Validation, splitting and plain-text rendering of Telegram's HTML subset.

Telegram rejects a whole message when its HTML is malformed, so answers are checked when they are
saved (a clear error for staff) rather than when a migrant is waiting for them. The checker
follows Telegram's own parser (core.telegram.org/bots/api#html-style):

- every ``<``, ``>`` and ``&`` that is not part of a tag or an entity must be written ``&lt;``,
  ``&gt;``, ``&amp;``. A bare one is **refused** (not escaped on save): "precio <US$50" might be
  a typo for a tag as easily as a comparison, and staff should see what the person will read;
- named entities are only ``&lt; &gt; &amp; &quot;``; numeric ones are all accepted;
- the tags are b/strong, i/em, u/ins, s/strike/del, tg-spoiler (or span class="tg-spoiler"),
  a href, code, pre (with an optional code class="language-..." inside), blockquote
  (optionally ``expandable``);
- nesting: an inner tag closes before its outer one; code and pre contain no other tag (except
  pre > code); a link contains no link, code or pre; a blockquote contains no blockquote.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

TELEGRAM_MESSAGE_LIMIT = 4096
ALLOWED_TAGS: frozenset[str] = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
     "blockquote", "tg-spoiler", "span"}
)
NAMED_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})
_FORMATTING = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
                         "tg-spoiler", "span"})
_URL_RE = re.compile(r"^(https?://|tg://|mailto:|tel:)[^\s<>\"']+$", re.IGNORECASE)
_START_RE = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z][a-zA-Z0-9-]*"
    r"(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'<>=`]+))?)*)\s*(/?)>")
_END_RE = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_ATTR_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|(\S+)))?")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]*);")
_CONTEXT = 12


class HtmlProblemCode(StrEnum):
    """Why Telegram would refuse a text, as a stable code: front doors in other languages (the
    console) say it in their own words; the English ``message`` stays for the API and the CLI."""

    BARE_LT = "bare_lt"
    BARE_GT = "bare_gt"
    BARE_AMP = "bare_amp"
    UNKNOWN_ENTITY = "unknown_entity"
    SELF_CLOSING = "self_closing"
    TAG_NOT_ALLOWED = "tag_not_allowed"
    CLOSING_MISMATCH = "closing_mismatch"
    LINK_NEEDS_HREF = "link_needs_href"
    LINK_ONLY_HREF = "link_only_href"
    SPAN_NOT_SPOILER = "span_not_spoiler"
    CODE_CLASS = "code_class"
    BLOCKQUOTE_ATTRIBUTE = "blockquote_attribute"
    NO_ATTRIBUTES = "no_attributes"
    INSIDE_CODE = "inside_code"
    INSIDE_LINK = "inside_link"
    NESTED_BLOCKQUOTE = "nested_blockquote"
    UNCLOSED = "unclosed"


@dataclass(frozen=True, eq=False)
class HtmlProblem:
    """One reason, with its data (``tag``, ``near``, ``expected``, ``tags``) apart from prose."""

    code: HtmlProblemCode
    message: str
    details: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


class TelegramHtmlError(ValueError):
    """The text is not HTML that Telegram accepts; ``problems`` says every reason."""

    def __init__(self, problems: Sequence[HtmlProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @property
    def code(self) -> HtmlProblemCode | None:
        return self.problems[0].code if self.problems else None


@dataclass(frozen=True)
class Token:
    kind: str
    """"start", "end", "entity" or "text"."""
    raw: str
    name: str = ""


def _near(text: str, at: int) -> str:
    start = max(at - _CONTEXT, 0)
    return text[start:at + _CONTEXT].replace("\n", " ")


def _attributes(raw: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTR_RE.finditer(raw):
        value = next((v for v in match.groups()[1:] if v is not None), "")
        found[match.group(1).lower()] = html.unescape(value)
    return found


def _check_start(name: str, attrs: dict[str, str], stack: list[str]) -> list[HtmlProblem]:
    errors: list[HtmlProblem] = []
    C = HtmlProblemCode

    def add(code: HtmlProblemCode, message: str) -> None:
        errors.append(HtmlProblem(code, message, {"tag": name}))

    if name == "a":
        href = attrs.get("href")
        if not href or not _URL_RE.match(href):
            add(C.LINK_NEEDS_HREF, "a link <a> needs href with a full http(s) address")
        if set(attrs) - {"href"}:
            add(C.LINK_ONLY_HREF, "a link <a> may only have the href attribute")
    elif name == "span":
        if attrs.get("class") != "tg-spoiler" or len(attrs) > 1:
            add(C.SPAN_NOT_SPOILER, '<span> is only allowed as <span class="tg-spoiler">')
    elif name == "code":
        if set(attrs) - {"class"} or not attrs.get("class", "language-").startswith("language-"):
            add(C.CODE_CLASS, '<code> takes only class="language-..." (inside <pre>)')
    elif name == "blockquote":
        if set(attrs) - {"expandable"}:
            add(C.BLOCKQUOTE_ATTRIBUTE, "<blockquote> takes only the expandable attribute")
    elif attrs:
        add(C.NO_ATTRIBUTES, f"<{name}> takes no attributes")
    inside = set(stack)
    if inside & {"code", "pre"} and not (name == "code" and stack and stack[-1] == "pre"):
        add(C.INSIDE_CODE, f"<{name}> cannot be inside <code> or <pre> (Telegram shows those "
            "as plain code)")
    elif name in {"a", "code", "pre"} and "a" in inside:
        add(C.INSIDE_LINK, f"<{name}> cannot be inside a link <a>")
    elif name == "blockquote" and "blockquote" in inside:
        add(C.NESTED_BLOCKQUOTE, "a <blockquote> cannot be inside another <blockquote>")
    return errors


def tokenize(text: str) -> tuple[list[Token], list[str]]:
    """The text as tags, entities and text runs as Telegram reads it, and every problem."""
    tokens, problems = scan(text)
    return tokens, [p.message for p in problems]


def scan(text: str) -> tuple[list[Token], list[HtmlProblem]]:
    """``tokenize`` with each problem's code and data."""
    C = HtmlProblemCode
    tokens: list[Token] = []
    errors: list[HtmlProblem] = []
    stack: list[str] = []
    i, n, run = 0, len(text), 0

    def flush(upto: int) -> None:
        if upto > run:
            tokens.append(Token("text", text[run:upto]))

    while i < n:
        char = text[i]
        if char == "<":
            end = _END_RE.match(text, i)
            start = None if end else _START_RE.match(text, i)
            match = end or start
            name = match.group(1).lower() if match else ""
            if match is None:  # "precio <US$50", "1 < 2": not a tag at all
                near = _near(text, i)
                errors.append(HtmlProblem(C.BARE_LT, f"a bare '<' must be written as &lt; "
                                          f"(near \"{near}\")", {"near": near}))
                i += 1
                continue
            flush(i)
            if start is not None and start.group(3):
                errors.append(HtmlProblem(C.SELF_CLOSING, f"self-closing tag <{name}/> is not "
                                          "allowed; use a line break instead", {"tag": name}))
            elif name not in ALLOWED_TAGS:
                errors.append(HtmlProblem(C.TAG_NOT_ALLOWED, f"tag <{name}> is not allowed (use "
                                          "b, i, u, s, a, code, pre, blockquote); to show a "
                                          "'<', write &lt;", {"tag": name}))
            elif end is not None:
                if not stack or stack[-1] != name:
                    expected = f"</{stack[-1]}>" if stack else "no closing tag"
                    errors.append(HtmlProblem(
                        C.CLOSING_MISMATCH,
                        f"closing tag </{name}> does not match: expected {expected}",
                        {"tag": name, "expected": stack[-1] if stack else ""}))
                    if name in stack:
                        while stack and stack.pop() != name:
                            pass
                else:
                    stack.pop()
                tokens.append(Token("end", match.group(0), name))
            else:
                errors += _check_start(name, _attributes(match.group(2)), stack)
                stack.append(name)
                tokens.append(Token("start", match.group(0), name))
            i = run = match.end()
        elif char == ">":
            near = _near(text, i)
            errors.append(HtmlProblem(C.BARE_GT, f"a bare '>' must be written as &gt; (near "
                                      f"\"{near}\")", {"near": near}))
            i += 1
        elif char == "&":
            entity = _ENTITY_RE.match(text, i)
            if entity is None:
                near = _near(text, i)
                errors.append(HtmlProblem(C.BARE_AMP, f"a bare '&' must be written as &amp; "
                                          f"(near \"{near}\")", {"near": near}))
                i += 1
                continue
            body = entity.group(1)
            if not body.startswith("#") and body not in NAMED_ENTITIES:
                errors.append(HtmlProblem(C.UNKNOWN_ENTITY, f"&{body}; is not an entity "
                                          "Telegram knows; write &amp; for '&'",
                                          {"entity": f"&{body};"}))
            flush(i)
            tokens.append(Token("entity", entity.group(0)))
            i = run = entity.end()
        else:
            i += 1
    flush(n)
    if stack:
        tags = ", ".join(f"<{t}>" for t in stack)
        errors.append(HtmlProblem(C.UNCLOSED, "unclosed tag(s): " + tags, {"tags": tags}))
    return tokens, errors


def html_problems(text: str) -> list[HtmlProblem]:
    """Every reason Telegram would refuse ``text`` (empty when it is fine), each once."""
    unique: dict[str, HtmlProblem] = {}
    for problem in scan(text)[1]:
        unique.setdefault(problem.message, problem)
    return list(unique.values())


def html_errors(text: str) -> list[str]:
    """Every reason Telegram would refuse ``text`` (empty when it is fine)."""
    return [p.message for p in html_problems(text)]


def validate_html(text: str) -> str:
    problems = html_problems(text)
    if problems:
        raise TelegramHtmlError(problems)
    return text


_TAG_RE = re.compile(r"<(/?)([a-zA-Z-]+)([^>]*)>")
_KNOWN_TAG_RE = re.compile(
    r"</?(?:" + "|".join(sorted(ALLOWED_TAGS, key=len, reverse=True)) +
    r")(?:\s[^<>]*)?>", re.IGNORECASE)
_LINK_RE = re.compile(r"<a\s+href\s*=\s*(?:\"([^\"]*)\"|'([^']*)')\s*>(.*?)</a\s*>",
                      re.IGNORECASE | re.DOTALL)


def to_plain_text(text: str) -> str:
    """What a person should read when the HTML cannot be sent: no tags, links as "text (url)".

    Works on HTML Telegram refused too: only Telegram's own tags are removed, so a bare
    "precio <US$50" keeps its words.
    """
    def link(match: re.Match[str]) -> str:
        url = html.unescape(match.group(1) if match.group(1) is not None else match.group(2))
        label = _KNOWN_TAG_RE.sub("", match.group(3))
        return label if html.unescape(label).strip() == url else f"{label} ({url})"

    return html.unescape(_KNOWN_TAG_RE.sub("", _LINK_RE.sub(link, text)))


def visible_length(text: str) -> int:
    """Characters Telegram counts against its limit: text without tags, entities as one char."""
    stripped = _TAG_RE.sub("", text)
    return len(re.sub(r"&(#\d+|#x[0-9a-fA-F]+|[a-z]+);", "x", stripped))


def split_message(text: str, limit: int = TELEGRAM_MESSAGE_LIMIT) -> list[str]:
    """Split at paragraph (then line) boundaries so every part is valid HTML under ``limit``.

    Tags open at a cut are closed at the end of the part and re-opened at the start of the next,
    so a part never ends inside a tag and formatting survives the split.
    """
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for piece in _boundaries(text):
        candidate = current + piece
        closing = _closing_for(_open_tags(candidate))
        if current.strip() and len(candidate) + len(closing) > limit:
            still_open = _open_tags(current)
            parts.append(current.rstrip("\n") + _closing_for(still_open))
            current = "".join(still_open) + piece
        else:
            current = candidate
    if current.strip():
        parts.append(current.rstrip("\n") + _closing_for(_open_tags(current)))
    final: list[str] = []
    for part in parts:
        final.extend(_hard_split(part, limit) if len(part) > limit else [part])
    return [p for p in final if p.strip()]


def _boundaries(text: str) -> list[str]:
    """Paragraphs first; a paragraph too long on its own is offered line by line."""
    pieces: list[str] = []
    for para in re.split(r"(?<=\n\n)", text):
        pieces.extend(p for p in re.split(r"(?<=\n)", para) if p)
    return pieces


def _tag_name(open_tag: str) -> str:
    match = _TAG_RE.match(open_tag)
    return match.group(2) if match else ""


def _closing_for(open_tags: list[str]) -> str:
    return "".join(f"</{_tag_name(t)}>" for t in reversed(open_tags))


def _open_tags(chunk: str) -> list[str]:
    """The opening tags (as written, attributes included) still open at the end of ``chunk``."""
    stack: list[str] = []
    for match in _TAG_RE.finditer(chunk):
        if match.group(1):
            name = match.group(2)
            for i in range(len(stack) - 1, -1, -1):
                if _tag_name(stack[i]) == name:
                    del stack[i]
                    break
        else:
            stack.append(match.group(0))
    return stack


def _pieces(part: str) -> list[tuple[str, str]]:
    """``part`` as (kind, raw) pieces that are never cut: tags, entities, words, spaces."""
    pieces: list[tuple[str, str]] = []
    for token in tokenize(part)[0]:
        if token.kind == "text":
            pieces += [("text", w) for w in re.split(r"(\s+)", token.raw) if w]
        else:
            pieces.append((token.kind, token.raw))
    return pieces


def _hard_split(part: str, limit: int) -> list[str]:
    """Last resort for one line longer than the limit: cut between words, never inside a tag
    or an entity; tags open at a cut are closed and re-opened, as between paragraphs."""
    chunks: list[str] = []
    current = ""
    opened: list[str] = []  # open tags as written, outermost first

    def room(extra: str) -> bool:
        return len(current) + len(extra) + len(_closing_for(opened)) <= limit

    def cut() -> None:
        nonlocal current
        if current.strip(" ") and current != "".join(opened):
            chunks.append(current.rstrip() + _closing_for(opened))
        current = "".join(opened)

    for kind, raw in _pieces(part):
        if kind == "start":
            if not room(raw + f"</{_tag_name(raw)}>"):
                cut()
            current += raw
            opened.append(raw)
            continue
        if kind == "end":
            current += raw
            name = _tag_name(raw.replace("/", "", 1))
            for i in range(len(opened) - 1, -1, -1):
                if _tag_name(opened[i]) == name:
                    del opened[i]
                    break
            continue
        if room(raw):
            current += raw
            continue
        cut()
        if kind == "text" and raw.isspace():
            continue
        while not room(raw) and kind == "text":  # one word longer than a whole message
            space = max(limit - len(current) - len(_closing_for(opened)), 1)
            current += raw[:space]
            raw = raw[space:]
            cut()
        current += raw
    cut()
    return chunks
