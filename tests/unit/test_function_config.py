"""Each function declares the environment it reads (nextmove/adapters/config.py), and
template.yaml gives it exactly that: every variable its model names, nothing else."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from nextmove.adapters import config
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
