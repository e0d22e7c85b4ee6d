"""Token endpoints: log in for a token (password plus the TOTP code when enrolled), log out, and
named tokens for integrations."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import lockout, tokens
from ..lockout import lockout_message
from ..models import ApiToken, User


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(max_length=12, required=False, allow_blank=True)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "kind", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at", "active"]
        read_only_fields = fields

    def get_active(self, token: ApiToken) -> bool:
        return tokens.is_active(token)


class NamedTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    days = serializers.IntegerField(min_value=1, max_value=tokens.MAX_NAMED_DAYS, default=365)


def _verify_otp(user: Any, code: str) -> bool:
    from kehu.access import otp

    if not otp.has_confirmed_device(user):
        return True
    if not code:
        raise ValidationError({"otp": [_("此账号已启用双因素认证：请同时提交当前的动态验证码（otp）。")]})
    return otp.verify_code(user, code)


class ObtainTokenView(APIView):
    """POST username and password (and `otp`, the current TOTP code, when the user has enrolled a
    device); get {"token": ..., "expires_at": ...} for `Authorization: Token <token>`."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer)
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request=request._request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        lock = getattr(request._request, "kehu_lock", None)
        if lock is not None:
            return Response({"detail": lockout_message(lock)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if user is None or not user.is_active:
            raise ValidationError({"non_field_errors": [_("用户名或密码不正确。")]})
        if not _verify_otp(user, data.validated_data.get("otp", "").strip()):
            raise ValidationError({"otp": [_("动态验证码不正确或已过期。")]})
        lockout.clear(user.get_username(), lockout.client_ip(request._request))
        issued = tokens.token_issue(user=user)
        return Response({"token": issued.secret, "expires_at": issued.token.expires_at})


class LogoutView(APIView):
    """Revoke the token this request was made with."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, ApiToken):
            tokens.token_revoke(actor=request.user, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(APIView):
    """The user's tokens (secrets are never shown again); POST creates a named integration token."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ApiTokenSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(ApiTokenSerializer(tokens.tokens_of(request.user), many=True).data)

    @extend_schema(
        request=NamedTokenCreateSerializer,
        responses={
            201: inline_serializer(
                "NamedTokenCreated",
                {
                    "token": serializers.CharField(),
                    "id": serializers.IntegerField(),
                    "expires_at": serializers.DateTimeField(),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        data = NamedTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = tokens.token_issue(
            user=request.user,
            kind=ApiToken.Kind.NAMED,
            name=data.validated_data["name"],
            days=data.validated_data["days"],
        )
        body = {"token": issued.secret, "id": issued.token.pk, "expires_at": issued.token.expires_at}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenRevokeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        token = get_object_or_404(ApiToken.objects.filter(user=cast(User, request.user)), pk=pk)
        tokens.token_revoke(actor=request.user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
