"""Found by schemathesis: a body without the fields the model defaults was a 500; now a clear 400."""

from __future__ import annotations

import pytest

from kehu.loyalty.models import ContentTemplate, Segment

pytestmark = pytest.mark.django_db


def test_an_empty_segment_or_template_is_refused_with_a_message_and_stores_nothing(api_for):
    mkt = api_for("mkt")
    segment = mkt.post("/api/segments/", {}, format="json")
    assert segment.status_code == 400 and "name" in segment.json()
    template = mkt.post("/api/campaign-templates/", {"name": "无内容"}, format="json")
    assert template.status_code == 400 and "body" in template.json()
    assert not Segment.objects.exists() and not ContentTemplate.objects.exists()


def test_a_template_without_a_subject_is_an_sms_template(api_for):
    created = api_for("mkt").post(
        "/api/campaign-templates/", {"name": "短信", "body": "{customer_name} 您好"}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert ContentTemplate.objects.get().subject == ""
