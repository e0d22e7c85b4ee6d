"""The access layer as one piece (issue: one access layer for every record).

- every customer-owned model declares its scope, and every API viewset of one is restricted;
- every page and endpoint of the URL conf, walked as each demo role with real ids, answers without
  an unrestricted read (the scope guard raises on one) and shows no personal value of a person
  whose data the role may not read;
- the service desk handles A-grade cases (cs -> cs_lead -> the routed department), while the
  case page links to the archive only where the archive rule allows;
- side doors: the care calendar's birthdays, the duplicate check, the contacts API, enumeration
  of customer ids;
- every read of a personal field writes one access-log row, counted per path.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.exceptions import PermissionDenied as APIDenied
from rest_framework.test import APIRequestFactory, force_authenticate

from kehu.access import scoping
from kehu.access.models import AccessLog
from kehu.customers import services as customer_services
from kehu.customers.models import Contact, Customer
from kehu.engagement.models import BoardItem, CareItem, FollowUp
from kehu.servicedesk import services as desk_services

from .test_policy_matrix import EXPECTED, ROLES

pytestmark = pytest.mark.django_db

PRIVATE_PHONE = "13912345678"
BIRTH_DATE = "1975-08-16"


# --- declarations ---------------------------------------------------------------------------------


def _points_at_customer_data(model: Any, seen: set[Any] | None = None) -> bool:
    """A model with a foreign key to the customer or to a customer-owned model."""
    seen = seen or set()
    for field in model._meta.get_fields():
        target = getattr(field, "related_model", None)
        if not getattr(field, "many_to_one", False) and not getattr(field, "one_to_one", False):
            continue
        if target is None or not getattr(field, "concrete", False):
            continue
        if target._meta.label == "customers.Customer":
            return True
        if isinstance(getattr(target, "access_scope", None), scoping.Scope) and target not in seen:
            return True
    return False


# Models that point at a customer but hold no customer data of their own, with the reason.
NOT_CUSTOMER_DATA = {
    "engagement.Reminder": "a sent-marker keyed by id (no customer data)",
}


def test_every_customer_owned_model_declares_its_scope():
    missing = []
    for model in apps.get_models():
        label = model._meta.label
        if label.startswith("customers.Historical") or "Historical" in model.__name__:
            continue  # history rows: read only by auditors through access.selectors.change_history_for
        if label in NOT_CUSTOMER_DATA or (not label.startswith("kehu") and label.split(".")[0] not in _kehu_apps()):
            continue
        if _points_at_customer_data(model) and not isinstance(getattr(model, "access_scope", None), scoping.Scope):
            missing.append(label)
    assert missing == []


def _kehu_apps() -> set[str]:
    return {config.label for config in apps.get_app_configs() if config.name.startswith("kehu.")}


def _api_viewsets() -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []

    def walk(patterns: Any, prefix: str = "") -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                cls = getattr(entry.callback, "cls", None)
                actions = getattr(entry.callback, "actions", None)
                if cls is not None and actions:
                    found.append((prefix + str(entry.pattern), entry.callback))

    walk(get_resolver().url_patterns)
    return found


def _queryset_or_none(view: Any) -> Any:
    """A view without a queryset of its own (schema, auth, statistics) holds no records to restrict."""
    try:
        return view.get_queryset()
    except (AssertionError, AttributeError, NotImplementedError, KeyError, TypeError, PermissionDenied, APIDenied):
        return None


def test_every_api_viewset_of_customer_data_is_restricted(users):
    """Walks the API router: get_queryset() of every list/detail route of a customer-owned model
    returns a queryset that went through restrict(user, action) for the requesting user."""
    factory = APIRequestFactory()
    checked = []
    for route, callback in _api_viewsets():
        cls = callback.cls
        for method, action in callback.actions.items():
            if method != "get":
                continue
            request = factory.get("/")
            force_authenticate(request, users["cs"])
            view = cls(**getattr(callback, "initkwargs", {}))
            view.action_map = callback.actions
            view.action = action
            view.args, view.kwargs, view.format_kwarg = (), {"pk": "1"}, None
            view.request = view.initialize_request(request)
            queryset = _queryset_or_none(view)
            model = getattr(queryset, "model", None)
            if model is None or not isinstance(getattr(model, "access_scope", None), scoping.Scope):
                continue
            checked.append(route)
            assert getattr(queryset, "is_restricted", False), f"{route} ({action}) reads {model.__name__} unrestricted"
            assert queryset.restricted_for[0] == users["cs"].pk, route
    assert len(checked) >= 10, checked


# --- data for the walk ------------------------------------------------------------------------------


@pytest.fixture
def world(users, archive):
    """Per grade: a key person with personal data, a transaction, a document, a complaint routed to
    quality, a ticket, a demand, a follow-up, a birthday care item and a board card."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin = users["admin"]
    made: dict[str, dict[str, Any]] = {}
    for grade, customer in archive.items():
        contact = customer_services.contact_create(
            actor=admin, customer=customer, name=f"{grade}关键人", personal_phone=PRIVATE_PHONE, birth_date=BIRTH_DATE
        )
        customer_services.transaction_create(actor=admin, customer=customer, occurred_on=dt.date(2026, 3, 1), amount=9)
        version = customer_services.document_upload(
            actor=admin, customer=customer, title="合同", file=SimpleUploadedFile("c.pdf", b"%PDF-1.4")
        )
        complaint = desk_services.complaint_create(
            actor=users["cs"],
            customer=customer,
            channel="phone",
            reason="设备故障",
            contact_name="王经理",
            contact_phone="021-55550000",
        )
        desk_services.transition(
            "complaint",
            actor=users["cs"],
            record=complaint,
            name="analyse",
            data={"responsible": True, "nature": "general", "deadline_told": True},
            version=complaint.version,
        )
        complaint.refresh_from_db()
        desk_services.transition(
            "complaint",
            actor=users["cs_lead"],
            record=complaint,
            name="route",
            data={"main_cause": "来料", "responsible_department": "quality"},
            version=complaint.version,
        )
        ticket = desk_services.ticket_create(
            actor=users["cs"], customer=customer, title="宕机", description="x", urgency="high"
        )
        demand = desk_services.demand_create(actor=users["cs"], customer=customer, description="新功能", type="feature")
        followup = FollowUp.objects.create(
            customer=customer, type="existing_periodic", responsible="owner", assignee=users["sales2"],
            due_on=dt.date(2026, 12, 10),
        )  # fmt: skip
        care = CareItem.objects.create(
            customer=customer, contact=contact, kind="birthday", occasion="生日", occasion_on=dt.date(2026, 8, 16),
            plan_on=dt.date(2026, 8, 9), assignee=users["sales2"], key=f"{customer.pk}:{contact.pk}:birthday",
        )  # fmt: skip
        board = BoardItem.objects.create(
            owner=users["cs"], title=f"{grade}跟进", planned_on=dt.date(2026, 12, 2), customer=customer
        )
        made[grade] = {
            "customer": customer,
            "contact": contact,
            "version": version,
            "complaint": complaint,
            "ticket": ticket,
            "demand": demand,
            "followup": followup,
            "care": care,
            "board": board,
        }
    return made


# --- the walk ---------------------------------------------------------------------------------------

# URL kwargs -> the record of a grade whose id fills them in.
KWARG_SOURCES = {
    "pk": None,  # decided by the route's app (see _pk_for)
    "contact_pk": "contact",
    "contact_id": "contact",
    "version_pk": "version",
}
SKIP_ROUTES = re.compile(r"^(admin/|api/schema|api/docs|static/|media/|accounts/logout|i18n/)")


def _routes() -> list[tuple[str, Any]]:
    routes: list[tuple[str, Any]] = []

    def walk(patterns: Any, prefix: str = "", namespace: str = "") -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), ns or "")
            elif isinstance(entry, URLPattern):
                routes.append((prefix + str(entry.pattern), entry))

    walk(get_resolver().url_patterns)
    return routes


def _pk_for(route: str, records: dict[str, Any]) -> Any:
    for key, name in (
        ("complaint", "complaint"),
        ("ticket", "ticket"),
        ("demand", "demand"),
        ("followup", "followup"),
        ("care", "care"),
        ("board", "board"),
        ("document", "version"),
        ("contact", "contact"),
    ):
        if key in route:
            return records[name].pk
    return records["customer"].pk


def _fill(route: str, records: dict[str, Any]) -> str | None:
    path = route.lstrip("^").rstrip("$")
    path = re.sub(r"\(\?P<(\w+)>[^)]+\)", r"<\1>", path)

    def value(match: re.Match[str]) -> str:
        name = match.group(match.lastindex or 1)
        if name in ("kind",):
            return "complaint"
        if name in ("fmt", "format"):
            return "json"
        if name == "form":
            return "record"
        source = KWARG_SOURCES.get(name)
        if source:
            return str(records[source].pk)
        return str(_pk_for(route, records))

    filled = re.sub(r"<(?:\w+:)?(\w+)>", value, path)
    if "<" in filled or "(" in filled:
        return None
    return "/" + filled


@pytest.mark.parametrize("username", ROLES)
def test_every_page_and_endpoint_holds_under_the_guard_and_leaks_no_personal_value(client, users, world, username):
    """GET every route with the ids of each grade's records: no unrestricted read (the guard raises,
    which would be a 500 here), and the private phone / birth date of a person appears only where
    the role may read that customer's personal data."""
    client.force_login(users[username])
    visited = 0
    for route, _entry in _routes():
        if SKIP_ROUTES.match(route.lstrip("^")):
            continue
        for grade, records in world.items():
            url = _fill(route, records)
            if url is None:
                continue
            response = client.get(url, follow=False)
            visited += 1
            assert response.status_code < 500, (username, url)
            if response.get("Content-Type", "").startswith(("text/", "application/json")) and not getattr(
                response, "streaming", False
            ):
                body = response.content.decode(errors="replace")
                may_read = username in EXPECTED[(grade, "view_sensitive")]
                if not may_read and records["customer"].name not in ("",):
                    assert PRIVATE_PHONE not in body, (username, url)
                    assert BIRTH_DATE not in body, (username, url)
    assert visited > 50


# --- the service desk serves every customer ------------------------------------------------------


def test_the_complaint_loop_runs_for_an_a_grade_customer(api_for, client, users, archive):
    """客户投诉处理方案 三.1: customer service accepts every complaint; 五.2: the supervisor sends the
    handling sheet to the responsible department, which works on it."""
    customer = archive["A"]
    cs = api_for("cs")
    created = cs.post(
        "/api/complaints/", {"customer": customer.pk, "channel": "phone", "reason": "交付延迟"}, format="json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    steps = [
        ("cs", "analyse", {"responsible": True, "nature": "general", "deadline_told": True}),
        ("cs_lead", "route", {"main_cause": "来料", "responsible_department": "quality"}),
        ("quality", "submit_plan", {"plan": "更换批次"}),
        ("cs_lead", "approve_plan", {"note": "同意"}),
    ]
    for who, name, data in steps:
        version = api_for(who).get(f"/api/complaints/{pk}/").json()["version"]
        answer = api_for(who).post(f"/api/complaints/{pk}/{name}/", {**data, "version": version}, format="json")
        assert answer.status_code == 200, (who, name, answer.content)
    client.force_login(users["quality"])
    page = client.get(reverse("servicedesk:complaint_detail", args=[pk]))
    body = page.content.decode()
    assert page.status_code == 200 and customer.name in body
    assert 'data-testid="customer-link"' not in body  # quality may not open the A-grade archive
    client.force_login(users["mkt_mgr"])
    assert (
        'data-testid="customer-link"' in client.get(reverse("servicedesk:complaint_detail", args=[pk])).content.decode()
    )


def test_technical_support_sees_every_ticket(api_for, users, world):
    ids = {record["ticket"].pk for record in world.values()}
    assert {t["id"] for t in api_for("tech").get("/api/tickets/").json()["results"]} == ids
    assert api_for("sales").get("/api/tickets/").json()["results"] == []


def test_hidden_and_missing_customer_ids_get_the_same_answer(api_for, archive):
    sales = api_for("sales")
    hidden = sales.post("/api/complaints/", {"customer": archive["A"].pk, "channel": "phone", "reason": "x"})
    missing = sales.post("/api/complaints/", {"customer": 999999, "channel": "phone", "reason": "x"})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["customer"][0].replace(str(archive["A"].pk), "N") == missing.json()["customer"][0].replace(
        "999999", "N"
    )
    for url in ("/api/customers/{}/", "/api/complaints/{}/"):
        assert sales.get(url.format(archive["A"].pk)).status_code == sales.get(url.format(999999)).status_code == 404


# --- side doors ---------------------------------------------------------------------------------------


def test_birthday_care_items_need_the_sensitive_right(api_for, client, users, world):
    """A birthday is a key person's birth date: the care calendar shows it only to those who may read
    personal data (and logs the read); everyone else sees no birthday item at all."""
    birthday_ids = {record["care"].pk for record in world.values()}
    seen_by_tech = {item["id"] for item in api_for("tech").get("/api/care-items/").json()["results"]}
    assert not (seen_by_tech & birthday_ids)
    seen_by_cs = {item["id"] for item in api_for("cs").get("/api/care-items/").json()["results"]}
    assert seen_by_cs & birthday_ids == {world["B"]["care"].pk, world["C"]["care"].pk}


def test_the_duplicate_check_does_not_name_a_hidden_customer(client, users, archive):
    hidden = archive["A"]
    Customer.objects.filter(pk=hidden.pk).update(phone="021-68881234", phone_digits="02168881234")
    client.force_login(users["sales"])
    form = {"name": "新公司", "phone": "021-6888-1234", "deal_probability": 50}
    response = client.post(reverse("customers:create"), {**form, "industry_standing": "other", "nature": "private"})
    body = response.content.decode()
    assert 'data-testid="hidden-duplicate"' in body
    assert hidden.name not in body and hidden.archive_no not in body
    assert AccessLog.objects.filter(user=users["sales"], detail__via="duplicate_check").exists()
    assert not Customer.objects.filter(name="新公司").exists()


# --- every personal read is logged -------------------------------------------------------------------


def _sensitive_rows(user: Any, action: str = "view_sensitive") -> int:
    return AccessLog.objects.unscoped("test").filter(user=user, action=action).count()


def test_every_read_of_a_personal_field_writes_one_log_row_per_path(client, api_for, users, world):
    cs = users["cs"]
    customer, contact = world["B"]["customer"], world["B"]["contact"]
    client.force_login(cs)
    paths = {
        "page:people": lambda: client.get(reverse("customers:detail", args=[customer.pk]), {"tab": "people"}),
        "api:contacts list": lambda: api_for("cs").get("/api/contacts/", {"customer": customer.pk}),
        "api:contact detail": lambda: api_for("cs").get(f"/api/contacts/{contact.pk}/"),
        "page:person export": lambda: client.get(reverse("customers:person_export", args=[contact.pk, "json"])),
    }
    for name, read in paths.items():
        before = (
            _sensitive_rows(cs) + AccessLog.objects.unscoped("test").filter(user=cs, action="person_export").count()
        )
        response = read()
        assert response.status_code == 200, name
        after = _sensitive_rows(cs) + AccessLog.objects.unscoped("test").filter(user=cs, action="person_export").count()
        assert after - before == 1, name
    # Without the right nothing is revealed, so nothing is logged as a sensitive read.
    mkt = users["mkt"]
    client.force_login(mkt)
    client.get(reverse("customers:detail", args=[customer.pk]), {"tab": "people"})
    api_for("mkt").get("/api/contacts/", {"customer": customer.pk})
    assert _sensitive_rows(mkt) == 0


def test_api_reads_of_customer_records_are_logged_like_the_pages(api_for, users, world):
    sales2 = users["sales2"]
    customer = world["B"]["customer"]
    before = AccessLog.objects.unscoped("test").filter(user=sales2).count()
    api_for("sales2").get("/api/contacts/", {"customer": customer.pk})
    api_for("sales2").get("/api/transactions/", {"customer": customer.pk})
    assert AccessLog.objects.unscoped("test").filter(user=sales2, action="api_read").count() >= 2
    assert AccessLog.objects.unscoped("test").filter(user=sales2).count() > before


def test_a_denied_write_changes_nothing(api_for, users, world):
    contact = world["A"]["contact"]
    for username in ROLES:
        if username in EXPECTED[("A", "edit")]:
            continue
        api = api_for(username)
        answer = api.post("/api/contacts/", {"customer": world["A"]["customer"].pk, "name": f"{username}写入"})
        assert answer.status_code in (400, 403, 404), username
        assert not Contact.objects.unscoped("test").filter(name=f"{username}写入").exists(), username
    contact.refresh_from_db()
    assert contact.personal_phone == PRIVATE_PHONE
