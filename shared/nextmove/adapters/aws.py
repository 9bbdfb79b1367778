"""One place that creates boto3 clients, lazily and once per process.

Lazily, because a client costs ~130 ms and not every cold start needs every client;
once, because creating one per call would pay that on every event. moto patches
clients created after it starts, so tests see the same code path as Lambda.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    # Standard retry mode backs off and retries throttling and transient errors for us.
    return boto3.session.Session().client(
        service, config=Config(retries={"mode": "standard", "max_attempts": 5})
    )


def setting(name: str) -> str:
    """A configuration value from the function's environment, with a clear error if the
    template did not set it (a deploy mistake, better caught at the first event)."""
    try:
        return os.environ[name]
    except KeyError:
        raise RuntimeError(f"environment variable {name} is not set; see template.yaml") from None
