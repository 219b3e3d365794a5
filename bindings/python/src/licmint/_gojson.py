"""JSON read as Go's encoding/json reads it into a struct, where the
vectors depend on it: members matched to fields case-insensitively, the
last of repeated members winning, unknown members ignored, and no NaN or
Infinity."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Tuple


class Pairs(List[Tuple[str, Any]]):
    """A JSON object, as its members in order."""


def reject(name: str) -> Any:
    raise ValueError("invalid JSON value " + name)


_DECODER = json.JSONDecoder(object_pairs_hook=Pairs, parse_constant=reject)


def loads(data: bytes) -> Any:
    """The one JSON value of data; raises ValueError (or RecursionError)."""
    return _DECODER.decode(data.decode("utf-8", "replace"))


def decode_first(data: bytes) -> Any:
    """The first JSON value of data, ignoring what follows it, as a Go
    json.Decoder reads one value."""
    text = data.decode("utf-8", "replace")
    i = len(text) - len(text.lstrip(" \t\r\n"))
    value, _ = _DECODER.raw_decode(text, i)
    return value


def members(obj: Pairs, names: Iterable[str]) -> Dict[str, Any]:
    """The members of obj for the fields names, in Go's way: a member
    matches a field exactly or case-insensitively, the last one wins, and
    null leaves the field as it was (absent here)."""
    lower = {n.lower(): n for n in names}
    out: Dict[str, Any] = {}
    for k, v in obj:
        name = lower.get(k.lower())
        if name is not None and v is not None:
            out[name] = v
    return out
