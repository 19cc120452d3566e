"""A deterministic synthetic FAQ grown from the real one, for measuring at 1,000 and 10,000 entries.

Each synthetic entry copies a real entry and rewrites its phrasings with a few invented words
(from a seeded generator), so the vocabulary and posting lists grow the way a larger FAQ's would,
instead of 10,000 identical copies that would make every lookup trivially cacheable.
"""

from __future__ import annotations

import random

from faq.models import Entry

SYLLABLES = ["ka", "lo", "mi", "su", "te", "ra", "ne", "po", "chi", "xa", "qu", "an", "el", "or",
             "tz", "ba", "de", "fi", "gu", "ju"]


def invented_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def grow(entries: list[Entry], size: int, seed: int = 2026) -> list[Entry]:
    rng = random.Random(seed)
    vocabulary = [invented_word(rng) for _ in range(max(200, size // 2))]
    grown: list[Entry] = []
    for i in range(size):
        base = entries[i % len(entries)]
        if i < len(entries):
            grown.append(base)
            continue
        translations = {}
        for lang, tr in base.translations.items():
            def vary(text: str) -> str:
                words = text.split()
                for _ in range(2):
                    words.insert(rng.randrange(len(words) + 1), rng.choice(vocabulary))
                if len(words) > 4 and rng.random() < 0.5:
                    del words[rng.randrange(len(words))]
                return " ".join(words)
            translations[lang] = tr.model_copy(update={
                "question": vary(tr.question),
                "alternates": [vary(a) for a in tr.alternates],
            })
        grown.append(base.model_copy(update={
            "id": f"{base.id}-s{i}", "translations": translations, "related": []}))
    return grown
