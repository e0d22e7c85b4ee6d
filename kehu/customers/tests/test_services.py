from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kehu.core import events
from kehu.core.crypto import blind_index
from kehu.core.exceptions import ConflictError, DomainError
from kehu.customers import selectors, services
from kehu.customers.models import ArchiveUpdate, Contact, Customer, CustomerDocument

pytestmark = pytest.mark.django_db


def test_create_assigns_archive_number_normalises_and_records_history(make_customer, users):
    customer = make_customer(" 上海天讯科技有限公司 ", email="Info@TianXun.CN", phone="021-6888 1234")
    assert customer.archive_no.startswith("KH-")
    assert customer.name == "上海天讯科技有限公司"
    assert customer.email == "info@tianxun.cn"
    assert customer.phone_digits == "02168881234"
    assert customer.history.first().history_user == users["mkt"]
    assert ArchiveUpdate.objects.get(customer=customer).delay_hours == 0


def test_create_with_bad_field_is_refused_with_field_error(users):
    with pytest.raises(DomainError) as caught:
        services.customer_create(actor=users["mkt"], name="", email="not-an-email")
    assert {"name", "email"} <= set(caught.value.field_errors)
    assert not Customer.objects.exists()


def test_second_editor_with_stale_version_is_refused(make_customer, users):
    customer = make_customer()
    first = Customer.objects.get(pk=customer.pk)
    second = Customer.objects.get(pk=customer.pk)
    services.customer_update(actor=users["mkt"], customer=first, version=1, region="上海")
    with pytest.raises(ConflictError) as caught:
        services.customer_update(actor=users["mkt_mgr"], customer=second, version=1, region="北京")
    assert caught.value.current_version == 2
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.region, stored.version) == ("上海", 2)


def test_update_writes_history_with_old_and_new_value(make_customer, users):
    customer = make_customer(region="上海")
    services.customer_update(actor=users["mkt_mgr"], customer=customer, version=customer.version, region="江苏")
    newest, older = customer.history.all()[:2]
    delta = newest.diff_against(older)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("region", "上海", "江苏")]
    assert newest.history_user == users["mkt_mgr"]


def test_late_update_is_a_warning_then_a_breach(make_customer, users):
    customer = make_customer()
    now = timezone.now()
    for hours in (30, 60):
        services.customer_update(
            actor=users["mkt"],
            customer=Customer.objects.get(pk=customer.pk),
            version=None,
            recent_developments=f"{hours}",
            learned_at=now - dt.timedelta(hours=hours),
        )
    levels = [selectors.freshness_level(u.delay_hours) for u in selectors.late_updates(users["mkt_mgr"])]
    assert levels == ["breach", "warning"]
    stats = {row["actor__username"]: row for row in selectors.late_update_stats(users["mkt_mgr"])}
    assert (stats["mkt"]["warnings"], stats["mkt"]["breaches"]) == (1, 1)


def test_learned_in_the_future_is_refused(make_customer, users):
    customer = make_customer()
    with pytest.raises(DomainError):
        services.customer_update(
            actor=users["mkt"], customer=customer, version=None, learned_at=timezone.now() + dt.timedelta(days=1)
        )


def test_contact_sets_blind_index_and_makes_customer_findable(make_customer, users):
    customer = make_customer("杭州博源机械有限公司")
    contact = services.contact_create(
        actor=users["mkt"], customer=customer, name="王建国", mobile="138-0013-8000", personal_phone="139 1234 5678"
    )
    assert contact.personal_phone_index == blind_index("13912345678")
    stored = Contact.objects.values_list("personal_phone", flat=True).get(pk=contact.pk)
    assert stored == "139 1234 5678"
    # Ciphertext at rest:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT personal_phone FROM customers_contact WHERE id = %s", [contact.pk])
        assert "1234" not in cursor.fetchone()[0]
    for q in ("王建国", "wjg", "00138000", "13800138000"):
        assert list(selectors.customer_list_for(users["mkt"], q=q)) == [customer], q


def test_contact_update_refreshes_customer_search(make_customer, users):
    customer = make_customer("杭州博源机械有限公司")
    contact = services.contact_create(actor=users["mkt"], customer=customer, name="王建国")
    services.contact_update(actor=users["mkt"], contact=contact, version=contact.version, name="赵丽颖")
    assert list(selectors.customer_list_for(users["mkt"], q="赵丽")) == [customer]
    assert not selectors.customer_list_for(users["mkt"], q="王建国").exists()


def test_transaction_publishes_event_after_commit(make_customer, users, django_capture_on_commit_callbacks):
    customer = make_customer()
    seen: list[dict[str, Any]] = []
    events.subscribe("transaction_created", lambda **payload: seen.append(payload))
    with django_capture_on_commit_callbacks(execute=True):
        record = services.transaction_create(
            actor=users["mkt"], customer=customer, occurred_on=dt.date(2026, 1, 5), amount="1200.00"
        )
    assert {"transaction_id": record.pk, "customer_id": customer.pk, "actor_id": users["mkt"].pk} in seen


def test_document_upload_keeps_old_versions(make_customer, users):
    customer = make_customer()
    for content in (b"v1", b"v2"):
        services.document_upload(
            actor=users["mkt"], customer=customer, title="合同", file=SimpleUploadedFile("合同.pdf", content)
        )
    document = CustomerDocument.objects.get(customer=customer)
    versions = list(document.versions.all())
    assert [v.number for v in versions] == [2, 1]
    assert [v.file.read() for v in versions] == [b"v2", b"v1"]


def test_archive_needs_a_reason_and_never_deletes(make_customer, users):
    customer = make_customer()
    with pytest.raises(DomainError):
        services.customer_archive(actor=users["mkt"], customer=customer, note=" ")
    services.customer_archive(actor=users["mkt"], customer=customer, note="已停业")
    customer.refresh_from_db()
    assert customer.is_archived and customer.archive_note == "已停业"


def test_flag_stale_marks_customers_without_recent_business(make_customer, users):
    old = make_customer("旧客户有限公司")
    Customer.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=1000))
    make_customer("新客户有限公司")
    assert services.customers_flag_stale(actor=users["admin"]) == 1
    assert Customer.objects.get(pk=old.pk).needs_review


def test_duplicates_by_name_phone_email_and_mobile(make_customer, users):
    existing = make_customer("上海天讯科技有限公司", phone="021-68881234", email="info@tx.cn")
    services.contact_create(actor=users["mkt"], customer=existing, name="李雷", mobile="13800138000")

    def reasons(**kwargs: Any) -> list[str]:
        return [r for d in selectors.possible_duplicates(users["mkt"], **kwargs).visible for r in d.reasons]

    assert reasons(name="上海天讯科技 有限公司") == ["名称相同"]
    assert reasons(name="上海天讯科技") == ["名称相同"]
    assert reasons(phone="(021) 6888-1234") == ["电话相同"]
    assert reasons(email="INFO@tx.cn") == ["邮箱相同"]
    assert reasons(mobiles=["138-0013-8000"]) == ["联系人手机相同"]
    assert reasons(name="北京别的公司", phone="010-1234567") == []


def test_merge_moves_everything_and_archives_the_merged(make_customer, users):
    keep = make_customer("上海天讯科技有限公司")
    merge = make_customer("上海天讯科技公司")
    services.contact_create(actor=users["mkt"], customer=merge, name="李雷")
    services.transaction_create(actor=users["mkt"], customer=merge, occurred_on=dt.date(2026, 1, 1), amount=10)
    services.document_upload(actor=users["mkt"], customer=merge, title="合同", file=SimpleUploadedFile("a", b"x"))
    services.document_upload(actor=users["mkt"], customer=keep, title="合同", file=SimpleUploadedFile("b", b"y"))
    services.customer_merge(actor=users["mkt_mgr"], keep=keep, merge=merge)
    merge.refresh_from_db()
    assert merge.is_archived and keep.archive_no in merge.archive_note
    assert keep.contacts.count() == 1 and keep.transactions.count() == 1 and keep.documents.count() == 2
    assert list(selectors.customer_list_for(users["mkt"], q="李雷")) == [keep]
    with pytest.raises(DomainError):
        services.customer_merge(actor=users["mkt_mgr"], keep=keep, merge=keep)
