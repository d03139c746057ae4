"""Unseal (key holders, no login: the share is the credential, as in HashiCorp Vault), and the
loopback command endpoints. Directors' "Seal now" button is in ``accounts.views``: the access
policy guards it, and the vault sits below accounts."""

from __future__ import annotations

import hmac
import json
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from sanctuary.audit.anonymous import record_anonymous
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib.ratelimit import SlidingWindow, client_address, client_key
from sanctuary.lib.secret_files import read_or_create_secret
from sanctuary.vault import state
from sanctuary.vault.forms import ShareForm


def _refusal(code: str) -> str:
    return state.UnsealError(code).message


# Share submissions per client address in the last window (memory only, like the shares).
SUBMISSIONS_PER_WINDOW = 20
_recent = SlidingWindow(SUBMISSIONS_PER_WINDOW, state.PARTIAL_UNSEAL_SECONDS)


def _rate_limited(request: HttpRequest) -> bool:
    """True when this address sent too many shares lately. Honest holders send one each."""
    return _recent.hit(client_key(client_address(request)))


def _submit(request: HttpRequest, share: str) -> tuple[state.Status, str | None]:
    if _rate_limited(request):
        record_anonymous(Action.UNSEAL_REFUSED, object_type="vault", object_id="rate_limited")
        return state.status(), "rate_limited"
    try:
        status = state.submit_share(share)
    except state.UnsealError as error:
        record_anonymous(Action.UNSEAL_REFUSED, object_type="vault", object_id=error.code)
        return state.status(), error.code
    record(None, Action.UNSEAL_SHARE, object_type="vault", object_id=str(status.progress))
    if not status.sealed:
        record(None, Action.UNSEALED, object_type="vault")
    return status, None


@require_http_methods(["GET", "POST"])
def unseal(request: HttpRequest) -> HttpResponse:
    form = ShareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        status, refused = _submit(request, form.cleaned_data["share"])
        if refused:
            form.add_error("share", _refusal(refused))
        else:
            if status.sealed:
                messages.success(request, _("Share accepted. The next key holder can enter theirs."))
            else:
                messages.success(request, _("The vault is unsealed."))
            return redirect("vault:unseal")
    context = {"form": form, "vault": state.status(), "minutes": state.PARTIAL_UNSEAL_SECONDS // 60}
    return render(request, "vault/unseal.html", context, status=400 if form.errors else 200)


LOOPBACK = {"127.0.0.1", "::1"}


@csrf_exempt  # called by `manage.py vault_unseal` on the server itself; the share is the secret
@require_POST
def unseal_api(request: HttpRequest) -> JsonResponse:
    if request.META.get("REMOTE_ADDR") not in LOOPBACK:
        return JsonResponse({"error": "forbidden"}, status=403)
    try:
        share = str(json.loads(request.body or b"{}").get("share", ""))
    except (ValueError, AttributeError):
        return JsonResponse({"error": "bad_request"}, status=400)
    status, refused = _submit(request, share)
    body = {"sealed": status.sealed, "progress": status.progress, "threshold": status.threshold}
    if refused:
        return JsonResponse({**body, "error": refused, "message": _refusal(refused)}, status=400)
    return JsonResponse(body)


def end_all_sessions() -> None:
    """Every session ends: after a seal, everybody logs in again."""
    Session.objects.all().delete()


@csrf_exempt  # called by `manage.py vault_seal` with the control token from var/
@require_POST
def seal_api(request: HttpRequest) -> JsonResponse:
    if request.META.get("REMOTE_ADDR") not in LOOPBACK:
        return JsonResponse({"error": "forbidden"}, status=403)
    token = request.headers.get("X-Sanctuary-Control-Token", "")
    if not token or not hmac.compare_digest(token, control_token()):
        return JsonResponse({"error": "forbidden"}, status=403)
    state.seal()
    record(None, Action.SEALED, object_type="vault", username="vault_seal")
    end_all_sessions()
    return JsonResponse({"sealed": True})


def control_token() -> str:
    """A random token in var/ (mode 0600) that lets local commands seal the server."""
    return read_or_create_secret(Path(settings.VAR_DIR) / "control_token", nbytes=32)
