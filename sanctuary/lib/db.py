"""Writes that meet other writes: one retry rule for the conflicts a database reports when
two transactions want the same rows at once.

PostgreSQL ends one of two deadlocked transactions (``40P01``) or, under stricter isolation,
one that read what another changed (``40001``); SQLite says "database is locked" when its
write lock was not free within ``busy_timeout``. None of these means the request was wrong:
the transaction was rolled back whole, and running it again is safe. :func:`atomic` does
that a bounded number of times, and only for the outermost transaction (an inner block
cannot be retried on its own: its outer transaction is already lost). What still fails is a
:class:`Busy` error, which the middleware answers with "busy, nothing was saved, try again"
(503), never a 500.

Django has no retrying atomic block of its own, hence this small wrapper.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.db import DatabaseError, connection, transaction

F = TypeVar("F", bound=Callable[..., Any])

ATTEMPTS = 4
_CONFLICT_STATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected


class Busy(DatabaseError):
    """The database stayed contended after every attempt: nothing was saved."""


def is_conflict(error: BaseException) -> bool:
    """A deadlock, a serialization failure, or SQLite's lock timeout: retryable."""
    if isinstance(error, Busy):
        return True
    if not isinstance(error, DatabaseError):
        return False
    cause = error.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state in _CONFLICT_STATES:
        return True
    return connection.vendor == "sqlite" and "database is locked" in str(error)


def atomic(func: F) -> F:
    """``transaction.atomic`` that runs the whole function again when the database reports a
    conflict, at most :data:`ATTEMPTS` times with a short random pause; then :class:`Busy`.
    Nested inside another transaction it is a plain atomic block (the outermost retries)."""

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if connection.in_atomic_block:
            with transaction.atomic():
                return func(*args, **kwargs)
        for attempt in range(ATTEMPTS):
            try:
                with transaction.atomic():
                    return func(*args, **kwargs)
            except DatabaseError as error:
                if not is_conflict(error):
                    raise
                if attempt == ATTEMPTS - 1:
                    raise Busy("the database is busy: nothing was saved") from error
                time.sleep(random.uniform(0.02, 0.08) * (2**attempt))  # noqa: S311 - jitter, not a secret
        raise AssertionError("unreachable")

    return cast(F, wrapped)
