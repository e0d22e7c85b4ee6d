"""The permission matrix at the policy level: every demo role x grade x action (docs/permissions.md)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kehu.access import policy
from kehu.access.models import AccessRequest, AccessRule

pytestmark = pytest.mark.django_db

ROLES = ["admin", "mkt_mgr", "mkt_dir", "sales_mgr", "sales", "sales2", "cs_lead", "cs", "tech_mgr", "tech", "quality"]
ALL = set(ROLES)
# Every customer is owned by sales2, whose manager is sales_mgr.
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("A", "list"): ALL,
    ("A", "view"): {"admin", "mkt_mgr", "mkt_dir", "sales2"},
    ("A", "view_sensitive"): {"admin", "mkt_mgr", "mkt_dir", "sales2"},
    ("A", "edit"): {"admin", "sales2"},
    ("A", "export"): {"admin", "mkt_mgr", "mkt_dir", "sales2"},
}
for _grade in ("B", "C"):
    EXPECTED[(_grade, "list")] = ALL
    EXPECTED[(_grade, "view")] = ALL
    EXPECTED[(_grade, "view_sensitive")] = {"admin", "mkt_mgr", "mkt_dir", "sales_mgr", "sales2", "cs_lead", "cs"}
    EXPECTED[(_grade, "edit")] = {"admin", "sales_mgr", "sales2"}
    EXPECTED[(_grade, "export")] = ALL - {"tech"}


@pytest.mark.parametrize("action", policy.ACTIONS)
@pytest.mark.parametrize("grade", ["A", "B", "C"])
def test_matrix(users, archive, grade, action):
    customer = archive[grade]
    allowed = {name for name in ROLES if policy.can(users[name], action, customer)}
    assert allowed == EXPECTED[(grade, action)]
    listed = {name for name in ROLES if customer in policy.customers_for(users[name], action)}
    assert listed == allowed


def test_inactive_and_anonymous_users_get_nothing(users, archive):
    from django.contrib.auth.models import AnonymousUser

    users["admin"].is_active = False
    assert not policy.customers_for(users["admin"], "list").exists()
    assert not policy.customers_for(AnonymousUser(), "list").exists()


def test_unknown_action_is_an_error(users):
    with pytest.raises(ValueError, match="unknown action"):
        policy.customers_for(users["sales"], "delete")


def _fresh(user):
    """The user object of the next request (rules are read once per request user)."""
    return type(user).objects.get(pk=user.pk)


def test_rules_are_data_deactivating_a_rule_changes_access(users, archive):
    assert policy.can(users["cs"], "view_sensitive", archive["B"])
    AccessRule.objects.filter(action="view_sensitive", department="customer_service").update(is_active=False)
    assert not policy.can(_fresh(users["cs"]), "view_sensitive", archive["B"])
    AccessRule.objects.create(action="view", grade="A", principal="role", department="tech_support", min_level=20)
    assert policy.can(_fresh(users["tech_mgr"]), "view", archive["A"])
    assert not policy.can(_fresh(users["tech"]), "view", archive["A"])


def test_admin_rule_change_applies_from_the_next_request(client, users, archive):
    assert policy.can(users["cs"], "view_sensitive", archive["B"])
    rule = AccessRule.objects.get(action="view_sensitive", department="customer_service")
    client.force_login(users["admin"])
    form = {"action": rule.action, "grade": "", "principal": rule.principal, "department": rule.department}
    response = client.post(f"/admin/access/accessrule/{rule.pk}/change/", {**form, "min_level": 10, "note": "停用"})
    assert response.status_code == 302
    assert not policy.can(_fresh(users["cs"]), "view_sensitive", archive["B"])


def test_one_page_reads_the_rules_once(users, archive, django_assert_num_queries):
    user = _fresh(users["sales2"])
    with django_assert_num_queries(4):  # the rules once, then one query per question
        for action in ("view", "edit", "view_sensitive"):
            assert policy.can(user, action, archive["A"])


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
    assert policy.can(sales, "view", archive["A"])
    assert policy.can(sales, "export", archive["A"])
    assert not policy.can(sales, "view_sensitive", archive["A"])  # scope archive: personal fields stay masked
    assert not policy.can(sales, "edit", archive["A"])  # grants never add edit
    AccessRequest.objects.filter(pk=grant.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    assert not policy.can(sales, "view", archive["A"])


def test_sensitive_grant_and_revocation(users, archive):
    sales = users["sales"]
    grant = _grant(users, archive["A"], scope="sensitive")
    assert policy.can(sales, "view_sensitive", archive["A"])
    AccessRequest.objects.filter(pk=grant.pk).update(status="revoked", revoked_at=timezone.now())
    assert not policy.can(sales, "view", archive["A"])


def test_pending_or_rejected_requests_grant_nothing(users, archive):
    _grant(users, archive["A"], status="pending")
    _grant(users, archive["A"], status="rejected")
    assert not policy.can(users["sales"], "view", archive["A"])


def test_grant_is_for_the_requester_only(users, archive):
    _grant(users, archive["A"])
    assert not policy.can(users["tech"], "view", archive["A"])


def test_scope_is_one_query_with_exists_and_no_python_loop(users, archive, django_assert_max_num_queries):
    # One query reads the rules, one runs the scoped customer query, whatever the archive size.
    with django_assert_max_num_queries(2):
        ids = list(policy.customers_for(users["sales"], "view").values_list("pk", flat=True))
    assert set(ids) == {archive["B"].pk, archive["C"].pk}
    with CaptureQueriesContext(connection) as ctx:
        list(policy.customers_for(users["sales"], "view_sensitive").values_list("pk", flat=True))
    assert "EXISTS" in ctx.captured_queries[-1]["sql"].upper()


def test_export_row_cap(users, settings):
    settings.KEHU = {**settings.KEHU, "EXPORT_ROW_CAP_STAFF": 123}
    assert policy.export_row_cap(users["sales"]) == 123
    assert policy.export_row_cap(users["sales_mgr"]) is None
    assert policy.export_row_cap(users["admin"]) is None


def test_an_empty_rule_table_falls_back_to_the_defaults_but_inactive_rules_deny(users, archive):
    AccessRule.objects.all().delete()
    assert policy.can(_fresh(users["sales"]), "view", archive["B"])
    assert not policy.can(_fresh(users["sales"]), "view", archive["A"])
    AccessRule.objects.create(action="list", grade="", principal="everyone", is_active=False)
    assert not policy.can(_fresh(users["sales"]), "view", archive["B"])
