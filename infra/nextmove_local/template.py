"""template.yaml as data: the SAM template parsed, with intrinsics resolved locally.

The local stack builds itself from this, so local and deployed wiring cannot drift.
Only the intrinsics the template uses are understood (Ref, GetAtt, Sub); anything else
is an error here rather than a silent difference from AWS.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


class _Loader(yaml.SafeLoader):  # type: ignore[misc]  # yaml is untyped (Any) here
    """YAML with CloudFormation's short-form tags (!Ref, !GetAtt, !Sub)."""


def _tag(name: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    return construct


for _short, _long in {"!Ref": "Ref", "!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub"}.items():
    _Loader.add_constructor(_short, _tag(_long))
# Parsed so the template loads; only conditions (``holds``) are evaluated locally.
for _name in ("Equals", "Not", "And", "Or", "If", "Select", "Split", "Join"):
    _Loader.add_constructor(f"!{_name}", _tag(f"Fn::{_name}"))


def functions(tpl: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, properties) of each AWS::Serverless::Function, in template order."""
    for logical, resource in tpl["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            yield logical, resource["Properties"]


def load(path: Path = TEMPLATE) -> dict[str, Any]:
    with path.open() as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=_Loader)
    return document


def holds(name: str, conditions: dict[str, Any], resolve: Resolver) -> bool:
    """Whether the template's condition ``name`` is true for the local parameters."""

    def value(node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((fn, args),) = node.items()
            if fn == "Condition":
                return value(conditions[args])
            if fn == "Fn::Equals":
                return value(args[0]) == value(args[1])
            if fn == "Fn::Not":
                return not value(args[0])
            if fn == "Fn::And":
                return all(value(a) for a in args)
            if fn == "Fn::Or":
                return any(value(a) for a in args)
        return resolve(node)

    return bool(value(conditions[name]))


@dataclass
class Resolver:
    """Resolves intrinsics against local names: ``refs`` for Ref, ``attrs`` for GetAtt."""

    refs: dict[str, str] = field(default_factory=dict)
    attrs: dict[tuple[str, str], str] = field(default_factory=dict)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(v) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            return self.refs[value["Ref"]]
        if set(value) == {"Fn::GetAtt"}:
            logical, attribute = value["Fn::GetAtt"]
            return self.attrs[(logical, attribute)]
        if set(value) == {"Fn::Sub"}:
            text, variables = value["Fn::Sub"], {}
            if isinstance(text, list):  # !Sub [template, {name: value}]
                text, variables = text[0], {k: self(v) for k, v in text[1].items()}
            return re.sub(r"\$\{([^}]+)\}", lambda m: self._sub(m.group(1), variables), text)
        if set(value) == {"Fn::Select"}:
            index, items = value["Fn::Select"]
            return self(items)[int(index)]
        if set(value) == {"Fn::Split"}:
            separator, text = value["Fn::Split"]
            return str(self(text)).split(separator)
        if set(value) == {"Fn::Join"}:
            separator, items = value["Fn::Join"]
            return separator.join(str(v) for v in self(items))
        return {k: self(v) for k, v in value.items()}

    def _sub(self, name: str, variables: dict[str, Any] | None = None) -> str:
        if variables and name in variables:
            return str(variables[name])
        if "." in name:
            logical, attribute = name.split(".", 1)
            return self.attrs[(logical, attribute)]
        return self.refs[name]
