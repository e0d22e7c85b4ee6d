"""The public RSVP page of an event invitation: a signed link, no account needed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kehu.core.exceptions import DomainError

from .campaigns import recipient_from_token, rsvp_answer


@csrf_exempt  # the signed token is the credential; the invitee has no session
@require_http_methods(["GET", "POST"])
def rsvp_view(request: HttpRequest, token: str) -> HttpResponse:
    recipient = recipient_from_token(token)
    if recipient is None:
        return render(request, "loyalty/rsvp_invalid.html", status=404)
    error = ""
    if request.method == "POST":
        try:
            rsvp_answer(recipient=recipient, answer=request.POST.get("answer", ""))
        except DomainError as exc:
            error = exc.message
    status = 400 if error else 200
    return render(
        request, "loyalty/rsvp.html", {"r": recipient, "c": recipient.campaign, "error": error}, status=status
    )
