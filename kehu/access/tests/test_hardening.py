"""Login hardening: lockout, password rules, session timeout, TOTP for managers, deploy checks."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

MIDDLEWARE_WITH_OTP = [*settings.MIDDLEWARE, "kehu.access.otp.RequireOTPMiddleware"]


def _login(client, password):
    return client.post(reverse("accounts:login"), {"username": "sales", "password": password})


def test_lockout_after_repeated_failures_even_with_the_right_password(client, users):
    for _ in range(settings.KEHU["LOGIN_FAILURE_LIMIT"]):
        _login(client, "wrong-password")
    response = _login(client, "kehu-demo")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    from kehu.accounts.models import LoginFailure

    assert LoginFailure.objects.filter(username="sales").count() >= settings.KEHU["LOGIN_FAILURE_LIMIT"]
    admin_client = client_class_login(users["admin"])
    assert "sales" in admin_client.get(reverse("access:security")).content.decode()


def client_class_login(user):
    from django.test import Client

    other = Client()
    other.force_login(user)
    return other


@pytest.mark.parametrize("password", ["12345678", "password", "short", "sales123"])
def test_weak_passwords_are_refused(users, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=users["sales"])


def test_strong_password_is_accepted(users):
    validate_password("Qing-Shan-Lu-88!", user=users["sales"])


def test_session_times_out():
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


@override_settings(MIDDLEWARE=MIDDLEWARE_WITH_OTP)
def test_manager_enrols_totp_and_then_must_verify_after_login(client, users):
    client.force_login(users["sales_mgr"])
    page = client.get(reverse("access:otp_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=users["sales_mgr"], confirmed=False)
    wrong_code = "000000" if _code(device) != "000000" else "111111"
    refused = client.post(reverse("access:otp_setup"), {"token": wrong_code})
    assert refused.status_code == 200 and 'data-testid="error-token"' in refused.content.decode()
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    device.refresh_from_db()
    device.throttle_reset()  # django_otp slows down guessing after a failure; the user would wait a second
    client.post(reverse("access:otp_setup"), {"token": _code(device)})
    assert TOTPDevice.objects.get(pk=device.pk).confirmed

    client.logout()
    client.post(reverse("accounts:login"), {"username": "sales_mgr", "password": "kehu-demo"})
    held = client.get(reverse("access:home"))
    assert held.status_code == 302 and held["Location"].startswith(reverse("access:otp_verify"))
    wrong = client.post(reverse("access:otp_verify"), {"token": "abc", "next": reverse("access:home")})
    assert wrong.status_code == 200
    device.refresh_from_db()
    device.last_t = -1  # the code just used for enrolment may be shown again in the same 30 s
    device.save()
    ok = client.post(reverse("access:otp_verify"), {"token": _code(device), "next": reverse("access:home")})
    assert ok.status_code == 302 and ok["Location"] == reverse("access:home")
    assert client.get(reverse("access:home")).status_code == 200


@override_settings(MIDDLEWARE=MIDDLEWARE_WITH_OTP)
def test_users_without_a_device_are_not_held_and_staff_cannot_enrol(client, users):
    client.force_login(users["sales"])
    assert client.get(reverse("access:home")).status_code == 200
    assert client.get(reverse("access:otp_setup")).status_code == 403


def test_otp_verify_refuses_foreign_redirects(client, users):
    client.force_login(users["sales"])
    response = client.get(reverse("access:otp_verify"), {"next": "https://evil.example/"})
    assert 'value="/"' in response.content.decode()


PRODUCTION = {
    # What config/settings.py produces with KEHU_DEBUG=0 KEHU_HTTPS=1 KEHU_HSTS_SECONDS=31536000, a real
    # SECRET_KEY and SMTP (HSTS subdomains and the silenced preload check come from settings.py itself).
    "DEBUG": False,
    "SECRET_KEY": "k7#Qv9!pZr2@Lm4$Wx8^Tb6&Ny1*Hc3(Ju5)Fd0_Ge-Sa+Kq=Po~Il",
    "ALLOWED_HOSTS": ["kehu.example.cn"],
    "SECURE_SSL_REDIRECT": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "MAILERS": {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {}}},
}


# Not about deployment security: API schema naming (drf_spectacular, owned by each API's authors) and
# front-end assets that setup installs (staticfiles.W004 in a checkout without node_modules).
NOT_SECURITY = ("drf_spectacular.", "staticfiles.W004")


def deploy_issues() -> list[str]:
    from django.core.checks import registry

    issues = registry.run_checks(include_deployment_checks=True)
    silenced = set(settings.SILENCED_SYSTEM_CHECKS)
    return [
        f"{issue.id}: {issue.msg}"
        for issue in issues
        if issue.is_serious(level=30) and issue.id not in silenced and not str(issue.id).startswith(NOT_SECURITY)
    ]


def test_check_deploy_is_clean_with_production_settings(monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    with override_settings(**PRODUCTION):
        assert deploy_issues() == []


def test_check_deploy_catches_an_insecure_setting(monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    with override_settings(**{**PRODUCTION, "SESSION_COOKIE_SECURE": False}):
        assert [issue for issue in deploy_issues() if issue.startswith("security.W012")]


def test_csp_header_forbids_inline_scripts(client, users):
    client.force_login(users["sales"])
    header = client.get(reverse("access:home"))["Content-Security-Policy"]
    assert "script-src 'self'" in header and "unsafe-inline" not in header.split("script-src")[1].split(";")[0]
