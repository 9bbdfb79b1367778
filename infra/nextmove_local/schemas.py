"""events/schemas: the published JSON Schemas, generated from the pydantic contracts."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from nextmove_local.template import ROOT

SCHEMAS = ROOT / "events" / "schemas"


def generated() -> dict[str, dict[str, Any]]:
    """File name -> schema, for every inbound event type, the union the webhook accepts,
    and the outbound recommendation."""
    from nextmove.contracts import EVENT_MODELS, InboundEvent, Recommendation

    # Named like the event's function folder and sample: offer.received -> offer_received.
    found = {
        f"{name.replace('.', '_')}.schema.json": model.model_json_schema()
        for name, model in EVENT_MODELS.items()
    }
    found["event.schema.json"] = TypeAdapter(InboundEvent).json_schema()
    found["recommendation.schema.json"] = Recommendation.model_json_schema()
    for name, schema in found.items():
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://nextmove.example/schemas/{name}"
    return found


def write_schemas(*, check: bool = False) -> list[str]:
    """Write the schemas (or, with ``check``, only compare). Returns the names that differed."""
    SCHEMAS.mkdir(parents=True, exist_ok=True)
    differ = []
    for name, schema in generated().items():
        text = json.dumps(schema, indent=2, sort_keys=True) + "\n"
        path = SCHEMAS / name
        if not path.exists() or path.read_text() != text:
            differ.append(name)
            if not check:
                path.write_text(text)
    return differ
