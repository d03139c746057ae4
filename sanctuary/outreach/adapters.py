"""The channels a message leaves by, behind one interface.

``send(config, outgoing)`` returns the channel's id for the message, or raises
:class:`DeliveryFailed` with a code (never the server's words: an SMTP refusal repeats the
address), whether trying again may help, and how long to wait. Nothing here logs.

- **manual**: nothing leaves the server; a staff member copies the text and marks it sent.
- **email**: SMTP, with STARTTLS or TLS unless the server is on this machine; Django's SMTP
  backend does the protocol.
- **telegram**: the Bot API over HTTPS (``sendMessage``; ``getUpdates`` for replies, so no
  door is opened to the outside). A 429 says how long to wait; a 403 means the person blocked
  the bot, which is an opt-out.

The credentials live encrypted in ``ChannelSettings`` (directors set them); tests point the
adapters at stand-in servers started inside the test (``tests/outreach/standins.py``).
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import smtplib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

TIMEOUT = 15  # seconds, each request
SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class Outgoing:
    address: str
    text: str
    subject: str = ""


@dataclass(frozen=True)
class Update:
    """A message someone sent the bot."""

    update_id: int
    sender: str  # the chat id
    text: str


class DeliveryFailed(Exception):
    def __init__(self, code: str, *, retry: bool, retry_after: float | None = None, opted_out: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.retry = retry
        self.retry_after = retry_after
        self.opted_out = opted_out


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Adapter:
    channel = ""
    by_hand = False
    fields: tuple[str, ...] = ()

    def send(self, config: dict[str, Any], outgoing: Outgoing) -> str:
        raise NotImplementedError

    def check_config(self, config: dict[str, Any]) -> str:
        """A refusal code for settings that would send in clear or nowhere, or ""."""
        return ""


class Manual(Adapter):
    channel = "manual"
    by_hand = True

    def send(self, config: dict[str, Any], outgoing: Outgoing) -> str:
        return ""


class Smtp(Adapter):
    channel = "email"
    fields = ("host", "port", "security", "username", "password", "from_email")

    def check_config(self, config: dict[str, Any]) -> str:
        if not config.get("host") or not config.get("from_email"):
            return "incomplete"
        security = str(config.get("security") or "starttls")
        if security not in SECURITY or (security == "none" and not is_loopback(str(config["host"]))):
            return "insecure"
        return ""

    def send(self, config: dict[str, Any], outgoing: Outgoing) -> str:
        if self.check_config(config):  # never in clear over the internet: checked again here
            raise DeliveryFailed("insecure", retry=False)
        security = str(config.get("security") or "starttls")
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host=config["host"],
            port=int(config.get("port") or (465 if security == "ssl" else 587)),
            username=config.get("username") or None,
            password=config.get("password") or None,
            use_tls=security == "starttls",
            use_ssl=security == "ssl",
            timeout=TIMEOUT,
            fail_silently=False,
        )
        message_id = make_msgid(domain=str(config["from_email"]).rpartition("@")[2] or None)
        message = EmailMessage(
            subject=outgoing.subject,
            body=outgoing.text,
            from_email=config["from_email"],
            to=[outgoing.address],
            headers={"Message-ID": message_id},
        )
        try:
            connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            raise DeliveryFailed("smtp_refused", retry=any(400 <= c < 500 for c in codes)) from None
        except smtplib.SMTPResponseException as error:
            raise DeliveryFailed(f"smtp_{error.smtp_code}", retry=400 <= error.smtp_code < 500) from None
        except (smtplib.SMTPException, OSError):
            raise DeliveryFailed("smtp_unreachable", retry=True) from None
        return message_id


class Telegram(Adapter):
    channel = "telegram"
    fields = ("token", "api")
    DEFAULT_API = "https://api.telegram.org"

    def check_config(self, config: dict[str, Any]) -> str:
        if not config.get("token"):
            return "incomplete"
        api = urllib.parse.urlsplit(config.get("api") or self.DEFAULT_API)
        host = api.hostname or ""
        if is_loopback(host):  # a stand-in or a local Bot API server on this machine
            return "" if api.scheme in ("http", "https") else "insecure"
        allowed = {"api.telegram.org", *getattr(settings, "OUTREACH_TELEGRAM_HOSTS", ())}
        if api.scheme != "https" or host not in allowed:
            return "insecure"
        return ""

    def _call(self, config: dict[str, Any], method: str, payload: dict[str, Any]) -> Any:
        if self.check_config(config):  # https only (http to this machine): checked again here
            raise DeliveryFailed("insecure", retry=False)
        base = (config.get("api") or self.DEFAULT_API).rstrip("/")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
            f"{base}/bot{config['token']}/{method}",
            data=json.dumps(payload).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with _OPENER.open(request, timeout=TIMEOUT) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:
            answer = _json_or_empty(error)
            status = error.code
            if status == 429:
                after = (answer.get("parameters") or {}).get("retry_after")
                raise DeliveryFailed("telegram_429", retry=True, retry_after=float(after or 30)) from None
            if status == 403:
                raise DeliveryFailed("telegram_blocked", retry=False, opted_out=True) from None
            if status >= 500:
                raise DeliveryFailed(f"telegram_{status}", retry=True) from None
            raise DeliveryFailed(f"telegram_{status}", retry=False) from None
        except (TimeoutError, urllib.error.URLError, OSError, ValueError, http.client.HTTPException):
            raise DeliveryFailed("telegram_unreachable", retry=True) from None
        if not isinstance(answer, dict) or not answer.get("ok"):
            raise DeliveryFailed("telegram_not_ok", retry=False)
        return answer.get("result")

    def send(self, config: dict[str, Any], outgoing: Outgoing) -> str:
        result = self._call(config, "sendMessage", {"chat_id": outgoing.address, "text": outgoing.text})
        return str((result or {}).get("message_id", ""))

    def updates(self, config: dict[str, Any], offset: int) -> list[Update]:
        """Messages sent to the bot since ``offset`` (no long poll: a page asks, then returns)."""
        result = self._call(config, "getUpdates", {"offset": offset, "timeout": 0, "allowed_updates": ["message"]})
        found = []
        for update in result or []:
            message = update.get("message") or {}
            chat = message.get("chat") or {}
            if "id" in chat and chat.get("type", "private") == "private":
                found.append(Update(int(update["update_id"]), str(chat["id"]), str(message.get("text") or "")))
            elif "update_id" in update:
                found.append(Update(int(update["update_id"]), "", ""))  # not a private message: skipped
        return found


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The Bot API never redirects: a redirect would carry the token's path elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _json_or_empty(error: urllib.error.HTTPError) -> dict[str, Any]:
    try:
        answer = json.loads(error.read())
    except (ValueError, OSError):
        return {}
    return answer if isinstance(answer, dict) else {}


ADAPTERS: dict[str, Adapter] = {adapter.channel: adapter for adapter in (Manual(), Smtp(), Telegram())}
