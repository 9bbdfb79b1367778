"""events/schemas and events/openapi.yaml: the published contracts, generated from the
pydantic models and the webhook's table of refusals, so neither can drift from the code."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml
from pydantic import TypeAdapter

from nextmove_local.template import ROOT

SCHEMAS = ROOT / "events" / "schemas"
OPENAPI = ROOT / "events" / "openapi.yaml"


def generated() -> dict[str, dict[str, Any]]:
    """File name -> schema, for every inbound event type, the union the webhook accepts,
    the outbound recommendation and the notices beside it on the topic."""
    from nextmove.contracts import EVENT_MODELS, InboundEvent, Recommendation
    from nextmove.contracts.notices import EmailUnsubscribed

    # Named like the event's function folder and sample: offer.received -> offer_received.
    found = {
        f"{name.replace('.', '_')}.schema.json": model.model_json_schema()
        for name, model in EVENT_MODELS.items()
    }
    found["event.schema.json"] = TypeAdapter(InboundEvent).json_schema()
    found["recommendation.schema.json"] = Recommendation.model_json_schema()
    found["email_unsubscribed.schema.json"] = EmailUnsubscribed.model_json_schema()
    for name, schema in found.items():
        _define_once(schema, "OccupationCode")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://nextmove.example/schemas/{name}"
    return found


def _define_once(schema: dict[str, Any], name: str) -> None:
    """The occupation codes' enum (about 1,900 codes) once in ``$defs``, referenced from
    every field that takes one, rather than copied into each."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if len(node.get("enum", ())) > 1000:
                found.append(node)
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    if not found:
        return
    shared = {key: found[0][key] for key in ("type", "pattern", "enum") if key in found[0]}
    for node in found:
        for key in shared:
            node.pop(key, None)
        node["$ref"] = f"#/$defs/{name}"
    schema.setdefault("$defs", {})[name] = shared


def openapi(schemas: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 description of the HTTP API: ``POST /events`` (the Standard
    Webhooks headers, the event union of ``event.schema.json`` as the body, and every
    answer with its JSON body) and the emails' one-click ``/unsubscribe/{token}``."""
    from nextmove.intake import MAX_BODY_BYTES, REFUSALS, TENANT_HEADER
    from nextmove.signing import TOLERANCE_SECONDS

    union = copy.deepcopy((schemas or generated())["event.schema.json"])
    # The union's $defs become components, so every tool resolves them from this one file.
    components: dict[str, Any] = {
        name: _components_refs(schema) for name, schema in union.pop("$defs").items()
    }
    for key in ("$id", "$schema"):
        union.pop(key)
    components["Event"] = _components_refs(union)
    components["Accepted"] = {
        "type": "object",
        "properties": {
            "id": {"type": "string", "description": "The event's id, as sent."},
            "status": {"const": "accepted"},
        },
        "required": ["id", "status"],
        "additionalProperties": False,
    }
    components["Error"] = {
        "type": "object",
        "description": "A refusal: nothing was stored or published.",
        "properties": {
            "error": {"type": "string", "enum": sorted(REFUSALS)},
            "message": {"type": "string", "minLength": 1, "description": "The problem, in words."},
            "details": {
                "type": "array",
                "description": "For invalid_event: each bad field (the value sent is not echoed).",
                "items": {
                    "type": "object",
                    "properties": {
                        "field": {"type": "string", "description": "Dotted path, e.g. data.level"},
                        "problem": {"type": "string"},
                    },
                    "required": ["field", "problem"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["error", "message"],
        "additionalProperties": False,
    }
    responses: dict[str, Any] = {
        "202": {
            "description": "Accepted: the event is on the bus (a redelivery changes nothing).",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}},
        }
    }
    for status in sorted({status for status, _ in REFUSALS.values()}):
        errors = {error: when for error, (code, when) in REFUSALS.items() if code == status}
        responses[str(status)] = {
            "description": "; ".join(f"`{error}`: {when}" for error, when in errors.items()),
            "content": {
                "application/json": {
                    "schema": {
                        "allOf": [
                            {"$ref": "#/components/schemas/Error"},
                            {"properties": {"error": {"enum": list(errors)}}},
                        ]
                    }
                }
            },
        }

    def header(name: str, description: str, **schema: Any) -> dict[str, Any]:
        return {
            "name": name,
            "in": "header",
            "required": True,
            "description": description,
            "schema": {"type": "string", "minLength": 1, **schema},
        }

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "NextMove HTTP API",
            "version": "1",
            "description": (
                "Partners post career events, signed the Standard Webhooks way "
                "(https://www.standardwebhooks.com): HMAC-SHA256 of "
                "`{webhook-id}.{webhook-timestamp}.{body}` with the partner's secret. Generated "
                "from the contracts by `make schemas`; a test fails when it drifts."
            ),
        },
        "servers": [
            {"url": "http://127.0.0.1:3000", "description": "`nextmove serve` (the local stack)"},
            {
                "url": "https://{api}.execute-api.{region}.amazonaws.com",
                "description": "The deployed stack's EventsUrl output, without /events.",
                "variables": {"api": {"default": "api-id"}, "region": {"default": "us-east-1"}},
            },
        ],
        "paths": {
            "/events": {
                "post": {
                    "operationId": "postEvent",
                    "summary": "Send one career event.",
                    "parameters": [
                        header("webhook-id", "Unique message id; part of what is signed."),
                        header(
                            "webhook-timestamp",
                            f"Unix seconds; more than {TOLERANCE_SECONDS} s from now is refused.",
                            pattern="^[0-9]+$",
                        ),
                        header(
                            "webhook-signature",
                            "`v1,<base64 HMAC-SHA256>`; several, space-separated, while a "
                            "secret rotates.",
                        ),
                        header(
                            TENANT_HEADER,
                            "The partner: its secrets verify the signature and it is part of "
                            "every stored key. Never taken from the body.",
                        ),
                    ],
                    "requestBody": {
                        "required": True,
                        "description": f"One event, at most {MAX_BODY_BYTES} bytes.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Event"}}
                        },
                    },
                    "responses": responses,
                }
            },
            "/unsubscribe/{token}": _unsubscribe_paths(),
        },
        "components": {"schemas": components},
    }


def _unsubscribe_paths() -> dict[str, Any]:
    """GET and POST of the link in every email's List-Unsubscribe (RFC 8058)."""
    from nextmove.unsubscribe import ONE_CLICK

    token = {
        "name": "token",
        "in": "path",
        "required": True,
        "description": "The person's signed token, as the email's link holds it.",
        "schema": {"type": "string", "minLength": 1},
    }
    refusal = {
        "type": "object",
        "properties": {
            "error": {
                "type": "string",
                "enum": ["malformed_token", "bad_signature", "not_one_click"],
            },
            "message": {"type": "string", "minLength": 1},
        },
        "required": ["error", "message"],
        "additionalProperties": False,
    }
    page = {"text/html": {"schema": {"type": "string"}}}
    return {
        "get": {
            "operationId": "showUnsubscribe",
            "summary": "The page with the Unsubscribe button; changes nothing.",
            "description": "Link scanners fetch every link, so a GET never unsubscribes.",
            "parameters": [token],
            "responses": {
                "200": {"description": "The confirmation page.", "content": page},
                "400": {"description": "A link cut short: nothing changed.", "content": page},
                "403": {"description": "A link NextMove did not make.", "content": page},
            },
        },
        "post": {
            "operationId": "unsubscribe",
            "summary": "One-click unsubscribe (RFC 8058): no more email to the person.",
            "description": (
                "Takes effect before the next send; idempotent. The partner is told on the "
                "recommendations topic (message_type email.unsubscribed). A newer "
                "profile.updated subscribes the person again."
            ),
            "parameters": [token],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "properties": {"List-Unsubscribe": {"const": "One-Click"}},
                            "required": ["List-Unsubscribe"],
                        },
                        "example": ONE_CLICK,
                    },
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {"List-Unsubscribe": {"const": "One-Click"}},
                            "required": ["List-Unsubscribe"],
                        }
                    },
                },
            },
            "responses": {
                "200": {
                    "description": "Unsubscribed (HTML when the request accepts text/html).",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"status": {"const": "unsubscribed"}},
                                "required": ["status"],
                            }
                        },
                        **page,
                    },
                },
                "400": {
                    "description": "`malformed_token`: a link cut short; `not_one_click`: the "
                    f"body is not {ONE_CLICK}. Nothing changed.",
                    "content": {"application/json": {"schema": refusal}},
                },
                "403": {
                    "description": "`bad_signature`: a link NextMove did not make (forged, "
                    "altered, another partner's person). Nothing changed.",
                    "content": {"application/json": {"schema": refusal}},
                },
            },
        },
    }


def _components_refs(schema: Any) -> Any:
    """``schema`` with its ``#/$defs/X`` references (and discriminator mappings) pointing
    at ``#/components/schemas/X``."""
    if isinstance(schema, dict):
        return {key: _components_refs(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_components_refs(value) for value in schema]
    if isinstance(schema, str) and schema.startswith("#/$defs/"):
        return "#/components/schemas/" + schema.removeprefix("#/$defs/")
    return schema


def write_schemas(*, check: bool = False) -> list[str]:
    """Write the schemas and the OpenAPI spec (or, with ``check``, only compare). Returns
    the names that differed."""
    SCHEMAS.mkdir(parents=True, exist_ok=True)
    schemas = generated()
    texts = {
        SCHEMAS / name: json.dumps(schema, indent=2, sort_keys=True) + "\n"
        for name, schema in schemas.items()
    }
    texts[OPENAPI] = "# Generated by `make schemas` from the contracts: do not edit.\n" + yaml.dump(
        openapi(schemas), Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True
    )
    differ = []
    for path, text in texts.items():
        if not path.exists() or path.read_text() != text:
            differ.append(path.name)
            if not check:
                path.write_text(text)
    return differ


class _Dumper(yaml.SafeDumper):  # type: ignore[misc]  # yaml is untyped (Any) here
    """Block-style YAML without anchors: the spec is read by people as well as tools."""

    def ignore_aliases(self, data: Any) -> bool:
        return True
