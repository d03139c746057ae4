"""CSRF checking that works with ``Referrer-Policy: no-referrer``.

Under that policy browsers send ``Origin: null`` on form POSTs and no ``Referer`` at all
(Fetch standard, "append a request Origin header"), so Django's origin check rejects every
form. Browsers also send ``Sec-Fetch-Site``, which the referrer policy does not touch and
pages cannot forge: a ``null`` origin is accepted only when the browser itself says the
request is ``same-origin``. The CSRF token check still runs on every POST.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import decorator_from_middleware


class NoReferrerCsrfViewMiddleware(CsrfViewMiddleware):
    def _origin_verified(self, request: HttpRequest) -> bool:
        if super()._origin_verified(request):  # type: ignore[misc]
            return True
        return request.META.get("HTTP_ORIGIN") == "null" and request.META.get("HTTP_SEC_FETCH_SITE") == "same-origin"


# For views that must set something up before the body is read (evidence uploads install their
# own upload handler): ``csrf_exempt`` on the view, then this around the part that reads it.
csrf_protect = decorator_from_middleware(NoReferrerCsrfViewMiddleware)
