"""``python manage.py create_director USERNAME``: the first director of a new deployment.

Prints a temporary password once; the director changes it and enrols TOTP at first login,
then adds everyone else in the app.

In the app, making someone a director takes two directors (one proposes, another confirms).
A lone director's way out is this command, run by someone with shell access on the server:
it is audited, every director sees an alert, and a director made this way while another
director exists waits ``APPROVER_HOLD`` before any second-person step, as every new account.
Only the very first director starts without the wait (there is no one to approve with yet).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sanctuary.accounts.actions import alert_directors, hold_approvals, temporary_password
from sanctuary.accounts.models import AccountChange, Role, User
from sanctuary.audit.log import record
from sanctuary.audit.models import Action


class Command(BaseCommand):
    help = "Create a director account with a temporary password."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        if User.objects.filter(username=username).exists():
            raise CommandError(f"user {username!r} already exists")
        password = temporary_password()
        with transaction.atomic():
            first = not User.objects.filter(is_active=True, role_grants__role=Role.DIRECTOR).exists()
            user = User(username=username, must_change_password=True)
            user.set_password(password)
            user.save()
            user.set_roles([Role.DIRECTOR])
            if not first:
                hold_approvals(user)
            record(None, Action.CREATE, user, fields=["username", "roles"], username="create_director")
            alert_directors(None, user, AccountChange.CREATED, roles=[Role.DIRECTOR], via="create_director")
        self.stdout.write(f"director {username} created; temporary password (shown once): {password}")
