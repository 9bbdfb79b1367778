"""job.changed: keep the career history; close the window, restart tenure, ask for the next role."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import Metrics

from nextmove.adapters import business_metrics, config, settings, store
from nextmove.contracts import BusDetail, JobChanged

# Cold start: every variable the function reads, or an error naming what is missing.
CONFIG = config.load(config.RecordConfig)
logger = Logger()
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="detail.event.id", clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    detail = BusDetail[JobChanged].model_validate(event["detail"])
    logger.append_keys(tenant=detail.tenant, person_id=detail.event.person_id)
    recorded = store.record_event(detail.tenant, detail.event, thresholds=settings.thresholds)
    summary = recorded.summary(detail.event)
    logger.info("recorded", extra=summary)
    business_metrics.event_recorded(metrics, detail.event.type, recorded)
    return summary
