"""Django's `i18n` tag library with a cheaper `{% translate "constant" %}` (config/settings.py TEMPLATES
"libraries" makes `{% load i18n %}` load this module).

Django's tag turns its constant into a lazy translation on every render and then casts it back to
a string: a proxy object, a dozen wrapper calls and a localisation check for each of the 60 to 120
labels a page carries (measured on the customer page: about a tenth of its rendering, issue 16).
For the form nearly every template uses, `{% translate "常量" %}` and `{% translate "常量" as name %}`
(no filter, no context, not noop), the node below calls gettext directly and gives exactly what
Django's gives: the translation of the literal in the active language, safe (a template literal is
trusted text, as in Django), with the doubled percent signs restored. Every other form is Django's
own node. makemessages reads the template source, so extraction is unchanged.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.templatetags import i18n as django_i18n
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


class ConstantTranslateNode(template.Node):
    child_nodelists = ()

    def __init__(self, msgid: SafeString, asvar: str | None) -> None:
        self.msgid = msgid  # percent signs doubled, as Django passes it to gettext
        self.asvar = asvar

    def render(self, context: Any) -> str:
        # the template author's literal and its translation in our own catalogue, as Django marks them
        value = mark_safe(gettext(self.msgid).replace("%%", "%"))  # noqa: S308
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


def _constant(node: django_i18n.TranslateNode) -> ConstantTranslateNode | None:
    expression = node.filter_expression
    variable = expression.var
    if node.noop or node.message_context or expression.filters or not isinstance(variable, template.Variable):
        return None
    literal = variable.literal
    if variable.lookups is not None or not isinstance(literal, SafeString):
        return None
    return ConstantTranslateNode(mark_safe(literal.replace("%", "%%")), node.asvar)  # noqa: S308 (still the literal)


@register.tag("translate")
@register.tag("trans")
def do_translate(parser: Any, token: Any) -> template.Node:
    node = django_i18n.do_translate(parser, token)
    return _constant(node) or node
