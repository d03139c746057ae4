"""Encrypted files over HTTP: taking an upload in, and handing a decrypted file out.

Every upload of a person's photo, document or proof goes through :func:`accept_upload`, and
every decrypted file leaves through :func:`file_response`, so the size limit, the messages
and the inline-or-download rule are the same on every page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from sanctuary.vault import files


def accept_upload(request: HttpRequest, form: Any, store: Callable[[bytes], object]) -> bool:
    """Check an upload form (its ``file`` field), hand the bytes to ``store`` (an action that
    strips, encrypts and records them) and tell the user how it went. On a refusal the form
    carries the reason too, so a view that shows the page again (with the title typed,
    never a lost form) answers 400."""

    def refuse(message: str) -> bool:
        messages.error(request, message)
        form.add_error(None, message)
        return False

    if int(request.META.get("CONTENT_LENGTH") or 0) > files.MAX_BYTES + 64 * 1024:
        return refuse(files.FileRejected("too_large").message)
    if not form.is_valid():
        messages.error(request, _("Choose a file to add."))
        return False
    upload = form.cleaned_data["file"]
    if upload.size > files.MAX_BYTES:
        return refuse(files.FileRejected("too_large").message)
    try:
        store(upload.read())
    except files.FileRejected as error:
        return refuse(error.message)
    messages.success(request, _("Added, encrypted."))
    return True


def file_response(data: bytes, content_type: str) -> HttpResponse:
    """A decrypted file for the browser. Images are re-encoded by us and shown; PDFs are
    only cleaned, so they are downloaded, never rendered in our origin."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = "inline" if content_type != files.PDF_TYPE else "attachment"
    response["Cache-Control"] = "no-store"
    return response
