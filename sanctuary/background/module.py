"""Jobs, as the registry sees it: the jobs page in everyone's navigation, and the one job
kind of the vault (rotation, run by ``vault_rotate`` or, after a crash, by the server)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

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


class _JobKinds(Mapping[str, Any]):
    """Audit labels for the kinds of job, by their names (an export's entry names the kind of
    job that wrote the file: ``fields=["stipends.cash_list"]``), read from the runner when
    asked: stages register their kinds after this module is loaded."""

    _PREFIX = "background.job."

    def __init__(self, more: dict[str, Any]) -> None:
        self.more = more  # the app's other labels

    def __getitem__(self, key: str) -> Any:
        if key in self.more:
            return self.more[key]
        found = runner.kinds().get(key.removeprefix(self._PREFIX)) if key.startswith(self._PREFIX) else None
        if found is None:
            raise KeyError(key)
        return found.label

    def __iter__(self) -> Iterator[str]:
        yield from self.more
        yield from (f"{self._PREFIX}{name}" for name in runner.kinds())

    def __len__(self) -> int:
        return len(self.more) + len(runner.kinds())


register(
    Stage(
        app="background",
        audit_labels=_JobKinds({"system.vault_rotate": _("the key rotation command")}),
        nav=(NavEntry(url="background:list", label=_("Background work"), visible=lambda user: True, order=99),),
    )
)
