"""The batch bars' user <select> is rendered once per language and user list (issue 16)."""

from __future__ import annotations

import pytest
from django.template import engines
from django.utils import translation

from kehu.accounts.models import User

pytestmark = pytest.mark.django_db


def _render(kind: str) -> str:
    return engines["django"].from_string("{% load workbench %}{% owner_select kind %}").render({"kind": kind})


def test_the_select_is_read_once_and_shows_a_new_colleague_at_once(users, django_assert_num_queries):
    first = _render("transfer")
    assert 'name="owner"' in first and users["sales"].username in first and "新负责人" in first
    with django_assert_num_queries(0):
        assert _render("transfer") == first
    User.objects.create_user(username="newcomer", password="x", last_name="新", first_name="同事")
    assert "newcomer" in _render("transfer")


def test_each_batch_bar_keeps_its_own_label_and_behaviour_and_each_language_its_own_words(users):
    assert "负责人" in _render("assign") and "新负责人" not in _render("assign")
    reassign = _render("reassign")
    assert 'data-wb-for="reassign"' in reassign and "required" not in reassign
    with translation.override("en"):
        english = _render("transfer")
    assert "新负责人" not in english and users["sales"].username in english
