"""Disk full (issue 9, item 7): a file is kept whole or not at all, and a failed request commits nothing."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from kehu.core import files
from kehu.core.exceptions import StorageError
from kehu.core.models import OutboxEvent
from kehu.customers import services
from kehu.customers.models import Customer, CustomerDocument, DocumentVersion

pytestmark = pytest.mark.django_db

PAYLOAD = os.urandom(300_000)


@pytest.fixture(autouse=True)
def _scope_guard_warns(settings):  # type: ignore[no-untyped-def]
    # The document pages' selectors are not yet migrated to restrict() (the integrator's work);
    # these tests are about files, not about the scope guard.
    settings.KEHU = {**settings.KEHU, "SCOPE_GUARD": "warn"}


def _files_under(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()]


@pytest.fixture
def disk_fills_up(monkeypatch):
    """The device fills up after the first 64 KB: one partial write, then ENOSPC (what write(2) does)."""
    budget = {"left": 64 * 1024}

    def write(fd: int, data: bytes | memoryview) -> int:
        if budget["left"] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = min(len(data), budget["left"])
        budget["left"] -= n
        return os.write(fd, bytes(data[:n]))

    monkeypatch.setattr(files, "_write", write)
    return budget


def test_a_full_disk_keeps_neither_a_partial_file_nor_a_row(users, make_customer, settings, disk_fills_up):
    customer = make_customer()
    with pytest.raises(StorageError) as raised:
        services.document_upload(
            actor=users["mkt"], customer=customer, title="合同", file=SimpleUploadedFile("合同.pdf", PAYLOAD)
        )
    assert "存储空间不足" in raised.value.message
    assert not DocumentVersion.objects.exists() and not CustomerDocument.objects.exists()
    assert _files_under(settings.MEDIA_ROOT) == []  # no truncated or 0-byte orphan


def test_the_upload_page_says_the_disk_is_full_and_stores_nothing(
    client, users, make_customer, settings, disk_fills_up
):
    customer = make_customer()
    client.force_login(users["mkt"])
    response = client.post(
        reverse("customers:document_add", args=[customer.pk]),
        {"title": "合同", "file": SimpleUploadedFile("合同.pdf", PAYLOAD)},
    )
    assert response.status_code == 400 and "存储空间不足" in response.content.decode()
    assert not DocumentVersion.objects.exists()
    assert _files_under(settings.MEDIA_ROOT) == []


def test_an_upload_shorter_than_announced_is_refused(users, make_customer, settings):
    customer = make_customer()
    truncated = SimpleUploadedFile("合同.pdf", PAYLOAD[:1000])
    truncated.size = len(PAYLOAD)  # the temporary upload file lost its tail
    with pytest.raises(StorageError):
        services.document_upload(actor=users["mkt"], customer=customer, title="合同", file=truncated)
    assert not DocumentVersion.objects.exists()
    assert _files_under(settings.MEDIA_ROOT) == []


def test_a_stored_document_records_its_checksum_and_a_damaged_file_is_not_served(client, users, make_customer):
    import hashlib

    customer = make_customer()
    version = services.document_upload(
        actor=users["mkt"], customer=customer, title="合同", file=SimpleUploadedFile("合同.pdf", PAYLOAD)
    )
    version.refresh_from_db()
    assert version.size == len(PAYLOAD) and version.sha256 == hashlib.sha256(PAYLOAD).hexdigest()
    assert Path(version.file.path).read_bytes() == PAYLOAD
    assert Path(version.file.path).stat().st_mode & 0o007 == 0  # not world-readable
    client.force_login(users["mkt"])
    url = reverse("customers:document_download", args=[version.pk])
    assert b"".join(client.get(url).streaming_content) == PAYLOAD

    with open(version.file.path, "r+b") as handle:  # the disk lost the file's tail
        handle.truncate(1000)
    damaged = client.get(url)
    assert damaged.status_code == 500 and "校验失败" in damaged.content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_api_write_that_fails_after_its_service_committed_stores_nothing(api_for, monkeypatch):
    from kehu.customers.api.serializers import CustomerSerializer

    def disk_full(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(CustomerSerializer, "to_representation", disk_full)
    client = api_for("sales")
    client.raise_request_exception = False
    response = client.post("/api/customers/", {"name": "重试不重复有限公司"}, format="json")
    assert response.status_code == 500
    assert not Customer.objects.filter(name="重试不重复有限公司").exists()  # a retry cannot duplicate it
    assert not OutboxEvent.objects.exists()


PRODUCTION_TASKS = {
    "default": {
        "BACKEND": "huey.contrib.djhuey.tasks_backend.HueyBackend",
        "OPTIONS": {"enqueue_on_commit": True},
    }
}


@pytest.mark.django_db(transaction=True)
def test_a_queue_on_a_full_disk_does_not_turn_a_committed_create_into_a_500(api_for, monkeypatch):
    """The reported fault: the row committed, then queueing its follow-up work hit the full disk."""
    from huey.contrib.djhuey import HUEY

    from kehu.core.tasks import outbox_drain_periodic
    from kehu.engagement.models import ContactPlan

    def full(*_a: object, **_k: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(HUEY, "enqueue", full)
    with override_settings(TASKS=PRODUCTION_TASKS):
        response = api_for("sales").post("/api/customers/", {"name": "磁盘满有限公司"}, format="json")
    assert response.status_code == 201
    customer = Customer.objects.get(name="磁盘满有限公司")
    assert OutboxEvent.objects.get(event="customer_created").done_at is None
    outbox_drain_periodic.call_local()  # the worker, once there is room again
    assert ContactPlan.objects.filter(customer=customer).exists()


def test_a_mail_whose_second_attachment_hits_a_full_disk_leaves_no_files(customer_for_mail, settings, monkeypatch):
    from email.message import EmailMessage

    from kehu.servicedesk import mail
    from kehu.servicedesk.models import MailMessage

    message = EmailMessage()
    message["From"] = "buyer@tianxun.example"
    message["To"] = "service@kehu.example"
    message["Subject"] = "设备故障投诉"
    message.set_content("两台无法开机。")
    message.add_attachment(b"a" * 1000, maintype="application", subtype="pdf", filename="1.pdf")
    message.add_attachment(b"b" * 1000, maintype="application", subtype="pdf", filename="2.pdf")
    calls = {"n": 0}
    real = files._write

    def write(fd: int, data: bytes | memoryview) -> int:
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data)

    monkeypatch.setattr(files, "_write", write)
    # As the SMTP listener's _process does (it answers 451, so the sender's server retries; it also
    # closes the thread's connections, which is why the test calls the intake itself).
    with pytest.raises(StorageError), files.removed_on_error():
        mail.mail_intake(message.as_bytes(), recipients=["service@kehu.example"])
    assert not MailMessage.objects.exists()
    assert _files_under(settings.MEDIA_ROOT) == []


@pytest.fixture
def customer_for_mail(make_customer):  # type: ignore[no-untyped-def]
    return make_customer(email="buyer@tianxun.example")
