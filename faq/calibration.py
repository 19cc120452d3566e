"""Calibrated decisions: P(this candidate is the right entry) from a few features, by logistic
regression, fitted and reported out-of-fold on the dev set.

Why a model and not hand-set weights: a fixed blend of the lexical and semantic scores picked by
eye did not transfer to questions nobody tuned on (issue 11). A logistic model over a handful of
interpretable features gives a probability, so "answer" and "did you mean" become thresholds on
one calibrated number, chosen for what a wrong answer costs here (far more than a did-you-mean).

Every figure this module reports is OUT-OF-FOLD: folds are grouped by expected topic (all the
questions of a topic are held out together, so near-duplicate phrasings of one topic never sit on
both sides), and thresholds are chosen inside each training fold by an inner cross-validation,
never on the questions they are evaluated on. ``infomigra calibrate`` reruns it all and writes the
parameters fitted on the whole set to ``faq/calibration.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from faq.intents import is_out_of_scope_id
from faq.matcher import LexicalAnalysis

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")

LEXICAL_FEATURES = ("lex", "lex_gap", "phrase", "fuzzy", "coverage", "known")
SEMANTIC_FEATURES = ("sem", "sem_gap")
"""No rank flags ("is the lexical top", "both tops agree"): they turn a 0.001 difference into a
large change of probability. With them, a weak match that both stages happened to rank first
("titulo de bachiller" -> the lost-passport entry) was answered at p = 0.91; without them the
out-of-fold figures improved too (docs/matching.md)."""
HYBRID_FEATURES = LEXICAL_FEATURES + SEMANTIC_FEATURES

POOL = 5
"""Candidates per question scored by the model: the lexical pool (faq.matcher, 5) and the five
nearest entries by embedding. The right entry is in the semantic top 3 for 98 % of dev questions."""

L2 = 1.0
"""Ridge penalty on standardised features: with ~150 questions and 8 features a weak prior keeps
the weights stable from fold to fold (per-fold spread in docs/matching.md)."""



@dataclass(frozen=True)
class Row:
    """One (question, candidate) pair."""

    question: int
    entry_id: str
    x: tuple[float, ...]
    label: int


def candidate_features(analysis: LexicalAnalysis, semantic: dict[str, float] | None,
                       exclude: frozenset[str] = frozenset()) -> list[tuple[str, list[float]]]:
    """Features of each candidate: the lexical pool plus the semantic top ``POOL``.

    ``semantic`` None: the lexical model's features only (the fast path, or no model loaded).
    """
    lex = {c.entry_id: c for c in analysis.ranked if c.entry_id not in exclude}
    ids = list(lex)[:POOL]
    sem_sorted: list[tuple[str, float]] = []
    if semantic is not None:
        sem_sorted = sorted(((i, s) for i, s in semantic.items() if i not in exclude),
                            key=lambda p: -p[1])
        for entry_id, _ in sem_sorted[:POOL]:
            if entry_id not in ids:
                ids.append(entry_id)
    out: list[tuple[str, list[float]]] = []
    for entry_id in ids:
        c = lex.get(entry_id)
        score = c.score if c else 0.0
        other_lex = max((o.score for i, o in lex.items() if i != entry_id), default=0.0)
        row = [score, score - other_lex, c.phrase if c else 0.0, c.fuzzy if c else 0.0,
               c.coverage if c else 0.0, analysis.known_share]
        if semantic is not None:
            sem = semantic.get(entry_id, 0.0)
            other = next((s for i, s in sem_sorted[:2] if i != entry_id), 0.0)
            row += [sem, sem - other]
        out.append((entry_id, row))
    return out


# -- logistic regression -----------------------------------------------------------------------

@dataclass(frozen=True)
class Logistic:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    @classmethod
    def fit(cls, features: Sequence[str], x: npt.NDArray[np.float64],
            y: npt.NDArray[np.float64], l2: float = L2) -> Logistic:
        """Newton's method on the L2-penalised log-loss (a few iterations converge: convex)."""
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        scale[scale < 1e-9] = 1.0
        z = (x - mean) / scale
        a = np.hstack([z, np.ones((len(z), 1))])
        w = np.zeros(a.shape[1])
        penalty = np.full(a.shape[1], l2)
        penalty[-1] = 0.0  # the bias is not shrunk
        for _ in range(50):
            p = 1.0 / (1.0 + np.exp(-(a @ w)))
            grad = a.T @ (p - y) + penalty * w
            hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(penalty + 1e-9)
            step = np.linalg.solve(hess, grad)
            w -= step
            if float(np.abs(step).max()) < 1e-8:
                break
        return cls(tuple(features), tuple(float(v) for v in mean),
                   tuple(float(v) for v in scale), tuple(float(v) for v in w[:-1]),
                   float(w[-1]))

    def predict(self, rows: Sequence[Sequence[float]]) -> list[float]:
        out = []
        for row in rows:
            t = self.bias + sum(w * (v - m) / s for w, v, m, s in
                                zip(self.weights, row, self.mean, self.scale, strict=True))
            out.append(1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, t)))))
        return out


@dataclass(frozen=True)
class Thresholds:
    answer: float
    """Answer outright when the best candidate's probability reaches this."""
    suggest: float
    """Did-you-mean when the probability that one of the top three is right reaches this."""
    fast: float = 1.01
    """Lexical model only: answer without the semantic stage from this probability on, when
    every word of the question is known to the FAQ (1.01: never)."""


@dataclass(frozen=True)
class Model:
    logistic: Logistic
    thresholds: Thresholds


@dataclass(frozen=True)
class Calibration:
    hybrid: Model
    lexical: Model
    report: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        def model(d: dict[str, Any]) -> Model:
            lg = d["logistic"]
            return Model(Logistic(tuple(lg["features"]), tuple(lg["mean"]), tuple(lg["scale"]),
                                  tuple(lg["weights"]), float(lg["bias"])),
                         Thresholds(**d["thresholds"]))

        return cls(model(data["hybrid"]), model(data["lexical"]), dict(data.get("report", {})))

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> Calibration:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


# -- decisions from probabilities ----------------------------------------------------------------

@dataclass(frozen=True)
class Scored:
    entry_id: str
    p: float


TIE_LEXICAL = 0.03
"""The lexical matcher's own answer margin (MatcherOptions.answer_margin, tuned on dev before)."""
TIE_SEMANTIC = 0.01
"""Two candidates closer than these in lexical score AND in cosine cannot be told apart by the
question (two entries worded alike, e.g. the same office in two cities): they share the higher
probability, so ``ANSWER_LEAD`` turns them into a did-you-mean instead of a coin flip."""


def ranked(ids_rows: Sequence[tuple[str, Sequence[float]]], logistic: Logistic) -> list[Scored]:
    if not ids_rows:
        return []
    ps = logistic.predict([r for _, r in ids_rows])
    rows = {i: r for i, r in ids_rows}
    out = [Scored(i, p) for (i, _), p in zip(ids_rows, ps, strict=True)]
    out.sort(key=lambda s: (-s.p, s.entry_id))
    if len(out) > 1:
        a, b = rows[out[0].entry_id], rows[out[1].entry_id]
        sem = len(a) > len(LEXICAL_FEATURES)
        if abs(a[0] - b[0]) < TIE_LEXICAL and (
                not sem or abs(a[len(LEXICAL_FEATURES)] - b[len(LEXICAL_FEATURES)])
                < TIE_SEMANTIC):
            out[1] = Scored(out[1].entry_id, out[0].p)
    return out


def top3_mass(scored: Sequence[Scored]) -> float:
    return min(1.0, sum(s.p for s in scored[:3]))


SUGGEST_FLOOR = 0.1
"""A did-you-mean button needs this probability: a third button at p = 0.02 is noise."""


ANSWER_LEAD = 2.0
"""An answer also needs the best candidate to be at least this many times as likely as the
runner-up. Each probability is fitted per candidate, so two near-identical entries can both score
high; on the dev set a correct answer's runner-up was under 0.2 in all but one case (0.96 vs
0.53), so this costs at most that one answer (it becomes a did-you-mean) and it turns ties into
a did-you-mean instead of a coin flip."""


def decide(scored: Sequence[Scored], thresholds: Thresholds) -> str:
    """answer / suggest / none / out_of_scope. Out-of-scope intents compete as candidates: when
    one of them leads and the question would get an answer or a did-you-mean, the person is told
    who handles the subject instead."""
    decision = _band(scored, thresholds)
    if decision != "none" and is_out_of_scope_id(scored[0].entry_id):
        return "out_of_scope"
    return decision


def shown(scored: Sequence[Scored]) -> list[Scored]:
    """What a did-you-mean lists: the top three FAQ entries (never an out-of-scope intent),
    the weak ones dropped."""
    entries = [s for s in scored if not is_out_of_scope_id(s.entry_id)][:3]
    return [s for i, s in enumerate(entries) if i == 0 or s.p >= SUGGEST_FLOOR]


def _band(scored: Sequence[Scored], thresholds: Thresholds) -> str:
    if not scored:
        return "none"
    second = scored[1].p if len(scored) > 1 else 0.0
    if scored[0].p >= thresholds.answer and scored[0].p >= ANSWER_LEAD * second:
        return "answer"
    if top3_mass(scored) >= thresholds.suggest:
        return "suggest"
    return "none"


# -- choosing thresholds and cross-validating ----------------------------------------------------

@dataclass(frozen=True)
class Question:
    """A dev question prepared for calibration: its candidates' features and the truth."""

    expect: str | None
    lang: str
    hybrid: list[tuple[str, list[float]]]
    lexical: list[tuple[str, list[float]]]
    known_share: float


def _xy(questions: Sequence[Question], which: str) -> tuple[npt.NDArray[np.float64],
                                                           npt.NDArray[np.float64]]:
    xs: list[list[float]] = []
    ys: list[float] = []
    for q in questions:
        for entry_id, row in getattr(q, which):
            if q.expect is None and is_out_of_scope_id(entry_id):
                continue  # which out-of-scope intent an off-topic question is, dev does not say
            xs.append(row)
            ys.append(1.0 if entry_id == q.expect else 0.0)
    width = len(HYBRID_FEATURES if which == "hybrid" else LEXICAL_FEATURES)
    return (np.asarray(xs, dtype=np.float64).reshape(-1, width),
            np.asarray(ys, dtype=np.float64))


def fit_logistic(questions: Sequence[Question], which: str) -> Logistic:
    x, y = _xy(questions, which)
    names = HYBRID_FEATURES if which == "hybrid" else LEXICAL_FEATURES
    return Logistic.fit(names, x, y)


def outcome(decision: str, scored: Sequence[Scored], expect: str | None) -> str:
    """right-direct / right-suggest / wrong / missed for in-scope; refused / not-refused."""
    if expect is None:
        return "refused" if decision in ("none", "out_of_scope") else "not-refused"
    if decision == "answer":
        return "right-direct" if scored and scored[0].entry_id == expect else "wrong"
    if decision == "suggest" and expect in [s.entry_id for s in shown(scored)]:
        return "right-suggest"
    return "missed"


UTILITY = {"right-direct": 1.0, "right-suggest": 0.8, "missed": 0.0, "wrong": -20.0,
           "refused": 0.0, "not-refused": -2.0}
"""What each outcome is worth when thresholds are chosen. A wrong answer about visas or asylum
can hurt someone (-20: one wrong answer outweighs twenty right ones); a did-you-mean that lists
the right entry costs the person one tap (0.8); an off-topic question offered entries costs them
a "none of these" and a moment of false hope (-2). These and ``L2`` were chosen among 16
combinations on the same out-of-fold figures (docs/matching.md gives the whole range: it is the
honest error bar)."""

GRID = np.round(np.arange(0.10, 0.991, 0.01), 2)

ANSWER_SAFETY = 0.05
"""Added to the chosen answer threshold: the best point on ~100 training questions sits right at
the last correct answer, and an unseen question just under it is the costly mistake. Measured
out-of-fold on dev (docs/matching.md): +0.05 took confident-wrong from 0.8 % to 0 % for 1.5
points fewer direct answers (they become did-you-means), with answered-right unchanged."""


def choose_thresholds(scored: Sequence[tuple[list[Scored], str | None]]) -> Thresholds:
    """The (answer, suggest) pair of the grid with the highest total ``UTILITY`` on ``scored``
    (out-of-fold probabilities); among equal pairs the most cautious (highest) one."""
    n = len(scored)
    p1 = np.zeros(n)
    p2 = np.zeros(n)
    mass = np.zeros(n)
    top_right = np.zeros(n, dtype=bool)
    listed = np.zeros(n, dtype=bool)
    off = np.zeros(n, dtype=bool)
    oos_top = np.zeros(n, dtype=bool)
    for i, (s, expect) in enumerate(scored):
        off[i] = expect is None
        if not s:
            continue
        p1[i] = s[0].p
        p2[i] = s[1].p if len(s) > 1 else 0.0
        mass[i] = top3_mass(s)
        top_right[i] = s[0].entry_id == expect
        listed[i] = expect in [x.entry_id for x in shown(s)]
        oos_top[i] = is_out_of_scope_id(s[0].entry_id)
    best: tuple[float, float, float] | None = None
    for ta in GRID:
        answers = (p1 >= ta) & (p1 >= ANSWER_LEAD * p2) & ~oos_top
        for ts in GRID[ta >= GRID]:
            suggests = ~answers & (mass >= ts) & ~oos_top
            u = (UTILITY["right-direct"] * np.sum(answers & ~off & top_right)
                 + UTILITY["wrong"] * np.sum(answers & ~off & ~top_right)
                 + UTILITY["right-suggest"] * np.sum(suggests & ~off & listed)
                 + UTILITY["not-refused"] * np.sum((answers | suggests) & off))
            key = (float(u), float(ta), float(ts))
            if best is None or key > best:
                best = key
    assert best is not None
    return Thresholds(answer=round(min(0.99, best[1] + ANSWER_SAFETY), 2), suggest=best[2])


def choose_fast(scored_lex: Sequence[tuple[list[Scored], str | None, float]]) -> float:
    """Lowest lexical-model probability from which answering without the semantic stage was
    never wrong (questions whose every word the FAQ knows), with one grid step of margin."""
    grid = [round(0.5 + 0.01 * i, 2) for i in range(50)]
    for i, t in enumerate(grid):
        bad = sum(1 for s, e, known in scored_lex
                  if known >= 0.999 and decide(s, Thresholds(t, 1.0)) == "answer"
                  and s[0].entry_id != e)
        if bad == 0:
            return grid[min(i + 1, len(grid) - 1)]
    return 1.01


def group_folds(questions: Sequence[Question], k: int, seed: int = 11) -> list[int]:
    """Fold of each question; every question of one expected topic in the same fold."""
    groups: dict[str, list[int]] = {}
    for i, q in enumerate(questions):
        key = q.expect if q.expect is not None else f"__off_topic_{i}"
        groups.setdefault(key, []).append(i)
    order = sorted(groups)
    rng = np.random.default_rng(seed)
    rng.shuffle(order)
    # Largest groups first into the emptiest fold: folds of about equal size.
    order.sort(key=lambda g: -len(groups[g]))
    sizes = [0] * k
    fold = [0] * len(questions)
    for g in order:
        f = int(np.argmin(sizes))
        for i in groups[g]:
            fold[i] = f
        sizes[f] += len(groups[g])
    return fold


def _oof(questions: Sequence[Question], k: int, which: str,
         seed: int) -> list[list[Scored]]:
    folds = group_folds(questions, k, seed)
    out: list[list[Scored]] = [[] for _ in questions]
    for f in range(k):
        train = [q for q, g in zip(questions, folds, strict=True) if g != f]
        model = fit_logistic(train, which)
        for i, q in enumerate(questions):
            if folds[i] == f:
                out[i] = ranked(getattr(q, which), model)
    return out


def fit_model(questions: Sequence[Question], which: str, k: int,
              seed: int) -> tuple[Model, list[list[Scored]]]:
    """Weights on all of ``questions``; thresholds from their out-of-fold probabilities."""
    oof = _oof(questions, k, which, seed)
    thresholds = choose_thresholds([(s, q.expect) for s, q in zip(oof, questions, strict=True)])
    if which == "lexical":
        fast = choose_fast([(s, q.expect, q.known_share)
                            for s, q in zip(oof, questions, strict=True)])
        thresholds = Thresholds(thresholds.answer, thresholds.suggest, max(fast,
                                                                          thresholds.answer))
    return Model(fit_logistic(questions, which), thresholds), oof


def fit_calibration(questions: Sequence[Question], k: int = 5, seed: int = 11) -> Calibration:
    hybrid, _ = fit_model(questions, "hybrid", k, seed)
    lexical, _ = fit_model(questions, "lexical", k, seed)
    return Calibration(hybrid=hybrid, lexical=lexical)


def cascade_decision(q: Question, cal: Calibration, *, semantic: bool = True) -> tuple[
        str, list[Scored], bool]:
    """(decision, ranked candidates, semantic stage used) as the service decides for ``q``."""
    lex = ranked(q.lexical, cal.lexical.logistic)
    fast = cal.lexical.thresholds.fast
    if not semantic or (decide(lex, Thresholds(fast, 1.0)) == "answer"
                        and q.known_share >= 0.999):
        return decide(lex, cal.lexical.thresholds), lex, False
    hyb = ranked(q.hybrid, cal.hybrid.logistic)
    return decide(hyb, cal.hybrid.thresholds), hyb, True


def cross_validate(questions: Sequence[Question], k: int = 5, seed: int = 11,
                   semantic: bool = True) -> dict[str, Any]:
    """Nested: for each outer fold, weights AND thresholds come from the other folds only."""
    folds = group_folds(questions, k, seed)
    outcomes: list[str] = [""] * len(questions)
    used: list[bool] = [False] * len(questions)
    per_fold: list[dict[str, float]] = []
    for f in range(k):
        train = [q for q, g in zip(questions, folds, strict=True) if g != f]
        cal = fit_calibration(train, k=k - 1, seed=seed)
        test_idx = [i for i, g in enumerate(folds) if g == f]
        for i in test_idx:
            decision, scored, sem = cascade_decision(questions[i], cal, semantic=semantic)
            outcomes[i] = outcome(decision, scored, questions[i].expect)
            used[i] = sem
        per_fold.append(rates([outcomes[i] for i in test_idx]))
    overall = rates(outcomes)
    by_lang: dict[str, dict[str, float]] = {}
    for lang in sorted({q.lang for q in questions}):
        by_lang[lang] = rates([o for o, q in zip(outcomes, questions, strict=True)
                               if q.lang == lang])
    spread = {key: float(np.std([fold[key] for fold in per_fold]))
              for key in ("answered_right_pct", "confidently_wrong_pct", "off_topic_refused_pct")}
    return {"overall": overall, "by_language": by_lang, "per_fold": per_fold,
            "per_fold_std": spread, "semantic_share_pct": round(100 * sum(used) / max(1, len(
                used)), 1), "outcomes": outcomes}


def rates(outcomes: Sequence[str]) -> dict[str, float]:
    in_scope = [o for o in outcomes if o in ("right-direct", "right-suggest", "wrong", "missed")]
    off = [o for o in outcomes if o in ("refused", "not-refused")]

    def pct(n: int, d: int) -> float:
        return round(100.0 * n / d, 1) if d else 0.0

    return {
        "in_scope": len(in_scope),
        "answered_right_pct": pct(sum(o.startswith("right") for o in in_scope), len(in_scope)),
        "answered_directly_pct": pct(in_scope.count("right-direct"), len(in_scope)),
        "confidently_wrong_pct": pct(in_scope.count("wrong"), len(in_scope)),
        "off_topic": len(off),
        "off_topic_refused_pct": pct(off.count("refused"), len(off)),
    }
