"""Matching quality on a labelled question set (the format of shared/eval/dev.yaml).

"Answered right" counts an answer with the expected entry and a did-you-mean that lists it: the
user reaches the right answer either way. "Confidently wrong" is an answer with another entry:
the failure that can hurt someone, and the one the thresholds guard against.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from faq.matcher import Decision, Matcher, MatchResult


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

    def add(self, item: EvalItem, result: MatchResult) -> str:
        best = result.best.entry_id if result.best else None
        ids = [c.entry_id for c in result.candidates]
        if item.expect is None:
            self.off_topic += 1
            if result.decision is Decision.NONE:
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


def evaluate(matcher: Matcher, items: list[EvalItem]) -> Report:
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
    lines.append("")
    lines.append(f"misses and confusions ({len(report.misses)}):")
    for miss in report.misses:
        lines.append(f"  [{miss['outcome']}] expect={miss['expect']} decision={miss['decision']} "
                     f"got={', '.join(miss['got']) or '-'}\n      q: {miss['q']}")
    return "\n".join(lines)
