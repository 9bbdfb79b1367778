"""Make moto cost what AWS's work costs, not moto's bookkeeping. Two patches:

Transactions. moto 5.2 backs up every table a transaction touches with
``copy.deepcopy`` (once per item of the transaction, stream records included) so that
it can roll back a cancelled one. A transaction then costs time in proportion to
everything ever written, and a long local run slows quadratically: at 10,000 events,
most of the run is deepcopy. This keeps moto's own transaction code (its conditions, its
cancellation reasons, its stream records) and replaces only the backup: the items the
transaction names and the stream's length are saved, and restored if moto cancels.
Transactions are also serialised, which moto's own code is not, so a concurrent one
cannot see a half-applied transaction.

Attribute values. moto 5.2 writes each response by walking botocore's output shape,
and an item's every attribute value is a union of ten members, each looked up through
five alias providers: a GetItem that finds a four-attribute item cost ~0.7 ms more than
one that finds nothing, which made a person's first event look cheaper than any later
one for moto's sake alone. The models already hold attribute values in the wire's own
shape but for binary, so they are written as they are, binary base64-encoded, exactly
as the walk writes them (``tests/integration/test_moto_speed.py`` reads every attribute
type back as written, and passes with moto's own walk too).
"""

from __future__ import annotations

import base64
import copy
import threading
import types
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # moto is imported when the patches are installed, not before
    from moto.core.model import StructureShape
    from moto.core.serialize import BaseJSONSerializer
    from moto.dynamodb.models import DynamoDBBackend

_installed = False
_lock = threading.Lock()


def install() -> None:
    """Patch moto once per process (the server runs in-process)."""
    global _installed
    if _installed:
        return
    _install_transactions()
    _install_attribute_values()
    _installed = True


def _install_transactions() -> None:
    from moto.dynamodb import models

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        with _lock:
            saved = _save(self, transact_items)
            # moto's backup becomes the table itself; the rollback is ours, below. (moto
            # imports copy without exporting it, and the stand-in is not a module.)
            models.copy = _NoTableCopy  # type: ignore[attr-defined, assignment]
            try:
                original(self, transact_items)
            except Exception:
                _restore(self, saved)
                raise
            finally:
                models.copy = copy  # type: ignore[attr-defined]

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


# The services whose responses carry DynamoDB attribute values.
_ATTRIBUTE_SERVICES = {"dynamodb", "dynamodbstreams"}


def _install_attribute_values() -> None:
    from moto.core import serialize

    walk = serialize.BaseJSONSerializer._serialize_type_structure

    def serialize_structure(
        self: BaseJSONSerializer,
        serialized: MutableMapping[str, Any],
        value: Any,
        shape: StructureShape,
        key: str,
    ) -> None:
        if (
            shape.name == "AttributeValue"
            and isinstance(value, dict)
            and self.service_model.service_name in _ATTRIBUTE_SERVICES
        ):
            self._default_serialize(serialized, wire_attribute(value), shape, key)
            return
        walk(self, serialized, value, shape, key)

    serialize.BaseJSONSerializer._serialize_type_structure = serialize_structure  # type: ignore[method-assign]


def wire_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """An attribute value as moto's models hold it, as the response carries it."""
    wire: dict[str, Any] = {}
    for kind, member in value.items():
        if member is None:
            continue  # the walk leaves out a member that is None
        if kind == "B":
            member = _base64(member)
        elif kind == "BS":
            member = [_base64(m) for m in member]
        elif kind == "M":
            member = {name: wire_attribute(m) for name, m in member.items()}
        elif kind == "L":
            member = [wire_attribute(m) for m in member]
        wire[kind] = member
    return wire


def _base64(value: str | bytes) -> str:
    """As moto's serializer encodes a blob (a str is encoded as UTF-8 first)."""
    raw = value.encode() if isinstance(value, str) else value
    return base64.b64encode(raw).decode()


class _NoTableCopy(types.SimpleNamespace):
    """``copy`` as moto's transaction code sees it: a table is "copied" as itself."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _save(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Each named item as it is now (or None) and each touched stream's length. Only an
    Update changes moto's item in place and needs a copy: a Put stores a new item and a
    Delete drops the old one, so the old object itself is what a rollback puts back."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    saved: list[tuple[Any, ...]] = []
    streams: dict[str, int] = {}
    for entry in transact_items:
        kind, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue
        key = op.get("Key") or {
            name: op["Item"][name]
            for name in (table.hash_key_attr, table.range_key_attr)
            if name and name in op["Item"]
        }
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        current = table.get_item(hash_value, range_value)
        if kind == "Update":
            current = copy.deepcopy(current)
        saved.append(("item", table, hash_value, range_value, current))
        if table.stream_shard is not None and table.name not in streams:
            streams[table.name] = len(table.stream_shard.items)
            saved.append(("stream", table, streams[table.name]))
    return saved


def _restore(backend: Any, saved: list[tuple[Any, ...]]) -> None:
    for entry in reversed(saved):
        if entry[0] == "stream":
            _, table, length = entry
            del table.stream_shard.items[length:]
            continue
        _, table, hash_value, range_value, item = entry
        if range_value is None:
            if item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
        elif item is None:
            table.items.get(hash_value, {}).pop(range_value, None)
        else:
            table.items[hash_value][range_value] = item
