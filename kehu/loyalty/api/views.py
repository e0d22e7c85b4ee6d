"""REST API of loyalty: segments, campaigns, tiers, points, referrals (the same services as any UI)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kehu.access.audit import log_access
from kehu.core.exceptions import DomainError
from kehu.customers.models import Customer
from kehu.messaging.api.serializers import DeliverySerializer
from kehu.messaging.selectors import deliveries_for

from .. import campaigns, points, referrals, tiers
from ..models import Campaign, ContentTemplate, PointsAccount, PointsEntry, Referral, Segment, Tier
from .serializers import (
    AttendanceSerializer,
    CampaignSerializer,
    PointsChangeSerializer,
    PointsEntrySerializer,
    ReferralSerializer,
    ReportSerializer,
    ReturnSerializer,
    SegmentSerializer,
    TemplateSerializer,
    TierOverrideSerializer,
    TierSerializer,
)


def _marketing_only(request: Request) -> None:
    """Campaigns, segments and templates are marketing's tools: anyone else gets a 403, not a 400."""
    try:
        campaigns.require_marketing(request.user)
    except DomainError as refused:
        raise PermissionDenied(refused.message) from refused


@extend_schema(tags=["loyalty"])
class SegmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Saved filters; `count` is how many customers (that you may see) the segment holds now."""

    serializer_class = SegmentSerializer

    def get_queryset(self) -> Any:
        return Segment.objects.order_by("-id")

    def get_serializer_context(self) -> Any:
        context = dict(super().get_serializer_context())
        if getattr(self, "swagger_fake_view", False):
            return context
        page = getattr(self, "_page", None)
        if page is not None:
            context["counts"] = {s.pk: campaigns.segment_count(self.request.user, s) for s in page}
        return context

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _marketing_only(request)
        self._page = self.paginate_queryset(self.get_queryset())
        serializer = self.get_serializer(self._page, many=True)
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _marketing_only(request)
        segment = self.get_object()
        self._page = [segment]
        return Response(self.get_serializer(segment).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data  # the model's defaults make both fields optional in the schema
        segment = campaigns.segment_save(actor=request.user, name=data.get("name", ""), filters=data.get("filters", {}))
        self._page = [segment]
        return Response(self.get_serializer(segment).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["loyalty"])
class TemplateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = TemplateSerializer

    def get_queryset(self) -> Any:
        return ContentTemplate.objects.order_by("-id")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data  # subject is optional (an SMS has none); name and body are checked there
        serializer.instance = campaigns.template_save(
            actor=self.request.user,
            name=data.get("name", ""),
            subject=data.get("subject", ""),
            body=data.get("body", ""),
        )


@extend_schema(tags=["loyalty"])
class CampaignViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """PUT/PATCH change a draft (campaign_update); an approved or sent campaign is a 409."""

    serializer_class = CampaignSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Campaign.objects.none()
        _marketing_only(self.request)
        return Campaign.objects.order_by("-id")

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = campaigns.campaign_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = campaigns.campaign_update(
            actor=self.request.user, campaign=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        campaign = campaigns.campaign_approve(actor=request.user, campaign=self.get_object())
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(request=ReturnSerializer, responses=CampaignSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = campaigns.campaign_return(
            actor=request.user, campaign=self.get_object(), note=serializer.validated_data["note"]
        )
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str | None = None) -> Response:
        campaign = campaigns.campaign_send(actor=request.user, campaign=self.get_object())
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        campaign = self.get_object()
        page = self.paginate_queryset(deliveries_for(request.user, related=f"campaign:{campaign.pk}"))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(request=AttendanceSerializer, responses={200: None})
    @action(detail=True, methods=["post"])
    def attendance(self, request: Request, pk: str | None = None) -> Response:
        serializer = AttendanceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        updated = campaigns.campaign_attendance(
            actor=request.user, campaign=self.get_object(), customer_ids=data["customers"], attended=data["attended"]
        )
        return Response({"updated": updated})

    @extend_schema(responses=ReportSerializer)
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str | None = None) -> Response:
        return Response(ReportSerializer(campaigns.campaign_report(self.get_object())).data)


@extend_schema(tags=["loyalty"])
class TierViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The tiers and their benefits; POST override/ sets a manual tier with reason and expiry."""

    serializer_class = TierSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return Tier.objects.order_by("rank")

    @extend_schema(request=TierOverrideSerializer, responses={200: None})
    @action(detail=False, methods=["post"])
    def override(self, request: Request) -> Response:
        serializer = TierOverrideSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        membership = tiers.tier_override(actor=request.user, **serializer.validated_data)
        return Response(
            {
                "customer": membership.customer_id,
                "tier": membership.tier.code if membership.tier else None,
                "override_tier": serializer.validated_data["tier"].code,
                "override_until": membership.override_until,
            }
        )


class CustomerPointsView(APIView):
    """GET /api/customers/{id}/points/: the balance and the newest ledger lines."""

    @extend_schema(tags=["loyalty"], responses={200: None})
    def get(self, request: Request, pk: int) -> Response:
        customer = get_object_or_404(Customer.objects.restrict(request.user, "view"), pk=pk)
        account = PointsAccount.objects.restrict(request.user, "view").filter(customer=customer).first()
        entries = PointsEntry.objects.restrict(request.user, "view").filter(customer=customer).order_by("-id")[:200]
        log_access(user=request.user, action="view", customer=customer, request=request, detail={"via": "points"})
        return Response(
            {
                "customer": customer.pk,
                "balance": account.balance if account else 0,
                "items": PointsEntrySerializer(entries, many=True).data,
            }
        )


class PointsChangeView(APIView):
    """POST /api/points/earn/ and /api/points/redeem/ (customer, points, reason)."""

    kind = "earn"

    @extend_schema(tags=["loyalty"], request=PointsChangeSerializer, responses={201: PointsEntrySerializer})
    def post(self, request: Request) -> Response:
        serializer = PointsChangeSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if self.kind == "earn" and not points.may_earn(request.user):
            return Response({"detail": "forbidden"}, status=status.HTTP_403_FORBIDDEN)
        try:
            with transaction.atomic():
                change = points.points_earn if self.kind == "earn" else points.points_redeem
                entry = change(
                    actor=request.user, customer=data["customer"], points=data["points"], reason=data["reason"]
                )
        except points.InsufficientPoints as exc:
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        balance = PointsAccount.objects.unscoped("the balance just written").get(customer=data["customer"]).balance
        return Response({**PointsEntrySerializer(entry).data, "balance": balance}, status=status.HTTP_201_CREATED)


@extend_schema(tags=["loyalty"])
class ReferralViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = ReferralSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Referral.objects.none()
        return Referral.objects.restrict(self.request.user, "view").order_by("-id")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = referrals.referral_register(
            actor=self.request.user, code=data["code"], referee=data["referee"]
        )
