"""REST API of the customer archive: the same selectors and services as the UI."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kehu.access import personal, roles
from kehu.access.audit import log_access
from kehu.access.compiled import get_restricted
from kehu.access.drf import LoggedReadsMixin, log_api_read
from kehu.core.api import choice_param, date_param, int_param
from kehu.core.inputs import parse_id

from .. import grading, imports, selectors, services
from ..choices import Grade, IndustryStanding, Priority
from ..forms import CUSTOMER_FIELDS
from ..models import Customer, GradingRun, ImportJob
from .serializers import (
    ContactSerializer,
    CustomerSerializer,
    CustomerUpdateSerializer,
    DocumentListSerializer,
    GradeChangeSerializer,
    GradeProposalSerializer,
    GradingRunSerializer,
    ImportJobSerializer,
    ProductUpgradeSerializer,
    RegradeSerializer,
    TransactionSerializer,
)

CUSTOMER_FILTERS = [
    OpenApiParameter("q", str, description="name, pinyin (initials), phone or e-mail fragment"),
    OpenApiParameter("grade", str, enum=Grade.values),
    OpenApiParameter("priority", str, enum=Priority.values),
    OpenApiParameter("region", str),
    OpenApiParameter("owner", int),
    OpenApiParameter("industry_standing", str, enum=IndustryStanding.values),
    OpenApiParameter("is_archived", bool),
]


@extend_schema(tags=["customers"])
class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CustomerSerializer

    def get_serializer_class(self) -> Any:
        if self.action in ("update", "partial_update"):
            return CustomerUpdateSerializer
        if self.action == "regrade":
            return RegradeSerializer
        return CustomerSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Customer.objects.none()
        request = self.request
        if self.action == "list":
            archived = request.query_params.get("is_archived", "")
            return selectors.customer_list_for(
                request.user,
                with_owner=False,  # owner_name from accounts.backends.user_labels
                q=request.query_params.get("q", ""),
                grade=choice_param(request, "grade", Grade.values),
                priority=choice_param(request, "priority", Priority.values),
                region=request.query_params.get("region", ""),
                owner_id=int_param(request, "owner"),
                industry_standing=choice_param(request, "industry_standing", IndustryStanding.values),
                is_archived={"true": True, "false": False, "1": True, "0": False}.get(archived.lower()),
            )
        # Regrading needs the marketing role (checked in regrade) and view, not edit: see views.GRADING_SCOPE.
        scope = "edit" if self.action in ("update", "partial_update") else "view"
        return Customer.objects.restrict(request.user, scope)

    def get_object(self) -> Customer:
        if self.action in ("update", "partial_update"):
            return super().get_object()  # type: ignore[no-any-return]
        # A read: the statement compiled once per user (access.compiled); the owner is shown by
        # name from user_labels, so no join.
        pk = parse_id(str(self.kwargs.get("pk", "")))
        customer = get_restricted(Customer, self.request.user, "view", pk) if pk is not None else None
        if customer is None:
            raise NotFound()
        self.check_object_permissions(self.request, customer)
        return customer  # type: ignore[no-any-return]

    @extend_schema(parameters=CUSTOMER_FILTERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        q = request.query_params.get("q", "")
        if q:
            log_access(user=request.user, action="search", request=request, query=q, rows=len(response.data["results"]))
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = self.get_object()
        log_access(user=request.user, action="view", customer=customer, request=request, detail={"via": "api"})
        return Response(self.get_serializer(customer).data)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("version", None)
        data["source"] = data.pop("learned_from", "")
        serializer.instance = services.customer_create(actor=self.request.user, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        version = data.pop("version")
        learned_at = data.pop("learned_at", None)
        source = data.pop("learned_from", "")
        fields = {k: v for k, v in data.items() if k in CUSTOMER_FIELDS}
        serializer.instance = services.customer_update(
            actor=self.request.user,
            customer=serializer.instance,
            version=version,
            learned_at=learned_at,
            source=source,
            annual_sales=data.get("annual_sales"),
            **fields,
        )

    @extend_schema(responses=DocumentListSerializer(many=True))
    @action(detail=True, methods=["get"])
    def documents(self, request: Request, pk: str | None = None) -> Response:
        """卷内文件目录 (客户档案管理方案 四.1): filed order and page numbers."""
        customer = self.get_object()
        log_access(user=request.user, action="view", customer=customer, request=request, object_type="document")
        return Response(DocumentListSerializer(selectors.document_register(customer), many=True).data)

    @extend_schema(request=RegradeSerializer, responses=GradeChangeSerializer)
    @action(detail=True, methods=["post"])
    def regrade(self, request: Request, pk: str | None = None) -> Response:
        if not roles.is_grader(request.user):
            return Response({"detail": _("只有市场营销经理及以上可以调整等级。")}, status=status.HTTP_403_FORBIDDEN)
        customer = self.get_object()
        serializer = RegradeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = grading.customer_regrade(actor=request.user, customer=customer, **serializer.validated_data)
        return Response(GradeChangeSerializer(change).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["customers"], parameters=[OpenApiParameter("customer", int)])
class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Key people. Personal fields are revealed through access.personal.read_personal (which logs the
    read) and masked without view_sensitive, exactly as on the customer page."""

    serializer_class = ContactSerializer

    def get_queryset(self) -> Any:
        return selectors.contacts_for(
            self.request.user, customer_id=int_param(self.request, "customer")
        ).select_related("customer")

    def _with_personal(self, contacts: list[Any], via: str) -> dict[str, Any]:
        values = personal.read_personal(self.request.user, contacts, request=self.request, via=via)
        return {**self.get_serializer_context(), "personal": values}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        contacts = list(page if page is not None else self.get_queryset()[:500])
        log_api_read(request, contacts, via="api:contacts:list")
        data = ContactSerializer(contacts, many=True, context=self._with_personal(contacts, "api:contacts")).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        contact = self.get_object()
        log_api_read(request, [contact], via="api:contacts:detail")
        return Response(ContactSerializer(contact, context=self._with_personal([contact], "api:contact")).data)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        customer = data.pop("customer")  # a ScopedRelatedField: only customers the caller may edit
        serializer.instance = services.contact_create(actor=self.request.user, customer=customer, **data)


@extend_schema(
    tags=["customers"],
    parameters=[
        OpenApiParameter("customer", int),
        OpenApiParameter("since", dt.date),
        OpenApiParameter("until", dt.date),
    ],
)
class TransactionViewSet(
    LoggedReadsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TransactionSerializer

    def get_queryset(self) -> Any:
        request = self.request
        return selectors.transactions_for(
            request.user,
            customer_id=int_param(request, "customer"),
            since=date_param(request, "since"),
            until=date_param(request, "until"),
        )

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        customer = data.pop("customer")  # a ScopedRelatedField: only customers the caller may edit
        serializer.instance = services.transaction_create(actor=self.request.user, customer=customer, **data)


class GradeProposalView(APIView):
    @extend_schema(tags=["customers"], responses=GradeProposalSerializer(many=True))
    def get(self, request: Request) -> Response:
        if not roles.is_grader(request.user):
            return Response({"detail": _("只有市场营销经理及以上可以查看分级建议。")}, status=status.HTTP_403_FORBIDDEN)
        proposals = grading.grade_proposals(Customer.objects.restrict(request.user, "view"), limit=1000)
        return Response(GradeProposalSerializer(proposals, many=True).data)


@extend_schema(tags=["customers"])
class GradingRunViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Score every active customer in the background (POST, no body) and follow its progress (GET)."""

    serializer_class = GradingRunSerializer
    queryset = GradingRun.objects.order_by("-id")

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not roles.is_grader(request.user):
            raise PermissionDenied(_("只有市场营销经理及以上可以运行评分。"))

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = grading.grading_run_start(actor=self.request.user)


@extend_schema(tags=["customers"])
class ImportJobViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Upload a workbook (.xlsx/.xls/.ods; previewed in the background), poll `progress`, then commit
    (written in the background, visible all at once) or cancel. Marketing's archive keepers only."""

    serializer_class = ImportJobSerializer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not roles.is_importer(request.user):
            raise PermissionDenied(_("只有市场营销部的档案专员可以导入客户档案。"))

    def get_queryset(self) -> Any:
        return ImportJob.objects.filter(actor_id=self.request.user.pk).order_by("-id")

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = imports.import_start(actor=self.request.user, file=serializer.validated_data["file"])

    @extend_schema(request=None, responses=ImportJobSerializer)
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: str | None = None) -> Response:
        job = imports.import_commit(actor=request.user, job=self.get_object())
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data)

    @extend_schema(request=None, responses=ImportJobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        job = imports.import_cancel(actor=request.user, job=self.get_object())
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data)


class ProductUpgradeView(APIView):
    """POST {product, note}: a major upgrade delivered; its buyers get a special-situation visit (回访制度细则 三.2)."""

    @extend_schema(tags=["customers"], request=ProductUpgradeSerializer, responses={202: None, 400: None, 403: None})
    def post(self, request: Request) -> Response:
        serializer = ProductUpgradeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            count = services.product_upgrade_delivered(actor=request.user, **serializer.validated_data)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from error
        return Response({"customers": count}, status=status.HTTP_202_ACCEPTED)
