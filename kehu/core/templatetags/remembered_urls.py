"""`{% url %}` that remembers what it reversed (a template builtin: config/settings.py TEMPLATES).

Django's tag reverses every link anew: about 50 µs each here, and a page carries 30 to 60 of them
(the navigation alone a dozen), some 2 ms of every page (issue 16). The same name and arguments
always give the same path for a given URL configuration and script prefix, so the paths are kept
in a bounded memo keyed by all four. Only plain arguments (numbers, strings) are remembered: a
model instance is reversed through its str(), which can change.
"""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()
PLAIN = (int, str)


@functools.lru_cache(maxsize=8192)
def _reverse(view_name: str, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...], current_app: Any,
             _prefix: str, _urlconf: Any) -> str:  # fmt: skip
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


class RememberedURLNode(defaulttags.URLNode):
    def render(self, context: Any) -> str:
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple((k, v.resolve(context)) for k, v in self.kwargs.items())
        view_name = self.view_name.resolve(context)
        plain = isinstance(view_name, str) and all(isinstance(v, PLAIN) for v in (*args, *(v for _k, v in kwargs)))
        if not plain:
            return str(super().render(context))
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = _reverse(view_name, args, kwargs, current_app, get_script_prefix(), get_urlconf())
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return str(conditional_escape(url)) if context.autoescape else url


@register.tag
def url(parser: Any, token: Any) -> RememberedURLNode:
    node = defaulttags.url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
