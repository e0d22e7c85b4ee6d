"""Knowledge base (客户回访制度细则 二.2): articles with versions, review and publication, usage counts;
the questions the assistant could not answer; the synonym list the assistant reads.

Articles are company knowledge, not customer records: no customer FK, no RestrictedManager. Who may
read which status is decided in selectors (public: anyone; internal: signed-in staff; draft: editors).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core.models import TimeStampedModel, VersionedModel

from .choices import ArticleSource, ArticleStatus, Language, UsageKind

USER = settings.AUTH_USER_MODEL


class Category(models.Model):
    name = models.CharField(_("名称"), max_length=80, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("知识分类")
        verbose_name_plural = _("知识分类")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("标签"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Article(TimeStampedModel, VersionedModel):
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    status = models.CharField(_("状态"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    language = models.CharField(_("语言"), max_length=8, choices=Language.choices, default=Language.ZH_HANS)
    category = models.ForeignKey(
        Category,
        verbose_name=_("分类"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        db_index=False,
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="articles")
    author = models.ForeignKey(
        USER, verbose_name=_("作者"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_requested_at = models.DateTimeField(_("提交审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        USER, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    source_kind = models.CharField(_("来源"), max_length=16, choices=ArticleSource.choices, blank=True, default="")
    source_id = models.CharField(_("来源编号"), max_length=40, blank=True)
    views = models.PositiveIntegerField(_("查看次数"), default=0)
    uses = models.PositiveIntegerField(_("用于回答次数"), default=0)
    helped = models.PositiveIntegerField(_("有帮助"), default=0)
    not_helped = models.PositiveIntegerField(_("没有帮助"), default=0)

    class Meta:
        verbose_name = _("知识文章")
        verbose_name_plural = _("知识文章")
        indexes = [
            models.Index(fields=["status", "id"]),
            models.Index(fields=["category", "id"]),
            models.Index(fields=["language", "id"]),
            models.Index(fields=["source_kind", "source_id"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status in (ArticleStatus.INTERNAL, ArticleStatus.PUBLIC)


class ArticleVersion(models.Model):
    """Every saved text of an article: who changed what, and what was published when."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions", db_index=False)
    version = models.PositiveIntegerField(_("版本"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    status = models.CharField(_("状态"), max_length=10, choices=ArticleStatus.choices)
    editor = models.ForeignKey(USER, verbose_name=_("修改人"), null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("文章版本")
        verbose_name_plural = _("文章版本")
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["article", "version"], name="knowledge_article_version_once")]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.version}"


class ArticleAttachment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="knowledge/%Y/%m/")
    filename = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.filename


class ArticleUsage(models.Model):
    """One use of an article (viewed, used in an answer, helped or not): the counters on Article are
    the running totals, these rows the per-day history for reports."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="usage", db_index=False)
    kind = models.CharField(_("类型"), max_length=12, choices=UsageKind.choices)
    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("使用记录")
        verbose_name_plural = _("使用记录")
        indexes = [models.Index(fields=["article", "kind", "at"])]

    def __str__(self) -> str:
        return f"{self.article_id} {self.kind}"


class UnansweredQuestion(models.Model):
    """A question the assistant could not answer; grouped weekly into draft articles."""

    question = models.CharField(_("问题"), max_length=500)
    asked_at = models.DateTimeField(_("提问时间"), default=timezone.now)
    best_article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confidence = models.FloatField(_("置信度"), default=0)
    conversation_id = models.PositiveBigIntegerField(_("会话"), null=True, blank=True)
    draft = models.ForeignKey(
        Article,
        verbose_name=_("归入草稿"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
        db_index=False,
    )

    class Meta:
        verbose_name = _("未解答问题")
        verbose_name_plural = _("未解答问题")
        indexes = [models.Index(fields=["draft", "asked_at"])]

    def __str__(self) -> str:
        return self.question


class SynonymGroup(models.Model):
    """Words the assistant reads as one (发票 开票 票据 …): data, edited by admins."""

    words = models.CharField(_("同义词（空格分隔，首个为标准词）"), max_length=500)

    class Meta:
        verbose_name = _("同义词")
        verbose_name_plural = _("同义词")

    def __str__(self) -> str:
        return self.words


class KnowledgeState(models.Model):
    """One row: a stamp renewed by every write that changes what the assistant may use, so each
    process rebuilds its in-memory index only when something changed (one tiny query per ask)."""

    # a fresh random stamp per write (not a counter: a rolled-back write must not let a later one
    # reuse the stamp of an index that no longer matches the table)
    stamp = models.CharField(max_length=32, default="")

    class Meta:
        verbose_name = _("知识库状态")
        verbose_name_plural = _("知识库状态")

    def __str__(self) -> str:
        return self.stamp
