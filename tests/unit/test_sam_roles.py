"""The local stack's roles are SAM's: for each function, the statements
``nextmove_local.iam.roles`` enforces are exactly those of the role aws-sam-translator
builds from template.yaml (its managed policies expanded to their documents)."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from nextmove_local import iam, template

ROOT = Path(__file__).resolve().parents[2]
SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"


def _canonical(statement: dict[str, Any]) -> str:
    actions = statement.get("Action", [])
    normal = {**statement, "Action": sorted(a.lower() for a in iam._listed(actions))}
    return json.dumps(normal, sort_keys=True)


@pytest.fixture(scope="module")
def sam_roles() -> dict[str, Any]:
    if not SAM_PYTHON.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(".venv-sam is missing (make sam-venv)")
        pytest.skip(".venv-sam is missing (make sam-venv)")
    out = subprocess.run(
        [str(SAM_PYTHON), str(ROOT / "infra" / "sam_roles.py"), str(template.TEMPLATE)],
        capture_output=True,
        check=True,
        text=True,
        env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"},
    )
    return json.loads(out.stdout)


def test_every_function_has_the_role_sam_builds(sam_roles):
    tpl = template.load()
    resources = tpl["Resources"]
    ours = iam.roles(tpl, lambda value: value, "123456789012")  # intrinsics kept as written
    assert set(ours) == set(sam_roles)
    for function, role in ours.items():
        theirs = list(sam_roles[function]["statements"])
        for managed in sam_roles[function]["managed"]:
            if isinstance(managed, dict):  # !Ref of the template's own managed policy
                document = resources[managed["Ref"]]["Properties"]["PolicyDocument"]
                theirs += iam._listed(document["Statement"])
            else:
                theirs += iam.AWS_MANAGED[managed.removeprefix("arn:aws:iam::aws:policy/")]
        expected = Counter(_canonical(s) for s in theirs)
        assert Counter(_canonical(g.statement) for g in role.grants) == expected, function
