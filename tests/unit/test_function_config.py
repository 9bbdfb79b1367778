"""Each function declares the environment it reads (nextmove/adapters/config.py), and
template.yaml gives it exactly that: every variable its model names, nothing else."""

from __future__ import annotations

import ast
import json
import typing
from pathlib import Path

import pytest

from nextmove.adapters import config, keys
from nextmove.contracts.events import EVENT_MODELS
from nextmove.domain import coach
from nextmove_local import template

ROOT = Path(__file__).resolve().parents[2]


def _functions():
    tpl = template.load()
    for logical, props in template.functions(tpl):
        yield logical, props, tpl


def _model_of(code_uri: str) -> type[config.FunctionConfig]:
    tree = ast.parse((ROOT / code_uri / "app.py").read_text())
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "load"
            and isinstance(node.args[0], ast.Attribute)
        ):
            return getattr(config, node.args[0].attr)
    raise AssertionError(f"{code_uri}app.py loads no config model at cold start")


@pytest.mark.parametrize(
    ("logical", "props", "tpl"), list(_functions()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_the_template_gives_each_function_exactly_what_its_model_reads(logical, props, tpl):
    globals_env = tpl["Globals"]["Function"]["Environment"]["Variables"]
    given = set(globals_env) | set(props.get("Environment", {}).get("Variables", {}))
    assert given == set(_model_of(props["CodeUri"]).model_fields), logical


def test_a_missing_variable_fails_at_cold_start_naming_it(monkeypatch):
    for name in config.EmailConfig.model_fields:
        monkeypatch.setenv(name, "x")
    monkeypatch.delenv("SENDER_EMAIL")
    with pytest.raises(RuntimeError, match="SENDER_EMAIL"):
        config.load(config.EmailConfig)


def _routes():
    """(logical, props, event type) for each function a rule feeds the webhook's events
    to (not the suppression function: SES's events come on the default bus)."""
    for logical, props, _ in _functions():
        for trigger in props.get("Events", {}).values():
            pattern = trigger["Properties"].get("Pattern", {})
            if trigger["Type"] == "EventBridgeRule" and pattern["source"] == ["nextmove.webhook"]:
                [event_type] = trigger["Properties"]["Pattern"]["detail-type"]
                yield logical, props, event_type


def _validated_model(code_uri: str) -> str:
    """The ``Name`` in the handler's ``BusDetail[Name].model_validate``."""
    tree = ast.parse((ROOT / code_uri / "app.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and getattr(node.value, "id", "") == "BusDetail":
            return node.slice.id
    raise AssertionError(f"{code_uri}app.py validates no BusDetail")


def test_one_table_routes_each_event_type_to_its_model_and_step():
    """coach.STEPS, contracts.EVENT_MODELS and the template's rules name the same event
    types; each rule's function validates that type's model, and its step folds it."""
    routes = list(_routes())
    assert sorted(t for _, _, t in routes) == sorted(coach.STEPS) == sorted(EVENT_MODELS)
    for logical, props, event_type in routes:
        model = EVENT_MODELS[event_type]
        assert _validated_model(props["CodeUri"]) == model.__name__, logical
        fold = coach.STEPS[event_type].fold
        assert typing.get_type_hints(fold)["event"] is model, event_type


@pytest.mark.parametrize(
    ("logical", "props", "event_type"),
    list(_routes()),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_function_reads_the_thresholds_exactly_when_its_step_is_tuned(logical, props, event_type):
    tuned = coach.STEPS[event_type].tuned
    granted = {"Ref": "ReadThresholdsPolicy"} in props["Policies"]
    reads = "THRESHOLDS_PARAMETER" in _model_of(props["CodeUri"]).model_fields
    assert granted == reads == tuned, logical


def test_the_publishers_stream_filter_passes_the_outbox_rows_keys_py_names():
    [(_, publisher, _)] = [f for f in _functions() if f[0] == "PublisherFunction"]
    [stream] = [e for e in publisher["Events"].values() if e["Type"] == "DynamoDB"]
    [only] = stream["Properties"]["FilterCriteria"]["Filters"]
    pattern = json.loads(only["Pattern"])
    assert pattern["eventName"] == ["INSERT"]
    assert pattern["dynamodb"]["NewImage"]["sk"]["S"] == [{"prefix": keys.REC}]


def test_the_suppression_rule_takes_every_ses_event_type_the_destination_sends():
    from nextmove.contracts.ses import DETAIL_TYPES

    [(_, suppression, _)] = [f for f in _functions() if f[0] == "SuppressionFunction"]
    [rule] = suppression["Events"].values()
    assert rule["Properties"]["Pattern"]["detail-type"] == list(DETAIL_TYPES.values())
    destination = template.load()["Resources"]["EmailFeedbackDestination"]["Properties"]
    matching = destination["EventDestination"]["MatchingEventTypes"]
    assert len(matching) == len(DETAIL_TYPES)
