"""The email a person reads: a recommendation rendered as text and HTML, and as MIME.

Pure: no boto3 and no I/O beyond reading the two packaged templates (``templates/``),
so the notifier's adapter only has to hand :func:`to_mime`'s bytes to SES. Templates
are filled with :class:`string.Template` rather than Jinja to keep the layer small and
the cold start short; anything with structure (lists, paragraphs) is built here, and
every value that reaches the HTML part is escaped on the way in (see :class:`_Html`).
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from importlib import resources
from string import Template
from urllib.parse import urlsplit

from nextmove.contracts.events import Kind, ProfileData
from nextmove.contracts.recommendation import Evidence, Recommendation
from nextmove.domain import wording

__all__ = [
    "RenderedEmail",
    "format_evidence",
    "render_many",
    "to_mime",
]

WIDTH = 72
"""Plain-text line width: readable in any client, and quotes well in a reply."""


@dataclass(frozen=True)
class RenderedEmail:
    """One recommendation as the person will read it."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class _KindStyle:
    label: str
    accent: str  # text colour of the label; >= 6:1 against ``tint`` (WCAG AA needs 4.5)
    tint: str


_KIND_STYLES: dict[Kind, _KindStyle] = {
    "timing": _KindStyle("Timing your move", "#1e40af", "#dbeafe"),
    "negotiation": _KindStyle("Negotiation", "#065f46", "#d1fae5"),
    "goal": _KindStyle("Your goal", "#5b21b6", "#ede9fe"),
    "skills": _KindStyle("Skills to build", "#92400e", "#fef3c7"),
    "wellbeing": _KindStyle("Wellbeing", "#9d174d", "#fce7f3"),
}
_TIME_SENSITIVE = "Time-sensitive"


@dataclass(frozen=True)
class _View:
    """One recommendation as both parts show it, worked out once so the text and HTML
    cannot disagree."""

    style: _KindStyle
    time_sensitive: bool
    headline: str
    paragraphs: list[list[str]]
    actions: list[str]
    evidence: list[str]
    rule: str


class _Html(str):
    """Markup built here from already-escaped parts; :func:`_fill_html` escapes anything else.

    Escaping at the one place values enter the HTML template, by type, means a new
    placeholder cannot be added unescaped by accident.
    """

    __slots__ = ()


# ---- public API ----------------------------------------------------------------------


def render_many(
    recs: list[Recommendation],
    profile: ProfileData,
    *,
    preferences_url: str,
    digest: bool = False,
) -> RenderedEmail:
    """Render several recommendations as one email, in the order given (most urgent
    first: the first one's headline leads the subject).

    One recommendation that is not a digest renders as a single email. Several
    (what one event yielded, or a ``digest`` of held emails) open with a short list of
    their headlines, so every piece of advice is in the first lines, then give each its
    own section with the same parts as a single email.
    """
    if not recs:
        raise ValueError("an email needs at least one recommendation")
    _check_url(preferences_url, schemes=("https", "http"))
    views = [_view(rec) for rec in recs]
    greeting = f"Hi {_one_line(profile.name)}," if profile.name else "Hi there,"
    lead = views[0]
    if len(views) == 1 and not digest:
        return RenderedEmail(
            subject=lead.headline,
            text=_frame_text(_single_text(lead, greeting), preferences_url),
            html=_frame_html(
                lead.headline,
                _preheader(lead.paragraphs),
                lead.style.accent,
                _single_html(lead, greeting),
                preferences_url,
            ),
        )
    more = f" (+{len(views) - 1} more)" if len(views) > 1 else ""
    subject = f"{'Your NextMove digest: ' if digest else ''}{lead.headline}{more}"
    title = _DIGEST_TITLE if digest else _BUNDLE_TITLE
    intro = _DIGEST_INTRO if digest else _BUNDLE_INTRO
    return RenderedEmail(
        subject=subject,
        text=_frame_text(_many_text(views, title, greeting, intro), preferences_url),
        html=_frame_html(
            subject,
            "; ".join(v.headline for v in views),
            lead.style.accent,
            _many_html(views, title, greeting, intro),
            preferences_url,
        ),
    )


_BUNDLE_TITLE = "Your next moves"
_BUNDLE_INTRO = "Your latest update gave us more than one thing to suggest, most urgent first:"
_DIGEST_TITLE = "Your NextMove digest"
_DIGEST_INTRO = (
    "We held this advice back so that you are not emailed too often, or during your "
    "quiet hours. Here it is together, most urgent first:"
)


def _view(rec: Recommendation) -> _View:
    return _View(
        style=_KIND_STYLES[rec.kind],
        time_sensitive=rec.priority == "high",
        headline=_one_line(rec.headline),
        paragraphs=_paragraphs(rec.body),
        actions=[_one_line(a) for a in rec.actions if a.strip()],
        evidence=[format_evidence(e) for e in rec.evidence],
        rule=rec.rule,
    )


# Parts are encoded when set, under policy.SMTP (quoted-printable lines of 76). The
# headers are then written under a policy that lets a line run to RFC 5322's hard limit
# of 998: at the default 78 the email package RFC 2047-encodes a long URL in
# List-Unsubscribe, which no client can then read.
_HEADERS_998 = policy.SMTP.clone(max_line_length=998)
_MAX_URL = 900  # keeps "List-Unsubscribe: <url>" on one line under 998
_MSG_ID_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,200}$")  # RFC 5322 dot-atom text


def to_mime(
    email: RenderedEmail,
    *,
    sender: str,
    to: str,
    message_id_domain: str = "nextmove.local",
    rec_id: str,
    unsubscribe_url: str,
    date: datetime | None = None,
) -> bytes:
    """Build the raw message (for SES ``SendRawEmail`` or the local outbox) as bytes.

    ``multipart/alternative`` with text/plain first and text/html last (clients show the
    last part they can render), UTF-8, quoted-printable. The Message-ID is derived from
    ``rec_id`` only, so a redelivered recommendation yields an identical message (SES
    replaces Message-ID and Date with its own on send, so this matters for the local
    outbox and for logs, not for inbox deduplication). ``List-Unsubscribe`` plus
    ``List-Unsubscribe-Post`` give RFC 8058 one-click unsubscribe, which large mailbox
    providers require of bulk senders; RFC 8058 requires an https URL, so anything else
    raises ``ValueError``. ``date`` defaults to now (UTC).
    """
    _check_url(unsubscribe_url, schemes=("https",))
    if len(unsubscribe_url) > _MAX_URL:
        raise ValueError(f"unsubscribe_url is longer than {_MAX_URL} characters")
    if not _MSG_ID_LOCAL.fullmatch(rec_id) or ".." in rec_id or rec_id.strip(".") != rec_id:
        raise ValueError(f"rec_id {rec_id!r} cannot form a Message-ID")
    if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?", message_id_domain):
        raise ValueError(f"message_id_domain {message_id_domain!r} is not a domain name")

    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = email.subject
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    msg["Message-ID"] = f"<{rec_id}@{message_id_domain}>"
    msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Automated mail (RFC 3834): tells auto-responders not to reply with out-of-office notes.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(email.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(email.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return msg.as_bytes(policy=_HEADERS_998)


def format_evidence(evidence: Evidence) -> str:
    """One figure in plain words, e.g.
    ``Market median: $135,980 — BLS OEWS May 2025, 15-1252 Software Developers, national``.
    """
    source = f"{evidence.source} {evidence.year}".strip()
    if evidence.detail:
        source = f"{source}, {evidence.detail}"
    return _one_line(f"{evidence.label}: {_format_value(evidence.value, evidence.unit)} — {source}")


# ---- figures -------------------------------------------------------------------------


def _format_value(value: float | str, unit: str | None) -> str:
    """A value with its unit, the way a person would write it."""
    if isinstance(value, str):
        # Already words (e.g. "75th percentile"); only append a unit it lacks.
        if not unit or value.endswith(unit):
            return value
        return f"{value}%" if unit == "%" else f"{value} {unit}"
    if not math.isfinite(value):
        return "not available"  # a NaN must not read as a figure, nor crash the email
    if unit and re.fullmatch(r"[A-Z]{3}(/\w+)?", unit):  # an ISO 4217 currency
        currency, _, per = unit.partition("/")  # "USD/hour" -> "$65.38 per hour"
        return wording.money(value, currency, cents=True) + (f" per {per}" if per else "")
    if unit == "%":
        return f"{wording.number(value, decimals=2)}%"
    number = wording.number(value, decimals=2)
    if not unit:
        return number
    if value == 1 and unit.endswith("s") and len(unit) > 2:
        unit = unit[:-1]  # "1 year", not "1 years"
    return f"{number} {unit}"


# ---- text part -----------------------------------------------------------------------


def _frame_text(content: str, preferences_url: str) -> str:
    # The URL sits on its own line, never wrapped, so it stays clickable.
    return _template("email.txt").substitute(content=content, preferences_url=preferences_url)


def _single_text(v: _View, greeting: str) -> str:
    return f"{_kind_line(v)}\n\n{greeting}\n\n{_recommendation_text(v)}"


def _many_text(views: list[_View], title: str, greeting: str, intro: str) -> str:
    contents = _numbered([v.headline for v in views])
    sections = [
        f"{'-' * WIDTH}\n{i}. {_kind_line(v)}\n\n{_recommendation_text(v)}"
        for i, v in enumerate(views, 1)
    ]
    return "\n\n".join(
        [_underlined(title, "="), greeting, _wrap(intro), "\n".join(contents), *sections]
    )


def _kind_line(v: _View) -> str:
    return v.style.label + (f" · {_TIME_SENSITIVE}" if v.time_sensitive else "")


def _recommendation_text(v: _View) -> str:
    """Headline, advice, actions, figures and the rule: one recommendation's text."""
    body = "\n\n".join("\n".join(_wrap(line) for line in para) for para in v.paragraphs)
    evidence = [_wrap(e, first="- ", rest="  ") for e in v.evidence]
    return (
        f"{_underlined(v.headline, '=')}\n\n{body}\n\n"
        + _text_section("What to do next", _numbered(v.actions))
        + _text_section("The figures behind this", evidence)
        + _wrap(f"Why you got this: rule {v.rule}")
    )


def _underlined(text: str, mark: str) -> str:
    wrapped = _wrap(text)
    return f"{wrapped}\n{mark * max(map(len, wrapped.splitlines()))}"


def _numbered(items: list[str]) -> list[str]:
    pad = len(f"{len(items)}. ")  # aligns item text once the list reaches 10
    return [_wrap(a, first=f"{i}. ".rjust(pad), rest=" " * pad) for i, a in enumerate(items, 1)]


def _text_section(title: str, items: list[str]) -> str:
    """A titled block ending in a blank line, or nothing when there is nothing to list."""
    if not items:
        return ""
    return f"{title}\n{'-' * len(title)}\n" + "\n".join(items) + "\n\n"


def _wrap(text: str, *, first: str = "", rest: str = "") -> str:
    # Long words (URLs, figures) are kept whole and hyphenated terms such as
    # "Time-sensitive" or "15-1252" are never split across lines.
    return textwrap.fill(
        text,
        width=WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )


# ---- HTML part -----------------------------------------------------------------------

_PILL = Template(
    '<span style="display:inline-block;margin:0 6px 6px 0;padding:3px 10px;'
    "border-radius:999px;background-color:$tint;color:$accent;font-size:12px;"
    'font-weight:700;letter-spacing:0.04em;text-transform:uppercase;">$text</span>'
)
_PARAGRAPH = Template('<p style="margin:0 0 16px;">$text</p>')
_LIST_ITEM = Template('<li style="margin:0 0 8px;padding-left:4px;">$text</li>')
_SECTION = Template(
    '<$h style="margin:28px 0 12px;font-size:18px;line-height:1.3;color:#111827;">$title</$h>'
    '<$tag style="margin:0 0 16px;padding-left:24px;">$items</$tag>'
)
_LABELS = Template('<p style="margin:0 0 10px;">$labels</p>')
_H1 = Template(
    '<h1 class="nm-h1" style="margin:0 0 20px;font-size:26px;line-height:1.25;'
    'font-weight:700;color:#111827;">$text</h1>'
)
_H2 = Template(
    '<h2 class="nm-h2" style="margin:0 0 16px;font-size:22px;line-height:1.3;'
    'font-weight:700;color:#111827;">$text</h2>'
)
_RULE = Template(
    '<p style="margin:28px 0 0;padding-top:16px;border-top:1px solid #e5e7eb;font-size:13px;'
    'line-height:1.5;color:#4b5563;">Why you got this: rule <code style="font-family:Menlo,'
    'Consolas,monospace;font-size:12px;">$rule</code></p>'
)
_DIVIDER = _Html('<hr style="margin:36px 0 24px;border:0;border-top:2px solid #e5e7eb;">')


def _frame_html(title: str, preheader: str, accent: str, content: str, preferences_url: str) -> str:
    return _fill_html(
        _template("email.html"),
        title=title,
        preheader=textwrap.shorten(preheader, width=140, placeholder="…"),
        accent=accent,
        content=_Html(content),
        preferences_url=preferences_url,
    )


def _single_html(v: _View, greeting: str) -> str:
    return (
        _labels_html(v)
        + _fill_html(_H1, text=v.headline)
        + _fill_html(_PARAGRAPH, text=greeting)
        + _recommendation_html(v, heading="h2")
    )


def _many_html(views: list[_View], title: str, greeting: str, intro: str) -> str:
    contents = _html_section("", "ol", [v.headline for v in views], heading="")
    sections = "".join(
        _DIVIDER + _labels_html(v) + _fill_html(_H2, text=v.headline) + _recommendation_html(v)
        for v in views
    )
    return (
        _fill_html(_H1, text=title)
        + _fill_html(_PARAGRAPH, text=greeting)
        + _fill_html(_PARAGRAPH, text=intro)
        + contents
        + sections
    )


def _labels_html(v: _View) -> str:
    labels = _fill_html(_PILL, tint=v.style.tint, accent=v.style.accent, text=v.style.label)
    if v.time_sensitive:
        labels += _fill_html(_PILL, tint="#fee2e2", accent="#991b1b", text=_TIME_SENSITIVE)
    return _fill_html(_LABELS, labels=_Html(labels))


def _recommendation_html(v: _View, *, heading: str = "h3") -> str:
    """Advice, actions, figures and the rule: one recommendation below its headline."""
    body = "".join(
        _fill_html(_PARAGRAPH, text=_Html("<br>".join(html.escape(line) for line in para)))
        for para in v.paragraphs
    )
    return (
        body
        + _html_section("What to do next", "ol", v.actions, heading=heading)
        + _html_section("The figures behind this", "ul", v.evidence, heading=heading)
        + _fill_html(_RULE, rule=v.rule)
    )


def _html_section(title: str, tag: str, items: list[str], *, heading: str) -> str:
    if not items:
        return ""
    lis = "".join(_fill_html(_LIST_ITEM, text=item) for item in items)
    if not heading:
        return f'<{tag} style="margin:0 0 16px;padding-left:24px;">{lis}</{tag}>'
    return _fill_html(_SECTION, h=_Html(heading), title=title, tag=_Html(tag), items=_Html(lis))


def _preheader(paragraphs: list[list[str]]) -> str:
    """The inbox preview line: the start of the advice, not "View in browser" noise."""
    return " ".join(paragraphs[0]) if paragraphs else ""


def _fill_html(template: Template, **values: str) -> str:
    """Substitute ``values``, HTML-escaping every one that is not already :class:`_Html`."""
    return template.substitute(
        {k: v if isinstance(v, _Html) else html.escape(v, quote=True) for k, v in values.items()}
    )


# ---- helpers -------------------------------------------------------------------------


@cache
def _template(name: str) -> Template:
    """A packaged template, read once per container."""
    text = resources.files("nextmove").joinpath("templates", name).read_text(encoding="utf-8")
    return Template(text)


def _paragraphs(body: str) -> list[list[str]]:
    """Blank lines separate paragraphs; single line breaks inside one are kept."""
    blocks = re.split(r"\n\s*\n", body.replace("\r\n", "\n").strip())
    paras = [[" ".join(line.split()) for line in block.splitlines()] for block in blocks]
    return [[line for line in para if line] for para in paras if any(para)]


def _one_line(text: str) -> str:
    """Collapse whitespace: a subject or list item must not carry a line break."""
    return " ".join(text.split())


def _check_url(url: str, *, schemes: tuple[str, ...]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.netloc or re.search(r"[\s<>\"]", url):
        raise ValueError(f"expected an absolute {'/'.join(schemes)} URL, got {url!r}")
