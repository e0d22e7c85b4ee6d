"""The churn model back-test: trained on the demo history up to a cut-off, tested on the three months
after it, compared with the rules, and used only when it beats them."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from kehu.analytics import backtest, churn, services
from kehu.analytics.models import BackTest, ChurnRisk, ChurnRun
from kehu.core.exceptions import DomainError

from .factories import complaint, contact, customer, orders

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_history(users):
    """The demo generator's customers: three years of orders, one in ten declining, one in twenty stopped."""
    from kehu.customers import demo

    demo.seed(customers=400, stdout=io.StringIO())


def _in_range(figures):
    assert 0.0 <= figures["auc"] <= 1.0
    assert 0.0 <= figures["precision"] <= 1.0 and 0.0 <= figures["recall"] <= 1.0
    assert figures["lift"] >= 0.0 and figures["top"] >= 1


def test_the_back_test_runs_on_the_demo_history_and_reports_figures_in_range(demo_history, users, client):
    out = io.StringIO()
    call_command("churn_backtest", "--rescore", stdout=out)
    bt = BackTest.objects.get()
    assert bt.status == "done", bt.message
    # trained strictly before the test period, tested on the three months that follow the cut-off
    assert all(dt.date.fromisoformat(c) < bt.test_cutoff for c in bt.train_cutoffs)
    assert bt.test_cutoff.day == 1 and (bt.horizon_end - bt.test_cutoff).days in range(88, 93)
    assert bt.horizon_end < bt.as_of
    assert bt.train_churned >= backtest.MIN_TRAIN_CHURNED and 0 < bt.test_churned < bt.test_size
    _in_range(bt.metrics["rules"])
    _in_range(bt.metrics["model"])
    assert 0 < bt.metrics["base_rate"] < 1
    assert set(bt.coefficients) == set(churn.WEIGHTS)
    # the model is used exactly when it beats the rules, and the run says which scored
    assert bt.model_wins == backtest.model_beats_rules(bt.metrics["rules"], bt.metrics["model"])
    run = ChurnRun.objects.get()
    assert run.scorer == ("model" if bt.model_wins else "rules")
    assert f"in use: {run.scorer}" in out.getvalue() and "auc=" in out.getvalue()
    client.force_login(users["mkt_mgr"])
    html = client.get(reverse("analytics:churn")).content.decode()
    assert 'data-card="backtest"' in html and "ROC-AUC" in html
    assert str(bt.metrics["rules"]["auc"]) in html and str(bt.metrics["model"]["auc"]) in html
    assert f'data-scorer="{run.scorer}"' in html


def test_the_model_must_beat_the_rules_on_auc_and_not_lose_in_the_top_ten_percent():
    rules = {"auc": 0.70, "precision": 0.50}
    assert backtest.model_beats_rules(rules, {"auc": 0.75, "precision": 0.50})
    assert not backtest.model_beats_rules(rules, {"auc": 0.705, "precision": 0.60})  # within the margin
    assert not backtest.model_beats_rules(rules, {"auc": 0.80, "precision": 0.40})  # worse where people look
    assert not backtest.model_beats_rules(rules, {"auc": 0.60, "precision": 0.90})


@pytest.fixture
def risky(users):
    mgr = users["mkt_mgr"]
    c = customer(mgr, "流失公司", owner=users["sales2"])
    contact(c, mgr, 200)
    orders(c, [200, 240, 280, 320, 360, 400, 440, 480])
    complaint(c, users["cs"], nature="serious")
    steady = customer(mgr, "稳定公司", owner=users["sales"])
    contact(steady, mgr, 3)
    return c


def _winning_backtest(**extra):
    return BackTest.objects.create(
        as_of=dt.date.today(),
        status="done",
        model_wins=True,
        reason="model_better",
        coefficients={code: 2.0 for code in churn.WEIGHTS} | {"silence": 3.0, "complaints": -1.0},
        intercept=-2.0,
        metrics={
            "rules": {"auc": 0.6, "precision": 0.4, "recall": 0.2, "lift": 1.1, "top": 3},
            "model": {"auc": 0.8, "precision": 0.7, "recall": 0.4, "lift": 2.0, "top": 3},
            "base_rate": 0.3,
        },
        **extra,
    )


def test_a_winning_model_scores_with_its_probability_and_explains_each_reason(risky, client, users, api_for):
    _winning_backtest()
    run = services.churn_run(services.churn_run_start(enqueue=False).pk)
    assert run.scorer == "model" and run.backtest is not None
    risk = ChurnRisk.objects.unscoped("test").get(customer=risky)
    reasons = {r["code"]: r for r in risk.reasons}
    # the probability from the coefficients: silence (full) 3.0, order decline (full) 2.0 + 2.0,
    # the open serious complaint received ten days ago (half its points) −1.0 × 0.5
    x = {"silence": 1.0, "order_frequency": 1.0, "order_amount": 1.0, "complaints": 0.5}
    z = -2.0 + 3.0 * x["silence"] + 2.0 * x["order_frequency"] + 2.0 * x["order_amount"] - 1.0 * x["complaints"]
    assert risk.score == round(100 * backtest.sigmoid(z))
    assert set(reasons) == set(x)
    assert reasons["silence"]["rule_points"] == 25 and reasons["silence"]["points"] > 0
    assert reasons["complaints"]["points"] < 0  # this model counts a complaint against churn
    assert risk.reasons[0]["code"] == "silence"  # the biggest contribution first
    client.force_login(users["mkt_mgr"])
    html = client.get(reverse("analytics:churn")).content.decode()
    assert 'data-scorer="model"' in html and "按模型评分" in html and "因此使用模型" in html
    assert f"({reasons['complaints']['points']})" in html
    body = api_for("mkt_mgr").get(reverse("analytics-churn-risk")).json()
    assert body["scorer"] == "model" and body["results"][0]["score"] == risk.score


def test_a_losing_or_insufficient_back_test_keeps_the_rules(risky, users, client):
    bt = _winning_backtest()
    BackTest.objects.filter(pk=bt.pk).update(model_wins=False, reason="rules_better")
    assert services.churn_run(services.churn_run_start(enqueue=False).pk).scorer == "rules"
    # a company can keep the rules whatever the back-test finds
    BackTest.objects.filter(pk=bt.pk).update(model_wins=True)
    assert services.churn_run(services.churn_run_start(enqueue=False).pk).scorer == "model"
    # too little history to learn from: the back-test says so and the rules stay
    fresh = backtest.run(services.backtest_start(enqueue=False).pk)
    assert fresh.status == "insufficient" and not fresh.model_wins and fresh.metrics == {}
    run = services.churn_run(services.churn_run_start(enqueue=False).pk)
    assert run.scorer == "rules"
    risk = ChurnRisk.objects.unscoped("test").get(customer=risky)
    assert risk.reasons[0]["points"] == 25 and "rule_points" not in risk.reasons[0]
    client.force_login(users["mkt_mgr"])
    html = client.get(reverse("analytics:churn")).content.decode()
    assert 'data-scorer="rules"' in html and "停止购买的客户太少" in html


def test_settings_can_keep_the_rules(risky, settings):
    _winning_backtest()
    settings.KEHU = {**settings.KEHU, "CHURN_MODEL": "rules"}
    assert services.churn_run(services.churn_run_start(enqueue=False).pk).scorer == "rules"


def test_only_managers_start_a_back_test(users):
    with pytest.raises(DomainError):
        services.backtest_start(actor=users["sales"], enqueue=False)
    assert BackTest.objects.count() == 0
    assert services.backtest_start(actor=users["cs_lead"], enqueue=False).pk


def test_signals_at_a_past_cut_off_do_not_see_its_future(users):
    mgr = users["mkt_mgr"]
    c = customer(mgr, "甲公司", owner=users["sales"])
    complaint(c, users["cs"], nature="urgent", days_ago=5)
    contact(c, mgr, 2)
    orders(c, [3])
    past = dt.date.today() - dt.timedelta(days=30)
    then = churn.collect([c.pk], past)[c.pk]
    assert then.open_complaints == [] and then.recent_orders == 0
    assert then.last_contact is None or then.last_contact <= past
    now = churn.collect([c.pk], dt.date.today())[c.pk]
    assert now.open_complaints == ["urgent"] and now.recent_orders == 1


def test_back_test_now_is_for_managers_and_the_api_shows_the_latest(api_for, client, users, risky,
                                                                   django_capture_on_commit_callbacks):  # fmt: skip
    url = reverse("analytics-churn-backtests")
    assert api_for("sales").post(url).status_code == 403
    client.force_login(users["sales"])
    client.post(reverse("analytics:churn-backtest"))
    assert BackTest.objects.count() == 0  # nothing started by someone without the right
    assert api_for("mkt_mgr").get(url).json() == {"latest": None}
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for("cs_lead").post(url)
    assert response.status_code == 202
    assert api_for("sales").get(url).status_code == 403  # company-wide counts: managers only
    latest = api_for("cs_lead").get(url).json()["latest"]
    assert latest["id"] == response.json()["id"] and latest["status"] == "insufficient"
    client.force_login(users["mkt_mgr"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("analytics:churn-backtest")).status_code == 302
    assert BackTest.objects.count() == 2
    assert "立即回测模型" in client.get(reverse("analytics:churn")).content.decode()
    client.force_login(users["sales"])
    html = client.get(reverse("analytics:churn")).content.decode()
    assert "立即回测模型" not in html and 'data-card="backtest"' not in html
    assert "停止购买的客户太少" in html  # which scorer is in use, and why, is for everyone


def test_a_decline_shows_at_a_past_cut_off_and_a_steady_buyer_does_not(users):
    """The order rules fire at a past cut-off from the history known then (the back-test's examples)."""
    mgr = users["mkt_mgr"]
    falling = customer(mgr, "下滑公司", owner=users["sales"])
    orders(falling, [*range(690, 389, -30), 330, 100, 60, 30])  # monthly, then one order, then buying again later
    steady = customer(mgr, "稳定采购公司", owner=users["sales"])
    orders(steady, [*range(690, 209, -30), 20])
    for c in (falling, steady):
        contact(c, mgr, 203)  # both in touch at the cut-off: only the orders differ
    cutoff = dt.date.today() - dt.timedelta(days=200)
    signals = churn.collect([falling.pk, steady.pk], cutoff)
    assert (signals[falling.pk].recent_orders, signals[falling.pk].baseline_orders) == (1, 11)
    assert (signals[steady.pk].recent_orders, signals[steady.pk].baseline_orders) == (6, 11)
    falling_score, reasons = churn.score(signals[falling.pk], cutoff, churn.WEIGHTS)
    assert {r["code"] for r in reasons} >= {"order_frequency"} and falling_score > 10
    assert churn.score(signals[steady.pk], cutoff, churn.WEIGHTS)[0] == 0
    frequency = backtest.FEATURES.index("order_frequency")
    assert backtest.feature_vector(signals[falling.pk], cutoff)[frequency] > 0.5
    assert backtest.feature_vector(signals[steady.pk], cutoff)[frequency] == 0
