"""The permission matrix at the policy level: every demo role x grade x action (docs/permissions.md)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kehu.access import policy, roles
from kehu.access.models import AccessRequest, AccessRule
from kehu.access.scoping import allows
from kehu.customers.models import Customer

pytestmark = pytest.mark.django_db

ROLES = [
    "admin",
    "mkt_mgr",
    "mkt_dir",
    "mkt",
    "sales_mgr",
    "sales",
    "sales2",
    "cs_lead",
    "cs",
    "tech_mgr",
    "tech",
    "quality",
]
ALL = set(ROLES)
# Every customer is owned by sales2, whose manager is sales_mgr. docs/permissions.md quotes the policy
# line behind each cell (客户档案管理方案 六.3, 六.4, 七.1; 客户回访制度细则 二.1–2).
A_READERS = {"admin", "mkt_mgr", "mkt_dir"}  # 六.3: marketing managers and above
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("A", "list"): ALL,
    ("A", "view"): A_READERS,
    ("A", "view_sensitive"): A_READERS,
    ("A", "edit"): A_READERS,  # 七.1 + 六.3: marketing keeps A-grade archives from manager level
    ("A", "export"): A_READERS,
}
for _grade in ("B", "C"):
    EXPECTED[(_grade, "list")] = ALL
    # marketing keeps it, customer service supports the visits, the account manager visits; others ask (六.4)
    EXPECTED[(_grade, "view")] = {"admin", "mkt_mgr", "mkt_dir", "mkt", "cs_lead", "cs", "sales2"}
    EXPECTED[(_grade, "view_sensitive")] = {"admin", "mkt_mgr", "mkt_dir", "cs_lead", "cs", "sales2"}
    EXPECTED[(_grade, "edit")] = {"admin", "mkt_mgr", "mkt_dir", "mkt"}
    EXPECTED[(_grade, "export")] = {"admin", "mkt_mgr", "mkt_dir", "mkt", "cs_lead", "cs", "sales2"}


def can(user, action, customer):
    return allows(user, action, customer)


def customers_for(user, action):
    return Customer.objects.restrict(user, action)


@pytest.mark.parametrize("action", policy.ACTIONS)
@pytest.mark.parametrize("grade", ["A", "B", "C"])
def test_matrix(users, archive, grade, action):
    customer = archive[grade]
    allowed = {name for name in ROLES if can(users[name], action, customer)}
    assert allowed == EXPECTED[(grade, action)]
    listed = {name for name in ROLES if customer in customers_for(users[name], action)}
    assert listed == allowed


def test_convenience_rules_ship_inactive_and_work_when_an_admin_enables_them(users, archive):
    """A rule the product adds for convenience (the account manager opening their own A-grade
    customer) is data, off by default, and documented as an option."""
    rule = AccessRule.objects.get(action="view", grade="A", principal="owner")
    assert not rule.is_active and "便利选项" in rule.note
    assert not can(users["sales2"], "view", archive["A"])
    AccessRule.objects.filter(pk=rule.pk).update(is_active=True)
    assert can(_fresh(users["sales2"]), "view", archive["A"])
    assert not can(_fresh(users["sales"]), "view", archive["A"])  # only the owner


def test_inactive_and_anonymous_users_get_nothing(users, archive):
    from django.contrib.auth.models import AnonymousUser

    users["admin"].is_active = False
    assert not customers_for(users["admin"], "list").exists()
    assert not customers_for(AnonymousUser(), "list").exists()


def test_unknown_action_is_an_error(users):
    with pytest.raises(ValueError, match="has no action"):
        customers_for(users["sales"], "delete")


def _fresh(user):
    """The user object of the next request (rules are read once per request user)."""
    return type(user).objects.get(pk=user.pk)


def test_rules_are_data_deactivating_a_rule_changes_access(users, archive):
    assert can(users["cs"], "view_sensitive", archive["B"])
    AccessRule.objects.filter(action="view_sensitive", department="customer_service").update(is_active=False)
    assert not can(_fresh(users["cs"]), "view_sensitive", archive["B"])
    AccessRule.objects.create(action="view", grade="A", principal="role", department="tech_support", min_level=20)
    assert can(_fresh(users["tech_mgr"]), "view", archive["A"])
    assert not can(_fresh(users["tech"]), "view", archive["A"])


def test_admin_rule_change_applies_from_the_next_request(client, users, archive):
    assert can(users["cs"], "view_sensitive", archive["B"])
    rule = AccessRule.objects.get(action="view_sensitive", department="customer_service")
    client.force_login(users["admin"])
    form = {"action": rule.action, "grade": "", "principal": rule.principal, "department": rule.department}
    response = client.post(f"/admin/access/accessrule/{rule.pk}/change/", {**form, "min_level": 10, "note": "停用"})
    assert response.status_code == 302
    assert not can(_fresh(users["cs"]), "view_sensitive", archive["B"])


def test_one_page_asks_once_for_all_its_rights(users, archive, django_assert_num_queries):
    from kehu.access.scoping import customer_rights

    user = _fresh(users["mkt_mgr"])
    with django_assert_num_queries(1):  # the rules; they give every customer for all three: no probe
        assert customer_rights(user, archive["A"].pk, ("view", "edit", "view_sensitive")) == {
            "view",
            "edit",
            "view_sensitive",
        }
    user = _fresh(users["sales2"])  # their own B customer: rules on the row's grade and owner
    with django_assert_num_queries(2):  # the rules once, then one query for view, edit and view_sensitive
        assert customer_rights(user, archive["B"].pk, ("view", "edit", "view_sensitive")) == {
            "view",
            "view_sensitive",
        }


@pytest.mark.parametrize("grade", ["A", "B", "C"])
def test_the_one_query_rights_agree_with_the_matrix(users, archive, grade):
    from kehu.access.scoping import customer_rights

    actions = tuple(policy.ACTIONS)
    for name in ROLES:
        expected = {action for action in actions if name in EXPECTED[(grade, action)]}
        assert customer_rights(_fresh(users[name]), archive[grade].pk, actions) == expected, name


def _grant(users, customer, *, scope="archive", days=3, **extra):
    return AccessRequest.objects.create(
        requester=users["sales"],
        customer=customer,
        purpose="报价准备",
        scope=scope,
        valid_until=timezone.localdate() + datetime.timedelta(days=days),
        status=extra.pop("status", "approved"),
        decided_by=users["cs_lead"],
        **extra,
    )


def test_a_grant_opens_one_archive_until_it_lapses(users, archive):
    sales = users["sales"]
    grant = _grant(users, archive["A"])
    assert can(sales, "view", archive["A"])
    assert can(sales, "export", archive["A"])
    assert not can(sales, "view_sensitive", archive["A"])  # scope archive: personal fields stay masked
    assert not can(sales, "edit", archive["A"])  # grants never add edit
    AccessRequest.objects.filter(pk=grant.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    assert not can(sales, "view", archive["A"])


def test_sensitive_grant_and_revocation(users, archive):
    sales = users["sales"]
    grant = _grant(users, archive["A"], scope="sensitive")
    assert can(sales, "view_sensitive", archive["A"])
    AccessRequest.objects.filter(pk=grant.pk).update(status="revoked", revoked_at=timezone.now())
    assert not can(sales, "view", archive["A"])


def test_pending_or_rejected_requests_grant_nothing(users, archive):
    _grant(users, archive["A"], status="pending")
    _grant(users, archive["A"], status="rejected")
    assert not can(users["sales"], "view", archive["A"])


def test_grant_is_for_the_requester_only(users, archive):
    _grant(users, archive["A"])
    assert not can(users["tech"], "view", archive["A"])


def test_scope_is_one_query_with_the_grants_inside_and_no_python_loop(users, archive, django_assert_max_num_queries):
    # One query reads the rules, one runs the scoped customer query, whatever the archive size.
    with django_assert_max_num_queries(2):
        ids = list(customers_for(users["sales"], "view").values_list("pk", flat=True))
    assert set(ids) == set()  # sales is not the owner: other departments ask customer service (六.4)
    with CaptureQueriesContext(connection) as ctx:
        list(customers_for(users["sales"], "view_sensitive").values_list("pk", flat=True))
    assert "access_accessrequest" in ctx.captured_queries[-1]["sql"]  # the grants, probed in the same query


def test_who_may_view_every_grade_gets_no_customer_condition_and_no_grant_probe(users, archive):
    """A marketing manager views A (六.3), B and C: their lists carry no customer condition at all."""
    from kehu.servicedesk.models import Complaint

    manager = _fresh(users["mkt_mgr"])
    assert policy.customer_q(manager, "view") is policy.ALL
    sql = str(Complaint.objects.restrict(manager, "view").query)
    assert "customers_customer" not in sql and "access_accessrequest" not in sql
    assert set(customers_for(manager, "view")) == set(archive.values())


def test_an_owners_child_rows_are_scoped_on_the_joined_customer_not_a_subquery_over_all(users, archive):
    """sales2 owns the archive: rule terms become conditions on the joined customer (owner, grade) and
    the grants their own IN over the user's grants, so the database can use its indexes."""
    from kehu.engagement.models import ContactPlan

    owner = _fresh(users["sales2"])
    sql = str(ContactPlan.objects.restrict(owner, "view").query)
    assert 'FROM "customers_customer"' not in sql.split("WHERE", 1)[1]  # no subquery over the customers
    assert "access_accessrequest" in sql  # the grant term, on its own


def test_export_row_cap(users, settings):
    settings.KEHU = {**settings.KEHU, "EXPORT_ROW_CAP_STAFF": 123}
    assert roles.export_row_cap(users["sales"]) == 123
    assert roles.export_row_cap(users["sales_mgr"]) is None
    assert roles.export_row_cap(users["admin"]) is None


def test_an_empty_rule_table_falls_back_to_the_defaults_but_inactive_rules_deny(users, archive):
    AccessRule.objects.all().delete()
    assert can(_fresh(users["sales2"]), "view", archive["B"])
    assert not can(_fresh(users["sales2"]), "view", archive["A"])
    AccessRule.objects.create(action="view", grade="B", principal="owner", is_active=False)
    assert not can(_fresh(users["sales2"]), "view", archive["B"])
