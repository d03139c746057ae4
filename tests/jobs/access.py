"""Access matrix: jobs (its URLs are declared here as they are added)."""

from __future__ import annotations

from typing import Any

from tests.access import Url

URLS: list[Url] = []


def objects(world: Any) -> dict[str, Any]:
    return {}
