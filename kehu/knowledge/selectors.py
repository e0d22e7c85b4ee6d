"""Reads of the knowledge base: who may read which status."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .choices import ArticleStatus
from .models import Article
from .services import can_edit, can_review


def readable_statuses(user: Any) -> tuple[str, ...]:
    if user is None or not getattr(user, "is_authenticated", False):
        return (ArticleStatus.PUBLIC,)
    if can_edit(user) or can_review(user):
        return (ArticleStatus.DRAFT, ArticleStatus.INTERNAL, ArticleStatus.PUBLIC)
    return (ArticleStatus.INTERNAL, ArticleStatus.PUBLIC)


def articles_for(
    user: Any, *, status: str = "", category_id: int | None = None, language: str = "", tag: str = ""
) -> QuerySet[Article]:
    queryset = Article.objects.filter(status__in=readable_statuses(user)).select_related("category")
    if status:
        queryset = queryset.filter(status=status)
    if category_id:
        queryset = queryset.filter(category_id=category_id)
    if language:
        queryset = queryset.filter(language=language)
    if tag:
        queryset = queryset.filter(tags__name=tag)
    return queryset.order_by("-id")


def get_article_for(user: Any, pk: int) -> Article | None:
    return articles_for(user).prefetch_related("tags", "attachments").filter(pk=pk).first()


def suggestions(user: Any, text: str, *, limit: int = 3) -> list[dict[str, Any]]:
    """Published articles for what the agent is looking at (a conversation, ticket or complaint)."""
    from .assistant import ask

    if not text.strip():
        return []
    result = ask(text[:500], public_only=False, limit=limit)
    return [
        {"id": h.article_id, "title": h.title, "confidence": h.confidence} for h in result.hits if h.confidence > 0.1
    ]
