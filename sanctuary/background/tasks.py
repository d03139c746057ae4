"""The one django-tasks task: run a job by its id (the only argument, so the task table holds
no value from the job)."""

from __future__ import annotations

from django_tasks import task

from sanctuary.background import runner


@task()
def run_job(job_id: int) -> None:
    runner.execute(job_id)
