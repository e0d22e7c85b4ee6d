"""Serializers whose fields are built once (kehu/core/serializers.py) write timestamps in the time
zone of the request that uses them, as DRF does, while asking for it once per serializer."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework import serializers

from kehu.customers.api.serializers import CustomerSerializer
from kehu.customers.models import Customer


def _drf(value: object) -> object:
    return serializers.DateTimeField().to_representation(value)


@pytest.mark.django_db
def test_timestamps_follow_each_requests_time_zone(archive):
    customers = list(Customer.objects.unscoped("test").order_by("pk"))
    written = {}
    for zone in ("Asia/Shanghai", "UTC", "America/New_York"):
        with timezone.override(zone):  # a new request, a new serializer
            rows = CustomerSerializer(customers, many=True).data
            written[zone] = rows[0]["created_at"]
            for customer, row in zip(customers, rows, strict=True):
                assert row["created_at"] == _drf(customer.created_at)
                assert row["updated_at"] == _drf(customer.updated_at)
    assert written["Asia/Shanghai"].endswith("+08:00")
    assert written["UTC"].endswith("Z")
    assert written["America/New_York"][-6:] in ("-05:00", "-04:00")
