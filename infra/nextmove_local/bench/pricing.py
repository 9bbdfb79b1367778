"""What AWS calls cost: AWS's list prices, and one event's calls priced with them."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

# AWS list prices, us-east-1, in USD, from each service's public pricing page
# (https://aws.amazon.com/<service>/pricing/), as published in 2025 and recorded here on
# 2026-11-26 without a live check (this machine has no network but the package
# registries): re-check before quoting them. Free tiers are left out on purpose.
PRICES_SOURCE = (
    "aws.amazon.com/{lambda,api-gateway,eventbridge,dynamodb,sns,sqs,ses,secrets-manager}"
    "/pricing: us-east-1 list prices as published in 2025, recorded 2026-11-26"
)
PRICES = {
    "lambda_request": 0.20 / 1e6,  # per invocation
    "lambda_gb_second_arm64": 0.0000133334,  # Graviton, first 6 billion GB-s a month
    "apigw_http_request": 1.00 / 1e6,  # HTTP API, first 300 million a month, per 512 KB
    "eventbridge_put_event": 1.00 / 1e6,  # custom events, per 64 KB chunk
    "dynamodb_wru": 0.625 / 1e6,  # on-demand write request unit (1 KB; 2 per KB in a transaction)
    "dynamodb_rru": 0.125 / 1e6,  # on-demand read request unit (4 KB strongly consistent)
    "dynamodb_stream_read_lambda": 0.0,  # GetRecords by a Lambda trigger is free
    "sns_publish": 0.50 / 1e6,  # per 64 KB chunk; PublishBatch bills each message
    "sns_to_sqs_delivery": 0.0,  # SNS charges nothing to deliver to SQS
    "sqs_request": 0.40 / 1e6,  # standard queue, per 64 KB chunk
    "ses_email": 0.10 / 1000,  # per email sent
    "secretsmanager_call": 0.05 / 10_000,  # per API call
}
MEMORY_GB = 0.5  # template.yaml Globals.Function.MemorySize 512


def cost(calls: list[dict[str, Any]], duration_ms: dict[str, float]) -> dict[str, Any]:
    """USD per million events from one event's calls. Lambda: one invocation of each
    function that ran (conservative: a stream or queue batch may carry several events)
    at its measured warm duration, rounded up to the millisecond as Lambda bills."""
    p = PRICES
    invoked = {c["function"] for c in calls} | {"WebhookFunction"}
    usd: dict[str, float] = defaultdict(float)
    usd["lambda"] = sum(
        p["lambda_request"]
        + p["lambda_gb_second_arm64"] * MEMORY_GB * math.ceil(duration_ms.get(fn, 0)) / 1000
        for fn in invoked
    )
    usd["api_gateway"] = p["apigw_http_request"]
    unpriced = set()
    for call in calls:
        service, op, params = call["service"], call["operation"], call["params"]
        if service == "dynamodb":
            usd["dynamodb"] += p["dynamodb_wru"] * call["wru"] + p["dynamodb_rru"] * call.get(
                "rru", 0
            )
        elif service == "events" and op == "PutEvents":
            usd["eventbridge"] += p["eventbridge_put_event"] * len(params["Entries"])
        elif service == "sns" and op in {"Publish", "PublishBatch"}:
            messages = call["sns_messages"]
            usd["sns"] += p["sns_publish"] * messages
            # Each message on to the email queue: SNS's send, the trigger's receive and
            # delete (conservative: the trigger receives and deletes in batches).
            usd["sqs"] += p["sqs_request"] * 3 * messages
        elif service in {"ses", "sesv2"} and op in {"SendRawEmail", "SendEmail"}:
            usd["ses"] += p["ses_email"]
        elif service == "secretsmanager":
            usd["secrets_manager"] += p["secretsmanager_call"]
        elif service == "ssm" and op == "GetParameter":
            usd["ssm"] += 0.0  # standard parameters at standard throughput: no charge
        elif service == "sqs":
            usd["sqs"] += p["sqs_request"]
        else:
            unpriced.add(f"{service}:{op}")
    result: dict[str, Any] = {k: v * 1e6 for k, v in usd.items()}
    if unpriced:
        result["unpriced_calls"] = sorted(unpriced)
    return result
