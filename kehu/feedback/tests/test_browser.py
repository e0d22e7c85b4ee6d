"""The public answer page in a real browser at phone width (390 px), without an account."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kehu.feedback import surveys
from kehu.feedback.models import SurveyResponse


@pytest.fixture
def phone(browser: Any, live_server: Any, transactional_db: Any) -> Any:
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


def test_customer_answers_on_a_phone_reload_keeps_answers_second_submit_refused(
    phone: Any, users: dict[str, Any], outbox: Any
) -> None:
    from django.apps import apps

    from kehu.customers import services
    from kehu.feedback import defaults
    from kehu.feedback.models import SurveyTemplate

    defaults.install(apps)  # a transactional test starts after a flush: put the migration's defaults back
    template = SurveyTemplate.objects.get(code="annual", is_current=True)
    customer = services.customer_create(actor=users["mkt_mgr"], owner=users["sales"], name="杭州远景贸易有限公司")
    wave = surveys.wave_create(
        actor=users["mkt_mgr"],
        name="年度满意度调查",
        template=template,
        closes_on=timezone.localdate() + dt.timedelta(days=10),
        customers=[customer.pk],
        channel="qr",
    )
    surveys.wave_send(actor=users["mkt_mgr"], wave=wave, base_url=phone.base_url)
    invitation = wave.invitations.model.objects.unscoped("test").get(wave=wave)
    url = phone.base_url + surveys.invitation_path(invitation)

    phone.goto(url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    questions = list(template.questions.order_by("position"))
    ratings = [q for q in questions if q.kind == "rating"]
    for question, value in zip(ratings, (5, 4, 4, 3, 5), strict=True):
        phone.locator(f"#question-{question.pk} label.scale-option", has_text=str(value)).first.click()
    nps = next(q for q in questions if q.kind == "nps")
    phone.locator(f"#question-{nps.pk} label.scale-option").nth(9).click()
    phone.fill(f"#question-{next(q for q in questions if q.kind == 'text').pk} textarea", "响应很及时")
    phone.wait_for_selector("[data-testid=autosave-status]:has-text('已自动保存')")
    phone.wait_for_timeout(800)  # the last debounced save

    phone.reload()
    assert phone.locator(f"#question-{ratings[1].pk} input[value='4']").is_checked()
    assert phone.locator(f"#question-{nps.pk} input[value='9']").is_checked()
    assert phone.input_value(f"#question-{next(q for q in questions if q.kind == 'text').pk} textarea") == "响应很及时"

    phone.click("[data-testid=submit]")
    phone.wait_for_selector("[data-testid=public-message]")
    assert "感谢" in phone.text_content("[data-testid=public-message]")
    response = SurveyResponse.objects.unscoped("test").get()
    assert response.lowest_rating == 3 and response.nps == 9

    phone.goto(url)
    assert "只能提交一次" in phone.text_content("[data-testid=public-message]")
    assert SurveyResponse.objects.unscoped("test").count() == 1

    phone.click("[data-testid=lang-en]")
    phone.wait_for_selector("[data-testid=lang-zh]")
    assert "submitted once" in phone.text_content("[data-testid=public-message]")


def test_conditional_question_appears_only_for_its_answer(phone: Any, users: dict[str, Any]) -> None:
    from kehu.customers import services

    template = surveys.template_create(
        actor=users["cs_lead"],
        code="resolved",
        name="问题解决回访",
        questions=[
            {"kind": "single", "text": "问题是否已解决？", "options": ["是", "否"]},
            {"kind": "text", "text": "还有哪些未解决？", "show_if": 0, "show_if_values": ["否"]},
        ],
    )
    customer = services.customer_create(actor=users["cs_lead"], owner=users["sales"], name="宁波海联电子有限公司")
    wave = surveys.wave_create(
        actor=users["cs_lead"],
        name="回访",
        template=template,
        closes_on=timezone.localdate() + dt.timedelta(days=3),
        customers=[customer.pk],
        channel="qr",
    )
    surveys.wave_send(actor=users["cs_lead"], wave=wave, base_url=phone.base_url)
    invitation = wave.invitations.model.objects.unscoped("test").get(wave=wave)
    first, second = surveys.questions_of(template)
    phone.goto(phone.base_url + surveys.invitation_path(invitation))
    assert not phone.is_visible(f"#question-{second.pk}")
    phone.click(f"#question-{first.pk} label:has-text('否')")
    assert phone.is_visible(f"#question-{second.pk}")
    phone.click(f"#question-{first.pk} label:has-text('是')")
    assert not phone.is_visible(f"#question-{second.pk}")
    phone.wait_for_timeout(900)  # the debounced autosave has gone out (SQLite's test server shares one connection)
    phone.click("[data-testid=submit]")
    phone.wait_for_selector("[data-testid=public-message]")
    assert SurveyResponse.objects.unscoped("test").get().answers.count() == 1
