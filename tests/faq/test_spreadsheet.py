"""CSV cells a spreadsheet would run as formulas are neutralised, and come back unchanged."""

from __future__ import annotations

import csv
import io

import pytest

from faq.spreadsheet import csv_text, safe_cell, unescape_cell


@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"),
    ("+502 5555", "'+502 5555"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=cmd|'/c calc'!A1", "'\t=cmd|'/c calc'!A1"),
    ("\r=1", "'\r=1"),
    ("'already quoted", "''already quoted"),
    ("¿cómo saco el pasaporte?", "¿cómo saco el pasaporte?"),
    ("a = b", "a = b"),
    ("", ""),
    (-3, -3),
    (0.5, 0.5),
    (None, None),
])
def test_safe_cell(value: object, written: object) -> None:
    assert safe_cell(value) == written
    if isinstance(value, str):
        assert unescape_cell(safe_cell(value)) == value


def test_csv_text_escapes_every_cell_and_keeps_the_columns() -> None:
    text = csv_text([{"a": "=1", "b": 2, "ignored": "x"}, {"a": "ok"}], ["a", "b"])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows == [{"a": "'=1", "b": "2"}, {"a": "ok", "b": ""}]
    assert text.startswith("a,b\r\n")
