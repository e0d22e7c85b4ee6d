"""API tokens: hashed at rest, expiring, revoked on logout and password change, the TOTP code
required for an enrolled user, named tokens for integrations."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from kehu.accounts import tokens
from kehu.accounts.models import ApiToken
from kehu.core import cache_versions

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/token/"
ME = "/api/auth/tokens/"


def _login(username: str = "sales", **extra: str):
    return APIClient().post(LOGIN, {"username": username, "password": "kehu-demo", **extra}, format="json")


def _client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp()
    return f"{totp.token():06d}"


def test_a_token_is_stored_only_as_its_digest(users):
    secret = _login().json()["token"]
    token = ApiToken.objects.get()
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest() and token.prefix == secret[:8]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        assert not [value for row in cursor.fetchall() for value in row if value == secret]
    assert _client(secret).get(ME).status_code == 200


def test_each_login_gets_a_new_token_with_an_expiry(users, settings):
    settings.KEHU = {**settings.KEHU, "API_TOKEN_DAYS": 30}
    first, second = _login().json(), _login().json()
    assert first["token"] != second["token"]
    expires = dt.datetime.fromisoformat(first["expires_at"])
    assert dt.timedelta(days=29) < expires - timezone.now() <= dt.timedelta(days=30)


def test_an_expired_token_is_refused(users):
    secret = _login().json()["token"]
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = _client(secret).get(ME)
    assert response.status_code == 401 and "过期" in response.json()["detail"]


def test_a_token_dies_when_the_password_changes(users):
    secret = _login().json()["token"]
    named = _client(secret).post(ME, {"name": "ERP 同步"}, format="json").json()["token"]
    user = users["sales"]
    user.set_password("a-new-long-password-2026")
    user.save()
    assert _client(secret).get(ME).status_code == 401
    assert _client(named).get(ME).status_code == 401


def test_api_logout_revokes_the_token(users):
    secret = _login().json()["token"]
    client = _client(secret)
    assert client.post("/api/auth/logout/").status_code == 204
    assert _client(secret).get(ME).status_code == 401


def test_browser_logout_ends_login_tokens_but_not_integration_tokens(client, users):
    secret = _login().json()["token"]
    named = _client(secret).post(ME, {"name": "ERP 同步"}, format="json").json()["token"]
    client.force_login(users["sales"])
    client.post(reverse("accounts:logout"))
    assert _client(secret).get(ME).status_code == 401
    assert _client(named).get(ME).status_code == 200


def _token_queries(client: APIClient) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME).status_code == 200
    return [q["sql"] for q in queries.captured_queries if "accounts_apitoken" in q["sql"]]


def test_a_token_used_again_is_read_from_the_cache(users):
    client = _client(_login().json()["token"])
    by_digest = '"accounts_apitoken"."digest" ='
    assert [sql for sql in _token_queries(client) if by_digest in sql]
    # the second use reads the token row from the cache (ME itself lists the user's tokens)
    assert not [sql for sql in _token_queries(client) if by_digest in sql]


def test_a_cached_token_deleted_or_revoked_is_refused_at_once(client, users):
    secret = _login().json()["token"]
    named = _client(secret).post(ME, {"name": "ERP 同步"}, format="json").json()["token"]
    assert _client(named).get(ME).status_code == 200  # cached now
    # the settings page's revoke button
    client.force_login(users["sales"])
    token = ApiToken.objects.get(kind=ApiToken.Kind.NAMED)
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert _client(named).get(ME).status_code == 401
    # deleted outside the services (the admin)
    assert _client(secret).get(ME).status_code == 200
    ApiToken.objects.get(kind=ApiToken.Kind.LOGIN).delete()
    assert _client(secret).get(ME).status_code == 401


def test_a_row_read_just_before_a_revocation_is_never_used_after_it(users):
    """The race: a request reads the token row, a revocation commits, then the request stores the
    row it read. It was stored under the old tokens version, so the next request reads afresh."""
    secret = _login().json()["token"]
    token = ApiToken.objects.get()
    old_version = cache_versions.current(tokens.TOKENS_VERSION_KEY)
    tokens.token_revoke(actor=users["sales"], token=token)
    cache.set(tokens._token_key(token.digest), (old_version, token), tokens.TOKEN_TTL)  # the late write
    assert _client(secret).get(ME).status_code == 401


def test_an_enrolled_user_needs_the_current_code(users):
    """The TOTP bypass: a password alone must not give an enrolled manager a token."""
    device = TOTPDevice.objects.create(user=users["mkt_mgr"], name="kehu-totp", confirmed=True)
    refused = _login("mkt_mgr")
    assert refused.status_code == 400 and "token" not in refused.json() and "动态验证码" in refused.json()["otp"][0]
    wrong = _login("mkt_mgr", otp="000000" if _code(device) != "000000" else "111111")
    assert wrong.status_code == 400 and "token" not in wrong.json()
    english = APIClient().post(
        LOGIN, {"username": "mkt_mgr", "password": "kehu-demo"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "one-time" in english.json()["otp"][0].lower()
    assert not ApiToken.objects.exists()
    device.refresh_from_db()
    device.throttle_reset()  # the wrong code started django-otp's back-off; a person would wait a second
    ok = _login("mkt_mgr", otp=_code(device))
    assert ok.status_code == 200 and ok.json()["token"]


def test_named_tokens_are_listed_with_last_use_and_revoked(users, django_assert_max_num_queries):
    client = _client(_login().json()["token"])
    created = client.post(ME, {"name": "报表脚本", "days": 90}, format="json")
    assert created.status_code == 201
    erp = _client(created.json()["token"])
    assert erp.get(ME).status_code == 200
    token = ApiToken.objects.get(name="报表脚本")
    assert token.last_used_at is not None
    with django_assert_max_num_queries(2):  # token+user, the list: no last-used write within a minute
        erp.get(ME)
    listed = {row["name"]: row for row in client.get(ME).json()}
    assert listed["报表脚本"]["prefix"] == created.json()["token"][:8] and "digest" not in listed["报表脚本"]
    assert "token" not in listed["报表脚本"]
    assert client.delete(f"{ME}{token.pk}/").status_code == 204
    assert erp.get(ME).status_code == 401
    assert client.post(ME, {"name": "", "days": 0}, format="json").status_code == 400


def test_another_users_token_cannot_be_revoked(users):
    mine = _client(_login("sales").json()["token"])
    theirs = _login("cs").json()["token"]
    other = ApiToken.objects.get(user=users["cs"])
    assert mine.delete(f"{ME}{other.pk}/").status_code == 404
    assert _client(theirs).get(ME).status_code == 200


def test_the_settings_page_creates_shows_once_and_revokes(client, users):
    client.force_login(users["sales"])
    page = client.post(reverse("accounts:tokens"), {"name": "ERP 同步", "days": "30"})
    html = page.content.decode()
    token = ApiToken.objects.get(name="ERP 同步")
    assert 'data-testid="new-token"' in html and token.prefix in html
    assert 'data-testid="new-token"' not in client.get(reverse("accounts:tokens")).content.decode()
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.post(reverse("accounts:tokens"), {"name": "", "days": "0"}).status_code == 400
