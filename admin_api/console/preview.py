"""How Telegram will show an answer, as safe HTML for the console's live preview.

The answer is first checked with the same validator the store uses; then it is rebuilt tag by
tag from a closed list, with every text escaped and only http(s) links kept, so nothing an
editor types can run in a colleague's browser.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

from faq.telegram_html import TelegramHtmlError, validate_html

_SAME = {"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "ins": "u", "s": "s",
         "strike": "s", "del": "s", "code": "code", "pre": "pre", "blockquote": "blockquote"}


class _Rebuild(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SAME:
            self.stack.append(_SAME[tag])
            self.out.append(f"<{_SAME[tag]}>")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            if href.lower().startswith(("https://", "http://")):
                self.out.append(f'<a href="{escape(href, quote=True)}" rel="noopener noreferrer"'
                                ' target="_blank">')
                self.stack.append("a")
            else:
                self.stack.append("")
        elif tag in {"tg-spoiler", "span"}:
            self.out.append('<span class="spoiler">')
            self.stack.append("span")
        else:
            self.stack.append("")

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            closing = self.stack.pop()
            if closing:
                self.out.append(f"</{closing}>")

    def handle_data(self, data: str) -> None:
        self.out.append(escape(data).replace("\n", "<br>"))


def render(answer: str) -> tuple[str, str | None]:
    """(safe HTML, None), or ("", the reason Telegram would refuse the text)."""
    try:
        validate_html(answer)
    except TelegramHtmlError as exc:
        return "", str(exc)
    parser = _Rebuild()
    parser.feed(answer)
    parser.close()
    while parser.stack:
        closing = parser.stack.pop()
        if closing:
            parser.out.append(f"</{closing}>")
    return "".join(parser.out), None
