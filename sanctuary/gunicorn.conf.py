"""gunicorn settings for `make run` and production.

ONE worker process with threads: the unsealed vault keys live in the memory of exactly one
process (sanctuary/vault/state.py), never on disk, in the database or in another process.
Raise ``WEB_THREADS`` for more concurrency; do not raise ``workers``.
"""

import os
import sys
from typing import Any

from gunicorn.glogging import Logger

workers = 1
threads = int(os.environ.get("WEB_THREADS", "8"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 10
# The access log keeps method, path (ids only, never names) and status: no query string,
# no client address, no referrer.
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"


class _RedactingLogger(Logger):
    """The access log's path with the secrets a stage declares cut off (``/c/<code>`` is
    logged as ``/c/…``): see ``sanctuary.lib.logs``."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        from sanctuary.lib.logs import redact  # the app is loaded in the worker by now

        atoms["U"] = redact(str(atoms.get("U", "")))
        return atoms


logger_class = _RedactingLogger
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker: object) -> None:
    """The jobs worker and the nightly duplicate scan's timer, in this process (the one that
    holds the keys); DEMO ONLY: unseal with the demo shares kept in var/ (set by `make run`)."""
    from sanctuary.background import runner
    from sanctuary.matching import nightly

    runner.start_worker()
    nightly.start()
    if os.environ.get("SANCTUARY_DEMO_AUTO_UNSEAL") != "1":
        return
    from sanctuary.demo.shares import demo_shares_path
    from sanctuary.vault import state

    path = demo_shares_path()
    if not path.exists():
        return
    state.unseal_with_shares(path.read_text(encoding="ascii").split())
    banner = "!" * 78
    print(
        f"{banner}\n!! DEMO: the vault was unsealed automatically with shares stored in {path}.\n"
        f"!! A real deployment never stores shares: key holders unseal at /unseal/.\n{banner}",
        file=sys.stderr,
        flush=True,
    )
