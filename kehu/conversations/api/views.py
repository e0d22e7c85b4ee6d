"""REST API of the conversation layer: the same selectors and services as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kehu.access.audit import log_access
from kehu.core.api import choice_param

from .. import imports, selectors, services, stats
from ..choices import ChannelKind, ConversationState
from ..models import Conversation
from .serializers import (
    AskSerializer,
    CallCreateSerializer,
    CallImportSerializer,
    CallSerializer,
    ConversationCreateSerializer,
    ConversationDetailSerializer,
    ConversationReplySerializer,
    ConversationSerializer,
    ConvertSerializer,
    LinkSerializer,
)


def _customer(user: Any, pk: int | None, action: str = "list") -> Any:
    from kehu.customers.models import Customer

    if pk is None:
        return None
    customer = Customer.objects.restrict(user, action).filter(pk=pk).first()
    if customer is None:
        raise ValidationError({"customer": [_("客户不存在或您无权查看。")]})
    return customer


@extend_schema(
    parameters=[
        OpenApiParameter("state", str, enum=["active", *ConversationState.values]),
        OpenApiParameter("channel", str, enum=ChannelKind.values),
        OpenApiParameter("unmatched", bool),
        OpenApiParameter("mine", bool),
        OpenApiParameter("customer", int),
    ]
)
class ConversationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ConversationSerializer

    def get_queryset(self) -> Any:
        params = self.request.query_params
        if self.action == "list":
            customer = params.get("customer", "")
            if customer and not customer.isdigit():
                raise ValidationError({"customer": [_("请输入整数。")]})
            return selectors.conversations_for(
                self.request.user,
                state=choice_param(self.request, "state", ["active", *ConversationState.values]),
                channel=choice_param(self.request, "channel", ChannelKind.values),
                unmatched=params.get("unmatched") in ("1", "true"),
                mine=params.get("mine") in ("1", "true"),
                customer_id=int(customer) if customer else None,
            )
        return Conversation.objects.restrict(self.request.user, "view").select_related("customer")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        conversation = self.get_object()
        if conversation.customer_id:
            log_access(
                user=request.user,
                action="api_read",
                customer=conversation.customer,
                request=request,
                object_type="conversation",
                object_id=conversation.pk,
            )
        items = list(selectors.messages_of(request.user, conversation))
        return Response(ConversationDetailSerializer(conversation, context={"messages": items}).data)

    @extend_schema(request=ConversationCreateSerializer, responses=ConversationSerializer)
    def create(self, request: Request) -> Response:
        """Record an inbound contact taken by a person (a visit at the front desk, a call noted by hand)."""
        serializer = ConversationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer = _customer(request.user, data["customer"], "view")
        if data["channel"] == ChannelKind.ON_SITE:
            if customer is None:
                raise ValidationError({"customer": [_("现场来访须选择客户。")]})
            conversation = services.on_site_visit(actor=request.user, customer=customer, body=data["body"])
        else:
            from kehu.access import roles

            if not roles.is_service_desk(request.user) and customer is None:
                raise PermissionDenied(_("只有客服部可以登记未匹配的来访。"))
            message = services.inbound_receive(
                channel=data["channel"],
                handle=data["handle"],
                body=data["body"],
                customer=customer,
                visitor_name=data["visitor_name"],
            )
            conversation = message.conversation
        return Response(ConversationSerializer(conversation).data, status=status.HTTP_201_CREATED)

    def _edit(self) -> Conversation:
        conversation = self.get_object()
        if not Conversation.objects.restrict(self.request.user, "edit").filter(pk=conversation.pk).exists():
            raise PermissionDenied(_("会话不存在或您无权处理。"))
        return conversation

    @extend_schema(request=ConversationReplySerializer, responses=ConversationSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str | None = None) -> Response:
        serializer = ConversationReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conversation = self._edit()
        services.conversation_reply(
            actor=request.user,
            conversation=conversation,
            body=serializer.validated_data["body"],
            article_id=serializer.validated_data["article"],
        )
        conversation.refresh_from_db()
        return Response(ConversationSerializer(conversation).data)

    @extend_schema(request=LinkSerializer, responses=ConversationSerializer)
    @action(detail=True, methods=["post"])
    def link(self, request: Request, pk: str | None = None) -> Response:
        serializer = LinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conversation = self._edit()
        customer = _customer(request.user, serializer.validated_data["customer"])
        conversation = services.conversation_link_customer(
            actor=request.user, conversation=conversation, customer=customer
        )
        return Response(ConversationSerializer(conversation).data)

    @extend_schema(request=ConvertSerializer, responses=ConversationSerializer)
    @action(detail=True, methods=["post"])
    def convert(self, request: Request, pk: str | None = None) -> Response:
        serializer = ConvertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conversation = services.conversation_convert(
            actor=request.user, conversation=self._edit(), **serializer.validated_data
        )
        return Response(ConversationSerializer(conversation).data)

    @extend_schema(request=None, responses=ConversationSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        conversation = services.conversation_close(actor=request.user, conversation=self._edit())
        return Response(ConversationSerializer(conversation).data)


class CallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CallSerializer

    def get_queryset(self) -> Any:
        callback = choice_param(self.request, "callback", ["pending", "done"])
        return selectors.calls_for(self.request.user, callback=callback)

    @extend_schema(request=CallCreateSerializer, responses=CallSerializer)
    def create(self, request: Request) -> Response:
        """A call detail record from the PBX; the same external_id again updates it (answered, ended)."""
        from kehu.access import roles

        if not (roles.is_service_desk(request.user) or roles.is_admin(request.user)):
            raise PermissionDenied(_("只有客服部或呼叫中心接口账号可以提交话单。"))
        serializer = CallCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        call = services.call_record(actor=request.user, number=data.pop("caller_number"), **data)
        return Response(CallSerializer(call).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CallImportSerializer, responses={200: dict})
    @action(detail=False, methods=["post"], url_path="import")
    def import_csv(self, request: Request) -> Response:
        serializer = CallImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data.get("file")
        try:
            text = upload.read().decode("utf-8-sig") if upload else serializer.validated_data["text"]
        except UnicodeDecodeError as exc:
            raise ValidationError({"file": [_("文件须为 UTF-8 编码的 CSV。")]}) from exc
        count = imports.calls_import_csv(actor=request.user, text=text)
        return Response({"imported": count})

    @extend_schema(request=None, responses=CallSerializer)
    @action(detail=True, methods=["post"], url_path="callback-done")
    def callback_done(self, request: Request, pk: str | None = None) -> Response:
        call = services.call_callback_done(actor=request.user, call=self.get_object())
        return Response(CallSerializer(call).data)


@extend_schema(request=AskSerializer, responses={200: dict})
@api_view(["POST"])
def assistant_ask(request: Request) -> Response:
    """Ask the assistant (the same turn as the web-chat widget). Staff see internal articles too."""
    serializer = AskSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    conversation = None
    if data["conversation"]:
        conversation = Conversation.objects.restrict(request.user, "edit").filter(pk=data["conversation"]).first()
        if conversation is None:
            raise ValidationError({"conversation": [_("会话不存在或您无权处理。")]})
    turn = services.chat_ask(
        question=data["question"],
        conversation=conversation,
        visitor_name=data["visitor_name"],
        handle=data["contact"],
        public_only=False,
    )
    return Response(
        {
            "answer": turn.answer,
            "article": turn.article_id,
            "confidence": round(turn.confidence, 4),
            "handed_over": turn.handed_over,
            "conversation": turn.conversation.pk,
            "offered": turn.offered,
        }
    )


@extend_schema(
    parameters=[OpenApiParameter("period", str, required=True, description="YYYY-MM")], responses={200: dict}
)
@api_view(["GET"])
def channel_stats(request: Request) -> Response:
    period = request.query_params.get("period", "")
    try:
        report = stats.channel_stats(selectors.conversations_for(request.user), period=period)
    except ValueError as exc:
        raise ValidationError({"period": [_("期间格式应为 YYYY-MM。")]}) from exc
    return Response(report)
