"""Plain data that administrators edit: dimensions and the grade schedule. Templates are edited only
through the API/services, which make a new version once one was used (never here)."""

from django.contrib import admin

from .models import Dimension, SurveyPolicy


@admin.register(Dimension)
class DimensionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "position", "is_active")
    list_editable = ("name", "name_en", "position", "is_active")


@admin.register(SurveyPolicy)
class SurveyPolicyAdmin(admin.ModelAdmin):
    list_display = ("grade", "surveys_per_year", "evaluations_per_year")
    list_editable = ("surveys_per_year", "evaluations_per_year")
