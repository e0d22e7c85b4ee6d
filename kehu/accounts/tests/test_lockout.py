"""Lockout per username+address with growing delays, spraying slowed per address, admin unlock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from kehu.accounts import lockout
from kehu.accounts.models import LoginFailure

pytestmark = pytest.mark.django_db
ATTACKER, OFFICE = "203.0.113.9", "10.0.0.5"


def _login(username: str, password: str, ip: str, **extra: str):
    return Client(REMOTE_ADDR=ip, **extra).post(reverse("accounts:login"), {"username": username, "password": password})


def test_nobody_can_lock_the_admin_out_from_another_address(users, settings):
    for _ in range(settings.KEHU["LOGIN_FAILURE_LIMIT"] + 3):
        _login("admin", "guess", ATTACKER)
    locked = _login("admin", "kehu-demo", ATTACKER)
    assert locked.status_code == 429 and 'data-testid="lockout"' in locked.content.decode()
    ok = _login("admin", "kehu-demo", OFFICE)
    assert ok.status_code == 302
    token = APIClient(REMOTE_ADDR=OFFICE).post(
        "/api/auth/token/", {"username": "admin", "password": "kehu-demo"}, format="json"
    )
    assert token.status_code == 200


def test_delays_grow_with_every_further_failure(users, settings):
    limit = settings.KEHU["LOGIN_FAILURE_LIMIT"]
    assert lockout.pair_delay(limit - 1) is None
    assert lockout.pair_delay(limit) == dt.timedelta(minutes=1)
    assert lockout.pair_delay(limit + 2) == dt.timedelta(minutes=4)
    assert lockout.pair_delay(limit + 50) == dt.timedelta(hours=1)
    for _ in range(limit):
        _login("sales", "guess", ATTACKER)
    lock = lockout.lock_for("sales", ATTACKER)
    assert lock is not None and lock.minutes == 1
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=2))  # the minute has passed
    assert lockout.lock_for("sales", ATTACKER) is None
    _login("sales", "guess", ATTACKER)
    assert lockout.lock_for("sales", ATTACKER).minutes == 2


def test_password_spraying_from_one_address_is_slowed(users, settings):
    settings.KEHU = {**settings.KEHU, "LOGIN_IP_FAILURE_LIMIT": 6}
    for name in ("sales", "cs", "tech", "mkt_mgr", "cs_lead", "sales2"):
        _login(name, "Spring2026!", ATTACKER)
    refused = _login("admin", "kehu-demo", ATTACKER)
    assert refused.status_code == 429 and "所在地址" in refused.content.decode()
    api = APIClient(REMOTE_ADDR=ATTACKER).post(
        "/api/auth/token/", {"username": "admin", "password": "kehu-demo"}, format="json"
    )
    assert api.status_code == 429 and "分钟" in api.json()["detail"]
    assert _login("admin", "kehu-demo", OFFICE).status_code == 302


def test_the_lockout_page_is_translated(users, settings):
    for _ in range(settings.KEHU["LOGIN_FAILURE_LIMIT"]):
        _login("sales", "guess", ATTACKER)
    english = _login("sales", "guess", ATTACKER, HTTP_ACCEPT_LANGUAGE="en")
    body = english.content.decode()
    assert english.status_code == 429 and "Too many failed logins" in body and 'data-testid="lockout"' in body
    assert "Back to the login page" in body


def test_an_admin_unlocks_on_the_security_page_and_by_command(users, settings):
    for _ in range(settings.KEHU["LOGIN_FAILURE_LIMIT"]):
        _login("sales", "guess", ATTACKER)
    assert lockout.lock_for("sales", ATTACKER) is not None
    admin = Client()
    admin.force_login(users["admin"])
    assert "已锁定" in admin.get(reverse("access:security")).content.decode()
    staff = Client()
    staff.force_login(users["sales2"])
    assert staff.post(reverse("access:unlock_login"), {"username": "sales", "ip": ATTACKER}).status_code == 403
    admin.post(reverse("access:unlock_login"), {"username": "sales", "ip": ATTACKER})
    assert lockout.lock_for("sales", ATTACKER) is None
    for _ in range(settings.KEHU["LOGIN_FAILURE_LIMIT"]):
        _login("cs", "guess", ATTACKER)
    call_command("unlock_login", "cs")
    assert lockout.lock_for("cs", ATTACKER) is None


def test_a_successful_login_forgets_the_pairs_failures(users):
    _login("sales", "guess", OFFICE)
    assert _login("sales", "kehu-demo", OFFICE).status_code == 302
    assert not LoginFailure.objects.filter(username="sales", ip=OFFICE).exists()
