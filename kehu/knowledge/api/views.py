"""REST API of the knowledge base: the same selectors and services as the pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kehu.core.api import choice_param, object_body

from .. import selectors, services
from ..choices import ArticleStatus, Language
from .serializers import ArticleSerializer, ArticleWriteSerializer, DraftFromSerializer, PublishSerializer


@extend_schema(
    parameters=[
        OpenApiParameter("status", str, enum=ArticleStatus.values),
        OpenApiParameter("language", str, enum=Language.values),
    ]
)
class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ArticleSerializer

    def get_queryset(self) -> Any:
        return selectors.articles_for(
            self.request.user,
            status=choice_param(self.request, "status", ArticleStatus.values),
            language=choice_param(self.request, "language", Language.values),
        ).prefetch_related("tags")

    @extend_schema(request=ArticleWriteSerializer, responses=ArticleSerializer)
    def create(self, request: Request) -> Response:
        serializer = ArticleWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        article = services.article_create(actor=request.user, **serializer.validated_data)
        return Response(ArticleSerializer(article).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ArticleWriteSerializer, responses=ArticleSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        article = self.get_object()
        body = object_body(request)  # a list or a number is a 400, not a TypeError
        sent = body.dict() if hasattr(body, "dict") else dict(body)
        serializer = ArticleWriteSerializer(
            data={"title": article.title, "body": article.body, "language": article.language, **sent}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        article = services.article_update(
            actor=request.user,
            article=article,
            title=data["title"],
            body=data["body"],
            language=data["language"],
            category=article.category,
            tags=data["tags"] if "tags" in body else None,
        )
        if "status" in body and data["status"] != article.status:
            article = services.article_publish(actor=request.user, article=article, status=data["status"])
        return Response(ArticleSerializer(article).data)

    @extend_schema(request=PublishSerializer, responses=ArticleSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        serializer = PublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        article = services.article_publish(
            actor=request.user, article=self.get_object(), status=serializer.validated_data["status"]
        )
        return Response(ArticleSerializer(article).data)

    @extend_schema(request=DraftFromSerializer, responses=ArticleSerializer)
    @action(detail=False, methods=["post"], url_path="draft-from")
    def draft_from(self, request: Request) -> Response:
        serializer = DraftFromSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        article = services.article_draft_from(
            actor=request.user, kind=serializer.validated_data["kind"], pk=serializer.validated_data["id"]
        )
        return Response(ArticleSerializer(article).data, status=status.HTTP_201_CREATED)
