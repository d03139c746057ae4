"""gunicorn settings for `make run` and production.

One worker process with threads: the unsealed vault key (see the vault issue) lives in the
memory of one process, never on disk. Raise ``threads`` for more concurrency.
"""

import os

workers = int(os.environ.get("WEB_WORKERS", "1"))
threads = int(os.environ.get("WEB_THREADS", "8"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 10
# The access log keeps method, path (ids only, never names) and status: no query string,
# no client address, no referrer.
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
