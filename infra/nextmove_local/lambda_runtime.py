"""Lambda's runtime, in-process: each function runs as its own container would.

On AWS every function is its own process with its own environment (the template's
variables, the region, and the credentials of its execution role), so no function can
read another's configuration, ride on another's cached client or cache, or call AWS
with another's permissions. Here all functions share one process, so:

- ``os.environ`` is replaced by ``FunctionEnviron``: while a function runs (in the
  thread and context that invokes it), it sees exactly that function's environment
  and nothing of the developer's shell or of any other function; outside, the process's
  own environment, as before;
- the layer's per-container state (boto3 clients, the secrets and thresholds caches)
  is kept per function name (``nextmove.adapters.aws.container``), which on Lambda is
  one name per process;
- each function signs with credentials of its own, which the local AWS authorizes
  against that function's role (``authorize.py``).
"""

from __future__ import annotations

import contextvars
import importlib.util
import os
import threading
import uuid
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from nextmove_local.authorize import Credentials

_running: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "running", default=None
)


class FunctionEnviron(MutableMapping[str, str]):
    """``os.environ`` for a process that hosts several functions: the running
    function's environment inside an invocation, the process's outside one."""

    def __init__(self, process: MutableMapping[str, str]) -> None:
        self.process = process

    def _current(self) -> MutableMapping[str, str]:
        env = _running.get()
        return self.process if env is None else env

    def __getitem__(self, key: str) -> str:
        return self._current()[key]

    def __setitem__(self, key: str, value: str) -> None:
        self._current()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._current()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._current()))

    def __len__(self) -> int:
        return len(self._current())

    def copy(self) -> dict[str, str]:
        return dict(self._current())


def install_environ() -> None:
    """Put ``FunctionEnviron`` in place of ``os.environ`` (once per process)."""
    if not isinstance(os.environ, FunctionEnviron):
        # Replaced, not cleared (B003): the process's variables stay, behind it.
        os.environ = FunctionEnviron(os.environ)  # type: ignore[assignment]  # noqa: B003


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    region: str = "us-east-1"
    account: str = "123456789012"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@dataclass
class Function:
    """One AWS::Serverless::Function, loaded from its folder like Lambda would, with
    the environment and credentials its container would have."""

    logical_id: str
    code_dir: Path
    handler_name: str
    properties: dict[str, Any]
    environment: dict[str, str] = field(default_factory=dict)
    credentials: Credentials = field(default_factory=Credentials.minted)
    _module: ModuleType | None = None
    _loading: threading.Lock = field(default_factory=threading.Lock)

    @property
    def name(self) -> str:
        return self.environment.get("AWS_LAMBDA_FUNCTION_NAME", self.logical_id)

    def invoke(self, event: dict[str, Any]) -> Any:
        with self.running():
            with self._loading:  # one cold start, even when two requests arrive together
                self._load()
            handler = getattr(self._module, self.handler_name.partition(".")[2])
            return handler(event, LambdaContext(function_name=self.name))

    @contextmanager
    def running(self) -> Iterator[None]:
        """Run the block as this function's container: its environment, its clients."""
        token = _running.set(self.environment)
        try:
            yield
        finally:
            _running.reset(token)

    def client(self, service: str) -> Any:
        """The boto3 client this function's code uses (its credentials, its cache):
        what Lambda's pollers and destinations act with on the function's behalf."""
        from nextmove.adapters.aws import client

        with self.running():
            return client(service)

    def _load(self) -> None:
        if self._module is None:
            module_file, _, _ = self.handler_name.partition(".")
            path = self.code_dir / f"{module_file}.py"
            spec = importlib.util.spec_from_file_location(f"nextmove_fn_{self.code_dir.name}", path)
            assert spec and spec.loader
            self._module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(self._module)


def lambda_environment(
    *,
    name: str,
    variables: dict[str, str],
    credentials: Credentials,
    region: str,
    endpoint: str,
    memory: int,
) -> dict[str, str]:
    """What Lambda puts in a function's environment (the reserved variables, the
    role's credentials, the template's variables), pointed at the local AWS."""
    process = os.environ.process if isinstance(os.environ, FunctionEnviron) else os.environ
    return {
        # The host's basics, as Lambda's image has its own.
        **{k: process[k] for k in ("PATH", "HOME", "LANG", "TZ") if k in process},
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_SESSION_TOKEN": credentials.session_token,
        # Local only: the local AWS, no config files, no X-Ray daemon to trace to.
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_DEV": "0",
        **variables,
    }
