"""Lift a login lockout: `manage.py unlock_login admin` (any address) or `--ip 10.0.0.7`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kehu.accounts import lockout


class Command(BaseCommand):
    help = "Forget the failed logins of a username (from every address) and/or of an address."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", nargs="?", default="")
        parser.add_argument("--ip", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["username"] and not options["ip"]:
            raise CommandError("Name a username, an --ip, or both.")
        removed = lockout.unlock(username=options["username"], ip=options["ip"])
        self.stdout.write(f"unlocked: {removed} failed login(s) forgotten")
