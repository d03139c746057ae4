"""Keys follow rotations done elsewhere; a page that needs protected data while sealed
shows "sealed", never a 500."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sanctuary.vault.state import VaultSealed, refresh_if_keys_changed


class VaultSealedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refresh_if_keys_changed()
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, VaultSealed):
            return render(request, "vault/sealed.html", status=503)
        return None
