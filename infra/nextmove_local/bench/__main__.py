"""``python -m nextmove_local.bench``: run the benchmarks, print the table, write
``build/bench.json`` after each part."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nextmove_local import bench
from nextmove_local.bench import api_calls, cold_init, history, throughput
from nextmove_local.template import ROOT

OUT = ROOT / "build" / "bench.json"


def _table(result: dict[str, Any]) -> str:
    lines = []
    cold = result.get("cold_init")
    if cold:
        lines.append(f"cold init (median of {cold['repetitions']}; floor {cold['floor_ms']} ms)")
        lines.append(f"  {'function':28} {'wall':>10}  ratio  cpu ratio")
        for fn, ms in sorted(cold["median_ms"].items()):
            lines.append(
                f"  {fn:28} {ms:7.1f} ms  x{cold['ratio'][fn]:.2f}  x{cold['cpu_ratio'][fn]:.2f}"
            )
        for name, layer in result.get("cold_init_deployed_layer", {}).items():
            lines.append(
                f"  layer as built by {name}: floor {layer['floor_ms']} ms, "
                f"max x{layer['max_ratio']:.2f} ({max(layer['ratio'], key=layer['ratio'].get)})"
            )
    calls = result.get("api_calls_per_event")
    if calls:
        lines.append("AWS calls per event (webhook to email)        calls  emails  USD/1M events")
        for kind, figures in calls["per_event"].items():
            usd = calls["cost_usd_per_million"][kind]["total"]
            ops = "; ".join(
                f"{fn.removesuffix('Function')}: "
                + ", ".join(f"{op}{'x' + str(n) if n > 1 else ''}" for op, n in ops.items())
                for fn, ops in figures["by_function"].items()
            )
            lines.append(f"  {kind:43} {figures['calls']:5} {figures['emails']:7} {usd:13.2f}")
            lines.append(f"    {ops}")
    history = result.get("history_growth")
    if history:
        lines.append(
            f"history growth: {history['prior_events']} prior events vs none "
            f"(and vs {history['cap_person_prior_events']}: the record already full)"
        )
        for part, by_pair in history["ratio"].items():
            for pair, ratios in by_pair.items():
                shown = ", ".join(f"{k} x{v}" for k, v in ratios.items())
                lines.append(f"  {part:12} {pair:17} {shown}")
    put = result.get("throughput")
    if put:
        lines.append(
            f"throughput: {put['events_per_second_to_email']} events/s to email "
            f"(p50 {put['latency_ms_p50']} ms, p99 {put['latency_ms_p99']} ms); moto alone "
            f"{put['moto_events_per_second']} events/s; ratio {put['ratio']:.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=bench.__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=15, help="cold starts per function")
    parser.add_argument("--history", type=int, default=10_000, help="prior events")
    parser.add_argument("--rounds", type=int, default=8, help="history: pipeline rounds")
    parser.add_argument("--record-rounds", type=int, default=60, help="history: record-step rounds")
    parser.add_argument("--persons", type=int, default=40, help="throughput: people x 5 events")
    parser.add_argument("--senders", type=int, default=4, help="throughput: concurrent senders")
    parser.add_argument(
        "--only", choices=["cold_init", "api_calls", "history", "throughput"], action="append"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    only = set(args.only or ["cold_init", "api_calls", "history", "throughput"])
    result: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "note": "a shared 2-core machine: ratios, not absolute times, are the figures",
        },
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)

    def save() -> None:  # after each part: a late failure keeps what was measured
        args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")

    with contextlib.ExitStack() as cleanup:
        workdir = Path(tempfile.mkdtemp(prefix="nextmove-bench-"))
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        if "cold_init" in only:
            cold = cold_init.measure(args.reps)
            result["cold_init"] = cold
            result["cold_init_ratio"] = {**cold["ratio"], "max": cold["max_ratio"]}
            save()
            for name, compiled in (("sam_python_builder", False), ("shared_makefile", True)):
                layer = cold_init.build_layer(workdir / name, compiled=compiled)
                figures = cold_init.measure(max(5, args.reps // 3), layer)
                result.setdefault("cold_init_deployed_layer", {})[name] = figures
                save()
        # The functions' metrics (EMF lines on stdout, as on Lambda) would bury the table.
        cleanup.enter_context(
            contextlib.redirect_stdout(cleanup.enter_context(open(os.devnull, "w")))
        )
        captured: list[list[dict[str, Any]]] = []
        if only & {"api_calls", "throughput"}:
            result["api_calls_per_event"], captured = api_calls.measure(workdir)
            save()
        if "history" in only:
            growth = history.measure(
                workdir, args.history, rounds=args.rounds, record_rounds=args.record_rounds
            )
            result["history_growth"] = growth
            result["history_growth_ratio"] = growth["max_ratio"]
            result["history_growth_ratio_vs_full_record"] = growth["max_ratio_vs_full_record"]
            save()
        if "throughput" in only:
            result["throughput"] = throughput.measure(workdir, args.persons, args.senders, captured)
            save()
    print(_table(result))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
