"""SES: the last hop, a raw MIME message so what we render is exactly what is sent."""

from __future__ import annotations

from nextmove.adapters.aws import client


def send_raw(message: bytes, *, sender: str, to: str) -> str:
    """Send one rendered email; returns SES's message id."""
    response = client("ses").send_raw_email(
        Source=sender, Destinations=[to], RawMessage={"Data": message}
    )
    return response["MessageId"]
