"""Endpoints outside the login: the web-chat widget and the inbound webhooks (mounted at the root)."""

from django.urls import path

from . import webhooks, widget

urlpatterns = [
    path("chat/widget.js", widget.widget_js, name="chat_widget"),
    path("chat/embed/", widget.embed, name="chat_embed"),
    path("chat/embed/messages/", widget.embed_messages, name="chat_messages"),
    path("chat/embed/send/", widget.embed_send, name="chat_send"),
    path("hooks/sms/", webhooks.sms, name="hook_sms"),
    path("hooks/wecom/", webhooks.wecom, name="hook_wecom"),
    path("hooks/dingtalk/", webhooks.dingtalk, name="hook_dingtalk"),
]
