"""The printable forms are real PDFs in Chinese (read back with pypdf)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

pytestmark = pytest.mark.django_db


def _text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_handling_sheet_pdf_has_the_chinese_field_names_and_values(client, users, complaint, walk):
    complaint = walk(complaint, until="close")
    client.force_login(users["cs"])
    response = client.get(reverse("servicedesk:complaint_sheet_pdf", args=[complaint.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content).replace(" ", "").replace("\n", "")
    for label in (
        "客户投诉处理单",
        "客户名称",
        "处理单编号",
        "处理部门",
        "投诉处理结果",
        "受理人员意见",
        "部门经理意见",
        "客户意见",
        "客户签字",
    ):
        assert label in text, label
    for value in (
        "上海天讯科技有限公司",
        complaint.sheet_no,
        "技术支持部",
        "已更换主板，设备恢复正常",
        "满意，同意结案",
        "王经理",
        "3500.00",
    ):
        assert value in text, value


def test_the_complaint_record_and_the_ticket_report_render(client, users, complaint):
    client.force_login(users["cs"])
    text = (
        _text(client.get(reverse("servicedesk:complaint_record_pdf", args=[complaint.pk])).content)
        .replace(" ", "")
        .replace("\n", "")
    )
    for value in (
        "客户投诉记录单",
        "营业地址",
        "投诉理由",
        "设备运行两天后无法开机",
        "上海市浦东新区张江路88号",
        "电话",
    ):
        assert value in text, value


def test_a_user_without_access_gets_no_pdf(client, users, make_customer):
    from kehu.servicedesk import services

    a_customer = make_customer("北京华信集团有限公司", grade="A")
    complaint = services.complaint_create(actor=None, customer=a_customer, channel="email", reason="机密")
    client.force_login(users["sales"])
    assert client.get(reverse("servicedesk:complaint_sheet_pdf", args=[complaint.pk])).status_code == 404
