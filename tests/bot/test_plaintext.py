"""Telegram HTML as terminal text for `infomigra chat`."""

from __future__ import annotations

from bot.plaintext import html_to_text


def test_tags_go_links_keep_their_address_entities_are_decoded() -> None:
    html = ('<b>Importante:</b> vea <a href="https://igm.gob.gt">el sitio del IGM</a> '
            '&amp; <a href="https://minex.gob.gt">https://minex.gob.gt</a> &lt;gratis&gt;')
    assert html_to_text(html) == ("Importante: vea el sitio del IGM (https://igm.gob.gt) & "
                                  "https://minex.gob.gt <gratis>")
