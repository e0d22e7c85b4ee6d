"""Workflow messages by e-mail for those who asked (issue 11): one mail to the user's own address
through the messaging e-mail channel; nothing for users who keep messages in the app only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from kehu.access.services.requests import notify
from kehu.servicedesk import services as desk
from kehu.workbench.models import DeliveryPreference

pytestmark = pytest.mark.django_db


def test_a_workflow_message_is_mailed_once_to_a_user_who_asked_and_never_to_others(
    users: Any, make_customer: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(users["tech"])
    response = client.post(reverse("workbench:delivery_preference"), {"delivery": "1", "email": "on"})
    assert response.status_code == 302
    assert DeliveryPreference.objects.get(user=users["tech"]).email
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        # a demand assigned to tech (tells tech) and one assigned to sales2 (opted out: in the app only)
        for owner in ("tech", "sales2"):
            demand = desk.demand_create(actor=users["cs"], customer=make_customer(f"{owner}机械"), description="需求")
            desk.transition("demand", actor=users["cs"], record=demand, name="assign", data={"owner": users[owner]})
    mailed = [m for m in mail.outbox if "已指派给您" in m.subject]
    assert [m.to for m in mailed] == [["tech@kehu.example"]]
    assert "/service/demands/" in mailed[0].body and mailed[0].extra_headers["X-Kehu-Delivery"]
    # both still have the message in the app
    assert users["sales2"].notifications.filter(message__contains="已指派给您").count() == 1


def test_a_rolled_back_message_is_not_mailed_and_opting_out_stops_mail(
    users: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    DeliveryPreference.objects.create(user=users["cs"], email=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify(user=users["cs"], message="不会发出的消息")
                raise RuntimeError
        except RuntimeError:
            pass
    assert mail.outbox == []
    client.force_login(users["cs"])
    assert 'data-testid="delivery-form"' in client.get(reverse("workbench:messages")).content.decode()
    client.post(reverse("workbench:delivery_preference"), {"delivery": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=users["cs"], message="只在站内")
    assert mail.outbox == []


def test_bad_delivery_input_is_a_400(users: Any, client: Any) -> None:
    client.force_login(users["cs"])
    assert client.post(reverse("workbench:delivery_preference"), {"delivery": "fax"}).status_code == 400
    users["cs"].email = ""
    users["cs"].save(update_fields=["email"])
    assert client.post(reverse("workbench:delivery_preference"), {"delivery": "1", "email": "on"}).status_code == 400
    assert not DeliveryPreference.objects.filter(user=users["cs"]).exists()
