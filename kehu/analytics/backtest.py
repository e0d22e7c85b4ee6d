"""Churn model back-test (issue 13): does a model trained on our own history rank the customers who
really stopped buying better than the rules do? Used only if it does.

Back-test in time, never across it:
- the test cut-off T is the first day of the month three months before today, so the three months
  that follow it (t+1 … t+3) are over and their outcome is known;
- training examples come from earlier cut-offs (T−3, T−6, T−9 months), each with its own three
  following months, all of which end by T: nothing the test asks about is seen in training;
- at every cut-off the signals are computed as known that day (churn.collect is point in time).
Who counts: customers who bought regularly (≥ 2 sales in the year before the cut-off); churned means
no sale at all in the three months after it.

The model is a logistic regression on the same explainable features as the rules: each rule's share
of its full points (0–1). A logistic regression is a weighted sum, so each customer's score still
splits into per-reason contributions (explain below), and the model is stored as its coefficients
(JSON), not as a pickled object: scoring needs no scikit-learn and loads no code. scikit-learn is
needed only to train (the worker).

The model wins when its ROC-AUC on the test period beats the rules' by MARGIN and its precision in
the top 10 % is at least the rules'. The figures, the decision and why are stored (BackTest) and shown
on the churn page. ADR 0020.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from . import churn

log = logging.getLogger(__name__)

FEATURES: tuple[str, ...] = tuple(churn.WEIGHTS)
HORIZON_MONTHS = 3
TRAIN_CUTOFFS = 3  # earlier cut-offs whose customers are the training examples
MIN_TRAIN_CHURNED = 20  # "enough customers who did stop buying" to learn from
MIN_TEST_EACH = 10  # churned and not churned customers in the test period
MARGIN = 0.01  # ROC-AUC points the model must gain to replace the rules
TOP_SHARE = 0.10  # precision and recall "in the top 10 %"
SAMPLE = 20_000  # customers per cut-off at most (a deterministic spread over the ids)
BATCH = 2000


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def population(cutoff: dt.date) -> list[int]:
    """Regular buyers at the cut-off: ≥ churn.MIN_BASELINE_ORDERS sales in the year before it, not
    archived (their sales say they were customers then, whatever date the archive was entered on).
    System work (unscoped)."""
    from kehu.customers.choices import TransactionKind
    from kehu.customers.models import Transaction

    ids = list(
        Transaction.objects.unscoped("churn back-test: every customer's history")
        .filter(
            kind=TransactionKind.SALE,
            occurred_on__gt=cutoff - dt.timedelta(days=365),
            occurred_on__lte=cutoff,
            customer__is_archived=False,
        )
        .values("customer_id")
        .annotate(n=Count("id"))
        .filter(n__gte=churn.MIN_BASELINE_ORDERS)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
    )
    if len(ids) > SAMPLE:
        step = len(ids) / SAMPLE
        ids = [ids[int(i * step)] for i in range(SAMPLE)]
    return ids


def churned(ids: list[int], cutoff: dt.date, horizon_end: dt.date) -> set[int]:
    """Of `ids`, those without a sale in (cutoff, horizon_end)."""
    from kehu.customers.choices import TransactionKind
    from kehu.customers.models import Transaction

    bought: set[int] = set()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        bought.update(
            Transaction.objects.unscoped("churn back-test: outcome")
            .filter(Q(customer_id__in=chunk, kind=TransactionKind.SALE))
            .filter(occurred_on__gt=cutoff, occurred_on__lt=horizon_end)
            .values_list("customer_id", flat=True)
            .distinct()
        )
    return set(ids) - bought


def feature_vector(signals: churn.Signals, day: dt.date) -> list[float]:
    """Each rule's share of its full points (default weights, so the features do not move when a
    company re-weights its rules)."""
    _total, reasons = churn.score(signals, day, churn.WEIGHTS)
    points = {r["code"]: r["points"] for r in reasons}
    return [min(1.0, points.get(code, 0.0) / churn.WEIGHTS[code]) if churn.WEIGHTS[code] else 0.0 for code in FEATURES]


def examples(cutoff: dt.date, weights: dict[str, int]) -> tuple[list[list[float]], list[int], list[int]]:
    """(features, label churned 0/1, rule score) of every regular buyer at the cut-off."""
    horizon_end = add_months(cutoff, HORIZON_MONTHS)
    ids = population(cutoff)
    gone = churned(ids, cutoff, horizon_end)
    x: list[list[float]] = []
    y: list[int] = []
    rules: list[int] = []
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        signals = churn.collect(chunk, cutoff)
        for pk in chunk:
            x.append(feature_vector(signals[pk], cutoff))
            y.append(int(pk in gone))
            rules.append(churn.score(signals[pk], cutoff, weights)[0])
    return x, y, rules


def metrics(y: list[int], scores: list[float]) -> dict[str, float]:
    """ROC-AUC, precision and recall in the top 10 % (ties broken by order), lift over the base rate."""
    from sklearn.metrics import roc_auc_score

    n = len(y)
    positives = sum(y)
    k = max(1, math.ceil(TOP_SHARE * n))
    ranked = sorted(range(n), key=lambda i: -scores[i])[:k]
    hits = sum(y[i] for i in ranked)
    precision = hits / k
    base = positives / n if n else 0.0
    return {
        "auc": round(float(roc_auc_score(y, scores)), 4),
        "precision": round(precision, 4),
        "recall": round(hits / positives, 4) if positives else 0.0,
        "lift": round(precision / base, 3) if base else 0.0,
        "top": k,
    }


def model_beats_rules(rules: dict[str, float], model: dict[str, float]) -> bool:
    """Better ranking overall (ROC-AUC by MARGIN) and no worse where people look first (top 10 %)."""
    return model["auc"] >= rules["auc"] + MARGIN and model["precision"] >= rules["precision"]


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def explain(
    coefficients: dict[str, float],
    intercept: float,
    signals: churn.Signals,
    day: dt.date,
    reasons: list[dict[str, Any]],
) -> tuple[int, list[dict[str, Any]]]:
    """The model's score (probability of no purchase in the next three months, in %) and the same
    reasons as the rules, each with the points the model gives it: how much lower the score would
    be without that reason. The rules' points are kept as rule_points."""
    x = dict(zip(FEATURES, feature_vector(signals, day), strict=True))
    z = intercept + sum(coefficients.get(code, 0.0) * value for code, value in x.items())
    p = sigmoid(z)
    explained = []
    for reason in reasons:
        part = coefficients.get(reason["code"], 0.0) * x.get(reason["code"], 0.0)
        explained.append({**reason, "rule_points": reason["points"], "points": round(100 * (p - sigmoid(z - part)), 1)})
    explained.sort(key=lambda r: -r["points"])
    return round(100 * p), explained


def run(backtest_id: int) -> Any:
    """Train, test, decide; fill the BackTest row. Never raises for want of data: too few churned
    customers is a result (insufficient), and the rules stay in use."""
    from .models import BackTest

    bt = BackTest.objects.get(pk=backtest_id)
    weights = churn.weights()
    test_cutoff = add_months(bt.as_of.replace(day=1), -HORIZON_MONTHS)
    train_cutoffs = [add_months(test_cutoff, -HORIZON_MONTHS * n) for n in range(1, TRAIN_CUTOFFS + 1)]
    try:
        x_train: list[list[float]] = []
        y_train: list[int] = []
        for cutoff in train_cutoffs:
            x, y, _rules = examples(cutoff, weights)
            x_train += x
            y_train += y
        x_test, y_test, rule_scores = examples(test_cutoff, weights)
        bt.test_cutoff, bt.train_cutoffs = test_cutoff, [str(c) for c in train_cutoffs]
        bt.horizon_end = add_months(test_cutoff, HORIZON_MONTHS) - dt.timedelta(days=1)
        bt.train_size, bt.train_churned = len(y_train), sum(y_train)
        bt.test_size, bt.test_churned = len(y_test), sum(y_test)
        enough = (
            bt.train_churned >= MIN_TRAIN_CHURNED
            and bt.train_size - bt.train_churned >= MIN_TRAIN_CHURNED
            and min(bt.test_churned, bt.test_size - bt.test_churned) >= MIN_TEST_EACH
        )
        if not enough:
            bt.status, bt.reason, bt.model_wins = BackTest.Status.INSUFFICIENT, "insufficient", False
        else:
            from sklearn.linear_model import LogisticRegression

            model = LogisticRegression(max_iter=1000)
            model.fit(x_train, y_train)
            probabilities = [float(p) for p in model.predict_proba(x_test)[:, 1]]
            bt.coefficients = {code: round(float(c), 4) for code, c in zip(FEATURES, model.coef_[0], strict=True)}
            bt.intercept = round(float(model.intercept_[0]), 4)
            rules_m, model_m = metrics(y_test, [float(s) for s in rule_scores]), metrics(y_test, probabilities)
            bt.metrics = {"rules": rules_m, "model": model_m, "base_rate": round(bt.test_churned / bt.test_size, 4)}
            bt.model_wins = model_beats_rules(rules_m, model_m)
            bt.reason = "model_better" if bt.model_wins else "rules_better"
            bt.status = BackTest.Status.DONE
    except Exception as exc:  # a missing package or a bad row must not stop the nightly jobs
        log.exception("churn back-test %s failed", bt.pk)
        bt.status, bt.reason, bt.model_wins, bt.message = BackTest.Status.FAILED, "failed", False, str(exc)[:500]
    bt.finished_at = timezone.now()
    bt.save()
    return bt


def model_in_use() -> Any:
    """The back-test whose model scores customers, or None (the rules). The latest finished back-test
    decides; settings.KEHU["CHURN_MODEL"] = "rules" keeps the rules whatever it found."""
    from .models import BackTest

    if (getattr(settings, "KEHU", {}).get("CHURN_MODEL") or "auto") == "rules":
        return None
    latest = BackTest.objects.exclude(status=BackTest.Status.RUNNING).order_by("-id").first()
    return latest if latest is not None and latest.model_wins and latest.coefficients else None
