"""Optional TOTP for managers and admins (django_otp): enrolment, the verify step after login,
and the middleware that holds a user with a confirmed device at that step.

Wire-up (config/settings.py, owned by the lead): append
"kehu.access.otp.RequireOTPMiddleware" to MIDDLEWARE after django_otp's OTPMiddleware.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import django_otp
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from kehu.accounts.choices import Level

from . import roles

DEVICE_NAME = "kehu-totp"
SESSION_KEY = "kehu_otp_device"


def may_enrol(user: Any) -> bool:
    return bool(user.is_authenticated and roles.level(user) >= Level.MANAGER)


def has_confirmed_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user: Any) -> TOTPDevice:
    """The unconfirmed device being enrolled (one per user); a confirmed one is kept as it is."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_of(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def provisioning_uri(device: TOTPDevice) -> str:
    return str(device.config_url)


def confirm_device(*, request: HttpRequest, device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    django_otp.login(request, device)
    return True


def verify_code(user: Any, token: str) -> bool:
    """The current code of one of the user's confirmed devices (the API's token request)."""
    return any(device.verify_token(token) for device in TOTPDevice.objects.filter(user=user, confirmed=True))


def verify_login(*, request: HttpRequest, token: str) -> bool:
    for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
        if device.verify_token(token):
            django_otp.login(request, device)
            return True
    return False


class RequireOTPMiddleware:
    """After the password, a user with a confirmed device must enter a code before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not self._exempt(request.path)
            and self._needs_code(request)
        ):
            return redirect(f"{reverse('access:otp_verify')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _needs_code(request: HttpRequest) -> bool:
        """Asked once per session, not on every page: enrolment itself verifies the session."""
        needs = request.session.get(SESSION_KEY)
        if needs is None:
            needs = has_confirmed_device(request.user)
            request.session[SESSION_KEY] = needs
        return bool(needs)

    @staticmethod
    def _exempt(path: str) -> bool:
        exempt = (reverse("access:otp_verify"), reverse("accounts:logout"), "/static/", "/i18n/")
        return path.startswith(exempt)
