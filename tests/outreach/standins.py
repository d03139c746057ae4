"""Stand-in servers that speak the real protocols, started inside the test: an SMTP server
(aiosmtpd, the maintained asyncio SMTP server) and a small HTTP server answering the
Telegram Bot API's ``sendMessage`` and ``getUpdates`` the way Telegram does (JSON
``{"ok": ..., "result": ...}``, 429 with ``parameters.retry_after``, 403 when the person
blocked the bot). Nothing of our own code is replaced: the adapters talk to these over
sockets."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SmtpInbox:
    messages: list[tuple[Envelope, Message]] = field(default_factory=list)
    # Answers to give instead of accepting, one per RCPT, e.g. "451 4.3.0 try later".
    refuse_next: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.refuse_next:
            return self.refuse_next.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append((envelope, message_from_bytes(envelope.content or b"")))
        return "250 Message accepted"


@contextmanager
def smtp_server() -> Iterator[tuple[SmtpInbox, int]]:
    inbox = SmtpInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@dataclass
class BotApi:
    """What the stand-in Telegram received and what it will answer."""

    token: str = "123456:TEST-token"
    sent: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    # Failures to answer the next sendMessage calls with: (status, body).
    fail_next: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    next_id: int = 1

    def add_update(self, chat_id: int, text: str) -> None:
        update_id = 1000 + len(self.updates)
        self.updates.append(
            {
                "update_id": update_id,
                "message": {"message_id": update_id, "chat": {"id": chat_id, "type": "private"}, "text": text},
            }
        )


@contextmanager
def telegram_server() -> Iterator[tuple[BotApi, str]]:
    api = BotApi()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            return None

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            api.paths.append(self.path)
            payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            prefix = f"/bot{api.token}/"
            if not self.path.startswith(prefix):
                self._answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            method = self.path[len(prefix) :]
            if method == "sendMessage":
                if api.fail_next:
                    status, body = api.fail_next.pop(0)
                    self._answer(status, body)
                    return
                api.sent.append(payload)
                api.next_id += 1
                self._answer(
                    200, {"ok": True, "result": {"message_id": api.next_id, "chat": {"id": payload["chat_id"]}}}
                )
            elif method == "getUpdates":
                offset = int(payload.get("offset") or 0)
                self._answer(200, {"ok": True, "result": [u for u in api.updates if u["update_id"] >= offset]})
            else:
                self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
