"""``make bench``: what NextMove costs in time, AWS calls and money, against floors.

Four measurements, each against a floor taken in the same run on the same machine:

cold_init           a fresh Python per function that imports its handler module as Lambda
                    would (the function's environment from template.yaml, its folder and
                    the layer's package on sys.path), against a fresh Python that imports
                    boto3 and creates one client; also with the layer as deployed, built
                    as SAM's python builder would (no .pyc) and as shared/Makefile does
api_calls_per_event every AWS call the pipeline makes for one event of each type, from
                    webhook to email, counted from botocore's own events; and what a
                    million events cost at AWS's list prices
history_growth      per-event calls, items read and latency for a person with 10,000 prior
                    events against a person with none and one whose record is full
throughput          signed events per second through ``nextmove serve``'s HTTP server,
                    with request-to-email latency, against moto's own rate for the same
                    calls issued directly

Prints a table and writes ``build/bench.json``. These are measurements, not tests: no
figure here fails the build.
"""

from __future__ import annotations

import argparse
import contextlib
import contextvars
import copy
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from nextmove_local import template
from nextmove_local.lambda_events import bus_event
from nextmove_local.template import ROOT, Resolver

OUT = ROOT / "build" / "bench.json"
SAMPLES = ["profile_updated", "goal_updated", "success_recorded", "offer_received"]
SAMPLES.append("feelings_checked_in")  # a person's year in order: profile first
REGION = "us-east-1"
ACCOUNT = "123456789012"

# AWS list prices, us-east-1, in USD, from each service's public pricing page
# (https://aws.amazon.com/<service>/pricing/), as published in 2025 and recorded here on
# 2026-11-26 without a live check (this machine has no network but the package
# registries): re-check before quoting them. Free tiers are left out on purpose.
PRICES_SOURCE = (
    "aws.amazon.com/{lambda,api-gateway,eventbridge,dynamodb,sns,sqs,ses,secrets-manager}"
    "/pricing: us-east-1 list prices as published in 2025, recorded 2026-11-26"
)
PRICES = {
    "lambda_request": 0.20 / 1e6,  # per invocation
    "lambda_gb_second_arm64": 0.0000133334,  # Graviton, first 6 billion GB-s a month
    "apigw_http_request": 1.00 / 1e6,  # HTTP API, first 300 million a month, per 512 KB
    "eventbridge_put_event": 1.00 / 1e6,  # custom events, per 64 KB chunk
    "dynamodb_wru": 0.625 / 1e6,  # on-demand write request unit (1 KB; 2 per KB in a transaction)
    "dynamodb_rru": 0.125 / 1e6,  # on-demand read request unit (4 KB strongly consistent)
    "dynamodb_stream_read_lambda": 0.0,  # GetRecords by a Lambda trigger is free
    "sns_publish": 0.50 / 1e6,  # per 64 KB chunk; PublishBatch bills each message
    "sns_to_sqs_delivery": 0.0,  # SNS charges nothing to deliver to SQS
    "sqs_request": 0.40 / 1e6,  # standard queue, per 64 KB chunk
    "ses_email": 0.10 / 1000,  # per email sent
    "secretsmanager_call": 0.05 / 10_000,  # per API call
}
MEMORY_GB = 0.5
# Every service an adapter may call: their cached clients get the counting handlers.
SERVICES = ("dynamodb", "events", "sns", "sqs", "ses", "sesv2", "secretsmanager", "ssm")
SERVICES += (
    "cloudwatch",
    "scheduler",
    "kms",
    "s3",
    "lambda",
)  # template.yaml Globals.Function.MemorySize 512


# ---- helpers ---------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(pct / 100 * len(ordered)) - 1)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _site_packages() -> str:
    import sysconfig

    return sysconfig.get_paths()["purelib"]


def _sample(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / f"{name}.json").read_text())


def _person_events(person: str, prefix: str, shift: timedelta = timedelta()) -> list[bytes]:
    """The five samples as one person's events, with ids unique to ``prefix``."""
    bodies = []
    for name in SAMPLES:
        doc = _sample(name)
        doc["id"] = f"{prefix}-{doc['type']}"
        doc["person_id"] = person
        if shift:
            occurred = datetime.fromisoformat(doc["occurred_at"]) + shift
            doc["occurred_at"] = occurred.isoformat().replace("+00:00", "Z")
        if doc["type"] == "profile.updated":
            doc["data"]["email"] = f"{person}@example.com"
        bodies.append(json.dumps(doc).encode())
    return bodies


# ---- cold init -------------------------------------------------------------------------


class _Plausible(dict[str, Any]):
    """Refs and attributes for resources that exist only on AWS: plausible names and
    ARNs of the shape AWS gives them, so a function sees the environment it gets there."""

    def __init__(self, resources: dict[str, Any], resolver: Resolver, attribute: bool) -> None:
        super().__init__()
        self.resources = resources
        self.resolver = resolver
        self.attribute = attribute

    def __missing__(self, key: Any) -> str:
        logical, attr = key if self.attribute else (key, "Ref")
        resource = self.resources[logical]
        kind = resource["Type"].split("::")[1].lower()
        props = resource.get("Properties", {})
        name_key = next((k for k in props if k.endswith("Name") and k != "LogGroupName"), None)
        name = str(self.resolver(props[name_key])) if name_key else f"nextmove-dev-{logical}"
        arn = f"arn:aws:{kind}:{REGION}:{ACCOUNT}:{name}"
        secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbC123"
        value = {
            ("sns", "Ref"): arn,
            ("secretsmanager", "Ref"): secret,
            ("sqs", "Ref"): f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}",
            ("dynamodb", "StreamArn"): f"{arn}/stream/2026-11-26T00:00:00.000",
        }.get((kind, attr), arn if attr == "Arn" else name)
        self[key] = value
        return value


def lambda_environments() -> dict[str, dict[str, str]]:
    """Each function's environment as Lambda would set it for the dev stack."""
    tpl = template.load()
    resources = tpl["Resources"]
    resolver = Resolver()
    resolver.refs = _Plausible(resources, resolver, attribute=False)
    resolver.attrs = _Plausible(resources, resolver, attribute=True)
    resolver.refs.update(
        {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws"}
    )
    resolver.refs.update({"AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "nextmove-dev"})
    for name, spec in tpl.get("Parameters", {}).items():
        resolver.refs[name] = "dev" if name == "Env" else str(spec.get("Default", ""))
    globals_fn = tpl.get("Globals", {}).get("Function", {})
    envs = {}
    for logical, props in template.functions(tpl):
        variables = {
            **globals_fn.get("Environment", {}).get("Variables", {}),
            **props.get("Environment", {}).get("Variables", {}),
        }
        code_dir = ROOT / props["CodeUri"]
        memory = props.get("MemorySize", globals_fn.get("MemorySize", 512))
        envs[logical] = {
            **{k: str(resolver(v)) for k, v in variables.items()},
            # What the Lambda runtime sets; tracing is on as deployed (Tracing: Active).
            "LAMBDA_TASK_ROOT": str(code_dir),
            "AWS_LAMBDA_FUNCTION_NAME": str(resolver(props.get("FunctionName", logical))),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "_HANDLER": props["Handler"],
        }
    return envs


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    """A process environment with nothing from this shell but PATH: fake credentials, a
    fixed region, no config files, so nothing can reach a real account."""
    return {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        **extra,
    }


def _time_process(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one process, in seconds. CPU time
    hardly moves when other work shares the machine; wall time is what a caller waits."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise RuntimeError(f"{argv} failed:\n{errors.decode()[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime


def bench_cold_init(reps: int, layer: Path | None = None) -> dict[str, Any]:
    """Median wall time of a fresh interpreter per function, floor interleaved.

    ``-S`` and an explicit PYTHONPATH give Lambda's sys.path: the function's folder, the
    layer (``layer``: a built layer's ``python/``, read-only like /opt; default
    ``shared/``), then site-packages (the runtime's boto3, and the layer's requirements
    when ``layer`` is not given).
    """
    python = sys.executable
    site = _site_packages()
    shared = layer or ROOT / "shared"
    floor_env = _clean_env({"PYTHONPATH": site})
    floor_argv = [python, "-S", "-c", "import boto3; boto3.client('dynamodb')"]
    runs: list[tuple[str, list[str], dict[str, str]]] = []
    for logical, env in lambda_environments().items():
        module = env["_HANDLER"].rpartition(".")[0]
        path = f"{env['LAMBDA_TASK_ROOT']}{os.pathsep}{shared}{os.pathsep}{site}"
        extra = {**env, "PYTHONPATH": path}
        if layer is not None:
            extra["PYTHONDONTWRITEBYTECODE"] = "1"  # /opt is read-only on Lambda
        runs.append((logical, [python, "-S", "-c", f"import {module}"], _clean_env(extra)))
    samples: dict[str, list[float]] = defaultdict(list)
    cpu_samples: dict[str, list[float]] = defaultdict(list)
    for argv, env in [(floor_argv, floor_env)] + [(a, e) for _, a, e in runs]:
        _time_process(argv, env)  # warm the page cache and any .pyc once
    order = list(runs)
    for _ in range(reps):
        random.shuffle(order)  # no function always runs right after the floor
        for logical, argv, env in order:
            for name, run_argv, run_env in (("floor", floor_argv, floor_env), (logical, argv, env)):
                wall, cpu = _time_process(run_argv, run_env)
                samples[name].append(wall)
                cpu_samples[name].append(cpu)

    def medians_ms(found: dict[str, list[float]]) -> dict[str, float]:
        return {name: _median(values) * 1000 for name, values in found.items()}

    wall_ms, cpu_ms = medians_ms(samples), medians_ms(cpu_samples)
    floor, floor_cpu = wall_ms.pop("floor"), cpu_ms.pop("floor")
    ratios = {name: ms / floor for name, ms in wall_ms.items()}
    return {
        "floor": "fresh python3.13 -S: import boto3; boto3.client('dynamodb')",
        "floor_ms": round(floor, 1),
        "median_ms": {k: round(v, 1) for k, v in wall_ms.items()},
        "ratio": {k: round(v, 3) for k, v in ratios.items()},
        "max_ratio": round(max(ratios.values()), 3),
        "floor_cpu_ms": round(floor_cpu, 1),
        "cpu_ratio": {k: round(v / floor_cpu, 3) for k, v in cpu_ms.items()},
        "repetitions": reps,
        "floor_samples": len(samples["floor"]),
    }


def build_layer(destination: Path, *, compiled: bool) -> Path:
    """The layer's ``python/`` folder as deployed: nextmove and its requirements (not
    boto3, which the runtime has), from this venv's installed files.

    ``compiled=False`` is what SAM's python3.13 builder ships (it drops every .pyc);
    ``compiled=True`` is what ``shared/Makefile`` ships (compiled at build time).
    """
    from importlib import metadata

    from packaging.requirements import Requirement

    target = destination / "python"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "shared" / "nextmove", target / "nextmove", ignore=skip)
    wanted = [
        Requirement(line).name
        for line in (ROOT / "shared" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    seen: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name.lower() in seen or name.lower() in {"boto3", "botocore"}:
            continue
        seen.add(name.lower())
        dist = metadata.distribution(name)
        for file in dist.files or []:
            if "__pycache__" in file.parts or file.suffix == ".pyc" or ".." in file.parts:
                continue
            source = Path(str(dist.locate_file(file)))
            if source.is_file():
                (target / file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / file)
        for spec in dist.requires or []:
            requirement = Requirement(spec)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                wanted.append(requirement.name)
    if compiled:
        compileall = [sys.executable, "-m", "compileall", "-q", "-j", "0"]
        subprocess.run(
            [*compileall, "--invalidation-mode", "unchecked-hash", str(target)], check=True
        )
    return target


# ---- counting AWS calls ----------------------------------------------------------------

_invoking: contextvars.ContextVar[str | None] = contextvars.ContextVar("invoking", default=None)


class CallLog:
    """AWS calls made from inside a function invocation, from botocore's before-call and
    after-call events; the local stack's own polling is outside any invocation."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.durations: dict[str, list[float]] = defaultdict(list)
        self.lock = threading.Lock()

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-parameter-build", self._params)
        client.meta.events.register("before-call", self._before)
        client.meta.events.register("after-call", self._after)

    def _params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        # before-call sees the serialised request; the API parameters are seen here.
        if _invoking.get() is not None:
            context["nextmove_params"] = copy.deepcopy(params)

    def _before(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        function = _invoking.get()
        if function is None:
            return
        params = context.get("nextmove_params", {})
        call = {
            "function": function,
            "service": model.service_model.service_name,
            "operation": model.name,
            "params": params,
            "wru": _write_units(model.name, params),
            "sns_messages": len(params.get("PublishBatchRequestEntries", [])) or 1,
        }
        context["nextmove_bench"] = call
        with self.lock:
            self.calls.append(call)

    def _after(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        call = context.get("nextmove_bench")
        if call is None:
            return
        items = [parsed["Item"]] if "Item" in parsed else parsed.get("Items", [])
        responses = parsed.get("Responses")  # BatchGetItem: by table; TransactGetItems: a list
        if isinstance(responses, dict):
            items += [i for found in responses.values() for i in found]
        elif isinstance(responses, list):
            items += [r["Item"] for r in responses if "Item" in r]
        call["items_read"] = len(items)
        operation, params = call["operation"], call["params"]
        if operation in {"GetItem", "Query", "BatchGetItem"}:
            sizes = [_item_bytes(i) for i in items]
            if operation == "BatchGetItem":
                # Each key is a GetItem of its own: rounded up to 4 KB item by item, and
                # a key that finds nothing still costs one unit.
                (request,) = params["RequestItems"].values()
                consistent = request.get("ConsistentRead", False)
                missing = len(request["Keys"]) - len(sizes)
                units = sum(max(1, math.ceil(b / 4096)) for b in sizes) + missing
            else:  # a Query rounds up what it read in all; a GetItem, its one item
                consistent = params.get("ConsistentRead", False)
                units = max(1, math.ceil(sum(sizes) / 4096))
            call["rru"] = units * (1 if consistent else 0.5)
            call["bytes_read"] = sum(sizes)

    @contextlib.contextmanager
    def mark(self) -> Iterator[list[dict[str, Any]]]:
        """The calls made while the block runs."""
        start = len(self.calls)
        window: list[dict[str, Any]] = []
        yield window
        window.extend(self.calls[start:])


def _item_bytes(item: dict[str, Any]) -> int:
    """DynamoDB's item size: attribute names plus values (UTF-8), as billing counts it."""
    total = 0
    for name, value in item.items():
        (kind, raw), *_ = value.items()
        if kind in {"S", "N"}:
            size = len(str(raw).encode())
        elif kind == "B":
            size = len(raw)
        else:
            size = len(json.dumps(raw))
        total += len(name.encode()) + size
    return total


def _write_units(operation: str, params: dict[str, Any]) -> float:
    """Write request units: 1 per KB written (an update or delete: 1 at least, as its
    item size is not known here); twice that inside a transaction."""

    def units(item: dict[str, Any] | None) -> int:
        return max(1, math.ceil(_item_bytes(item) / 1024)) if item else 1

    if operation == "PutItem":
        return units(params["Item"])
    if operation in {"UpdateItem", "DeleteItem"}:
        return 1
    if operation == "TransactWriteItems":
        return sum(2 * units(next(iter(t.values())).get("Item")) for t in params["TransactItems"])
    if operation == "BatchWriteItem":
        return sum(
            units(r.get("PutRequest", {}).get("Item"))
            for requests in params["RequestItems"].values()
            for r in requests
        )
    return 0


@contextlib.contextmanager
def counting(stack: Any) -> Iterator[CallLog]:
    """Count every AWS call made inside ``Function.invoke`` on ``stack``'s clients."""
    from nextmove_local import stack as stack_module

    log = CallLog()
    for fn in stack.functions.values():
        for service in SERVICES:
            log.attach(fn.client(service))  # the function's own cached clients
    original = stack_module.Function.invoke

    def invoke(fn: Any, event: dict[str, Any]) -> Any:
        token = _invoking.set(fn.logical_id)
        start = time.perf_counter()
        try:
            return original(fn, event)
        finally:
            log.durations[fn.logical_id].append(time.perf_counter() - start)
            _invoking.reset(token)

    stack_module.Function.invoke = invoke  # type: ignore[method-assign]
    try:
        yield log
    finally:
        stack_module.Function.invoke = original  # type: ignore[method-assign]


def _start_stack(outbox: Path) -> Any:
    from nextmove_local.stack import LocalStack

    stack = LocalStack.start(outbox)
    stack.configure("POWERTOOLS_LOG_LEVEL", "WARNING")  # the functions' logs would drown the table
    return stack


def _send(stack: Any, body: bytes) -> None:
    status, answer = stack.post(body, stack.signed_headers(body))
    if status != 202:
        raise RuntimeError(f"webhook answered {status} {answer}")
    stack.drain()


def _summarise(calls: list[dict[str, Any]]) -> dict[str, Any]:
    by_function: dict[str, Counter[str]] = defaultdict(Counter)
    for call in calls:
        by_function[call["function"]][call["operation"]] += 1
    return {
        "calls": len(calls),
        "by_function": {fn: dict(ops) for fn, ops in sorted(by_function.items())},
        "items_read": sum(c.get("items_read", 0) for c in calls),
        "bytes_read": sum(c.get("bytes_read", 0) for c in calls),
        "emails": sum(c["operation"] == "SendRawEmail" for c in calls),
    }


def _cost(calls: list[dict[str, Any]], duration_ms: dict[str, float]) -> dict[str, Any]:
    """USD per million events from one event's calls. Lambda: one invocation of each
    function that ran (conservative: a stream or queue batch may carry several events)
    at its measured warm duration, rounded up to the millisecond as Lambda bills."""
    p = PRICES
    invoked = {c["function"] for c in calls} | {"WebhookFunction"}
    cost: dict[str, float] = defaultdict(float)
    cost["lambda"] = sum(
        p["lambda_request"]
        + p["lambda_gb_second_arm64"] * MEMORY_GB * math.ceil(duration_ms.get(fn, 0)) / 1000
        for fn in invoked
    )
    cost["api_gateway"] = p["apigw_http_request"]
    unpriced = set()
    for call in calls:
        service, op, params = call["service"], call["operation"], call["params"]
        if service == "dynamodb":
            cost["dynamodb"] += p["dynamodb_wru"] * call["wru"] + p["dynamodb_rru"] * call.get(
                "rru", 0
            )
        elif service == "events" and op == "PutEvents":
            cost["eventbridge"] += p["eventbridge_put_event"] * len(params["Entries"])
        elif service == "sns" and op in {"Publish", "PublishBatch"}:
            messages = call["sns_messages"]
            cost["sns"] += p["sns_publish"] * messages
            # Each message on to the email queue: SNS's send, the trigger's receive and
            # delete (conservative: the trigger receives and deletes in batches).
            cost["sqs"] += p["sqs_request"] * 3 * messages
        elif service in {"ses", "sesv2"} and op in {"SendRawEmail", "SendEmail"}:
            cost["ses"] += p["ses_email"]
        elif service == "secretsmanager":
            cost["secrets_manager"] += p["secretsmanager_call"]
        elif service == "ssm" and op == "GetParameter":
            cost["ssm"] += 0.0  # standard parameters at standard throughput: no charge
        elif service == "sqs":
            cost["sqs"] += p["sqs_request"]
        else:
            unpriced.add(f"{service}:{op}")
    result: dict[str, Any] = {k: v * 1e6 for k, v in cost.items()}
    if unpriced:
        result["unpriced_calls"] = sorted(unpriced)
    return result


def bench_api_calls(workdir: Path) -> tuple[dict[str, Any], list[list[dict[str, Any]]]]:
    """One event of each type for a person, after a warm-up person (warm containers, as
    at steady state: the webhook's secret is cached for five minutes)."""
    stack = _start_stack(workdir / "outbox-calls")
    try:
        with counting(stack) as log:
            for body in _person_events("p-warm", "warm"):
                _send(stack, body)
            log.durations.clear()  # warm invocations only: a cold start is once a container
            per_type: dict[str, Any] = {}
            captured = []
            for body in _person_events("p-count", "count"):
                with log.mark() as window:
                    _send(stack, body)
                per_type[json.loads(body)["type"]] = window
                captured.append(window)
            warm = {fn: _median(v) * 1000 for fn, v in log.durations.items()}
        # Warm durations: each function's median invocation here, on moto over loopback.
        result: dict[str, Any] = {"per_event": {}, "cost_usd_per_million": {}}
        for kind, window in per_type.items():
            result["per_event"][kind] = _summarise(window)
            cost = _cost(window, warm)
            usd = {k: v for k, v in cost.items() if isinstance(v, float)}
            result["cost_usd_per_million"][kind] = {
                "total": round(sum(usd.values()), 2),
                **{k: round(v, 3) for k, v in usd.items()},
                **({"unpriced_calls": cost["unpriced_calls"]} if "unpriced_calls" in cost else {}),
            }
        totals = [c["total"] for c in result["cost_usd_per_million"].values()]
        result["cost_usd_per_million"]["mean_of_the_five"] = round(statistics.mean(totals), 2)
        result["assumed_duration_ms"] = {k: round(v, 1) for k, v in sorted(warm.items())}
        result["prices"] = {"source": PRICES_SOURCE, "usd": PRICES, "memory_gb": MEMORY_GB}
        return result, captured
    finally:
        stack.stop()


# ---- history growth ------------------------------------------------------------------


def _seed_history(stack: Any, person: str, count: int) -> None:
    """``count`` prior events for ``person``, quickly: each is folded into the record by
    the coach, as the event functions do; the facts go in with BatchWriteItem, in the
    store's row shape, and the last event with the store's own transaction (its fact and
    the folded record). The outbox rows of that history were published long ago."""
    from nextmove.adapters import store
    from nextmove.contracts import parse_inbound
    from nextmove.domain import coach
    from nextmove.domain.state import PersonState

    templates = [_sample(name) for name in SAMPLES]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    step = timedelta(days=730) / count
    state = PersonState.new(stack.tenant, person)
    table = stack.resolve.refs["CareerTable"]
    dynamodb = stack.client("dynamodb")
    pending: list[dict[str, Any]] = []
    for i in range(count):
        doc = {
            **templates[i % len(templates)],
            "id": f"hist-{i:05d}",
            "person_id": person,
            "occurred_at": (start + i * step).isoformat().replace("+00:00", "Z"),
        }
        event = parse_inbound(json.dumps(doc))
        state = coach.react(state, event, tenant=stack.tenant).state
        if i == count - 1:
            store._commit(stack.tenant, event, state, [], 0)
            break
        fact = {
            "pk": {"S": store.partition(stack.tenant, person)},
            "sk": {"S": f"EVENT#{event.id}"},
            "type": {"S": event.type},
            "occurred_at": {"S": event.occurred_at.isoformat()},
            "body": {"S": event.model_dump_json()},
        }
        pending.append({"PutRequest": {"Item": fact}})
        while len(pending) >= 25 or (pending and i == count - 2):
            batch, pending = pending[:25], pending[25:]
            left = dynamodb.batch_write_item(RequestItems={table: batch})["UnprocessedItems"]
            pending = left.get(table, []) + pending


def bench_history(workdir: Path, history: int, rounds: int, record_rounds: int) -> dict[str, Any]:
    """The same five events for a person with no history, one with ``CAP`` prior events
    (their bounded record already full) and one with ``history``. Figures per event: the
    whole pipeline's (``rounds`` rounds through the webhook), and the record step's (the
    event function: the only step that reads the person's record, where a growing
    history would show first), from ``record_rounds`` rounds of the event functions
    invoked as the bus invokes them: an event takes ~15 ms there against ~200 ms through
    the pipeline, so many more pairs fit in the time, and the ratio stops moving by a
    tenth from one run to the next (as 12 rounds through the pipeline did)."""
    stack = _start_stack(workdir / "outbox-history")
    people = {"none": 0, "cap": CAP, "history": history}
    try:
        seeded = time.perf_counter()
        for who, count in people.items():
            if count:
                _seed_history(stack, f"p-{who}", count)
        seed_seconds = time.perf_counter() - seeded
        stack.drain()  # the seeding's stream records: none is a recommendation
        pipeline: dict[str, dict[str, list[float]]] = {who: defaultdict(list) for who in people}
        record: dict[str, dict[str, list[float]]] = {who: defaultdict(list) for who in people}
        functions = {props["Pattern"]["detail-type"][0]: fn for _, fn, props in stack._rule_queues}
        with counting(stack) as log:
            for warm in range(2):  # warm containers: a cold start is not history's doing
                for body in _person_events("p-warmup", f"warm-{warm}"):
                    _send(stack, body)
            for r, who in _interleaved(people, rounds):
                person = f"p-{who}-{r}" if who == "none" else f"p-{who}"
                for body in _person_events(person, f"{who}-{r}", timedelta(days=r)):
                    with log.mark() as window:
                        start = time.perf_counter()
                        _send(stack, body)
                        elapsed = time.perf_counter() - start
                    _tally(pipeline[who], window, elapsed)
            for r, who in _interleaved(people, record_rounds):
                person = f"p-{who}-r{r}" if who == "none" else f"p-{who}"
                shift = timedelta(days=rounds + r)
                for body in _person_events(person, f"{who}-r{r}", shift):
                    document = json.loads(body)
                    event = bus_event(document, stack.tenant)
                    with log.mark() as window:
                        start = time.perf_counter()
                        functions[document["type"]].invoke(event)
                        elapsed = time.perf_counter() - start
                    _tally(record[who], window, elapsed)
                if r % 10 == 9:
                    stack.drain()  # publish what they wrote, as the stream would meanwhile
        summary = {
            "pipeline": {who: _typical(figures) for who, figures in pipeline.items()},
            "record_step": {who: _typical(figures) for who, figures in record.items()},
        }
        samples = {"pipeline": pipeline, "record_step": record}
        ratios = {
            part: {
                f"{who}_vs_{base}": {
                    k: _ratio(k, figures[who][k], figures[base][k], samples[part], who, base)
                    for k in figures[who]
                }
                for who, base in (("history", "none"), ("history", "cap"))
            }
            for part, figures in summary.items()
        }

        def worst(pair: str) -> float:
            found = ratios["record_step"][pair]
            return max(v for k, v in found.items() if k != "bytes_read" and v is not None)

        return {
            "prior_events": history,
            "cap_person_prior_events": CAP,
            "seed_seconds": round(seed_seconds, 1),
            "events_measured_each": {
                "pipeline": len(pipeline["none"]["calls"]),
                "record_step": len(record["none"]["calls"]),
            },
            "per_event": summary,
            "ratio": ratios,
            "max_ratio": worst("history_vs_none"),
            "max_ratio_vs_full_record": worst("history_vs_cap"),
        }
    finally:
        stack.stop()


def _interleaved(people: dict[str, int], rounds: int) -> Iterator[tuple[int, str]]:
    """(round, person) for every round, the people in a new order each round: no person
    always runs first, or last, in a round."""
    order = list(people)
    for r in range(rounds):
        random.Random(r).shuffle(order)
        for who in order:
            yield r, who


# Prior events enough to fill every bounded list of the person's record: one event in five
# is each kind, so the longest list (20 successes) is full after 100.
CAP = 200


def _ratio(
    key: str,
    mine: float,
    base: float,
    samples: dict[str, dict[str, list[float]]],
    who: str,
    other: str,
) -> float | None:
    """``mine / base``; for latency, the median of the paired ratios instead: the same
    event of the same round for both people, moments apart, so a busy spell on a shared
    machine weighs on both sides of each pair rather than on one person's median."""
    if key == "latency_ms":
        pairs = zip(samples[who][key], samples[other][key], strict=True)
        return round(_median([a / b for a, b in pairs if b]), 3)
    return round(mine / base, 3) if base else None


def _tally(figures: dict[str, list[float]], calls: list[dict[str, Any]], seconds: float) -> None:
    figures["calls"].append(len(calls))
    figures["items_read"].append(sum(c.get("items_read", 0) for c in calls))
    figures["bytes_read"].append(sum(c.get("bytes_read", 0) for c in calls))
    figures["latency_ms"].append(seconds * 1000)


def _typical(figures: dict[str, list[float]]) -> dict[str, float]:
    """Means, but medians for items read (a never-seen person's first read finds nothing,
    which is not what a history costs) and latency (one slow moment on a shared machine
    is noise)."""
    return {
        k: round(_median(v) if k in {"items_read", "latency_ms"} else statistics.mean(v), 2)
        for k, v in figures.items()
    }


# ---- throughput ------------------------------------------------------------------------


def _replay_rate(calls_per_person: list[list[dict[str, Any]]], persons: int, senders: int) -> float:
    """moto's own rate for the pipeline's calls: each person's calls, as captured from
    the pipeline, issued directly (partition key renamed) by ``senders`` threads against
    a fresh local stack's moto server. Returns events per second."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    stack = _start_stack(Path(tempfile.mkdtemp(prefix="nextmove-bench-")))
    try:
        session = boto3.session.Session()
        config = Config(max_pool_connections=senders * 2)
        clients = {
            s: session.client(s, config=config) for s in ("dynamodb", "events", "sns", "ses")
        }
        flat = [call for event in calls_per_person for call in event]

        def one(i: int) -> None:
            for call in flat:
                service, operation = call["service"], call["operation"]
                params = _renamed(call["params"], "p-count", f"p-replay-{i}")
                method = re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
                # Refused conditions are part of the mix (a sibling's claim already
                # taken): moto serves them like any call.
                with contextlib.suppress(ClientError):
                    getattr(clients[service], method)(**params)

        start = time.perf_counter()
        with ThreadPoolExecutor(senders) as pool:
            list(pool.map(one, range(persons)))
        elapsed = time.perf_counter() - start
        return persons * len(calls_per_person) / elapsed
    finally:
        stack.stop()


def _renamed(value: Any, old: str, new: str) -> Any:
    """``value`` with ``old`` replaced by ``new`` in every string and bytes inside it."""
    if isinstance(value, dict):
        return {k: _renamed(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, old, new) for v in value]
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, bytes):
        return value.replace(old.encode(), new.encode())
    return value


def bench_throughput(
    workdir: Path, persons: int, senders: int, captured: list[list[dict[str, Any]]]
) -> dict[str, Any]:
    """``nextmove serve`` as a subprocess on a free port; ``senders`` threads post each
    person's five events in order; latency runs from the request to its email's file."""
    from nextmove.contracts.recommendation import KINDS, recommendation_id
    from nextmove_local.cli import SERVE_STATE
    from nextmove_local.lambda_events import signed_headers
    from nextmove_local.stack import TENANT

    outbox = workdir / "outbox-serve"
    serve = [sys.executable, "-m", "nextmove_local.cli", "serve"]
    port = _free_port()
    env = {**os.environ, "POWERTOOLS_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [*serve, "--port", str(port), "--outbox", str(outbox)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 60
        target: dict[str, Any] = {}
        while time.monotonic() < deadline:
            with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
                target = json.loads(SERVE_STATE.read_text())
                if target.get("url", "").endswith(f":{port}/events"):
                    break
            if server.poll() is not None:
                raise RuntimeError("nextmove serve exited")
            time.sleep(0.1)
        else:
            raise RuntimeError("nextmove serve did not start")
        sent_at: dict[str, float] = {}  # recommendation id -> request time

        def person(i: int) -> None:
            for body in _person_events(f"p-load-{i}", f"load-{i}"):
                event_id = json.loads(body)["id"]
                for kind in KINDS:
                    sent_at[recommendation_id(TENANT, f"p-load-{i}", event_id, kind)] = time.time()
                headers = signed_headers(body, secret=target["secret"], tenant=target["tenant"])
                request = urllib.request.Request(target["url"], body, headers, method="POST")
                with urllib.request.urlopen(request, timeout=30) as response:
                    if response.status != 202:
                        raise RuntimeError(f"serve answered {response.status}")

        start = time.time()
        with ThreadPoolExecutor(senders) as pool:
            list(pool.map(person, range(persons)))
        accepted = time.time()
        # Emails keep arriving after the last 202: wait for as many as the pipeline sent
        # for the same five events in the calls measurement, and then until the outbox
        # stays quiet a few seconds (or 30 s without a new email). Stopping at exactly the
        # expected count measured a rate before the pipeline was done: under load a
        # person's five events reach their five functions in no fixed order, and some
        # people then get an email more (seen: 120 expected, 130 sent, the last 10 left
        # out of the time). ``last`` is the newest email's time, so the wait is not timed.
        expected = persons * sum(
            c["operation"] == "SendRawEmail" for event in captured for c in event
        )
        seen, quiet_since = -1, time.monotonic()
        while time.monotonic() - quiet_since < (5 if seen >= expected else 30):
            count = len(list(outbox.glob("*.eml")))
            if count != seen:
                seen, quiet_since = count, time.monotonic()
            time.sleep(0.2)
        latencies, last = [], start
        for eml in outbox.glob("*.eml"):
            message = message_from_bytes(eml.read_bytes(), policy=policy.default)
            rec_id = str(message["Message-ID"]).strip("<>").partition("@")[0]
            if rec_id in sent_at:
                arrived = eml.stat().st_mtime
                latencies.append((arrived - sent_at[rec_id]) * 1000)
                last = max(last, arrived)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    events = persons * len(SAMPLES)
    if not latencies:
        raise RuntimeError(f"no email reached {outbox} from nextmove serve")
    rate = events / (last - start)
    own = _replay_rate(captured, persons, senders)
    return {
        "events": events,
        "senders": senders,
        "emails": len(latencies),
        "emails_expected": expected,
        "accepted_per_second": round(events / (accepted - start), 1),
        "events_per_second_to_email": round(rate, 1),
        "latency_ms_p50": round(_median(latencies), 1),
        "latency_ms_p99": round(_percentile(latencies, 99), 1),
        "moto_events_per_second": round(own, 1),
        "ratio": round(rate / own, 3),
    }


# ---- the report ------------------------------------------------------------------------


def _table(result: dict[str, Any]) -> str:
    lines = []
    cold = result.get("cold_init")
    if cold:
        lines.append(f"cold init (median of {cold['repetitions']}; floor {cold['floor_ms']} ms)")
        lines.append(f"  {'function':28} {'wall':>10}  ratio  cpu ratio")
        for fn, ms in sorted(cold["median_ms"].items()):
            lines.append(
                f"  {fn:28} {ms:7.1f} ms  x{cold['ratio'][fn]:.2f}  x{cold['cpu_ratio'][fn]:.2f}"
            )
        for name, layer in result.get("cold_init_deployed_layer", {}).items():
            lines.append(
                f"  layer as built by {name}: floor {layer['floor_ms']} ms, "
                f"max x{layer['max_ratio']:.2f} ({max(layer['ratio'], key=layer['ratio'].get)})"
            )
    calls = result.get("api_calls_per_event")
    if calls:
        lines.append("AWS calls per event (webhook to email)        calls  emails  USD/1M events")
        for kind, figures in calls["per_event"].items():
            usd = calls["cost_usd_per_million"][kind]["total"]
            ops = "; ".join(
                f"{fn.removesuffix('Function')}: "
                + ", ".join(f"{op}{'x' + str(n) if n > 1 else ''}" for op, n in ops.items())
                for fn, ops in figures["by_function"].items()
            )
            lines.append(f"  {kind:43} {figures['calls']:5} {figures['emails']:7} {usd:13.2f}")
            lines.append(f"    {ops}")
    history = result.get("history_growth")
    if history:
        lines.append(
            f"history growth: {history['prior_events']} prior events vs none "
            f"(and vs {history['cap_person_prior_events']}: the record already full)"
        )
        for part, by_pair in history["ratio"].items():
            for pair, ratios in by_pair.items():
                shown = ", ".join(f"{k} x{v}" for k, v in ratios.items())
                lines.append(f"  {part:12} {pair:17} {shown}")
    put = result.get("throughput")
    if put:
        lines.append(
            f"throughput: {put['events_per_second_to_email']} events/s to email "
            f"(p50 {put['latency_ms_p50']} ms, p99 {put['latency_ms_p99']} ms); moto alone "
            f"{put['moto_events_per_second']} events/s; ratio {put['ratio']:.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=15, help="cold starts per function")
    parser.add_argument("--history", type=int, default=10_000, help="prior events")
    parser.add_argument("--rounds", type=int, default=8, help="history: pipeline rounds")
    parser.add_argument("--record-rounds", type=int, default=60, help="history: record-step rounds")
    parser.add_argument("--persons", type=int, default=40, help="throughput: people x 5 events")
    parser.add_argument("--senders", type=int, default=4, help="throughput: concurrent senders")
    parser.add_argument(
        "--only", choices=["cold_init", "api_calls", "history", "throughput"], action="append"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    only = set(args.only or ["cold_init", "api_calls", "history", "throughput"])
    result: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "note": "a shared 2-core machine: ratios, not absolute times, are the figures",
        },
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)

    def save() -> None:  # after each part: a late failure keeps what was measured
        args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")

    with contextlib.ExitStack() as cleanup:
        workdir = Path(tempfile.mkdtemp(prefix="nextmove-bench-"))
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        if "cold_init" in only:
            cold = bench_cold_init(args.reps)
            result["cold_init"] = cold
            result["cold_init_ratio"] = {**cold["ratio"], "max": cold["max_ratio"]}
            save()
            for name, compiled in (("sam_python_builder", False), ("shared_makefile", True)):
                layer = build_layer(workdir / name, compiled=compiled)
                figures = bench_cold_init(max(5, args.reps // 3), layer)
                result.setdefault("cold_init_deployed_layer", {})[name] = figures
                save()
        # The functions' metrics (EMF lines on stdout, as on Lambda) would bury the table.
        cleanup.enter_context(
            contextlib.redirect_stdout(cleanup.enter_context(open(os.devnull, "w")))
        )
        captured: list[list[dict[str, Any]]] = []
        if only & {"api_calls", "throughput"}:
            result["api_calls_per_event"], captured = bench_api_calls(workdir)
            save()
        if "history" in only:
            history = bench_history(
                workdir, args.history, rounds=args.rounds, record_rounds=args.record_rounds
            )
            result["history_growth"] = history
            result["history_growth_ratio"] = history["max_ratio"]
            result["history_growth_ratio_vs_full_record"] = history["max_ratio_vs_full_record"]
            save()
        if "throughput" in only:
            result["throughput"] = bench_throughput(workdir, args.persons, args.senders, captured)
            save()
    print(_table(result))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
