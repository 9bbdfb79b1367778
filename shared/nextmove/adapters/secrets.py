"""Partners' webhook signing secrets, from one Secrets Manager secret.

The secret's value is a JSON object: {"<tenant>": ["whsec_...", "whsec_..."]}. Two
secrets for one tenant verify side by side while a partner rotates, so rotation is an
edit of the secret, never a deploy. Values are cached for a few minutes per container.
"""

from __future__ import annotations

import json
import time

from nextmove.adapters.aws import client, setting

CACHE_SECONDS = 300
_cache: tuple[float, dict[str, list[str]]] | None = None


def tenant_secrets(tenant: str) -> list[str]:
    """The active secrets of ``tenant`` (empty for an unknown tenant)."""
    global _cache
    now = time.monotonic()
    if _cache is None or now - _cache[0] > CACHE_SECONDS:
        raw = client("secretsmanager").get_secret_value(SecretId=setting("WEBHOOK_SECRETS_ARN"))
        _cache = (now, json.loads(raw["SecretString"]))
    secrets = _cache[1].get(tenant, [])
    return [secrets] if isinstance(secrets, str) else list(secrets)


def forget() -> None:
    """Drop the cache (after a rotation in tests and in the local stack)."""
    global _cache
    _cache = None
