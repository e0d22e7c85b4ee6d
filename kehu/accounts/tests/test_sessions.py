"""Sessions are not written on every request, the idle timeout still logs out, the user is cached."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kehu.accounts.sessions import SEEN_KEY

pytestmark = pytest.mark.django_db


def _log_in(client, username="sales"):
    response = client.post(reverse("accounts:login"), {"username": username, "password": "kehu-demo"})
    assert response.status_code == 302
    client.get(reverse("customers:list"))  # the first page stamps "last seen"


def _session_writes(queries):
    return [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].lstrip().startswith("SELECT")]


def test_a_page_view_does_not_write_the_session_row(client, users):
    _log_in(client)
    row = Session.objects.get()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("customers:list")).status_code == 200
        assert client.get(reverse("customers:list")).status_code == 200
    assert _session_writes(queries.captured_queries) == []
    assert Session.objects.get().expire_date == row.expire_date


def test_the_session_and_user_are_not_read_from_the_database_per_request(client, users):
    _log_in(client)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("customers:list"))
    sqls = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sqls if "django_session" in s]
    assert not [s for s in sqls if 'FROM "accounts_user" WHERE "accounts_user"."id" =' in s and "LIMIT 21" in s]


def _age_session(client, seconds):
    session = client.session
    session[SEEN_KEY] = int(time.time()) - seconds
    session.save()


def test_activity_after_a_few_minutes_refreshes_the_stamp(client, users, settings):
    _log_in(client)
    _age_session(client, settings.KEHU_SESSION_REFRESH_SECONDS + 5)
    assert client.get(reverse("customers:list")).status_code == 200
    assert int(time.time()) - client.session[SEEN_KEY] < 5


def test_an_idle_session_is_logged_out(client, users, settings):
    _log_in(client)
    _age_session(client, settings.SESSION_COOKIE_AGE + 60)
    response = client.get(reverse("customers:list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert "_auth_user_id" not in client.session


def test_a_session_just_under_the_limit_stays(client, users, settings):
    _log_in(client)
    _age_session(client, settings.SESSION_COOKIE_AGE - 60)
    assert client.get(reverse("customers:list")).status_code == 200


def test_a_deactivated_user_is_logged_out_on_the_next_request(client, users):
    _log_in(client)
    assert client.get(reverse("customers:list")).status_code == 200  # user now cached
    users["sales"].is_active = False
    users["sales"].save(update_fields=["is_active"])
    assert client.get(reverse("customers:list")).status_code == 302


def test_a_password_change_elsewhere_ends_the_session(client, users):
    _log_in(client)
    users["sales"].set_password("another-long-password")
    users["sales"].save()
    assert client.get(reverse("customers:list")).status_code == 302


def test_a_revoked_token_stops_working_at_once(client, users):
    from kehu.accounts import tokens

    issued = tokens.token_issue(user=users["sales"])
    headers = {"Authorization": f"Token {issued.secret}"}
    assert client.get("/api/customers/", headers=headers).status_code == 200
    tokens.token_revoke(actor=users["sales"], token=issued.token)
    assert client.get("/api/customers/", headers=headers).status_code == 401


def test_a_login_keeps_the_cached_user_lists_but_a_profile_change_does_not(client, users):
    """A login saves last_login only: every process keeps its table of user names (the owner column
    and selects). Saving anything else about a user (a name) makes them read it afresh."""
    from kehu.accounts.backends import user_labels, users_version

    before = users_version()
    _log_in(client, "sales2")
    assert users_version() == before
    users["sales2"].first_name = "改名"
    users["sales2"].save(update_fields=["first_name"])
    assert users_version() != before
    assert user_labels()[users["sales2"].pk] == str(users["sales2"])
