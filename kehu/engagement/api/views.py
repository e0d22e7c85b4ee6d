"""REST API of the contact engine: the same selectors and services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kehu.access import roles
from kehu.core import workcalendar
from kehu.core.api import date_param, int_param

from .. import selectors, services
from ..models import BoardItem, CareItem, ContactPlan, MaintenancePolicy, ReplanJob
from .serializers import (
    BoardItemSerializer,
    BoardMoveSerializer,
    CareItemSerializer,
    CareOccasionSerializer,
    CareRecordSerializer,
    ContactPlanSerializer,
    FollowUpCompleteSerializer,
    FollowUpSerializer,
    FollowUpStatsSerializer,
    InteractionSerializer,
    PolicySerializer,
    ReplanJobSerializer,
    WorkdaySerializer,
)


@extend_schema(tags=["engagement"])
class PolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Maintenance policies; an update (admins) re-plans the governed customers in the background."""

    serializer_class = PolicySerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return MaintenancePolicy.objects.order_by("scope", "key")

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        policy = self.get_object()
        serializer = self.get_serializer(policy, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        fields = {
            name: data.get(name, getattr(policy, name))
            for name in ("phone_every_days", "visit_every_months", "visit_whom", "responsible")
        }
        job = services.policy_update(actor=request.user, policy=policy, version=data["version"], **fields)
        return Response({**PolicySerializer(policy).data, "job": ReplanJobSerializer(job).data})

    @extend_schema(responses=ReplanJobSerializer)
    @action(detail=False, methods=["get"], url_path=r"jobs/(?P<job_id>\d+)")
    def job(self, request: Request, job_id: str) -> Response:
        return Response(ReplanJobSerializer(get_object_or_404(ReplanJob, pk=job_id)).data)


@extend_schema(
    tags=["engagement"],
    parameters=[
        OpenApiParameter("due", str, enum=["overdue", "today", "week"]),
        OpenApiParameter("scope", str, enum=["mine", "team", "all"]),
        OpenApiParameter("customer", int),
    ],
)
class ContactPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ContactPlanSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ContactPlan.objects.none()
        request = self.request
        scope = request.query_params.get("scope", "all")
        assignees = {"mine": [request.user.pk], "team": selectors.team_ids(request.user)}.get(scope)
        return selectors.plans_for(
            request.user,
            assignees=assignees,
            due=request.query_params.get("due", ""),
            customer_id=int_param(request, "customer"),
        ).order_by("-id")


@extend_schema(
    tags=["engagement"],
    parameters=[OpenApiParameter("customer", int), OpenApiParameter("q", str), OpenApiParameter("channel", str)],
)
class InteractionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = InteractionSerializer

    def get_queryset(self) -> Any:
        request = self.request
        return selectors.interactions_for(
            request.user,
            customer_id=int_param(request, "customer"),
            q=request.query_params.get("q", ""),
            channel=request.query_params.get("channel", ""),
        )

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        customer = data.pop("customer")  # a ScopedRelatedField: only customers the caller may view
        serializer.instance = services.interaction_log(actor=self.request.user, customer=customer, **data)


@extend_schema(
    tags=["engagement"],
    parameters=[
        OpenApiParameter("status", str),
        OpenApiParameter("type", str),
        OpenApiParameter("assignee", int),
        OpenApiParameter("customer", int),
        OpenApiParameter("overdue", bool),
    ],
)
class FollowUpViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = FollowUpSerializer

    def get_queryset(self) -> Any:
        request = self.request
        return selectors.followups_for(
            request.user,
            status=request.query_params.get("status", ""),
            type=request.query_params.get("type", ""),
            assignee_id=int_param(request, "assignee"),
            customer_id=int_param(request, "customer"),
            overdue=request.query_params.get("overdue", "").lower() in ("1", "true"),
        )

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        customer = data.pop("customer")  # a ScopedRelatedField: only customers the caller may view
        serializer.instance = services.followup_plan(
            actor=self.request.user,
            customer=customer,
            type=data["type"],
            due_on=data.get("due_on"),
            note=data.get("note", ""),
            source_type="manual",
        )

    @extend_schema(request=FollowUpCompleteSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        followup = self.get_object()
        serializer = FollowUpCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        followup = services.followup_complete(actor=request.user, followup=followup, **data)
        return Response(FollowUpSerializer(followup).data)

    @extend_schema(
        parameters=[OpenApiParameter("since", dt.date), OpenApiParameter("until", dt.date)],
        responses=FollowUpStatsSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def stats(self, request: Request) -> Response:
        today = timezone.localdate()
        report = selectors.followup_report(
            request.user,
            since=date_param(request, "since") or today.replace(day=1),
            until=date_param(request, "until") or today,
        )
        return Response(FollowUpStatsSerializer([*report.rows, report.total], many=True).data)

    @extend_schema(parameters=[OpenApiParameter("since", dt.date), OpenApiParameter("until", dt.date)])
    @action(detail=False, methods=["get"], url_path="stats-by-person")
    def stats_by_person(self, request: Request) -> Response:
        """Follow-up results per person, and service quality (服务态度、响应速度、解决能力) per staff member."""
        today = timezone.localdate()
        since = date_param(request, "since") or today.replace(day=1)
        until = date_param(request, "until") or today
        return Response(
            {
                "by_person": selectors.followup_results_by_person(request.user, since=since, until=until),
                "quality": selectors.service_quality_by_staff(request.user, since=since, until=until),
            }
        )


@extend_schema(
    tags=["engagement"],
    parameters=[
        OpenApiParameter("status", str),
        OpenApiParameter("since", dt.date),
        OpenApiParameter("until", dt.date),
    ],
)
class CareItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CareItemSerializer

    def get_queryset(self) -> Any:
        request = self.request
        return selectors.care_items_for(
            request.user,
            status=request.query_params.get("status", ""),
            since=date_param(request, "since"),
            until=date_param(request, "until"),
        )

    @extend_schema(request=CareRecordSerializer, responses=CareItemSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        serializer = CareRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.care_item_record(actor=request.user, item=item, **serializer.validated_data)
        return Response(CareItemSerializer(item).data)

    @extend_schema(request=None, responses=CareItemSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """A manager approves a gift and its budget."""
        item = services.care_gift_approve(actor=request.user, item=self.get_object())
        return Response(CareItemSerializer(item).data)

    @extend_schema(parameters=[OpenApiParameter("type", str, enum=["xlsx", "pdf"])], responses={200: bytes})
    @action(detail=False, methods=["get"], url_path="gift-list")
    def gift_list(self, request: Request) -> HttpResponse:
        """The gifts to buy and send (filtered like the list): Excel, or PDF to print."""
        from kehu.access.audit import log_access
        from kehu.messaging.letters import gift_list_pdf, gift_list_xlsx

        from ..care import gift_rows

        kind = request.query_params.get("type", "xlsx")
        if kind not in ("xlsx", "pdf"):
            raise ValidationError({"type": [_("可选值：%(choices)s") % {"choices": "xlsx, pdf"}]})
        gifts = CareItem.objects.restrict(request.user, "view").filter(action="gift").exclude(status="skipped")
        since, until = date_param(request, "since"), date_param(request, "until")
        if since:
            gifts = gifts.filter(occasion_on__gte=since)
        if until:
            gifts = gifts.filter(occasion_on__lte=until)
        items = list(gifts.select_related("customer", "contact").order_by("occasion_on", "id")[:5000])
        rows = gift_rows(items)
        log_access(user=request.user, action="export", request=request, rows=len(rows), detail={"gift_list": kind})
        if kind == "pdf":
            return HttpResponse(gift_list_pdf(rows), content_type="application/pdf")
        response = HttpResponse(
            gift_list_xlsx(rows), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = 'attachment; filename="gift-list.xlsx"'
        return response


@extend_schema(tags=["engagement"], parameters=[OpenApiParameter("owner", int)])
class BoardItemViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = BoardItemSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return BoardItem.objects.none()
        owner = int_param(self.request, "owner")
        queryset = selectors.board_items_for(self.request.user)
        if owner:
            queryset = queryset.filter(owner_id=owner)
        return queryset.order_by("-id")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("state", None)
        serializer.instance = services.board_item_create(actor=self.request.user, **data)

    @extend_schema(request=BoardMoveSerializer, responses=BoardItemSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        serializer = BoardMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.board_item_move(actor=request.user, item=item, **serializer.validated_data)
        return Response(BoardItemSerializer(item).data)


class CareCalendarView(APIView):
    """GET the care calendar of a year (?year=2027): every statutory holiday with the days off of the
    official notice (where published) and the lunar festivals, on their solar dates."""

    @extend_schema(
        tags=["calendar"], parameters=[OpenApiParameter("year", int)], responses=CareOccasionSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        from ..care import festivals_of

        year = int_param(request, "year") or timezone.localdate().year
        if not 1901 <= year <= 2099:  # the lunar tables' range
            raise ValidationError({"year": [_("年份须在 1901 到 2099 之间。")]})
        occasions = [{**o.__dict__, "label": o.label} for o in festivals_of(year)]
        return Response(CareOccasionSerializer(occasions, many=True).data)


class WorkdayView(APIView):
    """GET the PRC working-day calendar for a range (?start=&end=, at most a year); POST (admins) sets a day.

    GET ?from=2025-09-30&add=3 answers "3 working days after" as {"date": ...}.
    """

    @extend_schema(
        tags=["calendar"],
        parameters=[
            OpenApiParameter("start", dt.date),
            OpenApiParameter("end", dt.date),
            OpenApiParameter("from", dt.date),
            OpenApiParameter("add", int),
        ],
        responses=WorkdaySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        if request.query_params.get("add"):
            start = date_param(request, "from") or timezone.localdate()
            add = int_param(request, "add") or 0
            if add > 365:
                raise ValidationError({"add": [_("最多 365 个工作日。")]})
            return Response({"from": start, "add": add, "date": workcalendar.add_working_days(start, add)})
        today = timezone.localdate()
        start = date_param(request, "start") or today.replace(month=1, day=1)
        end = date_param(request, "end") or today.replace(month=12, day=31)
        if end < start or (end - start).days > 366:
            raise ValidationError({"end": [_("范围最多一年。")]})
        return Response(WorkdaySerializer(workcalendar.days(start, end), many=True).data)

    @extend_schema(tags=["calendar"], request=WorkdaySerializer, responses=WorkdaySerializer)
    def post(self, request: Request) -> Response:
        serializer = WorkdaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not roles.is_admin(request.user):
            return Response({"detail": _("只有管理员可以修改工作日历。")}, status=status.HTTP_403_FORBIDDEN)
        day = workcalendar.calendar_day_set(actor=request.user, **serializer.validated_data)
        return Response(
            {"date": day.date, "is_workday": day.is_workday, "name": day.name, "origin": "override"},
            status=status.HTTP_201_CREATED,
        )
