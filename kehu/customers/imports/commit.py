"""Commit: staged rows -> customers and contacts in short batches, invisible until one final switch.

Each batch is one short transaction (archive numbers reserved in one statement, bulk inserts of
customers, contacts, yearly sales, archive updates and history rows) that also advances the job's
cursor, so SQLite's write lock is held for a fraction of a second at a time and a worker killed
mid-way resumes exactly after the last written batch. The rows carry `import_pending = job id`,
which the default managers hide; the final switch clears it with one UPDATE per table and
publishes the domain events, so users see the whole import at once or nothing (ADR 0008-imports).

History: one simple_history row per imported customer and contact ("+", written in bulk with
the batch, history_user = the importer), and one ArchiveUpdate per customer ("Excel 导入").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access import roles
from kehu.core import events
from kehu.core.bulk import Row
from kehu.core.crypto import blind_index
from kehu.core.exceptions import DomainError
from kehu.core.numbering import reserve_numbers

from .. import import_tokens as tokens
from ..models import AnnualSales, ArchiveUpdate, Contact, Customer, ImportJob, ImportRow
from ..services import normalise_name, phone_digits
from . import fastinsert

# Rows per write transaction: ~0.5 s of SQLite's write lock on this machine, so a reader that
# writes its access-log row waits at most that long (never the 20 s busy timeout).
BATCH = 500
EVENT_BATCH = 2000  # customers per customers_imported event
CUSTOMER_KEYS = {
    f.name
    for f in Customer._meta.concrete_fields
    if f.name not in {"id", "archive_no", "grade", "owner", "search_text", "import_pending", "name_key", "phone_digits"}
}
DATE_KEYS = {"cooperation_since", "founded_on"}
CONTACT_KEYS = {
    "contact_name": "name",
    "contact_position": "position",
    "contact_mobile": "mobile",
    "contact_direct_line": "direct_line",
    "contact_email": "email",
}


@transaction.atomic
def import_commit(*, actor: Any, job: ImportJob) -> ImportJob:
    """Start writing a previewed import (in the background; progress on the job). All-or-nothing:
    rows with errors were shown in the preview and are not imported."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not roles.is_importer(actor):
        raise DomainError(_("只有市场营销部的档案专员可以导入客户档案。"))
    if job.actor_id != actor.pk:
        raise DomainError(_("只能提交自己上传的导入任务。"))
    if job.status != ImportJob.Status.PREVIEW:
        raise DomainError(_("该导入任务当前不能提交。"))
    if not job.valid_rows:
        raise DomainError(_("没有可导入的行。"))
    job.status = ImportJob.Status.COMMITTING
    job.save(update_fields=["status", "updated_at"])
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import commit_import

    commit_import.enqueue(job_id)


def _staged(job_id: int, after: int) -> list[tuple[int, dict[str, Any]]]:
    return list(
        ImportRow.objects.filter(job_id=job_id, ok=True, row__gt=after)
        .order_by("row")
        .values_list("row", "values")[:BATCH]
    )


def run_commit(job_id: int) -> None:
    """The commit task's body; safe to run twice or after a crash (it continues from the cursor)."""
    job = ImportJob.objects.select_related("actor").get(pk=job_id)
    if job.status != ImportJob.Status.COMMITTING:
        return
    try:
        with tokens.Pool(job.valid_rows) as pool:
            batches = _batches(job_id, job.cursor_row)
            for (cursor, rows), documents in pool.documents(batches):
                if not _write_batch(job, cursor, rows, documents):
                    return  # another worker took over this job
        _switch(job)
    except Exception as error:
        message = _("导入失败，已全部撤销：%(error)s") % {"error": error.__class__.__name__}
        import_rollback(job_id=job_id, status=ImportJob.Status.FAILED, message=message)
        raise


def _batches(job_id: int, cursor: int) -> Iterator[tuple[int, list[tuple[int, dict[str, Any]]]]]:
    while rows := _staged(job_id, cursor):
        yield cursor, rows
        cursor = rows[-1][0]


class _Prototypes:
    """The attributes of a blank row per model for a batch (field defaults, the job's stamps), from
    which each row is made as a bulk.Row: nothing here is saved through the ORM."""

    def __init__(self, job: ImportJob, now: dt.datetime) -> None:
        stamps = {"import_pending": job.pk, "created_at": now, "updated_at": now}
        self.customer = Row.blank(Customer, owner_id=job.actor_id, **stamps)
        self.contact = Row.blank(Contact, is_main_contact=True, personal_phone_index=blind_index(""), **stamps)
        self.update = Row.blank(ArchiveUpdate, actor_id=job.actor_id, learned_at=now, entered_at=now)


def _customer(values: dict[str, Any], *, job: ImportJob, blank: _Prototypes) -> Row:
    fields: dict[str, Any] = {}
    for key, value in values.items():
        if key in CUSTOMER_KEYS:
            fields[key] = dt.date.fromisoformat(value) if key in DATE_KEYS else value
    if "registered_capital" in fields:
        fields["registered_capital"] = Decimal(fields["registered_capital"])
    customer = Row(
        {
            **blank.customer,
            **fields,
            "owner_id": values.get("owner") or job.actor_id,
            "proposed_grade": values.get("grade", ""),  # an imported grade is a proposal (SPEC M2), never applied
        }
    )
    customer.name_key = normalise_name(customer.name)
    customer.phone_digits = phone_digits(customer.phone)
    return customer


def _contact(values: dict[str, Any], *, blank: _Prototypes) -> Row | None:
    if not values.get("contact_name"):
        return None
    contact = Row({**blank.contact, **{field: values[key] for key, field in CONTACT_KEYS.items() if key in values}})
    contact.email = (contact.email or "").lower()
    contact.mobile_digits = phone_digits(contact.mobile)
    return contact


def _write_batch(
    job: ImportJob, cursor: int, rows: list[tuple[int, dict[str, Any]]], documents: list[tuple[str, str]]
) -> bool:
    now = timezone.now()
    blank = _Prototypes(job, now)
    customers = [_customer(values, job=job, blank=blank) for _row, values in rows]
    contacts = [_contact(values, blank=blank) for _row, values in rows]
    for customer, contact, (customer_doc, contact_doc) in zip(customers, contacts, documents, strict=True):
        customer.search_text = customer_doc
        if contact is not None:
            contact.search_text = contact_doc
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportJob.Status.COMMITTING or locked.cursor_row != cursor:
            return False
        for customer, number in zip(customers, reserve_numbers("KH", len(customers)), strict=True):
            customer.archive_no = number
            customer.search_text = tokens.with_archive_no(customer.search_text, number)
        fastinsert.insert_pending(Customer, customers, job_id=job.pk)
        for customer, contact in zip(customers, contacts, strict=True):
            if contact is not None:
                contact.customer_id = customer.id
        made = [c for c in contacts if c is not None]
        fastinsert.insert_pending(Contact, made, job_id=job.pk)
        sales = [
            AnnualSales(customer_id=customer.id, year=int(key.split(":", 1)[1]), amount=Decimal(value))
            for customer, (_row, values) in zip(customers, rows, strict=True)
            for key, value in values.items()
            if key.startswith("sales:")
        ]
        fastinsert.insert(AnnualSales, sales)
        summary = _("Excel 导入：%(name)s") % {"name": job.original_name}
        fastinsert.insert(
            ArchiveUpdate,
            [
                Row(
                    {
                        **blank.update,
                        "customer_id": customer.id,
                        "source": customer.info_source,
                        "summary": (summary + _("；等级 %(grade)s 待确认") % {"grade": customer.proposed_grade})[:300]
                        if customer.proposed_grade
                        else summary[:300],
                    }
                )
                for customer in customers
            ],
        )
        fastinsert.insert_history(Customer, customers, user_id=job.actor_id, when=now)
        fastinsert.insert_history(Contact, made, user_id=job.actor_id, when=now)
        ImportJob.objects.filter(pk=job.pk).update(
            cursor_row=rows[-1][0], committed_rows=locked.committed_rows + len(rows), updated_at=timezone.now()
        )
    return True


def _plans(job_id: int) -> Iterator[tuple[str | None, str | None]]:
    """The sheet's 上次沟通时间 / 下次沟通计划 of the staged rows, in the order their customers were written."""
    staged = ImportRow.objects.filter(job_id=job_id, ok=True).order_by("row").values_list("values", flat=True)
    for values in staged.iterator(chunk_size=BATCH):
        yield values.get("plan_last_contact_on"), values.get("plan_next_due_on")


def _announce(job: ImportJob, ids: list[int]) -> None:
    """One customers_imported event per batch of customers (derived work: contact plans), published
    in the switch's transaction so it runs only if the import becomes visible."""
    plans = _plans(job.pk)
    for start in range(0, len(ids), EVENT_BATCH):
        batch = ids[start : start + EVENT_BATCH]
        # plans is one iterator over every staged row, consumed a batch at a time
        seen = [[pk, last, nxt] for pk, (last, nxt) in zip(batch, plans, strict=False) if last or nxt]
        events.publish("customers_imported", customer_ids=batch, actor_id=job.actor_id, plans=seen)
    if next(plans, None) is not None:
        raise RuntimeError("staged rows and written customers differ")


def _switch(job: ImportJob) -> None:
    """Make the import visible at once: one UPDATE per table, the events, the job done."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportJob.Status.COMMITTING:
            return
        pending = Customer._base_manager.filter(import_pending=job.pk)
        ids = list(pending.order_by("pk").values_list("pk", flat=True))
        pending.update(import_pending=None)
        Contact._base_manager.filter(import_pending=job.pk).update(import_pending=None)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.DONE, created_count=len(ids), finished_at=timezone.now(), updated_at=timezone.now()
        )
        _announce(job, ids)
        transaction.on_commit(lambda: discard_files(job.pk))


def discard_files(job_id: int) -> None:
    """The uploaded file and the staged rows of a finished, cancelled or expired import."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return
    if job.file_path:
        Path(job.file_path).unlink(missing_ok=True)
    while ids := list(ImportRow.objects.filter(job_id=job_id).values_list("pk", flat=True)[:BATCH]):
        ImportRow.objects.filter(pk__in=ids).delete()


def import_rollback(*, job_id: int, status: str, message: str = "") -> None:
    """Remove every row an unfinished commit wrote (in batches, never visible), then close the job."""
    history_customer = Customer.history.model  # type: ignore[attr-defined]
    history_contact = Contact.history.model  # type: ignore[attr-defined]
    while ids := list(Customer._base_manager.filter(import_pending=job_id).values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            contact_ids = list(Contact._base_manager.filter(customer_id__in=ids).values_list("pk", flat=True))
            Customer._base_manager.filter(pk__in=ids).delete()
            # after the delete: it adds "-" history rows of its own; rows that never showed leave none
            history_contact.objects.filter(id__in=contact_ids).delete()
            history_customer.objects.filter(id__in=ids).delete()
    ImportJob.objects.filter(pk=job_id).update(
        status=status, message=message, cursor_row=0, committed_rows=0, updated_at=timezone.now()
    )


@transaction.atomic
def import_cancel(*, actor: Any, job: ImportJob) -> ImportJob:
    """Drop a previewed import (or stop one being written: what it wrote is removed)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.actor_id != actor.pk:
        raise DomainError(_("只能撤销自己上传的导入任务。"))
    if job.status not in (ImportJob.Status.PREVIEW, ImportJob.Status.FAILED, ImportJob.Status.COMMITTING):
        raise DomainError(_("该导入任务当前不能撤销。"))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CANCELLED, updated_at=timezone.now())
    transaction.on_commit(lambda: _finish_cancel(job.pk))
    job.status = ImportJob.Status.CANCELLED
    return job


def _finish_cancel(job_id: int) -> None:
    import_rollback(job_id=job_id, status=ImportJob.Status.CANCELLED)
    discard_files(job_id)
