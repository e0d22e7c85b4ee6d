from django.contrib import admin

from .models import ConsentRecord, Delivery, Robot, TopicRule


@admin.register(Robot)
class RobotAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "kind", "per_minute", "is_active")


@admin.register(TopicRule)
class TopicRuleAdmin(admin.ModelAdmin):
    list_display = ("topic", "needs_consent", "opt_in_channels", "cap_count", "cap_days", "window_start", "window_end")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the worker."""

    list_display = ("id", "channel", "topic", "to", "status", "reason", "attempts", "sent_at")
    list_filter = ("status", "channel", "topic")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return Delivery.objects.restrict(request.user, "view")


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    """Append-only evidence: no edits."""

    list_display = ("id", "contact", "address", "topic", "channel", "granted", "explicit", "evidence_at", "source")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return ConsentRecord.objects.restrict(request.user, "view")
