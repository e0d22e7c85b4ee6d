"""Form fields shared by the apps' forms: a user picker grouped by department (issue 11: "owner pickers
are a flat list of names without departments")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _


def active_users() -> Any:
    from kehu.accounts.models import User

    return User.objects.filter(is_active=True).order_by("department", "last_name", "first_name", "username")


class DepartmentUserField(forms.ModelChoiceField):
    """A <select> of users in one <optgroup> per department, each shown by name (login id after it).
    Validation is ModelChoiceField's (the queryset), only the presentation is grouped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", active_users())
        kwargs.setdefault("empty_label", "—")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name}（{obj.username}）" if name else obj.username

    def _grouped(self) -> list[Any]:
        from kehu.accounts.choices import Department

        names = dict(Department.choices)
        flat: list[Any] = []
        groups: dict[str, list[Any]] = {}
        for value, label in self.iterator(self):
            instance = getattr(value, "instance", None)
            if instance is None:
                flat.append((value, label))
                continue
            groups.setdefault(instance.department or "", []).append((value, label))
        for dept, members in groups.items():
            flat.append((str(names.get(dept, dept)) if dept else str(_("未分部门")), members))
        return flat

    def _get_grouped(self) -> Any:
        return _Lazy(self)

    choices = property(_get_grouped, forms.ChoiceField.choices.fset)  # type: ignore[assignment, union-attr]


class _Lazy(BaseChoiceIterator):
    """Evaluated when the widget renders (like ModelChoiceIterator), not when the form is built."""

    def __init__(self, field: DepartmentUserField) -> None:
        self.field = field

    def __iter__(self) -> Any:
        yield from self.field._grouped()
