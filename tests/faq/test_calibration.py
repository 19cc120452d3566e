"""The calibration machinery on data made for the test: the fit, the folds, the decisions."""

from __future__ import annotations

import numpy as np

from faq.calibration import (
    HYBRID_FEATURES,
    LEXICAL_FEATURES,
    Calibration,
    Logistic,
    Question,
    Scored,
    Thresholds,
    cross_validate,
    decide,
    group_folds,
    ranked,
)


def test_the_logistic_fit_ranks_and_calibrates_a_separable_signal() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] + 0.2 * rng.normal(size=400) > 0).astype(float)
    model = Logistic.fit(("a", "b"), x, y)
    low, mid, high = model.predict([[-2.0, 0.0], [0.0, 0.0], [2.0, 0.0]])
    assert low < 0.05 and 0.3 < mid < 0.7 and high > 0.95
    assert abs(model.weights[0]) > 5 * abs(model.weights[1])  # the noise feature barely counts


def test_folds_keep_every_question_of_a_topic_together() -> None:
    questions = [Question(f"topic-{i % 7}", "es", [], [], 1.0) for i in range(40)]
    questions += [Question(None, "es", [], [], 1.0) for _ in range(6)]
    folds = group_folds(questions, 5)
    by_topic: dict[str, set[int]] = {}
    for q, f in zip(questions, folds, strict=True):
        if q.expect:
            by_topic.setdefault(q.expect, set()).add(f)
    assert all(len(fs) == 1 for fs in by_topic.values())
    assert len(set(folds)) == 5


def test_an_answer_needs_the_threshold_and_a_clear_lead() -> None:
    t = Thresholds(answer=0.7, suggest=0.4)
    assert decide([Scored("a", 0.9), Scored("b", 0.1)], t) == "answer"
    assert decide([Scored("a", 0.9), Scored("b", 0.6)], t) == "suggest"  # two look right
    assert decide([Scored("a", 0.3), Scored("b", 0.2)], t) == "suggest"  # top-3 mass 0.5
    assert decide([Scored("a", 0.1), Scored("b", 0.1)], t) == "none"
    assert decide([Scored("out-of-scope-taxes", 0.9)], t) == "out_of_scope"
    assert decide([], t) == "none"


def test_two_candidates_the_question_cannot_tell_apart_share_their_probability() -> None:
    model = Calibration.load().lexical.logistic
    row = [0.7, 0.0, 0.6, 0.6, 0.5, 1.0]
    scored = ranked([("north", row), ("south", [0.695, *row[1:]])], model)
    assert scored[0].p == scored[1].p
    assert decide(scored, Thresholds(0.01, 0.01)) == "suggest"


def test_cross_validation_reports_out_of_fold_rates_per_fold_and_language() -> None:
    rng = np.random.default_rng(1)
    questions = []
    for i in range(60):
        expect = f"t{i % 12}" if i % 6 else None
        rows = []
        for c in range(3):
            entry = f"t{(i + c) % 12}"
            good = 1.0 if entry == expect else 0.0
            rows.append((entry, list(rng.normal(good, 0.3, size=len(HYBRID_FEATURES)))))
        lexical = [(e, r[:len(LEXICAL_FEATURES)]) for e, r in rows]
        questions.append(Question(expect, "es" if i % 2 else "en", rows, lexical, 1.0))
    report = cross_validate(questions, semantic=False)
    assert len(report["per_fold"]) == 5 and set(report["by_language"]) == {"en", "es"}
    assert report["overall"]["answered_right_pct"] > 80
    assert len(report["outcomes"]) == len(questions)
