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

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib.ratelimit import SlidingWindow
from sanctuary.lib.secret_files import read_or_create_secret
from sanctuary.vault import signing, state
from sanctuary.vault.forms import ShareForm


def _refusal(code: str) -> str:
    return state.UnsealError(code).message


# Refused shares audited one by one, per share index, in the last window (memory only, like
# the shares). Past the limit, refusals are still answered but audited once per window.
# Nothing is ever refused for being over it: a share is checked against its verifier before
# it counts, so a right share is accepted whatever strangers sent, and shares sent for one
# index never touch another. (The limit used to be per address: behind a proxy, twenty junk
# shares from anyone locked every key holder out.)
REFUSALS_AUDITED_PER_INDEX = 20
_recent = SlidingWindow(REFUSALS_AUDITED_PER_INDEX, state.PARTIAL_UNSEAL_SECONDS)
_flood_noted = SlidingWindow(1, state.PARTIAL_UNSEAL_SECONDS)


def _audit_refusal(error: state.UnsealError) -> None:
    bucket = f"index:{error.index}" if error.index is not None else "unreadable"
    if not _recent.hit(bucket):
        record(None, Action.UNSEAL_REFUSED, object_type="vault", object_id=error.code)
    elif not _flood_noted.hit(bucket):
        record(None, Action.UNSEAL_REFUSED, object_type="vault", object_id="flood", fields=[bucket])


def _submit(request: HttpRequest, share: str) -> tuple[state.Status, str | None]:
    try:
        status = state.submit_share(share)
    except state.UnsealError as error:
        _audit_refusal(error)
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
                head = signing.latest_head()
                if head:
                    messages.info(
                        request,
                        _("Signed audit head, to keep outside the server (verify_audit --head checks it): %(head)s")
                        % {"head": head},
                    )
            return redirect("vault:unseal")
    context = {"form": form, "vault": state.status(), "minutes": state.PARTIAL_UNSEAL_SECONDS // 60}
    return render(request, "vault/unseal.html", context, status=400 if form.errors else 200)


LOOPBACK = {"127.0.0.1", "::1"}


def _is_local_command(request: HttpRequest) -> bool:
    """A management command on the server itself: loopback AND the control token from var/.
    (Behind a reverse proxy on the same machine every web request comes from loopback too.)"""
    token = request.headers.get("X-Sanctuary-Control-Token", "")
    return (
        request.META.get("REMOTE_ADDR") in LOOPBACK
        and bool(token)
        and hmac.compare_digest(token.encode(), control_token().encode())
    )


@csrf_exempt  # called by `manage.py vault_unseal` with the control token from var/
@require_POST
def unseal_api(request: HttpRequest) -> JsonResponse:
    """All the command's shares in one request, combined on their own (with shares the page
    has verified): nothing sent to the unseal page can block or rate-limit the command."""
    if not _is_local_command(request):
        return JsonResponse({"error": "forbidden"}, status=403)
    try:
        shares = [str(share) for share in json.loads(request.body or b"{}").get("shares", [])][:255]
    except (ValueError, AttributeError, TypeError):
        return JsonResponse({"error": "bad_request"}, status=400)
    error: state.UnsealError | None = None
    if state.is_sealed():
        try:
            state.unseal_with_shares(shares)
        except state.UnsealError as refused:
            error = refused
            record(None, Action.UNSEAL_REFUSED, object_type="vault", object_id=refused.code, username="vault_unseal")
        else:
            record(None, Action.UNSEALED, object_type="vault", username="vault_unseal")
    status = state.status()
    body: dict[str, object] = {"sealed": status.sealed, "progress": status.progress, "threshold": status.threshold}
    if not status.sealed:
        body["audit_head"] = signing.latest_head()
    if error is not None:
        return JsonResponse(
            {**body, "error": error.code, "message": _refusal(error.code), "share": error.number}, status=400
        )
    return JsonResponse(body)


def end_all_sessions() -> None:
    """Every session ends: after a seal, everybody logs in again."""
    Session.objects.all().delete()


@csrf_exempt  # called by `manage.py vault_seal` with the control token from var/
@require_POST
def seal_api(request: HttpRequest) -> JsonResponse:
    if not _is_local_command(request):
        return JsonResponse({"error": "forbidden"}, status=403)
    state.seal()
    record(None, Action.SEALED, object_type="vault", username="vault_seal")
    end_all_sessions()
    return JsonResponse({"sealed": True})


def control_token() -> str:
    """A random token in var/ (mode 0600) that lets local commands seal the server."""
    return read_or_create_secret(Path(settings.VAR_DIR) / "control_token", nbytes=32)
