"""``python manage.py create_director USERNAME``: the first director of a new deployment.

Prints a temporary password once; the director changes it and enrols TOTP at first login,
then adds everyone else in the app.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sanctuary.accounts.actions import temporary_password
from sanctuary.accounts.models import Role, User
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
            user = User(username=username, must_change_password=True)
            user.set_password(password)
            user.save()
            user.set_roles([Role.DIRECTOR])
            record(None, Action.CREATE, user, fields=["username", "roles"], username="create_director")
        self.stdout.write(f"director {username} created; temporary password (shown once): {password}")
