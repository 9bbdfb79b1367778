"""One-click unsubscribe (RFC 8058): the signed token in every email's link, what a
request to that link asks for, and the page a person sees. Pure: the key comes from
Secrets Manager (``adapters/secrets.unsubscribe_key``), the write from
``adapters/suppressions.unsubscribe``.

A token names one person of one partner, and proves NextMove made it:

    token   = base64url(payload) "." base64url(mac)       (no padding)
    payload = "<tenant>/<person_id>"
    mac     = HMAC-SHA256(key, "unsubscribe:v1/" + payload), first 16 bytes

Identifiers never contain "/" (``contracts.events.Identifier``), so the payload splits
one way only. The MAC is 128 bits, so a forger's guesses (one request each, through
the API's throttling) never find one; it is compared in constant time. The tenant is
inside what is signed, so a token cannot be moved to another partner's person.

Per person, not per kind: the mailbox providers ask for one click that stops the email,
and a person who wants some kinds chooses them on the partner's preferences page (the
email's second link). No expiry: a link in an email read months later must still work
(RFC 8058 and the providers expect it to), and all a token can do is stop email to the
person it names, which a newer ``profile.updated`` from the partner undoes. Changing the
key (a new secret value) retires every link already sent, so it is not rotated on a
schedule.
"""

from __future__ import annotations

import base64
import binascii
import email.parser
import hashlib
import hmac
import html
import re
from dataclasses import dataclass
from email import policy
from urllib.parse import parse_qs

__all__ = [
    "ONE_CLICK",
    "BadToken",
    "Subscriber",
    "confirmation_page",
    "done_page",
    "invalid_page",
    "is_one_click",
    "make_token",
    "read_token",
    "url_for",
]

ONE_CLICK = "List-Unsubscribe=One-Click"
"""The body RFC 8058 has the mail client POST (and the ``List-Unsubscribe-Post`` value)."""

MAC_BYTES = 16  # 128 bits of HMAC-SHA256
_CONTEXT = b"unsubscribe:v1/"  # the key signs nothing else under this prefix
_IDENTIFIER = re.compile(r"[A-Za-z0-9._:@-]{1,128}")
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
MAX_TOKEN = 400  # two 128-character identifiers and the MAC, base64url, with room


class BadToken(ValueError):
    """The token is not one NextMove made; ``error`` names why, safe to show the caller."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


@dataclass(frozen=True)
class Subscriber:
    """Whose email a token stops."""

    tenant: str
    person_id: str


def make_token(key: bytes, tenant: str, person_id: str) -> str:
    """The token for ``tenant``'s ``person_id``."""
    for name, value in (("tenant", tenant), ("person_id", person_id)):
        if not _IDENTIFIER.fullmatch(value):
            raise ValueError(f"{name} {value!r} is not an identifier")
    payload = f"{tenant}/{person_id}".encode()
    return f"{_b64(payload)}.{_b64(_mac(key, payload))}"


def read_token(key: bytes, token: str) -> Subscriber:
    """Whose token it is, or :class:`BadToken`: ``malformed_token`` for one that is not
    shaped like a token (truncated, padded, other characters), ``bad_signature`` for one
    whose MAC does not match (forged, tampered, another tenant's person)."""
    if len(token) > MAX_TOKEN or token.count(".") != 1:
        raise BadToken("malformed_token", "the unsubscribe link is not complete")
    encoded_payload, encoded_mac = token.split(".")
    try:
        payload, given = _unb64(encoded_payload), _unb64(encoded_mac)
    except ValueError:
        raise BadToken("malformed_token", "the unsubscribe link is not complete") from None
    if len(given) != MAC_BYTES:
        raise BadToken("malformed_token", "the unsubscribe link is not complete")
    # Checked before the payload is read, so nothing unsigned is ever parsed.
    if not hmac.compare_digest(_mac(key, payload), given):
        raise BadToken("bad_signature", "the unsubscribe link was not made by NextMove")
    tenant, _, person_id = payload.decode().partition("/")
    return Subscriber(tenant=tenant, person_id=person_id)


def url_for(template: str, token: str) -> str:
    """The link: ``template`` (the UNSUBSCRIBE_URL setting) with ``{token}`` filled in."""
    if "{token}" not in template:
        raise ValueError("the unsubscribe URL template has no {token}")
    return template.replace("{token}", token)


def is_one_click(body: bytes, content_type: str) -> bool:
    """Whether a POST's body is RFC 8058's ``List-Unsubscribe=One-Click``, as the mail
    clients send it: a URL-encoded form (Gmail, Yahoo, the page's own button) or
    ``multipart/form-data`` (RFC 8058 allows both)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "multipart/form-data":
        return _multipart_field(body, content_type, "List-Unsubscribe") == "One-Click"
    try:
        fields = parse_qs(body.decode("ascii"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return False
    return fields.get("List-Unsubscribe") == ["One-Click"]


def _multipart_field(body: bytes, content_type: str, name: str) -> str | None:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    try:
        message = email.parser.BytesParser(policy=policy.HTTP).parsebytes(head + body)
    except Exception:  # a body the parser cannot read is not the one-click form
        return None
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        disposition = part.get("content-disposition")
        if disposition is not None and disposition.params.get("name") == name:
            content = part.get_payload(decode=True)
            return content.decode("ascii", "replace").strip() if isinstance(content, bytes) else ""
    return None


def confirmation_page() -> str:
    """What a GET of the link shows: a button that POSTs the one-click form to the same
    link (a form without ``action`` posts to the page's own URL). A GET never
    unsubscribes: link scanners and previews fetch every link."""
    return _page(
        "Unsubscribe from NextMove's emails?",
        "You will get no more career advice by email from NextMove. You can ask for it "
        "again by turning email back on in your career platform's settings.",
        '<form method="post">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit" style="font-size:16px;padding:10px 20px;border:0;'
        'border-radius:6px;background:#1e40af;color:#ffffff;cursor:pointer;">'
        "Unsubscribe</button></form>",
    )


def done_page() -> str:
    """What the person sees after the button: it is done."""
    return _page(
        "You are unsubscribed",
        "NextMove will send you no more email. To get it again, turn email back on in "
        "your career platform's settings.",
        "",
    )


def invalid_page(message: str) -> str:
    """A link that is not NextMove's (or is cut short): nothing was changed."""
    return _page(
        "This unsubscribe link does not work",
        f"{message.capitalize()}, so nothing was changed. Use the link in the footer of "
        "the email itself, or your career platform's email settings.",
        "",
    )


def _page(title: str, text: str, form: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{html.escape(title)}</title></head>"
        "<body style=\"font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,"
        "Helvetica,Arial,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;"
        'color:#1f2937;line-height:1.5;">'
        f'<h1 style="font-size:22px;">{html.escape(title)}</h1>'
        f"<p>{html.escape(text)}</p>{form}</body></html>"
    )


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, _CONTEXT + payload, hashlib.sha256).digest()[:MAC_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    """Strict base64url without padding: the one spelling ``_b64`` writes, so a token
    has one form (no padding, no stray characters, no non-zero trailing bits)."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error:
        raise ValueError("not base64url") from None
    if _b64(data) != text:
        raise ValueError("not canonical base64url")
    return data
