"""A wave sent to 200 demo customers, answered through the public link, reported and exported."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone

from kehu.core.workcalendar import add_working_days
from kehu.feedback import links
from kehu.feedback.models import SurveyAnswer, SurveyInvitation, SurveyResponse, SurveyWave

pytestmark = pytest.mark.django_db


def _closes() -> str:
    return (timezone.localdate() + dt.timedelta(days=20)).isoformat()


def _wave(api: Any, template: Any, customers: list[int], **extra: Any) -> dict[str, Any]:
    response = api.post(
        "/api/survey-waves/",
        {
            "name": "2026年度满意度调查",
            "template": template.pk,
            "customers": customers,
            "closes_on": _closes(),
            **extra,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def _invitations(api: Any, wave_id: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    url = f"/api/survey-invitations/?wave={wave_id}&page_size=200"
    while url:
        page = api.get(url).json()
        items += page["results"]
        url = page["next"]
    return items


def _answers(template: Any, ratings: list[int], nps: int, comment: str = "") -> dict[str, Any]:
    questions = list(template.questions.order_by("position"))
    answers: dict[str, Any] = {}
    rating_questions = [q for q in questions if q.kind == "rating"]
    for question, value in zip(rating_questions, ratings, strict=True):
        answers[str(question.pk)] = value
    answers[str(next(q for q in questions if q.kind == "nps").pk)] = nps
    if comment:
        answers[str(next(q for q in questions if q.kind == "text").pk)] = comment
    return answers


def test_a_wave_to_200_customers_answers_report_and_follow_up(
    api_for: Any,
    demo_customers: list[Any],
    template: Any,
    outbox: list[dict[str, Any]],
    client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    api = api_for("mkt_mgr")
    ids = [c.pk for c in demo_customers]
    assert len(ids) == 200
    wave = _wave(api, template, ids)
    sent = api.post(f"/api/survey-waves/{wave['id']}/send/")
    assert sent.status_code == 200, sent.json()
    assert sent.json()["sent"] == 200
    assert len(outbox) == 200 and all(m["channel"] == "email" and m["topic"] if "topic" in m else True for m in outbox)
    assert all("/f/s/" in m["body"] for m in outbox)

    invitations = _invitations(api, wave["id"])
    assert len(invitations) == 200
    assert all(item["url"].startswith("http://testserver/f/s/") for item in invitations)
    questions = api.get(f"/api/survey-templates/{template.pk}/").json()["questions"]
    assert [q["kind"] for q in questions].count("nps") == 1 and any(q["is_nps"] for q in questions)

    # Six customers answer: hand-counted below.
    given = [
        ([5, 5, 4, 5, 5], 10, "产品质量稳定，服务响应很快"),
        ([4, 4, 4, 4, 4], 9, ""),
        ([3, 4, 3, 3, 4], 8, "希望响应速度再快一些"),
        ([2, 3, 3, 2, 3], 6, "售后响应太慢，产品质量有问题"),
        ([1, 2, 2, 1, 2], 3, "产品质量差，售后响应慢"),
        ([5, 4, 5, 5, 4], 7, ""),
    ]
    for item, (ratings, nps, comment) in zip(invitations, given, strict=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                item["url"], {"answers": _answers(template, ratings, nps, comment)}, content_type="application/json"
            )
        assert response.status_code == 201, response.json()

    report = api.get(f"/api/survey-waves/{wave['id']}/report/").json()
    assert report["invited"] == 200 and report["responded"] == 6
    # NPS: promoters 10, 9 (2); detractors 6, 3 (2); n = 6 -> 0.0
    assert report["nps"] == 0.0 and report["nps_n"] == 6
    low, high = report["nps_ci95"]
    assert low < 0 < high
    first_rating = next(q for q in report["questions"] if q["kind"] == "rating")
    assert first_rating["average"] == round((5 + 4 + 3 + 2 + 1 + 5) / 6, 2)
    assert first_rating["n"] == 6
    quality = next(d for d in report["dimensions"] if d["dimension"] == "产品质量")
    assert quality["average"] == round(20 / 6, 2)
    assert report["funnel"]["completed"] == 6 and report["funnel"]["sent"] == 200
    assert any(t["keyword"] in ("响应", "产品质量", "售后") for t in report["themes"])

    # The two low answers (a rating of 2 or less, or NPS 6 or less) opened follow-up tasks for the owners,
    # due in 2 PRC working days, on the customer's timeline.
    from kehu.engagement.models import FollowUp
    from kehu.engagement.selectors import timeline

    tasks = list(FollowUp.objects.unscoped("test").filter(source_type="survey"))
    assert len(tasks) == 2
    low_customer = SurveyResponse.objects.unscoped("test").get(pk=int(tasks[0].source_id)).customer
    assert tasks[0].due_on == add_working_days(timezone.localdate(), 2)
    assert tasks[0].assignee_id == low_customer.owner_id
    from kehu.accounts.models import User

    entries = timeline(User.objects.get(username="admin"), low_customer)
    assert any(e.kind == "followup" and "满意度调查低分" in e.detail for e in entries)


def test_second_submission_is_refused_and_changes_nothing(
    api_for: Any, demo_customers: list[Any], template: Any, outbox: Any, client: Any
) -> None:
    api = api_for("mkt_mgr")
    wave = _wave(api, template, [c.pk for c in demo_customers[:3]])
    api.post(f"/api/survey-waves/{wave['id']}/send/")
    url = _invitations(api, wave["id"])[0]["url"]
    first = client.post(url, {"answers": _answers(template, [4, 4, 4, 4, 4], 9)}, content_type="application/json")
    assert first.status_code == 201
    before = SurveyAnswer.objects.unscoped("test").count()
    again = client.post(url, {"answers": _answers(template, [1, 1, 1, 1, 1], 0)}, content_type="application/json")
    assert again.status_code == 410
    assert "只能提交一次" in again.json()["detail"]
    page = client.get(url)
    assert page.status_code == 410 and "只能提交一次" in page.content.decode()
    assert SurveyAnswer.objects.unscoped("test").count() == before
    assert SurveyResponse.objects.unscoped("test").get().lowest_rating == 4


def test_altered_or_expired_links_are_refused(
    api_for: Any, demo_customers: list[Any], template: Any, outbox: Any, client: Any
) -> None:
    api = api_for("mkt_mgr")
    wave = _wave(api, template, [c.pk for c in demo_customers[:2]])
    api.post(f"/api/survey-waves/{wave['id']}/send/")
    first, second = _invitations(api, wave["id"])
    token = first["url"].rstrip("/").rsplit("/", 1)[1]
    # Another invitation's id under this signature, or a changed signature: both refused.
    other_id = second["id"]
    forged = token.replace(f"s{first['id']}-", f"s{other_id}-", 1)
    for bad in (forged, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "s1-" + "0" * 32):
        response = client.get(f"/f/s/{bad}/")
        assert response.status_code == 404
        assert "链接无效" in response.content.decode()
    SurveyInvitation.objects.unscoped("test").filter(pk=first["id"]).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    expired = client.post(
        first["url"], {"answers": _answers(template, [5, 5, 5, 5, 5], 10)}, content_type="application/json"
    )
    assert expired.status_code == 410 and "过期" in expired.json()["detail"]
    assert not SurveyResponse.objects.unscoped("test").exists()


def test_links_are_signed_with_their_own_key(settings: Any) -> None:
    settings.KEHU_LINK_KEY = "one"
    token = links.make_token("s", 7, "a" * 32)
    settings.KEHU_LINK_KEY = "two"
    assert links.read_token(token, "s") is None
    settings.KEHU_LINK_KEY = "one"
    assert links.read_token(token, "s") == (7, "a" * 32)
    assert links.read_token(token, "u") is None  # a survey link is no self-update link


def test_form_post_needs_csrf_and_bad_answers_are_a_400(
    api_for: Any, demo_customers: list[Any], template: Any, outbox: Any
) -> None:
    from django.test import Client

    api = api_for("mkt_mgr")
    wave = _wave(api, template, [demo_customers[0].pk])
    api.post(f"/api/survey-waves/{wave['id']}/send/")
    url = _invitations(api, wave["id"])[0]["url"]
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(url, {"q1": "5"}).status_code == 403
    bad = browser.post(url, {"answers": {"999999": 3}}, content_type="application/json")
    assert bad.status_code == 400 and "不属于这份问卷" in bad.json()["detail"]
    rating = next(q for q in template.questions.all() if q.kind == "rating")
    out_of_range = browser.post(url, {"answers": {str(rating.pk): 9}}, content_type="application/json")
    assert out_of_range.status_code == 400
    missing = browser.post(url, {"answers": {str(rating.pk): 5}}, content_type="application/json")
    assert missing.status_code == 400 and "请回答" in missing.json()["detail"]
    assert not SurveyResponse.objects.unscoped("test").exists()


def test_public_page_is_rate_limited(
    api_for: Any, demo_customers: list[Any], template: Any, outbox: Any, client: Any, settings: Any
) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.KEHU = {**settings.KEHU, "PUBLIC_RATE_PER_MINUTE": 3}
    statuses = [client.get("/f/s/nonsense/").status_code for _ in range(5)]
    assert statuses[:3] == [404, 404, 404] and statuses[3:] == [429, 429]
    cache.clear()


def test_quiet_period_skips_recently_surveyed_customers(
    api_for: Any, demo_customers: list[Any], template: Any, outbox: Any
) -> None:
    api = api_for("mkt_mgr")
    first = _wave(api, template, [c.pk for c in demo_customers[:5]])
    api.post(f"/api/survey-waves/{first['id']}/send/")
    second = _wave(api, template, [c.pk for c in demo_customers[:10]])
    invited = {i["customer"] for i in _invitations(api, second["id"])}
    assert invited == {c.pk for c in demo_customers[5:10]}
    assert SurveyWave.objects.get(pk=second["id"]).segment["skipped_quiet"] == 5


def test_segment_wave_and_template_versioning(
    api_for: Any, demo_customers: list[Any], template: Any, outbox: Any
) -> None:
    api = api_for("mkt_mgr")
    wave = api.post(
        "/api/survey-waves/",
        {"template": template.pk, "segment": {"grade": ["A"]}, "closes_on": _closes()},
        format="json",
    )
    assert wave.status_code == 201, wave.json()
    grades = {c.grade for c in demo_customers if c.pk in {i["customer"] for i in _invitations(api, wave.json()["id"])}}
    assert grades == {"A"}
    assert (
        api.post(
            "/api/survey-waves/",
            {"template": template.pk, "segment": {"colour": "red"}, "closes_on": _closes()},
            format="json",
        ).status_code
        == 400
    )
    api.post(f"/api/survey-waves/{wave.json()['id']}/send/")
    old_questions = list(template.questions.values_list("text", flat=True))
    revised = api.patch(
        f"/api/survey-templates/{template.pk}/",
        {
            "name": "年度满意度调查",
            "questions": [
                {"kind": "rating", "text": "总体满意度", "dimension": "cooperation"},
                {"kind": "single", "text": "是否需要回访？", "options": ["需要", "不需要"]},
                {"kind": "text", "text": "希望何时回访？", "show_if": 1, "show_if_values": ["需要"]},
            ],
        },
        format="json",
    )
    assert revised.status_code == 200, revised.json()
    assert revised.json()["version"] == 2 and revised.json()["id"] != template.pk
    template.refresh_from_db()
    assert not template.is_current and list(template.questions.values_list("text", flat=True)) == old_questions


def test_anonymous_wave_hides_aggregates_below_five_and_keeps_no_customer(
    api_for: Any, demo_customers: list[Any], template: Any, outbox: Any, client: Any
) -> None:
    api = api_for("mkt_mgr")
    wave = _wave(api, template, [c.pk for c in demo_customers[:6]], privacy="anonymous")
    api.post(f"/api/survey-waves/{wave['id']}/send/")
    items = _invitations(api, wave["id"])
    for item in items[:4]:
        client.post(item["url"], {"answers": _answers(template, [1, 1, 1, 1, 1], 0)}, content_type="application/json")
    report = api.get(f"/api/survey-waves/{wave['id']}/report/").json()
    assert report["hidden"] and report["nps"] is None and report["questions"] == []
    client.post(items[4]["url"], {"answers": _answers(template, [5, 5, 5, 5, 5], 10)}, content_type="application/json")
    report = api.get(f"/api/survey-waves/{wave['id']}/report/").json()
    assert not report["hidden"] and report["responded"] == 5 and report["by_customer"] == []
    assert not SurveyResponse.objects.unscoped("test").filter(customer__isnull=False).exists()
    from kehu.engagement.models import FollowUp

    assert not FollowUp.objects.unscoped("test").filter(source_type="survey").exists()


def test_confidential_answers_are_customer_service_only(
    users: dict[str, Any], api_for: Any, demo_customers: list[Any], template: Any, outbox: Any, client: Any
) -> None:
    api = api_for("mkt_mgr")
    owned = next(c for c in demo_customers if c.owner_id == users["sales"].pk and c.grade != "A")
    wave = _wave(api, template, [owned.pk], privacy="confidential")
    api.post(f"/api/survey-waves/{wave['id']}/send/")
    url = _invitations(api, wave["id"])[0]["url"]
    client.post(url, {"answers": _answers(template, [4, 4, 4, 4, 4], 9, "很好")}, content_type="application/json")
    assert SurveyAnswer.objects.restrict(users["sales"], "view").count() == 0
    assert SurveyAnswer.objects.restrict(users["cs"], "view").count() == 7


def test_report_exports_to_excel_and_pdf(
    users: dict[str, Any], api_for: Any, demo_customers: list[Any], template: Any, outbox: Any, client: Any
) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    api = api_for("mkt_mgr")
    wave = _wave(api, template, [c.pk for c in demo_customers[:3]])
    api.post(f"/api/survey-waves/{wave['id']}/send/")
    for item, nps in zip(_invitations(api, wave["id"]), (10, 9, 2), strict=True):
        client.post(
            item["url"],
            {"answers": _answers(template, [4, 4, 4, 4, 4], nps, '=HYPERLINK("x")')},
            content_type="application/json",
        )
    client.force_login(users["mkt_mgr"])
    xlsx = client.get(f"/feedback/waves/{wave['id']}/export.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True)}
    assert summary["答卷数"] == 3 and summary["NPS"] == round(100 * (2 - 1) / 3, 1)
    comments = [row[2] for row in book["意见"].iter_rows(values_only=True) if row and len(row) > 2 and row[2]]
    assert any(str(c).startswith("'=HYPERLINK") for c in comments)
    pdf = client.get(f"/feedback/waves/{wave['id']}/export.pdf")
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "2026年度满意度调查" in text and "33.3" in text
    page = client.get(f"/feedback/waves/{wave['id']}/")
    assert page.status_code == 200 and "33.3" in page.content.decode()
    links_page = client.get(f"/feedback/waves/{wave['id']}/links/")
    qr_codes = links_page.content.decode().split('data-testid="qr">')[1:]
    assert links_page.status_code == 200 and len(qr_codes) == 3
    assert all(code.lstrip().startswith("<svg") for code in qr_codes)


def test_worker_reminds_non_responders_and_closes_past_waves(
    api_for: Any, demo_customers: list[Any], template: Any, outbox: list[dict[str, Any]], client: Any
) -> None:
    from kehu.feedback.surveys import MAX_REMINDERS, reminders_sweep

    api = api_for("mkt_mgr")
    wave = _wave(api, template, [c.pk for c in demo_customers[:3]])
    api.post(f"/api/survey-waves/{wave['id']}/send/")
    first = _invitations(api, wave["id"])[0]
    client.post(first["url"], {"answers": _answers(template, [4, 4, 4, 4, 4], 9)}, content_type="application/json")
    outbox.clear()
    assert reminders_sweep() == 0  # too early
    later = timezone.now() + dt.timedelta(days=6)
    assert reminders_sweep(now=later) == 2
    assert all(
        m["subject"].startswith("【提醒】") and m["related"] != f"survey_invitation:{first['id']}" for m in outbox
    )
    assert reminders_sweep(now=later) == 0  # once per interval
    reminders_sweep(now=later + dt.timedelta(days=6))
    assert reminders_sweep(now=later + dt.timedelta(days=12)) == 0  # at most MAX_REMINDERS
    assert SurveyInvitation.objects.unscoped("test").filter(reminders=MAX_REMINDERS).count() == 2
    SurveyWave.objects.filter(pk=wave["id"]).update(closes_on=timezone.localdate() - dt.timedelta(days=1))
    reminders_sweep()
    assert SurveyWave.objects.get(pk=wave["id"]).status == "closed"


def test_conditional_question_is_required_only_when_shown(users: dict[str, Any]) -> None:
    from kehu.core.exceptions import DomainError
    from kehu.feedback import surveys

    template = surveys.template_create(
        actor=users["cs_lead"],
        code="after-visit",
        name="回访问卷",
        questions=[
            {"kind": "single", "text": "问题是否已解决？", "options": ["是", "否"]},
            {"kind": "text", "text": "还有哪些未解决？", "show_if": 0, "show_if_values": ["否"]},
            {"kind": "multiple", "text": "您希望的联系方式", "options": ["电话", "邮件", "微信"], "required": False},
        ],
    )
    first, second, third = surveys.questions_of(template)
    assert surveys.clean_answers(
        [first, second, third], {str(first.pk): "是", str(second.pk): "忽略"}, partial=False
    ) == {first.pk: "是"}
    with pytest.raises(DomainError):
        surveys.clean_answers([first, second, third], {str(first.pk): "否"}, partial=False)
    cleaned = surveys.clean_answers(
        [first, second, third],
        {str(first.pk): ["否"], str(second.pk): "发票", str(third.pk): ["微信", "电话"]},
        partial=False,
    )
    assert cleaned == {first.pk: "否", second.pk: "发票", third.pk: ["电话", "微信"]}
    with pytest.raises(DomainError):
        surveys.clean_answers([first], {str(first.pk): "也许"}, partial=False)


def test_grade_schedule_decides_who_is_due(users: dict[str, Any], api_for: Any, template: Any, outbox: Any) -> None:
    from kehu.customers import services
    from kehu.feedback import surveys

    made = {
        grade: services.customer_create(
            actor=users["mkt_mgr"], owner=users["sales"], name=f"{grade}级测试客户有限公司", grade=grade
        )
        for grade in "AB"
    }
    wave = surveys.wave_create(
        actor=users["mkt_mgr"],
        name="上半年",
        template=template,
        closes_on=timezone.localdate() + dt.timedelta(days=5),
        customers=[c.pk for c in made.values()],
        channel="qr",
    )
    surveys.wave_send(actor=users["mkt_mgr"], wave=wave, base_url="http://testserver")
    # 200 days later: A (twice a year, every 182 days) is due again, B (once a year) is not.
    SurveyInvitation.objects.unscoped("test").update(sent_at=timezone.now() - dt.timedelta(days=200))
    due = set(surveys.segment_customers(users["mkt_mgr"], {"due": True}).values_list("pk", flat=True))
    assert made["A"].pk in due and made["B"].pk not in due


def test_email_wave_without_the_messaging_app_is_a_clear_400(
    api_for: Any, demo_customers: list[Any], template: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    real = importlib.import_module

    def missing(name: str, *args: Any) -> Any:
        if name == "kehu.messaging.services":
            raise ModuleNotFoundError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", missing)
    api = api_for("mkt_mgr")
    wave = _wave(api, template, [demo_customers[0].pk])
    response = api.post(f"/api/survey-waves/{wave['id']}/send/")
    assert response.status_code == 400 and "消息发送模块" in response.json()["detail"]
    assert SurveyWave.objects.get(pk=wave["id"]).status == "draft"


def test_change_against_the_previous_wave_per_customer_and_grade_and_segment_reports(
    api_for: Any, demo_customers: list[Any], template: Any, outbox: Any, client: Any
) -> None:
    api = api_for("mkt_mgr")
    chosen = [c for c in demo_customers if c.grade in "BC"][:4]
    ratings_before, ratings_now = (2, 3, 4, 5), (4, 3, 5, 5)
    waves = []
    for ratings in (ratings_before, ratings_now):
        # The previous wave went out half a year ago: outside the quiet period.
        SurveyInvitation.objects.unscoped("test").update(sent_at=timezone.now() - dt.timedelta(days=180))
        wave = _wave(api, template, [c.pk for c in chosen])
        api.post(f"/api/survey-waves/{wave['id']}/send/")
        by_customer = {i["customer"]: i["url"] for i in _invitations(api, wave["id"])}
        for customer, value in zip(chosen, ratings, strict=True):
            client.post(
                by_customer[customer.pk],
                {"answers": _answers(template, [value] * 5, 8)},
                content_type="application/json",
            )
        waves.append(wave)
    report = api.get(f"/api/survey-waves/{waves[1]['id']}/report/").json()
    assert report["previous_wave"] == waves[0]["id"]
    changes = {row["customer_id"]: row["change"] for row in report["by_customer"]}
    assert changes == {
        c.pk: float(now - before) for c, before, now in zip(chosen, ratings_before, ratings_now, strict=True)
    }
    for grade in {c.grade for c in chosen}:
        mine = [(b, n) for c, b, n in zip(chosen, ratings_before, ratings_now, strict=True) if c.grade == grade]
        row = next(r for r in report["by_grade"] if r["grade"] == grade)
        assert row["rating"] == round(sum(n for _b, n in mine) / len(mine), 2)
        assert row["rating_before"] == round(sum(b for b, _n in mine) / len(mine), 2)
        segment = api.get(f"/api/survey-waves/{waves[1]['id']}/report/?grade={grade}").json()
        assert segment["responded"] == len(mine) and segment["invited"] == len(mine)
    assert api.get(f"/api/survey-waves/{waves[1]['id']}/report/?grade=Z").status_code == 400
