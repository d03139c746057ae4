"""Shared fixtures: teams, one user per role, and logged-in clients that passed 2FA."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.test import Client

from sanctuary.accounts.models import Role, Team, User
from tests.factories import PersonFactory, TeamFactory, UserFactory, totp_device


@pytest.fixture(autouse=True)
def _fast_hasher(settings: pytest.FixtureRequest) -> None:
    """Argon2 is slow on purpose; tests that check hashing ask for it explicitly."""
    settings.PASSWORD_HASHERS = [  # type: ignore[attr-defined]
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: pytest.FixtureRequest) -> None:
    """Tests render templates without running collectstatic first (a fresh clone has none)."""
    settings.STORAGES = {  # type: ignore[attr-defined]
        **settings.STORAGES,  # type: ignore[attr-defined]
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _jobs_inline(settings: pytest.FixtureRequest) -> None:
    """Jobs run at once, in the thread that starts them, inside the test's transaction: the
    same task backend, claim and run as the server's worker thread (tests/jobs tests that)."""
    settings.JOBS_RUN_INLINE = True  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Encrypted files written by tests go to a temporary directory, not var/media."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))  # type: ignore[attr-defined]


def _flush_past_the_audit_triggers() -> None:
    """Transactional tests end with Django's flush, a TRUNCATE of every table, which the
    audit log's triggers refuse on PostgreSQL (migration audit 0008). The test database's
    superuser flushes with triggers off for that one transaction only
    (``SET LOCAL session_replication_role``). Only test teardown does this: the application
    never truncates, and tests of the triggers themselves run with them on."""
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no PostgreSQL driver: SQLite runs only
        return
    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):  # type: ignore[no-untyped-def]
        statements = original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET LOCAL session_replication_role = replica", *statements] if statements else statements

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]


_flush_past_the_audit_triggers()

VAULT_HOLDERS, VAULT_THRESHOLD = 3, 2


def _uses_db(request: pytest.FixtureRequest) -> str | None:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:
        return "transactional_db" if marker.kwargs.get("transaction") else "db"
    for name in ("transactional_db", "db", "live_server"):
        if name in request.fixturenames:
            return "transactional_db" if name != "db" else "db"
    return None


@pytest.fixture(autouse=True)
def vault_shares(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Every database test starts with a real vault (2 of 3), unsealed in this process."""
    from sanctuary.vault import state
    from sanctuary.vault import views as vault_views

    vault_views._recent.reset()
    from sanctuary.audit import anonymous

    anonymous.reset()
    from sanctuary.intake import views as intake_views

    for limiter in (intake_views._per_client, intake_views._everyone, intake_views._phrase_tries):
        limiter.reset()
    kind = _uses_db(request)
    if kind is None:
        yield []
        return
    request.getfixturevalue(kind)
    state.seal()
    shares = state.initialise(VAULT_HOLDERS, VAULT_THRESHOLD)
    state.unseal_with_shares(shares[:VAULT_THRESHOLD])
    from tests import defaults

    defaults.restore()
    yield shares
    state.seal()


@pytest.fixture
def team_a(db: None) -> Team:
    return TeamFactory(name="Mae Sot safe houses")


@pytest.fixture
def team_b(db: None) -> Team:
    return TeamFactory(name="Training centre")


@pytest.fixture
def make_user(db: None, team_a: Team) -> Callable[..., User]:
    def make(*roles: str, teams: list[Team] | None = None, **kwargs: object) -> User:
        user = UserFactory(roles=list(roles), teams=teams if teams is not None else [team_a], **kwargs)
        totp_device(user)
        return user

    return make


def verified_client(user: User) -> Client:
    """A client logged in with password and TOTP (as the login views would leave it)."""
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = totp_device(user).persistent_id
    session.save()
    return client


@pytest.fixture
def login() -> Callable[[User], Client]:
    return verified_client


@pytest.fixture
def users_by_role(make_user: Callable[..., User]) -> dict[str, User]:
    return {role: make_user(role, username=f"u_{role}") for role in Role.values}


@pytest.fixture
def person_a(team_a: Team) -> object:
    return PersonFactory(team=team_a, alias="Ko Thiha", true_name="Aung Thiha Kyaw")


@pytest.fixture
def person_b(team_b: Team) -> object:
    return PersonFactory(team=team_b, alias="Ko Zeyar", true_name="Zeyar Min Htet")
