"""The email a person reads: a recommendation rendered as text and HTML, and as MIME.

Pure: no boto3 and no I/O beyond reading the two packaged templates (``templates/``),
so the notifier's adapter only has to hand :func:`to_mime`'s bytes to SES. Templates
are filled with :class:`string.Template` rather than Jinja to keep the layer small and
the cold start short; anything with structure (lists, paragraphs) is built here, and
every value that reaches the HTML part is escaped on the way in (see :class:`_Html`).

Each recommendation reads like a coach, in this order, the same in both parts: the ask
(the headline) and its one-sentence reason (the body's first paragraph); the first
:data:`FIRST_ACTIONS` things to do, with the deadline when there is one; a picture of
where the figures sit on the market's range (:class:`MarketRange`, drawn with tables and
inline styles only, with the same figures in words); any further actions; the rest of
the body; and last the figures with their sources and the rule that fired.
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from importlib import resources
from itertools import pairwise
from string import Template
from urllib.parse import urlsplit

from nextmove.contracts.events import Kind, ProfileData
from nextmove.contracts.recommendation import Evidence, MarketRange, RangeMark, Recommendation
from nextmove.domain import wording

__all__ = [
    "RenderedEmail",
    "format_evidence",
    "render_many",
    "to_mime",
]

WIDTH = 72
"""Plain-text line width: readable in any client, and quotes well in a reply."""

FIRST_ACTIONS = 3
"""Actions listed right under the ask, on a phone's first screen; the rest follow the
picture of the market."""


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
    lead: list[str]  # the body's first paragraph: the one-sentence reason
    details: list[list[str]]  # the rest of the body
    actions: list[str]
    deadline: date | None
    picture: MarketRange | None
    evidence: list[str]
    rule: str

    @property
    def first_actions(self) -> list[str]:
        return self.actions[:FIRST_ACTIONS]

    @property
    def later_actions(self) -> list[str]:
        return self.actions[FIRST_ACTIONS:]


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
    unsubscribe_url: str,
    digest: bool = False,
) -> RenderedEmail:
    """Render several recommendations as one email, in the order given (most urgent
    first: the first one's headline leads the subject).

    One recommendation that is not a digest renders as a single email. Several
    (what one event yielded, or a ``digest`` of held emails) open with a short list of
    their headlines, so every piece of advice is in the first lines, then give each its
    own section with the same parts as a single email.

    The footer links to the partner's ``preferences_url`` (which emails, how often) and
    to NextMove's one-click ``unsubscribe_url`` (the one ``List-Unsubscribe`` carries).
    """
    if not recs:
        raise ValueError("an email needs at least one recommendation")
    _check_url(preferences_url, schemes=("https", "http"))
    _check_unsubscribe_url(unsubscribe_url)
    links = (preferences_url, unsubscribe_url)
    views = [_view(rec) for rec in recs]
    greeting = f"Hi {_one_line(profile.name)}," if profile.name else "Hi there,"
    lead = views[0]
    if len(views) == 1 and not digest:
        return RenderedEmail(
            subject=lead.headline,
            text=_frame_text(_single_text(lead, greeting), *links),
            html=_frame_html(
                lead.headline,
                _preheader(lead),
                lead.style.accent,
                _single_html(lead, greeting),
                *links,
            ),
        )
    more = f" (+{len(views) - 1} more)" if len(views) > 1 else ""
    subject = f"{'Your NextMove digest: ' if digest else ''}{lead.headline}{more}"
    title = _DIGEST_TITLE if digest else _BUNDLE_TITLE
    intro = _DIGEST_INTRO if digest else _BUNDLE_INTRO
    return RenderedEmail(
        subject=subject,
        text=_frame_text(_many_text(views, title, greeting, intro), *links),
        html=_frame_html(
            subject,
            "; ".join(v.headline for v in views),
            lead.style.accent,
            _many_html(views, title, greeting, intro),
            *links,
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
    lead, *details = _paragraphs(rec.body) or [[]]
    picture = rec.market_range
    return _View(
        style=_KIND_STYLES[rec.kind],
        time_sensitive=rec.priority == "high",
        headline=_one_line(rec.headline),
        lead=lead,
        details=details,
        actions=[_one_line(a) for a in rec.actions if a.strip()],
        deadline=rec.deadline,
        picture=picture if picture is not None and picture.p90 > picture.p10 else None,
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
    raises ``ValueError`` (but http on this machine's loopback address, where the local
    stack's ``serve`` answers). ``date`` defaults to now (UTC).
    """
    _check_unsubscribe_url(unsubscribe_url)
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


def _frame_text(content: str, preferences_url: str, unsubscribe_url: str) -> str:
    # The URL sits on its own line, never wrapped, so it stays clickable.
    return _template("email.txt").substitute(
        content=content, preferences_url=preferences_url, unsubscribe_url=unsubscribe_url
    )


def _single_text(v: _View, greeting: str) -> str:
    return f"{_kind_line(v)}\n\n{greeting}\n\n{_recommendation_text(v)}"


def _many_text(views: list[_View], title: str, greeting: str, intro: str) -> str:
    contents = _numbered([v.headline for v in views])
    pad = " " * len(f"{len(views)}. ")  # as _numbered indents an item's later lines
    for i, v in enumerate(views):  # every ask with its first step, near the top
        if v.actions:
            contents[i] += "\n" + _wrap(f"First: {v.actions[0]}", first=pad, rest=pad)
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
    """One recommendation's text, in the order of the module docstring."""
    lead = "\n".join(_wrap(line) for line in v.lead)
    details = ["\n".join(_wrap(line) for line in para) for para in v.details]
    evidence = [_wrap(e, first="- ", rest="  ") for e in v.evidence]
    numbered = _numbered(v.actions)
    picture = [_wrap(line, first="- ", rest="  ") for line in _picture_lines(v.picture)]
    return (
        _underlined(v.headline, "=")
        + "\n\n"
        + (f"{lead}\n\n" if lead else "")
        + _text_section(_actions_title(v), numbered[:FIRST_ACTIONS])
        + _text_section(_PICTURE_TITLE, picture)
        + _text_section(_LATER_TITLE, numbered[FIRST_ACTIONS:])
        + _text_section(_DETAILS_TITLE, details, sep="\n\n")
        + _text_section(_FIGURES_TITLE, evidence)
        + _wrap(f"Why you got this: rule {v.rule}")
    )


_ACTIONS_TITLE = "What to do next"
_PICTURE_TITLE = "Where the figures sit on the market"
_LATER_TITLE = "After those"
_DETAILS_TITLE = "Why, in more detail"
_FIGURES_TITLE = "The figures behind this"


def _actions_title(v: _View) -> str:
    if v.deadline is None:
        return _ACTIONS_TITLE
    return f"{_ACTIONS_TITLE}, by {_day(v.deadline)}"


def _day(day: date) -> str:
    """'Wednesday 20 May 2026': unambiguous in every country, unlike 05/20."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def _picture_lines(picture: MarketRange | None) -> list[str]:
    """The picture in words: the text part's equivalent, and what a screen reader reads."""
    if picture is None:
        return []
    return [_range_sentence(picture), *(_mark_words(picture, mark) for mark in picture.marks)]


def _range_sentence(picture: MarketRange) -> str:
    def at(key: str, value: float) -> str:
        return _money(picture, value) + (" or more" if key in picture.top_coded else "")

    text = f"{picture.market}: {at('p10', picture.p10)} at the 10th percentile"
    if picture.p50 is not None:
        text += f", {at('p50', picture.p50)} at the median"
    text += f" and {at('p90', picture.p90)} at the 90th"
    if picture.p25 is not None and picture.p75 is not None:
        text += f"; the middle half earns {at('p25', picture.p25)} to {at('p75', picture.p75)}"
    return f"{text} ({picture.source} {picture.year})."


def _mark_words(picture: MarketRange, mark: RangeMark) -> str:
    placed = f", {mark.placed}" if mark.placed else ""
    return f"{mark.label}: {_money(picture, mark.value)}{placed}."


def _money(picture: MarketRange, value: float) -> str:
    return wording.money(value, picture.unit)


def _underlined(text: str, mark: str) -> str:
    wrapped = _wrap(text)
    return f"{wrapped}\n{mark * max(map(len, wrapped.splitlines()))}"


def _numbered(items: list[str]) -> list[str]:
    pad = len(f"{len(items)}. ")  # aligns item text once the list reaches 10
    return [_wrap(a, first=f"{i}. ".rjust(pad), rest=" " * pad) for i, a in enumerate(items, 1)]


def _text_section(title: str, items: list[str], *, sep: str = "\n") -> str:
    """A titled block ending in a blank line, or nothing when there is nothing to list."""
    if not items:
        return ""
    return f"{_underlined(title, '-')}\n" + sep.join(items) + "\n\n"


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
_SUBHEAD = Template(
    '<$h style="margin:22px 0 10px;font-size:18px;line-height:1.3;color:#111827;">$title</$h>'
)
_SECTION = Template(
    _SUBHEAD.template + '<$tag$start style="margin:0 0 16px;padding-left:24px;">$items</$tag>'
)
_LABELS = Template('<p style="margin:0 0 10px;">$labels</p>')
_H1 = Template(
    '<h1 class="nm-h1" style="margin:0 0 14px;font-size:26px;line-height:1.25;'
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


def _frame_html(
    title: str,
    preheader: str,
    accent: str,
    content: str,
    preferences_url: str,
    unsubscribe_url: str,
) -> str:
    return _fill_html(
        _template("email.html"),
        title=title,
        preheader=textwrap.shorten(preheader, width=140, placeholder="…"),
        accent=accent,
        content=_Html(content),
        preferences_url=preferences_url,
        unsubscribe_url=unsubscribe_url,
    )


def _single_html(v: _View, greeting: str) -> str:
    return (
        _labels_html(v)
        + _fill_html(_H1, text=v.headline)
        + _fill_html(_PARAGRAPH, text=greeting)
        + _recommendation_html(v, heading="h2")
    )


def _many_html(views: list[_View], title: str, greeting: str, intro: str) -> str:
    contents = _html_section("", "ol", [_contents_item(v) for v in views], heading="")
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


_FIRST_STEP = Template(
    '<br><span style="font-size:15px;line-height:1.5;color:#374151;">First: $action</span>'
)


def _contents_item(v: _View) -> _Html:
    """A bundle's list entry: the ask, and the first thing to do about it."""
    first = _fill_html(_FIRST_STEP, action=v.actions[0]) if v.actions else ""
    return _Html(f"<strong>{html.escape(v.headline)}</strong>{first}")


def _labels_html(v: _View) -> str:
    labels = _fill_html(_PILL, tint=v.style.tint, accent=v.style.accent, text=v.style.label)
    if v.time_sensitive:
        labels += _fill_html(_PILL, tint="#fee2e2", accent="#991b1b", text=_TIME_SENSITIVE)
    return _fill_html(_LABELS, labels=_Html(labels))


def _recommendation_html(v: _View, *, heading: str = "h3") -> str:
    """One recommendation below its headline, in the order of the module docstring."""
    details = "".join(_paragraph_html(para) for para in v.details)
    return (
        (_paragraph_html(v.lead) if v.lead else "")
        + _html_section(_actions_title(v), "ol", v.first_actions, heading=heading)
        + _picture_html(v, heading=heading)
        + _html_section(
            _LATER_TITLE, "ol", v.later_actions, heading=heading, start=FIRST_ACTIONS + 1
        )
        + (
            _fill_html(_SUBHEAD, h=_Html(heading), title=_DETAILS_TITLE) + details
            if details
            else ""
        )
        + _html_section(_FIGURES_TITLE, "ul", v.evidence, heading=heading)
        + _fill_html(_RULE, rule=v.rule)
    )


def _paragraph_html(lines: list[str]) -> str:
    return _fill_html(_PARAGRAPH, text=_Html("<br>".join(html.escape(line) for line in lines)))


def _html_section(title: str, tag: str, items: list[str], *, heading: str, start: int = 1) -> str:
    if not items:
        return ""
    lis = "".join(_fill_html(_LIST_ITEM, text=item) for item in items)
    begin = _Html(f' start="{start}"' if start != 1 else "")
    if not heading:
        return f'<{tag}{begin} style="margin:0 0 16px;padding-left:24px;">{lis}</{tag}>'
    return _fill_html(
        _SECTION, h=_Html(heading), title=title, tag=_Html(tag), start=begin, items=_Html(lis)
    )


# ---- the picture: where figures sit on the market's range -----------------------------
# Tables with percentage widths and background colours, nothing else: Gmail, Outlook's
# Word engine and Apple Mail all draw them, with no image to block. Each figure is a
# row: the market's 10th-90th percentile band (the middle half darker) with a mark at
# the figure. The bars are aria-hidden; the same figures in words sit beside them, so a
# screen reader (and anyone) reads the numbers.

_BAR_OUTSIDE = "#f3f4f6"  # beyond the 10th-90th percentile
_BAR_TAIL = "#d1d5db"  # 10th-25th and 75th-90th
_BAR_MIDDLE = "#9ca3af"  # the middle half, 25th-75th
_MARK_WIDTH = 2.0  # percent of the bar: about 7 px at 390 px
_BAR_CELL = Template(
    '<td width="$width%" height="14" style="width:$width%;height:14px;padding:0;'
    'background-color:$colour;font-size:0;line-height:0;mso-line-height-rule:exactly;">'
    "&nbsp;</td>"
)
_BAR = Template(
    '<table role="presentation" aria-hidden="true" width="100%" cellpadding="0" '
    'cellspacing="0" border="0" style="width:100%;border-collapse:collapse;'
    'margin:0 0 14px;"><tr>$cells</tr></table>'
)
_MARK_LABEL = Template(
    '<p style="margin:0 0 4px;font-size:15px;line-height:1.4;"><strong>$label</strong>'
    " $value$placed</p>"
)
_PICTURE_NOTE = Template(
    '<p style="margin:0 0 16px;font-size:14px;line-height:1.5;color:#4b5563;">$text</p>'
)


def _picture_html(v: _View, *, heading: str) -> str:
    picture = v.picture
    if picture is None:
        return ""
    lo = min(picture.p10, *(m.value for m in picture.marks))
    hi = max(picture.p90, *(m.value for m in picture.marks))
    pad = (hi - lo) * 0.04  # a mark at either end stays whole
    lo, hi = lo - pad, hi + pad
    rows = "".join(
        _fill_html(
            _MARK_LABEL,
            label=mark.label,
            value=_money(picture, mark.value),
            placed=f", {mark.placed}" if mark.placed else "",
        )
        + _bar_html(picture, lo, hi, mark.value, v.style.accent)
        for mark in picture.marks
    )
    return (
        _fill_html(_SUBHEAD, h=_Html(heading or "h3"), title=_PICTURE_TITLE)
        + rows
        + _scale_html(picture, lo, hi)
        + _fill_html(_PICTURE_NOTE, text=_range_sentence(picture) + _BAND_KEY)
    )


_BAND_KEY = (
    " Each bar is that market: light grey from the 10th to the 90th percentile, darker "
    "grey its middle half, and the dark mark the figure."
)
_SCALE = Template(
    '<table role="presentation" aria-hidden="true" width="100%" cellpadding="0" '
    'cellspacing="0" border="0" style="width:100%;border-collapse:collapse;'
    'margin:-8px 0 10px;"><tr>$before<td width="$width%" style="width:$width%;padding:0;">'
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
    'style="width:100%;"><tr><td align="left" style="$label">$left</td><td align="right" '
    'style="$label">$right</td></tr></table></td>$after</tr></table>'
)
_SCALE_LABEL = "padding:0;font-size:12px;line-height:1.4;color:#4b5563;"


def _scale_html(picture: MarketRange, lo: float, hi: float) -> str:
    """The band's two ends, under the last bar: '10th $115,580' and '90th $291,790'."""
    edges = [lo, picture.p10, picture.p90, hi]
    left, band, right = _whole_percents([(b - a) / (hi - lo) * 100 for a, b in pairwise(edges)])
    more = " or more" if "p90" in picture.top_coded else ""

    def pad(width: int) -> str:
        return f'<td width="{width}%" style="width:{width}%;padding:0;"></td>' if width else ""

    return _fill_html(
        _SCALE,
        before=_Html(pad(left)),
        width=str(band),
        label=_SCALE_LABEL,
        left=f"10th {_money(picture, picture.p10)}",
        right=f"90th {_money(picture, picture.p90)}{more}",
        after=_Html(pad(right)),
    )


def _bar_html(picture: MarketRange, lo: float, hi: float, at: float, accent: str) -> str:
    """One bar from ``lo`` to ``hi``: the market's band with a mark at ``at``."""
    inner_lo = picture.p25 if picture.p25 is not None else picture.p10
    inner_hi = picture.p75 if picture.p75 is not None else picture.p90

    def colour(x: float) -> str:
        if x < picture.p10 or x > picture.p90:
            return _BAR_OUTSIDE
        return _BAR_MIDDLE if inner_lo <= x <= inner_hi else _BAR_TAIL

    span = hi - lo
    mark = (at - lo) / span * 100
    half = _MARK_WIDTH / 2
    start, end = max(0.0, mark - half), min(100.0, mark + half)
    edges = sorted(
        {0.0, start, end, 100.0}
        | {
            (p - lo) / span * 100
            for p in (picture.p10, inner_lo, inner_hi, picture.p90)
            if lo < p < hi
        }
    )
    cells: list[tuple[float, str]] = []
    for left, right in pairwise(edges):
        if right - left <= 0:
            continue
        middle = (left + right) / 2
        shade = accent if start <= middle <= end else colour(lo + middle / 100 * span)
        if cells and cells[-1][1] == shade:
            cells[-1] = (cells[-1][0] + right - left, shade)
        else:
            cells.append((right - left, shade))
    widths = _whole_percents([width for width, _ in cells])
    tds = "".join(
        _BAR_CELL.substitute(width=width, colour=shade)
        for width, (_, shade) in zip(widths, cells, strict=True)
        if width > 0
    )
    return _BAR.substitute(cells=tds)


def _whole_percents(widths: list[float]) -> list[int]:
    """Widths summing to 100 as whole percents (largest remainder), which every client
    lays out alike; a mark keeps at least 1%."""
    floors = [max(1, math.floor(w)) if w >= 0.5 else math.floor(w) for w in widths]
    rest = 100 - sum(floors)
    order = sorted(range(len(widths)), key=lambda i: widths[i] - floors[i], reverse=True)
    for i in order[: max(rest, 0)]:
        floors[i] += 1
    while sum(floors) > 100:  # only when many cells were lifted to 1%
        widest = max(range(len(floors)), key=floors.__getitem__)
        floors[widest] -= 1
    return floors


def _preheader(v: _View) -> str:
    """The inbox preview line, beside the subject (the ask): the ask's reason, not "View
    in browser" noise."""
    return " ".join(v.lead)


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


_LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]"})


def _check_unsubscribe_url(url: str) -> None:
    """https (RFC 8058), or http to the loopback address: the local stack's ``serve``,
    which no mailbox provider ever sees."""
    parts = urlsplit(url)
    if parts.scheme == "http" and parts.netloc.rsplit(":", 1)[0] in _LOOPBACK:
        _check_url(url, schemes=("http",))
    else:
        _check_url(url, schemes=("https",))
    if len(url) > _MAX_URL:
        raise ValueError(f"unsubscribe_url is longer than {_MAX_URL} characters")


def _check_url(url: str, *, schemes: tuple[str, ...]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.netloc or re.search(r"[\s<>\"]", url):
        raise ValueError(f"expected an absolute {'/'.join(schemes)} URL, got {url!r}")
