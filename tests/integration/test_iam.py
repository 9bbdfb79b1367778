"""IAM as AWS enforces it, on the local stack: each function calls AWS with its own
credentials, and a call its role (as SAM builds it from template.yaml) does not allow is
refused with the service's AccessDenied, naming the function, the action and the
resource, and changes nothing."""

from __future__ import annotations

import os

import pytest
from botocore.exceptions import ClientError

from nextmove.adapters import aws
from nextmove_local import journeys, template


def _denied(error: pytest.ExceptionInfo[ClientError]) -> str:
    """The refusal's message, once its code is the service's access-denied code."""
    code = error.value.response["Error"]["Code"]
    assert code in {"AccessDeniedException", "AccessDenied", "AuthorizationError"}
    return str(error.value)


def _key(stack, sk="STATE"):
    return {"pk": {"S": f"{stack.tenant}#p-iam"}, "sk": {"S": sk}}


def test_a_call_the_role_does_not_allow_is_refused_and_changes_nothing(stack):
    table = stack.resolve.refs["CareerTable"]
    with stack.functions["WebhookFunction"].running(), pytest.raises(ClientError) as error:
        aws.client("dynamodb").put_item(TableName=table, Item=_key(stack))
    message = _denied(error)
    assert "WebhookFunction" in message and "dynamodb:PutItem" in message
    assert f"table/{table}" in message
    assert "Item" not in stack.client("dynamodb").get_item(TableName=table, Key=_key(stack))


def test_a_transaction_is_authorized_item_by_item(stack):
    """RecordEventPolicy allows PutItem: a transaction of Puts passes, one Update in it
    is refused as dynamodb:UpdateItem (the DynamoDB API permissions reference)."""
    table = stack.resolve.refs["CareerTable"]
    fn = stack.functions["ProfileUpdatedFunction"]
    put = {"Put": {"TableName": table, "Item": _key(stack, "A")}}
    update = {
        "Update": {
            "TableName": table,
            "Key": _key(stack, "B"),
            "UpdateExpression": "SET n = :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }
    with fn.running():
        aws.client("dynamodb").transact_write_items(TransactItems=[put])
        with pytest.raises(ClientError) as error:
            aws.client("dynamodb").transact_write_items(TransactItems=[put, update])
    assert "dynamodb:UpdateItem" in _denied(error)
    scan = stack.client("dynamodb").scan(TableName=table)["Items"]
    assert [i["sk"]["S"] for i in scan if i["pk"]["S"].endswith("p-iam")] == ["A"]


def test_put_events_is_authorized_on_its_source(stack):
    bus = stack.resolve.refs["EventBus"]
    entry = {"EventBusName": bus, "DetailType": "x", "Detail": "{}"}
    with stack.functions["WebhookFunction"].running():
        events = aws.client("events")
        assert (
            events.put_events(Entries=[{**entry, "Source": "nextmove.webhook"}])["FailedEntryCount"]
            == 0
        )
        with pytest.raises(ClientError) as error:
            events.put_events(Entries=[{**entry, "Source": "someone.else"}])
    assert "events:PutEvents" in _denied(error)


def test_each_function_has_its_own_environment_credentials_and_clients(stack):
    webhook, notifier = stack.functions["WebhookFunction"], stack.functions["NotifierFunction"]
    with webhook.running():
        assert "TABLE_NAME" not in os.environ  # the webhook's code never needs the table
        key = os.environ["AWS_ACCESS_KEY_ID"]
    with notifier.running():
        assert os.environ["AWS_ACCESS_KEY_ID"] != key
    assert webhook.client("dynamodb") is not notifier.client("dynamodb")
    assert webhook.client("dynamodb") is not stack.client("dynamodb")


def test_the_digest_reads_the_thresholds_with_its_own_grant(stack, monkeypatch):
    """No function rides on another's cache: without ReadThresholdsPolicy the digest's
    own read of the parameter is refused, whatever the notifier has cached."""
    from nextmove import delivery

    with stack.functions["NotifierFunction"].running():
        delivery.policy()  # the notifier's container has the thresholds cached
    role = next(r for r in stack.authorizer.roles.values() if r.function == "DigestFunction")
    monkeypatch.setattr(
        role, "grants", [g for g in role.grants if g.source != "ReadThresholdsPolicy"]
    )
    # Powertools wraps the AccessDeniedException in its GetParameterError.
    with stack.functions["DigestFunction"].running(), pytest.raises(Exception) as error:
        delivery.policy()
    assert "AccessDeniedException" in str(error.value)
    assert "ssm:GetParameter" in str(error.value) and "DigestFunction" in str(error.value)


@pytest.mark.parametrize("journey", journeys.JOURNEYS, ids=lambda j: j.name)
def test_journey_passes_with_no_call_denied(journey):
    journey.run(None)


@pytest.mark.parametrize(
    ("function", "action"),
    [
        ("NotifierFunction", "ses:SendRawEmail"),
        ("NotifierFunction", "dynamodb:BatchGetItem"),
        ("NotifierFunction", "secretsmanager:GetSecretValue"),  # signs the unsubscribe link
        ("WebhookFunction", "events:PutEvents"),
    ],
)
def test_the_demo_fails_without_each_grant_it_needs(function, action):
    tpl = template.load()
    mutation = next(
        m for m in journeys.mutations(tpl) if (m.function, m.action) == (function, action)
    )
    with pytest.raises(AssertionError):
        journeys.demo(journeys.without(tpl, mutation))


@pytest.mark.parametrize("action", ["dynamodb:GetItem", "dynamodb:PutItem"])
def test_a_bounce_is_not_recorded_without_each_grant_the_suppression_function_needs(action):
    tpl = template.load()
    mutation = next(
        m
        for m in journeys.mutations(tpl)
        if (m.function, m.action) == ("SuppressionFunction", action)
    )
    with pytest.raises(AssertionError):
        journeys.email_feedback(journeys.without(tpl, mutation))


def test_an_unsubscribe_without_sns_publish_parks_the_partners_notice():
    """The partner's note needs the function's own grant on the topic: without it SNS
    refuses the note, which waits in UnsubscribeNoticeDLQ (the click still answers 200,
    its unsubscribe recorded first) and the partner hears nothing until a redrive."""
    tpl = template.load()
    [mutation] = [
        m
        for m in journeys.mutations(tpl)
        if (m.function, m.action) == ("UnsubscribeFunction", "sns:Publish")
    ]
    with pytest.raises(AssertionError) as failure:
        journeys.unsubscribe(journeys.without(tpl, mutation))
    assert "parked: {'UnsubscribeNoticeDLQ': 1}" in str(failure.value)


def test_an_email_whose_settle_is_denied_after_the_send_goes_out_once(tmp_path):
    """The issue's reproduction: without BatchWriteItem the notifier cannot settle the
    goal + skills email after SES took it; every redelivery used to send it again (5
    times). Now it goes out once, its rows end 'unconfirmed', and nothing is parked."""
    from nextmove_local.stack import LocalStack

    tpl = template.load()
    mutation = next(
        m
        for m in journeys.mutations(tpl)
        if (m.function, m.action) == ("NotifierFunction", "dynamodb:BatchWriteItem")
    )
    stack = LocalStack.start(tmp_path, template_document=journeys.without(tpl, mutation))
    try:
        stack.replay([p.read_bytes() for p in journeys.DEMO])
        subjects = [s.subject for s in stack.sent]
        assert len(subjects) == len(set(subjects)), subjects  # no email twice
        assert any("(+1 more)" in s for s in subjects)  # the goal + skills email, once
        rows = stack.client("dynamodb").scan(TableName=stack.resolve.refs["CareerTable"])
        statuses = [i["status"]["S"] for i in rows["Items"] if i["sk"]["S"].startswith("EMAIL#")]
        assert statuses.count("unconfirmed") == 2, statuses
        assert not any(stack.queue_depths().values()), stack.queue_depths()
    finally:
        stack.stop()
