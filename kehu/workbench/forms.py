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


class ReassignForm(TransferOwnerForm):
    """改派 on the follow-up list: the grouped user select, labelled for a visit. Its batch form has more
    than one action (close with a reason, re-assign, export): the select is required only when 改派 is
    clicked (workbench.js, data-wb-for), the service refuses a missing one anyway."""

    use_required_attribute = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        field.label = _("新回访人")
        field.widget.attrs.pop("required", None)
        field.widget.attrs["data-wb-for"] = "reassign"
        field.widget.attrs["data-testid"] = "reassign-owner"
