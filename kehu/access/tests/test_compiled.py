"""access.compiled: a detail read's statement is compiled once per user and never outlives what it
was built from (the rules, the user's roles, the day); grants count at once (issue 16).

Transactional: inside a transaction nothing is kept (rules read there may roll back), so these
tests commit as a web request does.
"""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
from django.db import transaction
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from kehu.access import compiled
from kehu.access.choices import Principal
from kehu.access.compiled import get_restricted
from kehu.access.models import AccessRequest, AccessRule
from kehu.access.scoping import customer_rights
from kehu.accounts.models import User
from kehu.customers.models import Contact, Customer
from kehu.customers.services import contact_create
from kehu.servicedesk.models import Complaint

pytestmark = pytest.mark.django_db(transaction=True)
ACTIONS = ("list", "view", "view_sensitive", "edit", "export")


@pytest.fixture(autouse=True)
def _no_statements_between_tests() -> Any:
    compiled.forget()
    yield
    compiled.forget()


def _next_request(user: Any) -> Any:
    """The user as the next request loads it (the rules a request read are kept on its user object)."""
    return User.objects.get(pk=user.pk)


def _row(customer: Any) -> dict[str, Any]:
    return {field.attname: getattr(customer, field.attname) for field in Customer._meta.concrete_fields}


def _orm(user: Any, action: str, pk: int) -> Any:
    return Customer.objects.restrict(user, action).filter(pk=pk).first()


def _compiles() -> Any:
    return mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql)


def test_it_answers_as_restrict_does_for_every_demo_user_action_and_grade(users, archive):
    outcomes = set()
    for name, user in users.items():
        for action in ACTIONS:
            for grade, customer in archive.items():
                expected = _orm(user, action, customer.pk)
                for _twice in range(2):  # compiled, then kept
                    got = get_restricted(Customer, user, action, customer.pk)
                    assert (got is None) == (expected is None), (name, action, grade)
                    if got is not None:
                        assert _row(got) == _row(expected)
                outcomes.add(expected is None)
    assert outcomes == {True, False}  # the matrix has both answers, so a constant would fail it


def test_a_contacts_encrypted_fields_come_back_decrypted(users, archive):
    contact = contact_create(actor=users["mkt"], customer=archive["B"], name="王五", hobbies="围棋")
    for _twice in range(2):
        assert get_restricted(Contact, users["sales2"], "view", contact.pk).hobbies == "围棋"
    assert get_restricted(Contact, users["sales"], "view", contact.pk) is None  # a colleague's customer


def test_the_second_read_is_one_query_and_compiles_nothing(users, archive, django_assert_num_queries):
    sales2 = users["sales2"]
    get_restricted(Customer, sales2, "view", archive["C"].pk)
    with _compiles() as as_sql, django_assert_num_queries(1):
        assert get_restricted(Customer, sales2, "view", archive["B"].pk).pk == archive["B"].pk
    assert as_sql.call_count == 0


def test_a_grant_counts_at_once_and_so_does_its_revocation(users, archive):
    sales, customer = users["sales"], archive["A"]
    assert get_restricted(Customer, sales, "view", customer.pk) is None  # compiled without a grant
    grant = AccessRequest.objects.create(
        requester=sales,
        customer=customer,
        purpose="报价准备",
        scope="archive",
        valid_until=timezone.localdate() + datetime.timedelta(days=3),
        status="approved",
        decided_by=users["cs_lead"],
    )
    assert get_restricted(Customer, sales, "view", customer.pk).pk == customer.pk
    grant.revoked_at = timezone.now()
    grant.save()
    assert get_restricted(Customer, sales, "view", customer.pk) is None


def test_a_rule_change_applies_from_the_next_request(users, archive):
    sales, customer = users["sales"], archive["A"]
    assert get_restricted(Customer, sales, "view", customer.pk) is None
    AccessRule.objects.create(action="view", grade="A", principal=Principal.EVERYONE)
    assert get_restricted(Customer, _next_request(sales), "view", customer.pk).pk == customer.pk


def test_a_new_level_or_department_applies_from_the_next_request(users, archive):
    sales, customer = users["sales"], archive["A"]
    seen = []
    for change in ({}, {"department": "marketing"}, {"level": users["mkt_mgr"].level}, {"department": "sales"}):
        for name, value in change.items():
            setattr(sales, name, value)
        sales.save()
        user = _next_request(sales)
        got = get_restricted(Customer, user, "view", customer.pk)
        assert (got is None) == (_orm(user, "view", customer.pk) is None), change
        seen.append(got is not None)
    assert seen == [False, False, True, False]  # each change of level or department alone counted
    sales.is_active = False
    sales.save()
    assert get_restricted(Customer, _next_request(sales), "view", customer.pk) is None


def test_nothing_read_inside_a_transaction_is_kept(users, archive):
    with transaction.atomic():
        assert get_restricted(Customer, users["sales2"], "view", archive["B"].pk).pk == archive["B"].pk
    assert not compiled._statements


def test_a_scope_with_its_own_callables_is_read_through_the_orm(users, archive):
    assert get_restricted(Complaint, users["cs"], "view", 1) is None
    assert not compiled._statements


def test_an_id_out_of_range_is_not_found_and_breaks_nothing(users, archive):
    for pk in (0, -1, 2**63, 2**70):
        assert get_restricted(Customer, users["admin"], "view", pk) is None
    assert get_restricted(Customer, users["admin"], "view", archive["A"].pk).pk == archive["A"].pk


def _rights_by_orm(user: Any, pk: int) -> set[str]:
    return {action for action in ACTIONS if _orm(user, action, pk) is not None}


def test_customer_rights_answer_as_restrict_does_and_the_second_page_compiles_nothing(
    users, archive, django_assert_max_num_queries
):
    held = set()
    for name, user in users.items():
        for grade, customer in archive.items():
            expected = _rights_by_orm(user, customer.pk)
            assert customer_rights(user, customer.pk, ACTIONS) == expected, (name, grade)
            with _compiles() as as_sql, django_assert_max_num_queries(1):
                assert customer_rights(user, customer.pk, ACTIONS) == expected, (name, grade)
            assert as_sql.call_count == 0
            held.add(frozenset(expected))
    assert len(held) >= 3  # several different answers: a constant would fail
