"""REST API of the channel layer: consent with evidence, the delivery log."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from kehu.access.audit import log_access
from kehu.core.api import choice_param, int_param

from .. import selectors, services
from ..choices import DeliveryStatus, MessageChannel
from ..models import ConsentRecord, Delivery
from .serializers import ConsentSerializer, DeliverySerializer


@extend_schema(tags=["messaging"], parameters=[OpenApiParameter("customer", int), OpenApiParameter("contact", int)])
class ConsentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Consent and opt-out records (append-only): POST adds one with its evidence."""

    serializer_class = ConsentSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ConsentRecord.objects.none()
        return selectors.consents_for(
            self.request.user,
            customer_id=int_param(self.request, "customer"),
            contact_id=int_param(self.request, "contact"),
        )

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.consent_record(actor=self.request.user, source="api", **data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        log_access(
            user=request.user,
            action="view",
            customer=record.customer,
            request=request,
            object_type="consent",
            object_id=record.pk,
            detail={"via": "api"},
        )
        return Response(self.get_serializer(record).data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        _log_list(request, "consents", response)
        return response


@extend_schema(
    tags=["messaging"],
    parameters=[
        OpenApiParameter("customer", int),
        OpenApiParameter("related", str),
        OpenApiParameter("status", str, enum=DeliveryStatus.values),
        OpenApiParameter("channel", str, enum=MessageChannel.values),
    ],
)
class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The delivery log: what was sent to whom, and what became of it."""

    serializer_class = DeliverySerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        request = self.request
        return selectors.deliveries_for(
            request.user,
            customer_id=int_param(request, "customer"),
            related=request.query_params.get("related", "")[:80],
            status=choice_param(request, "status", DeliveryStatus.values),
            channel=choice_param(request, "channel", MessageChannel.values),
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        log_access(
            user=request.user,
            action="view",
            customer=record.customer,
            request=request,
            object_type="delivery",
            object_id=record.pk,
            detail={"via": "api"},
        )
        return Response(self.get_serializer(record).data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        _log_list(request, "deliveries", response)
        return response


def _log_list(request: Request, what: str, response: Response) -> None:
    """A list read is logged once per page (who, which filter, how many rows)."""
    rows = len((response.data or {}).get("results", [])) if isinstance(response.data, dict) else 0
    log_access(
        user=request.user,
        action="api_read",
        request=request,
        object_type=what,
        query=request.GET.urlencode()[:200],
        rows=rows,
        detail={"via": "api"},
    )
