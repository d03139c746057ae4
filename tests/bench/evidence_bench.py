"""Packaging and verifying referral packages, in its own process and throw-away database;
prints JSON for tests.bench.run.

python -m tests.bench.evidence_bench [--mb 500]

Items are streamed into the store through ``evidence.store`` (as an upload is), a package of
all of them is proposed, released by a second officer and built through the real job, then
``verify_package`` opens it with the recipient's key. Measured: wall time of the build and of
the verification, and the process's resident memory while each runs (sampled every 10 ms),
at a tenth of the size and at the full size: flat memory means the two peaks are alike. The
anchor, run here on the same bytes: reading them once through SHA-256 and SHA-512, the least
any packager must do.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tests.bench.harness import in_throwaway_database, setup_django

CHUNK = 1024 * 1024


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024**2


class _Peak:
    """The highest resident memory seen while the block runs, above what it was before."""

    def __enter__(self) -> _Peak:
        self.before = _rss_mb()
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        self.started = time.perf_counter()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, _rss_mb())

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self.started
        self._stop.set()
        self._thread.join()
        self.above = self.peak - self.before


class _Source:
    """``mb`` megabytes of incompressible bytes, made chunk by chunk (never held whole)."""

    def __init__(self, mb: int, seed: int) -> None:
        self.left, self.block = mb * CHUNK, hashlib.sha512(str(seed).encode()).digest() * (CHUNK // 64)
        self.n = 0

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        self.n += 1
        chunk = (self.n.to_bytes(8, "big") + self.block)[: min(CHUNK, self.left)]
        self.left -= len(chunk)
        return chunk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=500)
    args = parser.parse_args()
    in_throwaway_database("", lambda: _run(args))


def _run(args: argparse.Namespace) -> dict[str, object]:
    settings = setup_django()
    settings.JOBS_RUN_INLINE = True  # the packaging job runs here, where it is measured
    import io

    from django.core.management import call_command

    from sanctuary.evidence import actions, store
    from sanctuary.vault import state
    from tests.evidence import helpers
    from tests.factories import PersonFactory, TeamFactory, UserFactory

    call_command("migrate", verbosity=0)
    state.unseal_with_shares(state.initialise(3, 2)[:2])
    team = TeamFactory(name="Evidence bench")
    first = UserFactory(roles=["evidence_officer"], teams=[team], username="officer1")
    second = UserFactory(roles=["evidence_officer"], teams=[team], username="officer2")
    key, secret = helpers.key(first)
    result: dict[str, object] = {"mb": args.mb}
    work = Path(tempfile.mkdtemp(prefix="evidence-bench-"))
    identity = work / "identity.txt"
    identity.write_text(secret)
    for label, mb in (("small", max(1, args.mb // 10)), ("full", args.mb)):
        person = PersonFactory(team=team)
        helpers.testimony_consent(first, person, key.recipient)
        testimony = helpers.testimony(first, person)
        items = []
        per_item = max(1, mb // 5)
        for n in range(5):
            stored = store.write_stream(_Source(per_item, n))  # type: ignore[arg-type]
            items.append(
                actions.do_receive_item(
                    first,
                    testimony,
                    stored,
                    {"kind": "video", "title": f"video {n}", "filename": f"v{n}.mp4", "received_how": "copied"},
                )
            )
        total = sum(item.size for item in items)
        package = actions.do_propose_package(first, testimony, key, items)
        with _Peak() as build:
            actions.do_release_package(second, package)  # the job runs in this process
        package.refresh_from_db()
        assert package.state == "built", package.failure
        with _Peak() as verify:
            call_command(
                "verify_package", str(store.path_of(package.stored_name)), identity=str(identity), stdout=io.StringIO()
            )
        with _Peak() as anchor:
            for n in range(5):
                source = _Source(per_item, n)
                sha256, sha512 = hashlib.sha256(), hashlib.sha512()
                while chunk := source.read(CHUNK):
                    sha256.update(chunk)
                    sha512.update(chunk)
        result[f"{label}_mb"] = round(total / CHUNK)
        result[f"{label}_build_s"] = round(build.seconds, 2)
        result[f"{label}_build_rss_mb"] = round(build.above, 1)
        result[f"{label}_verify_s"] = round(verify.seconds, 2)
        result[f"{label}_verify_rss_mb"] = round(verify.above, 1)
        result[f"{label}_anchor_s"] = round(anchor.seconds, 2)
        result[f"{label}_peak_rss_mb"] = round(max(build.peak, verify.peak), 1)
    return result


if __name__ == "__main__":
    main()
