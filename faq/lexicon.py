"""Synonyms and colloquialisms that map how people write to the words the FAQ uses."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Term = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class LexiconGroup(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    canonical: Term
    variants: list[Term] = Field(min_length=1)


class Lexicon(BaseModel):
    """Per language, groups of variants that all mean the canonical term."""

    model_config = ConfigDict(frozen=True)

    groups: dict[str, list[LexiconGroup]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _variant_in_one_group(self) -> Lexicon:
        for lang, groups in self.groups.items():
            seen: dict[str, str] = {}
            for group in groups:
                for variant in group.variants:
                    key = variant.casefold()
                    if key in seen and seen[key] != group.canonical:
                        raise ValueError(
                            f"lexicon {lang}: variant {variant!r} is in two groups "
                            f"({seen[key]!r} and {group.canonical!r})")
                    seen[key] = group.canonical
        return self

    def pairs(self, lang: str) -> list[tuple[str, str]]:
        """(variant, canonical) pairs of one language."""
        return [(v, g.canonical) for g in self.groups.get(lang, []) for v in g.variants]

    def languages(self) -> list[str]:
        return list(self.groups)
