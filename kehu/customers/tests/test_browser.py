"""The archive in a real browser (Debian's chromium): create, find, export, grade chart, import progress."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from kehu.customers.models import Customer

pytestmark = pytest.mark.browser


def test_sales_creates_customer_finds_it_and_exports(login, users, tmp_path: Path):
    page = login("mkt")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(page.base_url + "/customers/new/")
    page.fill("#id_name", "上海天讯科技有限公司")
    page.fill("#id_region", "上海")
    page.fill("#id_phone", "021-6888 1234")
    page.fill("#id_contact_name", "王建国")
    page.fill("#id_contact_position", "采购经理")
    page.fill("#id_contact_mobile", "138-0013-8000")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=customer-name]")
    assert page.inner_text("[data-testid=customer-name]") == "上海天讯科技有限公司"
    page.click("[data-testid=tab-people]")  # htmx tab
    page.wait_for_selector("[data-testid=contacts] >> text=王建国")

    page.goto(page.base_url + "/customers/")
    for query in ("科技", "txkj"):
        page.fill("[data-testid=search]", query)
        with page.expect_response(lambda r: "/customers/?" in r.url and r.request.headers.get("hx-request") == "true"):
            page.press("[data-testid=search]", "Enter")
        rows = page.locator("[data-testid=customer-table] tbody tr")
        assert rows.count() == 1 and "上海天讯科技有限公司" in rows.first.inner_text(), query
    page.wait_for_url("**q=txkj**")  # the filter state is in the address bar (hx-push-url, after the swap)

    with page.expect_download() as download_info:
        page.click("[data-testid=export]")
    target = tmp_path / "export.xlsx"
    download_info.value.save_as(target)
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0][1] == "客户名称" and [r[1] for r in rows[1:]] == ["上海天讯科技有限公司"]
    assert errors == []


def test_second_editor_sees_conflict_in_the_browser(login, users):
    from kehu.customers import services

    customer = services.customer_create(actor=users["mkt"], name="杭州博源机械有限公司")
    page = login("mkt")
    page.goto(page.base_url + f"/customers/{customer.pk}/edit/")
    services.customer_update(actor=users["mkt_mgr"], customer=customer, version=1, region="江苏")  # someone else saves
    page.fill("#id_region", "浙江")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=conflict]")
    assert "已被他人修改" in page.inner_text("[data-testid=form-error]")
    assert page.input_value("#id_region") == "浙江"
    assert Customer.objects.get(pk=customer.pk).region == "江苏"


def test_grade_chart_and_import_preview(login, users, tmp_path: Path):
    from kehu.customers import services
    from kehu.customers.grading import grading_run
    from kehu.customers.models import GradingRun

    for i in range(5):
        services.customer_create(actor=users["mkt"], name=f"客户{i}有限公司")
    grading_run(run_id=GradingRun.objects.create().pk)
    page = login("mkt_mgr")
    page.goto(page.base_url + "/customers/grading/")
    page.wait_for_selector("[data-testid=grade-chart] canvas")

    workbook = Workbook()
    workbook.active.append(["客户名称", "电话", "合作起始日期"])
    workbook.active.append(["宁波远航物流有限公司", "0574-8765 4321", "2024年3月1日"])
    workbook.active.append(["", "123", "明天"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "客户.xlsx"
    path.write_bytes(buffer.getvalue())
    page.goto(page.base_url + "/customers/import/")
    page.set_input_files("#id_file", str(path))
    page.click("[data-testid=upload]")
    page.wait_for_selector("[data-testid=import-summary]")
    assert page.locator("[data-testid=import-errors] tbody tr").count() == 3
    page.click("[data-testid=commit]")
    page.wait_for_selector("[data-testid=import-done]")
    assert Customer.objects.filter(name="宁波远航物流有限公司").exists()


def test_a_large_export_shows_its_progress_page_and_downloads(login, users, settings, tmp_path: Path):
    from kehu.customers.services import customer_create

    settings.KEHU_EXPORT_INLINE_ROWS = 2  # three customers are "large" here
    for i in range(3):
        customer_create(actor=users["mkt_mgr"], name=f"杭州第{i}导出测试有限公司", owner=users["mkt"], grade="B")
    page = login("mkt_mgr")
    page.goto(page.base_url + "/customers/")
    page.click("[data-testid=export]")
    page.wait_for_url("**/exports/*/")
    assert "客户列表" in page.inner_text("[data-testid=export-description]")
    page.wait_for_selector("[data-testid=export-done]")  # the worker ran (immediate backend): no more polling
    with page.expect_download() as download_info:
        page.click("[data-testid=export-download]")
    target = tmp_path / "large.xlsx"
    download_info.value.save_as(target)
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert sorted(r[1] for r in rows[1:]) == [f"杭州第{i}导出测试有限公司" for i in range(3)]
    page.click("[data-testid=my-exports]")
    assert "客户列表" in page.inner_text("[data-testid=export-jobs]")
