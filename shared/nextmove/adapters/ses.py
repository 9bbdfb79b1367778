"""SES: the last hop, a raw MIME message so what we render is exactly what is sent.

Every send names the configuration set (``SES_CONFIGURATION_SET``), whose event
destination brings SES's bounce, complaint and delivery events back to the suppression
function, and tags the email with the tenant and the person, which SES copies into
each of those events (``mail.tags``) so the feedback finds its person without a lookup.
"""

from __future__ import annotations

import re

from botocore.exceptions import ClientError

from nextmove.adapters.aws import client, setting

# SES's error messages name the addresses involved ("...failed the check in region
# US-EAST-1: sender, recipient"); an error's message ends up in the logs.
_ADDRESS = re.compile(r"[^@\s,;:<>\"']+@[^@\s,;:<>\"']+")
TENANT_TAG = "nextmove-tenant"
PERSON_TAG = "nextmove-person"
# A tag value may hold only ASCII letters, digits, "_" and "-", at most 256 of them
# (SES's MessageTag). Identifiers may also hold ".", ":" and "@", so those are escaped
# with "_", itself doubled: at most two characters each, so 128 fit.
_ESCAPES = {"_": "__", ".": "_d", ":": "_c", "@": "_a"}
_UNESCAPES = {v[1]: k for k, v in _ESCAPES.items()}


class SendFailed(RuntimeError):
    """SES did not take the email; the message keeps SES's words but no address."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"SES {code}: {_ADDRESS.sub('<address>', message)}")
        self.code = code


def send_raw(message: bytes, *, sender: str, to: str, tenant: str, person_id: str) -> str:
    """Send one rendered email; returns SES's message id. Raises ``SendFailed``."""
    try:
        response = client("ses").send_raw_email(
            Source=sender,
            Destinations=[to],
            RawMessage={"Data": message},
            ConfigurationSetName=setting("SES_CONFIGURATION_SET"),
            Tags=[
                {"Name": TENANT_TAG, "Value": tag_value(tenant)},
                {"Name": PERSON_TAG, "Value": tag_value(person_id)},
            ],
        )
    except ClientError as error:
        details = error.response.get("Error", {})
        # from None: the original error, with the addresses, must not ride along.
        raise SendFailed(details.get("Code", "Unknown"), details.get("Message", "")) from None
    message_id: str = response["MessageId"]
    return message_id


def tag_value(identifier: str) -> str:
    """An identifier as a value SES accepts in a message tag (reversed by ``from_tag``)."""
    return "".join(_ESCAPES.get(c, c) for c in identifier)


def from_tag(value: str) -> str:
    """The identifier ``tag_value`` encoded; ValueError for a value it cannot have made."""
    out, chars = [], iter(value)
    for c in chars:
        if c != "_":
            out.append(c)
            continue
        escaped = next(chars, "")
        if escaped not in _UNESCAPES:
            raise ValueError("not a NextMove tag value")
        out.append(_UNESCAPES[escaped])
    return "".join(out)
