"""The permission matrix through the real pages (customers' UI): each demo role x grade A/B/C x
list, detail, sensitive fields, edit, export; a denied write changes nothing. Expected values come
from the same table as the policy-level test (test_policy_matrix.EXPECTED)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kehu.access.models import AccessLog
from kehu.customers.models import Contact
from kehu.customers.services import contact_create

from .test_policy_matrix import EXPECTED, ROLES

pytestmark = pytest.mark.django_db

PRIVATE_PHONE = "13912345678"


@pytest.fixture
def archive_with_people(users, archive):
    for customer in archive.values():
        contact_create(actor=users["admin"], customer=customer, name="关键人", personal_phone=PRIVATE_PHONE)
    return archive


@pytest.mark.parametrize("username", ROLES)
def test_matrix_through_the_pages(client, users, archive_with_people, username):
    client.force_login(users[username])
    listing = client.get(reverse("customers:list")).content.decode()
    exported = load_workbook(io.BytesIO(client.get(reverse("customers:export")).getvalue())).active
    exported_names = {row[1] for row in exported.iter_rows(min_row=2, values_only=True)}  # column 2: 客户名称
    for grade, customer in archive_with_people.items():

        def allowed(action: str, grade: str = grade) -> bool:
            return username in EXPECTED[(grade, action)]

        where = (username, grade)
        assert (customer.name in listing) == allowed("list"), where

        detail = client.get(reverse("customers:detail", args=[customer.pk]))
        assert detail.status_code == (200 if allowed("view") else 404), where

        people = client.get(reverse("customers:detail", args=[customer.pk]) + "?tab=people")
        if allowed("view"):
            html = people.content.decode()
            if allowed("view_sensitive"):
                assert PRIVATE_PHONE in html, where
            else:
                assert PRIVATE_PHONE not in html and "139****5678" in html, where
        else:
            assert people.status_code == 404 and PRIVATE_PHONE not in people.content.decode(), where

        edit = client.get(reverse("customers:edit", args=[customer.pk]))
        assert edit.status_code == (200 if allowed("edit") else 404), where
        if not allowed("edit"):
            before = Contact.objects.filter(customer=customer).count()
            write = client.post(reverse("customers:contact_add", args=[customer.pk]), {"name": "不该存在"})
            assert write.status_code == 404, where
            assert Contact.objects.filter(customer=customer).count() == before, where

        assert (customer.name in exported_names) == allowed("export"), where


def test_a_grade_detail_reads_are_logged_with_user_time_and_grant(client, users, archive, api_for):
    import datetime

    from django.utils import timezone

    sales = users["sales"]
    client.force_login(sales)
    assert client.get(reverse("customers:detail", args=[archive["A"].pk])).status_code == 404
    created = api_for("sales").post(
        "/api/access-requests/",
        {
            "customer": archive["A"].pk,
            "purpose": "续约谈判",
            "valid_until": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
        },
        format="json",
    )
    pk = created.json()["id"]
    api_for("cs_lead").post(f"/api/access-requests/{pk}/approve/", {}, format="json")
    assert client.get(reverse("customers:detail", args=[archive["A"].pk])).status_code == 200
    entry = AccessLog.objects.filter(action="view", customer_id=archive["A"].pk).latest("id")
    assert (entry.user, entry.grant_id) == (sales, pk) and entry.at is not None and entry.ip == "127.0.0.1"

    client.get(reverse("customers:list"), {"q": "A级"})
    assert AccessLog.objects.filter(action="search", user=sales, query="A级").exists()
    client.get(reverse("customers:export"))
    assert AccessLog.objects.filter(action="export", user=sales).exists()

    api_for("cs_lead").post(f"/api/access-requests/{pk}/revoke/", {}, format="json")
    assert client.get(reverse("customers:detail", args=[archive["A"].pk])).status_code == 404


def _names(response) -> set[str]:
    return {row["name"] for row in response.json()["results"]}


@pytest.mark.parametrize("username", ROLES)
def test_matrix_through_the_api(api_for, users, archive_with_people, username):
    api = api_for(username)
    listed = _names(api.get("/api/customers/", {"page_size": 200}))
    for grade, customer in archive_with_people.items():

        def allowed(action: str, grade: str = grade) -> bool:
            return username in EXPECTED[(grade, action)]

        where = (username, grade)
        assert (customer.name in listed) == allowed("list"), where

        read = api.get(f"/api/customers/{customer.pk}/")
        assert read.status_code == (200 if allowed("view") else 404), where

        contacts = api.get("/api/contacts/", {"customer": customer.pk}).json()["results"]
        if not allowed("view"):
            assert contacts == [], where
        else:
            phones = {c["personal_phone"] for c in contacts}
            assert phones == ({PRIVATE_PHONE} if allowed("view_sensitive") else {"139****5678"}), where

        customer.refresh_from_db()
        write = api.patch(
            f"/api/customers/{customer.pk}/", {"version": customer.version, "preferences": f"由{username}修改"}
        )
        customer.refresh_from_db()
        if allowed("edit"):
            assert write.status_code == 200, (where, write.content)
            assert customer.preferences == f"由{username}修改", where
        else:
            assert write.status_code == 404, where
            assert customer.preferences != f"由{username}修改", where
            contact_write = api.post("/api/contacts/", {"customer": customer.pk, "name": "不该存在"})
            # a customer one may not edit is, for the contact's customer field, one that does not exist
            assert contact_write.status_code in (400, 403, 404), where
            assert not Contact.objects.filter(name="不该存在").exists(), where


def test_a_grade_rows_without_view_show_only_name_grade_and_owner(api_for, client, users, archive):
    customer = archive["A"]
    customer.address, customer.region, customer.phone = "上海市浦东新区机密路 1 号", "浦东新区", "021-5555-8888"
    customer.save()
    rows = api_for("sales").get("/api/customers/", {"grade": "A"}).json()["results"]
    row = next(r for r in rows if r["id"] == customer.pk)
    assert row == {
        "id": customer.pk,
        "name": "A级客户有限公司",
        "grade": "A",
        "owner": users["sales2"].pk,
        "owner_name": str(users["sales2"]),
        "restricted": True,
    }
    # A marketing manager sees the whole row through the same endpoint (六.3).
    own = api_for("mkt_mgr").get("/api/customers/", {"grade": "A"}).json()["results"]
    assert next(r for r in own if r["id"] == customer.pk)["address"] == "上海市浦东新区机密路 1 号"

    client.force_login(users["sales"])
    listing = client.get(reverse("customers:list"), {"grade": "A"}).content.decode()
    assert "A级客户有限公司" in listing and 'data-testid="request-access"' in listing
    assert "浦东新区" not in listing and customer.archive_no not in listing


def test_search_matches_a_closed_archive_on_its_name_only(api_for, archive):
    customer = archive["A"]
    customer.phone = "021-5555-8888"
    customer.save()
    from kehu.customers.services import customer_search_document

    customer.search_text = customer_search_document(customer)
    customer.save(update_fields=["search_text"])
    by_phone = api_for("sales").get("/api/customers/", {"q": "55558888"}).json()["results"]
    assert by_phone == []  # a phone fragment must not confirm whose number it is
    assert [r["id"] for r in api_for("mkt_mgr").get("/api/customers/", {"q": "55558888"}).json()["results"]] == [
        customer.pk
    ]
    by_name = api_for("sales").get("/api/customers/", {"q": "A级客户"}).json()["results"]
    assert [r["id"] for r in by_name] == [customer.pk] and by_name[0]["restricted"] is True
