"""REST for access requests and the access log: thin, calling the same services/selectors as the UI."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kehu.core.inputs import MAX_ID, date_range_message, validate_plausible_date

from .. import selectors, services
from ..choices import LogAction
from ..models import AccessLog, AccessRequest
from .serializers import AccessLogSerializer, AccessRequestCreateSerializer, AccessRequestSerializer, DecisionSerializer


class AccessRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """`?box=mine` (default) lists my requests; `?box=to_approve` the pending ones a supervisor decides."""

    serializer_class = AccessRequestSerializer
    queryset = AccessRequest.objects.none()  # for the schema; get_queryset scopes every real request

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        if self.action == "list":
            box = self.request.query_params.get("box", "mine")
            return selectors.access_requests_for(self.request.user, box=box)
        return selectors.access_requests_for(self.request.user, box="mine")

    def get_object(self) -> Any:
        obj = selectors.access_request_for(self.request.user, int(self.kwargs["pk"]))
        if obj is None:
            raise Http404(_("申请不存在。"))
        return obj

    @extend_schema(request=AccessRequestCreateSerializer, responses={201: AccessRequestSerializer})
    def create(self, request: Request) -> Response:
        data = AccessRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = selectors.listed_customers(request.user).filter(pk=data.validated_data["customer"]).first()
        created = services.access_request_create(
            actor=request.user,
            customer=customer,
            purpose=data.validated_data["purpose"],
            valid_until=data.validated_data["valid_until"],
            scope=data.validated_data["scope"],
        )
        return Response(AccessRequestSerializer(created).data, status=status.HTTP_201_CREATED)

    def _decide(self, request: Request, service: Any) -> Response:
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = service(actor=request.user, request=self.get_object(), note=data.validated_data["note"])
        return Response(AccessRequestSerializer(done).data)

    @extend_schema(request=DecisionSerializer, responses=AccessRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        return self._decide(request, services.access_request_approve)

    @extend_schema(request=DecisionSerializer, responses=AccessRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        return self._decide(request, services.access_request_reject)

    @extend_schema(request=DecisionSerializer, responses=AccessRequestSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        return self._decide(request, services.access_request_revoke)


class _PlausibleIsoDateTimeField(IsoDateTimeField):
    default_validators = [validate_plausible_date]

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except OverflowError as exc:
            raise DjangoValidationError(date_range_message(), code="date_range") from exc


class _PlausibleIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = _PlausibleIsoDateTimeField


class AccessLogFilter(django_filters.FilterSet):
    user = django_filters.NumberFilter(field_name="user_id", min_value=1, max_value=MAX_ID, decimal_places=0)
    customer = django_filters.NumberFilter(field_name="customer_id", min_value=1, max_value=MAX_ID, decimal_places=0)
    action = django_filters.ChoiceFilter(choices=LogAction.choices)
    since = _PlausibleIsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = _PlausibleIsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AccessLog
        fields = ["user", "customer", "action", "since", "until"]


class AccessLogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read-only for admins and auditors; the router offers no PUT/PATCH/DELETE (405)."""

    serializer_class = AccessLogSerializer
    filterset_class = AccessLogFilter
    queryset = AccessLog.objects.none()  # for the schema; get_queryset checks the reader

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.access_log_for(self.request.user)
