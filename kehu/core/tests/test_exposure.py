"""Personal data does not linger: no-store on everything personal, owner-only files, no open redirect."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.urls import reverse

from kehu.customers.services import customer_create

pytestmark = pytest.mark.django_db


def test_pages_and_api_answers_are_not_stored(client, users, api_for):
    customer = customer_create(actor=users["sales2"], name="天讯公司", grade="B")
    client.force_login(users["sales2"])
    for url in (reverse("customers:list"), reverse("customers:detail", args=[customer.pk])):
        assert client.get(url)["Cache-Control"] == "no-store", url
    api = api_for("sales2").get(f"/api/customers/{customer.pk}/")
    assert api.status_code == 200 and api["Cache-Control"] == "no-store"
    assert api_for("sales2").get("/api/customers/?owner=x")["Cache-Control"] == "no-store"


def test_a_pdf_and_a_download_are_not_stored(client, users):
    from kehu.servicedesk import services

    customer = customer_create(actor=users["sales2"], name="天讯公司", grade="B", email="a@tianxun.example")
    complaint = services.complaint_create(actor=users["cs"], customer=customer, channel="phone", reason="坏了")
    client.force_login(users["cs"])
    pdf = client.get(reverse("servicedesk:complaint_record_pdf", args=[complaint.pk]))
    assert pdf.status_code == 200 and pdf["Cache-Control"] == "no-store"


def test_a_backup_and_its_folder_are_readable_by_kehu_only(users, settings, tmp_path):
    from kehu.access.backup import create_backup

    settings.MEDIA_ROOT = tmp_path / "documents"
    target = tmp_path / "backups"
    archive = create_backup(destination=target, method="dumpdata")
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.stat().st_mode) == 0o700


def test_the_data_directory_is_owner_only(settings):
    assert stat.S_IMODE(Path(settings.DATA_DIR).stat().st_mode) == 0o700
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600


def test_no_open_redirect_after_a_policy_edit_with_any_host_allowed(client, users, settings):
    from kehu.engagement.models import MaintenancePolicy

    settings.ALLOWED_HOSTS = ["*"]
    policy = MaintenancePolicy.objects.order_by("id").first()
    client.force_login(users["admin"])
    response = client.post(
        reverse("engagement:policy_edit", args=[policy.pk]),
        {f"{policy.pk}-phone_every_days": 7, f"{policy.pk}-version": policy.version},
        HTTP_HOST="evil.example",
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/engagement/policies/?job="), response["Location"]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_the_otp_step_never_sends_a_user_to_another_site(client, users, target):
    from kehu.core.inputs import safe_next

    assert safe_next(target, "/") == "/"
    assert safe_next("/customers/?q=1", "/") == "/customers/?q=1"
