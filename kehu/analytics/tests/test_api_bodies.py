"""A body that is not a JSON object is a clear 400, never a 500 (found by `make fuzz` as a staff user)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kehu.analytics.models import ChurnAction


@pytest.mark.parametrize("body", [[], [1, 2], "text", 7])
def test_churn_action_bodies_that_are_not_objects_are_refused(api_for, users, body):
    api = api_for("mkt_mgr")
    created = api.post(reverse("analytics-churn-actions"), body, format="json")
    assert created.status_code == 400 and "non_field_errors" in created.json()
    patched = api.patch(reverse("analytics-churn-action", args=[1]), body, format="json")
    assert patched.status_code == 400
    assert not ChurnAction.objects.exists()
