"""One mechanism for long work: a job row, a django-tasks task, and a worker in the process
that holds the unsealed keys.

Scans, rotation, imports, exports and payment runs read decrypted values and compute blind
indexes, so they must run where the keys are: in the single gunicorn worker
(``sanctuary/gunicorn.conf.py``), never in a separate task worker that would need keys of
its own. :func:`start_worker` runs django-tasks-db's own ``Worker`` in a daemon thread of that
process; a command that unsealed itself (``vault_rotate``) runs its job in its own process
through the same :func:`execute`.

- :func:`start` writes the job row (and its input, encrypted), then enqueues a task once the
  transaction commits. Task arguments are a job id, nothing else: no value ever lands in the
  task table in clear. Secrets a job needs only while it runs stay in this process's memory.
- A handler (registered with :func:`kind`) gets a :class:`Context`: ``progress``, ``params``,
  ``input``, ``write_output``, ``report``.
- After a restart, :func:`recover` looks at jobs whose process is gone: a resumable job
  (one that is safe to run again, or continues where it stopped) is queued again, any other is
  marked failed ("interrupted"), so nothing stays "running" for ever.
- A failure stores a code, never a traceback with values; the log gets the traceback, which
  holds code lines, not data.

With ``JOBS_RUN_INLINE`` (tests, and a server started without the worker), a job runs at
once when its transaction commits, through the same task backend and worker code.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from sanctuary.background.models import Job, JobState
from sanctuary.lib.refusal import Refusal
from sanctuary.vault import files
from sanctuary.vault import state as vault_state

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

log = logging.getLogger(__name__)


class JobRefused(Refusal):
    messages = {
        "sealed": _("The vault was sealed: this needs it unsealed. Start it again after unsealing."),
        "unknown_kind": _("This kind of job is not known to this server."),
        "interrupted": _("The server restarted while this ran. Start it again."),
    }


class JobFailed(Exception):
    """Raised to the task backend instead of the handler's exception: its traceback, stored in
    the task table, holds no value from the job."""


@dataclass(frozen=True)
class Kind:
    name: str
    handler: Callable[[Context], None]
    module: str  # the access module whose users see these jobs
    label: Any  # lazy translation, for the jobs page
    resumable: bool = False  # safe to run again after a crash (idempotent, or it resumes itself)
    needs_keys: bool = True  # reads or writes encrypted values: refused while sealed


_kinds: dict[str, Kind] = {}
_secrets: dict[int, Any] = {}  # job id -> what the job needs only while it runs (never written)
_secrets_lock = threading.Lock()


def kind(
    name: str, *, module: str, label: Any, resumable: bool = False, needs_keys: bool = True
) -> Callable[[Callable[[Context], None]], Any]:
    """Register a job handler (from the module that owns the work)."""

    def register(handler: Callable[[Context], None]) -> Callable[[Context], None]:
        _kinds[name] = Kind(name, handler, module, label, resumable, needs_keys)
        return handler

    return register


def kinds() -> dict[str, Kind]:
    return dict(_kinds)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Context:
    """What a handler works with."""

    job: Job
    secret: Any = None
    watcher: Callable[[Job], None] | None = None  # a command printing progress as it goes

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.job.params)

    @property
    def user(self) -> User | None:
        return self.job.started_by

    def progress(self, done: int, total: int | None = None, stage: str | None = None) -> None:
        """Seen by the jobs page at once (written outside the handler's transaction where the
        database allows: SQLite queues it behind the handler's own writes)."""
        fields: dict[str, Any] = {"done": done, "heartbeat_at": timezone.now()}
        if total is not None:
            fields["total"] = total
        if stage is not None:
            fields["stage"] = stage
        Job.objects.filter(pk=self.job.pk).update(**fields)
        for name, value in fields.items():
            setattr(self.job, name, value)
        if self.watcher is not None:
            self.watcher(self.job)

    def count(self, **numbers: int) -> None:
        self.job.counts = {**self.job.counts, **numbers}
        Job.objects.filter(pk=self.job.pk).update(counts=self.job.counts)

    def input(self) -> bytes:
        if not self.job.input_name:
            return b""
        return files.read_decrypted(self.job.input_name, self.job.file_aad_for("input"))

    def write_output(self, data: bytes, content_type: str, filename: str) -> None:
        """The result to download, encrypted, for the user who started the job."""
        name = files.write_encrypted(data, self.job.file_aad_for("output"))
        old = self.job.output_name
        self.job.output_name, self.job.output_type, self.job.output_filename = name, content_type, filename
        self.job.save(update_fields=["output_name", "output_type", "output_filename"])
        if old:
            files.delete(old)

    def report(self, summary: str = "", *, error: str = "", next_url: str = "", rows: list[str] | None = None) -> None:
        """What the user reads on the job's page: our own summary or error and where to go next
        (clear), and the rows of an input that are wrong (encrypted: they may quote it)."""
        outcome = {**self.job.outcome}
        outcome.update({k: v for k, v in (("summary", summary), ("error", error), ("next_url", next_url)) if v})
        self.job.outcome = outcome
        fields = ["outcome"]
        if rows is not None:
            self.job.rows = json.dumps(rows, ensure_ascii=False)
            fields.append("rows")
        self.job.save(update_fields=fields)


def start(
    name: str,
    user: User | None,
    *,
    params: dict[str, Any] | None = None,
    input_data: bytes | None = None,
    secret: Any = None,
    run_after: datetime | None = None,
) -> Job:
    """Create a job and queue it to run once the caller's transaction commits (not before
    ``run_after``, when given: a retry with backoff)."""
    registered = _kinds[name]
    job = Job(kind=name, module=registered.module, started_by=user, params=params or {})
    job.save()
    if input_data is not None:
        job.input_name = files.write_encrypted(input_data, job.file_aad_for("input"))
        job.save(update_fields=["input_name"])

    def go() -> None:
        # The secret is handed over only when the job is really queued: a rolled-back start
        # leaves nothing in memory either.
        if secret is not None:
            with _secrets_lock:
                _secrets[job.pk] = secret
        enqueue(job.pk, run_after=run_after)

    if getattr(settings, "JOBS_RUN_INLINE", False):
        go()  # at once, inside the caller's transaction (tests)
    else:
        transaction.on_commit(go)
    return job


def run_here(
    name: str,
    user: User | None,
    *,
    params: dict[str, Any] | None = None,
    watcher: Callable[[Job], None] | None = None,
) -> Job:
    """Create a job and run it in this process now (a command that holds what the job needs,
    keys or a terminal to report to). It is still a job row: the jobs page shows it, and a
    crash leaves it to :func:`recover`."""
    job = Job(kind=name, module=_kinds[name].module, started_by=user, params=params or {})
    job.save()
    execute(job.pk, watcher=watcher)
    job.refresh_from_db()
    return job


def enqueue(job_id: int, run_after: datetime | None = None) -> None:
    from sanctuary.background.tasks import run_job

    result = (run_job.using(run_after=run_after) if run_after is not None else run_job).enqueue(job_id)
    Job.objects.filter(pk=job_id).update(task_id=str(result.id))
    if getattr(settings, "JOBS_RUN_INLINE", False):
        run_pending()


def _worker(batch: bool) -> Any:
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["default"],
        interval=float(getattr(settings, "JOBS_POLL_SECONDS", 1.0)),
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id()[:64],
        excluded_queue_names=[],
    )


def run_pending() -> None:
    """Run every queued task now, in this thread, with django-tasks-db's own claim and run
    (its polling loop closes connections between tasks, which must not happen inside the
    caller's transaction)."""
    from django_tasks_db.models import DBTaskResult

    worker = _worker(batch=True)
    while True:
        task_result = DBTaskResult.objects.ready().filter(backend_name="default").order_by("enqueued_at").first()
        if task_result is None:
            return
        task_result.claim(worker.worker_id)
        worker.run_task(task_result)


def execute(job_id: int, watcher: Callable[[Job], None] | None = None) -> None:
    """Run one job here (the task's body; also called by commands that hold keys themselves)."""
    job = Job.objects.select_related("started_by").get(pk=job_id)
    if job.finished:
        return
    registered = _kinds.get(job.kind)
    with _secrets_lock:
        secret = _secrets.pop(job.pk, None)
    now = timezone.now()
    job.state, job.worker, job.started_at, job.heartbeat_at = JobState.RUNNING, worker_id(), now, now
    job.attempts += 1
    job.save(update_fields=["state", "worker", "started_at", "heartbeat_at", "attempts"])
    language = getattr(job.started_by, "language", "") or settings.LANGUAGE_CODE
    try:
        if registered is None:
            raise JobRefused("unknown_kind")
        if registered.needs_keys and vault_state.is_sealed():
            raise JobRefused("sealed")
        with translation.override(language):  # messages in the report: in the starter's language
            registered.handler(Context(job, secret, watcher))
    except Refusal as refusal:  # the rules said no: the job ends with the refusal's code
        job.refresh_from_db(fields=["outcome"])
        if not job.outcome.get("error"):  # the handler's own message first
            with translation.override(language):
                Context(job).report(error=refusal.message)
        _finish(job, JobState.FAILED, refusal.code)
    except Exception as error:  # noqa: BLE001 - recorded as "crashed", and re-raised to the backend
        # The exception's type and where it was raised: its message may quote a value.
        log.error("job %s (%s) failed: %s", job.pk, job.kind, where(error))
        _finish(job, JobState.FAILED, "crashed")
        raise JobFailed(f"job {job.pk} failed") from None
    else:
        _finish(job, JobState.DONE, "")


def where(error: BaseException) -> str:
    """An exception's type and the frames it passed through (file:line), never its message."""
    frames = traceback.extract_tb(error.__traceback__)
    trail = " < ".join(f"{frame.filename.rsplit('/', 2)[-1]}:{frame.lineno}" for frame in reversed(frames[-6:]))
    return f"{type(error).__module__}.{type(error).__qualname__} at {trail}"


def forget_secrets() -> None:
    """Sealing drops the secrets queued jobs were holding (they fail as interrupted)."""
    with _secrets_lock:
        _secrets.clear()


vault_state.on_seal(forget_secrets)


def expire_outputs() -> int:
    """Files made by jobs and not taken within ``JOBS_OUTPUT_HOURS`` are deleted."""
    hours = float(getattr(settings, "JOBS_OUTPUT_HOURS", 24))
    stale = Job.objects.exclude(output_name="").filter(finished_at__lt=timezone.now() - timedelta(hours=hours))
    count = 0
    for job in stale:
        files.delete(job.output_name)
        Job.objects.filter(pk=job.pk).update(output_name="")
        count += 1
    return count


def _finish(job: Job, state: str, error: str) -> None:
    """The job has ended: its input file goes once that is committed (a job that dies with
    its process never gets here, and keeps its input to be run again)."""
    name = Job.objects.filter(pk=job.pk).values_list("input_name", flat=True).first() or ""
    Job.objects.filter(pk=job.pk).update(state=state, error=error, finished_at=timezone.now(), worker="", input_name="")
    job.refresh_from_db()
    if name:
        transaction.on_commit(lambda: files.delete(name))


def _process_alive(worker: str) -> bool:
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def recover() -> list[int]:
    """Jobs left running or queued by a process that is gone: queue again what may resume, mark
    the rest failed. Returns the ids queued again."""
    from django_tasks_db.models import DBTaskResult

    requeued: list[int] = []
    for job in Job.objects.filter(state__in=[JobState.RUNNING, JobState.QUEUED]):
        if job.worker and _process_alive(job.worker) and job.worker != worker_id():
            continue  # still running in another process of this machine (a command)
        registered = _kinds.get(job.kind)
        if (
            job.state == JobState.QUEUED
            and job.task_id
            and DBTaskResult.objects.filter(id=job.task_id, status="READY").exists()
        ):
            continue  # its task is still waiting: the worker will take it
        if registered is not None and registered.resumable:
            Job.objects.filter(pk=job.pk).update(state=JobState.QUEUED, worker="")
            requeued.append(job.pk)
        else:
            _finish(job, JobState.FAILED, "interrupted")
    # The task rows of those runs say "running" for ever otherwise.
    DBTaskResult.objects.filter(status="RUNNING").update(status="FAILED", finished_at=timezone.now())
    for job_id in requeued:
        enqueue(job_id)
    return requeued


_worker_started = threading.Event()


def start_worker() -> None:
    """Called once per server process (gunicorn's post_worker_init): recover, then run tasks
    in a daemon thread of this process."""
    if _worker_started.is_set() or getattr(settings, "JOBS_RUN_INLINE", False):
        return
    _worker_started.set()

    pause = float(getattr(settings, "JOBS_POLL_SECONDS", 1.0))

    def loop() -> None:
        while vault_state.is_sealed():  # nothing can run before key holders unseal
            time.sleep(pause)
        backoff = pause
        while True:
            try:
                recover()
                expire_outputs()
                _worker(batch=False).run()  # returns only on error: the database went away …
            except Exception as error:  # noqa: BLE001 - the worker must outlive a database restart
                log.error("jobs worker stopped, starting again in %.0f s: %s", backoff, where(error))
            finally:
                close_old_connections()
            time.sleep(backoff)
            backoff = min(backoff * 2, 60.0)

    threading.Thread(target=loop, name="jobs-worker", daemon=True).start()
