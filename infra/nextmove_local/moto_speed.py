"""Make moto's TransactWriteItems cost what one transaction costs, not the table's size.

moto 5.2 backs up every table a transaction touches with ``copy.deepcopy`` (once per
item of the transaction, stream records included) so that it can roll back a cancelled
one. A transaction then costs time in proportion to everything ever written, and a
long local run slows quadratically: at 10,000 events, most of the run is deepcopy.

This keeps moto's own transaction code (its conditions, its cancellation reasons, its
stream records) and replaces only the backup: the items the transaction names and the
stream's length are saved, and restored if moto cancels. Transactions are also
serialised, which moto's own code is not, so a concurrent one cannot see a half-applied
transaction.
"""

from __future__ import annotations

import copy
import threading
import types
from typing import Any

_installed = False
_lock = threading.Lock()


def install() -> None:
    """Patch moto's DynamoDB backend once per process (the server runs in-process)."""
    global _installed
    if _installed:
        return
    from moto.dynamodb import models

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
        with _lock:
            saved = _save(backend, transact_items)
            # moto's backup becomes the table itself; the rollback is ours, below.
            models.copy = _NoTableCopy  # type: ignore[attr-defined]
            try:
                original(backend, transact_items)
            except Exception:
                _restore(backend, saved)
                raise
            finally:
                models.copy = copy  # type: ignore[attr-defined]

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _installed = True


class _NoTableCopy(types.SimpleNamespace):
    """``copy`` as moto's transaction code sees it: a table is "copied" as itself."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _save(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Each named item as it is now (a copy, or None) and each touched stream's length."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    saved: list[tuple[Any, ...]] = []
    streams: dict[str, int] = {}
    for entry in transact_items:
        op = next(iter(entry.values()))
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
        saved.append(("item", table, hash_value, range_value, copy.deepcopy(current)))
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
