"""Settings come from the environment; production settings pass Django's deploy check."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent


def _manage(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "HTTPS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, check=False
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = {
        "HTTPS": "1",
        "SECRET_KEY": "x" * 20 + "production-like-secret-key-0123456789abcdefghijkl",
        "SANCTUARY_VAR_DIR": str(tmp_path),
    }
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_secret_a_key_is_generated_with_mode_0600(tmp_path: Path) -> None:
    result = _manage(["check"], {"SANCTUARY_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = key_file.read_text()
    assert len(first) > 50
    _manage(["check"], {"SANCTUARY_VAR_DIR": str(tmp_path)})
    assert key_file.read_text() == first  # stable across restarts


def test_secret_key_file_is_read(tmp_path: Path) -> None:
    key = tmp_path / "k"
    key.write_text("from-a-file-" + "y" * 60)
    env = {"SECRET_KEY_FILE": str(key), "SANCTUARY_VAR_DIR": str(tmp_path / "var")}
    result = _manage(["shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY[:12])"], env)
    assert result.stdout.strip().splitlines()[-1] == "from-a-file-"
    assert not (tmp_path / "var" / "secret_key").exists()


@pytest.mark.django_db
def test_healthz() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "db": "ok", "sealed": False}
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]


def test_debug_is_off_by_default() -> None:
    from django.conf import settings

    assert settings.DEBUG is False


def test_the_settings_docstring_lists_every_variable_settings_reads() -> None:
    """Every environment variable ``settings.py`` reads is documented at its top."""
    import re
    from pathlib import Path

    from sanctuary import settings as module

    source = Path(module.__file__).read_text(encoding="utf-8")
    read = set(re.findall(r"""(?:env_bool|env_list|os\.environ\.get)\(\s*["']([A-Z_]+)["']""", source))
    read |= set(re.findall(r"""os\.environ\[["']([A-Z_]+)["']\]""", source))
    assert len(read) > 20
    undocumented = {name for name in read if f"``{name}``" not in (module.__doc__ or "")}
    assert undocumented == set()
