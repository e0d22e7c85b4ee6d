"""The customer archive (SPEC M1) and customer grading (SPEC M2).

Information sources: each archive update (ArchiveUpdate) records where the
information came from (`source`) and when it was learned, so the source is kept
per batch of facts a person entered, which is how the policy asks for it
("注明信息来源"); the customer additionally carries `info_source`, the main
source of the archive as a whole. A table per single fact would make every
edit form a spreadsheet for little gain.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kehu.access.scoping import RestrictedManager, Scope
from kehu.core.crypto import EncryptedTextField
from kehu.core.inputs import validate_plausible_date
from kehu.core.models import TimeStampedModel, VersionedModel

from .choices import Channel, Grade, IndustryStanding, InfoSource, Nature, Priority, TransactionKind


class VisibleManager(RestrictedManager):  # type: ignore[misc, valid-type]
    """The default manager of customers and contacts: rows of an import still being committed
    (`import_pending` set) are invisible until the import's final switch clears the marker in one
    UPDATE, so a large import is written in short batches yet appears all at once (ADR 0008-imports).
    The base manager (related-object access, the access rules' subqueries) still sees them.

    `search_text` (the tokenised search document, about 1.3 KB a customer) is only ever written,
    never shown: it is left out of every read, so a page of 50 customers does not carry 65 KB of it."""

    def get_queryset(self) -> Any:
        return super().get_queryset().filter(import_pending__isnull=True).defer("search_text")


class Customer(TimeStampedModel, VersionedModel):
    # --- basic data
    archive_no = models.CharField(_("档案编号"), max_length=32, unique=True)
    name = models.CharField(_("客户名称"), max_length=200, db_index=True)
    # Normalised name and phone digits: equality lookups for duplicate detection.
    name_key = models.CharField(max_length=200, db_index=True, editable=False, default="")
    phone_digits = models.CharField(max_length=40, db_index=True, editable=False, default="")
    owner = models.ForeignKey(  # indexed by (owner, id) in Meta, which also serves the owner alone (migration 0013)
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        on_delete=models.PROTECT,
        related_name="owned_customers",
        db_index=False,
    )
    grade = models.CharField(_("客户等级"), max_length=1, choices=Grade.choices, default=Grade.C)
    priority = models.CharField(_("维护优先级"), max_length=16, choices=Priority.choices, default=Priority.NORMAL)
    region = models.CharField(_("地区"), max_length=60, blank=True)
    industry_standing = models.CharField(
        _("行业地位"), max_length=16, choices=IndustryStanding.choices, default=IndustryStanding.OTHER
    )
    nature = models.CharField(_("企业性质"), max_length=16, choices=Nature.choices, default=Nature.PRIVATE)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    postcode = models.CharField(_("邮编"), max_length=12, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    fax = models.CharField(_("传真"), max_length=40, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    website = models.CharField(_("网址"), max_length=200, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    registered_capital = models.DecimalField(
        _("注册资本（元）"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    legal_representative = models.CharField(_("法定代表人"), max_length=80, blank=True)
    main_shareholders = models.TextField(_("主要股东"), blank=True)
    bank = models.CharField(_("开户银行"), max_length=120, blank=True)
    bank_account = models.CharField(_("银行账号"), max_length=60, blank=True)
    # --- company profile
    staff_chinese = models.PositiveIntegerField(_("中方员工人数"), null=True, blank=True)
    staff_foreign = models.PositiveIntegerField(_("外方员工人数"), null=True, blank=True)
    main_business = models.TextField(_("主营业务"), blank=True)
    additional_business = models.TextField(_("兼营业务"), blank=True)
    business_scope = models.TextField(_("经营范围"), blank=True)
    culture_strategy = models.TextField(_("企业文化与发展战略"), blank=True)
    recent_developments = models.TextField(_("近期动态"), blank=True)
    # 客户档案管理方案 三.2 "主导产品": what the customer itself makes, not what it buys from us (main_products).
    own_products = models.TextField(_("客户主导产品"), blank=True)
    # --- relationship with us
    cooperation_since = models.DateField(_("合作起始日期"), null=True, blank=True)
    main_products = models.CharField(_("购买的产品/项目"), max_length=300, blank=True)
    preferences = models.TextField(_("需求与偏好"), blank=True)
    credit_rating = models.CharField(_("信用等级"), max_length=20, blank=True)
    our_advantages = models.TextField(_("我方优势"), blank=True)
    our_disadvantages = models.TextField(_("我方劣势及对策"), blank=True)
    deal_probability = models.PositiveSmallIntegerField(_("成交可能性（%）"), default=50)
    info_source = models.CharField(_("主要信息来源"), max_length=16, choices=InfoSource.choices, blank=True)
    # 客户档案表 "备注": the archive's general remarks.
    remarks = models.TextField(_("备注"), blank=True)
    # 客户档案管理方案 五.3 (A 类) "专人对其进行资讯收集" and SOP "核心客户可配备专属客户经理": a person other
    # than the owner who follows the customer's news (A grade and core customers).
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("专属客户经理"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_accounts",
    )
    # --- housekeeping
    is_archived = models.BooleanField(_("已归档"), default=False)
    archive_note = models.CharField(_("归档说明"), max_length=300, blank=True)
    needs_review = models.BooleanField(_("待清理复核"), default=False)
    # Written by the grading run (grading.grading_run), not on every edit: the proposed grade depends
    # on every other customer's score (target shares), so both are refreshed together in the background.
    score = models.DecimalField(_("评分"), max_digits=7, decimal_places=2, default=Decimal("0"))
    proposed_grade = models.CharField(_("建议等级"), max_length=1, choices=Grade.choices, blank=True, default="")
    search_text = models.TextField(editable=False, default="")
    # The ImportJob writing this row while its import is not yet committed (see VisibleManager).
    import_pending = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    search_vector_column = "search_vector"  # PostgreSQL: generated tsvector of search_text (migration 0007)

    history = HistoricalRecords(
        excluded_fields=["search_text", "version", "score", "name_key", "phone_digits", "import_pending"]
    )

    objects = VisibleManager()
    access_scope = Scope(
        customer="",
        needs={"list": "list", "view": "view", "view_sensitive": "view_sensitive", "edit": "edit", "export": "export"},
    )

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        indexes = [
            models.Index(fields=["grade", "id"]),
            models.Index(fields=["priority", "id"]),
            models.Index(fields=["region", "id"]),
            models.Index(fields=["owner", "id"]),
            models.Index(fields=["industry_standing", "id"]),
            models.Index(fields=["is_archived", "id"]),
            models.Index(fields=["needs_review", "id"]),
            models.Index(fields=["email"]),
            models.Index(fields=["-score", "id"], name="customers_score_rank"),
            models.Index(
                fields=["import_pending"], name="customers_pending_import", condition=Q(import_pending__isnull=False)
            ),
        ]
        # The access policy turns "every grade" into "every customer" (no subquery): the column must
        # then really hold only these grades, whatever path wrote the row.
        constraints = [models.CheckConstraint(condition=Q(grade__in=["A", "B", "C"]), name="customers_grade_abc")]

    def __str__(self) -> str:
        return self.name

    @property
    def staff_total(self) -> int:
        return (self.staff_chinese or 0) + (self.staff_foreign or 0)

    @property
    def is_key_account(self) -> bool:
        """A 级 or 核心客户: the customers that get a designated account person and an own relationship card."""
        return self.grade == Grade.A or self.priority == Priority.CORE

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.account_manager_id is None:
            return
        if self.account_manager_id == self.owner_id:
            raise ValidationError({"account_manager": _("专属客户经理须是负责人以外的另一位同事。")})
        if not self.is_key_account:
            raise ValidationError({"account_manager": _("专属客户经理只为A级客户和核心客户配备。")})


class AnnualSales(models.Model):
    """近三年销售额: one row per year."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="annual_sales", db_index=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(
        _("销售额（元）"), max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "edit": "edit", "export": "export"})

    class Meta:
        verbose_name = _("年度销售额")
        verbose_name_plural = _("年度销售额")
        constraints = [models.UniqueConstraint(fields=["customer", "year"], name="customers_sales_one_per_year")]
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}: {self.amount}"


class ArchiveUpdate(models.Model):
    """One update of the archive: when the information was learned vs when it was entered (freshness)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="updates")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="archive_updates", db_index=False
    )
    learned_at = models.DateTimeField(_("信息获取时间"), default=timezone.now)
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    delay_hours = models.PositiveIntegerField(_("延迟（小时）"), default=0)
    source = models.CharField(_("信息来源"), max_length=16, choices=InfoSource.choices, blank=True)
    summary = models.CharField(_("更新内容"), max_length=300, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "edit": "edit"})

    class Meta:
        verbose_name = _("档案更新")
        verbose_name_plural = _("档案更新")
        indexes = [models.Index(fields=["delay_hours", "id"]), models.Index(fields=["actor", "delay_hours"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.entered_at:%Y-%m-%d}"

    @property
    def delay_days(self) -> float:
        return self.delay_hours / 24


class Contact(TimeStampedModel, VersionedModel):
    """客户负责人及联系人. Personal details are encrypted at rest (SPEC M12)."""

    customer = models.ForeignKey(  # indexed by (customer, id) in Meta (migration 0013)
        Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="contacts", db_index=False
    )
    name = models.CharField(_("姓名"), max_length=80)
    position = models.CharField(_("职务"), max_length=80, blank=True)
    is_key_person = models.BooleanField(_("关键人"), default=False)
    is_legal_rep = models.BooleanField(_("法定代表人"), default=False)
    is_senior_leader = models.BooleanField(_("高层领导"), default=False)
    is_main_contact = models.BooleanField(_("主要联系人"), default=False)
    mobile = models.CharField(_("手机"), max_length=40, blank=True)
    mobile_digits = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    direct_line = models.CharField(_("直线电话"), max_length=40, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    preferred_channel = models.CharField(_("偏好沟通方式"), max_length=16, choices=Channel.choices, blank=True)
    # Sensitive personal information: ciphertext in the database.
    birth_date = EncryptedTextField(_("出生日期"), blank=True, default="")
    birthday_is_lunar = models.BooleanField(_("农历生日"), default=False)
    education = EncryptedTextField(_("学历"), blank=True, default="")
    hobbies = EncryptedTextField(_("爱好"), blank=True, default="")
    family = EncryptedTextField(_("家庭情况"), blank=True, default="")
    personal_phone = EncryptedTextField(_("私人电话"), blank=True, default="")
    # 关系维护方案 二.1 客户关系卡 "住址": a private address, personal information like the phone.
    personal_address = EncryptedTextField(_("住址"), blank=True, default="")
    personal_phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    search_text = models.TextField(editable=False, default="")
    import_pending = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    search_vector_column = "search_vector"  # PostgreSQL: generated tsvector of search_text (migration 0007)

    history = HistoricalRecords(
        excluded_fields=["search_text", "version", "personal_phone_index", "mobile_digits", "import_pending"]
    )

    objects = VisibleManager()
    access_scope = Scope(
        customer="customer",
        needs={"view": "view", "view_sensitive": "view_sensitive", "edit": "edit", "export": "export"},
    )

    # Personal information (SPEC M12, PIPL Art. 28) and the mask each gets: kehu/access/personal.py.
    PERSONAL_FIELDS = {
        "birth_date": "date",
        "education": "text",
        "hobbies": "text",
        "family": "text",
        "personal_phone": "phone",
        "personal_address": "text",
    }

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        # email: the mail intake finds the customer of a sender by it (servicedesk.mail).
        indexes = [
            models.Index(fields=["customer", "id"]),
            models.Index(fields=["email"]),
            models.Index(
                fields=["import_pending"], name="contacts_pending_import", condition=Q(import_pending__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return self.name


def net_amount() -> models.Case:
    """A transaction's amount as it counts toward sales: refunds subtract (amounts are never negative)."""
    return models.Case(
        models.When(kind=TransactionKind.REFUND, then=-models.F("amount")),
        default=models.F("amount"),
        output_field=models.DecimalField(max_digits=14, decimal_places=2),
    )


class Transaction(TimeStampedModel):
    """交易记录: number, time, place, amount, our person in charge, breach of contract.

    The amount is never negative; a refund is its own kind (see net_amount)."""

    customer = models.ForeignKey(  # indexed by (customer, -occurred_on) in Meta (migration 0013)
        Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="transactions", db_index=False
    )
    kind = models.CharField(_("类型"), max_length=8, choices=TransactionKind.choices, default=TransactionKind.SALE)
    # 客户档案表 同本公司的交易情况 "编号": assigned on creation unless the contract has one.
    number = models.CharField(_("交易编号"), max_length=40, blank=True, db_index=True)
    occurred_on = models.DateField(_("交易日期"), validators=[validate_plausible_date])
    place = models.CharField(_("地点"), max_length=200, blank=True)
    product = models.CharField(_("产品/项目"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("数量"), default=1)
    amount = models.DecimalField(
        _("金额（元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    our_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("我方负责人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    breach = models.BooleanField(_("是否违约"), default=False)
    notes = models.TextField(_("备注"), blank=True)

    history = HistoricalRecords()

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "edit": "edit", "export": "export"})

    class Meta:
        verbose_name = _("交易")
        verbose_name_plural = _("交易")
        indexes = [models.Index(fields=["customer", "-occurred_on"]), models.Index(fields=["occurred_on"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.occurred_on} {self.amount}"


class DocumentKind(models.TextChoices):
    """客户档案管理方案 四.1(2): 正本与附件、印件与定稿、转发文件与原件、请示与批复 are filed apart."""

    ORIGINAL = "original", _("正本")
    ATTACHMENT = "attachment", _("附件")
    REPLY = "reply", _("批复")
    REQUEST = "request", _("请示")
    PRINTED = "printed", _("印件")
    FINAL_DRAFT = "final_draft", _("定稿")
    SOURCE = "source", _("原件")
    FORWARDED = "forwarded", _("转发文件")
    OTHER = "other", _("其他")


# 四.1(3) the three "前后": 批复在前、请示在后; 正件在前、附件在后; 印件在前、定稿在后.
DOCUMENT_ORDER = {
    DocumentKind.REPLY: 0,
    DocumentKind.REQUEST: 1,
    DocumentKind.ORIGINAL: 0,
    DocumentKind.ATTACHMENT: 1,
    DocumentKind.PRINTED: 0,
    DocumentKind.FINAL_DRAFT: 1,
    DocumentKind.SOURCE: 0,
    DocumentKind.FORWARDED: 1,
    DocumentKind.OTHER: 2,
}


class CustomerDocument(TimeStampedModel):
    """A document filed with the archive (contract, licence, ...); its files are versions.

    Documents of one matter (`group`, e.g. "2025 年度合同") are kept together; inside a group the
    kind orders them (DOCUMENT_ORDER), and page numbers run on through the archive (四.1(4))."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="documents", db_index=False)
    title = models.CharField(_("文件名称"), max_length=200)
    group = models.CharField(_("所属事项"), max_length=120, blank=True)
    kind = models.CharField(_("文件类别"), max_length=16, choices=DocumentKind.choices, default=DocumentKind.ORIGINAL)
    kind_rank = models.PositiveSmallIntegerField(default=0, editable=False)
    pages = models.PositiveIntegerField(_("页数"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "edit": "edit"})

    class Meta:
        verbose_name = _("档案文件")
        verbose_name_plural = _("档案文件")
        constraints = [models.UniqueConstraint(fields=["customer", "title"], name="customers_document_title")]
        indexes = [models.Index(fields=["customer", "group", "kind_rank", "id"], name="customers_document_order")]

    def __str__(self) -> str:
        return self.title


class DocumentVersion(models.Model):
    document = models.ForeignKey(CustomerDocument, on_delete=models.CASCADE, related_name="versions", db_index=False)
    number = models.PositiveIntegerField(_("版本"))
    file = models.FileField(_("文件"), upload_to="customers/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    # SHA-256 of the file as written and read back before the row committed; checked on download.
    sha256 = models.CharField(max_length=64, blank=True, default="")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()
    access_scope = Scope(customer="document__customer", needs={"view": "view", "edit": "edit"})

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="customers_docversion_number")]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.number}"


class GradingPolicy(models.Model):
    """Weights of the customer score (SPEC M2). The newest row is in force; edit it in admin."""

    weight_region = models.PositiveSmallIntegerField(_("地区权重"), default=15)
    weight_strength = models.PositiveSmallIntegerField(_("实力权重"), default=30)
    weight_probability = models.PositiveSmallIntegerField(_("成交可能性权重"), default=20)
    weight_sales = models.PositiveSmallIntegerField(_("近12个月交易额权重"), default=35)
    key_regions = models.CharField(
        _("重点地区"), max_length=300, blank=True, default="北京 上海 广东 江苏 浙江", help_text=_("空格分隔")
    )
    sales_full_score = models.DecimalField(
        _("满分交易额（元）"), max_digits=16, decimal_places=2, default=Decimal("1000000")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("分级规则")
        verbose_name_plural = _("分级规则")

    def __str__(self) -> str:
        return f"{self.weight_region}/{self.weight_strength}/{self.weight_probability}/{self.weight_sales}"


class GradingRun(models.Model):
    """One scoring of all active customers: progress while it runs, the grade distribution after."""

    class Status(models.TextChoices):
        RUNNING = "running", _("评分中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    total = models.PositiveIntegerField(_("客户数"), default=0)
    processed = models.PositiveIntegerField(_("已评分"), default=0)
    # {"current": {"A": n, ...}, "proposed": {"A": n, ...}} over all active customers, written at the end.
    distribution = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("评分运行")
        verbose_name_plural = _("评分运行")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def percent(self) -> int:
        return 100 if self.status == self.Status.DONE else int(self.processed * 100 / self.total) if self.total else 0


class GradeChange(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="grade_changes")
    old_grade = models.CharField(_("原等级"), max_length=1, choices=Grade.choices)
    new_grade = models.CharField(_("新等级"), max_length=1, choices=Grade.choices)
    old_priority = models.CharField(_("原优先级"), max_length=16, choices=Priority.choices)
    new_priority = models.CharField(_("新优先级"), max_length=16, choices=Priority.choices)
    reason = models.CharField(_("原因"), max_length=300)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view"})

    class Meta:
        verbose_name = _("等级变更")
        verbose_name_plural = _("等级变更")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.old_grade}->{self.new_grade}"


class ImportJob(TimeStampedModel):
    """One Excel import: upload -> preview (rows staged in ImportRow) -> batched commit -> final switch.

    Resumable: `committed_rows`/`cursor_row` advance in the same transaction as each batch's rows,
    so a worker killed mid-commit resumes where it stopped (retention sweep) or rolls back cleanly.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("已上传")
        PARSING = "parsing", _("解析中")
        PREVIEW = "preview", _("待确认")
        FAILED = "failed", _("解析失败")
        COMMITTING = "committing", _("导入中")
        DONE = "done", _("已导入")
        CANCELLED = "cancelled", _("已撤销")
        EXPIRED = "expired", _("已过期")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    file_path = models.CharField(max_length=500)
    original_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    duplicate_rows = models.PositiveIntegerField(default=0)
    # [{index, header, field}] of the understood columns; the headers it will ignore, by name.
    columns = models.JSONField(default=list)
    ignored_columns = models.JSONField(default=list)
    sample = models.JSONField(default=list)  # the first accepted rows, as they will be stored
    errors = models.JSONField(default=list)  # first PREVIEW_LIMIT of [{row, field, message}]
    duplicates = models.JSONField(default=list)  # first PREVIEW_LIMIT of [{row, customer_id, name, reason}]
    committed_rows = models.PositiveIntegerField(default=0)
    cursor_row = models.PositiveIntegerField(default=0)  # last staged sheet row written by the commit
    created_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        indexes = [models.Index(fields=["status", "updated_at"]), models.Index(fields=["actor", "-id"])]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"

    @property
    def progress(self) -> int:
        """Percent of the current phase: parsing (rows read) or committing (valid rows written)."""
        if self.status in (self.Status.DONE, self.Status.PREVIEW):
            return 100
        if self.status == self.Status.COMMITTING:
            return int(100 * self.committed_rows / self.valid_rows) if self.valid_rows else 0
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class ImportRow(models.Model):
    """A staged sheet row of an import: its parsed values, or its errors and the cells as typed
    (for the workbook of rows to fix). Deleted with the job's file once committed or expired."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="staged_rows", db_index=False)
    row = models.PositiveIntegerField()
    ok = models.BooleanField(default=True)
    values = models.JSONField(default=dict)
    raw = models.JSONField(default=list)
    errors = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "row"], name="customers_importrow_job_row")]
        indexes = [models.Index(fields=["job", "ok", "row"])]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row}"
