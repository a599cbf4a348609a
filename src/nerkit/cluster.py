"""A Dask client for the engines that run work on a cluster (batch prediction, experiments).

``scheduler`` (or ``$DASK_SCHEDULER_ADDRESS``) names a running scheduler; without one a local
cluster of ``processes`` worker processes, one thread each, is started for the run and closed
after it. Needs the ``dask`` extra; importing this module imports nothing from it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .errors import ConfigError, missing_extra

ENV_SCHEDULER = "DASK_SCHEDULER_ADDRESS"


@contextmanager
def dask_client(scheduler: str | None = None, processes: int = 2) -> Iterator[Any]:
    """A connected ``distributed.Client`` (see the module doc); E336 when the scheduler
    cannot be reached."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - depends on the environment
        raise missing_extra("distributed", "dask", "Running on Dask (--engine dask)") from None
    address = scheduler or os.environ.get(ENV_SCHEDULER) or None
    cluster = None
    if address is None:
        if processes < 1:
            raise ConfigError("E309", f"--processes must be 1 or more, got {processes}")
        cluster = LocalCluster(
            n_workers=processes, threads_per_worker=1, processes=True, dashboard_address=None
        )
    try:
        client = Client(cluster if cluster is not None else address, timeout="10s")
    except OSError as err:
        if cluster is not None:
            cluster.close()
        raise ConfigError(
            "E336",
            f"Cannot reach the Dask scheduler at {address}: {err}",
            hint="Start one (dask scheduler; dask worker ADDRESS) or leave out --scheduler "
            "for a local cluster.",
        ) from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
