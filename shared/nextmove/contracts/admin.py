"""What an operator asks the admin function to do: one JSON object per invocation,
typed in the Lambda console as a test event (samples in ``events/admin/``).

    {"operation": "recompute" | "export" | "delete", "tenant": ..., "person_id": ...}
    {"operation": "resend", "tenant": ..., "person_id": ..., "recommendation_id": ...}
    {"operation": "export", ..., "after": "<sort key>"}   the next page of a large export
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from nextmove.contracts.events import Contract, Identifier

OPERATIONS = ("recompute", "export", "delete", "resend")


class PersonRequest(Contract):
    tenant: Identifier = Field(description="The partner, as in the person's stored keys.")
    person_id: Identifier


class RecomputeRequest(PersonRequest):
    """Re-derive the person's recommendations from their stored facts; write the missing."""

    operation: Literal["recompute"]


class ExportRequest(PersonRequest):
    """Everything held about the person, as one JSON document (paged when large)."""

    operation: Literal["export"]
    after: str | None = Field(
        default=None, max_length=1024, description="The `next_after` of the previous page."
    )


class DeleteRequest(PersonRequest):
    """Delete every row of the person: record, facts, recommendations, email claims."""

    operation: Literal["delete"]


class ResendRequest(PersonRequest):
    """Send one recommendation's email again, once."""

    operation: Literal["resend"]
    recommendation_id: Identifier


AdminRequest = Annotated[
    RecomputeRequest | ExportRequest | DeleteRequest | ResendRequest,
    Field(discriminator="operation"),
]
_admin = TypeAdapter(AdminRequest)


def parse_admin_request(
    event: Any,
) -> RecomputeRequest | ExportRequest | DeleteRequest | ResendRequest:
    """Validate an admin request; raises ``pydantic.ValidationError`` naming each bad field."""
    return _admin.validate_python(event)


def problems(error: ValidationError) -> list[dict[str, str]]:
    """Each bad field by its dotted path, without echoing the submitted value."""
    details = []
    for problem in error.errors(include_url=False, include_input=False):
        # The discriminated union adds the operation to the path: drop it for the reader.
        path = [str(p) for p in problem["loc"] if str(p) not in OPERATIONS]
        field = ".".join(path) or "operation"
        message = problem["msg"]
        if problem["type"] in ("union_tag_invalid", "union_tag_not_found"):
            message = f"operation must be one of {', '.join(OPERATIONS)}"
        details.append({"field": field, "problem": message})
    return details
