"""Forms of the 工作台's batch actions and saved filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .fields import DepartmentUserField


class TransferOwnerForm(forms.Form):
    owner = DepartmentUserField(
        label=_("新负责人"), widget=forms.Select(attrs={"class": "form-select form-select-sm w-auto", "required": True})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The widget walks its choices more than once while rendering: read the users once.
        field = self.fields["owner"]
        field.widget.choices = list(field.choices)  # type: ignore[attr-defined]


class AssignOwnerForm(TransferOwnerForm):
    """指派 on the ticket and demand lists: the same grouped user select, labelled for a case."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].label = _("负责人")
