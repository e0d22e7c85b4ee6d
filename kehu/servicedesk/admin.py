from django.contrib import admin

from kehu.access.admin import ScopedAdmin

from .models import Complaint, Demand, SlaTarget, SlaTimer, Ticket


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    """Per-urgency SLA targets are data: administrators edit them here."""

    list_display = ["urgency", "response_minutes", "analysis_hours", "progress_hours", "follow_up_working_days"]
    list_editable = ["response_minutes", "analysis_hours", "progress_hours", "follow_up_working_days"]


@admin.register(Complaint, Ticket, Demand)
class RecordAdmin(ScopedAdmin):
    """Read-only: every change goes through the workflow services (and their timeline)."""

    list_display = ["number", "customer", "state", "created_at"]
    list_filter = ["state"]
    raw_id_fields = ["customer"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(SlaTimer)
class SlaTimerAdmin(ScopedAdmin):
    list_display = ["kind", "complaint", "ticket", "demand", "due_at", "warned_at", "breached_at", "stopped_at"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
