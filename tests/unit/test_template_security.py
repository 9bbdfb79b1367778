"""template.yaml's security rules, checked on the template itself: everything at rest is
encrypted with the stack's own key, and no IAM policy grants a wildcard action or
resource. (checkov runs in `make lint` too; these are the rules it does not state.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from nextmove_local.template import load

TEMPLATE = load()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
KEY = {"Ref": "DataKey"}
KEY_ARN = {"Fn::GetAtt": ["DataKey", "Arn"]}


def _of_type(kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [(name, r.get("Properties", {})) for name, r in RESOURCES.items() if r["Type"] == kind]


def _statements() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every statement of every identity policy the template writes itself."""
    for name, props in _of_type("AWS::Serverless::Function"):
        for policy in props.get("Policies", []):
            if isinstance(policy, dict) and "Statement" in policy:
                for statement in policy["Statement"]:
                    yield name, statement
    for kind in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
        for name, props in _of_type(kind):
            for statement in props["PolicyDocument"]["Statement"]:
                yield name, statement


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_key_rotates():
    (_, key), *_ = _of_type("AWS::KMS::Key")
    assert key["EnableKeyRotation"] is True


def test_the_table_topic_queues_secret_and_logs_use_the_stacks_key():
    (_, table), *_ = _of_type("AWS::DynamoDB::Table")
    assert table["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": KEY,
    }
    for kind in ("AWS::SNS::Topic", "AWS::SQS::Queue"):
        for name, props in _of_type(kind):
            assert props.get("KmsMasterKeyId") == KEY, name
    for name, props in _of_type("AWS::SecretsManager::Secret"):
        assert props.get("KmsKeyId") == KEY, name
    for name, props in _of_type("AWS::Logs::LogGroup"):
        assert props.get("KmsKeyId") == KEY_ARN, name


def test_the_services_that_write_encrypted_queues_may_use_the_key():
    (_, key), *_ = _of_type("AWS::KMS::Key")
    allowed = {
        principal: set(_as_list(s["Action"]))
        for s in key["KeyPolicy"]["Statement"]
        for principal in _as_list(s["Principal"].get("Service", []))
        if isinstance(principal, str)
    }
    for service in ("sns.amazonaws.com", "events.amazonaws.com"):
        assert {"kms:GenerateDataKey", "kms:Decrypt"} <= allowed[service]


def _wild(value: Any) -> bool:
    """A literal with a *, or a !Sub whose pattern has one (identity/*, table/*, ...)."""
    if isinstance(value, dict):
        value = value.get("Fn::Sub", "")
    return "*" in str(value)


@pytest.mark.parametrize("field", ["Action", "Resource"])
def test_no_policy_grants_a_wildcard(field):
    found = [
        (name, value)
        for name, statement in _statements()
        for value in _as_list(statement.get(field, []))
        if _wild(value)
    ]
    assert found == []


def test_every_function_that_touches_encrypted_data_may_use_the_key():
    for name, props in _of_type("AWS::Serverless::Function"):
        policies = props.get("Policies", [])
        assert {"Ref": "DataKeyPolicy"} in policies, name
