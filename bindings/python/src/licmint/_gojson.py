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
    """The one JSON value of data; raises ValueError (or RecursionError).
    JSON text is UTF-8: other bytes are refused (UnicodeDecodeError), as
    Go's reader does."""
    return _DECODER.decode(data.decode("utf-8"))


def decode_first(data: bytes) -> Any:
    """The first JSON value of data, ignoring what follows it, as a Go
    json.Decoder reads one value."""
    text = data.decode("utf-8")
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


_FOLD = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_FOLD.update({0x017F: "s", 0x212A: "k"})


def fold(name: str) -> str:
    """A member name as Go's decoder matches it to a field (FORMAT.md
    section 1): A-Z to a-z, U+017F (long s) to s, U+212A (Kelvin) to k."""
    return name.translate(_FOLD)


class StrictError(ValueError):
    """JSON that FORMAT.md refuses though it parses: a member named twice
    in one object, a known member's name in another case, or a null where
    none is allowed (Go's internal/jsonstrict)."""


def check_strict(data: bytes, names: Iterable[str], allow_null: bool = False, top_level: bool = False) -> None:
    """Raises StrictError for what internal/jsonstrict refuses. Syntax
    errors are left to the caller's decoder, as there."""
    try:
        root = loads(data)
    except (ValueError, RecursionError):
        return
    known = list(names)
    lower = {fold(n): n for n in known}

    def walk(v: Any, depth: int) -> None:
        if v is None and not allow_null:
            raise StrictError("null is not a value here: leave the member out instead")
        if isinstance(v, Pairs):
            seen = set()
            for k, x in v:
                if k in seen:
                    raise StrictError('member "%s" appears twice in one object' % k)
                seen.add(k)
                want = lower.get(fold(k))
                if (not top_level or depth == 0) and want is not None and want != k:
                    raise StrictError('member "%s": the name is "%s", in that case' % (k, want))
                walk(x, depth + 1)
        elif isinstance(v, list):
            for x in v:
                walk(x, depth + 1)

    walk(root, 0)
