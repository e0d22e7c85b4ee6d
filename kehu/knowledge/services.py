"""Writes of the knowledge base. Every text change is a new ArticleVersion; publishing needs a
reviewer; every write that changes what the assistant may use bumps the index stamp."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from kehu.access import roles
from kehu.core.exceptions import DomainError

from .choices import ArticleSource, ArticleStatus, Language, UsageKind
from .models import (
    Article,
    ArticleAttachment,
    ArticleUsage,
    ArticleVersion,
    Category,
    KnowledgeState,
    SynonymGroup,
    Tag,
    UnansweredQuestion,
)

MAX_ATTACHMENT = 20 * 1024 * 1024
COUNTERS = {
    UsageKind.VIEWED: "views",
    UsageKind.USED: "uses",
    UsageKind.HELPED: "helped",
    UsageKind.NOT_HELPED: "not_helped",
}


def can_edit(user: Any) -> bool:
    """Service desk staff and technical support write articles (they meet the problems)."""
    return roles.is_active(user) and (
        roles.is_service_desk(user) or roles.is_tech_support(user) or roles.is_admin(user)
    )


def can_review(user: Any) -> bool:
    """Publishing is a review: the customer service supervisor, marketing managers and above, admins."""
    return roles.is_active(user) and (
        roles.is_cs_supervisor(user) or roles.is_marketing_manager_or_above(user) or roles.is_admin(user)
    )


def index_changed() -> None:
    KnowledgeState.objects.update_or_create(pk=1, defaults={"stamp": uuid.uuid4().hex})


def _clean(title: str, body: str, status: str, language: str) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        errors["title"] = [_("请填写标题。")]
    elif len(title) > 200:
        errors["title"] = [_("标题最多 200 个字。")]
    if not body:
        errors["body"] = [_("请填写正文。")]
    if status not in ArticleStatus.values:
        errors["status"] = [_("状态只能是 draft、internal 或 public。")]
    if language not in Language.values:
        errors["language"] = [_("语言只能是 zh-hans 或 en。")]
    if errors:
        raise DomainError(_("文章未保存，请检查输入。"), field_errors=errors)
    return title, body


def _set_tags(article: Article, tags: list[str] | str | None) -> None:
    if tags is None:
        return
    if isinstance(tags, str):
        tags = tags.replace("，", ",").split(",")
    names = list(dict.fromkeys(t.strip()[:40] for t in tags if t and t.strip()))
    objs = [Tag.objects.get_or_create(name=name)[0] for name in names[:20]]
    article.tags.set(objs)


def _version(article: Article, *, actor: Any, note: str = "") -> None:
    ArticleVersion.objects.create(
        article=article,
        version=article.version,
        title=article.title,
        body=article.body,
        status=article.status,
        editor=actor if getattr(actor, "pk", None) else None,
        note=note[:200],
    )


@transaction.atomic
def article_create(
    *,
    actor: Any,
    title: str,
    body: str,
    status: str = ArticleStatus.DRAFT,
    language: str = Language.ZH_HANS,
    category: Category | None = None,
    tags: list[str] | str | None = None,
    source_kind: str = "",
    source_id: str = "",
) -> Article:
    """`actor` None = the system (weekly grouping of unanswered questions): drafts only."""
    title, body = _clean(title, body, status, language)
    if actor is not None and not can_edit(actor):
        raise PermissionDenied(_("您无权编写知识文章。"))
    if status != ArticleStatus.DRAFT and (actor is None or not can_review(actor)):
        raise PermissionDenied(_("发布文章需要审核人（客服主管、市场经理及以上或管理员）。"))
    now = timezone.now()
    article = Article.objects.create(
        title=title,
        body=body,
        status=status,
        language=language,
        category=category,
        author=actor if getattr(actor, "pk", None) else None,
        source_kind=source_kind,
        source_id=str(source_id)[:40],
        reviewed_by=actor if status != ArticleStatus.DRAFT else None,
        published_at=now if status != ArticleStatus.DRAFT else None,
    )
    _set_tags(article, tags)
    _version(article, actor=actor, note=_("创建"))
    if article.is_published:
        index_changed()
    return article


@transaction.atomic
def article_update(
    *,
    actor: Any,
    article: Article,
    title: str,
    body: str,
    language: str | None = None,
    category: Category | None = None,
    tags: list[str] | str | None = None,
    note: str = "",
) -> Article:
    """A new version. A published article changed by someone who may not review goes back to draft:
    nothing unreviewed reaches the help page or the assistant."""
    if not can_edit(actor) and not can_review(actor):
        raise PermissionDenied(_("您无权编写知识文章。"))
    locked = Article.objects.select_for_update().get(pk=article.pk)
    title, body = _clean(title, body, locked.status, language or locked.language)
    was_published = locked.is_published
    locked.title, locked.body = title, body
    locked.language = language or locked.language
    locked.category = category
    if was_published and not can_review(actor):
        locked.status = ArticleStatus.DRAFT
        locked.published_at = None
    locked.version += 1
    _set_tags(locked, tags)
    locked.save()
    _version(locked, actor=actor, note=note or _("修改"))
    if was_published:
        index_changed()
    return locked


@transaction.atomic
def article_request_review(*, actor: Any, article: Article) -> Article:
    from kehu.access.services.requests import notify
    from kehu.accounts.models import User

    if not can_edit(actor):
        raise PermissionDenied(_("您无权编写知识文章。"))
    Article.objects.filter(pk=article.pk).update(review_requested_at=timezone.now())
    reviewers = [u for u in User.objects.filter(is_active=True).exclude(pk=actor.pk) if can_review(u)]
    for user in reviewers[:20]:
        notify(user=user, message=_("知识文章待审核：%(title)s") % {"title": article.title}, url=f"/kb/{article.pk}/")
    article.refresh_from_db()
    return article


@transaction.atomic
def article_publish(*, actor: Any, article: Article, status: str) -> Article:
    """draft -> internal/public (a review), or back to draft (withdraw)."""
    if status not in ArticleStatus.values:
        raise DomainError(_("状态只能是 draft、internal 或 public。"), field_errors={"status": [_("无效的状态。")]})
    if not can_review(actor):
        raise PermissionDenied(_("发布文章需要审核人（客服主管、市场经理及以上或管理员）。"))
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if locked.status == status:
        return locked
    locked.status = status
    locked.version += 1
    if status == ArticleStatus.DRAFT:
        locked.published_at = None
    else:
        locked.published_at = timezone.now()
        locked.reviewed_by = actor
        locked.review_requested_at = None
    locked.save()
    _version(locked, actor=actor, note=str(ArticleStatus(status).label))
    index_changed()
    return locked


@transaction.atomic
def article_attach(*, actor: Any, article: Article, filename: str, content: bytes) -> ArticleAttachment:
    if not can_edit(actor) and not can_review(actor):
        raise PermissionDenied(_("您无权编写知识文章。"))
    if not content:
        raise DomainError(_("附件为空。"))
    if len(content) > MAX_ATTACHMENT:
        raise DomainError(_("附件不能超过 20 MB。"))
    base = (filename or "attachment.bin").replace("\\", "/").rsplit("/", 1)[-1]
    attachment = ArticleAttachment(article=article, filename=base[:255], size=len(content), uploaded_by=actor)
    attachment.file.save(get_valid_filename(base)[:100] or "attachment.bin", ContentFile(content), save=False)
    attachment.save()
    return attachment


def usage_record(*, article_id: int, kind: str, user: Any = None) -> None:
    """Count one use; a counter on the article (F() update, no lost increments) and a history row."""
    field = COUNTERS[UsageKind(kind)]
    if Article.objects.filter(pk=article_id).update(**{field: F(field) + 1}):
        ArticleUsage.objects.create(article_id=article_id, kind=kind, user=user if getattr(user, "pk", None) else None)


# --- drafts from closed cases and visit findings ------------------------------------------------------


def _draft_text(kind: str, record: Any) -> tuple[str, str]:
    if kind == "ticket":
        if record.state not in ("closed", "reviewed"):
            raise DomainError(_("只有已关闭的问题可以生成文章。"))
        body = "\n\n".join(
            part
            for part in (
                _("问题：%(text)s") % {"text": record.description},
                _("原因：%(text)s") % {"text": record.root_cause or record.analysis_result}
                if (record.root_cause or record.analysis_result)
                else "",
                _("解决方法：%(text)s") % {"text": record.solution or record.closing_process}
                if (record.solution or record.closing_process)
                else "",
                _("处理结果：%(text)s") % {"text": record.closing_result} if record.closing_result else "",
                _("预防措施：%(text)s") % {"text": record.prevention} if record.prevention else "",
            )
            if part
        )
        return record.title, body
    if kind == "complaint":
        if record.state != "closed":
            raise DomainError(_("只有已结案的投诉可以生成文章。"))
        body = "\n\n".join(
            part
            for part in (
                _("客户反映：%(text)s") % {"text": record.reason},
                _("原因：%(text)s") % {"text": record.main_cause} if record.main_cause else "",
                _("处理方案：%(text)s") % {"text": record.plan} if record.plan else "",
                _("处理结果：%(text)s") % {"text": record.result} if record.result else "",
            )
            if part
        )
        return (record.request or record.reason)[:200], body
    if kind == "followup":
        if record.status != "done":
            raise DomainError(_("只有已完成的回访可以生成文章。"))
        answers = record.answers if isinstance(record.answers, dict) else {}
        lines = [f"{q}：{a}" for q, a in answers.items() if a]
        body = "\n".join([*lines, record.actions]).strip()
        if not body:
            raise DomainError(_("该回访没有可整理的发现。"))
        return _("回访发现：%(type)s") % {"type": record.get_type_display()}, body
    raise DomainError(_("未知来源。"))


def _source_record(actor: Any, kind: str, pk: int) -> Any:
    if kind == "ticket":
        from kehu.servicedesk.models import Ticket as model
    elif kind == "complaint":
        from kehu.servicedesk.models import Complaint as model  # type: ignore[assignment]
    elif kind == "followup":
        from kehu.engagement.models import FollowUp as model  # type: ignore[assignment]
    else:
        raise DomainError(_("未知来源。"))
    record = model.objects.restrict(actor, "view").filter(pk=pk).first()
    if record is None:
        raise PermissionDenied(_("记录不存在或您无权查看。"))
    return record


@transaction.atomic
def article_draft_from(*, actor: Any, kind: str, pk: int) -> Article:
    """One click on a closed ticket, complaint or a visit's findings: a draft with its text.
    The draft names no customer: an editor generalises it before review."""
    if not can_edit(actor):
        raise PermissionDenied(_("您无权编写知识文章。"))
    record = _source_record(actor, kind, pk)
    existing = Article.objects.filter(source_kind=kind, source_id=str(pk)).first()
    if existing is not None:
        return existing
    title, body = _draft_text(kind, record)
    return article_create(
        actor=actor, title=title or _("（待补充标题）"), body=body, source_kind=kind, source_id=str(pk)
    )


# --- unanswered questions -------------------------------------------------------------------------------


def unanswered_record(
    *, question: str, confidence: float, best_article_id: int | None, conversation_id: int | None
) -> None:
    UnansweredQuestion.objects.create(
        question=(question or "").strip()[:500],
        confidence=confidence,
        best_article_id=best_article_id,
        conversation_id=conversation_id,
    )


def _group(
    questions: list[UnansweredQuestion], tokens: dict[int, set[str]], threshold: float = 0.34
) -> list[list[UnansweredQuestion]]:
    groups: list[tuple[set[str], list[UnansweredQuestion]]] = []
    for q in questions:
        words = tokens[q.pk]
        best, best_score = None, 0.0
        for group_words, members in groups:
            union = words | group_words
            score = len(words & group_words) / len(union) if union else 0.0
            if score > best_score:
                best, best_score = members, score
        if best is not None and best_score >= threshold:
            best.append(q)
            for group_words, members in groups:
                if members is best:
                    group_words |= words
        else:
            groups.append((set(words), [q]))
    return [members for _words, members in groups]


@transaction.atomic
def unanswered_group(*, min_size: int = 1) -> list[Article]:
    """The week's unanswered questions, grouped by shared words, each group one draft article
    listing its questions (an editor writes the answer). Safe to run twice: grouped questions
    carry their draft."""
    from .assistant import synonym_groups
    from .tokens import Analyzer

    pending = list(UnansweredQuestion.objects.select_for_update().filter(draft__isnull=True).order_by("id")[:2000])
    if not pending:
        return []
    analyzer = Analyzer(synonym_groups())
    tokens = {q.pk: set(analyzer.tokens(q.question)) for q in pending}
    drafts = []
    for members in _group(pending, tokens):
        if len(members) < min_size:
            continue
        common = Counter(w for q in members for w in tokens[q.pk]).most_common(3)
        title = members[0].question[:80]
        lines = "\n".join(f"- {q.question}（{q.asked_at:%Y-%m-%d}）" for q in members)
        body = _("客户提出了以下问题，助手未能回答：\n%(lines)s\n\n关键词：%(words)s\n\n（请补充答案后提交审核）") % {
            "lines": lines,
            "words": "、".join(w for w, _n in common),
        }
        article = article_create(actor=None, title=title, body=body, source_kind=ArticleSource.UNANSWERED, source_id="")
        UnansweredQuestion.objects.filter(pk__in=[q.pk for q in members]).update(draft=article)
        drafts.append(article)
    return drafts


@transaction.atomic
def synonyms_set(*, actor: Any, lines: str) -> int:
    if not can_review(actor):
        raise PermissionDenied(_("只有审核人可以修改同义词。"))
    groups = [" ".join(line.split()) for line in (lines or "").splitlines() if line.split()]
    SynonymGroup.objects.all().delete()
    SynonymGroup.objects.bulk_create([SynonymGroup(words=g[:500]) for g in groups])
    index_changed()
    return len(groups)
