"""What each function reads from its environment, declared and checked at cold start.

Each function's handler module loads its model (``load(NotifierConfig)``) when Lambda
imports it, so a deploy that forgot a variable fails at the first cold start, naming
every variable missing, rather than halfway through an event. The template gives each
function exactly the variables its model names (``tests/unit/test_function_config.py``
checks both ways), and the adapters read them with ``aws.setting``.
"""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, ValidationError


class FunctionConfig(BaseModel):
    """What every function's libraries read: Powertools' logger and metrics, pydantic."""

    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)

    POWERTOOLS_SERVICE_NAME: str
    POWERTOOLS_LOG_LEVEL: str
    POWERTOOLS_METRICS_NAMESPACE: str
    PYDANTIC_DISABLE_PLUGINS: str


class WebhookConfig(FunctionConfig):
    BUS_NAME: str
    WEBHOOK_SECRETS_ARN: str


class RecordConfig(FunctionConfig):
    """goal.updated and profile.updated: the record, no tunable threshold."""

    TABLE_NAME: str


class TunedRecordConfig(RecordConfig):
    """success.recorded, offer.received, feelings.checked_in: their rules read the
    operators' thresholds too."""

    THRESHOLDS_PARAMETER: str


class PublisherConfig(FunctionConfig):
    TOPIC_ARN: str


class EmailConfig(FunctionConfig):
    """The notifier and the digest: they read and write the mailbox rows and send."""

    TABLE_NAME: str
    THRESHOLDS_PARAMETER: str
    SENDER_EMAIL: str
    PREFERENCES_URL: str
    SES_CONFIGURATION_SET: str
    UNSUBSCRIBE_URL: str  # the one-click link, with {token}; its key in the secret below
    UNSUBSCRIBE_SECRET_ARN: str


class SuppressionConfig(FunctionConfig):
    """The suppression function: SES's feedback into the person's SUPPRESSION row."""

    TABLE_NAME: str


class UnsubscribeConfig(FunctionConfig):
    """The unsubscribe function: checks the link's token, records the unsubscribe in the
    person's SUPPRESSION row and tells the partner on the topic (or parks the notice in
    its DLQ when the topic refuses it)."""

    TABLE_NAME: str
    TOPIC_ARN: str
    NOTICE_DLQ_URL: str
    UNSUBSCRIBE_SECRET_ARN: str


class AdminConfig(FunctionConfig):
    """recompute folds the facts with the thresholds the live path uses."""

    TABLE_NAME: str
    THRESHOLDS_PARAMETER: str
    EMAIL_QUEUE_URL: str


def load[C: FunctionConfig](model: type[C]) -> C:
    """``model`` from the environment; an error naming each missing variable."""
    try:
        return model.model_validate(dict(os.environ))
    except ValidationError as error:
        missing = sorted(str(e["loc"][0]) for e in error.errors())
        raise RuntimeError(
            f"{model.__name__}: environment variable(s) {', '.join(missing)} not set; "
            "see template.yaml"
        ) from None
