"""SES's feedback on NextMove's emails: a hard bounce or a complaint suppresses the
address for its person, soft bounces are counted, a delivery confirms the address."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

from nextmove.adapters import business_metrics, config, ses, suppressions
from nextmove.contracts.ses import SesEvent
from nextmove.domain import suppression

# Cold start: every variable the function reads, or an error naming what is missing.
CONFIG = config.load(config.SuppressionConfig)
logger = Logger()
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="detail.mail.messageId", clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ses_event = SesEvent.model_validate(event["detail"])
    tenant, person = ses_event.tag(ses.TENANT_TAG), ses_event.tag(ses.PERSON_TAG)
    business_metrics.count_by("EmailFeedback", "type", [ses_event.eventType])
    if tenant is None or person is None:
        # Not an email NextMove sent (another sender on the configuration set).
        logger.warning("feedback without NextMove's tags", extra={"type": ses_event.eventType})
        return {"suppressed": 0}
    tenant, person = ses.from_tag(tenant), ses.from_tag(person)
    logger.append_keys(tenant=tenant, person_id=person)
    newly = [
        feedback.kind
        for feedback in suppression.feedback_of(ses_event)
        if suppressions.record_feedback(tenant, person, feedback)
    ]
    metrics.add_metric(name="Suppressions", unit=MetricUnit.Count, value=len(newly))
    # The address stays out of the log: the person's ids say whose it is.
    logger.info("feedback", extra={"type": ses_event.eventType, "suppressed": newly})
    return {"suppressed": len(newly)}
