"""Forms of the staff pages of messaging (the services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.customers.models import Contact

from .choices import ALL_TOPICS, MARKETING_TOPICS


class OptOutForm(forms.Form):
    """Staff record that a person asked not to receive a topic (or anything): with the evidence."""

    contact = forms.ModelChoiceField(label=_("联系人"), queryset=Contact.objects.none(), empty_label=None)
    topic = forms.ChoiceField(label=_("主题"))
    evidence_channel = forms.CharField(label=_("取得方式（如电话、来访）"), max_length=40)
    evidence_text = forms.CharField(
        label=_("客户的原话或说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, contacts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contact: Any = self.fields["contact"]
        contact.queryset = contacts.order_by("id")
        topic: Any = self.fields["topic"]
        topic.choices = [*[(str(t), t.label) for t in MARKETING_TOPICS], (ALL_TOPICS, _("全部（拒绝联系）"))]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name in ("contact", "topic") else "form-control"
