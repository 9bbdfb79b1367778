"""The tunable thresholds, from one SSM parameter, cached for a few minutes per container.

The parameter (``THRESHOLDS_PARAMETER``, ``/nextmove/<env>/thresholds`` in the template)
holds the JSON of ``nextmove.domain.thresholds.Thresholds``; keys left out keep their
defaults. An operator edits it in the console (Systems Manager > Parameter Store) and
every container picks the change up within ``CACHE_SECONDS``: no deploy. A value that
does not validate is an error naming the parameter, so a typo fails loudly (the events
wait in their DLQ for a redrive) instead of coaching with half a setting.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from nextmove.adapters.aws import client, container, setting
from nextmove.domain.thresholds import Thresholds

CACHE_SECONDS = 300
# Per container, a provider over this package's ssm client (its retry config and
# credentials), remade when that client is (the local stack points at a new endpoint).
_providers: dict[str, tuple[Any, Any]] = {}


def thresholds() -> Thresholds:
    """The thresholds in force: the parameter's values over the defaults."""
    name = setting("THRESHOLDS_PARAMETER")
    raw = _ssm().get(name, transform="json", max_age=CACHE_SECONDS)
    try:
        return Thresholds.model_validate(raw or {})
    except ValidationError as error:
        raise ValueError(f"SSM parameter {name} is not valid thresholds: {error}") from None


def forget() -> None:
    """Drop the cached values, as their expiry would (tests and the local stack)."""
    _providers.clear()


def _ssm() -> Any:
    # Imported here: the parameters utility imports boto3 and every provider, which only
    # the functions that read thresholds should pay for at cold start.
    from aws_lambda_powertools.utilities.parameters import SSMProvider

    ssm = client("ssm")
    made = _providers.get(container())
    if made is None or made[0] is not ssm:
        made = _providers[container()] = (ssm, SSMProvider(boto3_client=ssm))
    return made[1]
