"""Statistics tests count afresh on every request (no dashboard snapshot), unless a test
asks for one."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_snapshot(settings: pytest.FixtureRequest) -> None:
    settings.STATS_SNAPSHOT_SECONDS = 0  # type: ignore[attr-defined]
