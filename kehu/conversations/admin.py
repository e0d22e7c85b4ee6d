from django.contrib import admin

from .models import ResponseTarget


@admin.register(ResponseTarget)
class ResponseTargetAdmin(admin.ModelAdmin):
    """Response targets per channel are data: administrators edit them here."""

    list_display = ["channel", "minutes", "basis", "warn_percent"]
    list_editable = ["minutes", "basis", "warn_percent"]
