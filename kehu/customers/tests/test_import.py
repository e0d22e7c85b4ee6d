"""Excel import (SPEC M1; SOP 表1 客户信息维护表; issue 10 "import", issue 9 items 6 and 11, issue 16)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from kehu.core.exceptions import DomainError
from kehu.customers import imports, services
from kehu.customers.imports import cells, commit
from kehu.customers.imports.columns import COLUMNS
from kehu.customers.models import AnnualSales, ArchiveUpdate, Contact, Customer, ImportJob, ImportRow

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def workbook_file(rows: list[list[Any]], *, name: str = "客户.xlsx", merge: list[str] = ()) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for cells_range in merge:
        sheet.merge_cells(cells_range)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


SOP_HEADER = [
    "客户名称",
    "联系人*",
    "职务",
    "联系方式",
    "合作起始时间",
    "合作项目/产品",
    "需求偏好",
    "上次沟通时间",
    "下次沟通计划",
    "维护优先级",
]


def messy_workbook() -> tuple[SimpleUploadedFile, dict[int, set[str]]]:
    """The SOP's 客户信息维护表 as people fill it in: a merged title row, a merged 联系人 group over
    its sub-columns, every 表1 column plus archive columns, mixed dates, full-width digits, wrong
    enumerations and a column nobody asked for. Returns the file and {sheet row: {bad field}}."""
    title = ["客户信息维护表"] + [None] * 14
    group = ["客户名称", "联系人", None, None, "合作起始时间", "合作项目/产品", "需求偏好", "上次沟通时间"]
    group += ["下次沟通计划", "维护优先级", "客户等级", "注册资本（万元）", "2025年销售额", "微信群", "负责人"]
    sub = [None, "姓名*", "职务", "联系方式", None, None, None, None, None, None, None, None, None, None, None]
    today = timezone.localdate()
    rows = [
        # 4: clean, ISO-ish date with slashes, full-width phone digits, 核心客户
        [
            *("A公司A", "张*", "采购经理", "１３８００１３８０００".translate(FULL), "2026/3/1", "管理系统"),
            *("注重稳定性", "2026年3月1日", "3-15-2026", "核心客户", "A类", "500", "1,200,000", "群1", "mkt_mgr"),
        ],
        # 5: Excel date cells and an Excel serial; e-mail in 联系方式; 普通
        [
            *("A公司B", "李*", "技术总监", "li@a-b.cn / 010-68881234", dt.date(2023, 1, 10), "硬件设备"),
            *("关注售后响应", 45200, dt.datetime(2026, 12, 10), "普通", "b", "", "", "", ""),
        ],
        # 6: 超级客户 is not a priority; 2026-13-45 is not a date; 维护 grade "S" is not a grade
        [*("C公司", "王五", "经理", "13900139000", "2026-13-45", "软件"), *("", "", "", "超级客户", "S级"), *[""] * 4],
        # 7: no name; a last contact in the future
        ["", "赵六", "", "", "", "", "", (today + dt.timedelta(days=3)).isoformat(), "", "", "", "", "", "", ""],
        # 8: bad phone, negative sales, unknown owner
        ["D公司", "钱七", "", "138-00", "", "", "", "", "", "潜在客户", "", "", "-5", "", "nobody"],
    ]
    bad = {6: {"priority", "cooperation_since", "grade"}, 7: {"name", "plan_last_contact_on"}}
    bad[8] = {"contact_info", "sales:2025", "owner"}
    file = workbook_file([title, group, sub, *rows], merge=["A1:O1", "B2:D2", "A2:A3"])
    return file, bad


@pytest.fixture
def upload(client, users, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Post a file to the import page as marketing's archive keeper; the preview runs on commit."""

    def post(file: SimpleUploadedFile, username: str = "mkt_mgr") -> Any:
        client.force_login(users[username])
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("customers:import"), {"file": file})

    return post


def commit_job(client: Any, job: ImportJob, capture: Any) -> Any:
    """Confirm the preview; the background commit runs when the request's transaction commits."""
    with capture(execute=True):
        response = client.post(reverse("customers:import_commit", args=[job.pk]))
    assert response.status_code == 302
    return client.get(response.url)


def test_cells_read_what_people_type():
    # 客户信息维护表 dates as typed: 2026/3/1, 2026年3月1日, 3-1-2026 (month first), Excel serial
    typed_forms = (
        "2026/3/1",
        "2026年3月1日",
        "2026-03-01",
        "3-1-2026",
        "２０２６年３月１日",
        "20260301",
        46082,
        "46082",
    )
    for typed in typed_forms:
        assert cells.parse_date(typed) == dt.date(2026, 3, 1), typed
    assert cells.parse_date("13-1-2026") == dt.date(2026, 1, 13)  # 13 cannot be a month
    assert cells.parse_date(dt.datetime(2026, 3, 1, 9, 30)) == dt.date(2026, 3, 1)
    with pytest.raises(ValueError, match="2026-13-45"):
        cells.parse_date("2026-13-45")
    assert cells.parse_money("500万") == cells.parse_money("5,000,000.00") == cells.parse_money("¥5000000元")
    with pytest.raises(ValueError):
        cells.parse_money("-5")
    assert cells.parse_percent(0.6) == cells.parse_percent("60%") == 60
    assert cells.parse_contact_info("１３８００１３８０００") == {"contact_mobile": "13800138000"}
    assert cells.parse_contact_info("li@a.cn、010-68881234") == {
        "contact_email": "li@a.cn",
        "contact_direct_line": "010-68881234",
    }


def test_every_sop_table_1_column_is_understood():
    """SPEC M1: 'The import understands every column of the SOP's 客户信息维护表 (表1)' (seed 004)."""
    from kehu.customers.imports.columns import resolve

    keys = [resolve(header).key for header in SOP_HEADER]  # type: ignore[union-attr]
    assert keys == [
        "name",
        "contact_name",
        "contact_position",
        "contact_info",
        "cooperation_since",
        "main_products",
        "preferences",
        "plan_last_contact_on",
        "plan_next_due_on",
        "priority",
    ]
    assert len({c.key for c in COLUMNS}) == len(COLUMNS)


def test_messy_sop_workbook_preview_names_every_bad_cell_and_the_ignored_column(client, users, upload):
    file, bad = messy_workbook()
    response = upload(file)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == ImportJob.Status.PREVIEW, job.message
    found: dict[int, set[str]] = {}
    for error in job.errors:
        found.setdefault(error["row"], set()).add(error["field"])
    assert found == bad
    assert (job.total_rows, job.valid_rows, job.error_rows) == (5, 2, 3)
    assert [i["header"] for i in job.ignored_columns] == ["微信群"]
    assert Customer.objects.count() == 0  # a preview writes nothing

    page = client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    assert "以下列无法识别，将被忽略" in page and "第 14 列“微信群”" in page
    assert "“超级客户”不是有效的维护优先级" in page
    # accepted values as they will be stored: dates normalised, full-width digits, labels
    assert "2026-03-15" in page and "13800138000" in page and "核心客户" in page
    assert "A类（建议，待经理确认）" in page and "1200000.00" in page

    fixes = client.get(reverse("customers:import_fixes", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(fixes.content)).active
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    # merged group header and sub-header combined, so the fixed file maps the same way on re-upload
    assert table[0][:4] == ["客户名称", "联系人姓名*", "职务", "联系方式"] and table[0][-2:] == ["原行号", "错误说明"]
    assert [r[-2] for r in table[1:]] == [6, 7, 8]
    assert table[1][0] == "C公司" and "超级客户" in table[1][-1]
    assert table[3][3] == "138-00" and table[3][12] == "'-5"  # as typed; a formula-like cell is escaped


def test_messy_workbook_commits_all_valid_rows_at_once_grade_as_proposal(
    client, users, upload, django_capture_on_commit_callbacks
):
    file, _bad = messy_workbook()
    upload(file)
    job = ImportJob.objects.get()
    response = commit_job(client, job, django_capture_on_commit_callbacks)
    assert "已导入 2 个客户" in response.content.decode()
    first = Customer.objects.get(name="A公司A")
    # 客户等级 from a sheet is a proposal for a marketing manager (SPEC M2), never applied
    assert (first.grade, first.proposed_grade, first.priority) == ("C", "A", "core")
    assert first.cooperation_since == dt.date(2026, 3, 1)
    assert first.registered_capital == 5_000_000 and first.owner == users["mkt_mgr"]
    assert AnnualSales.objects.get(customer=first).amount == 1_200_000
    assert "等级 A 待确认" in ArchiveUpdate.objects.get(customer=first).summary
    contact = first.contacts.get()
    assert (contact.name, contact.position, contact.mobile) == ("张*", "采购经理", "13800138000")
    second = Customer.objects.get(name="A公司B")
    assert second.cooperation_since == dt.date(2023, 1, 10) and second.priority == "normal"
    assert (second.contacts.get().email, second.contacts.get().direct_line) == ("li@a-b.cn", "010-68881234")
    assert first.history.count() == 1 and contact.history.count() == 1  # one "+" row each, written in bulk
    assert first.archive_no.startswith("KH-") and first.archive_no != second.archive_no
    from kehu.engagement.models import ContactPlan

    # derived work still happens (customers_imported): 上次沟通时间 / 下次沟通计划 seed the contact plan
    plan = ContactPlan.objects.get(customer=first)
    assert (plan.assignee, plan.last_contact_on, plan.next_due_on) == (
        users["mkt_mgr"],
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 15),
    )
    assert ContactPlan.objects.get(customer=second).last_contact_on == dt.date(2023, 10, 1)  # serial 45200
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and not Path(job.file_path).exists()
    assert not ImportRow.objects.filter(job=job).exists()


def test_search_finds_imported_customers_by_name_phone_and_contact(
    client, users, upload, django_capture_on_commit_callbacks
):
    from kehu.core import search

    file, _bad = messy_workbook()
    upload(file)
    commit_job(client, ImportJob.objects.get(), django_capture_on_commit_callbacks)
    everyone = Customer.objects.unscoped("test")
    one = Customer.objects.get(name="A公司A")
    expected = services.customer_search_document(one)  # exactly what a single create builds
    assert set(one.search_text.split()) == set(expected.split())
    assert list(search.search(everyone, "0013").values_list("name", flat=True)) == ["A公司A"]
    assert list(search.search(everyone, one.archive_no).values_list("name", flat=True)) == ["A公司A"]


def test_importing_is_a_marketing_right(client, users, upload):
    file, _bad = messy_workbook()
    assert upload(file, "sales").status_code == 403
    client.force_login(users["sales"])
    assert client.get(reverse("customers:import")).status_code == 403
    assert not ImportJob.objects.exists()
    with pytest.raises(DomainError):
        imports.import_start(actor=users["cs_lead"], file=file)


def test_duplicates_are_checked_in_batches_against_the_archive(users, django_assert_max_num_queries):
    services.customer_create(actor=users["mkt_mgr"], name="上海天讯科技有限公司", phone="021-68881234")
    rows = [["客户名称", "电话"]] + [[f"测试{i}号公司", f"0755-8{i:07d}"] for i in range(3000)]
    rows += [["上海天讯科技", "020-12345678"], ["无关公司", "021 6888 1234"], ["测试5号公司", ""]]
    job = imports.import_start(actor=users["mkt_mgr"], file=workbook_file(rows))
    with django_assert_max_num_queries(40):  # ~3,000 rows: a few queries per batch of 2,000, none per row
        imports.parse_import.call(job.pk)
    job.refresh_from_db()
    reasons = {(d["row"], tuple(d["reasons"])) for d in job.duplicates}
    assert reasons == {(3002, ("name",)), (3003, ("phone",)), (3004, ("file",))}


def test_commit_is_invisible_until_the_final_switch_and_resumes_after_a_crash(users, monkeypatch):
    """Issue 9 item 6: batches hold the write lock briefly; users never see half an import."""
    rows = [["客户名称", "联系人", "手机"]] + [[f"测试{i}号公司", f"张{i}", f"1380013{i:04d}"] for i in range(25)]
    job = imports.import_start(actor=users["mkt_mgr"], file=workbook_file(rows))
    imports.parse_import.call(job.pk)
    monkeypatch.setattr(commit, "BATCH", 10)
    job.refresh_from_db()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.COMMITTING)
    real = commit._switch
    monkeypatch.setattr(commit, "_switch", lambda job: (_ for _ in ()).throw(SystemExit("worker killed")))
    with pytest.raises(SystemExit):  # kill -9 after the last batch, before the switch
        commit.run_commit(job.pk)
    job.refresh_from_db()
    assert (job.status, job.committed_rows) == (ImportJob.Status.COMMITTING, 25)
    assert Customer.objects.count() == 0 and Contact.objects.count() == 0  # hidden
    assert Customer._base_manager.filter(import_pending=job.pk).count() == 25
    # the sweep resumes a job whose worker died; nothing is written twice
    monkeypatch.setattr(commit, "_switch", real)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    assert imports.imports_sweep()["resumed"] == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.created_count == 25
    assert Customer.objects.count() == 25 and Contact.objects.count() == 25


def test_a_failing_batch_rolls_the_whole_import_back(users, monkeypatch):
    rows = [["客户名称"]] + [[f"测试{i}号公司"] for i in range(25)]
    job = imports.import_start(actor=users["mkt_mgr"], file=workbook_file(rows))
    imports.parse_import.call(job.pk)
    monkeypatch.setattr(commit, "BATCH", 10)
    calls = {"n": 0}
    real = commit.fastinsert.insert_history

    def failing(model: Any, objs: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 5:  # the third batch's customer history
            raise OSError("disk full")
        return real(model, objs, **kwargs)

    monkeypatch.setattr(commit.fastinsert, "insert_history", failing)
    job.refresh_from_db()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.COMMITTING)
    with pytest.raises(OSError):
        commit.run_commit(job.pk)
    assert Customer._base_manager.count() == 0 and Customer.history.count() == 0  # type: ignore[attr-defined]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "OSError" in job.message


def test_second_commit_and_foreign_job_are_refused(client, users, upload, django_capture_on_commit_callbacks):
    upload(workbook_file([["客户名称"], ["甲公司"]]))
    job = ImportJob.objects.get()
    with pytest.raises(DomainError):
        imports.import_commit(actor=users["mkt_dir"], job=job)
    commit_job(client, job, django_capture_on_commit_callbacks)
    with pytest.raises(DomainError):  # a second commit would double everything
        imports.import_commit(actor=users["mkt_mgr"], job=job)
    client.force_login(users["mkt_dir"])
    assert client.get(reverse("customers:import_job", args=[job.pk])).status_code == 404


@override_settings(KEHU={"IMPORT_MAX_ROWS": 10, "IMPORT_MAX_BYTES": 50_000, "IMPORT_RETENTION_HOURS": 72})
def test_size_limits_are_checked_before_the_file_is_read(client, users, upload, settings, tmp_path):
    """Issue 9 item 11: bytes and rows; the row count comes from the sheet's XML, not from loading it."""
    settings.DATA_DIR = tmp_path  # its own upload directory: another test process may be importing
    before = set(imports.upload.import_dir().iterdir())
    response = upload(workbook_file([["客户名称"]] + [[f"公司{i}"] for i in range(30)]))
    assert response.status_code == 200 and "一次最多导入 10 行" in response.content.decode()
    big = SimpleUploadedFile("big.xlsx", b"x" * 60_000, content_type=XLSX)
    response = upload(big)
    assert "文件不能超过" in response.content.decode()
    assert not ImportJob.objects.exists() and set(imports.upload.import_dir().iterdir()) == before


def test_unreadable_files_fail_clearly(client, users, upload):
    upload(SimpleUploadedFile("x.xlsx", b"garbage"))
    upload(workbook_file([["地区"], ["上海"]]))
    messages = list(ImportJob.objects.order_by("id").values_list("status", "message"))
    assert [m[0] for m in messages] == ["failed", "failed"]
    assert "无法读取" in messages[0][1] and "客户名称" in messages[1][1]
    response = upload(SimpleUploadedFile("x.csv", b"a,b"))
    assert response.status_code == 200 and ".xlsx" in response.content.decode()


def test_retention_sweep_deletes_old_previews_and_their_staged_rows(users, upload):
    upload(workbook_file([["客户名称", "电话"], ["甲公司", "1"]]))
    job = ImportJob.objects.get()
    assert Path(job.file_path).exists() and ImportRow.objects.filter(job=job).exists()
    assert imports.imports_sweep()["expired"] == 0
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(hours=73))
    assert imports.imports_sweep()["expired"] == 1
    path = Path(job.file_path)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.EXPIRED and not path.exists()
    assert not ImportRow.objects.filter(job=job).exists()


def test_progress_partial_while_parsing_and_committing(client, users):
    client.force_login(users["mkt_mgr"])
    job = ImportJob.objects.create(
        actor=users["mkt_mgr"], file_path="/nonexistent", original_name="a.xlsx", status="parsing", total_rows=200
    )
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=50)
    response = client.get(reverse("customers:import_job", args=[job.pk]), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body and "width: 25%" in body
    ImportJob.objects.filter(pk=job.pk).update(status="committing", valid_rows=1000, committed_rows=600)
    body = client.get(reverse("customers:import_job", args=[job.pk]), headers={"HX-Request": "true"}).content
    assert "width: 60%" in body.decode() and "600 / 1000" in body.decode()


def test_api_upload_poll_progress_commit(api_for, users, django_capture_on_commit_callbacks):
    api = api_for("mkt_mgr")
    file, _bad = messy_workbook()
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/customer-imports/", {"file": file}, format="multipart")
    assert created.status_code == 201, created.content
    job = api.get(f"/api/customer-imports/{created.json()['id']}/").json()
    assert (job["status"], job["progress"], job["valid_rows"], job["error_rows"]) == ("preview", 100, 2, 3)
    assert job["ignored_columns"][0]["header"] == "微信群"
    with django_capture_on_commit_callbacks(execute=True):
        done = api.post(f"/api/customer-imports/{job['id']}/commit/")
    assert done.status_code == 200
    assert api.get(f"/api/customer-imports/{job['id']}/").json()["created_count"] == 2
    assert api_for("sales").get(f"/api/customer-imports/{job['id']}/").status_code == 403
