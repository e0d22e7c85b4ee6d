from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from kehu.core.exceptions import DomainError
from kehu.customers import imports, services
from kehu.customers.imports import parse_date, parse_phone, parse_row
from kehu.customers.models import Contact, Customer, ImportJob

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(rows: list[list[Any]], header: list[str] | None = None) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        header
        or [" 客户名称 ", "所在地区", "联系电话", "E-mail", "联系人", "职位", "手机号", "合作开始日期", "客户等级"]
    )
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("客户.xlsx", buffer.getvalue(), content_type=XLSX)


def messy_rows(count: int) -> tuple[list[list[Any]], dict[int, str]]:
    """Rows as people type them; every 50th row has one mistake. Returns rows and {sheet row: bad column}."""
    date_styles = [
        lambda d: d.strftime("%Y-%m-%d").replace("-0", "-"),
        lambda d: d.strftime("%Y/%m/%d"),
        lambda d: f"{d.year}年{d.month}月{d.day}日",
        lambda d: d,  # a real Excel date
    ]
    rows, bad = [], {}
    for i in range(count):
        day = dt.date(2020, 1, 1) + dt.timedelta(days=i)
        row: list[Any] = [
            f"  测试{i:04d}号科技有限公司 ",
            "上海",
            f"０２１-６８８８{i:04d}".translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            f" Buyer{i}@Example.CN",
            f"张{i}",
            "采购经理",
            f"138-{i:04d}-8000",
            date_styles[i % 4](day),
            ["A", "b类", " C "][i % 3],
        ]
        if i % 50 == 7:
            kind = (i // 50) % 4
            if kind == 0:
                row[0] = ""
                bad[i + 2] = "name"
            elif kind == 1:
                row[7] = "2024-13-45"
                bad[i + 2] = "cooperation_since"
            elif kind == 2:
                row[6] = "138-00"
                bad[i + 2] = "contact_mobile"
            else:
                row[3] = "not an email"
                bad[i + 2] = "email"
        rows.append(row)
    return rows, bad


def test_cell_parsers_accept_what_people_type():
    assert parse_date("2024-3-1") == parse_date("2024/03/01") == parse_date("2024年3月1日") == dt.date(2024, 3, 1)
    assert parse_date(dt.datetime(2024, 3, 1, 0, 0)) == dt.date(2024, 3, 1)
    assert parse_date("２０２４－３－１") == dt.date(2024, 3, 1)
    assert parse_phone("138-0013-8000") == "138-0013-8000"
    values, errors = parse_row({"name": "  上海　天讯  ", "grade": "a类", "phone": 13800138000.0})
    assert values == {"name": "上海 天讯", "grade": "A", "phone": "13800138000"}
    assert errors == []
    with pytest.raises(ValueError, match="2024-13-45"):
        parse_date("2024-13-45")


@pytest.fixture
def upload(client, users, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Post a file to the import page as `sales`; the parse task runs when the upload commits."""

    def post(file: SimpleUploadedFile) -> Any:
        client.force_login(users["mkt"])
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("customers:import"), {"file": file})

    return post


def test_messy_1000_rows_preview_reports_row_and_column_and_writes_nothing(client, users, upload):
    services.customer_create(actor=users["mkt"], name="测试0003号科技有限公司")  # an existing duplicate
    rows, bad = messy_rows(1000)
    before = Customer.objects.count()
    response = upload(xlsx(rows))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("customers:import_job", args=[job.pk])
    assert job.status == ImportJob.Status.PREVIEW
    assert (job.total_rows, job.processed_rows) == (1000, 1000)
    assert {(e["row"], e["field"]) for e in job.errors} == set(bad.items())
    assert len(job.rows) == 1000 - len(bad)
    assert {d["row"] for d in job.duplicates if d["customer_id"]} == {5}
    assert Customer.objects.count() == before
    assert Path(job.file_path).exists()

    page = client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    assert "共 1000 行：980 行可导入，20 行有错误将被跳过" in page
    assert "<td>9</td><td>客户名称</td><td>客户名称不能为空。</td>" in page  # sheet row, column, message
    assert "<td>109</td><td>手机</td>" in page
    assert "2024-13-45" in page


def test_commit_creates_customers_and_contacts_and_removes_the_file(
    client, users, upload, django_capture_on_commit_callbacks
):
    rows, bad = messy_rows(12)
    assert list(bad) == [9]  # skipped
    upload(xlsx(rows))
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customers:import_commit", args=[job.pk]), follow=True)
    assert "已导入 11 个客户" in response.content.decode()
    customer = Customer.objects.get(name="测试0002号科技有限公司")
    assert (customer.phone, customer.email, customer.grade) == ("021-68880002", "buyer2@example.cn", "C")
    assert customer.cooperation_since == dt.date(2020, 1, 3)
    assert customer.contacts.get().mobile == "138-0002-8000"
    assert not Path(job.file_path).exists()
    with pytest.raises(DomainError):  # a second commit would double everything
        imports.import_commit(actor=users["mkt"], job=job)


def test_failure_halfway_through_commit_leaves_zero_rows(users, monkeypatch):
    rows, _bad = messy_rows(40)
    job = imports.import_start(actor=users["mkt"], file=xlsx(rows))
    imports.parse_import.call(job.pk)
    job.refresh_from_db()
    calls = {"n": 0}
    real = imports.customer_create

    def failing(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 20:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(imports, "customer_create", failing)
    with pytest.raises(RuntimeError):
        imports.import_commit(actor=users["mkt"], job=job)
    assert calls["n"] == 20
    assert Customer.objects.count() == 0 and Contact.objects.count() == 0
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW


def test_unreadable_file_and_missing_name_column_fail_clearly(client, users, upload):
    upload(SimpleUploadedFile("x.xlsx", b"garbage"))
    upload(xlsx([["上海"]], header=["地区"]))
    messages = list(ImportJob.objects.order_by("id").values_list("status", "message"))
    assert messages[0][0] == messages[1][0] == "failed"
    assert "无法读取" in messages[0][1] and "客户名称" in messages[1][1]
    response = upload(SimpleUploadedFile("x.csv", b"a,b"))
    assert response.status_code == 200 and ".xlsx" in response.content.decode()


def test_progress_partial_while_parsing(client, users):
    client.force_login(users["mkt"])
    job = ImportJob.objects.create(
        actor=users["mkt"],
        file_path="/nonexistent",
        original_name="a.xlsx",
        status="parsing",
        total_rows=200,
        processed_rows=50,
    )
    response = client.get(reverse("customers:import_job", args=[job.pk]), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body and "width: 25%" in body
    other = client.get(reverse("customers:import_job", args=[job.pk]))
    assert other.status_code == 200
    client.force_login(users["sales2"])
    assert client.get(reverse("customers:import_job", args=[job.pk])).status_code == 404
