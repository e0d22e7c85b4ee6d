"""Demo knowledge base for `make run`: the evaluation set's public articles (idempotent)."""

from __future__ import annotations

from typing import Any

from .evalset import ARTICLES


def seed(customers: int = 0, stdout: Any = None) -> None:
    from .choices import ArticleStatus
    from .models import Article, ArticleVersion
    from .services import index_changed

    if Article.objects.exists():
        return
    for item in ARTICLES:
        article = Article.objects.create(title=item["title"], body=item["body"], status=ArticleStatus.PUBLIC)
        ArticleVersion.objects.create(
            article=article, version=1, title=article.title, body=article.body, status=article.status
        )
    index_changed()
    if stdout is not None:
        stdout.write(f"knowledge: {len(ARTICLES)} public articles")
