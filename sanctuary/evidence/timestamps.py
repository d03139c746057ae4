"""Trusted timestamps (RFC 3161) over a package's tag manifest, through ``rfc3161-client``.

The timestamp server is a setting (``EVIDENCE_TSA_URL``); empty means packages carry no
token. ``EVIDENCE_TSA_ROOTS`` names a PEM file of the roots its certificate chains to, used
to check each token as it arrives and by ``verify_package``.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from pathlib import Path

import rfc3161_client
from cryptography import x509
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sanctuary.lib.refusal import Refusal


class TimestampRefused(Refusal):
    messages = {
        "unreachable": _("The timestamp server could not be reached: try again later, or ask a director to change it."),
        "bad_reply": _("The timestamp server's answer was not a valid timestamp for this package."),
    }


def server_url() -> str:
    return str(getattr(settings, "EVIDENCE_TSA_URL", "") or "")


def roots(path: str | Path | None = None) -> list[x509.Certificate]:
    where = path or getattr(settings, "EVIDENCE_TSA_ROOTS", "")
    if not where:
        return []
    return x509.load_pem_x509_certificates(Path(where).read_bytes())


def request_token(message: bytes) -> bytes | None:
    """The DER timestamp response over SHA-512 of ``message``, or None without a server."""
    url = server_url()
    if not url:
        return None
    query = (
        rfc3161_client.TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(rfc3161_client.HashAlgorithm.SHA512)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    request = urllib.request.Request(  # noqa: S310 - an https or http URL from the settings
        url, data=query.as_bytes(), headers={"Content-Type": "application/timestamp-query"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            body = answer.read(1024 * 1024)
    except (urllib.error.URLError, OSError, ValueError):
        raise TimestampRefused("unreachable") from None
    try:
        response = rfc3161_client.decode_timestamp_response(body)
        if response.tst_info.nonce != query.nonce:
            raise TimestampRefused("bad_reply")
        verify(body, message, roots())
    except (ValueError, rfc3161_client.VerificationError):
        raise TimestampRefused("bad_reply") from None
    return body


def verify(token: bytes, message: bytes, trusted: list[x509.Certificate]) -> rfc3161_client.TimeStampResponse:
    """Check a token over ``message``: the imprint always, the signature chain when roots
    are given. Raises ``ValueError`` or ``VerificationError``."""
    response = rfc3161_client.decode_timestamp_response(token)
    if trusted:
        builder = rfc3161_client.VerifierBuilder()
        for root in trusted:
            builder = builder.add_root_certificate(root)
        builder.build().verify_message(response, message)
    else:
        if response.tst_info.message_imprint.message != hashlib.sha512(message).digest():
            raise rfc3161_client.VerificationError("Mismatch between messages")
    return response
