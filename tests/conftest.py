"""Test set-up shared by every suite.

Fake credentials and a fixed region are set before anything imports boto3, so no test
can reach a real AWS account whatever the developer's shell holds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.update(
    {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "POWERTOOLS_TRACE_DISABLED": "1",
    }
)
os.environ.pop("AWS_PROFILE", None)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Any]:
    """A fresh local stack: template.yaml's resources on moto, functions in-process."""
    from nextmove_local.stack import LocalStack

    local = LocalStack.start(tmp_path / "outbox")
    yield local
    local.stop()
