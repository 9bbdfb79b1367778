"""The local outbox as a page: ``build/outbox/index.html`` lists every email sent, newest
last, with a link to its HTML and its raw ``.eml``, so a developer reads them in a browser."""

from __future__ import annotations

import html
import threading
from email import message_from_bytes, policy
from pathlib import Path

INDEX = "index.html"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>NextMove outbox ({count})</title>
<style>
  body {{ margin: 0; padding: 24px 16px; background: #f3f4f6; color: #1f2937;
         font: 16px/1.5 -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Arial, sans-serif; }}
  main {{ max-width: 760px; margin: 0 auto; }}
  h1 {{ font-size: 24px; margin: 0 0 4px; }}
  p.note {{ margin: 0 0 20px; color: #4b5563; }}
  ol {{ list-style: none; margin: 0; padding: 0; }}
  li {{ background: #fff; border-radius: 8px; padding: 14px 16px; margin: 0 0 10px; }}
  a.subject {{ font-weight: 700; color: #1e40af; overflow-wrap: anywhere; }}
  .meta {{ font-size: 14px; color: #4b5563; overflow-wrap: anywhere; }}
</style>
</head>
<body>
<main>
<h1>NextMove outbox</h1>
<p class="note">{count} email(s) in {folder}, in the order they were sent.</p>
<ol>
{items}
</ol>
</main>
</body>
</html>
"""

_ITEM = (
    '<li><a class="subject" href="{html_file}">{subject}</a>'
    '<div class="meta">to {to} · {date} · <a href="{eml_file}">raw .eml</a></div></li>'
)


# Each .eml's list item, by path, with the (inode, mtime, size) it was read at: a file
# that changed, or a new one at an old name, is read again. The local stack rewrites the
# index after every pump pass that copied mail, and parsing every .eml each time made
# that quadratic (in `make bench`'s throughput run, 6-11% of the server's CPU).
_items: dict[Path, tuple[tuple[int, int, int], str]] = {}
_items_lock = threading.Lock()


def _item(eml: Path) -> str:
    stat = eml.stat()
    version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with _items_lock:
        cached = _items.get(eml)
    if cached is not None and cached[0] == version:
        return cached[1]
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    item = _ITEM.format(
        html_file=html.escape(eml.with_suffix(".html").name),
        eml_file=html.escape(eml.name),
        subject=html.escape(str(message["Subject"] or "(no subject)")),
        to=html.escape(str(message["To"] or "")),
        date=html.escape(str(message["Date"] or "")),
    )
    with _items_lock:
        _items[eml] = (version, item)
    return item


def write_index(folder: Path) -> Path:
    """Write ``folder/index.html`` for the ``.eml`` files there and return its path."""
    items = [_item(eml) for eml in sorted(folder.glob("*.eml"))]
    index = folder / INDEX
    index.write_text(
        _PAGE.format(
            count=len(items),
            folder=html.escape(str(folder)),
            items="\n".join(items) or "<li>No emails yet.</li>",
        ),
        encoding="utf-8",
    )
    return index
