"""Bare reference views for `make bench` (mounted at /_bench/ only when KEHU_BENCH_REFS=1).

They run in the same gunicorn, behind the same middleware, against the same database as Kehu's
pages, but do only the irreducible work: the bench prints each Kehu page's throughput as a share of
its reference, so "how far from the bare-Django floor" is measured, not guessed. System reads
(unscoped): these views never ship to users.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from kehu.core.search import search

FIELDS = ("id", "archive_no", "name", "grade", "priority", "region", "owner_id")


def _customers():  # type: ignore[no-untyped-def]
    from kehu.customers.models import Customer

    return Customer.objects.unscoped("bench reference view")


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello")


def hello_auth(request: HttpRequest) -> HttpResponse:
    """The session and the signed-in user, nothing else."""
    return HttpResponse(f"hello {request.user.pk}" if request.user.is_authenticated else "hello")


def pk_lookup(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(_customers().values(*FIELDS).get(pk=pk))


def keyset_page(request: HttpRequest) -> JsonResponse:
    rows = _customers().order_by("-id")
    before = request.GET.get("before")
    if before:
        rows = rows.filter(id__lt=int(before))
    return JsonResponse({"results": list(rows.values(*FIELDS)[:50])})


def bare_search(request: HttpRequest) -> JsonResponse:
    rows = search(_customers(), request.GET.get("q", "")).order_by("-id")
    return JsonResponse({"results": list(rows.values(*FIELDS)[:50])})


urlpatterns = [
    path("hello/", hello),
    path("hello-auth/", hello_auth),
    path("pk/<int:pk>/", pk_lookup),
    path("page/", keyset_page),
    path("search/", bare_search),
]
