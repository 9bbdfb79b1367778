"""Every kind of email, an event's email with two recommendations and the digest, opened
in headless Chromium at phone (390 px) and desktop (1024 px) width, as a reader would.

One wrapper page holds each email in an iframe of each width (headless Chromium's window
cannot be narrower than 500 px; an iframe is a viewport of its own, media queries and
all). Its script measures every laid-out email and writes the figures into the DOM;
``chromium --dump-dom`` prints that DOM. Chromium is required in CI (``.ci/run``
installs it): there a missing browser fails the test instead of skipping it.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from nextmove.contracts.recommendation import KINDS
from nextmove.email import RenderedEmail, render_many
from nextmove_local.cli import main
from tests.support import EVENTS
from tests.unit.test_email import PREFS_URL, UNSUB_URL, make_profile, make_rec

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTHS = (390, 1024)
NAMES = [*KINDS, "event", "digest"]

if CHROMIUM is None:
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is required in CI (.ci/run installs it)", pytrace=False)
    pytest.skip("chromium is not installed", allow_module_level=True)

_MEASURE = r"""<script>
window.addEventListener("load", () => {
  const results = {};
  for (const frame of document.querySelectorAll("iframe")) {
    const doc = frame.contentDocument;
    const win = frame.contentWindow;
    const shown = [...doc.body.querySelectorAll("p, li, h1, h2, h3, a")]
      .filter((e) => e.offsetParent !== null);
    results[frame.id] = {
      width: win.innerWidth,
      scrollWidth: doc.documentElement.scrollWidth,
      text: doc.body.innerText,
      links: [...doc.querySelectorAll("a[href]")].map((a) => a.getAttribute("href")),
      smallestFont: Math.min(...shown.map((e) => parseFloat(win.getComputedStyle(e).fontSize))),
      // Where the first element reading each sought text ends, from the top of the email.
      found: Object.fromEntries((SOUGHT[frame.id] || []).map((want) => {
        const el = shown.find((e) => e.innerText.replace(/\s+/g, " ").includes(want));
        return [want, el ? el.getBoundingClientRect().bottom + win.scrollY : null];
      })),
    };
  }
  const out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify(results);
  document.body.appendChild(out);
});
</script>"""


def emails() -> dict[str, RenderedEmail]:
    profile = make_profile()
    recs = {kind: make_rec(kind) for kind in KINDS}
    rendered = {
        kind: render_many([rec], profile, preferences_url=PREFS_URL, unsubscribe_url=UNSUB_URL)
        for kind, rec in recs.items()
    }
    rendered["event"] = render_many(
        [recs["skills"], recs["goal"]],
        profile,
        preferences_url=PREFS_URL,
        unsubscribe_url=UNSUB_URL,
    )
    rendered["digest"] = render_many(
        list(recs.values()),
        profile,
        preferences_url=PREFS_URL,
        unsubscribe_url=UNSUB_URL,
        digest=True,
    )
    return rendered


def measure(pages: dict[str, str], sought: dict[str, list[str]] | None = None) -> dict[str, dict]:
    """Lay out each page at each width in one Chromium run; the figures by "name@width".

    ``sought`` names texts to find in a page: ``found`` gives how far down the page (CSS
    px from its top) the first element reading each one ends."""
    by_frame = {
        f"{name}@{width}": texts for name, texts in (sought or {}).items() for width in WIDTHS
    }
    script = _MEASURE.replace(
        "<script>", f"<script>const SOUGHT = {json.dumps(by_frame).replace('<', '\\u003c')};"
    )
    frames = "".join(
        f'<iframe id="{name}@{width}" style="width:{width}px;height:900px;border:0" '
        f'srcdoc="{html.escape(page, quote=True)}"></iframe>'
        for name, page in pages.items()
        for width in WIDTHS
    )
    with tempfile.TemporaryDirectory() as tmp:
        wrapper = Path(tmp) / "emails.html"
        wrapper.write_text(f"<!DOCTYPE html><html><body>{frames}{script}</body></html>")
        result = subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                f"--user-data-dir={Path(tmp) / 'profile'}",
                "--window-size=1200,900",
                "--virtual-time-budget=5000",
                "--dump-dom",
                wrapper.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=True,
        )
    found = re.search(r'<pre id="measured">(.*?)</pre>', result.stdout, re.S)
    assert found, result.stderr[-2000:]
    return json.loads(html.unescape(found.group(1)))


def leads() -> dict[str, tuple[str, str]]:
    """Each email's ask (its lead recommendation's headline) and first action."""
    lead = {kind: make_rec(kind) for kind in KINDS} | {
        "event": make_rec("skills"),
        "digest": make_rec(KINDS[0]),
    }
    return {name: (rec.headline, rec.actions[0]) for name, rec in lead.items()}


@pytest.fixture(scope="module")
def rendered() -> dict[str, dict]:
    sought = {name: list(texts) for name, texts in leads().items()}
    return measure({name: email.html for name, email in emails().items()}, sought)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", NAMES)
def test_the_email_reads_well_in_a_browser(rendered, name: str, width: int) -> None:
    page = rendered[f"{name}@{width}"]
    assert page["width"] == width
    assert page["scrollWidth"] <= width, "the reader would have to scroll sideways"
    assert page["smallestFont"] >= 12
    assert "$" not in re.sub(r"\$\d", "", page["text"]), "an unfilled template variable"
    assert "${" not in page["text"]
    assert PREFS_URL in page["links"]
    assert UNSUB_URL in page["links"]  # NextMove's own one-click link, the second one
    assert "unsubscribe" in page["text"].lower()
    assert "Hi Ana Souza," in page["text"]


FIRST_SCREEN = 700
"""CSS px of email a phone shows before any scrolling (an iPhone's 844 px less the mail
app's header): the ask and the first thing to do must end above it."""


@pytest.mark.parametrize("name", NAMES)
def test_the_ask_and_the_first_action_are_on_a_phones_first_screen(rendered, name: str) -> None:
    ask, action = leads()[name]
    for width in WIDTHS:
        found = rendered[f"{name}@{width}"]["found"]
        assert found[ask] is not None and found[action] is not None, found
        assert found[ask] <= found[action] <= FIRST_SCREEN, (width, found)


@pytest.fixture(scope="module")
def written() -> tuple[dict[str, dict], dict[str, list[str]]]:
    """The emails of the demo year and of every golden story, as the rules wrote them,
    measured: by email, its figures, and its ask and first action."""
    folders = [EVENTS / "demo", *sorted(p.parent for p in EVENTS.glob("scenarios/*/expected.json"))]
    pages, sought = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for folder in folders:
            outbox = Path(tmp) / folder.name
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                code = main(["replay", "--json", "--outbox", str(outbox), str(folder)])
            assert code == 0, folder.name
            lines = out.getvalue().splitlines()
            recs = [json.loads(line) for line in lines if line.startswith("{")]
            for eml in sorted(outbox.glob("*.eml")):
                message = message_from_bytes(eml.read_bytes(), policy=policy.default)
                subject = str(message["Subject"]).removeprefix("Your NextMove digest: ")
                lead = next(r for r in recs if subject.startswith(r["headline"]))
                name = f"{folder.name}/{eml.stem}"
                pages[name] = eml.with_suffix(".html").read_text()
                sought[name] = [lead["headline"], lead["actions"][0]]
    assert len(pages) >= 20
    return measure(pages, sought), sought


def test_every_written_email_puts_the_ask_and_the_first_action_on_the_first_screen(
    written,
) -> None:
    measured, sought = written
    for name, (ask, action) in sought.items():
        for width in WIDTHS:
            page = measured[f"{name}@{width}"]
            found = page["found"]
            assert found[ask] is not None and found[action] is not None, (name, found)
            assert found[ask] <= found[action] <= FIRST_SCREEN, (name, width, found)
            assert page["scrollWidth"] <= width, name
