"""Words the surveys send and read: invitation texts, keyword themes of comments (jieba)."""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _

# Words that say nothing about a theme (jieba's idf list keeps some of them high).
STOP = frozenset(
    [
        "我们",
        "你们",
        "他们",
        "公司",
        "贵司",
        "非常",
        "比较",
        "希望",
        "可以",
        "没有",
        "还是",
        "就是",
        "一些",
        "这个",
        "那个",
        "感觉",
        "觉得",
        "问题",
        "已经",
        "需要",
        "目前",
        "有点",
        "不是",
        "the",
        "and",
        "for",
        "with",
    ]
)


def keywords(value: str, *, top: int = 5) -> list[str]:
    """The comment's keywords (jieba TF-IDF), cut once when the answer is stored."""
    import jieba
    import jieba.analyse

    jieba.setLogLevel(logging.WARNING)  # not "Building prefix dict ..." on the worker's stderr
    words = jieba.analyse.extract_tags(value[:2000], topK=top * 2)
    return [w for w in words if w.lower() not in STOP and len(w) > 1][:top]


def invitation_mail(invitation: Any, url: str, *, reminder: bool) -> tuple[str, str]:
    wave = invitation.wave
    greeting = invitation.contact.name if invitation.contact else invitation.customer.name
    subject = _("【提醒】%(name)s") if reminder else _("%(name)s")
    body = _(
        "%(greeting)s，您好：\n\n感谢贵司一直以来的支持。为了改进我们的产品与服务，"
        "诚邀您填写《%(name)s》，约需 3 分钟。\n"
        "请打开以下链接作答（无需登录，%(closes)s 前有效，仅可提交一次）：\n%(url)s\n\n"
        "如不希望再收到调查邀请：{unsubscribe_url}\n"
    ) % {"greeting": greeting, "name": wave.name, "closes": wave.closes_on.isoformat(), "url": url}
    return subject % {"name": wave.name}, body


def chat_message(invitation: Any, url: str) -> str:
    """The text staff paste into WeCom or DingTalk (a chat with the customer)."""
    return _("您好！诚邀您参与《%(name)s》，约 3 分钟，%(closes)s 前有效：%(url)s") % {
        "name": invitation.wave.name,
        "closes": invitation.wave.closes_on.isoformat(),
        "url": url,
    }


def low_score_note(wave: Any, response: Any) -> str:
    parts = []
    if response.lowest_rating is not None:
        parts.append(_("最低评分 %(n)s/5") % {"n": response.lowest_rating})
    if response.nps is not None:
        parts.append(_("推荐度 %(n)s/10") % {"n": response.nps})
    return _("满意度调查低分回访（%(wave)s：%(scores)s）") % {"wave": wave.name, "scores": "，".join(parts)}
