from __future__ import annotations

from pathlib import Path

import pytest

from faq.loader import ContentError, load_content, load_content_file

GOOD = """
category: {id: documents, names: {es: Documentos, en: Documents}}
entries:
  - id: passport
    category: documents
    status: published
    related: [dpi]
    sources: [{title: IGM, url: "https://igm.gob.gt"}]
    reviewed_on: 2026-11-28
    translations:
      es: {question: "¿Pasaporte?", answer: "<b>IGM</b>"}
  - id: dpi
    category: documents
    status: draft
    translations:
      es: {question: "¿DPI?", answer: "RENAP"}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_a_category_file(tmp_path: Path) -> None:
    category, entries = load_content_file(write(tmp_path, "documents.yaml", GOOD))
    assert category.id == "documents"
    assert [e.id for e in entries] == ["passport", "dpi"]


def test_error_names_file_entry_and_field(tmp_path: Path) -> None:
    bad = GOOD.replace('answer: "<b>IGM</b>"', 'answer: "<b>IGM"')
    with pytest.raises(ContentError) as info:
        load_content_file(write(tmp_path, "documents.yaml", bad))
    message = str(info.value)
    assert "documents.yaml" in message
    assert "entry passport" in message
    assert "translations.es.answer" in message


def test_unknown_related_id_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "documents.yaml", GOOD.replace("related: [dpi]", "related: [nope]"))
    with pytest.raises(ContentError, match="unknown entry 'nope'"):
        load_content(tmp_path)


def test_broken_yaml_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "documents.yaml", "category: [unclosed")
    with pytest.raises(ContentError, match="not valid YAML"):
        load_content(tmp_path)


def test_lexicon_variant_in_two_groups_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "documents.yaml", GOOD)
    write(tmp_path, "lexicon.yaml", "es:\n  - {canonical: trabajo, variants: [chamba]}\n"
                                    "  - {canonical: dinero, variants: [chamba]}\n")
    with pytest.raises(ContentError, match="two groups"):
        load_content(tmp_path)
