"""SES: the last hop, a raw MIME message so what we render is exactly what is sent."""

from __future__ import annotations

import re

from botocore.exceptions import ClientError

from nextmove.adapters.aws import client

# SES's error messages name the addresses involved ("...failed the check in region
# US-EAST-1: sender, recipient"); an error's message ends up in the logs.
_ADDRESS = re.compile(r"[^@\s,;:<>\"']+@[^@\s,;:<>\"']+")


class SendFailed(RuntimeError):
    """SES did not take the email; the message keeps SES's words but no address."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"SES {code}: {_ADDRESS.sub('<address>', message)}")
        self.code = code


def send_raw(message: bytes, *, sender: str, to: str) -> str:
    """Send one rendered email; returns SES's message id. Raises ``SendFailed``."""
    try:
        response = client("ses").send_raw_email(
            Source=sender, Destinations=[to], RawMessage={"Data": message}
        )
    except ClientError as error:
        details = error.response.get("Error", {})
        # from None: the original error, with the addresses, must not ride along.
        raise SendFailed(details.get("Code", "Unknown"), details.get("Message", "")) from None
    message_id: str = response["MessageId"]
    return message_id
