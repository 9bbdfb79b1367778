"""``nextmove``: NextMove on this machine, with moto as AWS.

nextmove replay [--json] PATH...   fresh local stack; send each event file (a folder:
                                   its *.json files in name order, but expected.json)
                                   signed through the webhook; print the
                                   recommendations; emails land in the outbox folder
                                   as .eml and .html
nextmove serve [--port 3000]       keep the stack up; webhook at /events, the emails'
                                   unsubscribe links at /unsubscribe/<token>
nextmove send FILE...              sign and post events to a running serve
nextmove digest [--now ISO]        a running serve sends the held emails due by then
nextmove outbox [--open]           write build/outbox/index.html, print its file:// URL
nextmove admin OPERATION --person P [--tenant T] [--recommendation R] [--replay PATH...]
                                   fresh local stack; replay PATH...; then run the
                                   admin function (recompute, export, delete, resend)
                                   as the Lambda console would; print its result
nextmove redrive                   re-drive every DLQ of a running serve into its pipeline
nextmove reliability [--events N --faults 0.2 --seed S --tenants T]
                                   N events x3 deliveries, faults on every hop, redrive,
                                   reconcile; one summary line, non-zero if anything
                                   was lost or emailed twice
nextmove schemas [--check]         write (or check) events/schemas from the contracts
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from nextmove.contracts.recommendation import Evidence
from nextmove.email import format_evidence
from nextmove_local.outbox import write_index
from nextmove_local.template import ROOT

SERVE_STATE = ROOT / "build" / "local" / "serve.json"
# `serve` runs the scheduled digest function when this is posted to (`nextmove digest`).
DIGEST_PATH = "/local/digest"
# Where `serve` answers the emails' one-click unsubscribe links (the template's route).
UNSUBSCRIBE_PATH = "/unsubscribe/"
# A golden scenario's folder holds what its advice must be beside its events
# (events/scenarios/*/expected.json); that file is not an event to send.
NOT_EVENTS = frozenset({"expected.json"})
# `serve`'s pump, when the stack is quiet, looks again after this long, doubling up to
# the second figure; a webhook post wakes it at once. Work that arrives otherwise (a
# `nextmove redrive`) waits at most the second figure.
IDLE_WAIT = (0.05, 1.0)


def event_files(paths: list[str]) -> list[Path]:
    """Each file as given; each folder's *.json files in name order, but ``NOT_EVENTS``."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.glob("*.json") if p.is_file() and p.name not in NOT_EVENTS)
            )
        elif path.is_file():
            files.append(path)
        else:
            raise SystemExit(f"nextmove: no such file or folder: {raw}")
    return files


def iam_mutations(args: argparse.Namespace) -> int:
    """Each grant taken out in turn: the journey that fails without it, or "unused"
    (then the grant should go). Exit 1 when any grant is unused."""
    from nextmove_local.journeys import run_mutations

    results = run_mutations(args.function)
    unused = [m for m, outcome in results if outcome == "unused"]
    print(
        f"iam-mutations: grants={len(results)} needed={len(results) - len(unused)} "
        f"unused={len(unused)}"
    )
    return 1 if unused else 0


def replay(args: argparse.Namespace) -> int:
    from nextmove_local.stack import LocalStack

    files = event_files(args.paths)
    outbox = Path(args.outbox)
    for old in [*outbox.glob("*.eml"), *outbox.glob("*.html")]:
        old.unlink()
    stack = LocalStack.start(outbox)
    if not args.verbose:
        stack.configure("POWERTOOLS_LOG_LEVEL", "WARNING")  # the functions' logs, unless asked
    # The functions' stdout (metrics as EMF lines; logs, bound when first loaded) is their
    # CloudWatch log, not replay's output: stderr with --verbose, else nowhere.
    sink = sys.stderr if args.verbose else open(os.devnull, "w")  # noqa: SIM115
    try:
        with contextlib.redirect_stdout(sink):
            answers = stack.replay([path.read_bytes() for path in files])
        rejected = 0
        for path, (status, answer) in zip(files, answers, strict=True):
            if status != 202:
                rejected += 1
                print(f"{path}: {status} {json.dumps(answer)}", file=sys.stderr)
        for rec in stack.published:
            print(json.dumps(rec) if args.json else describe(rec))
        parked = {name: n for name, n in stack.queue_depths().items() if n and "DLQ" in name}
        summary = (
            f"replayed {len(files)} events ({rejected} rejected): "
            f"{len(stack.published)} recommendations, {len(stack.sent)} emails in "
            f"{write_index(outbox).as_uri()}" + (f", parked: {parked}" if parked else "")
        )
        print(summary, file=sys.stderr)
    finally:
        stack.stop()
        if sink is not sys.stderr:
            sink.close()
    return 1 if rejected or parked else 0


def outbox_index(args: argparse.Namespace) -> int:
    """Write the outbox's index page, print its URL and open it when a browser can."""
    index = write_index(Path(args.outbox))
    print(index.as_uri())
    if args.open:
        import webbrowser

        webbrowser.open(index.as_uri())
    return 0


def digest(args: argparse.Namespace) -> int:
    """Ask a running ``serve`` to run the digest schedule at ``--now`` (default: now)."""
    if not SERVE_STATE.exists():
        raise SystemExit("nextmove: no local stack is running; start one with `nextmove serve`")
    target = json.loads(SERVE_STATE.read_text())
    url = target["url"].rsplit("/", 1)[0] + DIGEST_PATH
    now = (args.now or datetime.now(UTC)).isoformat()
    request = urllib.request.Request(url, data=json.dumps({"now": now}).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        print(response.read().decode())
    return 0


def describe(rec: dict[str, Any]) -> str:
    """One recommendation as a person reads it on a terminal."""
    lines = [
        f"[{rec['kind']}/{rec['priority']}] {rec['headline']}  ({rec['person_id']}, {rec['rule']})"
    ]
    lines += [f"    {line}" for line in rec["body"].splitlines() if line.strip()]
    lines += [f"    -> {action}" for action in rec.get("actions", [])]
    # The same plain words as the email, so the terminal and the inbox cannot disagree.
    lines += [
        f"    * {format_evidence(Evidence.model_validate(ev))}" for ev in rec.get("evidence", [])
    ]
    return "\n".join(lines) + "\n"


def serve(args: argparse.Namespace) -> int:
    from nextmove_local.stack import LocalStack

    stack = LocalStack.start(Path(args.outbox))
    server, stop = serving(stack, args.port)
    SERVE_STATE.parent.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    url = f"{base}/events"
    from nextmove_local.redrive import RESOURCES

    # What other commands need to reach this stack: `send` signs, `redrive` reaches moto.
    resources = {name: stack.resolve.refs[name] for name in RESOURCES}
    SERVE_STATE.write_text(
        json.dumps(
            {
                "url": url,
                "tenant": stack.tenant,
                "secret": stack.secret,
                "endpoint": stack.endpoint,
                "resources": resources,
            }
        )
    )
    print(
        f"NextMove local stack: POST signed events to {url} (tenant {stack.tenant}); "
        f"emails in {args.outbox}, their unsubscribe links at {base}{UNSUBSCRIBE_PATH}<token>. "
        "Ctrl-C stops.",
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


def serving(stack: Any, port: int) -> tuple[ThreadingHTTPServer, threading.Event]:
    """``stack``'s HTTP API on ``port`` (0: any free one) of 127.0.0.1, with its pump
    running: the webhook (``POST /events``), the unsubscribe links (``GET``/``POST
    /unsubscribe/<token>``, which the emails' ``List-Unsubscribe`` then points at, as an
    operator would configure the notifier and digest) and ``nextmove digest``'s
    ``DIGEST_PATH``. Call the server's ``serve_forever``; set the event to stop the pump."""
    from nextmove_local.stack import Answer

    stop = threading.Event()
    wake = threading.Event()  # set when a request may have given the pipeline work

    def pump() -> None:
        # Lambda's pollers long-poll an idle source rather than spin on it: after a quiet
        # drain the pump waits, longer the longer the stack stays quiet, and a webhook
        # post wakes it at once. (Polling every 50 ms kept half a core busy when idle.)
        idle = IDLE_WAIT[0]
        while not stop.is_set():
            wake.wait(idle)
            wake.clear()  # before draining: a post during the drain wakes the next one
            before = len(stack.published)
            worked = stack.drain()
            for rec in stack.published[before:]:
                print(describe(rec), flush=True)
            idle = IDLE_WAIT[0] if worked else min(idle * 2, IDLE_WAIT[1])

    class Api(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer(stack.call("GET", self.path, dict(self.headers.items())))

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            if self.path == DIGEST_PATH:
                before = len(stack.sent)
                stack.run_schedules(datetime.fromisoformat(json.loads(body)["now"]))
                stack.travel_to(None)  # events posted next happen now again
                payload = json.dumps({"emails_sent": len(stack.sent) - before})
                self._answer(Answer(200, {"content-type": "application/json"}, payload))
                return
            self._answer(stack.call("POST", self.path, dict(self.headers.items()), body))
            wake.set()

        def _answer(self, answer: Any) -> None:
            payload = answer.body.encode()
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *values: Any) -> None:
            # The route, not the token: the log shows what was asked, never whose link.
            shown = f"{UNSUBSCRIBE_PATH}<token>" if UNSUBSCRIBE_PATH in self.path else self.path
            print(
                f"{self.command} {shown} -> {values[1] if len(values) > 1 else ''}",
                file=sys.stderr,
            )

    server = ThreadingHTTPServer(("127.0.0.1", port), Api)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    stack.configure(
        "UNSUBSCRIBE_URL",
        f"{base}{UNSUBSCRIBE_PATH}{{token}}",
        "NotifierFunction",
        "DigestFunction",
    )
    threading.Thread(target=pump, daemon=True).start()
    return server, stop


def send(args: argparse.Namespace) -> int:
    from nextmove_local.lambda_events import signed_headers

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


def admin(args: argparse.Namespace) -> int:
    """Each command starts a fresh stack, so admin replays the person's events first (on
    the simulated calendar, as replay does), then invokes AdminFunction with the request
    a console test event would hold, now; emails it holds are flushed after it."""
    from nextmove_local.stack import LocalStack

    files = event_files(args.replay)
    stack = LocalStack.start(Path(args.outbox))
    if not args.verbose:
        stack.configure("POWERTOOLS_LOG_LEVEL", "WARNING")
    request = {"operation": args.operation, "tenant": args.tenant or stack.tenant}
    request["person_id"] = args.person
    if args.recommendation:
        request["recommendation_id"] = args.recommendation
    sink = sys.stderr if args.verbose else open(os.devnull, "w")  # noqa: SIM115
    try:
        with contextlib.redirect_stdout(sink):
            answers = stack.replay([path.read_bytes() for path in files])
            for path, (status, answer) in zip(files, answers, strict=True):
                if status != 202:
                    print(f"{path}: {status} {json.dumps(answer)}", file=sys.stderr)
            stack.travel_to(None)  # the operator acts now, after the person's history
            published, sent = len(stack.published), len(stack.sent)
            result = stack.functions["AdminFunction"].invoke(request)
            stack.drain()
            stack.flush(datetime.now(UTC))  # what it held goes out
        print(json.dumps(result, indent=2))
        print(
            f"admin {args.operation} after {len(files)} events: "
            f"{len(stack.published) - published} more recommendations published, "
            f"{len(stack.sent) - sent} more emails",
            file=sys.stderr,
        )
    finally:
        stack.stop()
        if sink is not sys.stderr:
            sink.close()
    return 0 if result.get("ok") else 1


def redrive(args: argparse.Namespace) -> int:
    """Re-drive the DLQs of the stack `serve` keeps up; its pumps then run the work."""
    from nextmove_local.redrive import Pipeline, redrive_all
    from nextmove_local.stack import _fake_aws_environment

    if not SERVE_STATE.exists():
        raise SystemExit("nextmove: no local stack is running; start one with `nextmove serve`")
    target = json.loads(SERVE_STATE.read_text())
    _fake_aws_environment(target["endpoint"])
    result = redrive_all(Pipeline.from_resources(target["resources"]))
    for name, count in result.redriven.items():
        failed = result.failed[name]
        print(f"{name}: {count} re-driven" + (f", {failed} left (failed)" if failed else ""))
    return 1 if any(result.failed.values()) else 0


def reliability(args: argparse.Namespace) -> int:
    from nextmove_local import reliability

    return reliability.main(args.events, args.faults, args.seed, args.tenants)


def schemas(args: argparse.Namespace) -> int:
    from nextmove_local.schemas import write_schemas

    drift = write_schemas(check=args.check)
    for name in drift:
        print(f"{'out of date' if args.check else 'wrote'}: {name}")
    return 1 if args.check and drift else 0


def occupation(args: argparse.Namespace) -> int:
    """Code job titles as the offer, profile and goal advice does, in input order."""
    from nextmove.reference import titles

    if args.eval:
        from nextmove_local import occupation_eval

        return occupation_eval.main(args.eval_set or occupation_eval.EVAL_SET, misses=True)
    if not args.titles:
        raise SystemExit("nextmove occupation: give job titles, or - to read them from stdin")
    given = [line.strip() for line in sys.stdin] if args.titles == ["-"] else args.titles
    for title in given:
        if not title:
            continue
        coded = titles.code(title)
        found = coded.occupation
        row = {
            "title": title,
            "soc": found.soc if found else None,
            "name": found.name if found else None,
            "match": coded.match,
            "confidence": coded.confidence,
        }
        if coded.runner_up is not None:
            row["runner_up"] = {"soc": coded.runner_up.soc, "name": coded.runner_up.name}
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            named = f"{row['soc']} {row['name']}" if found else "no occupation"
            print(f"{title}\t{named}\t{coded.describe()}")
    return 0


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

    p = commands.add_parser("admin", help="replay event files, then run an admin operation")
    p.add_argument("operation", help="recompute, export, delete or resend")
    p.add_argument("--person", required=True, help="the person_id")
    p.add_argument("--tenant", help="the partner (default: the local partner)")
    p.add_argument("--recommendation", help="the recommendation id (resend)")
    p.add_argument("--verbose", action="store_true", help="show the functions' logs too")
    p.add_argument("--outbox", default=outbox)
    p.add_argument(
        "--replay",
        nargs="+",
        action="extend",
        default=[],
        metavar="PATH",
        help="event files or folders to replay first",
    )
    p.set_defaults(run=admin)

    p = commands.add_parser("outbox", help="write the outbox's index.html and print its URL")
    p.add_argument("--outbox", default=outbox)
    p.add_argument("--open", action="store_true", help="open it in the default browser")
    p.set_defaults(run=outbox_index)

    p = commands.add_parser("digest", help="run the digest schedule on a running serve")
    p.add_argument(
        "--now", type=datetime.fromisoformat, help="ISO time to run it at (default: now)"
    )
    p.set_defaults(run=digest)

    p = commands.add_parser("redrive", help="re-drive every DLQ of a running serve")
    p.set_defaults(run=redrive)

    p = commands.add_parser(
        "reliability", help="many events, faults on every hop, redrive, then reconcile"
    )
    p.add_argument("--events", type=int, default=10_000)
    p.add_argument("--faults", type=float, default=0.2, help="share of calls failed per hop")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--tenants", type=int, default=5)
    p.set_defaults(run=reliability)

    p = commands.add_parser(
        "iam-mutations",
        help="for each grant in template.yaml, the journey a template without it fails",
    )
    p.add_argument("--function", help="only the grants of functions whose id contains this")
    p.set_defaults(run=iam_mutations)

    p = commands.add_parser(
        "occupation", help="code job titles to SOC 2018 occupations (one a line with -)"
    )
    p.add_argument("--json", action="store_true", help="one JSON object a line")
    p.add_argument(
        "--eval",
        action="store_true",
        help="instead, score the coder on tests/data/everyday_titles.csv and list its misses",
    )
    p.add_argument(
        "--eval-set",
        type=Path,
        metavar="CSV",
        help="with --eval, score this labelled set instead (e.g. tests/data/dev_titles.csv)",
    )
    p.add_argument("titles", nargs="*", metavar="TITLE", help="job titles, or - for stdin")
    p.set_defaults(run=occupation)

    p = commands.add_parser("schemas", help="write events/schemas from the contracts")
    p.add_argument("--check", action="store_true", help="fail if the committed schemas differ")
    p.set_defaults(run=schemas)

    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
