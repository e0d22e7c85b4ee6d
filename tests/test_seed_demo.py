"""`make run` loads the demo data with seed_demo: every app's demo must go through the real services
under the policies' rules (a workflow step done by the wrong role once stopped `make run` here)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_demo_loads_every_app_and_is_idempotent():
    from kehu.customers.models import Customer
    from kehu.servicedesk.models import Complaint

    out = io.StringIO()
    call_command("seed_demo", customers=40, stdout=out)
    assert "demo data ready" in out.getvalue()
    customers = Customer.objects.unscoped("test").count()
    complaints = Complaint.objects.unscoped("test").count()
    assert customers >= 40 and complaints >= 6
    assert Complaint.objects.unscoped("test").filter(state="closed").exists()  # the demo loop went all the way
    call_command("seed_demo", customers=40, stdout=io.StringIO())
    assert Customer.objects.unscoped("test").count() == customers
    assert Complaint.objects.unscoped("test").count() == complaints
