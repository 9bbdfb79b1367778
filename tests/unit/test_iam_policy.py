"""``nextmove_local.iam`` decides as AWS documents IAM deciding.

Every case here is an example or a stated rule from AWS's own documentation (the page
title is in the comment above each test), with the decision that page gives: identity-based
evaluation (explicit deny wins, an allow is needed, otherwise the implicit deny), the
Action/NotAction and Resource/NotResource elements, the condition operators (including a key
missing from the request, ``...IfExists``, ``Null`` and the set qualifiers) and the KMS key
policy (the account principal delegates to IAM policies, it grants nothing by itself).
"""

from __future__ import annotations

from typing import Any

import pytest

from nextmove_local.iam import Request, evaluate, evaluate_key_policy

ACCOUNT = "111122223333"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/EncryptionApp"
KEY = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
# "Match is Denied and No match is Not denied, so it may be allowed by another statement":
# a Deny under test sits next to this statement, so "allow" means "the Deny did not apply".
ALLOW_ALL: dict[str, Any] = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def _decide(
    statements: list[dict[str, Any]],
    action: str,
    resource: str = "*",
    context: dict[str, str | list[str]] | None = None,
) -> str:
    return evaluate(statements, Request(action, resource, context or {}))


# ---- Policy evaluation logic ----------------------------------------------------------

# "The difference between explicit and implicit denies": AllowGetList / DenyReports, and
# "If someone adds another policy to this principal to grant them access to IAM reports,
# such as iam:GenerateCredentialReport, report-related requests are still denied".
REPORTS_POLICY: list[dict[str, Any]] = [
    {
        "Sid": "AllowGetList",
        "Effect": "Allow",
        "Action": ["iam:Get*", "iam:List*"],
        "Resource": "*",
    },
    {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"},
    {"Effect": "Allow", "Action": "iam:GenerateCredentialReport", "Resource": "*"},
]


@pytest.mark.parametrize(
    ("action", "decision"),
    [
        ("iam:GetUser", "allow"),
        ("iam:ListRoles", "allow"),
        ("iam:CreatePolicy", "implicit_deny"),
        ("iam:GetOrganizationsAccessReport", "explicit_deny"),
        ("iam:GenerateCredentialReport", "explicit_deny"),
    ],
)
def test_explicit_deny_beats_allow_and_unlisted_actions_are_implicitly_denied(
    action: str, decision: str
) -> None:
    assert _decide(REPORTS_POLICY, action) == decision


def test_no_applicable_statement_is_the_implicit_deny() -> None:
    # "Policy evaluation logic": "By default, all requests are implicitly denied"; "If there
    # are no identity-based policies or no statements ... that allow the requested action,
    # then the request is implicitly denied".
    assert _decide([], "s3:GetObject", "arn:aws:s3:::bucket/key") == "implicit_deny"
    other = [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]
    assert _decide(other, "s3:GetObject", "arn:aws:s3:::bucket/key") == "implicit_deny"


# ---- IAM JSON policy elements: Action -------------------------------------------------


@pytest.mark.parametrize(
    ("in_policy", "requested"),
    [("IAM:listaccesskeys", "iam:ListAccessKeys"), ("iam:ListAccessKeys", "IAM:listaccesskeys")],
)
def test_action_prefix_and_name_are_case_insensitive(in_policy: str, requested: str) -> None:
    # "IAM JSON policy elements: Action": "The prefix and the action name are case
    # insensitive. For example, iam:ListAccessKeys is the same as IAM:listaccesskeys."
    statements = [{"Effect": "Allow", "Action": in_policy, "Resource": "*"}]
    assert _decide(statements, requested) == "allow"


@pytest.mark.parametrize(
    ("action", "decision"),
    [
        ("iam:CreateAccessKey", "allow"),
        ("iam:ListAccessKeys", "allow"),
        ("iam:ChangePassword", "implicit_deny"),
    ],
)
def test_wildcard_inside_an_action_name(action: str, decision: str) -> None:
    # "IAM JSON policy elements: Action": "iam:*AccessKey*" "applies to all IAM actions that
    # include the string AccessKey, including CreateAccessKey, ... ListAccessKeys".
    statements = [{"Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "*"}]
    assert _decide(statements, action) == decision


# ---- IAM JSON policy elements: Resource -----------------------------------------------


def test_resource_iam_user_name_is_case_sensitive() -> None:
    # "IAM JSON policy elements: Resource": "In the Resource element, the IAM user name is
    # case sensitive."
    statements = [
        {"Effect": "Allow", "Action": "iam:GetUser", "Resource": f"arn:aws:iam::{ACCOUNT}:user/Bob"}
    ]
    assert _decide(statements, "iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/Bob") == "allow"
    assert _decide(statements, "iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/bob") == (
        "implicit_deny"
    )


def test_resource_wildcards_expand_across_slashes_s3_example() -> None:
    # "IAM JSON policy elements: Resource": arn:aws:s3:::amzn-s3-demo-bucket/*/test/* applies
    # to all of the first list and "would not match" the second.
    statements = [
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*",
        }
    ]
    matching = [
        "amzn-s3-demo-bucket/1/test/object.jpg",
        "amzn-s3-demo-bucket/1/2/test/object.jpg",
        "amzn-s3-demo-bucket/1/2/test/3/object.jpg",
        "amzn-s3-demo-bucket/1/2/3/test/4/object.jpg",
        "amzn-s3-demo-bucket/1///test///object.jpg",
        "amzn-s3-demo-bucket/1/test/.jpg",
        "amzn-s3-demo-bucket//test/object.jpg",
        "amzn-s3-demo-bucket/1/test/",
    ]
    not_matching = [
        "amzn-s3-demo-bucket/1-test/object.jpg",
        "amzn-s3-demo-bucket/test/object.jpg",
        "amzn-s3-demo-bucket/1/2/test.jpg",
    ]
    decided = {k: _decide(statements, "s3:GetObject", f"arn:aws:s3:::{k}") for k in matching}
    assert decided == dict.fromkeys(matching, "allow")
    decided = {k: _decide(statements, "s3:GetObject", f"arn:aws:s3:::{k}") for k in not_matching}
    assert decided == dict.fromkeys(not_matching, "implicit_deny")


def test_resource_question_mark_is_exactly_one_character() -> None:
    # "IAM JSON policy elements: Resource": "a question mark (?) represents any single
    # character".
    queue = f"arn:aws:sqs:us-east-2:{ACCOUNT}:queue"
    statements = [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": f"{queue}?"}]
    assert _decide(statements, "sqs:SendMessage", f"{queue}1") == "allow"
    assert _decide(statements, "sqs:SendMessage", f"{queue}10") == "implicit_deny"
    assert _decide(statements, "sqs:SendMessage", queue) == "implicit_deny"


@pytest.mark.parametrize("pattern", ["arn:aws:sqs:*", "arn:aws:sqs:us-east-2:*"])
def test_star_ending_an_arn_segment_expands_beyond_colons(pattern: str) -> None:
    # "IAM JSON policy elements: Resource": "If the * wildcard is the last character of a
    # resource ARN segment, it can expand to match beyond the colon boundaries."
    statements = [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": pattern}]
    queue = f"arn:aws:sqs:us-east-2:{ACCOUNT}:queue1"
    assert _decide(statements, "sqs:SendMessage", queue) == "allow"


# ---- IAM JSON policy elements: NotAction ----------------------------------------------


@pytest.mark.parametrize(
    ("action", "resource", "decision"),
    [
        ("s3:GetObject", "arn:aws:s3:::bucket/key", "allow"),
        ("s3:DeleteBucket", "arn:aws:s3:::bucket", "implicit_deny"),
        # "This does not allow users to use the ListAllMyBuckets S3 API operation, because
        # that action requires the "*" resource."
        ("s3:ListAllMyBuckets", "*", "implicit_deny"),
        # "This policy also does not allow actions in other services, because other service
        # actions are not applicable to the S3 resources."
        ("sqs:SendMessage", f"arn:aws:sqs:us-east-2:{ACCOUNT}:queue1", "implicit_deny"),
    ],
)
def test_notaction_allow_is_scoped_by_its_resource(
    action: str, resource: str, decision: str
) -> None:
    # "IAM JSON policy elements: NotAction", NotAction with Allow: all S3 actions on any S3
    # resource except deleting a bucket.
    statements = [{"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"}]
    assert _decide(statements, action, resource) == decision


def test_notaction_allow_everything_except_iam() -> None:
    # "IAM JSON policy elements: NotAction": "allows users to access every action in every AWS
    # service except for IAM".
    statements = [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]
    assert _decide(statements, "ec2:RunInstances") == "allow"
    assert _decide(statements, "iam:CreateUser") == "implicit_deny"


@pytest.mark.parametrize(
    ("action", "context", "decision"),
    [
        ("ec2:RunInstances", {}, "explicit_deny"),
        ("ec2:RunInstances", {"aws:MultiFactorAuthPresent": "false"}, "explicit_deny"),
        ("ec2:RunInstances", {"aws:MultiFactorAuthPresent": "true"}, "allow"),
        ("iam:ChangePassword", {}, "allow"),
    ],
)
def test_notaction_deny_non_iam_actions_without_mfa(
    action: str, context: dict[str, str | list[str]], decision: str
) -> None:
    # "IAM JSON policy elements: NotAction", DenyAllUsersNotUsingMFA: "denies access to
    # non-IAM actions if the user is not signed in using MFA" (BoolIfExists, so a request
    # without the key is denied too); it "would not grant the user access to any actions".
    deny = {
        "Sid": "DenyAllUsersNotUsingMFA",
        "Effect": "Deny",
        "NotAction": "iam:*",
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    }
    assert _decide([deny, ALLOW_ALL], action, "*", context) == decision
    assert _decide([deny], action, "*", context) != "allow"


# ---- IAM JSON policy elements: NotResource --------------------------------------------

HR_DENY: dict[str, Any] = {
    "Effect": "Deny",
    "Action": "s3:*",
    "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
}


@pytest.mark.parametrize(
    ("resource", "decision"),
    [
        ("arn:aws:s3:::HRBucket/Payroll/june.csv", "allow"),
        ("arn:aws:s3:::HRBucket/Recruiting/cv.pdf", "explicit_deny"),
        ("arn:aws:s3:::OtherBucket", "explicit_deny"),
    ],
)
def test_notresource_deny_all_s3_but_the_payroll_folder(resource: str, decision: str) -> None:
    # "IAM JSON policy elements: NotResource", the HRPayroll group: "explicitly denies access
    # to all Amazon S3 resources other than the listed resources".
    assert _decide([HR_DENY, ALLOW_ALL], "s3:GetObject", resource) == decision


def test_notresource_deny_grants_nothing_by_itself() -> None:
    # "IAM JSON policy elements: NotResource": "this policy does not grant the user access to
    # any resources (add a corresponding "Effect":"Allow" statement ...)".
    payroll = "arn:aws:s3:::HRBucket/Payroll/june.csv"
    assert _decide([HR_DENY], "s3:GetObject", payroll) == "implicit_deny"


# ---- IAM JSON policy elements: Condition operators ------------------------------------


@pytest.mark.parametrize(
    ("context", "decision"),
    [
        ({"aws:PrincipalTag/job-category": "iamuser-admin"}, "allow"),
        ({"aws:PrincipalTag/job-category": "developer"}, "implicit_deny"),
        # "If a user without the tag attempts to view or edit an access key, the condition
        # returns false and the request is implicitly denied by this statement."
        ({}, "implicit_deny"),
    ],
)
def test_string_equals_and_a_missing_key(
    context: dict[str, str | list[str]], decision: str
) -> None:
    # "IAM JSON policy elements: Condition operators", String condition operators example.
    statements = [
        {
            "Effect": "Allow",
            "Action": "iam:*AccessKey*",
            "Resource": f"arn:aws:iam::{ACCOUNT}:user/*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
        }
    ]
    user = f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert _decide(statements, "iam:CreateAccessKey", user, context) == decision


def test_context_key_names_ignore_case_but_string_equals_values_do_not() -> None:
    # "IAM JSON policy elements: Condition": "Context key names are not case-sensitive. For
    # example, including the aws:SourceIP context key is equivalent to testing for
    # AWS:SourceIp. ... StringEquals ... only requests made by john match. Users named John
    # are denied access."
    statements = [
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"AWS:UserName": "john"}},
        }
    ]
    assert _decide(statements, "iam:GetUser", "*", {"aws:username": "john"}) == "allow"
    assert _decide(statements, "iam:GetUser", "*", {"aws:username": "John"}) == "implicit_deny"


@pytest.mark.parametrize(
    ("instance_type", "decision"),
    [
        ("t2.micro", "allow"),
        ("m3.large", "allow"),
        ("t10.micro", "implicit_deny"),  # ? is exactly one character
        ("M3.large", "implicit_deny"),  # StringLike is case-sensitive
    ],
)
def test_string_like_wildcards_and_case(instance_type: str, decision: str) -> None:
    # "IAM JSON policy elements: Condition operators": StringLike is "Case-sensitive
    # matching. The values can include multi-character match wildcards (*) and
    # single-character match wildcards (?) anywhere in the string."
    statements = [
        {
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "Resource": "*",
            "Condition": {"StringLike": {"ec2:InstanceType": ["t?.micro", "m3.*"]}},
        }
    ]
    context: dict[str, str | list[str]] = {"ec2:InstanceType": instance_type}
    assert _decide(statements, "ec2:RunInstances", "*", context) == decision


@pytest.mark.parametrize(
    ("operator", "context", "decision"),
    [
        # THISPOLICYDOESNOTWORK: "These additional resources do not have the
        # ec2:InstanceType condition key, so the StringLike check fails".
        ("StringLike", {}, "implicit_deny"),
        ("StringLikeIfExists", {}, "allow"),
        ("StringLikeIfExists", {"ec2:InstanceType": "t2.micro"}, "allow"),
        ("StringLikeIfExists", {"ec2:InstanceType": "c5.large"}, "implicit_deny"),
    ],
)
def test_if_exists_run_instances_example(
    operator: str, context: dict[str, str | list[str]], decision: str
) -> None:
    # "IAM JSON policy elements: Condition operators", ...IfExists: "If the policy key is
    # present in the context of the request, process the key as specified in the policy. If
    # the key is not present, evaluate the condition element as true."
    statements = [
        {
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "Resource": "*",
            "Condition": {operator: {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}},
        }
    ]
    image = "arn:aws:ec2:us-east-2::image/ami-0abcdef1234567890"
    assert _decide(statements, "ec2:RunInstances", image, context) == decision


@pytest.mark.parametrize(
    ("operator", "value", "decision"),
    [
        ("StringNotLike", "arn:aws:sns:*", "explicit_deny"),
        ("StringNotEquals", "arn:aws:sns:us-east-2:111122223333:topic", "explicit_deny"),
        ("ArnNotLike", "arn:aws:sns:*:111122223333:*", "explicit_deny"),
        ("ArnNotEquals", "arn:aws:sns:us-east-2:111122223333:topic", "explicit_deny"),
        ("StringLike", "arn:aws:sns:*", "allow"),
        ("ArnLike", "arn:aws:sns:*:111122223333:*", "allow"),
    ],
)
def test_a_missing_key_matches_nothing(operator: str, value: str, decision: str) -> None:
    # "IAM JSON policy elements: Condition operators": "If the key that you specify in a policy
    # condition is not present in the request context, the values do not match and the
    # condition is false. If the policy condition requires that the key is not matched, such
    # as StringNotLike or ArnNotLike, and the right key is not present, the condition is
    # true." A Deny with a true condition applies; with a false one it does not.
    deny = {
        "Effect": "Deny",
        "Action": "sqs:SendMessage",
        "Resource": "*",
        "Condition": {operator: {"aws:SourceArn": value}},
    }
    queue = f"arn:aws:sqs:us-east-2:{ACCOUNT}:queue1"
    assert _decide([deny, ALLOW_ALL], "sqs:SendMessage", queue) == decision


def test_negated_if_exists_deny_still_denies_a_missing_tag() -> None:
    # "IAM JSON policy elements: Condition operators": "If you are using an "Effect": "Deny"
    # element with a negated condition operator like StringNotEqualsIfExists, the request is
    # still denied even if the tag is missing."
    deny = {
        "Effect": "Deny",
        "Action": "ec2:TerminateInstances",
        "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:ResourceTag/team": "ops"}},
    }
    assert _decide([deny, ALLOW_ALL], "ec2:TerminateInstances") == "explicit_deny"
    tagged: dict[str, str | list[str]] = {"aws:ResourceTag/team": "ops"}
    assert _decide([deny, ALLOW_ALL], "ec2:TerminateInstances", "*", tagged) == "allow"


@pytest.mark.parametrize(
    ("context", "decision"),
    [
        (
            {
                "aws:PrincipalTag/department": "finance",
                "aws:PrincipalTag/role": "audit",
                "aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/Auditor",
            },
            "allow",
        ),
        (  # another of the department's values: values are ORed
            {
                "aws:PrincipalTag/department": "hr",
                "aws:PrincipalTag/role": "audit",
                "aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/Auditor",
            },
            "allow",
        ),
        (  # one key of the operator missing: keys are ANDed
            {
                "aws:PrincipalTag/department": "finance",
                "aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/Auditor",
            },
            "implicit_deny",
        ),
        (  # the other operator fails: operators are ANDed
            {
                "aws:PrincipalTag/department": "finance",
                "aws:PrincipalTag/role": "audit",
                "aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/Mallory",
            },
            "implicit_deny",
        ),
    ],
)
def test_operators_and_keys_are_anded_values_ored(
    context: dict[str, str | list[str]], decision: str
) -> None:
    # "Conditions with multiple context keys or values": multiple condition operators and
    # multiple context keys are evaluated with a logical AND, multiple values for one key
    # with a logical OR.
    statements = [
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "aws:PrincipalTag/department": ["finance", "hr", "legal"],
                    "aws:PrincipalTag/role": ["audit", "security"],
                },
                "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/Aud*"},
            },
        }
    ]
    assert _decide(statements, "s3:GetObject", "arn:aws:s3:::b/k", context) == decision


@pytest.mark.parametrize(
    ("team", "decision"), [("a", "implicit_deny"), ("b", "implicit_deny"), ("c", "allow")]
)
def test_negated_operator_values_are_nored(team: str, decision: str) -> None:
    # "Conditions with multiple context keys or values": "If a single negated matching
    # condition operator includes multiple values for a context key, those values are
    # evaluated using a logical NOR." So StringNotEquals [a, b] holds only for neither.
    statements = [
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": ["a", "b"]}},
        }
    ]
    context: dict[str, str | list[str]] = {"aws:PrincipalTag/team": team}
    assert _decide(statements, "s3:GetObject", "*", context) == decision


@pytest.mark.parametrize(
    ("context", "decision"),
    [
        ({"s3:max-keys": "5"}, "allow"),
        ({"s3:max-keys": "10"}, "allow"),
        ({"s3:max-keys": "11"}, "implicit_deny"),
        ({}, "implicit_deny"),
    ],
)
def test_numeric_less_than_equals_max_keys(
    context: dict[str, str | list[str]], decision: str
) -> None:
    # "IAM JSON policy elements: Condition operators", Numeric: the requester "can list up to
    # 10 objects"; "only the operations that include the max-keys context key with a value of
    # less than or equal to 10 would be allowed".
    statements = [
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::example_bucket",
            "Condition": {"NumericLessThanEquals": {"s3:max-keys": "10"}},
        }
    ]
    bucket = "arn:aws:s3:::example_bucket"
    assert _decide(statements, "s3:ListBucket", bucket, context) == decision


@pytest.mark.parametrize(("secure", "decision"), [("false", "explicit_deny"), ("true", "allow")])
def test_bool_deny_when_not_over_ssl(secure: str, decision: str) -> None:
    # "IAM JSON policy elements: Condition operators", BooleanExample: "deny all S3 actions on
    # a bucket and its contents if the request is not over SSL".
    deny = {
        "Sid": "BooleanExample",
        "Action": "s3:*",
        "Effect": "Deny",
        "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    context: dict[str, str | list[str]] = {"aws:SecureTransport": secure}
    obj = "arn:aws:s3:::DOC-EXAMPLE-BUCKET/report.csv"
    assert _decide([deny, ALLOW_ALL], "s3:GetObject", obj, context) == decision


@pytest.mark.parametrize(
    ("null", "context", "decision"),
    [
        ("true", {}, "allow"),
        ("true", {"aws:TokenIssueTime": "2026-01-01T00:00:01Z"}, "implicit_deny"),
        ("false", {}, "implicit_deny"),
        ("false", {"aws:TokenIssueTime": "2026-01-01T00:00:01Z"}, "allow"),
    ],
)
def test_null_checks_whether_the_key_is_absent(
    null: str, context: dict[str, str | list[str]], decision: str
) -> None:
    # "IAM JSON policy elements: Condition operators", Null: "use either true (the key doesn't
    # exist — it is null) or false (the key exists and its value is not null)"; the example
    # lets the EC2 API be used only without temporary credentials (no aws:TokenIssueTime).
    statements = [
        {
            "Action": "ec2:*",
            "Effect": "Allow",
            "Resource": "*",
            "Condition": {"Null": {"aws:TokenIssueTime": null}},
        }
    ]
    assert _decide(statements, "ec2:DescribeInstances", "*", context) == decision


def test_arn_like_matches_each_segment_where_string_like_does_not() -> None:
    # "IAM JSON policy elements: Condition operators", ARN operators: with pattern
    # arn:aws:someservice:*:111122223333:finance/* "With a StringLike condition, the match
    # succeeds. ... With an ArnLike condition, which matches elements between colons, the
    # match fails."
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
    context: dict[str, str | list[str]] = {"aws:SourceArn": value}

    def statement(operator: str) -> list[dict[str, Any]]:
        condition = {operator: {"aws:SourceArn": pattern}}
        return [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}]

    assert _decide(statement("StringLike"), "someservice:Get", "*", context) == "allow"
    assert _decide(statement("ArnLike"), "someservice:Get", "*", context) == "implicit_deny"


@pytest.mark.parametrize(
    ("context", "decision"),
    [
        ({"aws:SourceArn": f"arn:aws:sns:us-east-2:{ACCOUNT}:TOPIC-ID"}, "allow"),
        ({"aws:SourceArn": f"arn:aws:sns:us-east-2:{ACCOUNT}:OTHER-TOPIC"}, "implicit_deny"),
        # "If an IAM user attempts to perform this operation directly, the condition returns
        # false and the request is implicitly denied by this statement."
        ({}, "implicit_deny"),
    ],
)
def test_arn_equals_source_arn(context: dict[str, str | list[str]], decision: str) -> None:
    # "IAM JSON policy elements: Condition operators", ARN operators: SQS SendMessage only on
    # behalf of a particular SNS topic.
    statements = [
        {
            "Effect": "Allow",
            "Action": "SQS:SendMessage",
            "Resource": f"arn:aws:sqs:us-east-2:{ACCOUNT}:QUEUE-ID",
            "Condition": {
                "ArnEquals": {"aws:SourceArn": f"arn:aws:sns:us-east-2:{ACCOUNT}:TOPIC-ID"}
            },
        }
    ]
    queue = f"arn:aws:sqs:us-east-2:{ACCOUNT}:QUEUE-ID"
    assert _decide(statements, "sqs:SendMessage", queue, context) == decision


@pytest.mark.parametrize("operator", ["ArnLike", "ArnEquals"])
def test_arn_equals_and_arn_like_behave_identically(operator: str) -> None:
    # "IAM JSON policy elements: Condition operators": ArnEquals, ArnLike: "Each of the six
    # colon-delimited components of the ARN is checked separately and each can include
    # multi-character match wildcards (*) or single-character match wildcards (?). The
    # ArnEquals and ArnLike condition operators behave identically."
    statements = [
        {
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": "*",
            "Condition": {operator: {"aws:SourceArn": f"arn:aws:sns:*:{ACCOUNT}:topic-?"}},
        }
    ]
    context: dict[str, str | list[str]] = {
        "aws:SourceArn": f"arn:aws:sns:us-east-2:{ACCOUNT}:topic-1"
    }
    assert _decide(statements, "sqs:SendMessage", "*", context) == "allow"


# ---- Single-valued vs. multivalued context keys / set operators -----------------------


@pytest.mark.parametrize(
    ("requested", "decision"),
    [
        (["PostDateTime", "Message"], "allow"),
        (["PostDateTime", "UserName"], "implicit_deny"),
        # ForAllValues "also returns true if there are no context keys in the request".
        (None, "allow"),
    ],
)
def test_for_all_values_every_request_value_must_be_listed(
    requested: list[str] | None, decision: str
) -> None:
    # "Creating a Condition That Tests Multiple Key Values (Set Operations)": only
    # PostDateTime, Message or Tags may be requested; "if the user's request includes the ID
    # attribute, the request fails". Absent key: "Single-valued vs. multivalued context keys".
    statements = [
        {
            "Effect": "Allow",
            "Action": "dynamodb:GetItem",
            "Resource": f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/Thread",
            "Condition": {
                "ForAllValues:StringLike": {
                    "dynamodb:requestedAttributes": ["PostDateTime", "Message", "Tags"]
                }
            },
        }
    ]
    context: dict[str, str | list[str]] = {}
    if requested is not None:
        context["dynamodb:requestedAttributes"] = requested
    table = f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/Thread"
    assert _decide(statements, "dynamodb:GetItem", table, context) == decision


@pytest.mark.parametrize(
    ("requested", "decision"),
    [
        (["UserName", "Message", "PostDateTime"], "explicit_deny"),
        (["UserName"], "allow"),
        (None, "allow"),  # ForAnyValue: no key in the request, no match
    ],
)
def test_for_any_value_deny_when_one_value_is_listed(
    requested: list[str] | None, decision: str
) -> None:
    # "Creating a Condition That Tests Multiple Key Values (Set Operations)": deny PutItem of
    # ID or PostDateTime; "there is one match (PostDateTime), so the condition is true";
    # "just the UserName attribute ... The condition returns false".
    deny = {
        "Effect": "Deny",
        "Action": "dynamodb:PutItem",
        "Resource": f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/Thread",
        "Condition": {
            "ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["ID", "PostDateTime"]}
        },
    }
    context: dict[str, str | list[str]] = {}
    if requested is not None:
        context["dynamodb:requestedAttributes"] = requested
    table = f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/Thread"
    assert _decide([deny, ALLOW_ALL], "dynamodb:PutItem", table, context) == decision


@pytest.mark.parametrize(
    ("tag_keys", "decision"),
    [
        (["key1:legal"], "allow"),
        (["key1:hr", "key1:personnel"], "allow"),
        (["key2:audit"], "explicit_deny"),
        (None, "explicit_deny"),
    ],
)
def test_for_all_values_string_not_like_deny_table(
    tag_keys: list[str] | None, decision: str
) -> None:
    # "Multivalued context key examples", "Deny a single policy condition value for a
    # multivalued context key": the table's Match (denied) / No match rows, including "No
    # aws:TagKeys in the request context" → Match.
    deny = {
        "Sid": "DenyRestrictedTags",
        "Effect": "Deny",
        "Action": ["iam:Tag*", "iam:UnTag*"],
        "Resource": ["*"],
        "Condition": {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}},
    }
    context: dict[str, str | list[str]] = {} if tag_keys is None else {"aws:TagKeys": tag_keys}
    assert _decide([deny, ALLOW_ALL], "iam:TagRole", "*", context) == decision


def test_empty_request_values_forallvalues_true_foranyvalue_false() -> None:
    # "Creating a Condition That Tests Multiple Key Values (Set Operations)": "If the key
    # values in the request resolve to an empty data set ..., a condition operator modified by
    # ForAllValues returns true, and a condition operator modified by ForAnyValue returns
    # false."
    context: dict[str, str | list[str]] = {"aws:TagKeys": []}
    for qualifier, decision in (("ForAllValues", "allow"), ("ForAnyValue", "implicit_deny")):
        condition = {f"{qualifier}:StringEquals": {"aws:TagKeys": ["team"]}}
        statements = [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}]
        assert _decide(statements, "ec2:CreateTags", "*", context) == decision, qualifier


# ---- AWS KMS: Default key policy, kms:ViaService --------------------------------------

ENABLE_IAM: dict[str, Any] = {
    "Sid": "Enable IAM policies",
    "Effect": "Allow",
    "Principal": {"AWS": ROOT},
    "Action": "kms:*",
    "Resource": "*",
}
IAM_DECRYPT: list[dict[str, Any]] = [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}]


def _kms(
    key_policy: list[dict[str, Any]],
    identity: list[dict[str, Any]],
    action: str = "kms:Decrypt",
    context: dict[str, str | list[str]] | None = None,
) -> str:
    return evaluate_key_policy(key_policy, identity, ROLE, Request(action, KEY, context or {}))


@pytest.mark.parametrize("account_principal", [ROOT, ACCOUNT])
def test_account_principal_lets_iam_policies_allow(account_principal: str) -> None:
    # "Default key policy", "Allows access to the AWS account and enables IAM policies": the
    # statement "allows the account to use IAM policies to allow access to the KMS key".
    # ("IAM JSON policy elements: Principal": the account ARN and the bare account ID are the
    # same account principal.)
    statement = {**ENABLE_IAM, "Principal": {"AWS": account_principal}}
    assert _kms([statement], IAM_DECRYPT) == "allow"


@pytest.mark.parametrize("account_principal", [ROOT, ACCOUNT])
def test_account_principal_alone_grants_no_role_anything(account_principal: str) -> None:
    # "Default key policy": "When the principal in a key policy statement is the account
    # principal, the policy statement doesn't give any IAM users or roles permission to use
    # the KMS key. Instead, it allows the account to use IAM policies to delegate the
    # permissions". With no IAM policy allowing kms:Decrypt the role is denied.
    statement = {**ENABLE_IAM, "Principal": {"AWS": account_principal}}
    assert _kms([statement], []) == "implicit_deny"


def test_without_the_account_statement_iam_allows_are_ineffective() -> None:
    # "Default key policy": "Without this permission, IAM policies that allow access to the key
    # are ineffective". ("Policy evaluation logic": KMS key policies "must explicitly allow
    # access for principals".)
    key_policy = [
        {
            "Sid": "Allow use of the key",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/SomeOtherApp"},
            "Action": ["kms:Encrypt", "kms:Decrypt"],
            "Resource": "*",
        }
    ]
    assert _kms(key_policy, [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]) == (
        "implicit_deny"
    )


def test_key_policy_naming_the_role_allows_without_iam_policy() -> None:
    # "Examining the key policy", policy statement 3: "Principals that can assume this role are
    # allowed to perform the actions listed in the policy statement".
    key_policy = [
        {
            "Sid": "Allow use of the key",
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": [
                "kms:DescribeKey",
                "kms:GenerateDataKey*",
                "kms:Encrypt",
                "kms:ReEncrypt*",
                "kms:Decrypt",
            ],
            "Resource": "*",
        }
    ]
    assert _kms(key_policy, []) == "allow"
    assert _kms(key_policy, [], "kms:GenerateDataKeyWithoutPlaintext") == "allow"
    assert _kms(key_policy, [], "kms:ScheduleKeyDeletion") == "implicit_deny"


def test_iam_deny_is_still_effective() -> None:
    # "Default key policy": "... although IAM policies that deny access to the key are still
    # effective."
    deny = [{"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}]
    direct = {**ENABLE_IAM, "Principal": {"AWS": ROLE}}
    assert _kms([ENABLE_IAM, direct], IAM_DECRYPT + deny) == "explicit_deny"


def test_delegation_covers_only_the_actions_of_the_account_statement() -> None:
    # "Default key policy": the account statement "allows the account to use IAM policies to
    # delegate the permissions specified in the policy statement".
    describe_only = {**ENABLE_IAM, "Action": "kms:Describe*"}
    iam_all = [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]
    assert _kms([describe_only], iam_all, "kms:DescribeKey") == "allow"
    assert _kms([describe_only], iam_all, "kms:Decrypt") == "implicit_deny"


@pytest.mark.parametrize(
    ("context", "decision"),
    [
        ({"kms:ViaService": "ec2.us-west-2.amazonaws.com"}, "allow"),
        ({"kms:ViaService": "rds.us-west-2.amazonaws.com"}, "allow"),
        ({"kms:ViaService": "lambda.us-west-2.amazonaws.com"}, "implicit_deny"),
        ({}, "implicit_deny"),  # a direct call has no kms:ViaService
    ],
)
def test_via_service_allow_only_through_listed_services(
    context: dict[str, str | list[str]], decision: str
) -> None:
    # "AWS KMS condition keys", kms:ViaService: the key may be used "only when the request
    # comes from Amazon EC2 or Amazon RDS in the US West (Oregon) region on behalf of" the
    # principal.
    key_policy = [
        {
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": ["ec2.us-west-2.amazonaws.com", "rds.us-west-2.amazonaws.com"]
                }
            },
        }
    ]
    assert _kms(key_policy, [], "kms:Decrypt", context) == decision


@pytest.mark.parametrize(
    ("action", "via", "decision"),
    [
        ("kms:Encrypt", "lambda.us-west-2.amazonaws.com", "explicit_deny"),
        ("kms:Encrypt", "s3.us-west-2.amazonaws.com", "allow"),
        ("kms:Decrypt", "lambda.us-west-2.amazonaws.com", "allow"),
    ],
)
def test_via_service_deny_encrypt_from_lambda(action: str, via: str, decision: str) -> None:
    # "AWS KMS condition keys", kms:ViaService: a key policy statement "to prevent a customer
    # managed key from being used for Encrypt operations when the request comes from AWS
    # Lambda".
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": ROLE},
        "Action": ["kms:Encrypt"],
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": ["lambda.us-west-2.amazonaws.com"]}},
    }
    allow = {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:*", "Resource": "*"}
    assert _kms([allow, deny], [], action, {"kms:ViaService": via}) == decision


@pytest.mark.parametrize(
    ("context", "decision"),
    [
        ({"kms:CallerAccount": ACCOUNT, "kms:ViaService": "ec2.us-west-2.amazonaws.com"}, "allow"),
        (
            {"kms:CallerAccount": "444455556666", "kms:ViaService": "ec2.us-west-2.amazonaws.com"},
            "implicit_deny",
        ),
        ({"kms:CallerAccount": ACCOUNT}, "implicit_deny"),
    ],
)
def test_caller_account_with_every_principal_ebs_key(
    context: dict[str, str | list[str]], decision: str
) -> None:
    # "AWS KMS condition keys", kms:CallerAccount: the AWS managed key for EBS combines
    # Principal {"AWS": "*"} with kms:CallerAccount and kms:ViaService "to effectively allow
    # access to all identities in AWS account 111122223333" through Amazon EBS only.
    key_policy = [
        {
            "Sid": (
                "Allow access through EBS for all principals in the account"
                " that are authorized to use EBS"
            ),
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Condition": {
                "StringEquals": {
                    "kms:CallerAccount": ACCOUNT,
                    "kms:ViaService": "ec2.us-west-2.amazonaws.com",
                }
            },
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:CreateGrant",
                "kms:DescribeKey",
            ],
            "Resource": "*",
        }
    ]
    assert _kms(key_policy, [], "kms:Decrypt", context) == decision
