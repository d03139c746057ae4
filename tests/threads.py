"""Many writers at the same moment, each in its own database connection, as concurrent
requests would be: the one way the concurrency tests start their threads."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def at_once(jobs: list[Callable[[], object]]) -> list[object]:
    """Run every job in its own thread and connection, all released together; each job's
    result, or the name of what it raised (what a request would have turned into a 500)."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[object] = []

    def run(job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            outcomes.append(job())
        except Exception as error:  # noqa: BLE001 - reported as an outcome, never hidden
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
