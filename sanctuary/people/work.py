"""What stages ask each other about a person's trades, work and papers, through the core.

Three questions cross between stages that may not import each other (``docs/adding-a-module.md``):

- **What can this person do?** Jobs matches openings to people by trade and training history;
  training knows who applied, attends or graduated in which trade. Training registers
  :func:`register_skills`. The trades themselves (:class:`Trade`) are the core's, so an
  opening and a course speak of the same trade.
- **Who employs or employed this person?** Legal papers tie a work permit to an employer;
  jobs knows the employers. Jobs registers :func:`register_employers`; an employer is named
  across stages by an opaque reference (``"employer:<id>"``) and a code name, never by a
  foreign key into another stage.
- **A job ended.** Jobs calls :func:`employment_ended` in the transaction that ends the
  placement; legal listens (:func:`on_employment_ended`) and starts the work-permit clock.

Without a registration the answers are empty: no skills, no employers, nobody listening.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Trade(models.TextChoices):
    PHONE = "phone", _("Phone repair")
    BICYCLE = "bicycle", _("Bicycle repair")
    EBIKE = "ebike", _("E-bike repair")
    MOTORCYCLE = "motorcycle", _("Motorcycle repair")
    FARMING = "farming", _("Farming")
    SEWING = "sewing", _("Sewing")
    IT = "it", _("Computers and IT")
    CIVIC = "civic", _("Civic education")
    LIFE_SKILLS = "life_skills", _("Life skills")
    OTHER = "other", _("Other")


class SkillLevel(models.TextChoices):
    """How far a person got in a trade, strongest last (matching ranks by it)."""

    APPLIED = "applied", _("applied for training")
    TRAINING = "training", _("in training")
    GRADUATED = "graduated", _("graduated")


LEVEL_RANK = {SkillLevel.APPLIED: 1, SkillLevel.TRAINING: 2, SkillLevel.GRADUATED: 3}


@dataclass(frozen=True)
class Skill:
    trade: str  # a Trade value
    level: str  # a SkillLevel value
    on: date | None  # when it was reached (graduation day, first day of training)
    label: str = ""  # what it was (a course's name in the active language)


@dataclass(frozen=True)
class Employer:
    ref: str  # "employer:<id>": stable, opaque to other stages
    code_name: str
    current: bool  # the person works there now


_skills: list[Callable[[Iterable[int]], dict[int, list[Skill]]]] = []
_employers: list[Callable[[int], list[Employer]]] = []
_ended: list[Callable[..., None]] = []


def register_skills(find: Callable[[Iterable[int]], dict[int, list[Skill]]]) -> None:
    _skills[:] = [find]


def skills(person_ids: Iterable[int]) -> dict[int, list[Skill]]:
    """Person id -> the trades they trained in, for those with any."""
    return _skills[0](person_ids) if _skills else {}


def register_employers(find: Callable[[int], list[Employer]]) -> None:
    _employers[:] = [find]


def employers_of(person_id: int) -> list[Employer]:
    """The employers this person works or worked for, current first."""
    return _employers[0](person_id) if _employers else []


def on_employment_ended(listener: Callable[..., None]) -> None:
    """``listener(person=, employer_ref=, ended_on=, user=)``, called inside the transaction
    that ends the job: if it raises, the job does not end."""
    if listener not in _ended:
        _ended.append(listener)


def employment_ended(*, person: Any, employer_ref: str, ended_on: date, user: Any) -> None:
    for listener in _ended:
        listener(person=person, employer_ref=employer_ref, ended_on=ended_on, user=user)
