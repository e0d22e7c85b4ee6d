from __future__ import annotations

import threading
from typing import Any

from django.db import models
from django.db.models.base import DEFERRED
from django.utils.translation import gettext_lazy as _

# (model, the loaded columns) -> for each concrete field, its place among the values or -1.
_layouts: dict[tuple[type, tuple[str, ...]], tuple[int, ...]] = {}
_layouts_lock = threading.Lock()


def _layout(cls: type[models.Model], field_names: Any) -> tuple[int, ...]:
    key = (cls, tuple(field_names))
    layout = _layouts.get(key)
    if layout is None:
        present = set(key[1])
        places, at = [], 0
        for field in cls._meta.concrete_fields:
            if field.attname in present:
                places.append(at)
                at += 1
            else:
                places.append(-1)
        layout = tuple(places)
        with _layouts_lock:
            if len(_layouts) > 10_000:  # shapes are few (one per only()/defer()); bounded all the same
                _layouts.clear()
            _layouts[key] = layout
    return layout


class RowsWithDeferredFieldsLoadFast(models.Model):
    """Django's Model.from_db, minus a cost per row when a column is deferred.

    The customer and contact managers defer `search_text` (about 1.3 KB a row, only ever written),
    so every row they load takes from_db's other branch, which asks `attname in field_names` (a
    list of 50 names) for each of the 51 fields: ~1,300 string comparisons a row, 7 % of a list of
    50 customers by API (issue 16). The answer depends only on the model and the loaded columns,
    so it is worked out once per shape; the values and the DEFERRED markers are the same as
    Django's."""

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any, *, fetch_mode: Any = None) -> Any:
        if len(values) != len(cls._meta.concrete_fields):
            values = [values[i] if i >= 0 else DEFERRED for i in _layout(cls, field_names)]
        return super().from_db(db, field_names, values, fetch_mode=fetch_mode)


class TimeStampedModel(RowsWithDeferredFieldsLoadFast):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(models.Model):
    """Carries a version number for optimistic locking (see kehu.core.versioning)."""

    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        abstract = True


class Sequence(models.Model):
    """Counters behind human-readable numbers such as KH-2026-000123."""

    key = models.CharField(max_length=40, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class CalendarDay(models.Model):
    """An override of the PRC working-day calendar, editable by admins.

    Days without a row fall back to the chinesecalendar package's data (official
    State Council notices); a row wins, so a new year's schedule can be entered
    before the package knows it.
    """

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    name = models.CharField(_("名称"), max_length=60, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}"


class OutboxEvent(models.Model):
    """A domain event written in the same transaction as the change it reports (ADR 0005).

    The worker drains it: every handler subscribed to `event` runs in its own transaction, which
    also records the handler in `done_handlers`; when all have run the row gets `done_at`. A
    crash between the commit and the handlers loses nothing: the row waits for the next drain.
    `available_at` is both the lease (a claimed row is pushed into the future) and the backoff.
    """

    event = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    available_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    done_handlers = models.JSONField(default=list)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("待处理事件")
        verbose_name_plural = _("待处理事件")
        indexes = [
            # The drain's one query: pending rows that are due, oldest first.
            models.Index(
                fields=["available_at", "id"],
                condition=models.Q(done_at__isnull=True),
                name="core_outbox_pending",
            ),
            models.Index(fields=["done_at"], name="core_outbox_done"),
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk}"


class ExportJob(models.Model):
    """An Excel export too large to build inside a request, built by the worker with its progress shown.

    The file is the requester's alone: only they can see the job or download it, and it is deleted when
    it expires (KEHU_EXPORT_KEEP_HOURS). The rows are read with the requester's rights at run time, so a
    right withdrawn between the click and the run is respected."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期")

    token = models.CharField(max_length=32, unique=True, editable=False)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="export_jobs", db_index=False)
    kind = models.CharField(_("导出内容"), max_length=40)
    params = models.JSONField(default=dict, blank=True)
    description = models.CharField(_("内容"), max_length=200, blank=True)  # what the user asked for, in words
    language = models.CharField(max_length=16, default="zh-hans")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_expected = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=120, blank=True)
    file_path = models.CharField(max_length=300, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # the worker's last progress report
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at"], name="exportjob_user_recent"),
            models.Index(fields=["status", "expires_at"], name="exportjob_status_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.token[:8]} {self.status}"

    @property
    def progress(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_expected:
            return 0
        return min(99, self.rows_done * 100 // self.rows_expected)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)
