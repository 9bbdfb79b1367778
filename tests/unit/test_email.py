"""The email a person reads: what they see in each part, and what their mail client gets."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import pytest

from nextmove.contracts.events import NotificationPreferences, ProfileData
from nextmove.contracts.recommendation import (
    KINDS,
    Evidence,
    MarketRange,
    RangeMark,
    Recommendation,
)
from nextmove.domain.email_policy import wants_email
from nextmove.email import RenderedEmail, format_evidence, render_many, to_mime

PREFS_URL = "https://app.nextmove.example/preferences?token=t0k3n&person=p-42"
UNSUB_URL = "https://app.nextmove.example/unsubscribe?token=t0k3n&person=p-42"
SENDER = "NextMove <advice@nextmove.example>"
CREATED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

OEWS = {"source": "BLS OEWS", "year": "May 2025"}
SWE = "15-1252 Software Developers, national"

# One realistic recommendation per kind, as the domain rules would write them, with the
# plain words a reader should see for each figure.
SCENARIOS: dict[str, dict] = {
    "timing": {
        "priority": "high",
        "headline": "Your move: ask for the bigger role while your launch is fresh",
        "body": (
            "You recorded a major success: Checkout v2 launched and added $2.4M ARR. "
            "For the next few months you are at your most valuable: people remember the "
            "win, and you have fresh proof of what you can do.\n\n"
            "Advocate for the bigger role inside first; if the answer is no, target "
            "your goal role outside while the story is still current."
        ),
        "actions": [
            "Book 30 minutes with your manager this week and name the role you want next.",
            "Write a one-page summary of the launch: the problem, what you led, the result.",
            "Update your CV and LinkedIn with the launch while the details are fresh.",
        ],
        "evidence": [
            (
                Evidence(label="Market median", value=135980, unit="USD", detail=SWE, **OEWS),
                f"Market median: $135,980 — BLS OEWS May 2025, {SWE}",
            ),
            (
                Evidence(label="Days since the launch", value=12, unit="days", **OEWS),
                "Days since the launch: 12 days — BLS OEWS May 2025",
            ),
        ],
        "rule": "timing.window_opened",
    },
    "negotiation": {
        "priority": "high",
        "headline": "Counter Northwind's offer at $158,000: it sits below the market median",
        "body": (
            "Northwind offered $128,000 base for a Senior Software Engineer in Austin, TX. "
            "That is below the local market median, so there is room to ask. Anchor on "
            "the market for the new role, not on what you earn today.\n\n"
            "The deadline is 14 March: you have time to ask for a day or two to decide."
        ),
        "actions": [
            "Reply with thanks and ask for the counter of $158,000 base.",
            "Ask whether the sign-on bonus can cover the bonus you would leave behind.",
            "Take the time the deadline allows before you accept.",
        ],
        "evidence": [
            (
                Evidence(
                    label="Market median",
                    value=142310.0,
                    unit="USD",
                    source="BLS OEWS",
                    year="May 2025",
                    detail="15-1252 Software Developers, Austin-Round Rock-San Marcos, TX",
                ),
                "Market median: $142,310 — BLS OEWS May 2025, 15-1252 Software Developers, "
                "Austin-Round Rock-San Marcos, TX",
            ),
            (
                Evidence(label="Offer percentile", value=31.5, unit="%", **OEWS),
                "Offer percentile: 31.5% — BLS OEWS May 2025",
            ),
            (
                Evidence(label="Hourly median", value=68.5, unit="USD/hour", **OEWS),
                "Hourly median: $68.50 per hour — BLS OEWS May 2025",
            ),
            (
                Evidence(
                    label="Raise against current pay",
                    value=12.0,
                    unit="%",
                    source="NextMove",
                    year="2026",
                ),
                "Raise against current pay: 12% — NextMove 2026",
            ),
        ],
        "rule": "negotiation.offer_below_market",
        "extra": {
            "deadline": date(2026, 3, 14),
            "market_range": MarketRange(
                market="Software Developers, Austin-Round Rock-San Marcos, TX (metro area)",
                unit="USD",
                p10=89_000,
                p25=112_000,
                p50=142_310,
                p75=171_000,
                p90=204_000,
                marks=[
                    RangeMark(label="Your current base", value=114_000, placed="about the 26th"),
                    RangeMark(label="The offer's base", value=128_000, placed="about the 31st"),
                    RangeMark(label="Your counter", value=158_000, placed="about the 63rd"),
                ],
                source="BLS OEWS",
                year="May 2025",
            ),
        },
    },
    "goal": {
        "priority": "normal",
        "headline": "Make your goal specific: name the role, the company and the year",
        "body": (
            '"Become an executive" is hard to act on. "Become VP Engineering at a Series C '
            'fintech by 2029" tells you which skills, projects and people matter.'
        ),
        "actions": [
            "Name the level: VP Engineering.",
            "Name the kind and size of company: a Series C fintech.",
            "Set the year: 2029.",
        ],
        "evidence": [
            (
                Evidence(
                    label="Goal specificity",
                    value=2,
                    unit="of 5 parts",
                    source="NextMove goal rubric",
                    year="v1",
                ),
                "Goal specificity: 2 of 5 parts — NextMove goal rubric v1",
            ),
        ],
        "rule": "goal.not_specific",
    },
    "skills": {
        "priority": "normal",
        "headline": "Build team leadership next: it is what engineering managers are hired for",
        "body": (
            "You are heading for Engineering Manager. You already have system design and "
            "mentoring; the role also asks for hiring, delivery planning and feedback."
        ),
        "actions": [
            "Run the hiring loop for your team's next opening.",
            "Own the delivery plan for one quarter's roadmap.",
        ],
        "evidence": [
            (
                Evidence(
                    label="Skills the role needs that you have",
                    value="3 of 7",
                    source="O*NET",
                    year="29.1",
                    detail="11-9041 Engineering Managers",
                ),
                "Skills the role needs that you have: 3 of 7 — O*NET 29.1, "
                "11-9041 Engineering Managers",
            ),
        ],
        "rule": "skills.gap_for_target",
    },
    "wellbeing": {
        "priority": "low",
        "headline": "Feeling overwhelmed? Set one goal and let the rest wait",
        "body": (
            "You checked in as overwhelmed twice this month and have no goal on record. "
            "A single, specific goal makes it easier to say no to the rest."
        ),
        "actions": ["Write down one role you would like to hold in two years."],
        "evidence": [
            (
                Evidence(
                    label="Overwhelmed check-ins",
                    value=1,
                    unit="times",
                    source="Your check-ins",
                    year="March 2026",
                ),
                "Overwhelmed check-ins: 1 time — Your check-ins March 2026",
            ),
        ],
        "rule": "wellbeing.overwhelmed_without_goal",
    },
}


def render_one(rec: Recommendation, profile: ProfileData, *, preferences_url: str) -> RenderedEmail:
    """One recommendation as its own email (not a digest)."""
    return render_many([rec], profile, preferences_url=preferences_url, unsubscribe_url=UNSUB_URL)


def make_profile(**overrides: object) -> ProfileData:
    fields: dict[str, object] = {
        "email": "ana.souza@example.com",
        "name": "Ana Souza",
        "current_role": "Senior Software Engineer",
        "current_level": "senior",
        "location": {"city": "Austin", "state": "TX"},
    }
    return ProfileData.model_validate(fields | overrides)


def make_rec(kind: str, **overrides: object) -> Recommendation:
    scenario = SCENARIOS[kind]
    fields = (
        {
            "priority": scenario["priority"],
            "headline": scenario["headline"],
            "body": scenario["body"],
            "actions": scenario["actions"],
            "evidence": [e for e, _ in scenario["evidence"]],
            "rule": scenario["rule"],
        }
        | scenario.get("extra", {})
        | overrides
    )
    return Recommendation.create(
        tenant="acme",
        person_id="p-42",
        trigger_event_id=f"evt-{kind}",
        kind=kind,  # type: ignore[arg-type]
        created_at=CREATED,
        **fields,
    )


def words(text: str) -> str:
    """What a reader reads, whatever the line wrapping."""
    return " ".join(text.split())


def visible(markup: str) -> str:
    """The HTML part's visible text: tags dropped, entities decoded, whitespace collapsed."""
    hidden = r'<head>.*?</head>|<!--.*?-->|<div style="display:none[^"]*">.*?</div>'
    body = re.sub(f"(?s){hidden}", " ", markup)
    return words(html.unescape(re.sub(r"<[^>]+>", " ", body)))


def mime(email: RenderedEmail, rec_id: str = "rec-1", **overrides: object) -> EmailMessage:
    fields = {
        "sender": SENDER,
        "to": "ana.souza@example.com",
        "rec_id": rec_id,
        "unsubscribe_url": UNSUB_URL,
        "date": CREATED,
    } | overrides
    raw = to_mime(email, **fields)  # type: ignore[arg-type]
    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def first_email() -> RenderedEmail:
    return render_one(make_rec("timing"), make_profile(), preferences_url=PREFS_URL)


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def email(kind: str) -> RenderedEmail:
    return render_one(make_rec(kind), make_profile(), preferences_url=PREFS_URL)


# ---- what a reader sees, for every kind ----------------------------------------------


def test_subject_is_the_headline(kind: str, email: RenderedEmail) -> None:
    assert email.subject == SCENARIOS[kind]["headline"]


def test_opens_with_greeting_then_the_advice(kind: str, email: RenderedEmail) -> None:
    text = words(email.text)
    headline, body = SCENARIOS[kind]["headline"], words(SCENARIOS[kind]["body"])
    assert text.index("Hi Ana Souza,") < text.index(headline) < text.index(body[:60])
    # The advice is in the first lines, before any list or figure.
    assert text.index(body[:60]) < text.index("What to do next")
    page = visible(email.html)
    assert "Hi Ana Souza," in page
    assert page.index(headline) < page.index(body[:60]) < page.index("What to do next")
    assert f"<title>{html.escape(headline)}</title>" in email.html
    # The inbox preview, beside the subject (the ask), shows the reason for it.
    preview = re.search(r'(?s)<div style="display:none[^"]*">(.*?)</div>', email.html)
    assert preview is not None
    assert html.unescape(preview.group(1)).startswith(body[:40])
    assert re.search(r"<h1[^>]*>" + re.escape(html.escape(headline)) + "</h1>", email.html)


def test_actions_are_a_numbered_list_in_order(kind: str, email: RenderedEmail) -> None:
    actions = SCENARIOS[kind]["actions"]
    text = words(email.text)
    positions = [text.index(f"{n}. {a}") for n, a in enumerate(actions, 1)]
    assert positions == sorted(positions)
    assert text.index("What to do next") < positions[0]

    ol = re.search(r"(?s)<ol[^>]*>(.*?)</ol>", email.html)
    assert ol is not None
    items = re.findall(r"(?s)<li[^>]*>(.*?)</li>", ol.group(1))
    assert [html.unescape(i) for i in items] == actions


def test_every_figure_in_plain_words_in_both_parts(kind: str, email: RenderedEmail) -> None:
    text, page = words(email.text), visible(email.html)
    for _, expected in SCENARIOS[kind]["evidence"]:
        assert expected in text
        assert expected in page
    assert text.index("The figures behind this") < text.index(SCENARIOS[kind]["evidence"][0][1])


def test_rule_in_small_print(kind: str, email: RenderedEmail) -> None:
    line = f"Why you got this: rule {SCENARIOS[kind]['rule']}"
    assert line in email.text
    assert line in visible(email.html)
    assert re.search(r"font-size:13px[^>]*>Why you got this", email.html)


def test_preferences_link_in_both_parts(email: RenderedEmail) -> None:
    assert PREFS_URL in email.text.splitlines()  # on a line of its own: clickable, unbroken
    assert f'href="{html.escape(PREFS_URL)}"' in email.html
    assert "unsubscribe" in visible(email.html).lower()


def test_nextmoves_own_unsubscribe_link_in_both_parts(email: RenderedEmail) -> None:
    # The same one-click link as List-Unsubscribe, beside (not instead of) the partner's page.
    lines = email.text.splitlines()
    assert UNSUB_URL in lines and lines.index(UNSUB_URL) > lines.index(PREFS_URL)
    assert "unsubscribe" in lines[lines.index(UNSUB_URL) - 1].lower()
    link = re.search(rf'<a href="{re.escape(html.escape(UNSUB_URL))}"[^>]*>([^<]+)</a>', email.html)
    assert link and link.group(1) == "Unsubscribe"


def test_kind_label_and_accent(kind: str, email: RenderedEmail) -> None:
    labels = {
        "timing": "Timing your move",
        "negotiation": "Negotiation",
        "goal": "Your goal",
        "skills": "Skills to build",
        "wellbeing": "Wellbeing",
    }
    assert email.text.splitlines()[0].startswith(labels[kind])
    assert labels[kind] in visible(email.html)
    assert re.search(r"border-top:4px solid #[0-9a-f]{6}", email.html)


def test_no_placeholder_is_left(email: RenderedEmail) -> None:
    for part in (email.subject, email.text, email.html):
        assert "${" not in part
        assert not re.search(r"\$[A-Za-z_]", part), part


def test_text_part_wraps_at_72_columns(email: RenderedEmail) -> None:
    long_lines = [line for line in email.text.splitlines() if len(line) > 72]
    assert long_lines == []


def test_html_is_self_contained_and_accessible(email: RenderedEmail) -> None:
    assert email.html.startswith("<!DOCTYPE html>")
    assert '<html lang="en"' in email.html
    assert "max-width:600px" in email.html
    assert 'name="viewport"' in email.html
    for table in re.findall(r"<table[^>]*>", email.html):
        assert 'role="presentation"' in table
    # No external images, fonts or stylesheets: nothing to block, nothing to track.
    assert not re.search(r"<img|<link|@import|url\(|src=", email.html, re.IGNORECASE)
    assert "<h2" in email.html


# ---- priority, names and the rest ------------------------------------------------------


def test_high_priority_is_marked_time_sensitive() -> None:
    urgent = render_one(
        make_rec("timing", priority="high"), make_profile(), preferences_url=PREFS_URL
    )
    calm = render_one(
        make_rec("timing", priority="normal"), make_profile(), preferences_url=PREFS_URL
    )
    assert "Time-sensitive" in urgent.text.splitlines()[0]
    assert "Time-sensitive" in visible(urgent.html)
    assert "Time-sensitive" not in calm.text
    assert "Time-sensitive" not in calm.html
    assert urgent.subject == calm.subject  # urgency is shown in the email, not shouted in subject


def test_greeting_without_a_name() -> None:
    email = render_one(make_rec("goal"), make_profile(name=None), preferences_url=PREFS_URL)
    assert "Hi there," in email.text
    assert "Hi there," in visible(email.html)


def test_body_and_headline_are_escaped_in_html_only() -> None:
    body = "Ignore <script>alert('x')</script> & carry on.\n\nR&D teams pay <more>."
    rec = make_rec("skills", headline="Skills <b>now</b> & later", body=body)
    email = render_one(rec, make_profile(name="Zoë <O'Brien> & Co"), preferences_url=PREFS_URL)

    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; carry on." in email.html
    assert "R&amp;D teams pay &lt;more&gt;." in email.html
    assert "<b>" not in email.html
    assert "Skills &lt;b&gt;now&lt;/b&gt; &amp; later" in email.html
    assert "Hi Zoë &lt;O&#x27;Brien&gt; &amp; Co," in email.html
    # The plain-text part is not HTML: it shows exactly what was written.
    assert "Ignore <script>alert('x')</script> & carry on." in words(email.text)
    assert email.subject == "Skills <b>now</b> & later"


def test_the_first_paragraph_leads_and_the_rest_follows_the_actions() -> None:
    email = render_one(make_rec("timing"), make_profile(), preferences_url=PREFS_URL)
    text, page = words(email.text), visible(email.html)
    for part in (text, page):
        lead = part.index("what you can do.")
        first = part.index("1. " if part is text else "Book 30 minutes")
        rest = part.index("Advocate for")
        assert lead < part.index("What to do next") < first < rest
        assert part.index("Why, in more detail") < rest < part.index("The figures behind this")


# Where a reader would meet a source: a named one, or a figure as the email cites it.
CITED = ("BLS", "Source", "O*NET", "NextMove goal rubric", "Your check-ins", "The figures behind")


def _first_citation(part: str) -> int:
    return min((i for c in CITED if (i := part.find(c)) >= 0), default=len(part))


def test_the_ask_and_the_first_action_come_before_any_source(
    kind: str, email: RenderedEmail
) -> None:
    ask, first = SCENARIOS[kind]["headline"], SCENARIOS[kind]["actions"][0]
    for part in (words(email.text), visible(email.html)):
        assert part.index(ask) < part.index(first) < _first_citation(part)


def test_a_digest_keeps_the_order_for_every_recommendation() -> None:
    recs = [make_rec(k) for k in KINDS]
    email = render_many(
        recs, make_profile(), preferences_url=PREFS_URL, unsubscribe_url=UNSUB_URL, digest=True
    )
    for part in (words(email.text), visible(email.html)):
        # At the top, every ask with its first step, before anything is cited.
        for kind in KINDS:
            first = SCENARIOS[kind]["actions"][0]
            assert part.index(f"First: {first}") < _first_citation(part)
        # Then each section in the same order as a single email.
        for kind in KINDS:
            section = part.rindex(SCENARIOS[kind]["headline"])
            first = part.index(SCENARIOS[kind]["actions"][0], section)
            figures = part.index("The figures behind this", section)
            assert section < part.index("What to do next", section) < first < figures


def test_the_actions_show_the_deadline() -> None:
    email = render_one(make_rec("negotiation"), make_profile(), preferences_url=PREFS_URL)
    assert "What to do next, by Saturday 14 March 2026" in email.text
    assert "What to do next, by Saturday 14 March 2026" in visible(email.html)
    calm = render_one(make_rec("goal"), make_profile(), preferences_url=PREFS_URL)
    assert ", by " not in calm.text.split("What to do next")[1].splitlines()[0]


def test_three_actions_first_and_the_rest_after_the_picture() -> None:
    actions = [f"Step number {n}." for n in range(1, 6)]
    email = render_one(
        make_rec("negotiation", actions=actions), make_profile(), preferences_url=PREFS_URL
    )
    for part in (words(email.text), visible(email.html)):
        third, fourth = part.index("Step number 3."), part.index("Step number 4.")
        picture = part.index("Where the figures sit on the market")
        assert part.index("What to do next") < part.index("Step number 1.") < third < picture
        assert picture < part.index("After those") < fourth < part.index("Why, in more detail")
    assert "4. Step number 4." in email.text
    lists = re.findall(r"(?s)<ol([^>]*)>(.*?)</ol>", email.html)
    assert [len(re.findall("<li", items)) for _, items in lists] == [3, 2]
    assert 'start="4"' in lists[1][0]


def _bars(markup: str) -> list[list[tuple[int, str]]]:
    """Each bar of the picture: its cells' (width %, background colour)."""
    bars = re.findall(
        r'(?s)<table role="presentation" aria-hidden="true"[^>]*>(.*?)</table>', markup
    )
    return [
        [(int(w), c) for w, c in re.findall(r'<td width="(\d+)%"[^>]*background-color:(#\w+)', bar)]
        for bar in bars
    ]


def test_the_market_picture_is_tables_and_words() -> None:
    rec = make_rec("negotiation")
    email = render_one(rec, make_profile(), preferences_url=PREFS_URL)
    accent = "#065f46"  # the negotiation accent marks each figure
    *bars, scale = _bars(email.html)
    assert len(bars) == 3  # current pay, the offer and the counter
    assert scale == []  # the band's ends in words under the last bar, no colour
    assert "10th $89,000 90th $204,000" in visible(email.html)
    positions = []
    for cells in bars:
        assert sum(w for w, _ in cells) == 100
        [mark] = [i for i, (_, c) in enumerate(cells) if c == accent]
        positions.append(sum(w for w, _ in cells[:mark]))
    assert positions == sorted(positions) and positions[0] < positions[-1]
    # The same figures in words, in both parts: the text equivalent, and what a screen
    # reader reads (the bars themselves are aria-hidden).
    said = [
        "Software Developers, Austin-Round Rock-San Marcos, TX (metro area): $89,000 at the "
        "10th percentile, $142,310 at the median and $204,000 at the 90th; the middle half "
        "earns $112,000 to $171,000 (BLS OEWS May 2025).",
        "Your current base $114,000, about the 26th",
        "The offer's base $128,000, about the 31st",
        "Your counter $158,000, about the 63rd",
    ]
    text, page = words(email.text), visible(email.html)
    for line in said:
        assert line in page
        # The text part writes "label: figure" for each mark, as it does for evidence.
        assert (line if line is said[0] else line.replace(" $", ": $", 1)) in text
    # Nothing a mail client blocks or strips: no image, no class, no position.
    begin = email.html.index("Where the figures sit")
    picture = email.html[begin : email.html.index("Why you got this", begin)]
    assert not re.search(r"<img|class=|position:|<svg|<canvas", picture)


@pytest.mark.parametrize(
    "values",
    [(40_000, 128_000, 400_000), (89_000, 89_000, 204_000), (204_000, 205_000, 206_000)],
)
def test_every_bar_adds_up_whatever_the_figures(values: tuple[int, int, int]) -> None:
    market = SCENARIOS["negotiation"]["extra"]["market_range"]
    marks = [m.model_copy(update={"value": v}) for m, v in zip(market.marks, values, strict=True)]
    rec = make_rec("negotiation", market_range=market.model_copy(update={"marks": marks}))
    email = render_one(rec, make_profile(), preferences_url=PREFS_URL)
    *bars, _ = _bars(email.html)
    positions = []
    for cells in bars:
        assert sum(w for w, _ in cells) == 100
        assert all(w >= 1 for w, _ in cells)
        [mark] = [i for i, (_, c) in enumerate(cells) if c == "#065f46"]
        positions.append(sum(w for w, _ in cells[:mark]))
    assert positions == sorted(positions)


def test_top_coded_ends_say_or_more() -> None:
    market = SCENARIOS["negotiation"]["extra"]["market_range"]
    rec = make_rec("negotiation", market_range=market.model_copy(update={"top_coded": ["p90"]}))
    email = render_one(rec, make_profile(), preferences_url=PREFS_URL)
    assert "$204,000 or more at the 90th" in words(email.text)


def test_without_a_market_range_there_is_no_picture(kind: str) -> None:
    email = render_one(make_rec(kind, market_range=None), make_profile(), preferences_url=PREFS_URL)
    assert "Where the figures sit" not in email.text
    assert 'aria-hidden="true"' not in email.html


def test_sections_without_items_are_left_out() -> None:
    rec = make_rec("wellbeing", actions=[], evidence=[])
    email = render_one(rec, make_profile(), preferences_url=PREFS_URL)
    for title in ("What to do next", "The figures behind this"):
        assert title not in email.text
        assert title not in email.html
    assert "<ol" not in email.html
    assert "Why you got this" in email.text


def test_a_headline_with_line_breaks_cannot_break_the_subject() -> None:
    rec = make_rec("goal", headline="Name your target role\nBcc: everyone@example.com")
    email = render_one(rec, make_profile(), preferences_url=PREFS_URL)
    assert email.subject == "Name your target role Bcc: everyone@example.com"
    assert mime(email)["Bcc"] is None


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "/preferences", "ftp://x.example/p", "https://x.example/a b"]
)
def test_preferences_url_must_be_an_absolute_web_link(url: str) -> None:
    with pytest.raises(ValueError, match="URL"):
        render_one(make_rec("goal"), make_profile(), preferences_url=url)


# ---- figures in plain words ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (135980, "USD", "$135,980"),
        (135980.6, "USD", "$135,981"),  # cents are noise on a salary
        (-5000, "USD", "-$5,000"),
        (65.5, "USD", "$65.50"),
        (65.375, "USD/hour", "$65.38 per hour"),
        (1250000, "EUR", "EUR 1,250,000"),
        (12, "%", "12%"),
        (18.25, "%", "18.25%"),
        (4.5, "years", "4.5 years"),
        (1, "years", "1 year"),
        (3, None, "3"),
        (12345.678, None, "12,345.68"),
        ("75th percentile", None, "75th percentile"),
        ("3 of 7", "skills", "3 of 7 skills"),
        ("40", "%", "40%"),
        (float("nan"), "USD", "not available"),
    ],
)
def test_figure_formatting(value: float | str, unit: str | None, shown: str) -> None:
    evidence = Evidence(label="Figure", value=value, unit=unit, source="Src", year="2025")
    assert format_evidence(evidence) == f"Figure: {shown} — Src 2025"


# ---- the MIME message ----------------------------------------------------------------


def test_mime_parses_into_text_then_html(kind: str, email: RenderedEmail) -> None:
    msg = mime(email)
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert parts[0].get_content().replace("\r\n", "\n") == email.text
    assert parts[1].get_content().replace("\r\n", "\n") == email.html

    assert msg["Subject"] == SCENARIOS[kind]["headline"]
    assert msg["From"].addresses[0].addr_spec == "advice@nextmove.example"
    assert msg["From"].addresses[0].display_name == "NextMove"
    assert msg["To"].addresses[0].addr_spec == "ana.souza@example.com"
    assert parsedate_to_datetime(msg["Date"]) == CREATED
    assert msg["List-Unsubscribe"] == f"<{UNSUB_URL}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_mime_lines_are_short_enough_for_smtp(email: RenderedEmail) -> None:
    raw = to_mime(email, sender=SENDER, to="a@example.com", rec_id="r", unsubscribe_url=UNSUB_URL)
    assert b"\r\n" in raw
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    body = raw.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 78  # quoted-printable lines


def test_message_id_is_derived_from_the_recommendation_id() -> None:
    rec = make_rec("timing")
    first = mime(render_one(rec, make_profile(), preferences_url=PREFS_URL), rec_id=rec.id)
    again = mime(render_one(rec, make_profile(), preferences_url=PREFS_URL), rec_id=rec.id)
    other = mime(render_one(rec, make_profile(), preferences_url=PREFS_URL), rec_id="another-rec")
    assert first["Message-ID"] == again["Message-ID"] == f"<{rec.id}@nextmove.local>"
    assert other["Message-ID"] != first["Message-ID"]
    custom = mime(first_email(), rec_id=rec.id, message_id_domain="mail.nextmove.example")
    assert custom["Message-ID"] == f"<{rec.id}@mail.nextmove.example>"


def test_a_long_unsubscribe_url_stays_readable() -> None:
    # At the default 78 columns the email package would RFC 2047-encode it: unreadable.
    url = "https://app.nextmove.example/unsubscribe?token=" + "A1b2C3d4" * 40
    msg = mime(first_email(), unsubscribe_url=url)
    assert msg["List-Unsubscribe"] == f"<{url}>"
    assert (
        b"=?utf-8?"
        not in to_mime(
            first_email(), sender=SENDER, to="a@example.com", rec_id="r", unsubscribe_url=url
        ).split(b"\r\n\r\n", 1)[0]
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://app.nextmove.example/u",
        "http://127.0.0.1.example.com/u",
        "mailto:unsub@nextmove.example",
        "https://a/b>c",
    ],
)
def test_one_click_unsubscribe_needs_https(url: str) -> None:
    with pytest.raises(ValueError, match="https"):
        mime(first_email(), unsubscribe_url=url)
    with pytest.raises(ValueError, match="https"):
        render_many(
            [make_rec("goal")], make_profile(), preferences_url=PREFS_URL, unsubscribe_url=url
        )


def test_the_local_stacks_loopback_unsubscribe_url_is_allowed() -> None:
    # `nextmove serve` answers on http://127.0.0.1:PORT, which no mailbox provider sees.
    url = "http://127.0.0.1:3000/unsubscribe/abc.def"
    assert mime(first_email(), unsubscribe_url=url)["List-Unsubscribe"] == f"<{url}>"


@pytest.mark.parametrize("rec_id", ["", "a b", "<x>", "a@b", ".lead", "a..b"])
def test_rec_id_must_fit_in_a_message_id(rec_id: str) -> None:
    with pytest.raises(ValueError, match="Message-ID"):
        mime(first_email(), rec_id=rec_id)


def test_date_defaults_to_now() -> None:
    raw = to_mime(
        first_email(), sender=SENDER, to="a@example.com", rec_id="r", unsubscribe_url=UNSUB_URL
    )
    msg = message_from_bytes(raw, policy=policy.default)
    sent = parsedate_to_datetime(msg["Date"])
    assert abs((datetime.now(UTC) - sent).total_seconds()) < 60


# ---- who wants email -----------------------------------------------------------------


@pytest.mark.parametrize("kind_", KINDS)
def test_by_default_every_kind_is_emailed(kind_: str) -> None:
    assert wants_email(kind_, NotificationPreferences())


def test_email_switched_off_means_no_email() -> None:
    prefs = NotificationPreferences(email=False)
    assert not any(wants_email(k, prefs) for k in KINDS)


def test_only_the_chosen_kinds_are_emailed() -> None:
    prefs = NotificationPreferences(kinds=["negotiation", "timing"])
    assert [k for k in KINDS if wants_email(k, prefs)] == ["timing", "negotiation"]
    assert not wants_email("unknown", prefs)
    assert not wants_email(
        "negotiation", NotificationPreferences(email=False, kinds=["negotiation"])
    )
