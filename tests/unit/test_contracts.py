"""The contracts: samples validate, schemas match the models, bad events are named."""

from __future__ import annotations

import json

import jsonschema
import pytest
from pydantic import ValidationError

from nextmove.contracts import EVENT_MODELS, BusDetail, parse_inbound, recommendation_id
from nextmove.intake import admit
from nextmove_local.schemas import SCHEMAS, generated, write_schemas
from tests.support import EVENTS

# Folders of wrappers, admin test events (tests/e2e/test_admin_cli.py) and topic notices:
# not webhook bodies.
WRAPPERS = {"schemas", "api_gateway", "eventbridge", "admin", "sns"}
# A golden scenario's expected.json (events/scenarios/*/) holds expectations, not an event.
SAMPLES = sorted(
    p for p in EVENTS.rglob("*.json") if not WRAPPERS & set(p.parts) and p.name != "expected.json"
)


SAMPLE_SECRET = "whsec_c2FtcGxlLXNlY3JldC1kby1ub3QtdXNlLTAwMDE="  # events/api_gateway only


def test_published_schemas_match_the_models():
    # Fails when a model changes without `make schemas`: partners code against these files.
    assert write_schemas(check=True) == []


def test_there_is_a_sample_and_a_schema_for_every_event_type():
    for event_type in EVENT_MODELS:
        name = event_type.replace(".", "_")
        assert (EVENTS / f"{name}.json").exists()
        assert (SCHEMAS / f"{name}.schema.json").exists()


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: str(p.relative_to(EVENTS)))
def test_every_sample_validates_against_its_schema_and_its_model(path):
    document = json.loads(path.read_text())
    schema = json.loads((SCHEMAS / "event.schema.json").read_text())
    jsonschema.validate(document, schema)
    event = parse_inbound(path.read_bytes())
    assert event.type == document["type"]


def test_the_unsubscribe_notice_sample_fits_its_schema_and_model():
    from nextmove.contracts.notices import EmailUnsubscribed

    document = json.loads((EVENTS / "sns" / "email_unsubscribed.json").read_text())
    jsonschema.validate(
        document, json.loads((SCHEMAS / "email_unsubscribed.schema.json").read_text())
    )
    assert EmailUnsubscribed.model_validate(document).type == "email.unsubscribed"


def test_the_union_schema_names_every_type():
    schema = generated()["event.schema.json"]
    assert set(schema["discriminator"]["mapping"]) == set(EVENT_MODELS)


def _offer() -> dict:
    return json.loads((EVENTS / "offer_received.json").read_text())


def _fields(error: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in error.errors()}


def test_unknown_fields_are_refused_so_a_typo_is_not_silently_dropped():
    document = _offer()
    document["data"]["package"]["base_salry"] = 1
    with pytest.raises(ValidationError) as caught:
        parse_inbound(json.dumps(document))
    assert "offer.received.data.package.base_salry" in _fields(caught.value)


def test_wrong_types_and_a_naive_timestamp_are_named():
    document = _offer()
    document["data"]["package"]["base_salary"] = "a lot"
    document["occurred_at"] = "2026-05-06T14:00:00"
    with pytest.raises(ValidationError) as caught:
        parse_inbound(json.dumps(document))
    assert {"offer.received.occurred_at", "offer.received.data.package.base_salary"} <= _fields(
        caught.value
    )


def test_the_tenant_cannot_be_set_in_the_body():
    document = _offer()
    document["tenant"] = "someone-else"
    with pytest.raises(ValidationError):
        parse_inbound(json.dumps(document))


def test_recommendation_ids_derive_from_tenant_person_trigger_and_kind():
    first = recommendation_id("acme", "p-1", "evt-1", "timing")
    assert first == recommendation_id("acme", "p-1", "evt-1", "timing")
    assert (
        len(
            {
                first,
                recommendation_id("acme", "p-1", "evt-1", "goal"),
                recommendation_id("other", "p-1", "evt-1", "timing"),
                recommendation_id("acme", "p-2", "evt-1", "timing"),
            }
        )
        == 4
    )


@pytest.mark.parametrize("event_type", EVENT_MODELS)
def test_the_eventbridge_samples_wrap_the_webhook_samples(event_type):
    # The console/`sam local invoke` test events of each event function.
    name = event_type.replace(".", "_")
    wrapped = json.loads((EVENTS / "eventbridge" / f"{name}.json").read_text())
    assert wrapped["detail-type"] == event_type
    assert wrapped["detail"]["event"] == json.loads((EVENTS / f"{name}.json").read_text())
    assert BusDetail[EVENT_MODELS[event_type]].model_validate(wrapped["detail"])


def test_the_api_gateway_sample_is_a_signed_offer():
    request = json.loads((EVENTS / "api_gateway" / "post_events.json").read_text())
    assert request["body"] == (EVENTS / "offer_received.json").read_text()
    signed_at = int(request["headers"]["webhook-timestamp"])
    admitted = admit(
        request["headers"], request["body"].encode(), lambda _: [SAMPLE_SECRET], now=signed_at
    )
    assert admitted.event.type == "offer.received"
