import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.analytics import churn, services
from kehu.analytics.models import ChurnAction, ChurnRisk, ChurnRun

from .factories import complaint, contact, customer, orders

pytestmark = pytest.mark.django_db

BASELINE = [200, 240, 280, 320, 360, 400, 440, 480]  # eight orders in the year before the last 180 days


@pytest.fixture
def histories(users):
    """risky: silent for 200 days, two open complaints, orders halving; steady: contacted last week,
    buying as before; fresh: opened yesterday, no history at all; a_risky: as risky, grade A."""
    mgr = users["mkt_mgr"]
    risky = customer(mgr, "流失公司", owner=users["sales2"])
    contact(risky, mgr, 200)
    orders(risky, BASELINE)
    orders(risky, [60, 150])  # two in the last 180 days where about four were usual
    complaint(risky, users["cs"], nature="serious")
    complaint(risky, users["cs"], nature="general", days_ago=40)
    steady = customer(mgr, "稳定公司", owner=users["sales"])
    contact(steady, mgr, 3)
    orders(steady, BASELINE)
    orders(steady, [20, 60, 100, 140])
    fresh = customer(mgr, "新客户", owner=users["sales"], age_days=1)
    a_risky = customer(mgr, "重点流失公司", grade="A", owner=users["sales2"])
    contact(a_risky, mgr, 200)
    complaint(a_risky, users["cs"], nature="urgent")
    run = services.churn_run_start(enqueue=False)
    services.churn_run(run.pk)
    return {"risky": risky, "steady": steady, "fresh": fresh, "a_risky": a_risky}


def _risk(c):
    return ChurnRisk.objects.unscoped("test").get(customer=c)


def test_risky_customers_rank_above_steady_ones_with_the_right_reasons(histories):
    risky, steady, fresh = _risk(histories["risky"]), _risk(histories["steady"]), _risk(histories["fresh"])
    assert risky.score > 40 > 0 == steady.score == fresh.score
    codes = [r["code"] for r in risky.reasons]
    assert codes[0] == "silence"  # the biggest reason first
    assert set(codes) == {"silence", "order_frequency", "order_amount", "complaints"}
    texts = {r["code"]: churn.reason_text(r) for r in risky.reasons}
    assert "已 200 天未联系" in texts["silence"]
    assert "未结投诉 2 起" in texts["complaints"] and "严重" in texts["complaints"]
    assert "订单 2 笔" in texts["order_frequency"]
    assert risky.action == "silence"
    run = ChurnRun.objects.get()
    assert run.status == "done" and run.processed == 4 and run.at_risk == 2


def test_a_run_leaves_the_planner_statistics_of_the_rows_it_wrote(histories):
    """A limited viewer's high-risk card counts the risk rows of their scope live: planned on the
    previous run's statistics it read the whole table (65-95 ms at 1M customers instead of 3 ms)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'analytics_churnrisk'")
            rows = [int(stat.split()[0]) for (stat,) in cursor.fetchall()]  # "rows per-column-averages"
            assert rows and set(rows) == {4}  # the four customers just scored
        else:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'analytics_churnrisk'")
            assert cursor.fetchone()[0] == 4


def test_score_is_pure_and_uses_the_weights_as_data():
    today = dt.date(2026, 11, 30)
    signals = churn.Signals(grade="B", last_contact=today - dt.timedelta(days=200), open_complaints=["urgent"])
    weights = {**churn.WEIGHTS, "silence": 0}
    total, reasons = churn.score(signals, today, weights)
    assert [r["code"] for r in reasons] == ["complaints"] and total == round(15 * 0.5)
    total_default, _ = churn.score(signals, today, churn.WEIGHTS)
    assert total_default == 32  # 25 + 7.5, rounded half to even


def test_weights_come_from_settings(settings):
    settings.KEHU = {**settings.KEHU, "CHURN_WEIGHTS": {"silence": 40}}
    assert churn.weights()["silence"] == 40 and churn.weights()["complaints"] == 15


def test_api_lists_by_score_only_what_the_user_may_view(api_for, histories, django_assert_max_num_queries):
    url = reverse("analytics-churn-risk")
    # a token's first use reads the token and its user (cached afterwards), then the page's queries
    with django_assert_max_num_queries(9):
        body = api_for("mkt_mgr").get(url).json()
    names = [item["customer"]["name"] for item in body["results"]]
    assert names[:2] == ["流失公司", "重点流失公司"] or names[:2] == ["重点流失公司", "流失公司"]
    scores = [item["score"] for item in body["results"]]
    assert scores == sorted(scores, reverse=True)
    first = body["results"][0]
    assert set(first) == {"customer", "score", "level", "reasons", "action"}
    assert first["reasons"][0]["text"] and first["action"]["suggested"]
    assert body["scope_limited"] is False
    # sales sees the B/C customers they own, never the A-grade one; tech support sees none.
    sales = api_for("sales").get(url).json()
    assert {i["customer"]["name"] for i in sales["results"]} == {"稳定公司", "新客户"}
    assert sales["scope_limited"] is True
    assert api_for("tech").get(url).json()["results"] == []


def test_api_min_score_and_bad_cursor(api_for, histories):
    url = reverse("analytics-churn-risk")
    body = api_for("mkt_mgr").get(url, {"min_score": 30}).json()
    assert {i["customer"]["name"] for i in body["results"]} == {"流失公司", "重点流失公司"}
    assert api_for("mkt_mgr").get(url, {"after": "x"}).status_code == 400
    assert api_for("mkt_mgr").get(url, {"min_score": "abc"}).status_code == 400


def test_keyset_pages_follow_on(api_for, histories, monkeypatch):
    from kehu.analytics import selectors

    monkeypatch.setattr(selectors, "RISK_PAGE", 1)
    monkeypatch.setattr(selectors.churn_list, "__kwdefaults__", {"min_score": 0, "after": None, "limit": 1})
    client = api_for("mkt_mgr")
    url = reverse("analytics-churn-risk")
    seen, after = [], None
    for _ in range(6):
        body = client.get(url, {"after": after} if after else {}).json()
        seen += [i["customer"]["name"] for i in body["results"]]
        after = body["next"]
        if not after:
            break
    assert len(seen) == 4 and len(set(seen)) == 4


def test_recompute_now_is_for_managers_only(api_for, histories, django_capture_on_commit_callbacks):
    url = reverse("analytics-churn-runs")
    assert api_for("sales").post(url).status_code == 403
    before = ChurnRun.objects.count()
    assert ChurnRun.objects.count() == before
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for("cs_lead").post(url)
    assert response.status_code == 202
    run = ChurnRun.objects.get(pk=response.json()["id"])
    assert run.status == "done" and run.processed == 4  # the immediate task backend ran it


def test_actions_are_tracked_and_scoped(api_for, users, histories):
    url = reverse("analytics-churn-actions")
    risky = histories["risky"]
    # sales may not view the customer: nothing is created.
    response = api_for("sales").post(url, {"customer": risky.pk, "description": "拜访"}, format="json")
    assert response.status_code == 400 and ChurnAction.objects.count() == 0
    bad = api_for("mkt_mgr").post(url, {"customer": risky.pk, "description": " "}, format="json")
    assert bad.status_code == 400 and "description" in bad.json()
    assert api_for("mkt_mgr").post(url, {"customer": risky.pk, "description": "x", "due_on": "2026-02-30"},
                                   format="json").status_code == 400  # fmt: skip
    created = api_for("mkt_mgr").post(url, {"customer": risky.pk, "description": "总监拜访"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["owner"]["username"] == "sales2" and body["kind"] == "silence" and body["score_at_start"] > 40
    listed = api_for("mkt_mgr").get(reverse("analytics-churn-risk")).json()["results"]
    mine = next(i for i in listed if i["customer"]["id"] == risky.pk)
    assert mine["action"]["status"] == "open" and mine["action"]["description"] == "总监拜访"
    one = reverse("analytics-churn-action", args=[body["id"]])
    # tech can neither see nor change it
    assert api_for("tech").patch(one, {"status": "done"}, format="json").status_code == 400
    done = api_for("sales2").patch(one, {"status": "done", "note": "已拜访"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert ChurnAction.objects.get().done_at is not None
    assert timezone.localdate(ChurnAction.objects.get().done_at) == timezone.localdate()


def test_anonymous_gets_nothing(client, histories):
    assert client.get(reverse("analytics-churn-risk")).status_code in (401, 403)
    assert client.post(reverse("analytics-churn-runs")).status_code in (401, 403)


def test_the_owner_of_an_action_works_on_it_without_seeing_the_archive(api_for, users, histories):
    created = api_for("mkt_mgr").post(
        reverse("analytics-churn-actions"),
        {"customer": histories["risky"].pk, "description": "技术回访", "owner": users["tech"].pk},
        format="json",
    )
    assert created.status_code == 201
    one = reverse("analytics-churn-action", args=[created.json()["id"]])
    assert api_for("tech").patch(one, {"status": "doing"}, format="json").status_code == 200
    assert api_for("tech").get(reverse("analytics-churn-risk")).json()["results"] == []  # still no archive access
    assert api_for("sales").patch(one, {"status": "dropped"}, format="json").status_code == 400
    assert ChurnAction.objects.get().status == "doing"
