"""Redaction of what people type before it is stored (faq/privacy.py): a table of cases.

Each row is what a person might write and exactly what the inbox keeps, so a change to the rules
shows up as a changed row. The false-positive rows are as important as the others: the inbox is
useless if "soy de Huehuetenango" or "decreto 44-2016" lose what the question is about.
"""

from __future__ import annotations

import time

import pytest

from faq.privacy import redact, user_hash

# (what a person writes, what is stored)
REDACTED = [
    # names, Spanish
    ("me llamo Juan Pérez y quiero saber del pasaporte",
     "me llamo [nombre] y quiero saber del pasaporte"),
    ("Me llamo juan perez necesito ayuda", "Me llamo [nombre] necesito ayuda"),
    ("mi nombre es María de los Ángeles López, vivo en Mixco",
     "mi nombre es [nombre], vivo en Mixco"),
    ("Mi nombre: Ana Lucía", "Mi nombre: [nombre]"),
    ("buenas, soy Juan Carlos y me deportaron", "buenas, soy [nombre] y me deportaron"),
    ("Soy Rosa, tengo 17 años", "Soy [nombre], tengo 17 años"),
    ("me llamo José de Jesús Xol Caal", "me llamo [nombre]"),
    ("me llamo juan de guatemala", "me llamo [nombre] de guatemala"),
    ("Me llamo Juan vivo en la zona 18", "Me llamo [nombre] vivo en la zona 18"),
    # names, English
    ("my name is John Smith and I need a visa", "my name is [nombre] and I need a visa"),
    ("Hi, I'm Maria, I lost my passport", "Hi, I'm [nombre], I lost my passport"),
    ("I'm called Pedro", "I'm called [nombre]"),
    ("I am Luis Alberto from Honduras", "I am [nombre] from Honduras"),
    ("my name's ana", "my name's [nombre]"),
    # spelled-out and written e-mails
    ("escribame a juan punto perez arroba gmail punto com",
     "escribame a [email]"),
    ("mi correo es juanperez arroba hotmail.com", "mi correo es [email]"),
    ("juan_perez @ gmail . com", "[email]"),
    ("write me at juan dot perez at gmail dot com", "write me at [email]"),
    ("maria (at) yahoo (dot) com (dot) mx", "[email]"),
    ("escribame a maria.lopez@gmail.com", "escribame a [email]"),
    # phone numbers, however they are grouped
    ("mi cel es 5512-3456 llamenme", "mi cel es [telefono] llamenme"),
    ("whatsapp +502 5555 1234", "whatsapp [telefono]"),
    ("mi numero es 5555.1234", "mi numero es [telefono]"),
    ("llamame al (502) 4455 6677", "llamame al [telefono]"),
    ("call 1-866-487-9243", "call [telefono]"),
    ("mi número es 5 5 5 5 1 2 3 4", "mi número es [telefono]"),
    # DPI / CUI / passports / A-numbers
    ("mi dpi es 2345 67890 0101", "mi dpi es [numero]"),
    ("cui 2345678900101", "cui [numero]"),
    ("pasaporte numero A12345678", "pasaporte numero [numero]"),
    ("mi pasaporte es 123456789", "mi pasaporte es [numero]"),
    ("my A-number is A 123 456 789", "my A-number is [numero]"),
    ("passport no. G1234-5678", "passport no. [numero]"),
    # street addresses
    ("vivo en la 5a avenida 3-45 zona 1", "vivo en la [direccion]"),
    ("vivo en 12 calle 4-56 zona 10 de la capital", "vivo en [direccion] de la capital"),
    ("mi casa está en calle Real 23, Chimaltenango", "mi casa está en [direccion], Chimaltenango"),
    ("avenida La Reforma 8-60, zona 9", "[direccion]"),
    ("colonia El Milagro casa 23", "colonia El Milagro [direccion]"),
    ("I live at #123 Main St, Apt 4B in Houston", "I live at [direccion] in Houston"),
    ("my address is 4501 north broadway avenue", "my address is [direccion]"),
]

# What stays exactly as it was written: places, nationalities, ordinary numbers and words.
KEPT = [
    "soy de Huehuetenango y quiero ir a Mexico",
    "Soy guatemalteca, ¿necesito visa?",
    "soy migrante y me robaron",
    "Soy Hondureño",
    "soy menor de edad",
    "I'm from Honduras",
    "I'm Guatemalan, do I need a visa?",
    "I'm scared, what can I do?",
    "vivo en la zona 18",
    "vivo en Huehuetenango",
    "vivo en la colonia El Milagro",
    "vivo en la calle principal",
    "decreto 44-2016 de que trata",
    "me cobran 2000 dolares",
    "me case en 2015",
    "I paid 500 dollars to the court",
    "waited 3 hours on the road",
    "I'm at home. Dot",
    "donde queda la oficina del IGM en la zona 4",
    "cuanto cuesta el pasaporte",
    "quiero saber del pasaporte",
]


@pytest.mark.parametrize(("text", "stored"), REDACTED)
def test_personal_details_are_redacted(text: str, stored: str) -> None:
    assert redact(text) == stored


@pytest.mark.parametrize("text", KEPT)
def test_what_is_not_personal_stays(text: str) -> None:
    assert redact(text) == text


def test_redaction_is_fast_on_long_adversarial_text() -> None:
    """Stored questions are cut at 1,000 characters; no pattern may backtrack for long on them."""
    nasty = ["a_" * 500, "juan punto " * 100, "soy " * 250, "1-" * 500, "calle a " * 125,
             "x@" * 500, "me llamo " * 111]
    start = time.perf_counter()
    for text in nasty:
        redact(text[:1000])
    assert time.perf_counter() - start < 2.0  # generous: each takes milliseconds


def test_user_hash_is_keyed_and_stable() -> None:
    a = user_hash(b"secret-1", 123456789)
    assert a == user_hash(b"secret-1", 123456789)
    assert a != user_hash(b"secret-2", 123456789)
    assert "123456789" not in a and len(a) == 64
