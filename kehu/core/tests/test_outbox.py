"""Durable outbox (ADR 0005): work derived from a commit survives a crash between commit and handler."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from kehu.core import events, outbox
from kehu.core.models import OutboxEvent
from kehu.core.tasks import outbox_drain_periodic
from kehu.customers.services import customer_create
from kehu.engagement.models import ContactPlan

pytestmark = pytest.mark.django_db


def test_customers_committed_without_their_handlers_get_a_contact_plan_from_the_drain(
    users, django_capture_on_commit_callbacks
):
    # The process "dies" after the commit: the on-commit callbacks never run.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = [customer_create(actor=users["sales"], name=f"断电测试{i}有限公司", grade="B") for i in range(5)]
    assert len(callbacks) == 5
    assert not ContactPlan.objects.filter(customer__in=created).exists()  # the fault before the outbox

    outbox_drain_periodic.call_local()

    assert set(ContactPlan.objects.filter(customer__in=created).values_list("customer_id", flat=True)) == {
        c.pk for c in created
    }
    assert not OutboxEvent.objects.filter(done_at__isnull=True).exists()


def test_the_kick_after_commit_runs_the_handlers_of_its_own_rows(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        customer = customer_create(actor=users["sales"], name="即时计划有限公司", grade="A")
    assert ContactPlan.objects.filter(customer=customer).exists()
    row = OutboxEvent.objects.get(event="customer_created", payload__customer_id=customer.pk)
    assert row.done_at is not None and row.attempts == 1


def test_a_rolled_back_write_leaves_no_event(users):
    with pytest.raises(RuntimeError), transaction.atomic():
        customer_create(actor=users["sales"], name="回滚有限公司")
        raise RuntimeError
    assert not OutboxEvent.objects.exists()


def test_draining_twice_runs_each_handler_once(users, django_capture_on_commit_callbacks):
    calls: list[int] = []

    def count(*, customer_id: int, **_: object) -> None:
        calls.append(customer_id)

    events.subscribe("major_upgrade", count)
    try:
        events.publish("major_upgrade", customer_id=7, actor_id=None, note="x")
        outbox.drain()
        outbox.drain()
        outbox_drain_periodic.call_local()
    finally:
        events._handlers["major_upgrade"].remove(count)
    assert calls == [7]


def test_a_failing_handler_is_retried_with_backoff_and_shown_as_stuck(users, client, settings):
    # The security page's older AccessLog reads are not yet migrated to restrict() (integrator's work).
    settings.KEHU = {**settings.KEHU, "SCOPE_GUARD": "warn"}
    calls: list[str] = []

    def first(**_: object) -> None:
        calls.append("first")

    def flaky(**_: object) -> None:
        calls.append("flaky")
        if calls.count("flaky") < 3:
            raise ConnectionError("SMTP server away")

    events.subscribe("demand_done", first)
    events.subscribe("demand_done", flaky)
    try:
        events.publish("demand_done", demand_id=1, customer_id=999_999, actor_id=None)
        row = OutboxEvent.objects.get(event="demand_done")
        assert outbox.drain() == 0
        row.refresh_from_db()
        assert row.done_at is None and row.attempts == 1 and "SMTP server away" in row.last_error
        assert dt.timedelta(seconds=5) < row.available_at - timezone.now() <= dt.timedelta(seconds=10)
        assert outbox.drain() == 0  # not due yet: nothing runs

        OutboxEvent.objects.filter(pk=row.pk).update(available_at=timezone.now(), attempts=outbox.STUCK_ATTEMPTS)
        client.force_login(users["admin"])
        page = client.get("/access/security/")
        assert "demand_done" in page.content.decode() and "SMTP server away" in page.content.decode()

        assert outbox.drain() == 0  # second failure: a longer wait
        row.refresh_from_db()
        assert row.available_at - timezone.now() > dt.timedelta(minutes=2)
        OutboxEvent.objects.filter(pk=row.pk).update(available_at=timezone.now())
        assert outbox.drain() == 1
    finally:
        events._handlers["demand_done"].remove(first)
        events._handlers["demand_done"].remove(flaky)
    row.refresh_from_db()
    assert row.done_at is not None
    assert calls.count("first") == 1  # the handler that had committed was not run again
    assert calls.count("flaky") == 3


def test_a_claimed_row_is_left_to_its_drain_until_the_lease_ends(users):
    events.publish("major_upgrade", customer_id=1, actor_id=None, note="")
    row = OutboxEvent.objects.get()
    assert outbox._claim(row.pk)
    assert not outbox._claim(row.pk)  # a second drain does not take it
    OutboxEvent.objects.filter(pk=row.pk).update(available_at=timezone.now() - dt.timedelta(seconds=1))
    assert outbox._claim(row.pk)  # the first worker died: after the lease the row is taken again


@pytest.mark.django_db(transaction=True)
def test_a_kick_that_cannot_reach_the_queue_does_not_fail_the_request(api_for, monkeypatch):
    def queue_down(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outbox._Kick, "__call__", queue_down)
    # Real commits here: the kick runs after the request's commit, as in production.
    response = api_for("sales").post("/api/customers/", {"name": "队列满有限公司"}, format="json")
    assert response.status_code == 201
    row = OutboxEvent.objects.get(event="customer_created")
    assert row.done_at is None  # waits for the periodic drain
    outbox_drain_periodic.call_local()
    assert ContactPlan.objects.filter(customer_id=response.json()["id"]).exists()
