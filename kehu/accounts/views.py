"""The user's own settings: API tokens for integrations; logout that also ends login tokens."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kehu.core.exceptions import DomainError

from . import tokens
from .models import ApiToken, User


class NamedTokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称（用途）"), max_length=80)
    days = forms.IntegerField(label=gettext_lazy("有效天数"), min_value=1, max_value=tokens.MAX_NAMED_DAYS, initial=365)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = NamedTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = tokens.token_issue(
                user=request.user,
                kind=ApiToken.Kind.NAMED,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            form = NamedTokenForm()
    rows = tokens.tokens_of(request.user)
    stamp = tokens.password_stamp(request.user)
    now = timezone.now()
    for row in rows:
        row.is_live = row.revoked_at is None and row.expires_at > now and row.password_stamp == stamp  # type: ignore[attr-defined]
    context = {"form": form, "rows": rows, "created": created}
    return render(request, "accounts/tokens.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.filter(user=cast(User, request.user)), pk=pk)
    tokens.token_revoke(actor=request.user, token=token)
    messages.success(request, _("令牌已撤销。"))
    return redirect("accounts:tokens")


class LoginView(auth_views.LoginView):
    """The login page; a locked username+address sees the lockout page (429), not "wrong password"."""

    template_name = "accounts/login.html"

    def form_invalid(self, form: Any) -> HttpResponse:
        lock = getattr(self.request, "kehu_lock", None)
        if lock is not None:
            return render(self.request, "accounts/locked.html", {"lock": lock}, status=429)
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    """Logging out also ends the user's login tokens (named integration tokens stay)."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.user.is_authenticated:
            tokens.tokens_revoke_for(user=request.user, kind=ApiToken.Kind.LOGIN)
        return super().post(request, *args, **kwargs)  # type: ignore[arg-type]
