"""Admin: rules are editable data; the access log is read-only evidence. No business rules here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import AccessLog, AccessRequest, AccessRule, PersonalDataConsent, RetentionReview


@admin.register(AccessRule)
class AccessRuleAdmin(admin.ModelAdmin):
    list_display = ["action", "grade", "principal", "department", "min_level", "is_active", "note"]
    list_filter = ["action", "grade", "principal", "is_active"]
    list_editable = ["is_active"]


class ScopedAdmin(admin.ModelAdmin):
    """The admin reads customer-owned records like every other page: restrict(user, "view")."""

    def get_queryset(self, request: Any) -> Any:
        queryset: Any = super().get_queryset(request)
        return queryset.restrict(request.user, "view")


class ReadOnlyAdmin(ScopedAdmin):
    """Viewable; changes go through the services (requests, consents) or never happen (log)."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "ip", "action", "customer_id", "customer_name", "rows", "grant"]
    list_filter = ["action"]
    search_fields = ["user__username", "customer_name", "query"]
    show_full_result_count = False  # no COUNT(*) over millions of rows per page


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyAdmin):
    list_display = ["requester", "customer", "scope", "status", "valid_until", "decided_by"]
    list_filter = ["status", "scope"]
    raw_id_fields = ["customer"]


@admin.register(PersonalDataConsent)
class PersonalDataConsentAdmin(ReadOnlyAdmin):
    list_display = ["contact", "legal_basis", "given_on", "method", "recorded_by", "withdrawn_at"]


@admin.register(RetentionReview)
class RetentionReviewAdmin(ReadOnlyAdmin):
    list_display = ["customer", "last_business_on", "flagged_at", "status", "decided_by"]
    list_filter = ["status"]
