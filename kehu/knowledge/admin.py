from django.contrib import admin

from .models import Category, SynonymGroup


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "order"]
    list_editable = ["order"]


@admin.register(SynonymGroup)
class SynonymGroupAdmin(admin.ModelAdmin):
    """Synonyms are data; the assistant rebuilds its index when they change (see save_model)."""

    list_display = ["words"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        from .services import index_changed

        super().save_model(request, obj, form, change)
        index_changed()

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        from .services import index_changed

        super().delete_model(request, obj)
        index_changed()
