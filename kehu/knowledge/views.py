"""Knowledge base pages (staff), the public help page, and the suggestion partial other pages embed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core.exceptions import DomainError

from . import selectors, services
from .assistant import ask
from .choices import ArticleStatus, Language
from .models import Article, ArticleAttachment, Category

PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status and status not in ArticleStatus.values:
        return HttpResponseBadRequest(_("无效的状态。"))
    q = request.GET.get("q", "").strip()[:200]
    if q:
        hits = ask(q, public_only=False, limit=20).hits
        rows: list[Any] = list(Article.objects.filter(pk__in=[h.article_id for h in hits]).select_related("category"))
        order = {h.article_id: i for i, h in enumerate(hits)}
        rows.sort(key=lambda a: order[a.pk])
        rows += (
            list(selectors.articles_for(request.user, status=ArticleStatus.DRAFT).filter(title__icontains=q)[:10])
            if services.can_edit(request.user)
            else []
        )
        next_before = None
    else:
        queryset = selectors.articles_for(request.user, status=status, category_id=_int(request.GET.get("category")))
        before = _int(request.GET.get("before"))
        if before:
            queryset = queryset.filter(id__lt=before)
        rows = list(queryset[: PAGE_SIZE + 1])
        next_before = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
        rows = rows[:PAGE_SIZE]
    return render(
        request,
        "knowledge/list.html",
        {
            "rows": rows,
            "q": q,
            "status": status,
            "statuses": ArticleStatus.choices,
            "next_before": next_before,
            "can_edit": services.can_edit(request.user),
            "categories": Category.objects.all(),
        },
    )


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.get_article_for(request.user, pk)
    if article is None:
        raise Http404(_("文章不存在或您无权查看。"))
    services.usage_record(article_id=article.pk, kind="viewed", user=request.user)
    return render(
        request,
        "knowledge/detail.html",
        {
            "a": article,
            "versions": article.versions.select_related("editor")[:20],
            "can_edit": services.can_edit(request.user),
            "can_review": services.can_review(request.user),
            "statuses": ArticleStatus.choices,
        },
    )


def _form_context(article: Article | None, data: Any = None, errors: Any = None) -> dict[str, Any]:
    return {
        "a": article,
        "data": data or {},
        "errors": errors or {},
        "languages": Language.choices,
        "categories": Category.objects.all(),
        "statuses": ArticleStatus.choices,
    }


@login_required
def article_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    article = None
    if pk is not None:
        article = selectors.get_article_for(request.user, pk)
        if article is None:
            raise Http404(_("文章不存在或您无权查看。"))
    if not services.can_edit(request.user) and not services.can_review(request.user):
        raise PermissionDenied(_("您无权编写知识文章。"))
    if request.method != "POST":
        data = (
            {
                "title": article.title,
                "body": article.body,
                "language": article.language,
                "tags": ", ".join(t.name for t in article.tags.all()),
                "category": article.category_id,
            }
            if article
            else {}
        )
        return render(request, "knowledge/form.html", _form_context(article, data))
    post = request.POST
    category = Category.objects.filter(pk=_int(post.get("category")) or 0).first()
    try:
        if article is None:
            article = services.article_create(
                actor=request.user,
                title=post.get("title", ""),
                body=post.get("body", ""),
                language=post.get("language", Language.ZH_HANS),
                category=category,
                tags=post.get("tags", ""),
            )
        else:
            article = services.article_update(
                actor=request.user,
                article=article,
                title=post.get("title", ""),
                body=post.get("body", ""),
                language=post.get("language", article.language),
                category=category,
                tags=post.get("tags", ""),
            )
        upload = request.FILES.get("attachment")
        if upload is not None:
            services.article_attach(
                actor=request.user, article=article, filename=upload.name or "", content=upload.read()
            )
    except DomainError as error:
        messages.error(request, error.message)
        return render(request, "knowledge/form.html", _form_context(article, post, error.field_errors), status=400)
    messages.success(request, _("已保存。"))
    return redirect("knowledge:detail", pk=article.pk)


@login_required
@require_POST
def article_publish(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.get_article_for(request.user, pk)
    if article is None:
        raise Http404(_("文章不存在或您无权查看。"))
    action = request.POST.get("status", "")
    try:
        if action == "review":
            services.article_request_review(actor=request.user, article=article)
        else:
            services.article_publish(actor=request.user, article=article, status=action)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("knowledge:detail", pk=pk)


@login_required
@require_POST
def draft_from(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    try:
        article = services.article_draft_from(actor=request.user, kind=kind, pk=pk)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(request.META.get("HTTP_REFERER") or "knowledge:list")
    messages.success(request, _("已生成文章草稿，请完善后提交审核。"))
    return redirect("knowledge:edit", pk=article.pk)


@login_required
def suggest(request: HttpRequest) -> HttpResponse:
    """The partial embedded on conversation, ticket and complaint pages (loaded by htmx)."""
    text = request.GET.get("q", "")[:500]
    kind = request.GET.get("kind", "")
    pk = _int(request.GET.get("id"))
    can_draft = kind in ("ticket", "complaint", "followup") and pk is not None and services.can_edit(request.user)
    return render(
        request,
        "knowledge/partials/suggest_list.html",
        {"hits": selectors.suggestions(request.user, text), "kind": kind, "pk": pk, "can_draft": can_draft},
    )


@require_POST
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Did this help?" on the help page (anyone) and in Kehu."""
    article = selectors.get_article_for(request.user, pk)
    if article is None:
        raise Http404(_("文章不存在或您无权查看。"))
    kind = "helped" if request.POST.get("helped") == "1" else "not_helped"
    services.usage_record(article_id=article.pk, kind=kind, user=request.user)
    return render(request, "knowledge/partials/thanks.html", {})


def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """An article's attachment, for whoever may read the article (public ones without a login)."""
    item = ArticleAttachment.objects.select_related("article").filter(pk=pk).first()
    if item is None or item.article.status not in selectors.readable_statuses(request.user):
        raise Http404(_("文章不存在或您无权查看。"))
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.filename)


def help_home(request: HttpRequest) -> HttpResponse:
    """The public help page: published public articles, searchable, no login."""
    q = request.GET.get("q", "").strip()[:200]
    if q:
        hits = ask(q, public_only=True, limit=10).hits
        rows = list(Article.objects.filter(pk__in=[h.article_id for h in hits], status=ArticleStatus.PUBLIC))
        order = {h.article_id: i for i, h in enumerate(hits)}
        rows.sort(key=lambda a: order[a.pk])
    else:
        rows = list(
            Article.objects.filter(status=ArticleStatus.PUBLIC)
            .select_related("category")
            .order_by("category__order", "-id")[:100]
        )
    return render(request, "knowledge/help.html", {"rows": rows, "q": q})


def help_article(request: HttpRequest, pk: int) -> HttpResponse:
    article = Article.objects.filter(pk=pk, status=ArticleStatus.PUBLIC).prefetch_related("attachments").first()
    if article is None:
        raise Http404(_("文章不存在。"))
    services.usage_record(article_id=article.pk, kind="viewed")
    return render(request, "knowledge/help_article.html", {"a": article})
