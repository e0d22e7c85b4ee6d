from django.contrib import admin

from .models import DigestRobot


@admin.register(DigestRobot)
class DigestRobotAdmin(admin.ModelAdmin):
    list_display = ("manager", "robot", "is_active")
    list_filter = ("is_active",)
    raw_id_fields = ("manager",)
