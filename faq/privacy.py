"""Keyed hashing of Telegram accounts and redaction of stored questions.

The people writing may be undocumented: nothing stored may identify them. A Telegram user id is
kept only as HMAC-SHA256 under a server secret (so a leaked database cannot be joined back to
accounts by hashing every id), and what people type is redacted before it is stored.

What redaction removes, and what it deliberately keeps (the inbox must still say what people
need, so it errs on the side of privacy only where a detail points at one person):

* e-mails, also spelled out ("juan punto perez arroba gmail punto com", "juan at gmail dot com");
* phone numbers however they are grouped (spaces, dots, dashes, parentheses; 7+ digits);
* DPI/CUI (13 digits, grouped 4-5-4 or not), passport-like codes (letters + digits), A-numbers,
  and whatever follows "pasaporte / DPI / CUI / passport / case number";
* street addresses with a house number ("5a avenida 3-45 zona 1", "calle Real 23", "casa 12",
  "#123 Main St"); a neighbourhood, zona, town or department alone is kept ("vivo en la zona 18",
  "soy de Huehuetenango"): that is what an answer may depend on (which office is near), and it
  names thousands of people, not one;
* names after "me llamo / mi nombre es / my name is / I'm called / call me" (whatever their
  case), and after "soy / I'm / I am" only when the next word is capitalised and is not a
  nationality or a role ("Soy Juan" goes; "soy de Huehuetenango", "soy guatemalteca",
  "I'm Honduran" stay).
"""

from __future__ import annotations

import hashlib
import hmac
import re

from faq.stopwords import ENGLISH, SPANISH
from faq.text import normalise

EMAIL_PLACEHOLDER = "[email]"
PHONE_PLACEHOLDER = "[telefono]"
NUMBER_PLACEHOLDER = "[numero]"
NAME_PLACEHOLDER = "[nombre]"
ADDRESS_PLACEHOLDER = "[direccion]"

# -- e-mails, written or spelled out ------------------------------------------------------------

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Letters and digits only (no "_"), so a separator is never also part of a token: no ambiguous
# splits, hence no catastrophic backtracking on long words.
_TOKEN = r"[^\W_]+"
_LOCAL_SEP = (r"(?:[ \t]*[._-][ \t]*|[ \t]+(?:punto|dot|gui[oó]n(?:[ \t]+bajo)?|underscore"
              r"|raya|subrayado)[ \t]+)")
_AT = (r"(?:[ \t]*@[ \t]*|[ \t]*[(\[][ \t]*(?:at|arroba)[ \t]*[)\]][ \t]*"
       r"|[ \t]+(?:arroba|at)[ \t]+)")
_DOT = (r"(?:[ \t]*\.[ \t]*|[ \t]*[(\[][ \t]*(?:dot|punto)[ \t]*[)\]][ \t]*"
        r"|[ \t]+(?:punto|dot)[ \t]+)")
# The address must end in a known top-level domain: "I'm at home. Dot" is not an e-mail.
_TLD = (r"(?:com|net|org|edu|gob|gov|info|biz|io|co|me|gt|mx|hn|sv|ni|cr|pa|us|ca|es|uk|de|fr"
        r"|it)")
_SPELLED_EMAIL_RE = re.compile(
    rf"(?<![\w@]){_TOKEN}(?:{_LOCAL_SEP}{_TOKEN}){{0,4}}{_AT}{_TOKEN}(?:{_DOT}{_TOKEN}){{0,2}}"
    rf"{_DOT}{_TLD}(?![\w])", re.IGNORECASE)

# -- identity numbers -----------------------------------------------------------------------------

_DOCUMENT_WORDS = (r"(?:pasaporte|passport|dpi|cui|c[eé]dula|licencia|license|a-?number"
                   r"|alien[ \t]+number|n[uú]mero[ \t]+de[ \t]+caso|case[ \t]+number|uscis)")
# "pasaporte número A1234-567", "passport no. 123456789": the code after the word, whatever it is.
_AFTER_DOCUMENT_WORD_RE = re.compile(
    rf"(?<![\w]){_DOCUMENT_WORDS}(?P<glue>[ \t]*(?:n[uú]mero|number|no\.?|num\.?|n°|#|es|is|:)?"
    r"[ \t:#]*)(?P<code>(?=[A-Za-z0-9-]*\d)[A-Za-z0-9][A-Za-z0-9-]{4,19})(?![\w])",
    re.IGNORECASE)
_DPI_RE = re.compile(r"(?<![\w])\d{4}[ .-]?\d{5}[ .-]?\d{4}(?![\w])")   # CUI: 4-5-4 digits
_A_NUMBER_RE = re.compile(r"(?<![\w])A[ \t]*[#-]?[ \t]*\d{3}[ -]?\d{3}[ -]?\d{3}(?![\w])")
_DOCUMENT_RE = re.compile(r"\b[a-zA-Z]{1,3}\d{5,}\b")
# Phone-like: optional +, digits with spaces, dots, dashes or parentheses, 7+ digits in all.
_PHONE_RE = re.compile(r"(?<![\w])\+?\(?\d(?:[\d\s().-]{5,}\d)(?![\w])")
_DIGITS_RE = re.compile(r"\d{5,}")

# -- street addresses -----------------------------------------------------------------------------

_NOT_A_STREET_NAME_ES = r"(?:y|o|que|me|mi|por|para|en|con|pero|a|al|se|le|lo|zona)"
_HOUSE = r"(?:(?:no\.?|n[uú]mero|#)[ \t]*)?\d{1,5}(?:[ \t]*-[ \t]*\d{1,4})?[A-Za-z]?(?![\w])"
# Guatemala's grid ("5a avenida 3-45 zona 1", "12 calle 4-56", "calle Real 23",
# "avenida La Reforma 8-60, zona 9"): a street word, up to three name words, a house number.
_STREET_ES_RE = re.compile(
    r"(?<![\w])(?:\d{1,2}[ \t]*(?:a|ª|o|º|va|ta|ra|da|er)?\.?[ \t]*)?"
    r"(?:avenida|avda|av|calle|calzada|diagonal|boulevard|bulevar|blvd|callej[oó]n|pasaje"
    r"|carretera)\.?"
    rf"(?:[ \t]+(?!{_NOT_A_STREET_NAME_ES}(?![\w]))[^\W\d_][\w'.-]{{0,24}}){{0,3}}"
    rf"[ \t]*,?[ \t]*{_HOUSE}"
    r"(?:[ \t]*,?[ \t]*zona[ \t]*\d{1,2}(?![\w]))?", re.IGNORECASE)
# "casa 12", "apartamento 4B", "lote 5 manzana B": a dwelling number alone.
_DWELLING_RE = re.compile(
    r"(?<![\w])(?:casa|apartamento|apto|apt|apartment|unit|lote|manzana|mz)\.?[ \t]*"
    r"(?:no\.?|n[uú]mero|#)?[ \t]*\d{1,4}[A-Za-z]?(?![\w])", re.IGNORECASE)
_NOT_A_STREET_NAME_EN = r"(?:to|the|a|an|of|in|on|for|and|at|my|per|by|from|or|years|dollars)"
_STREET_EN_RE = re.compile(
    r"(?<![\w])#?[ \t]*\d{1,6}[ \t]+"
    rf"(?:(?!{_NOT_A_STREET_NAME_EN}(?![\w]))[^\W\d_][\w'.-]{{0,24}}[ \t]+){{1,3}}"
    r"(?:st|street|ave|avenue|rd|road|blvd|boulevard|dr|drive|ln|lane|hwy|highway|pkwy"
    r"|parkway)\.?(?![\w])"
    r"(?:[ \t]*,?[ \t]*(?:apt|apartment|unit|suite|ste|#)\.?[ \t]*\w{1,5})?", re.IGNORECASE)

# -- names ----------------------------------------------------------------------------------------

MAX_NAME_WORDS = 4  # two given names and two surnames, the usual Guatemalan full name
_APOSTROPHE = r"['’]"
_STRONG_TRIGGER = (rf"me[ \t]+llamo|mi[ \t]+nombre[ \t]+es|mi[ \t]+nombre|me[ \t]+dicen"
                   rf"|my[ \t]+name[ \t]+is|my[ \t]+name{_APOSTROPHE}s|i{_APOSTROPHE}?m[ \t]+called"
                   rf"|i[ \t]+am[ \t]+called|call[ \t]+me")
_WEAK_TRIGGER = rf"soy|i{_APOSTROPHE}m|im|i[ \t]+am"
_TRIGGER_RE = re.compile(
    rf"(?<![\w])(?:(?P<strong>{_STRONG_TRIGGER})|(?P<weak>{_WEAK_TRIGGER}))(?![\w])",
    re.IGNORECASE)
_NAME_WORD_RE = re.compile(r"(?:[ \t]*[:,][ \t]*|[ \t]+)([^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*)"
                           r"(?![\w])")
# Inside a name ("José de Jesús", "María de los Ángeles") when a capitalised word follows.
_NAME_PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "van", "von", "da", "di"})
# Words that end a name: what people write after it ("me llamo Juan, vivo en...").
_AFTER_NAME = frozenset("""
vivo trabajo estoy soy tengo necesito quiero busco vengo voy estudio naci vine llegue mi me
tambien porque pero ya y e o con en de del desde soy sere quisiera deseo pregunto escribo
live work am have need want looking come came from years old and but with in at of i my
""".split()) | SPANISH | ENGLISH
# Capitalised words after "soy" / "I'm" that are not names: nationalities, peoples, roles.
_NOT_NAMES = frozenset("""
guatemalteco guatemalteca guatemaltecos hondureno hondurena salvadoreno salvadorena mexicano
mexicana nicaraguense costarricense panameno panamena cubano cubana venezolano venezolana
colombiano colombiana haitiano haitiana ecuatoriano ecuatoriana peruano peruana
estadounidense americano americana chapin chapina maya mam kiche quiche kaqchikel qeqchi
garifuna xinca ladino ladina indigena migrante migrantes refugiado refugiada deportado
deportada retornado retornada residente ciudadano ciudadana menor mayor madre padre mama papa
estudiante maestro maestra agricultor agricultora trabajador trabajadora solicitante
guatemalan honduran salvadoran salvadorean mexican nicaraguan american cuban venezuelan
colombian haitian ecuadorian peruvian mayan indigenous migrant refugee deported returnee
resident citizen minor mother father mom dad student teacher farmer worker applicant
asylum undocumented pregnant married single new here sorry scared worried lost
guatemala mexico honduras salvador nicaragua belice belize usa eeuu
""".split())


def user_hash(secret: bytes, user_id: int) -> str:
    return hmac.new(secret, str(user_id).encode(), hashlib.sha256).hexdigest()


def _phone_or_keep(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return PHONE_PLACEHOLDER if digits >= 7 else match.group(0)


def _document_code(match: re.Match[str]) -> str:
    start = match.start("code") - match.start()
    return match.group(0)[:start] + NUMBER_PLACEHOLDER


def _name_span(text: str, trigger: re.Match[str]) -> tuple[int, int] | None:
    """Where the name after ``trigger`` is, or None when what follows is not a name."""
    strong = trigger.group("strong") is not None
    first: re.Match[str] | None = None
    last: re.Match[str] | None = None
    count = 0
    pending = 0  # particles ("de los") waiting for a capitalised word after them
    pos = trigger.end()
    while count < MAX_NAME_WORDS:
        found = _NAME_WORD_RE.match(text, pos)
        if found is None:
            break
        word = found.group(1)
        key = normalise(word)
        capitalised = word[0].isupper()
        pos = found.end()
        if first is None:
            if key in _AFTER_NAME or key in _NOT_NAMES:
                return None
            if not strong and not capitalised:
                return None  # "soy migrante", "i'm scared"
            first = found
            count += 1
            continue
        elif key in _NAME_PARTICLES and pending < 2:
            pending += 1
            continue
        elif pending and not capitalised:
            break  # "Juan de guatemala": the particle starts something else
        elif key in _AFTER_NAME and not pending:
            break
        elif (first.group(1)[0].isupper() or not strong) and not capitalised:
            break  # "Juan vivo en...": a capitalised name continues with capitals only
        last = found
        pending = 0
        count += 1
    if first is None:
        return None
    return first.start(1), (last or first).end(1)


def _redact_names(text: str) -> str:
    spans = [span for m in _TRIGGER_RE.finditer(text) if (span := _name_span(text, m))]
    for start, end in reversed(spans):
        text = text[:start] + NAME_PLACEHOLDER + text[end:]
    return text


def redact(text: str) -> str:
    """Replace what could identify the person writing (see the module docstring)."""
    text = _SPELLED_EMAIL_RE.sub(EMAIL_PLACEHOLDER, text)
    text = _EMAIL_RE.sub(EMAIL_PLACEHOLDER, text)
    text = _AFTER_DOCUMENT_WORD_RE.sub(_document_code, text)
    text = _DPI_RE.sub(NUMBER_PLACEHOLDER, text)
    text = _A_NUMBER_RE.sub(NUMBER_PLACEHOLDER, text)
    text = _STREET_ES_RE.sub(ADDRESS_PLACEHOLDER, text)
    text = _STREET_EN_RE.sub(ADDRESS_PLACEHOLDER, text)
    text = _DWELLING_RE.sub(ADDRESS_PLACEHOLDER, text)
    text = _PHONE_RE.sub(_phone_or_keep, text)
    text = _DOCUMENT_RE.sub(NUMBER_PLACEHOLDER, text)
    text = _DIGITS_RE.sub(NUMBER_PLACEHOLDER, text)
    return _redact_names(text)
