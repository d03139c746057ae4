"""One shape for "the rules say no": a code, the values its message needs, and the message
itself in the user's language. Each module's rule errors derive from :class:`Refusal` and
keep their messages on the class (``messages``), so every screen, command and the API say
the same thing for the same refusal."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _

GENERIC = _("This cannot be done now.")


class Refusal(Exception):
    messages: ClassVar[dict[str, Any]] = {}  # code -> lazy translation, with %(name)s for params

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def message(self) -> str:
        """The refusal in the active language, with its values filled in (a message made with
        ``ngettext_lazy(…, …, "n")`` takes its plural form from the number ``n``)."""
        template = self.messages.get(self.code, GENERIC)
        if not self.params:
            return str(template)
        values = {key: value if isinstance(value, int) else str(value) for key, value in self.params.items()}
        return str(template % values)
