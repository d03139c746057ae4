"""Login with password then TOTP, enrolment, backup codes, and staff management."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

import segno
from axes.helpers import get_lockout_message
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanctuary.accounts import actions
from sanctuary.accounts.forms import EnrolForm, LoginForm, StaffUserForm, TeamForm, TokenForm
from sanctuary.accounts.models import AccountAlert, DirectorPromotion, PromotionState, Role, Team, User
from sanctuary.accounts.policy import Module, module_required
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib.i18n import set_language_cookie
from sanctuary.vault import state as vault_state
from sanctuary.vault.views import end_all_sessions

if TYPE_CHECKING:
    from django.http import HttpResponseRedirect


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = False

    def get_success_url(self) -> str:
        # After the password comes the TOTP step; keep where the user was going.
        next_url = self.get_redirect_url()
        self.request.session["after_2fa"] = next_url or ""
        return "/accounts/2fa/"

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        user: User = form.get_user()
        # The user's own language from now on, also on the login screens of this browser.
        set_language_cookie(response, user.language)
        return response


def _after_two_factor(request: HttpRequest) -> HttpResponseRedirect:
    target = request.session.pop("after_2fa", "") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(settings.LOGIN_REDIRECT_URL)


@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Second step of login: a TOTP code or a single-use backup code."""
    user: User = request.user  # type: ignore[assignment]
    if not user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(settings.LOGIN_REDIRECT_URL)
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            if device.persistent_id.startswith("otp_static"):
                remaining = device.token_set.count()  # type: ignore[attr-defined]
                messages.warning(request, _("You used a backup code. %(count)d remain.") % {"count": remaining})
            return _after_two_factor(request)
        record(user, Action.OTP_FAILED, user)
        form.add_error("token", _("That code is not right, or it has expired. Try the newest code."))
    return render(request, "accounts/two_factor.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment: scan a QR code (rendered by us, as inline SVG), confirm with one code."""
    user: User = request.user  # type: ignore[assignment]
    if not user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:two_factor")
    device = actions.pending_totp_device(user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not user.check_password(form.cleaned_data["password"]):
            record(user, Action.OTP_FAILED, user, fields=["password"])
            form.add_error("password", _("That is not your password."))
        elif device.verify_token(form.cleaned_data["token"]):
            codes = actions.do_confirm_totp(user, device)
            otp_login(request, device)
            return render(request, "accounts/backup_codes.html", {"codes": codes, "first_time": True})
        form.add_error("token", _("That code is not right. Check the time on your phone and try the newest code."))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    secret = device.bin_key
    b32 = base64.b32encode(secret).decode("ascii").rstrip("=")
    grouped = " ".join(b32[i : i + 4] for i in range(0, len(b32), 4))
    context = {"form": form, "qr_svg": qr_svg, "secret": grouped}
    return render(request, "accounts/two_factor_setup.html", context, status=400 if form.errors else 200)


@require_POST
def backup_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes replace the old ones; shown once."""
    user: User = request.user  # type: ignore[assignment]
    codes = actions.do_issue_backup_codes(user)
    return render(request, "accounts/backup_codes.html", {"codes": codes, "first_time": False})


@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.do_change_own_password(user, form)
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/password_change.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        logout(request)
        messages.info(request, _("You have logged out."))
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, "accounts/logout.html")


def locked_out(request: HttpRequest, credentials: object = None, *args: object, **kwargs: object) -> HttpResponse:
    return render(request, "accounts/locked_out.html", {"message": get_lockout_message()}, status=429)


@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """The user's own settings: language, password, backup codes."""
    return render(request, "accounts/account.html")


# --- Staff management (directors) --------------------------------------------------------


@require_http_methods(["GET"])
@module_required(Module.STAFF)
def staff_list(request: HttpRequest) -> HttpResponse:
    users = list(User.objects.prefetch_related("teams", "role_grants").order_by("username"))
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    locked = set(
        AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT).values_list(
            "username", flat=True
        )
    )
    # Case loads: how many current people each case worker looks after (ids and counts only).
    load = dict(
        User.objects.filter(case_load__merged_into__isnull=True)
        .values("pk")
        .annotate(n=Count("case_load"))
        .values_list("pk", "n")
    )
    rows = [
        {
            "user": u,
            "roles": [label for code, label in _role_labels() if code in {g.role for g in u.role_grants.all()}],
            "enrolled": u.pk in enrolled,
            "locked": u.username in locked,
            "case_load": load.get(u.pk, 0),
        }
        for u in users
    ]
    context = {"rows": rows, "teams": Team.objects.all(), **account_alerts(request.user)}  # type: ignore[arg-type]
    return render(request, "accounts/staff_list.html", context)


def account_alerts(viewer: User) -> dict[str, object]:
    """What every director sees on the dashboard and the staff page: recent account changes
    not yet acknowledged, and promotions to director waiting for a second director (with
    whether anyone but the proposer could confirm them)."""
    promotions = list(
        DirectorPromotion.objects.filter(state=PromotionState.PROPOSED).select_related("user", "proposed_by")
    )
    directors = set(User.objects.filter(is_active=True, role_grants__role=Role.DIRECTOR).values_list("pk", flat=True))
    for promotion in promotions:
        promotion.confirmable = bool(directors - {promotion.proposed_by_id, promotion.user_id})  # type: ignore[attr-defined]
        promotion.own = promotion.proposed_by_id == viewer.pk  # type: ignore[attr-defined]
    alerts = list(AccountAlert.objects.open().select_related("user", "actor")[:50])
    return {"account_alerts": alerts, "promotions": promotions}


def _role_labels() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in Role.choices]


@require_http_methods(["GET", "POST"])
@module_required(Module.STAFF)
def staff_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    user = get_object_or_404(User, pk=pk) if pk is not None else None
    form = StaffUserForm(request.POST or None, instance=user)
    form.actor = actor
    if request.method == "POST" and form.is_valid():
        saved, password = actions.do_save_staff_user(actor, form)
        if password:
            return render(request, "accounts/temporary_password.html", {"staff": saved, "password": password})
        messages.success(request, _("Saved."))
        return redirect("accounts:staff_list")
    promotion = (
        DirectorPromotion.objects.filter(user=user, state=PromotionState.PROPOSED).first() if user is not None else None
    )
    context = {"form": form, "staff": user, "promotion": promotion}
    return render(request, "accounts/staff_form.html", context, status=400 if form.errors else 200)


@require_POST
@module_required(Module.STAFF)
def promotion_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """A second director confirms a promotion to director, or any director cancels it."""
    actor: User = request.user  # type: ignore[assignment]
    promotion = get_object_or_404(DirectorPromotion, pk=pk)
    if decision not in {"confirm", "cancel"}:
        return HttpResponse(status=404)
    try:
        if decision == "confirm":
            actions.do_confirm_director(actor, promotion)
            messages.success(request, _("%(user)s is now a director.") % {"user": promotion.user})
        else:
            actions.do_cancel_director(actor, promotion)
            messages.success(request, _("Promotion cancelled."))
    except actions.AccountRefused as refused:
        messages.error(request, refused.message)
    return redirect("accounts:staff_list")


@require_POST
@module_required(Module.STAFF)
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    alert = get_object_or_404(AccountAlert, pk=pk)
    try:
        actions.do_acknowledge_alert(actor, alert)
    except actions.AccountRefused as refused:
        messages.error(request, refused.message)
    return redirect("accounts:staff_list")


@require_POST
@module_required(Module.STAFF)
def staff_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    user = get_object_or_404(User, pk=pk)
    if action in {"reset-2fa", "reset-password"} and request.POST.get("confirm") != user.get_username():
        # One click on the staff list asks first, naming the account: a reset ends every
        # session of that user and holds their approvals for a day.
        return render(request, "accounts/confirm_reset.html", {"staff": user, "action": action})
    if action == "reset-2fa":
        actions.do_reset_two_factor(actor, user)
        messages.success(request, _("Two-factor reset: %(user)s will enrol again at next login.") % {"user": user})
    elif action == "reset-password":
        password = actions.do_reset_password(actor, user)
        return render(request, "accounts/temporary_password.html", {"staff": user, "password": password})
    elif action == "unlock":
        actions.do_unlock(actor, user)
        messages.success(request, _("%(user)s can log in again.") % {"user": user})
    else:
        return HttpResponse(status=404)
    return redirect("accounts:staff_list")


@require_http_methods(["GET", "POST"])
@module_required(Module.STAFF)
def team_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    team = get_object_or_404(Team, pk=pk) if pk is not None else None
    form = TeamForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        actions.do_save_team(actor, form.save(commit=False), form.changed_data, created=team is None)
        messages.success(request, _("Saved."))
        return redirect("accounts:staff_list")
    return render(request, "accounts/team_form.html", {"form": form, "team": team}, status=400 if form.errors else 200)


@require_POST
@module_required(Module.SEAL)
def seal_now(request: HttpRequest) -> HttpResponse:
    """Forget the keys at once and log everybody out, the director included."""
    vault_state.seal()
    record(request.user, Action.SEALED, object_type="vault")  # type: ignore[arg-type]
    end_all_sessions()
    logout(request)  # a fresh, empty session for this response (the old one is gone)
    return redirect("vault:unseal")
