"""backup -> wipe -> restore gives back the same rows and documents (checksums), on the test database."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from kehu.access.backup import create_backup, prune_backups, read_manifest, restore_backup
from kehu.customers.models import Contact, Customer
from kehu.customers.services import contact_create, customer_create

pytestmark = pytest.mark.django_db(transaction=True)


def table_checksums() -> dict[str, str]:
    """SHA-256 of every row of every table of our apps, read raw (ciphertext as stored)."""
    sums = {}
    for model in apps.get_models():
        if not model.__module__.startswith(("kehu.", "django.contrib.auth")):
            continue
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table} ORDER BY {pk}")
            digest = hashlib.sha256(repr([tuple(map(str, row)) for row in cursor.fetchall()]).encode())
        sums[model._meta.label] = digest.hexdigest()
    return sums


def logical_checksums() -> dict[str, str]:
    """What the dumpdata fallback promises: the same values (decrypted), not the same bytes —
    loaddata re-encrypts with fresh tokens and stamps auto_now fields."""
    sums = {}
    for model in apps.get_models():
        if not model.__module__.startswith("kehu."):
            continue
        names = [f.attname for f in model._meta.concrete_fields if not getattr(f, "auto_now", False)]
        rows = [tuple(map(str, row)) for row in model._base_manager.order_by("pk").values_list(*names)]
        sums[model._meta.label] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return sums


def document_checksums(media: Path) -> dict[str, str]:
    return {
        p.relative_to(media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(media.rglob("*"))
        if p.is_file()
    }


def native_method() -> str:
    return "sqlite" if connection.vendor == "sqlite" else "pg_dump"


@pytest.mark.parametrize("method", ["native", "dumpdata"])
def test_backup_wipe_restore_round_trip(users, settings, tmp_path, method):
    owner = users["sales2"]
    for n in range(3):
        customer = customer_create(actor=owner, name=f"备份测试{n}有限公司", owner=owner, grade="ABC"[n])
        contact_create(
            actor=users["admin"], customer=customer, name=f"联系人{n}", family="配偶信息", personal_phone="13800000000"
        )
    media = Path(settings.MEDIA_ROOT)
    (media / "contracts").mkdir(parents=True)
    (media / "contracts" / "合同.pdf").write_bytes(b"%PDF-1.4 contract" * 100)
    (media / "photo.jpg").write_bytes(bytes(range(256)) * 10)
    checksums = table_checksums if method == "native" else logical_checksums
    rows_before, docs_before = checksums(), document_checksums(media)

    chosen = native_method() if method == "native" else method
    archive = create_backup(destination=tmp_path / "backups", method=chosen)
    manifest = read_manifest(archive)
    assert manifest["method"] == chosen
    assert manifest["files"]["documents/contracts/合同.pdf"] == docs_before["contracts/合同.pdf"]

    # wipe: business rows gone, one document changed, one removed, a stray one added
    Contact.objects.all().delete()
    Customer.objects.all().delete()
    (media / "photo.jpg").unlink()
    (media / "contracts" / "合同.pdf").write_bytes(b"tampered")
    (media / "stray.txt").write_text("x")
    assert checksums() != rows_before

    call_command("restore", str(archive), "--yes", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert checksums() == rows_before
    assert document_checksums(media) == docs_before
    assert Customer.objects.count() == 3
    assert Contact.objects.get(name="联系人1").family == "配偶信息"


def test_restore_refuses_a_corrupted_archive_and_changes_nothing(users, settings, tmp_path):
    import tarfile

    customer_create(actor=users["sales2"], name="完好客户", owner=users["sales2"])
    archive = create_backup(destination=tmp_path)
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(bad, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name.startswith("db."):
                data = data[:-10] + b"0123456789"
            member.size = len(data)
            import io

            dst.addfile(member, io.BytesIO(data))
    Customer.objects.all().delete()
    from kehu.access.backup import BackupError

    with pytest.raises(BackupError, match="checksum"):
        restore_backup(bad)
    assert not Customer.objects.exists()


def test_prune_keeps_the_newest(tmp_path):
    for stamp in ("20260101", "20260102", "20260103"):
        (tmp_path / f"kehu-backup-{stamp}.tar.gz").write_bytes(b"x")
    removed = prune_backups(keep=2, directory=tmp_path)
    assert [p.name for p in removed] == ["kehu-backup-20260101.tar.gz"]
    assert len(list(tmp_path.glob("*.tar.gz"))) == 2
