"""``nextmove``: NextMove on this machine, with moto as AWS.

nextmove replay [--json] PATH...   fresh local stack; send each event file (a folder:
                                   its *.json files in name order) signed through the
                                   webhook; print the recommendations; emails land in
                                   the outbox folder as .eml and .html
nextmove serve [--port 3000]       keep the stack up; webhook at /events
nextmove send FILE...              sign and post events to a running serve
nextmove schemas [--check]         write (or check) events/schemas from the contracts
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from nextmove_local.template import ROOT

SERVE_STATE = ROOT / "build" / "local" / "serve.json"


def event_files(paths: list[str]) -> list[Path]:
    """Each file as given; each folder's *.json files in name order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.glob("*.json") if p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise SystemExit(f"nextmove: no such file or folder: {raw}")
    return files


def replay(args: argparse.Namespace) -> int:
    from nextmove_local.stack import LocalStack

    files = event_files(args.paths)
    outbox = Path(args.outbox)
    for old in [*outbox.glob("*.eml"), *outbox.glob("*.html")]:
        old.unlink()
    stack = LocalStack.start(outbox)
    if not args.verbose:
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # the functions' JSON logs, unless asked
    rejected = 0
    try:
        for path in files:
            body = path.read_bytes()
            status, answer = stack.post(body, stack.signed_headers(body))
            if status != 202:
                rejected += 1
                print(f"{path}: {status} {json.dumps(answer)}", file=sys.stderr)
            stack.drain()
        for rec in stack.published:
            print(json.dumps(rec) if args.json else describe(rec))
        parked = {name: n for name, n in stack.queue_depths().items() if n and "DLQ" in name}
        summary = (
            f"replayed {len(files)} events ({rejected} rejected): "
            f"{len(stack.published)} recommendations, {len(stack.sent)} emails in {outbox}"
            + (f", parked: {parked}" if parked else "")
        )
        print(summary, file=sys.stderr)
    finally:
        stack.stop()
    return 1 if rejected or parked else 0


def describe(rec: dict[str, Any]) -> str:
    """One recommendation as a person reads it on a terminal."""
    lines = [
        f"[{rec['kind']}/{rec['priority']}] {rec['headline']}  ({rec['person_id']}, {rec['rule']})"
    ]
    lines += [f"    {line}" for line in rec["body"].splitlines() if line.strip()]
    lines += [f"    -> {action}" for action in rec.get("actions", [])]
    for ev in rec.get("evidence", []):
        value = (
            f"{ev['value']:,.0f}"
            if isinstance(ev["value"], (int, float)) and ev.get("unit") == "USD"
            else ev["value"]
        )
        unit = f" {ev['unit']}" if ev.get("unit") else ""
        detail = f", {ev['detail']}" if ev.get("detail") else ""
        lines.append(f"    * {ev['label']}: {value}{unit} ({ev['source']} {ev['year']}{detail})")
    return "\n".join(lines) + "\n"


def serve(args: argparse.Namespace) -> int:
    from nextmove_local.stack import LocalStack

    stack = LocalStack.start(Path(args.outbox))
    stop = threading.Event()

    def pump() -> None:
        while not stop.is_set():
            before = len(stack.published)
            stack.drain()
            for rec in stack.published[before:]:
                print(describe(rec), flush=True)
            time.sleep(0.05)

    class Webhook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            status, answer = stack.post(body, dict(self.headers.items()), path=self.path)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *values: Any) -> None:
            print(
                f"{self.command} {self.path} -> {values[1] if len(values) > 1 else ''}",
                file=sys.stderr,
            )

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Webhook)
    SERVE_STATE.parent.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{server.server_address[1]}/events"
    SERVE_STATE.write_text(json.dumps({"url": url, "tenant": stack.tenant, "secret": stack.secret}))
    threading.Thread(target=pump, daemon=True).start()
    print(
        f"NextMove local stack: POST signed events to {url} (tenant {stack.tenant}); "
        f"emails in {args.outbox}. Ctrl-C stops.",
        file=sys.stderr,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
        stack.stop()
        SERVE_STATE.unlink(missing_ok=True)
    return 0


def send(args: argparse.Namespace) -> int:
    from nextmove_local.stack import signed_headers

    if not SERVE_STATE.exists():
        raise SystemExit("nextmove: no local stack is running; start one with `nextmove serve`")
    target = json.loads(SERVE_STATE.read_text())
    failed = 0
    for path in event_files(args.paths):
        body = path.read_bytes()
        headers = signed_headers(body, secret=target["secret"], tenant=target["tenant"])
        request = urllib.request.Request(target["url"], data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, answer = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, answer = error.code, error.read().decode()
        failed += status != 202
        print(f"{path}: {status} {answer}")
    return 1 if failed else 0


def schemas(args: argparse.Namespace) -> int:
    from nextmove_local.schemas import write_schemas

    drift = write_schemas(check=args.check)
    for name in drift:
        print(f"{'out of date' if args.check else 'wrote'}: {name}")
    return 1 if args.check and drift else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="nextmove", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    outbox = str(ROOT / "build" / "outbox")

    p = commands.add_parser("replay", help="replay event files through a fresh local stack")
    p.add_argument("paths", nargs="+")
    p.add_argument("--json", action="store_true", help="one JSON recommendation per line")
    p.add_argument("--verbose", action="store_true", help="show the functions' logs too")
    p.add_argument("--outbox", default=outbox)
    p.set_defaults(run=replay)

    p = commands.add_parser("serve", help="keep a local stack up with the webhook on a port")
    p.add_argument("--port", type=int, default=3000)
    p.add_argument("--outbox", default=outbox)
    p.set_defaults(run=serve)

    p = commands.add_parser("send", help="sign and post event files to a running serve")
    p.add_argument("paths", nargs="+")
    p.set_defaults(run=send)

    p = commands.add_parser("schemas", help="write events/schemas from the contracts")
    p.add_argument("--check", action="store_true", help="fail if the committed schemas differ")
    p.set_defaults(run=schemas)

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
