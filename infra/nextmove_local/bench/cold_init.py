"""cold_init: a fresh Python per function that imports its handler module as Lambda
would (the function's environment from template.yaml, its folder and the layer's
package on sys.path), against a fresh Python that imports boto3 and creates one client;
also with the layer as deployed (``build_layer``), built as SAM's python builder would
(no .pyc) and as shared/Makefile does."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from nextmove_local import template
from nextmove_local.bench.stats import median
from nextmove_local.template import ROOT, Resolver

# The dev stack's region and account, for ARNs of the shape AWS gives them there.
REGION = "us-east-1"
ACCOUNT = "123456789012"


def _site_packages() -> str:
    import sysconfig

    return sysconfig.get_paths()["purelib"]


class _Plausible(dict[Any, str]):
    """Refs and attributes for resources that exist only on AWS: plausible names and
    ARNs of the shape AWS gives them, so a function sees the environment it gets there.
    Keyed as the Resolver's ``refs`` (a logical id) or, with ``attribute``, its
    ``attrs`` ((logical id, attribute))."""

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


def measure(reps: int, layer: Path | None = None) -> dict[str, Any]:
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
        return {name: median(values) * 1000 for name, values in found.items()}

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
