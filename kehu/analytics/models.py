"""Summary tables of the analysis pages (SPEC M11), written by the worker, read through restrict().

Why summary tables: a page must answer from a few indexed rows, not by walking every customer's
history on a click. Each row that belongs to a customer is scoped like the customer (access_scope),
so a viewer only ever counts what they may see. See docs/adr/0020-analytics-summaries-churn.md.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.access.scoping import RestrictedManager, Scope

USER = settings.AUTH_USER_MODEL


def _assignee(user: Any, action: str) -> Q:
    """A plan's due date is its assignee's work whatever the archive rule (as ContactPlan itself)."""
    return Q(assignee=user)


def _action_owner(user: Any, action: str) -> Q:
    """The person a retention action is given to works on it (and sees it) whatever the archive rule."""
    return Q(owner=user)


class GradeSnapshot(models.Model):
    """A customer's grade in one month: the nightly job overwrites the current month's row, so a past
    month keeps the grade of its last day. Grade migration (A→B→C) compares two months."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField(_("月份"))  # the first day of the month
    grade = models.CharField(_("客户等级"), max_length=1)
    taken_on = models.DateField(_("快照日期"))

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "export": "export"})

    class Meta:
        verbose_name = _("等级快照")
        verbose_name_plural = _("等级快照")
        constraints = [models.UniqueConstraint(fields=["customer", "month"], name="analytics_snapshot_one_per_month")]
        indexes = [models.Index(fields=["month", "grade"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m} {self.grade}"


class PlanDue(models.Model):
    """One due date of a contact plan, recorded when the plan names it; done when the plan moves on.

    ContactPlan keeps only the next date, so without this row nobody could say afterwards whether
    last month's contacts happened on time (绩效考核: 联络计划按时完成)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    assignee = models.ForeignKey(
        USER, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    due_on = models.DateField(_("计划日期"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "export": "export"}, also=_assignee)

    class Meta:
        verbose_name = _("联络计划到期")
        verbose_name_plural = _("联络计划到期")
        constraints = [models.UniqueConstraint(fields=["customer", "due_on"], name="analytics_plandue_once")]
        indexes = [models.Index(fields=["assignee", "due_on"]), models.Index(fields=["done_on", "id"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.due_on}"


class ChurnRun(models.Model):
    """One recomputation of every customer's churn risk (nightly, or on request)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    started_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    as_of = models.DateField(_("计算日期"))
    processed = models.PositiveIntegerField(_("已计算客户数"), default=0)
    at_risk = models.PositiveIntegerField(_("有流失风险的客户数"), default=0)
    # scores >= churn.HIGH_RISK: the "where to focus" card of a viewer who sees every customer reads
    # this instead of counting the risk table (null: a run from before the field, count instead)
    high_risk = models.PositiveIntegerField(_("流失风险高的客户数"), null=True, blank=True)
    weights = models.JSONField(_("权重"), default=dict)
    message = models.TextField(blank=True)
    # "rules" or "model": which scorer this run used, and the back-test that chose the model.
    scorer = models.CharField(_("评分方式"), max_length=8, default="rules")
    backtest = models.ForeignKey("BackTest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("流失风险计算")
        verbose_name_plural = _("流失风险计算")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.as_of} {self.status}"


class BackTest(models.Model):
    """One back-test of the churn model against the rules (backtest.py): trained on earlier cut-offs,
    tested on the three months after the test cut-off; the figures, and whether the model wins."""

    class Status(models.TextChoices):
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        INSUFFICIENT = "insufficient", _("数据不足")
        FAILED = "failed", _("失败")

    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.RUNNING)
    started_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    as_of = models.DateField(_("计算日期"))
    test_cutoff = models.DateField(_("测试截止日"), null=True, blank=True)
    horizon_end = models.DateField(_("观察期结束"), null=True, blank=True)
    train_cutoffs = models.JSONField(_("训练截止日"), default=list)
    train_size = models.PositiveIntegerField(_("训练客户数"), default=0)
    train_churned = models.PositiveIntegerField(_("训练期流失客户数"), default=0)
    test_size = models.PositiveIntegerField(_("测试客户数"), default=0)
    test_churned = models.PositiveIntegerField(_("测试期流失客户数"), default=0)
    # {"rules": {"auc", "precision", "recall", "lift", "top"}, "model": {...}, "base_rate": ...}
    metrics = models.JSONField(_("指标"), default=dict)
    coefficients = models.JSONField(_("模型系数"), default=dict)  # rule code -> logistic coefficient
    intercept = models.FloatField(_("截距"), default=0.0)
    model_wins = models.BooleanField(_("模型优于规则"), default=False)
    reason = models.CharField(_("结论"), max_length=16, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        verbose_name = _("流失模型回测")
        verbose_name_plural = _("流失模型回测")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.as_of} {self.status}"


class ChurnRisk(models.Model):
    """The latest churn risk of one customer: a score 0–100 and the reasons that make it up."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="churn_risk"
    )
    score = models.PositiveSmallIntegerField(_("风险分"))
    # [{"code": "silence", "points": 25, "params": {...}}, ...] highest points first; the words are
    # rendered at read time (churn.reason_text) so they follow the reader's language.
    reasons = models.JSONField(_("原因"), default=list)
    action = models.CharField(_("建议行动"), max_length=24, blank=True)
    as_of = models.DateField(_("计算日期"))
    run = models.ForeignKey(ChurnRun, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "export": "export"})

    class Meta:
        verbose_name = _("流失风险")
        verbose_name_plural = _("流失风险")
        indexes = [models.Index(fields=["-score", "customer"], name="analytics_churn_rank")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.score}"


class ChurnAction(models.Model):
    """A retention step for a customer at risk (维护策略): who does what by when, and how it went."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        DOING = "doing", _("进行中")
        DONE = "done", _("已完成")
        DROPPED = "dropped", _("已放弃")

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(_("行动类型"), max_length=24)
    description = models.CharField(_("行动内容"), max_length=300)
    owner = models.ForeignKey(
        USER, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    due_on = models.DateField(_("完成期限"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    score_at_start = models.PositiveSmallIntegerField(_("创建时风险分"), default=0)
    note = models.TextField(_("处理结果"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(
        customer="customer", needs={"view": "view", "edit": "view", "export": "export"}, also=_action_owner
    )

    class Meta:
        verbose_name = _("挽留行动")
        verbose_name_plural = _("挽留行动")
        indexes = [
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["owner", "status", "due_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.status}"


class SalesMonth(models.Model):
    """One customer's net sales of one product in one month (销售汇总): the composition page reads
    these few rows instead of grouping the live transactions on every request.

    Kept current by the transaction_created handler (which recomputes the one row a new transaction
    touches, so running it twice changes nothing) and rebuilt in full by the nightly job, which also
    catches edits and deletions made outside transaction_create. A refund subtracts (net_amount)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField(_("月份"))  # the first day of the month
    product = models.CharField(_("产品/项目"), max_length=200, blank=True)
    amount = models.DecimalField(_("销售额（元）"), max_digits=16, decimal_places=2, default=0)
    quantity = models.IntegerField(_("数量"), default=0)  # net: a refund's units come back
    deals = models.PositiveIntegerField(_("交易次数"), default=0)  # sales, refunds not counted

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "export": "export"})

    class Meta:
        verbose_name = _("月度销售汇总")
        verbose_name_plural = _("月度销售汇总")
        constraints = [
            models.UniqueConstraint(fields=["customer", "month", "product"], name="analytics_salesmonth_once")
        ]
        indexes = [models.Index(fields=["month", "customer"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m} {self.product} {self.amount}"


class ReviewRun(models.Model):
    """One periodic review (定期审查, 软件行业客户关系维护制度 第六章): the checklist run over every step
    on one day (monthly on the worker, or on request by a manager)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")

    as_of = models.DateField(_("审查日期"))
    period_start = models.DateField(_("审查期间开始"))
    period_end = models.DateField(_("审查期间结束"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    started_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("定期审查")
        verbose_name_plural = _("定期审查")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.as_of} {self.status}"


class ReviewFinding(models.Model):
    """What one checklist step found in one review: how many records fail it, and a few of their
    customers (ids only; the page shows those the reader may view)."""

    class Step(models.TextChoices):
        ARCHIVE_FRESHNESS = "archive_freshness", _("档案更新及时性")
        PLAN_ADHERENCE = "plan_adherence", _("联络计划执行")
        COMPLAINT_LOOP = "complaint_loop", _("投诉闭环")
        FOLLOWUPS_OVERDUE = "followups_overdue", _("回访逾期")

    run = models.ForeignKey(ReviewRun, on_delete=models.CASCADE, related_name="findings", db_index=False)
    step = models.CharField(_("审查项"), max_length=24, choices=Step.choices)
    count = models.PositiveIntegerField(_("问题数"), default=0)
    customer_ids = models.JSONField(_("涉及客户（样本）"), default=list)
    params = models.JSONField(default=dict)  # the thresholds used, so an old run stays readable

    class Meta:
        verbose_name = _("审查发现")
        verbose_name_plural = _("审查发现")
        constraints = [models.UniqueConstraint(fields=["run", "step"], name="analytics_finding_once_per_step")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.step} {self.count}"

    @property
    def passed(self) -> bool:
        return self.count == 0


class ImprovementAction(models.Model):
    """An improvement step (改进措施) taken from a review finding: owner, due date, tracked to done."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        DOING = "doing", _("进行中")
        DONE = "done", _("已完成")

    finding = models.ForeignKey(ReviewFinding, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("改进措施"), max_length=300)
    owner = models.ForeignKey(
        USER, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    due_on = models.DateField(_("完成期限"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    note = models.TextField(_("处理结果"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("改进措施")
        verbose_name_plural = _("改进措施")
        indexes = [models.Index(fields=["owner", "status", "due_on"]), models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.status}"


class DigestRobot(models.Model):
    """A group robot (WeCom or DingTalk, kehu.messaging.Robot) that also receives one manager's weekly
    digest. Data, not settings: an administrator adds the manager's own team group. The digest holds
    what its manager may see, so a row names one manager, never "every manager"."""

    manager = models.ForeignKey(
        USER, verbose_name=_("经理"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    robot = models.ForeignKey("messaging.Robot", verbose_name=_("群机器人"), on_delete=models.CASCADE, related_name="+")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("周报群机器人")
        verbose_name_plural = _("周报群机器人")
        constraints = [models.UniqueConstraint(fields=["manager", "robot"], name="analytics_digestrobot_once")]

    def __str__(self) -> str:
        return f"{self.manager_id} → {self.robot_id}"


# --- the period summary ("cube") of the composition and loyalty pages -------------------------------
#
# The summary rows are keyed by the customers' grade and owner, the only two things the access rules
# condition on: a viewer who sees every customer sums every row, a limited viewer the rows of their
# rules' scope (policy.rule_scope) plus their granted customers read live. See ADR 0020, decision
# 14, ADR 0023 and cube.py (the writer).


class SummaryPeriod(models.Model):
    """One precomputed period: each of the last 24 calendar months, the last 8 quarters, the current
    and the last calendar year, and the pages' default range (the twelve months ending with the
    current one). `version` is raised by every new transaction inside the period; the worker rebuilds
    the period's rows when it is above `built_version` (the version they were built from).
    `moved_version` is raised only when customers move between grades or owners (the keys of the
    rows): until the rows are rebuilt from it, a limited viewer reads live (ADR 0023)."""

    class Kind(models.TextChoices):
        MONTH = "month", _("月")
        QUARTER = "quarter", _("季度")
        YEAR = "year", _("年")
        ROLLING = "rolling", _("近十二个月")

    period_start = models.DateField(_("期间开始"))
    period_end = models.DateField(_("期间结束"))
    kind = models.CharField(_("期间类型"), max_length=8, choices=Kind.choices)
    version = models.PositiveBigIntegerField(default=1)
    built_version = models.PositiveBigIntegerField(default=0)
    moved_version = models.PositiveBigIntegerField(default=1)
    moved_built_version = models.PositiveBigIntegerField(default=0)
    refreshed_at = models.DateTimeField(_("数据截至"), null=True, blank=True)  # null: not built yet

    class Meta:
        verbose_name = _("汇总期间")
        verbose_name_plural = _("汇总期间")
        constraints = [
            models.UniqueConstraint(fields=["period_start", "period_end"], name="analytics_summaryperiod_once")
        ]

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end} v{self.built_version}/{self.version}"


class CompositionCell(models.Model):
    """Sales of one group of one dimension in one period, for the customers of one grade and one
    owner. `by` is grade, product, region, industry (standing), owner or total (key ""). `key` is
    the group's value as stored on the customer or transaction (the owner's user id for owner);
    labels are rendered at read time in the reader's language. A group's figures are the sum over
    its (grade, owner) rows, for every customer or for the rows a limited viewer's rules select.
    `customers` adds up: a customer has exactly one grade and one owner and is in one group of each
    customer dimension; the product rows count their own distinct buyers."""

    class By(models.TextChoices):
        TOTAL = "total", _("合计")
        GRADE = "grade", _("客户等级")
        PRODUCT = "product", _("产品")
        REGION = "region", _("地区")
        INDUSTRY = "industry", _("行业地位")
        OWNER = "owner", _("负责人")

    period_start = models.DateField(_("期间开始"))
    period_end = models.DateField(_("期间结束"))
    by = models.CharField(_("维度"), max_length=8, choices=By.choices)
    key = models.CharField(_("分组"), max_length=200, blank=True)
    grade = models.CharField(_("客户等级"), max_length=1, default="")
    # the customers' owner: the rules' other key, and for by=owner the group itself (names are joined)
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    amount = models.DecimalField(_("销售额（元）"), max_digits=18, decimal_places=2, default=0)
    quantity = models.BigIntegerField(_("数量"), default=0)
    deals = models.PositiveIntegerField(_("交易次数"), default=0)
    customers = models.PositiveIntegerField(_("客户数"), default=0)
    refreshed_at = models.DateTimeField(_("数据截至"))

    class Meta:
        verbose_name = _("构成汇总")
        verbose_name_plural = _("构成汇总")
        indexes = [models.Index(fields=["period_start", "period_end", "by"], name="analytics_cell_period_by")]

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end} {self.by}={self.key} {self.grade}/{self.owner_id}: {self.amount}"


class CompositionSegment(models.Model):
    """The Pareto figures (二八分析) of one segment of the customers in one period: customers with net
    sales > 0, the sales of the top ceil(20 %) of them and of all. A segment is the customers of a set
    of grades, of every owner or of one (cube.segment_key): the shapes a viewer's rules take. A
    segment without such a customer has no row (its figures are zero)."""

    period_start = models.DateField(_("期间开始"))
    period_end = models.DateField(_("期间结束"))
    segment = models.CharField(_("客户范围"), max_length=40)
    customers = models.PositiveIntegerField(default=0)
    top_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    total_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    refreshed_at = models.DateTimeField(_("数据截至"))

    class Meta:
        verbose_name = _("二八分析汇总")
        verbose_name_plural = _("二八分析汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end", "segment"], name="analytics_compositionsegment_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end} {self.segment}: {self.customers}"


class CompositionTop(models.Model):
    """The top customers by net sales of one segment (see CompositionSegment) in one period (rank 1 =
    largest; ties by customer id), so the page's 重点客户 table reads 20 rows. Names, grade and region
    are read from the customer."""

    period_start = models.DateField(_("期间开始"))
    period_end = models.DateField(_("期间结束"))
    segment = models.CharField(_("客户范围"), max_length=40)
    rank = models.PositiveSmallIntegerField(_("名次"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    amount = models.DecimalField(_("销售额（元）"), max_digits=18, decimal_places=2, default=0)
    quantity = models.BigIntegerField(_("数量"), default=0)
    deals = models.PositiveIntegerField(_("交易次数"), default=0)
    refreshed_at = models.DateTimeField(_("数据截至"))

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "export": "export"})

    class Meta:
        verbose_name = _("重点客户汇总")
        verbose_name_plural = _("重点客户汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end", "segment", "rank"], name="analytics_compositiontop_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end} {self.segment} #{self.rank} {self.customer_id}"


class LoyaltyCell(models.Model):
    """The customer figures of the loyalty page for one segment (grade or region) in one period, for
    the customers of one grade and one owner (the keys a limited viewer's rules select, ADR 0023):
    customers, repeat buyers (two or more sales in the period), customers of three years or more,
    members; a segment's figures are the sums over its rows. Survey figures are not here: they
    follow feedback's own rules (confidential waves) and are read live from the period's responses."""

    period_start = models.DateField(_("期间开始"))
    period_end = models.DateField(_("期间结束"))
    by = models.CharField(_("维度"), max_length=8)  # grade or region
    key = models.CharField(_("分组"), max_length=200, blank=True)
    grade = models.CharField(_("客户等级"), max_length=1, default="")
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    customers = models.PositiveIntegerField(_("客户数"), default=0)
    repeat_buyers = models.PositiveIntegerField(_("重复购买客户"), default=0)
    long_standing = models.PositiveIntegerField(_("合作三年以上"), default=0)
    members = models.PositiveIntegerField(_("会员"), default=0)
    refreshed_at = models.DateTimeField(_("数据截至"))

    class Meta:
        verbose_name = _("忠诚度汇总")
        verbose_name_plural = _("忠诚度汇总")
        indexes = [models.Index(fields=["period_start", "period_end", "by"], name="analytics_loyaltycell_by")]

    def __str__(self) -> str:
        return (
            f"{self.period_start}–{self.period_end} {self.by}={self.key} {self.grade}/{self.owner_id}: {self.customers}"
        )


class GradeFlow(models.Model):
    """How many customers had grade `grade` in month `start_month` and `to_grade` in `end_month`
    (from GradeSnapshot), per the customers' grade and owner now (`customer_grade`, `owner`: the
    keys a limited viewer's rules select, ADR 0023); built nightly for each pair of consecutive
    snapshot months and for each month against the latest one, and again after customers moved
    between grades or owners (GradeFlowBuild)."""

    start_month = models.DateField(_("起始月份"))
    end_month = models.DateField(_("结束月份"))
    grade = models.CharField(_("原等级"), max_length=1)
    to_grade = models.CharField(_("新等级"), max_length=1)
    customer_grade = models.CharField(_("客户等级"), max_length=1, default="")
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    customers = models.PositiveIntegerField(_("客户数"), default=0)
    refreshed_at = models.DateTimeField(_("数据截至"))

    class Meta:
        verbose_name = _("等级变化汇总")
        verbose_name_plural = _("等级变化汇总")
        indexes = [models.Index(fields=["start_month", "end_month"], name="analytics_gradeflow_pair")]

    def __str__(self) -> str:
        return f"{self.start_month:%Y-%m}→{self.end_month:%Y-%m} {self.grade}→{self.to_grade}: {self.customers}"


class GradeFlowBuild(models.Model):
    """One row: which customer moves the GradeFlow rows were built after. `moved_version` is raised
    when customers move between grades or owners (the rows' keys); a limited viewer reads the rows
    only when `built_version` has caught up, and the periodic refresh rebuilds them when not."""

    moved_version = models.PositiveBigIntegerField(default=1)
    built_version = models.PositiveBigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("等级变化汇总状态")
        verbose_name_plural = _("等级变化汇总状态")

    def __str__(self) -> str:
        return f"grade flows v{self.built_version}/{self.moved_version}"
