"""The archive as the policies draw it (issue 10, "Archive"): each test quotes the line it follows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kehu.core.exceptions import DomainError
from kehu.customers import selectors, services
from kehu.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db


def test_the_customers_own_products_are_kept_apart_from_what_we_sell_them(client, users, make_customer):
    """客户档案管理方案 三.2: "收集内容包括……业务范围、主导产品、行业地位" — the customer's 主导产品, not ours."""
    customer = make_customer(main_products="KH-200 控制器", own_products="注塑机、模具")
    client.force_login(users["mkt"])
    body = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "注塑机、模具" in body and "KH-200 控制器" in body
    api = client.get(f"/api/customers/{customer.pk}/").json()
    assert (api["own_products"], api["main_products"]) == ("注塑机、模具", "KH-200 控制器")


def test_sales_of_the_last_three_years_are_edited_in_the_ui_and_the_api(client, users, make_customer, api_for):
    """客户档案表 客户经营资料: "公司近3年销售业绩"."""
    customer = make_customer()
    year = timezone.localdate().year
    client.force_login(users["mkt"])
    form = client.get(reverse("customers:edit", args=[customer.pk])).content.decode()
    assert f'name="sales_{year - 1}"' in form and f'name="sales_{year - 3}"' in form
    data = {
        "version": customer.version,
        "name": customer.name,
        "industry_standing": customer.industry_standing,
        "nature": customer.nature,
        "deal_probability": 50,
        f"sales_{year - 1}": "1200000",
        f"sales_{year - 2}": "980000.50",
    }
    response = client.post(reverse("customers:edit", args=[customer.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert dict(customer.annual_sales.values_list("year", "amount")) == {
        year - 1: Decimal("1200000"),
        year - 2: Decimal("980000.50"),
    }
    customer.refresh_from_db()
    api = api_for("mkt")
    patched = api.patch(
        f"/api/customers/{customer.pk}/",
        {"version": customer.version, "annual_sales": [{"year": year - 3, "amount": "500000"}]},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert {row["year"] for row in patched.json()["annual_sales"]} == {year - 1, year - 2, year - 3}
    bad = api.patch(
        f"/api/customers/{customer.pk}/",
        {"version": patched.json()["version"], "annual_sales": [{"year": 1990, "amount": "1"}]},
        format="json",
    )
    assert bad.status_code == 400 and "annual_sales" in bad.json()
    assert not customer.annual_sales.filter(year=1990).exists()


def test_the_archive_has_general_remarks_and_shows_its_creation_date(client, users, make_customer):
    """客户档案表: "档案编号 建档日期 年 月 日 …… 备注" on the archive and on the relationship card."""
    customer = make_customer(remarks="年底前需重新核对开户行")
    created = timezone.localtime(customer.created_at).strftime("%Y-%m-%d")
    client.force_login(users["mkt"])
    detail = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "年底前需重新核对开户行" in detail and created in detail and 'data-testid="created-on"' in detail
    card = client.get(reverse("customers:card", args=[customer.pk])).content.decode()
    assert f'data-testid="created-on">{created}<' in card


def test_transactions_show_their_number_and_remarks(client, users, make_customer):
    """客户档案表 同本公司的交易情况: "编号 交易时间 交易地点 交易金额 交易负责人 是否有违约情况 备注"."""
    customer = make_customer()
    own = services.transaction_create(
        actor=users["mkt"], customer=customer, occurred_on=dt.date(2026, 5, 8), amount="8800", notes="分两期付款"
    )
    given = services.transaction_create(
        actor=users["mkt"], customer=customer, occurred_on=dt.date(2026, 6, 1), amount="100", number="HT-2026-018"
    )
    assert own.number.startswith("JY") and given.number == "HT-2026-018"
    client.force_login(users["mkt"])
    tab = client.get(reverse("customers:detail", args=[customer.pk]), {"tab": "transactions"}).content.decode()
    assert own.number in tab and "HT-2026-018" in tab and "分两期付款" in tab
    card = client.get(reverse("customers:card", args=[customer.pk])).content.decode()
    assert own.number in card and "分两期付款" in card


def test_the_relationship_card_shows_the_private_address_only_with_the_right(client, users, make_customer):
    """关系维护方案 二.1: "卡片的内容包括客户姓名、工作单位、职位、住址、联系方式等" — 住址 is personal
    information (SPEC M12): masked for whoever may not view sensitive data."""
    assert "personal_address" in Contact.PERSONAL_FIELDS
    customer = make_customer(grade="B", owner="sales")
    contact = services.contact_create(
        actor=users["mkt"],
        customer=customer,
        name="王建国",
        position="采购经理",
        personal_address="杭州市西湖区文三路1号",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT personal_address FROM customers_contact WHERE id = %s", [contact.pk])
        stored = cursor.fetchone()[0]
    assert stored and "文三路" not in stored  # encrypted at rest like the other personal fields
    client.force_login(users["sales"])  # the owner
    assert "杭州市西湖区文三路1号" in client.get(reverse("customers:card", args=[customer.pk])).content.decode()
    client.force_login(users["mkt"])  # marketing staff keep B archives but not their personal data
    card = client.get(reverse("customers:card", args=[customer.pk])).content.decode()
    assert "文三路" not in card and "******" in card and "王建国" in card


def test_documents_are_filed_by_kind_in_the_policys_order_with_running_page_numbers(
    client, users, make_customer, api_for
):
    """客户档案管理方案 四.1: "批复在前、请示在后; 正件在前、附件在后; 印件在前、定稿在后" and
    "确保归档资料的种数、份数以及每份文件的页数齐全" / "依次编写页号"."""
    customer = make_customer()

    def upload(title: str, kind: str, group: str, pages: int) -> None:
        services.document_upload(
            actor=users["mkt"],
            customer=customer,
            title=title,
            kind=kind,
            group=group,
            pages=pages,
            file=SimpleUploadedFile(f"{title}.pdf", b"%PDF-1.4 test"),
        )

    upload("关于延长账期的请示", "request", "A 账期", 2)
    upload("合同附件：报价单", "attachment", "B 合同", 3)
    upload("关于延长账期的批复", "reply", "A 账期", 1)
    upload("采购合同", "original", "B 合同", 12)
    upload("合同定稿", "final_draft", "C 用印", 4)
    upload("合同印件", "printed", "C 用印", 4)
    register = selectors.document_register(customer)
    assert [r["title"] for r in register] == [
        "关于延长账期的批复",
        "关于延长账期的请示",
        "采购合同",
        "合同附件：报价单",
        "合同印件",
        "合同定稿",
    ]
    assert [(r["first_page"], r["last_page"]) for r in register] == [
        (1, 1),
        (2, 3),
        (4, 15),
        (16, 18),
        (19, 22),
        (23, 26),
    ]
    client.force_login(users["mkt"])
    page = client.get(reverse("customers:document_register", args=[customer.pk])).content.decode()
    assert "共 26 页" in page and "23–26" in page
    api = api_for("mkt").get(f"/api/customers/{customer.pk}/documents/").json()
    assert api[0]["kind"] == "reply" and api[-1]["last_page"] == 26
    with pytest.raises(DomainError):
        upload("无页数", "original", "", 0)


def test_important_customers_relationship_cards_are_kept_in_their_own_register(
    client, users, make_customer, django_assert_max_num_queries
):
    """关系维护方案 二.2: "对于重点客户应该单独管理，制作重要客户的客户关系卡"."""
    key = make_customer("杭州重点客户", owner="sales", grade="B", priority="core")
    make_customer("普通客户", owner="sales", grade="B")
    for i in range(5):
        extra = make_customer(f"核心客户{i}", owner="sales", grade="C", priority="core")
        services.contact_create(actor=users["mkt"], customer=extra, name=f"联系人{i}")
    client.force_login(users["sales"])
    with django_assert_max_num_queries(14):
        body = client.get(reverse("customers:important_cards")).content.decode()
    assert "杭州重点客户" in body and "核心客户4" in body and "普通客户" not in body
    assert reverse("customers:card", args=[key.pk]) in body


def test_a_designated_account_person_other_than_the_owner_for_key_customers(users, make_customer):
    """客户档案管理方案 五.3 A类: "专人对其进行资讯收集，如通过专业报刊、公司网站等途径分析客户动态";
    SOP 执行要点: "核心客户可配备专属客户经理"."""
    key = make_customer("核心客户", grade="B", priority="core", owner="sales")
    key = services.customer_update(actor=users["mkt"], customer=key, version=key.version, account_manager=users["cs"])
    assert Customer.objects.get(pk=key.pk).account_manager == users["cs"]
    with pytest.raises(DomainError) as same:
        services.customer_update(actor=users["mkt"], customer=key, version=key.version, account_manager=users["sales"])
    assert "account_manager" in same.value.field_errors
    plain = make_customer("普通客户", grade="C", owner="sales")
    with pytest.raises(DomainError):
        services.customer_update(actor=users["mkt"], customer=plain, version=plain.version, account_manager=users["cs"])
    a_grade = make_customer("A级客户", grade="A")
    with pytest.raises(DomainError) as blind:  # an A archive is for marketing managers and above (六.3)
        services.customer_update(
            actor=users["mkt_mgr"], customer=a_grade, version=a_grade.version, account_manager=users["cs"]
        )
    assert "无权查看" in str(blind.value.field_errors["account_manager"])
    a_grade.refresh_from_db()
    services.customer_update(
        actor=users["mkt_mgr"], customer=a_grade, version=a_grade.version, account_manager=users["mkt_mgr"]
    )


def test_the_designated_account_person_collects_the_customers_news(client, users, make_customer):
    """客户档案管理方案 五.3 A类: "专人对其进行资讯收集，如通过专业报刊、公司网站等途径分析客户动态"."""
    key = make_customer("核心客户", grade="B", priority="core", owner="sales")
    key = services.customer_update(actor=users["mkt"], customer=key, version=key.version, account_manager=users["cs"])
    client.force_login(users["cs"])  # not the owner, not an editor of this archive: the designated person
    response = client.post(
        reverse("customers:news", args=[key.pk]), {"news": "据行业报刊，将扩建华东工厂", "source": "web"}
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert "扩建华东工厂" in key.recent_developments
    update = key.updates.order_by("-id").first()
    assert update.actor == users["cs"] and update.source == "web" and "客户动态" in update.summary
    client.force_login(users["cs_lead"])  # views the archive, but neither designated nor an editor
    assert client.post(reverse("customers:news", args=[key.pk]), {"news": "x"}).status_code == 403
