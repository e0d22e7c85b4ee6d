"""客户关系评估表 from a versioned template: total, conclusion, the review round, measures to done."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from kehu.feedback.models import Evaluation, EvaluationTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(users: dict[str, Any]) -> Any:
    from kehu.customers import services

    return services.customer_create(actor=users["sales"], owner=users["sales"], name="上海天讯科技有限公司", grade="B")


def _form() -> EvaluationTemplate:
    return EvaluationTemplate.objects.get(code="relationship", is_current=True)


def test_evaluation_total_conclusion_review_round_and_versioned_weights(
    users: dict[str, Any], api_for: Any, customer: Any
) -> None:
    cs = api_for("cs_lead")
    form = api_for("cs_lead").get(f"/api/evaluation-templates/{_form().pk}/").json()
    indicators = {i["name"]: i for i in form["indicators"]}
    scores = {str(i["id"]): 60 for i in form["indicators"]}
    scores[str(indicators["付款与履约记录"]["id"])] = 40  # weight 20
    del scores[str(indicators["客户满意度"]["id"])]  # filled from operating data: no survey -> 60
    created = cs.post(
        "/api/evaluations/",
        {
            "customer": customer.pk,
            "template": form["id"],
            "scores": scores,
            "basis": {str(indicators["投诉情况"]["id"]): "两次一般投诉"},
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    # 60 × 80 % + 40 × 20 % = 48 + 8 = 56 -> below 75 improve, above 50 terminate: 改进
    assert Decimal(body["total"]) == Decimal("56.00") and body["conclusion"] == "improve"
    assert body["status"] == "in_review" and body["customer_grade"] == "B"
    survey_row = next(s for s in body["scores"] if s["name"] == "客户满意度")
    assert "无满意度调查" in survey_row["basis"] and Decimal(survey_row["contribution"]) == Decimal("15.00")
    assert sum(Decimal(s["contribution"]) for s in body["scores"]) == Decimal(body["total"])
    evaluation_id = body["id"]

    # Marketing cannot draft measures before the review round; sales staff cannot review.
    early = api_for("mkt_mgr").post(
        f"/api/evaluations/{evaluation_id}/measure/",
        {
            "text": "季度高层拜访",
            "owner": users["sales"].pk,
            "due_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        },
        format="json",
    )
    assert early.status_code == 400
    assert api_for("sales").post(f"/api/evaluations/{evaluation_id}/review/", {}, format="json").status_code == 400
    assert (
        api_for("mkt_dir")
        .post(f"/api/evaluations/{evaluation_id}/review/", {"comment": "同意改进"}, format="json")
        .status_code
        == 200
    )
    assert api_for("mkt_dir").post(f"/api/evaluations/{evaluation_id}/review/", {}, format="json").status_code == 400
    fb = api_for("tech_mgr").post(
        f"/api/evaluations/{evaluation_id}/feedback/", {"text": "技术支持可安排季度巡检"}, format="json"
    )
    assert fb.status_code == 200 and fb.json()["feedback"][0]["department"] == "tech_support"
    reviewed = api_for("mkt_mgr").post(f"/api/evaluations/{evaluation_id}/review/", {"comment": "已阅"}, format="json")
    assert reviewed.json()["status"] == "measures"
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    added = api_for("mkt_mgr").post(
        f"/api/evaluations/{evaluation_id}/measure/",
        {"text": "季度高层拜访", "owner": users["sales"].pk, "due_on": due},
        format="json",
    )
    assert added.status_code == 200, added.json()
    measure_id = added.json()["measures"][0]["id"]
    done = api_for("sales").post(f"/api/evaluations/{evaluation_id}/measure/", {"done": measure_id}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "done"

    # New weights: a new version; the old evaluation keeps its weights, total and conclusion.
    new_weights = [
        {"name": i["name"], "weight": w, "source": i["source"]}
        for i, w in zip(form["indicators"], (50, 10, 10, 10, 10, 10), strict=True)
    ]
    revised = cs.patch(f"/api/evaluation-templates/{form['id']}/", {"indicators": new_weights}, format="json")
    assert revised.status_code == 200, revised.json()
    assert revised.json()["version"] == 2
    old = Evaluation.objects.unscoped("test").get(pk=evaluation_id)
    assert old.total == Decimal("56.00") and old.conclusion == "improve" and old.template_id == form["id"]
    assert [s.weight for s in old.scores.order_by("id")] == [Decimal(i["weight"]) for i in form["indicators"]]
    again = cs.get(f"/api/evaluations/{evaluation_id}/").json()
    assert again["total"] == "56.00"


def test_maintain_needs_no_review_and_bad_input_is_a_400(users: dict[str, Any], api_for: Any, customer: Any) -> None:
    cs = api_for("cs_lead")
    form = _form()
    scores = {str(i.pk): 90 for i in form.indicators.all()}
    made = cs.post("/api/evaluations/", {"customer": customer.pk, "template": form.pk, "scores": scores}, format="json")
    assert made.json()["conclusion"] == "maintain" and made.json()["status"] == "closed"
    scores[str(form.indicators.first().pk)] = 120
    assert (
        cs.post(
            "/api/evaluations/", {"customer": customer.pk, "template": form.pk, "scores": scores}, format="json"
        ).status_code
        == 400
    )
    assert (
        cs.post(
            "/api/evaluations/", {"customer": customer.pk, "template": form.pk, "scores": {"999999": 5}}, format="json"
        ).status_code
        == 400
    )
    scores = {str(i.pk): 10 for i in form.indicators.all()}
    low = cs.post("/api/evaluations/", {"customer": customer.pk, "template": form.pk, "scores": scores}, format="json")
    assert low.json()["conclusion"] == "terminate"
    assert Evaluation.objects.unscoped("test").count() == 2


def test_customer_self_update_applies_after_review(users: dict[str, Any], customer: Any, client: Any) -> None:
    from kehu.customers import services
    from kehu.feedback import selfupdate

    contact = services.contact_create(actor=users["mkt"], customer=customer, name="王经理", mobile="13800000000")
    request = selfupdate.selfupdate_link_create(actor=users["mkt"], contact=contact)
    url = selfupdate.selfupdate_path(request)
    page = client.get(url)
    assert page.status_code == 200 and "13800000000" in page.content.decode()
    posted = client.post(
        url, {"name": "王经理", "mobile": "13900000000", "email": "wang@example.cn"}, content_type="application/json"
    )
    assert posted.status_code == 201
    contact.refresh_from_db()
    assert contact.mobile == "13800000000"  # nothing applies before a person reviews it
    assert client.get(url).status_code == 410
    request.refresh_from_db()
    selfupdate.selfupdate_review(actor=users["mkt"], request=request, approve=True)
    contact.refresh_from_db()
    assert contact.mobile == "13900000000" and contact.email == "wang@example.cn"
