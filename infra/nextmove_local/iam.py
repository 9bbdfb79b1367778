"""IAM for the local stack: each function's role as SAM builds it from template.yaml,
and AWS's policy evaluation over it.

moto checks no permission that matters (its own IAM check authorizes against resource
``*`` and takes a transaction as one action), so a grant missing from the template
would only show on AWS. Here every AWS call a function makes is decided as IAM would
decide it (``authorize.py`` turns a request into the authorization requests AWS makes):

- the role: the function's ``Policies`` (the template's managed policies by ``!Ref``,
  inline statements, AWS managed policies by name or ARN) and what SAM adds itself:
  ``AWSLambdaBasicExecutionRole``, ``AWSXrayWriteOnlyAccess`` with active tracing, the
  event source's execution role (SQS, DynamoDB streams) and ``sqs:SendMessage`` on an
  SQS OnFailure destination (async invokes and streams);
- the evaluation (same account, identity-based policies): an explicit Deny wins, else
  an Allow whose Action, Resource and every Condition match, else the implicit deny;
  KMS also asks the key policy, which must allow the caller or delegate to IAM (the
  account root as principal);
- conditions: the String, Arn, Numeric, Bool and Null operators, ``...IfExists``, the
  ``ForAnyValue:``/``ForAllValues:`` set qualifiers, and AWS's rule for a key missing
  from the request (no match, so true only for the negated operators).

Not evaluated: SCPs, permission boundaries, session policies, resource-based policies
for calls between services (SNS delivering to SQS happens inside moto), policy
variables and service quotas.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from nextmove_local.template import functions

Decision = Literal["allow", "explicit_deny", "implicit_deny"]
Context = dict[str, str | list[str]]

# AWS managed policies SAM attaches, as AWS publishes them (their current versions).
_LOGS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
AWS_MANAGED: dict[str, list[dict[str, Any]]] = {
    "service-role/AWSLambdaBasicExecutionRole": [
        {"Effect": "Allow", "Action": _LOGS, "Resource": "*"}
    ],
    "AWSXrayWriteOnlyAccess": [
        {
            "Effect": "Allow",
            "Action": [
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:GetSamplingStatisticSummaries",
            ],
            "Resource": "*",
        }
    ],
    "service-role/AWSLambdaSQSQueueExecutionRole": [
        {
            "Effect": "Allow",
            "Action": [
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                *_LOGS,
            ],
            "Resource": "*",
        }
    ],
    "service-role/AWSLambdaDynamoDBExecutionRole": [
        {
            "Effect": "Allow",
            "Action": [
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:ListStreams",
                *_LOGS,
            ],
            "Resource": "*",
        }
    ],
}
# What SAM attaches for each trigger type (pull.py's get_policy_arn).
EVENT_SOURCE_POLICY = {
    "SQS": "service-role/AWSLambdaSQSQueueExecutionRole",
    "DynamoDB": "service-role/AWSLambdaDynamoDBExecutionRole",
}


@dataclass(frozen=True)
class Request:
    """One authorization request: what IAM is asked for one action on one resource."""

    action: str
    resource: str
    context: Context = field(default_factory=dict)


@dataclass(frozen=True)
class Grant:
    """One statement of a role, with where it came from (for reports and mutations)."""

    source: str  # e.g. "RecordEventPolicy", "inline", "SAM: SQS OnFailure"
    statement: dict[str, Any]


@dataclass
class Role:
    """A function's execution role: its session is the function."""

    function: str  # logical id
    name: str  # the deployed function name, the role session's name
    account: str
    grants: list[Grant] = field(default_factory=list)

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account}:role/{self.function}Role"

    @property
    def session_arn(self) -> str:
        return f"arn:aws:sts::{self.account}:assumed-role/{self.function}Role/{self.name}"

    def decide(self, request: Request) -> Decision:
        return evaluate([g.statement for g in self.grants], request)


# ---- evaluation ---------------------------------------------------------------------


def evaluate(statements: list[dict[str, Any]], request: Request) -> Decision:
    """IAM's decision for identity-based ``statements``: explicit deny, allow, or the
    implicit deny when nothing allows."""
    allowed = False
    for statement in statements:
        if not _applies(statement, request):
            continue
        if statement.get("Effect") == "Deny":
            return "explicit_deny"
        allowed = allowed or statement.get("Effect") == "Allow"
    return "allow" if allowed else "implicit_deny"


def evaluate_key_policy(
    key_policy: list[dict[str, Any]],
    identity: list[dict[str, Any]],
    principal: str,
    request: Request,
) -> Decision:
    """KMS: the key policy decides; a statement naming the account root delegates the
    decision to the caller's IAM policies, which must then allow too."""
    account = principal.split(":")[4]
    root = f"arn:aws:iam::{account}:root"
    direct = [s for s in key_policy if _names(s.get("Principal"), principal)]
    delegated = [
        s
        for s in key_policy
        if _names(s.get("Principal"), root) or _names(s.get("Principal"), account)
    ]
    for statements in (direct, delegated):
        if evaluate([s for s in statements if s.get("Effect") == "Deny"], request) == (
            "explicit_deny"
        ):
            return "explicit_deny"
    if evaluate(identity, request) == "explicit_deny":
        return "explicit_deny"
    if evaluate(direct, request) == "allow":
        return "allow"
    if evaluate(delegated, request) == "allow" and evaluate(identity, request) == "allow":
        return "allow"
    return "implicit_deny"


def _names(principal: Any, who: str) -> bool:
    """Whether a statement's Principal names ``who`` (or everyone). The account (its
    root ARN or bare id) named in a key policy lets IAM policies decide; it grants no
    role anything by itself ("Default key policy")."""
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return any(p in ("*", who) for p in _listed(principal.get("AWS", [])))


def _applies(statement: dict[str, Any], request: Request) -> bool:
    if "Action" in statement:
        if not any(_matches_action(a, request.action) for a in _listed(statement["Action"])):
            return False
    elif any(_matches_action(a, request.action) for a in _listed(statement.get("NotAction"))):
        return False
    if "Resource" in statement:
        if not any(_matches_resource(r, request.resource) for r in _listed(statement["Resource"])):
            return False
    elif any(_matches_resource(r, request.resource) for r in _listed(statement.get("NotResource"))):
        return False
    return all(
        _condition(operator, key, values, request.context)
        for operator, block in statement.get("Condition", {}).items()
        for key, values in block.items()
    )


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@cache
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _like(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def _matches_action(pattern: str, action: str) -> bool:
    return _like(pattern, action, ignore_case=True)  # action names ignore case


def _matches_resource(pattern: str, arn: str) -> bool:
    """The Resource element: as ``_matches_arn``, but a ``*`` that ends the pattern's
    last segment expands past the colons ("IAM JSON policy elements: Resource")."""
    want = pattern.split(":", 5)
    if len(want) < 6 and want[-1].endswith("*"):
        have = arn.split(":", len(want) - 1)
        return len(have) == len(want) and all(_like(w, h) for w, h in zip(want, have, strict=True))
    return _matches_arn(pattern, arn)


def _matches_arn(pattern: str, arn: str) -> bool:
    """ARNs match segment by segment (a wildcard does not cross the colons between
    partition, service, region and account); the resource part may hold colons."""
    if pattern == "*":
        return True
    want, have = pattern.split(":", 5), arn.split(":", 5)
    return len(want) == len(have) == 6 and all(_like(w, h) for w, h in zip(want, have, strict=True))


def _condition(operator: str, key: str, values: Any, context: Context) -> bool:
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    name = name.removesuffix("IfExists")
    found = {k.lower(): v for k, v in context.items()}.get(key.lower())
    wanted = [str(v) for v in _listed(values)]
    if name == "Null":  # "true": the key must be absent; "false": present
        return (found is None) == (wanted[0].lower() == "true")
    negated = "Not" in name
    if found is None:  # AWS: a missing key matches nothing
        return if_exists or qualifier == "ForAllValues" or (negated and not qualifier)
    have = [str(v) for v in _listed(found)]
    test = _OPERATORS[name.replace("Not", "", 1) if negated else name]

    def one(value: str) -> bool:
        hit = any(test(w, value) for w in wanted)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(v) for v in have)
    if qualifier == "ForAnyValue":
        return any(one(v) for v in have)
    return all(one(v) for v in have) if negated else any(one(v) for v in have)


def _number(text: str) -> float:
    return float(text)


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda want, have: want == have,
    "StringEqualsIgnoreCase": lambda want, have: want.lower() == have.lower(),
    "StringLike": lambda want, have: _like(want, have),
    "ArnEquals": _matches_arn,  # the same as ArnLike, as AWS documents
    "ArnLike": _matches_arn,
    "NumericEquals": lambda want, have: _number(have) == _number(want),
    "NumericLessThan": lambda want, have: _number(have) < _number(want),
    "NumericLessThanEquals": lambda want, have: _number(have) <= _number(want),
    "NumericGreaterThan": lambda want, have: _number(have) > _number(want),
    "NumericGreaterThanEquals": lambda want, have: _number(have) >= _number(want),
    "Bool": lambda want, have: want.lower() == have.lower(),
}


# ---- the roles, as SAM builds them ----------------------------------------------------


def roles(tpl: dict[str, Any], resolve: Any, account: str) -> dict[str, Role]:
    """Each function's role, its statements resolved (``resolve``: the stack's
    Resolver, with every resource's name and ARN known)."""
    resources = tpl["Resources"]
    globals_fn = tpl.get("Globals", {}).get("Function", {})
    found = {}
    for logical, props in functions(tpl):
        role = Role(logical, str(resolve(props.get("FunctionName", logical))), account)
        managed = ["service-role/AWSLambdaBasicExecutionRole"]
        if props.get("Tracing", globals_fn.get("Tracing")) == "Active":
            managed.append("AWSXrayWriteOnlyAccess")
        for trigger in props.get("Events", {}).values():
            if trigger["Type"] in EVENT_SOURCE_POLICY:
                managed.append(EVENT_SOURCE_POLICY[trigger["Type"]])
        for name in managed:
            role.grants += [Grant(f"AWS: {name}", s) for s in AWS_MANAGED[name]]
        for policy in props.get("Policies", []):
            role.grants += _policy_grants(policy, resources, resolve)
        for label, on_failure in _on_failure_destinations(props):
            if on_failure.get("Type") == "SQS":
                statement = {
                    "Effect": "Allow",
                    "Action": "sqs:SendMessage",
                    "Resource": resolve(on_failure["Destination"]),
                }
                role.grants.append(Grant(f"SAM: {label} OnFailure", statement))
        found[logical] = role
    return found


def _on_failure_destinations(props: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    on_failure = props.get("EventInvokeConfig", {}).get("DestinationConfig", {}).get("OnFailure")
    if on_failure:
        found.append(("EventInvokeConfig", on_failure))
    for name, trigger in props.get("Events", {}).items():
        on_failure = trigger["Properties"].get("DestinationConfig", {}).get("OnFailure")
        if on_failure and trigger["Type"] in ("DynamoDB", "Kinesis", "SQS"):
            found.append((f"event {name}", on_failure))
    return found


def _policy_grants(policy: Any, resources: dict[str, Any], resolve: Any) -> list[Grant]:
    if isinstance(policy, dict) and set(policy) == {"Ref"}:
        logical = policy["Ref"]
        resource = resources[logical]
        if resource["Type"] != "AWS::IAM::ManagedPolicy":
            raise ValueError(f"Policies: !Ref {logical} is not an AWS::IAM::ManagedPolicy")
        document = resolve(resource["Properties"]["PolicyDocument"])
        return [Grant(logical, s) for s in _listed(document["Statement"])]
    if isinstance(policy, dict) and "Statement" in policy:
        return [Grant("inline", s) for s in _listed(resolve(policy)["Statement"])]
    if isinstance(policy, str):
        name = policy.removeprefix("arn:aws:iam::aws:policy/")
        if name not in AWS_MANAGED:
            raise ValueError(f"AWS managed policy {policy} is not known to the local stack")
        return [Grant(f"AWS: {name}", s) for s in AWS_MANAGED[name]]
    raise ValueError(f"policy {policy!r}: SAM policy templates are not resolved locally")
