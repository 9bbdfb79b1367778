"""Partners' webhook signing secrets, from one Secrets Manager secret.

The secret's value is a JSON object: {"<tenant>": ["whsec_...", "whsec_..."]}. Two
secrets for one tenant verify side by side while a partner rotates, so rotation is an
edit of the secret, never a deploy. Values are cached for a few minutes per container.
"""

from __future__ import annotations

import json
import time

from nextmove.adapters.aws import client, container, setting

CACHE_SECONDS = 300
# Per container: (when read, the secret's value).
_cache: dict[str, tuple[float, dict[str, list[str]]]] = {}


def tenant_secrets(tenant: str) -> list[str]:
    """The active secrets of ``tenant`` (empty for an unknown tenant)."""
    now = time.monotonic()
    cached = _cache.get(container())
    if cached is None or now - cached[0] > CACHE_SECONDS:
        raw = client("secretsmanager").get_secret_value(SecretId=setting("WEBHOOK_SECRETS_ARN"))
        cached = _cache[container()] = (now, json.loads(raw["SecretString"]))
    secrets = cached[1].get(tenant, [])
    return [secrets] if isinstance(secrets, str) else list(secrets)


def forget() -> None:
    """Drop the cache (after a rotation in tests and in the local stack)."""
    _cache.clear()
