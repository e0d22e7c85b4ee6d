from __future__ import annotations

from rest_framework import serializers

from ..choices import ArticleStatus, DraftSource, Language
from ..models import Article


class ArticleSerializer(serializers.ModelSerializer):
    tags: serializers.Field = serializers.SlugRelatedField(many=True, slug_field="name", read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "body",
            "status",
            "language",
            "category",
            "tags",
            "version",
            "author",
            "reviewed_by",
            "published_at",
            "source_kind",
            "source_id",
            "views",
            "uses",
            "helped",
            "not_helped",
            "created_at",
            "updated_at",
        ]


class ArticleWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=100_000)
    status = serializers.ChoiceField(choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    language = serializers.ChoiceField(choices=Language.choices, default=Language.ZH_HANS)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=20
    )


class PublishSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ArticleStatus.choices)


class DraftFromSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DraftSource.choices)
    id = serializers.IntegerField(min_value=1)
