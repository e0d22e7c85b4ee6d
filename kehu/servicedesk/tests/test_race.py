"""Two agents act on the same complaint at once: exactly one wins, the other gets a conflict."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from kehu.core.exceptions import ConflictError
from kehu.servicedesk import services
from kehu.servicedesk.models import Complaint, TimelineEntry


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_agents_racing_on_one_complaint_get_one_winner(users, complaint):
    assert connection.vendor == "postgresql"  # conftest deselects postgres_only tests on SQLite
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    choices = {"cs": "urgent", "cs_lead": "general"}

    def agent(username: str) -> None:
        try:
            record = Complaint.objects.get(pk=complaint.pk)  # both load version 1
            barrier.wait()
            services.transition(
                "complaint",
                actor=users[username],
                record=record,
                name="analyse",
                data={"responsible": True, "nature": choices[username], "deadline_told": True},
            )
            outcomes.append("won")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=agent, args=(name,)) for name in choices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "won"]
    stored = Complaint.objects.get(pk=complaint.pk)
    assert stored.version == 2 and stored.state == "analysed"
    assert TimelineEntry.objects.filter(complaint=complaint, action="analyse").count() == 1
    assert stored.timers.count() == 1  # no lost update, no duplicate side effect


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_agents_racing_on_one_ticket_get_one_winner(users, customer):
    assert connection.vendor == "postgresql"  # conftest deselects postgres_only tests on SQLite
    from kehu.servicedesk.models import Ticket

    ticket = services.ticket_create(actor=users["cs"], customer=customer, title="宕机", description="x", urgency="high")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def agent(username: str) -> None:
        try:
            record = Ticket.objects.get(pk=ticket.pk)
            barrier.wait()
            services.transition(
                "ticket", actor=users[username], record=record, name="respond", data={"impact_scope": username}
            )
            outcomes.append(username)
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=agent, args=(name,)) for name in ("tech", "tech_mgr")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("conflict") == 1
    winner = next(o for o in outcomes if o != "conflict")
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.state, stored.version, stored.impact_scope, stored.owner.username) == (
        "responded",
        2,
        winner,
        winner,
    )
    assert stored.timers.filter(kind="progress").count() == 1


@pytest.mark.django_db
def test_the_loser_of_a_sequential_race_changes_nothing(users, complaint):
    first, second = Complaint.objects.get(pk=complaint.pk), Complaint.objects.get(pk=complaint.pk)
    data = {"responsible": True, "nature": "urgent", "deadline_told": True}
    services.transition("complaint", actor=users["cs"], record=first, name="analyse", data=data)
    with pytest.raises(ConflictError):
        services.transition(
            "complaint", actor=users["cs_lead"], record=second, name="analyse", data=data | {"nature": "general"}
        )
    assert Complaint.objects.get(pk=complaint.pk).nature == "urgent"
