"""REST API of the analysis module (SPEC M11): the same selectors as the pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kehu.core.api import object_body

from .. import kpis, params, selectors, service, services
from ..models import ChurnAction


def _checked(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except params.ParamError as exc:
        raise ValidationError({exc.field: [exc.message]}) from exc


def _person(user: Any) -> dict[str, Any]:
    if user is None:
        return {}
    return {"id": user.pk, "username": user.username, "name": f"{user.last_name}{user.first_name}" or user.username}


@extend_schema(tags=["analytics"])
class CompositionView(APIView):
    """Sales amount and quantity by grade, product, region, industry or owner, with shares and Pareto.
    `as_of`: when the figures come from the worker's period summary, its time; null when computed live."""

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter("by", str, enum=list(selectors.DIMENSIONS)),
            OpenApiParameter("from", str, description="YYYY-MM-DD"),
            OpenApiParameter("to", str, description="YYYY-MM-DD"),
        ],
    )
    def get(self, request: Request) -> Response:
        by = _checked(params.dimension, request.query_params)
        since, until = _checked(params.date_range, request.query_params)
        summary = selectors.cube_for(request.user, since, until)
        data = selectors.composition(request.user, by=by, since=since, until=until, summary=summary)
        pareto = selectors.pareto(request.user, since=since, until=until, summary=summary)
        return Response(
            {
                "by": by,
                "from": since,
                "to": until,
                "scope_limited": selectors.scope_is_limited(request.user),
                # the worker's summary time when it answered (a precomputed period, ADR 0023); else null
                "as_of": data["as_of"],
                "total_amount": str(data["total_amount"]),
                "total_quantity": data["total_quantity"],
                "customers": data["customers"],
                "items": [
                    {
                        "key": row.key,
                        "label": row.label,
                        "amount": str(row.amount),
                        "amount_share": round(row.share, 4),
                        "quantity": row.quantity,
                        "quantity_share": round(row.quantity_share, 4),
                        "customers": row.customers,
                    }
                    for row in data["rows"]
                ],
                "pareto": {
                    **pareto,
                    "top_amount": str(pareto["top_amount"]),
                    "total_amount": str(pareto["total_amount"]),
                },
            }
        )


def _risk_item(item: dict[str, Any]) -> dict[str, Any]:
    action = item["open_action"]
    customer = item["customer"]
    return {
        "customer": {
            "id": customer.pk,
            "name": customer.name,
            "grade": customer.grade,
            "owner": _person(customer.owner),
        },
        "score": item["score"],
        "level": item["level"],
        "reasons": [{"code": r["code"], "points": r["points"], "text": r["text"]} for r in item["reasons"]],
        "action": {
            "suggested": item["suggested"],
            "id": action.pk if action else None,
            "status": action.status if action else None,
            "description": action.description if action else None,
            "owner": _person(action.owner) if action else None,
            "due_on": action.due_on if action else None,
        },
    }


@extend_schema(tags=["analytics"])
class ChurnRiskView(APIView):
    """Customers by churn risk, highest first, only those the user may view; ?after=<score>:<customer id>."""

    @extend_schema(
        responses=OpenApiTypes.OBJECT, parameters=[OpenApiParameter("min_score", int), OpenApiParameter("after", str)]
    )
    def get(self, request: Request) -> Response:
        min_score = _checked(params.optional_int, request.query_params, "min_score") or 0
        after = None
        raw = (request.query_params.get("after") or "").strip()
        if raw:
            try:
                score, customer_id = (int(part) for part in raw.split(":", 1))
            except ValueError as exc:
                raise ValidationError({"after": [_("格式应为 分数:客户编号。")]}) from exc
            after = (score, customer_id)
        page = selectors.churn_list(request.user, min_score=min_score, after=after)
        run = selectors.latest_churn_run()
        return Response(
            {
                "as_of": run.as_of if run else None,
                "scorer": run.scorer if run else "rules",  # "model" when a back-test chose it
                "scope_limited": selectors.scope_is_limited(request.user),
                "next": f"{page['next'][0]}:{page['next'][1]}" if page["next"] else None,
                "results": [_risk_item(item) for item in page["items"]],
            }
        )


@extend_schema(tags=["analytics"])
class ChurnRunView(APIView):
    """POST: recompute every customer's churn risk now (managers); answers 202 with the run."""

    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        if not services.may_run_churn(request.user):
            raise PermissionDenied(_("只有经理及以上人员可以重新计算流失风险。"))
        run = services.churn_run_start(actor=request.user)
        return Response(
            {"id": run.pk, "status": run.status, "as_of": run.as_of, "weights": run.weights},
            status=status.HTTP_202_ACCEPTED,
        )


def _backtest_body(bt: Any) -> dict[str, Any]:
    return {
        "id": bt.pk,
        "status": bt.status,
        "as_of": bt.as_of,
        "test_cutoff": bt.test_cutoff,
        "train_cutoffs": bt.train_cutoffs,
        "train_size": bt.train_size,
        "train_churned": bt.train_churned,
        "test_size": bt.test_size,
        "test_churned": bt.test_churned,
        "metrics": bt.metrics,
        "coefficients": bt.coefficients,
        "model_wins": bt.model_wins,
        "reason": bt.reason,
    }


@extend_schema(tags=["analytics"])
class ChurnBacktestView(APIView):
    """GET: {"latest": the latest finished back-test of the churn model against the rules (figures,
    decision) or null}; POST: back-test now; answers 202, the worker does it. Managers only."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        # Company-wide counts (regular buyers, churned): for the people who may run it, not for a
        # viewer whose scope is a few customers. Which scorer is in use is in churn-risk for all.
        if not services.may_run_churn(request.user):
            raise PermissionDenied(_("只有经理及以上人员可以查看模型回测。"))
        bt = selectors.latest_backtest()
        return Response({"latest": _backtest_body(bt) if bt is not None else None})

    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        if not services.may_run_churn(request.user):
            raise PermissionDenied(_("只有经理及以上人员可以重新计算流失风险。"))
        bt = services.backtest_start(actor=request.user)
        return Response({"id": bt.pk, "status": bt.status, "as_of": bt.as_of}, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["analytics"])
class ChurnActionView(APIView):
    """POST a retention action {customer, description, owner?, due_on?}."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        data: Any = object_body(request)
        try:
            customer_id = int(data.get("customer"))
        except (TypeError, ValueError) as exc:
            raise ValidationError({"customer": [_("请输入整数。")]}) from exc
        owner_id = data.get("owner")
        due = data.get("due_on")
        try:
            owner = int(owner_id) if owner_id not in (None, "") else None
        except (TypeError, ValueError) as exc:
            raise ValidationError({"owner": [_("请输入整数。")]}) from exc
        due_on = _checked(params.date_value, {"due_on": str(due or "")}, "due_on", None)
        action = services.churn_action_create(
            actor=request.user,
            customer_id=customer_id,
            description=str(data.get("description") or ""),
            owner_id=owner,
            due_on=due_on,
        )
        return Response(_action(action), status=status.HTTP_201_CREATED)


@extend_schema(tags=["analytics"])
class ChurnActionDetailView(APIView):
    """PATCH {status, note}: the owner of the action or anyone who may view the customer."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def patch(self, request: Request, pk: int) -> Response:
        data: Any = object_body(request)
        action = services.churn_action_update(
            actor=request.user,
            action_id=pk,
            status=str(data.get("status") or ""),
            note=str(data.get("note") or ""),
        )
        return Response(_action(action))


def _action(action: ChurnAction) -> dict[str, Any]:
    return {
        "id": action.pk,
        "customer": action.customer_id,
        "kind": action.kind,
        "description": action.description,
        "owner": _person(action.owner),
        "due_on": action.due_on,
        "status": action.status,
        "note": action.note,
        "score_at_start": action.score_at_start,
    }


@extend_schema(tags=["analytics"])
class KpiView(APIView):
    """Per person: plans_due, plans_on_time, followups_due, followups_on_time, complaints_closed,
    complaints_on_time, satisfaction_avg for ?period=YYYY-MM (&user=<id>)."""

    @extend_schema(
        responses=OpenApiTypes.OBJECT, parameters=[OpenApiParameter("period", str), OpenApiParameter("user", int)]
    )
    def get(self, request: Request) -> Response:
        start, end = _checked(params.period, request.query_params)
        user_id = _checked(params.optional_int, request.query_params, "user")
        try:
            persons = kpis.people(request.user, user_id)
        except kpis.NotAllowed as exc:
            raise PermissionDenied(_("您无权查看此人的绩效。")) from exc
        rows = kpis.kpis(request.user, start=start, end=end, persons=persons)
        return Response(
            {
                "period": f"{start:%Y-%m}",
                "scope_limited": selectors.scope_is_limited(request.user),
                "results": [{"user": _person(r["user"]), **{k: r[k] for k in kpis.FIELDS}} for r in rows],
            }
        )


@extend_schema(tags=["analytics"])
class ServiceView(APIView):
    """Complaints, problems, demands and consultations of ?period=YYYY-MM; SLA timers against target."""

    @extend_schema(responses=OpenApiTypes.OBJECT, parameters=[OpenApiParameter("period", str)])
    def get(self, request: Request) -> Response:
        start, end = _checked(params.period, request.query_params)
        data = service.service_stats(request.user, start=start, end=end)
        return Response({"period": f"{start:%Y-%m}", "scope_limited": selectors.scope_is_limited(request.user), **data})
