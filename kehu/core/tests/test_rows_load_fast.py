"""Rows loaded with a deferred column build the same objects as Django's from_db (issue 16)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models

from kehu.customers.models import Contact, Customer
from kehu.customers.services import contact_create


def _fields(row: Any) -> dict[str, Any]:
    return {k: v for k, v in row.__dict__.items() if k != "_state"}


@pytest.mark.parametrize("model", [Customer, Contact])
@pytest.mark.parametrize("keep", [lambda i: i != 3, lambda i: i % 2 == 0, lambda i: i in (0, 7), lambda i: True])
def test_the_same_columns_and_values_make_the_same_object_as_djangos_from_db(model, keep):
    names = [f.attname for i, f in enumerate(model._meta.concrete_fields) if keep(i)]
    values = [f"value of {name}" for name in names]  # each distinct: a value in the wrong field shows
    ours = model.from_db("default", names, values)
    djangos = models.Model.from_db.__func__(model, "default", names, values)  # type: ignore[attr-defined]
    assert _fields(ours) == _fields(djangos)
    assert ours.get_deferred_fields() == djangos.get_deferred_fields()
    assert (ours._state.db, ours._state.adding) == ("default", False)


@pytest.mark.django_db
def test_a_loaded_customer_and_contact_hold_their_own_values(users, archive):
    contact = contact_create(actor=users["mkt"], customer=archive["B"], name="王五", mobile="13800000000")
    for model, pk in ((Customer, archive["B"].pk), (Contact, contact.pk)):
        row = model.objects.unscoped("test").get(pk=pk)  # the manager defers search_text
        assert row.get_deferred_fields() == {"search_text"}
        plain = model.objects.unscoped("test").values(*[f.attname for f in model._meta.concrete_fields]).get(pk=pk)
        assert {name: getattr(row, name) for name in plain if name != "search_text"} == {
            name: value for name, value in plain.items() if name != "search_text"
        }
