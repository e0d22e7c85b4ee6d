from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "department", "level", "is_active")
    list_filter = ("department", "level", "is_active")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("组织"), {"fields": ("department", "level", "manager", "phone", "is_auditor")}),
    )  # type: ignore[misc]
