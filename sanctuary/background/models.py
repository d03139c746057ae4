"""A job is a row: what it is, who started it, where it is, and what came of it.

Clear: counts, stages, states, the parameters (ids and codes only, never a value) and the
outcome (messages we wrote ourselves: a summary, an error, where to go next). Encrypted: the
rows of a report (an import's bad rows, which may quote what was typed), like every other value
that could identify someone. An import's file and an export's result are vault-encrypted files,
bound to their job. Secrets a job needs only while it runs (a partner linkage key) are never
written anywhere: they stay in the memory of the process that runs it (``runner``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import Module, can_use, modules_for, officers_only_modules, sees_all_people
from sanctuary.vault import crypto
from sanctuary.vault.fields import EncryptedModel, EncryptedQuerySet, EncryptedTextField


class JobState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class JobQuerySet(EncryptedQuerySet):
    def visible_to(self, user: Any) -> Any:
        """Everyone sees the jobs they started; users of a module see its jobs (a nightly scan,
        a colleague's draft); directors (``jobs``) see every job."""
        if not user.is_authenticated:
            return self.none()
        if can_use(user, Module.BACKGROUND) and sees_all_people(user):
            # Every job, but those of modules directors are not given (evidence packages).
            return self.exclude(module__in=officers_only_modules() - modules_for(user))
        return self.filter(models.Q(started_by=user) | models.Q(module__in=modules_for(user)))


class Job(EncryptedModel):
    IDENTIFYING_FIELDS: ClassVar[tuple[str, ...]] = ("rows",)
    # Encrypted files of the row: field -> the part named in their associated data.
    VAULT_FILES: ClassVar[dict[str, str]] = {"input_name": "input", "output_name": "output"}

    kind = models.CharField(
        max_length=64, verbose_name=_("kind")
    )  # a registered kind: "matching.scan", "stipends.draft" …
    module = models.CharField(
        max_length=32, blank=True, verbose_name=_("module")
    )  # the access module whose users see it
    state = models.CharField(max_length=8, choices=JobState.choices, default=JobState.QUEUED, verbose_name=_("state"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created on"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started on"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished on"))
    heartbeat_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last sign of life"))
    worker = models.CharField(max_length=96, blank=True, verbose_name=_("worker"))  # host:pid of the process running it
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    task_id = models.CharField(max_length=64, blank=True, verbose_name=_("task id"))  # the django-tasks result row
    stage = models.CharField(max_length=32, blank=True, verbose_name=_("stage"))  # a code, never a value
    done = models.PositiveIntegerField(default=0, verbose_name=_("done"))
    total = models.PositiveIntegerField(default=0, verbose_name=_("total"))
    counts = models.JSONField(default=dict, verbose_name=_("counts"))  # numbers only: found, lines, created …
    error = models.CharField(max_length=64, blank=True, verbose_name=_("error"))  # a refusal code or "crashed"
    params = models.JSONField(default=dict, verbose_name=_("parameters"))  # ids and codes only
    outcome = models.JSONField(default=dict, verbose_name=_("outcome"))  # our own messages: summary, error, next_url
    rows = EncryptedTextField(
        blank=True, verbose_name=_("rows")
    )  # JSON list: an import's bad rows (may quote the input)
    input_name = models.CharField(
        max_length=64, blank=True, verbose_name=_("input file name")
    )  # vault file: an uploaded input
    output_name = models.CharField(
        max_length=64, blank=True, verbose_name=_("output name")
    )  # vault file: the result to download
    output_type = models.CharField(max_length=100, blank=True, verbose_name=_("output type"))
    output_filename = models.CharField(
        max_length=100, blank=True, verbose_name=_("output file name")
    )  # ids and dates only
    downloaded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("downloaded on"))

    objects = JobQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "kind"], name="job_state_kind_idx")]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return f"job {self.pk} {self.kind}"

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.done / self.total)) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.state in {JobState.DONE, JobState.FAILED}

    def file_aad_for(self, part: str) -> bytes:
        return crypto.aad_for(self._meta.db_table, part, str(self.uid))
