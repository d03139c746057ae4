"""One shape for "the rules say no": a code the view turns into a message in the user's
language, and the values that message needs. Every module's rule errors derive from it."""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
