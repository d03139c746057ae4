"""Error reports must not carry personal data (settings, POST bodies, local variables)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter


class SanctuaryExceptionReporterFilter(SafeExceptionReporterFilter):
    """Hide every POST value and every frame's local variables, not only 'password'."""

    def is_active(self, request: HttpRequest | None) -> bool:
        return True

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.POST}

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
