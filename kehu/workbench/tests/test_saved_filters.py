"""Saved filters per user on the customer list (issue 11): name + query string; list, apply, delete;
only the owner sees (and can delete) them."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kehu.workbench.models import SavedFilter

pytestmark = pytest.mark.django_db
SAVE = reverse("workbench:saved_filter_save")


def test_save_list_apply_and_delete_my_filter(client: Any, users: Any, make_customer: Any) -> None:
    make_customer("郑州宇通客车", owner="sales", grade="B")
    make_customer("洛阳一拖", owner="sales", grade="C")
    client.force_login(users["mkt"])
    response = client.post(SAVE, {"list": "customers", "name": " B 级 客户 ", "query": "grade=B&after=99&evil=1"})
    saved = SavedFilter.objects.get(user=users["mkt"])
    assert saved.name == "B 级 客户" and saved.query == "grade=B"  # only the list's filter keys are kept
    assert response.status_code == 302 and response["Location"] == reverse("customers:list") + "?grade=B"
    page = client.get(reverse("customers:list")).content.decode()
    assert "B 级 客户" in page and reverse("customers:list") + "?grade=B" in page
    applied = client.get(reverse("customers:list") + "?" + saved.query)
    assert [c.name for c in applied.context["customers"]] == ["郑州宇通客车"]
    # saving under the same name replaces the query
    client.post(SAVE, {"list": "customers", "name": "B 级 客户", "query": "grade=C"})
    assert list(SavedFilter.objects.values_list("query", flat=True)) == ["grade=C"]
    delete = reverse("workbench:saved_filter_delete", args=[saved.pk])
    assert client.post(delete, {"next": "/customers/"}).status_code == 302
    assert not SavedFilter.objects.exists()


def test_only_the_owner_sees_and_deletes_a_saved_filter(client: Any, users: Any) -> None:
    saved = SavedFilter.objects.create(user=users["mkt"], list_name="customers", name="重点跟进", query="priority=core")
    client.force_login(users["sales"])
    assert "重点跟进" not in client.get(reverse("customers:list")).content.decode()
    assert client.post(reverse("workbench:saved_filter_delete", args=[saved.pk])).status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists()


def test_bad_saved_filter_input_is_a_400_and_saves_nothing(client: Any, users: Any) -> None:
    client.force_login(users["mkt"])
    no_name = client.post(SAVE, {"list": "customers", "name": "  ", "query": "grade=B"})
    assert no_name.status_code == 400 and "请为筛选起一个名称" in no_name.content.decode()
    assert client.post(SAVE, {"list": "nothing", "name": "x", "query": ""}).status_code == 400
    assert client.get(SAVE).status_code == 405
    assert not SavedFilter.objects.exists()


def test_a_query_of_a_thousand_empty_pairs_saves_just_the_filter(client: Any, users: Any) -> None:
    """Found by the fuzzer: 1,001 '&' in the query field was a bare "Bad Request" (too many fields)."""
    client.force_login(users["mkt"])
    response = client.post(SAVE, {"list": "customers", "name": "B 级", "query": "grade=B" + "&" * 1500})
    assert response.status_code == 302
    assert SavedFilter.objects.get(user=users["mkt"]).query == "grade=B"
