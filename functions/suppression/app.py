"""SES's feedback on NextMove's emails: a hard bounce or a complaint suppresses the
address for its person, soft bounces are counted, a delivery confirms the address."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

from nextmove.adapters import business_metrics, config, suppressions
from nextmove.contracts.ses import SesEvent

# Cold start: every variable the function reads, or an error naming what is missing.
CONFIG = config.load(config.SuppressionConfig)
logger = Logger()
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="detail.mail.messageId", clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ses_event = SesEvent.model_validate(event["detail"])
    business_metrics.count_by("EmailFeedback", "type", [ses_event.eventType])
    folded = suppressions.record_ses_event(ses_event)
    if folded is None:
        # Not an email NextMove sent (another sender using the configuration set).
        logger.warning("feedback without NextMove's tags", extra={"type": ses_event.eventType})
        return {"suppressed": 0}
    logger.append_keys(tenant=folded.tenant, person_id=folded.person_id)
    metrics.add_metric(name="Suppressions", unit=MetricUnit.Count, value=len(folded.suppressed))
    # Ids and kinds only: the address stays out of the log.
    logger.info("feedback", extra={"type": ses_event.eventType, "suppressed": folded.suppressed})
    return {"suppressed": len(folded.suppressed)}
