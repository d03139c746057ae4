"""Where the demo keeps its vault shares (DEMO ONLY: a real deployment never stores shares)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def demo_shares_path() -> Path:
    return Path(settings.VAR_DIR) / "demo-unseal-shares.txt"
