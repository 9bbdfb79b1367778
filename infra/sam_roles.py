"""Each function's execution role as SAM itself builds it from template.yaml, as JSON.

Run with aws-sam-cli's own Python (``.venv-sam/bin/python infra/sam_roles.py``): the
translator pins its own pydantic, so it cannot run beside the app. The local stack's
IAM (``nextmove_local/iam.py``) builds the same roles without it;
``tests/unit/test_sam_roles.py`` checks that the two agree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class _NoManagedPolicyNames:
    """The template names AWS managed policies by ARN only: nothing to look up."""

    def load(self) -> dict[str, str]:
        return {}


def main(path: str) -> None:
    tpl = yaml_parse(Path(path).read_text())
    # As `sam package` leaves them: the translator accepts code only in S3.
    for resource in tpl["Resources"].values():
        for key in ("CodeUri", "ContentUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = "s3://bucket/key"
    out = transform(tpl, {"AWS::Region": "us-east-1"}, _NoManagedPolicyNames())
    roles = {
        logical.removesuffix("Role"): {
            "managed": resource["Properties"].get("ManagedPolicyArns", []),
            "statements": [
                statement
                for policy in resource["Properties"].get("Policies", [])
                for statement in policy["PolicyDocument"]["Statement"]
            ],
        }
        for logical, resource in out["Resources"].items()
        if resource["Type"] == "AWS::IAM::Role"
    }
    json.dump(roles, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
