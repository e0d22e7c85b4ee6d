"""Signals of the access layer: other apps react to them without access importing those apps."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by services.notify() after a workflow message (a Notification row) was written for a user;
# kwargs: notification. The 工作台 mails it to users who asked for e-mail too (issue 11).
notified = Signal()
