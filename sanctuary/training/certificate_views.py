"""Certificates, for trainers: issue one to a graduate, download it to print, revoke it (one
person proposes, another confirms). Every row is fetched through the access policy; every
write is an action in ``certificates``. The application page includes
``training/_certificates.html``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sanctuary.accounts.policy import module_required
from sanctuary.training import certificates
from sanctuary.training.certificates import CertificateError
from sanctuary.training.models import TRAINING, Application, Certificate

if TYPE_CHECKING:
    from sanctuary.accounts.models import User


def _certificate(request: HttpRequest, pk: int) -> Certificate:
    return get_object_or_404(
        Certificate.objects.visible_to(request.user).select_related("application__person", "key"),  # type: ignore[arg-type]
        pk=pk,
    )


@require_POST
@module_required(TRAINING)
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application.objects.visible_to(request.user), pk=pk)  # type: ignore[arg-type]
    user: User = request.user  # type: ignore[assignment]
    try:
        certificates.do_issue_certificate(
            user,
            application,
            name_choice=request.POST.get("name_choice", ""),
            chosen_name=request.POST.get("chosen_name", ""),
        )
    except CertificateError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Certificate issued. Download it to print."))
    return redirect("training:application", application.pk)


@require_GET
@module_required(TRAINING)
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate(request, pk)
    user: User = request.user  # type: ignore[assignment]
    language = request.GET.get("lang") or None
    try:
        certificates.ensure_may_print(user, certificate)
        data = certificates.certificate_pdf(certificate, language=language)
    except CertificateError as error:
        messages.error(request, error.message)
        return redirect("training:application", certificate.application_id)
    certificates.record_printed(user, certificate)
    response = HttpResponse(data, content_type="application/pdf")
    # The file name says nothing about the person: it may be saved on a shared computer.
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@module_required(TRAINING)
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate(request, pk)
    user: User = request.user  # type: ignore[assignment]
    try:
        certificates.do_propose_revoke(user, certificate, request.POST.get("reason", ""))
    except CertificateError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Revocation proposed: a second person must confirm it."))
    return redirect("training:application", certificate.application_id)


@require_POST
@module_required(TRAINING)
def revoke_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate(request, pk)
    user: User = request.user  # type: ignore[assignment]
    try:
        certificates.do_confirm_revoke(user, certificate)
    except CertificateError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Certificate revoked: the public check now says so."))
    return redirect("training:application", certificate.application_id)
