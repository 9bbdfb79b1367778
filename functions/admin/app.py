"""Operators' admin function, invoked from the Lambda console with a test event
(events/admin/): recompute, export, delete or resend for one person.

A bad request is answered with a result naming each bad field, not an error, so the
console shows it plainly. The log says what was done (operation, ids, counts), never
what an export holds.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from nextmove.adapters import admin, config
from nextmove.contracts.admin import (
    DeleteRequest,
    ExportRequest,
    RecomputeRequest,
    ResendRequest,
    parse_admin_request,
    problems,
)

# Cold start: every variable the function reads, or an error naming what is missing.
CONFIG = config.load(config.AdminConfig)
logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event: Any, context: Any) -> dict[str, Any]:
    try:
        request = parse_admin_request(event)
    except ValidationError as error:
        details = problems(error)
        logger.info("rejected", extra={"details": details})
        return {"ok": False, "error": "invalid_request", "details": details}
    logger.append_keys(
        operation=request.operation, tenant=request.tenant, person_id=request.person_id
    )
    try:
        match request:
            case RecomputeRequest():
                result = admin.recompute(request.tenant, request.person_id)
            case ExportRequest():
                result = admin.export(request.tenant, request.person_id, after=request.after)
            case DeleteRequest():
                result = admin.delete(request.tenant, request.person_id)
            case ResendRequest():
                result = admin.resend(request.tenant, request.person_id, request.recommendation_id)
    except admin.Refused as refused:
        logger.info("refused", extra={"error": refused.error})
        return {"ok": False, "error": refused.error, "message": str(refused)}
    logger.info("done", extra={k: v for k, v in result.items() if k != "document"})
    return {"ok": True, "operation": request.operation, **result}
