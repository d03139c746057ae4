"""A certificate's code never reaches a log: not Django's, not gunicorn's access log."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from sanctuary.lib.logs import RedactPaths, redact


def test_a_code_in_a_path_is_cut_and_other_paths_are_kept() -> None:
    assert redact("/c/7KQ2-M9XD-AB12-CD34-EF56") == "/c/…"
    assert redact("/c/") == "/c/" and redact("/people/12/") == "/people/12/"


def test_the_request_log_filter_cuts_the_code() -> None:
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "%s: %s", ("Not Found", "/c/SECRET"), None)
    RedactPaths().filter(record)
    assert "SECRET" not in record.getMessage() and "/c/…" in record.getMessage()


def test_gunicorn_logs_the_path_without_the_code() -> None:
    import runpy
    from pathlib import Path

    from django.conf import settings

    conf = runpy.run_path(str(Path(settings.BASE_DIR) / "sanctuary" / "gunicorn.conf.py"))
    logger = conf["logger_class"](
        SimpleNamespace(
            **{  # the few settings Logger reads
                "errorlog": "-",
                "loglevel": "info",
                "accesslog": None,
                "syslog": False,
                "logconfig_dict": {},
                "logconfig": None,
                "logconfig_json": None,
                "capture_output": False,
                "access_log_format": "%(U)s",
                "syslog_addr": "",
                "syslog_prefix": None,
                "syslog_facility": "user",
                "disable_redirect_access_to_syslog": False,
                "user": 0,
                "group": 0,
                "umask": 0,
                "dogstatsd_tags": "",
                "statsd_host": None,
            }
        )
    )
    request = SimpleNamespace(
        headers=[], method="GET", path="/c/SECRETCODE", query="", version=(1, 1), uri="/c/SECRETCODE"
    )
    response = SimpleNamespace(status="200 OK", headers=[], sent=10, response_length=10)
    environ = {
        "RAW_URI": "/c/SECRETCODE",
        "PATH_INFO": "/c/SECRETCODE",
        "QUERY_STRING": "",
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    atoms = logger.atoms(response, request, environ, SimpleNamespace(seconds=0, microseconds=1000))
    assert atoms["U"] == "/c/…"
