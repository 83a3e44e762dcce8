"""Shelf order: location, then LC call number as the stacks shelve it (parsed and compared by
pycallnumber), so a batch of pull slips walks the stacks once (docs/catalog.md, "Pull slips")."""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Iterable
from types import FrameType, ModuleType
from typing import Protocol, TypeVar


def _frames(context: int = 1) -> list[tuple[FrameType]]:
    frames: list[tuple[FrameType]] = []
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        frames.append((frame,))
        frame = frame.f_back
    return frames


def _import_pycallnumber() -> ModuleType:
    """pycallnumber names each call number class it builds at import after the calling module,
    found with inspect.stack(), which reads the source of every frame on the stack: tens of
    seconds in a process with Django loaded. It uses only the frames, which _frames gives at
    once. Imported from CatalogConfig.ready(), while Django starts on one thread."""
    saved = inspect.stack
    inspect.stack = _frames  # type: ignore[assignment]
    try:
        return importlib.import_module("pycallnumber")
    finally:
        inspect.stack = saved


pycallnumber = _import_pycallnumber()

# Call numbers that are not LC (a local scheme, a typo) sort after the LC ones, as text.
_NOT_LC = "~"


class Shelved(Protocol):
    shelf_call_number: str
    location: str


T = TypeVar("T", bound=Shelved)


def call_number_key(call_number: str) -> str:
    text = " ".join(call_number.split())
    if not text:
        return _NOT_LC * 2
    try:
        parsed = pycallnumber.callnumber(text, unittypes=[pycallnumber.units.LC])
    except pycallnumber.exceptions.InvalidCallNumberStringError:
        return _NOT_LC + text.casefold()
    return str(parsed.for_sort())


def shelf_key(item: Shelved) -> tuple[bool, str, str]:
    """Requests with a location first (by location), then by call number; unrecorded last."""
    return (not item.location, item.location.casefold(), call_number_key(item.shelf_call_number))


def in_shelf_order(items: Iterable[T]) -> list[T]:
    return sorted(items, key=shelf_key)
