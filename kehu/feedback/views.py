"""Staff pages: waves with their funnel, the printable QR sheet and chat texts, the report with charts
and its Excel/PDF exports. Thin: selectors and services do the work."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from kehu.access.audit import log_access
from kehu.core.exceptions import DomainError

from . import exports, report, selectors, surveys, text
from .forms import WaveForm


def _segment(request: HttpRequest) -> dict[str, Any]:
    grades = [g for g in request.GET.getlist("grade") if g in ("A", "B", "C")]
    return {"grade": grades, "region": request.GET.get("region", "")[:60]}


@login_required
def wave_list(request: HttpRequest) -> HttpResponse:
    waves = selectors.waves_for(request.user).select_related("template").order_by("-id")[:100]
    return render(request, "feedback/waves.html", {"waves": waves})


@login_required
def wave_new(request: HttpRequest) -> HttpResponse:
    form = WaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        segment = form.segment()
        try:
            wave = surveys.wave_create(
                actor=request.user,
                name=data["name"],
                template=data["template"],
                closes_on=data["closes_on"],
                segment=segment or None,
                customers=None,
                privacy=data["privacy"],
                channel=data["channel"],
                low_rating=data["low_rating"],
                low_nps=data["low_nps"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("feedback:wave", pk=wave.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "feedback/wave_form.html", {"form": form}, status=status)


@login_required
def wave_detail(request: HttpRequest, pk: int) -> HttpResponse:
    wave = selectors.get_wave_for(request.user, pk)
    summary = report.wave_report(request.user, wave, segment=_segment(request))
    if summary.comments or summary.by_customer:
        log_access(
            user=request.user,
            action="view",
            request=request,
            object_type="survey_wave",
            object_id=wave.pk,
            rows=len(summary.comments) + len(summary.by_customer),
            detail={"segment": summary.segment},
        )
    return render(
        request,
        "feedback/report.html",
        {
            "wave": wave,
            "r": summary,
            "segment": summary.segment,
            "can_manage": surveys.can_manage_surveys(request.user),
        },
    )


@login_required
@require_POST
def wave_send(request: HttpRequest, pk: int) -> HttpResponse:
    wave = selectors.get_wave_for(request.user, pk)
    try:
        sent = surveys.wave_send(actor=request.user, wave=wave, base_url=request.build_absolute_uri("/"))
        messages.success(request, str(sent))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("feedback:wave", pk=wave.pk)


@login_required
@require_POST
def wave_remind(request: HttpRequest, pk: int) -> HttpResponse:
    wave = selectors.get_wave_for(request.user, pk)
    try:
        reminded = surveys.wave_remind(actor=request.user, wave=wave, base_url=request.build_absolute_uri("/"))
        messages.success(request, str(reminded))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("feedback:wave", pk=wave.pk)


@login_required
def wave_links(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable sheet: one QR code per invitation (generated here with segno), and the message
    text to paste into WeCom or DingTalk."""
    import segno

    wave = selectors.get_wave_for(request.user, pk)
    rows = []
    for invitation in selectors.invitations_for(request.user, wave_id=wave.pk).order_by("customer__name", "id")[:2000]:
        url = request.build_absolute_uri(surveys.invitation_path(invitation))
        # segno writes the SVG itself from the URL (no user text inside): safe to embed.
        svg = mark_safe(segno.make(url, error="m").svg_inline(scale=3))  # noqa: S308
        rows.append({"invitation": invitation, "url": url, "qr": svg, "chat": text.chat_message(invitation, url)})
    return render(request, "feedback/links.html", {"wave": wave, "rows": rows})


@login_required
def wave_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    wave = selectors.get_wave_for(request.user, pk)
    summary = report.wave_report(request.user, wave, segment=_segment(request))
    if fmt == "xlsx":
        body = exports.report_xlsx(user=request.user, report=summary)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = exports.report_pdf(user=request.user, report=summary)
        content_type = "application/pdf"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="survey-{wave.pk}.{fmt}"'
    return response
