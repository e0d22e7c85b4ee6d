"""The rule table is read once per process while its version stands (issue 16), and a rule saved
or deleted applies from the next request on, in every process."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import transaction

from kehu.access import policy
from kehu.access.choices import Principal
from kehu.access.models import AccessRule


def _export_rules() -> list[str]:
    return sorted(str(rule) for rule in policy._rules(SimpleNamespace()).get("export", []))


@pytest.mark.django_db(transaction=True)
def test_a_saved_or_deleted_rule_applies_on_the_next_request_and_unchanged_rules_are_not_read_again(
    django_assert_num_queries,
):
    # A transactional test may find the table as migrated or flushed (then the defaults apply): one
    # rule of its own makes what it reads the table's rows either way.
    AccessRule.objects.create(action="export", grade="C", principal=Principal.EVERYONE)
    before = _export_rules()
    with django_assert_num_queries(0):  # a second request: the rules this process already holds
        assert _export_rules() == before

    rule = AccessRule.objects.create(action="export", grade="A", principal=Principal.EVERYONE)
    added = _export_rules()
    assert str(rule) in added and len(added) == len(before) + 1

    rule.delete()
    assert _export_rules() == before


@pytest.mark.django_db(transaction=True)
def test_another_process_sees_the_change_through_the_version_in_the_shared_cache():
    _export_rules()
    held = policy._shared
    assert held is not None
    # What the signal of a change made in another process leaves behind: a new version.
    [rule] = AccessRule.objects.bulk_create([AccessRule(action="export", grade="B", principal=Principal.EVERYONE)])
    assert str(rule) not in _export_rules()  # no signal: this process does not know yet
    policy.rules_changed()
    assert cache.get(policy.RULES_VERSION_KEY) != held[0]
    assert str(rule) in _export_rules()


@pytest.mark.django_db(transaction=True)
def test_a_rule_changed_in_an_open_transaction_is_read_from_the_table(django_assert_num_queries):
    _export_rules()
    with transaction.atomic():
        AccessRule.objects.create(action="export", grade="C", principal=Principal.EVERYONE)
        with django_assert_num_queries(1):
            inside = _export_rules()
        assert any(r.startswith("export/C/") for r in inside)
        transaction.set_rollback(True)
    assert not any(r.startswith("export/C/") for r in _export_rules())  # rolled back: never applied
