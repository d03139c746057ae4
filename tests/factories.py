"""Test data factories. Names are invented."""

from __future__ import annotations

from typing import Any

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanctuary.accounts.models import Team, User
from sanctuary.people.models import Person

PASSWORD = "correct-horse-battery-9"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    display_name = factory.LazyAttribute(lambda o: o.username.title())
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.set_roles(extracted)

    @factory.post_generation
    def teams(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.teams.set(extracted)
        self.save()


def totp_device(user: User) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="authenticator", defaults={"confirmed": True})
    return device


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    case_code = factory.Sequence(lambda n: f"2025-{n + 1:04d}")
    alias = factory.Sequence(lambda n: f"Ko Alias{n}")
    true_name = factory.Sequence(lambda n: f"Truename{n}")
    team = factory.SubFactory(TeamFactory)
