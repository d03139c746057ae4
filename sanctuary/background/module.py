"""Jobs, as the registry sees it: the jobs page in everyone's navigation, and the one job
kind of the vault (rotation, run by ``vault_rotate`` or, after a crash, by the server)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import Module
from sanctuary.background import runner
from sanctuary.lib.stages import NavEntry, Stage, register
from sanctuary.vault import keys
from sanctuary.vault.models import RotationJob


@runner.kind("vault.rotate", module=Module.SEAL, label=_("Key rotation"), resumable=True)
def rotate(job: runner.Context) -> None:
    """Every value and file encrypted again under a new data key; it resumes where it stopped."""

    def progress(rotation: RotationJob) -> None:
        job.progress(rotation.done, rotation.total, "rotating")

    rotation = keys.rotate(batch_size=int(job.params.get("batch_size", 500)), on_batch=progress)
    job.count(version=rotation.to_version)


register(
    Stage(
        app="background",
        nav=(NavEntry(url="background:list", label=_("Background work"), visible=lambda user: True, order=99),),
    )
)
