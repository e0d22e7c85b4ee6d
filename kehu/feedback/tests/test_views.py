"""Staff pages call the same services as the API; lists have pinned query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kehu.feedback.models import Evaluation, EvaluationTemplate, SelfUpdateRequest, SurveyWave

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(users: dict[str, Any]) -> Any:
    from kehu.customers import services

    return services.customer_create(actor=users["sales"], owner=users["sales"], name="苏州恒达机械有限公司", grade="B")


def test_evaluation_form_review_feedback_and_measures_through_the_pages(
    users: dict[str, Any], client: Any, customer: Any
) -> None:
    from kehu.customers.models import Customer

    # An A-grade archive: only its owner and marketing managers and above may open it.
    Customer.objects.unscoped("test setup").filter(pk=customer.pk).update(grade="A")
    form = EvaluationTemplate.objects.get(code="relationship", is_current=True)
    client.force_login(users["mkt_mgr"])
    page = client.get(f"/feedback/evaluations/new/{customer.pk}/")
    assert page.status_code == 200 and "近12个月" in page.content.decode()  # operating figures as placeholders
    bad = client.post(f"/feedback/evaluations/new/{customer.pk}/", {f"score-{form.indicators.first().pk}": "abc"})
    assert bad.status_code == 400 and not Evaluation.objects.unscoped("test").exists()
    posted = client.post(
        f"/feedback/evaluations/new/{customer.pk}/", {f"score-{i.pk}": "30" for i in form.indicators.all()}
    )
    assert posted.status_code == 302
    evaluation = Evaluation.objects.unscoped("test").get()
    assert evaluation.total == 30 and evaluation.conclusion == "terminate" and evaluation.status == "in_review"
    detail = client.get(f"/feedback/evaluations/{evaluation.pk}/")
    assert "终止关系" in detail.content.decode()

    for username in ("mkt_dir", "mkt_mgr"):
        client.force_login(users[username])
        client.post(f"/feedback/evaluations/{evaluation.pk}/review/", {"comment": "已阅"})
    client.force_login(users["quality"])
    client.post(f"/feedback/evaluations/{evaluation.pk}/feedback/", {"text": "质量部将复查该客户的退货记录"})
    client.force_login(users["mkt_mgr"])
    due = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    client.post(
        f"/feedback/evaluations/{evaluation.pk}/measure/",
        {"text": "高层拜访", "owner": users["sales"].pk, "due_on": due},
    )
    evaluation.refresh_from_db()
    assert evaluation.status == "measures"
    assert evaluation.feedback.get().department == "quality"
    measure = evaluation.measures.get()
    client.force_login(users["sales"])
    assert client.get(f"/feedback/evaluations/{evaluation.pk}/").status_code == 200  # the owner of a measure reads it
    client.post(f"/feedback/evaluations/{evaluation.pk}/done/", {"measure": measure.pk})
    evaluation.refresh_from_db()
    assert evaluation.status == "done"
    # Someone without access to the customer and no role in the round sees nothing.
    client.force_login(users["sales2"])
    assert client.get(f"/feedback/evaluations/{evaluation.pk}/").status_code == 404


def test_wave_form_and_self_update_pages(users: dict[str, Any], client: Any, customer: Any) -> None:
    from kehu.customers import services

    client.force_login(users["mkt_mgr"])
    template = client.get("/feedback/waves/new/")
    assert template.status_code == 200
    from kehu.feedback.models import SurveyTemplate

    survey = SurveyTemplate.objects.get(code="annual")
    closes = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    data = {
        "name": "B级客户调查",
        "template": survey.pk,
        "closes_on": closes,
        "privacy": "named",
        "channel": "qr",
        "grade": ["B"],
        "low_rating": 2,
        "low_nps": 6,
    }
    created = client.post("/feedback/waves/new/", data)
    assert created.status_code == 302
    wave = SurveyWave.objects.get()
    assert (
        wave.segment["grade"] == ["B"]
        and wave.invitations.model.objects.unscoped("test").filter(wave=wave).count() == 1
    )
    past = client.post("/feedback/waves/new/", {**data, "closes_on": "2020-01-01"})
    assert past.status_code == 400 and SurveyWave.objects.count() == 1

    contact = services.contact_create(actor=users["mkt"], customer=customer, name="赵工")
    client.force_login(users["mkt"])  # keeping contact data is marketing's (the owner only views it)
    link = client.post("/feedback/self-updates/new/", {"contact": contact.pk})
    assert link.status_code == 200 and "/f/u/" in link.content.decode() and "<svg" in link.content.decode()
    request = SelfUpdateRequest.objects.unscoped("test").get()
    request.status, request.proposed = "submitted", {"position": "总工程师"}
    request.save()
    assert "总工程师" in client.get("/feedback/self-updates/").content.decode()
    client.post(f"/feedback/self-updates/{request.pk}/decide/", {"approve": "1"})
    contact.refresh_from_db()
    assert contact.position == "总工程师"


def test_api_lists_have_pinned_query_counts(
    users: dict[str, Any], api_for: Any, customer: Any, django_assert_max_num_queries: Any
) -> None:
    from kehu.feedback import evaluations, surveys
    from kehu.feedback.models import SurveyTemplate

    survey = SurveyTemplate.objects.get(code="annual")
    wave = surveys.wave_create(
        actor=users["mkt_mgr"],
        name="x",
        template=survey,
        closes_on=timezone.localdate() + dt.timedelta(days=5),
        customers=[customer.pk],
        channel="qr",
    )
    form = EvaluationTemplate.objects.get(code="relationship")
    for _ in range(3):
        evaluations.evaluation_create(
            actor=users["cs_lead"],
            customer=customer,
            template=form,
            scores={str(i.pk): 80 for i in form.indicators.all()},
        )
    api = api_for("mkt_mgr")
    with django_assert_max_num_queries(8):
        assert api.get(f"/api/survey-invitations/?wave={wave.pk}").status_code == 200
    with django_assert_max_num_queries(10):
        body = api.get("/api/evaluations/").json()
    assert len(body["results"]) == 3
    with django_assert_max_num_queries(8):
        assert api.get("/api/survey-templates/").status_code == 200
    assert api.get("/api/survey-invitations/?wave=abc").status_code == 400
