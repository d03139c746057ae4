"""Long work runs as jobs: rows with progress, run by django-tasks' database worker in the
process that holds the keys; after a restart they resume or are marked failed; a failure
keeps no value; a file goes once to the one who asked for it."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from sanctuary.audit.models import Action, AuditEntry
from sanctuary.background import runner
from sanctuary.background.models import Job, JobState
from sanctuary.vault import state
from tests.conftest import verified_client

SECRET_NAME = "Ko Thiha Aung"  # a value that must never reach the task table or a traceback


@runner.kind("tests.echo", module="stipends", label="echo", resumable=True)
def _echo(job: runner.Context) -> None:
    data = job.input()
    job.progress(1, 2, "reading")
    job.write_output(data.upper(), "text/plain", f"echo-{job.job.pk}.txt")
    job.count(bytes=len(data))
    job.report("echoed", next_url="/")


@runner.kind("tests.boom", module="stipends", label="boom")
def _boom(job: runner.Context) -> None:
    raise ValueError(f"cannot read {SECRET_NAME}")


@runner.kind("tests.secret", module="stipends", label="secret")
def _secret(job: runner.Context) -> None:
    if job.secret is None:
        raise runner.JobRefused("interrupted")
    job.count(secret_length=len(job.secret))


@pytest.mark.django_db(transaction=True)
def test_the_worker_thread_runs_a_queued_job(make_user, settings) -> None:  # type: ignore[no-untyped-def]
    """Not inline: the job waits in the task table until django-tasks' worker, in a thread of
    this process, claims and runs it. The task's only argument is the job id."""
    settings.JOBS_RUN_INLINE = False
    user = make_user("finance_officer")
    with transaction.atomic():
        job = runner.start("tests.echo", user, input_data=SECRET_NAME.encode())
        assert not DBTaskResult.objects.exists()  # queued only once the transaction commits
    task = DBTaskResult.objects.get()
    assert task.args_kwargs == {"args": [job.pk], "kwargs": {}}
    assert SECRET_NAME not in json.dumps(task.args_kwargs)
    worker = threading.Thread(target=runner._worker(batch=True).run)
    worker.start()
    worker.join(timeout=60)
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.counts == {"bytes": len(SECRET_NAME)}
    assert (job.done, job.total, job.stage) == (1, 2, "reading")
    assert job.input_name == "" and job.output_name
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db
def test_a_crash_keeps_no_value(make_user) -> None:  # type: ignore[no-untyped-def]
    job = runner.start("tests.boom", make_user("finance_officer"))
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error == "crashed"
    task = DBTaskResult.objects.get()
    assert task.status == "FAILED"
    assert SECRET_NAME not in task.traceback and "JobFailed" in task.exception_class_path


@pytest.mark.django_db
def test_a_job_that_needs_keys_is_refused_while_sealed(make_user, vault_shares) -> None:  # type: ignore[no-untyped-def]
    user = make_user("finance_officer")
    job = runner.start("tests.echo", user)
    Job.objects.filter(pk=job.pk).update(state=JobState.QUEUED)
    state.seal()
    try:
        runner.execute(job.pk)
    finally:
        state.unseal_with_shares(vault_shares[:2])
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error == "sealed"
    assert "sealed" in job.outcome["error"]


@pytest.mark.django_db
def test_after_a_restart_jobs_resume_or_fail(make_user) -> None:  # type: ignore[no-untyped-def]
    """A job left running by a process that is gone: a resumable one runs again (its input
    was kept), any other is marked failed; a secret held in memory is gone with the process."""
    user = make_user("finance_officer")
    dead = "nowhere:999999"
    echo = runner.start("tests.echo", user, input_data=b"again")
    secret = runner.start("tests.secret", user, secret=b"k" * 32)
    for job in (echo, secret):
        job.refresh_from_db()
    assert secret.state == JobState.DONE  # with its secret, while this process lives
    # As a crash leaves them: running, in a process that no longer exists, input still there.
    Job.objects.filter(pk=echo.pk).update(state=JobState.RUNNING, worker=dead, output_name="")
    Job.objects.filter(pk=echo.pk).update(input_name=_kept_input(echo, b"again"))
    lost = Job.objects.create(
        kind="tests.secret", module="stipends", started_by=user, state=JobState.RUNNING, worker=dead
    )
    assert runner.recover() == [echo.pk]
    echo.refresh_from_db()
    lost.refresh_from_db()
    assert echo.state == JobState.DONE and echo.attempts == 2 and echo.counts == {"bytes": 5}
    assert lost.state == JobState.FAILED and lost.error == "interrupted"


def _kept_input(job: Job, data: bytes) -> str:
    from sanctuary.vault import files

    return files.write_encrypted(data, job.file_aad_for("input"))


@pytest.mark.django_db
def test_the_file_goes_once_to_the_one_who_asked(make_user, team_a) -> None:  # type: ignore[no-untyped-def]
    owner, colleague = make_user("finance_officer"), make_user("finance_officer")
    job = runner.start("tests.echo", owner, input_data=b"cash list")
    assert verified_client(colleague).get(f"/background/{job.pk}/").status_code == 200  # same module: sees it
    assert verified_client(colleague).post(f"/background/{job.pk}/download/").status_code == 404
    assert verified_client(make_user("shelter_manager")).get(f"/background/{job.pk}/").status_code == 404
    client = verified_client(owner)
    page = client.get(f"/background/{job.pk}/").content.decode()
    assert "echoed" in page and "job-download" in page
    response = client.post(f"/background/{job.pk}/download/")
    assert response.status_code == 200 and response.content == b"CASH LIST"
    assert client.post(f"/background/{job.pk}/download/").status_code == 404  # deleted once downloaded
    assert AuditEntry.objects.filter(action=Action.EXPORT, object_type="background.job", object_id=str(job.pk)).exists()


@pytest.mark.django_db
def test_the_watching_page_moves_on_when_the_job_is_done(make_user) -> None:  # type: ignore[no-untyped-def]
    """While the page polls (htmx), a finished job that leads somewhere sends the browser on,
    with its summary as a message; a job with rows to read or a file to take stays."""
    user = make_user("finance_officer")
    client = verified_client(user)
    job = runner.start("tests.echo", user, input_data=b"x")
    Job.objects.filter(pk=job.pk).update(output_name="")
    response = client.get(f"/background/{job.pk}/", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == "/"
    assert "echoed" in client.get("/").content.decode()
    job.refresh_from_db()
    job.rows = '["Row 3: wrong"]'
    job.save(update_fields=["rows"])
    response = client.get(f"/background/{job.pk}/", HTTP_HX_REQUEST="true")
    assert "HX-Redirect" not in response and "Row 3: wrong" in response.content.decode()
