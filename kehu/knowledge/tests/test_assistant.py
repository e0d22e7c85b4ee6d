from __future__ import annotations

from typing import Any

import pytest

from kehu.knowledge import assistant, evalset, services


@pytest.fixture
def kb(users: dict[str, Any]) -> tuple[dict[str, int], int]:
    def create(**kwargs: Any) -> Any:
        return services.article_create(actor=users["cs_lead"], **kwargs)

    return evalset.load(create)


def _ask(question: str) -> tuple[int | None, bool]:
    result = assistant.ask(question)
    answer_at, _offer = assistant.thresholds()
    best = result.best
    if best is not None and best.confidence >= answer_at:
        return best.article_id, False
    return None, True


def test_the_evaluation_set_is_answered_by_the_right_article(kb: Any, capsys: Any) -> None:
    ids, draft = kb
    report = evalset.evaluate(_ask, ids, draft)
    print(report)
    assert report["answered_right"] >= 0.8, report["missed"]
    assert report["answered_wrong"] <= 0.05
    assert report["unanswerable_handed_over"] >= 0.85, report["false_answers"]
    assert report["draft_used"] is False


def test_a_draft_is_never_used_even_when_it_matches_best(kb: Any) -> None:
    _ids, draft = kb
    for question in ("发票开具新规定", "草稿 发票 开票 增值税发票 申请 开具 发票抬头 税号", "未审核内容"):
        result = assistant.ask(question, public_only=False)
        assert draft not in [h.article_id for h in result.hits]


def test_internal_articles_are_for_staff_only(users: dict[str, Any]) -> None:
    internal = services.article_create(
        actor=users["cs_lead"],
        title="内部报价折扣权限",
        body="销售经理可以批准九五折以内的报价折扣。",
        status="internal",
    )
    assert assistant.ask("报价折扣谁批准", public_only=True).best is None
    assert assistant.ask("报价折扣谁批准", public_only=False).best.article_id == internal.pk  # type: ignore[union-attr]


def test_publishing_and_withdrawing_changes_what_the_assistant_uses(users: dict[str, Any]) -> None:
    article = services.article_create(
        actor=users["cs"], title="发票抬头填错了怎么办", body="发票抬头填错可以申请作废重开，需在当月内提出。"
    )
    assert assistant.ask("发票抬头填错了").best is None
    services.article_publish(actor=users["cs_lead"], article=article, status="public")
    assert assistant.ask("发票抬头填错了").best.article_id == article.pk  # type: ignore[union-attr]
    services.article_publish(actor=users["cs_lead"], article=article, status="draft")
    assert assistant.ask("发票抬头填错了").best is None


def test_synonyms_are_data(users: dict[str, Any]) -> None:
    article = services.article_create(
        actor=users["cs_lead"], title="年检预约", body="设备年检请提前一周预约。", status="public"
    )
    assert assistant.ask("年度检查怎么预约").confidence < 0.6
    services.synonyms_set(actor=users["cs_lead"], lines="年检 年度检查")
    result = assistant.ask("年度检查怎么预约")
    assert result.best.article_id == article.pk and result.confidence >= 0.6  # type: ignore[union-attr]
