"""The runbook keeps up with the template: every alarm has its section, every alarm
says where that is, and the dashboard and queries cover every function and DLQ."""

from __future__ import annotations

import json
import re

import pytest

from nextmove_local import template
from tests.support import ROOT

RUNBOOK = ROOT / "docs" / "operations.md"
TEMPLATE = template.load()
RESOURCES = TEMPLATE["Resources"]


def of_type(kind: str) -> dict[str, dict]:
    return {name: r for name, r in RESOURCES.items() if r["Type"] == kind}


ALARMS = of_type("AWS::CloudWatch::Alarm")
QUEUES = of_type("AWS::SQS::Queue")
DLQS = sorted(name for name in QUEUES if name.endswith("DLQ"))
# Functions something triggers; the admin function is run by hand from the console.
TRIGGERED = sorted(
    name
    for name, r in of_type("AWS::Serverless::Function").items()
    if r["Properties"].get("Events")
)


def headings() -> list[str]:
    return [
        line.lstrip("#").strip()
        for line in RUNBOOK.read_text().splitlines()
        if line.startswith("#")
    ]


def metrics_on(alarm: dict) -> list[dict]:
    props = alarm["Properties"]
    if "MetricName" in props:
        return [props]
    return [m["MetricStat"]["Metric"] for m in props["Metrics"] if "MetricStat" in m]


@pytest.mark.parametrize("alarm", sorted(ALARMS))
def test_every_alarm_has_its_runbook_section_and_names_it(alarm):
    assert any(alarm in heading.split() for heading in headings()), f"no '### {alarm}' section"
    props = ALARMS[alarm]["Properties"]
    description = props["AlarmDescription"]["Fn::Sub"]
    assert f"section {alarm}" in description
    assert "First:" in description  # the first thing to do
    assert props["AlarmActions"] == props["OKActions"] == [{"Ref": "OpsTopic"}]


def test_every_dlq_and_every_triggered_function_has_an_alarm():
    watched = {
        (m["MetricName"], d["Value"].get("Fn::GetAtt", [d["Value"].get("Ref")])[0])
        for alarm in ALARMS.values()
        for m in metrics_on(alarm)
        for d in m["Dimensions"]
        if isinstance(d["Value"], dict)  # a resource's, not a fixed value (an outcome)
    }
    for dlq in DLQS:
        assert ("ApproximateNumberOfMessagesVisible", dlq) in watched, dlq
    for function in TRIGGERED:
        assert ("Errors", function) in watched, function
        assert ("Throttles", function) in watched, function
    assert ("IteratorAge", "PublisherFunction") in watched
    assert ("5xx", "EventsApi") in watched


def test_the_dashboard_is_json_and_shows_every_function_dlq_and_alarm():
    body = RESOURCES["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    names = set(re.findall(r"\$\{([^}.]+)", body))
    dashboard = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))
    titles = {w["properties"].get("title") for w in dashboard["widgets"]}
    assert {"Lambda errors", "Lambda throttles", "DLQ depths (messages waiting)"} <= titles
    assert set(TRIGGERED) <= names
    assert set(DLQS) <= names
    assert set(ALARMS) <= names
    # The runbook names every widget, as its title reads on the dashboard.
    runbook = " ".join(RUNBOOK.read_text().split())
    for title in titles - {None}:
        assert title in runbook, title


def test_the_saved_queries_cover_every_functions_logs():
    log_groups = {f"{name}Logs" for name in of_type("AWS::Serverless::Function")}
    queries = of_type("AWS::Logs::QueryDefinition")
    # The three every incident starts from; the suppressions query reads one function.
    for name in ("FollowEventQuery", "PersonActivityQuery", "RecentErrorsQuery"):
        query = queries[name]
        covered = {g["Ref"] for g in query["Properties"]["LogGroupNames"]}
        assert covered == log_groups


@pytest.mark.parametrize(
    "name", sorted(n for n, a in ALARMS.items() if "Metrics" in a["Properties"])
)
def test_a_metric_math_alarm_stays_within_cloudwatchs_hard_limits(name):
    # The local stack creates no alarms, so nothing else would catch what CloudWatch
    # refuses at deploy time: a metric math alarm references at most 10 metrics (a hard
    # limit, docs: "Limits that apply to alarms based on metric math expressions") and
    # PutMetricAlarm takes at most 20 queries, one of them returning the data.
    queries = ALARMS[name]["Properties"]["Metrics"]
    assert len([q for q in queries if "MetricStat" in q]) <= 10
    assert len(queries) <= 20
    assert sum(1 for q in queries if q.get("ReturnData", True)) == 1
