"""REST API of the service desk: the same selectors and services as the UI.

Each workflow step is `POST /api/<collection>/{id}/<transition>/`; a step out of order is
400 with a message, a refused role 403, a lost race or a stale `version` 409.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kehu.access.audit import log_access
from kehu.core.api import choice_param, field_param, single_param
from kehu.core.inputs import parse_id

from .. import mail, selectors, services
from ..workflow import WORKFLOWS
from .serializers import (
    ComplaintCreateSerializer,
    ComplaintSerializer,
    ConsultationCreateSerializer,
    ConsultationSerializer,
    DemandCreateSerializer,
    DemandSerializer,
    MailSerializer,
    MilestoneReachSerializer,
    ReplySerializer,
    TicketCreateSerializer,
    TicketMemberSerializer,
    TicketMilestoneSerializer,
    TicketSerializer,
    TimelineSerializer,
    transition_serializer,
)


class _RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    kind = ""
    create_serializer: Any = None
    create_service: Any = None

    def get_queryset(self) -> Any:
        if self.action == "list":
            request = self.request
            model = selectors.MODELS[self.kind]
            filters = {key: field_param(request, model, key) for key in selectors.FILTERS[self.kind]}
            queue = choice_param(request, "queue", ["mine", "department", "unassigned", "breaching"])
            return selectors.record_list_for(
                request.user, self.kind, queue=queue, q=single_param(request, "q")[:100], **filters
            ).prefetch_related("timers")
        return selectors.scoped(self.request.user, self.kind).select_related("customer").prefetch_related("timers")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        log_access(
            user=request.user,
            action="view",
            customer=record.customer,
            request=request,
            object_type=self.kind,
            object_id=record.pk,
            detail={"via": "api"},
        )
        return Response(self.get_serializer(record).data)

    def create(self, request: Request) -> Response:
        serializer = self.create_serializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        record = type(self).create_service(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=TimelineSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        record = self.get_object()
        return Response(TimelineSerializer(selectors.timeline_of(record, self.kind), many=True).data)

    def _transition(self, request: Request, name: str) -> Response:
        record = self.get_object()
        spec = WORKFLOWS[self.kind][name]
        serializer = transition_serializer(self.kind, spec)(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        record = services.transition(
            self.kind, actor=request.user, record=record, name=name, data=data, version=version
        )
        return Response(self.get_serializer(record).data)


def _add_transitions(viewset: type[_RecordViewSet], record_serializer: Any) -> None:
    for name, spec in WORKFLOWS[viewset.kind].items():

        def handler(self: Any, request: Request, pk: str | None = None, _name: str = name) -> Response:
            return self._transition(request, _name)

        handler.__name__ = name
        handler.__doc__ = f"{spec.label}（{spec.who_label}）"
        handler = extend_schema(
            request=transition_serializer(viewset.kind, spec),
            responses={200: record_serializer, 400: None, 403: None, 409: None},
            summary=str(spec.label),
        )(handler)
        setattr(viewset, name, action(detail=True, methods=["post"], url_path=name)(handler))


QUEUE = OpenApiParameter("queue", str, enum=["mine", "department", "unassigned", "breaching"])


def _filters(kind: str) -> list[OpenApiParameter]:
    model = selectors.MODELS[kind]
    params = [QUEUE, OpenApiParameter("q", str, description="record number, or customer name/pinyin/phone/e-mail")]
    for name in selectors.FILTERS[kind]:
        field = model._meta.get_field(name)
        if field.is_relation:
            params.append(OpenApiParameter(name, int))
        else:
            params.append(OpenApiParameter(name, str, enum=[value for value, _label in field.choices or []] or None))
    return params


class _ReplyMixin:
    """Complaints and tickets carry a mail thread with the customer: POST …/{id}/reply/ sends into it."""

    get_object: Any

    @extend_schema(request=ReplySerializer, responses={201: MailSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str | None = None) -> Response:
        serializer = ReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = mail.mail_reply(actor=request.user, record=self.get_object(), **serializer.validated_data)
        return Response(MailSerializer(message).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(parameters=_filters("complaint")))
@extend_schema(tags=["servicedesk"])
class ComplaintViewSet(_ReplyMixin, _RecordViewSet):
    kind = "complaint"
    serializer_class = ComplaintSerializer
    create_serializer = ComplaintCreateSerializer
    create_service = staticmethod(services.complaint_create)

    @extend_schema(request=ComplaintCreateSerializer, responses={201: ComplaintSerializer})
    def create(self, request: Request) -> Response:
        return super().create(request)


@extend_schema_view(list=extend_schema(parameters=_filters("ticket")))
@extend_schema(tags=["servicedesk"])
class TicketViewSet(_ReplyMixin, _RecordViewSet):
    kind = "ticket"
    serializer_class = TicketSerializer
    create_serializer = TicketCreateSerializer
    create_service = staticmethod(services.ticket_create)

    @extend_schema(request=TicketCreateSerializer, responses={201: TicketSerializer})
    def create(self, request: Request) -> Response:
        return super().create(request)

    @extend_schema(request=TicketMemberSerializer, responses={200: TicketMemberSerializer(many=True)})
    @action(detail=True, methods=["get", "post"], url_path="task-group")
    def task_group(self, request: Request, pk: str | None = None) -> Response:
        """专项小组 of a complex problem: list, or add a member (POST {user, role})."""
        ticket = self.get_object()
        if request.method == "POST":
            serializer = TicketMemberSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.ticket_member_add(actor=request.user, ticket=ticket, **serializer.validated_data)
        members = ticket.task_group.select_related("user").order_by("role", "id")
        return Response(TicketMemberSerializer(members, many=True).data)

    @extend_schema(request=TicketMilestoneSerializer, responses={200: TicketMilestoneSerializer(many=True)})
    @action(detail=True, methods=["get", "post"])
    def milestones(self, request: Request, pk: str | None = None) -> Response:
        """Milestones of the confirmed plan: list, or add one (POST {title, planned_at})."""
        ticket = self.get_object()
        if request.method == "POST":
            serializer = TicketMilestoneSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.ticket_milestone_add(actor=request.user, ticket=ticket, **serializer.validated_data)
        return Response(TicketMilestoneSerializer(ticket.milestones.all(), many=True).data)

    @extend_schema(request=MilestoneReachSerializer, responses={200: TicketMilestoneSerializer})
    @action(detail=True, methods=["post"], url_path="milestone-reached")
    def milestone_reached(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        serializer = MilestoneReachSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        milestone = get_object_or_404(ticket.milestones, pk=serializer.validated_data["milestone"])
        milestone = services.ticket_milestone_reach(
            actor=request.user, milestone=milestone, told_note=serializer.validated_data["told_note"]
        )
        return Response(TicketMilestoneSerializer(milestone).data)


@extend_schema_view(list=extend_schema(parameters=_filters("demand")))
@extend_schema(tags=["servicedesk"])
class DemandViewSet(_RecordViewSet):
    kind = "demand"
    serializer_class = DemandSerializer
    create_serializer = DemandCreateSerializer
    create_service = staticmethod(services.demand_create)

    @extend_schema(request=DemandCreateSerializer, responses={201: DemandSerializer})
    def create(self, request: Request) -> Response:
        return super().create(request)


@extend_schema_view(list=extend_schema(parameters=_filters("consultation")))
@extend_schema(tags=["servicedesk"])
class ConsultationViewSet(_RecordViewSet):
    """客户咨询: 咨询 → 记录 → 处理 → 跟踪 → 回访."""

    kind = "consultation"
    serializer_class = ConsultationSerializer
    create_serializer = ConsultationCreateSerializer
    create_service = staticmethod(services.consultation_create)

    @extend_schema(request=ConsultationCreateSerializer, responses={201: ConsultationSerializer})
    def create(self, request: Request) -> Response:
        return super().create(request)


_add_transitions(ComplaintViewSet, ComplaintSerializer)
_add_transitions(ConsultationViewSet, ConsultationSerializer)
_add_transitions(TicketViewSet, TicketSerializer)
_add_transitions(DemandViewSet, DemandSerializer)


REPORTS = ("complaints", "complaint-table", "tickets", "demands")


@extend_schema(
    tags=["servicedesk"],
    parameters=[
        OpenApiParameter("report", str, enum=list(REPORTS), required=True),
        OpenApiParameter("period", str, enum=["month", "quarter", "year"]),
        OpenApiParameter("start", str, description="YYYY-MM-DD, included"),
        OpenApiParameter("end", str, description="YYYY-MM-DD, excluded"),
        OpenApiParameter("after", int, description="complaint-table: the next_after of the previous page"),
    ],
    responses={200: None, 400: None},
)
class StatsView(APIView):
    """客户投诉统计表 (summary or every line), and problem and demand statistics, by month, quarter or year."""

    def get(self, request: Request) -> Response:
        from django.utils.translation import gettext as _

        from .. import stats
        from ..forms import StatsForm

        report = request.query_params.get("report", "complaints")
        form = StatsForm(request.query_params)
        if report not in REPORTS:
            return Response({"report": [_("未知的报表。")]}, status=status.HTTP_400_BAD_REQUEST)
        if not form.is_valid():
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        period, start, end = form.values()
        after = request.query_params.get("after", "0")
        if parse_id(after) is None:
            return Response({"after": [_("参数 after 须为整数。")]}, status=status.HTTP_400_BAD_REQUEST)
        if report == "complaint-table":
            data = stats.complaint_table(request.user, period=period, start=start, end=end, after=int(after))
            data["columns"] = dict(stats.table_headers())
        elif report == "tickets":
            data = stats.ticket_stats(request.user, period=period, start=start, end=end)
        elif report == "demands":
            data = stats.demand_stats(request.user, period=period, start=start, end=end)
        else:
            data = stats.complaint_stats(request.user, period=period, start=start, end=end)
        log_access(user=request.user, action="view", request=request, detail={"report": report, "period": period})
        return Response(_jsonable(data))


def _jsonable(value: Any) -> Any:
    import datetime as dt
    from decimal import Decimal

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value) if hasattr(value, "_proxy____cast") else value
