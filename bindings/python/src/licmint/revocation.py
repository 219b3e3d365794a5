"""Signed revocation lists (FORMAT.md section 11), as Go's package
formats/revocation reads them."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Callable, List, Optional

from .errors import RevocationListError
from .formats import MAX_DAY, MAX_SERIAL

__all__ = ["RevocationList", "parse", "CONTEXT"]

CONTEXT = b"licmint/revocation-list/v1\x00"
HEADER_SIZE = 28
ENTRY_SIZE = 8
SIGNATURE_SIZE = 64
MAX_ENTRIES = 1 << 24
_MAGIC = b"LMRL\x00\x00\x00\x01"

# verify(key_id, message) -> None, raising RevocationListError of kind
# list_unknown_key or list_bad_signature.
VerifyFunc = Callable[[int, bytes, bytes], None]


@dataclass(frozen=True)
class RevocationList:
    product: str
    key_id: int
    sequence: int
    issued: int
    serials: List[int]
    below: List[int]

    def __len__(self) -> int:
        return len(self.serials)

    def revoked(self, serial: int, generation: int) -> bool:
        """Whether the list revokes this serial's generation: every one if
        its entry's bound is 0, else those below the bound."""
        i = bisect.bisect_left(self.serials, serial)
        if i == len(self.serials) or self.serials[i] != serial:
            return False
        b = self.below[i]
        return b == 0 or generation < b


def _malformed(msg: str) -> RevocationListError:
    return RevocationListError("list_malformed", "malformed revocation list: " + msg)


def parse(data: bytes, product: Optional[str], verify: VerifyFunc) -> RevocationList:
    """Checks a list in FORMAT.md's order; raises RevocationListError."""
    data = bytes(data)
    if len(data) < HEADER_SIZE + SIGNATURE_SIZE:
        raise _malformed("%d bytes, shorter than any list (truncated?)" % len(data))
    if data[:8] != _MAGIC:
        if data[:4] == b"LMRL":
            raise _malformed("format version %d; this licmint reads version 1" % int.from_bytes(data[4:8], "big"))
        raise _malformed("not a licmint revocation list")
    lp = data[8:10]
    key_id = data[10]
    sequence = int.from_bytes(data[12:20], "big")
    issued = int.from_bytes(data[20:22], "big")
    count = int.from_bytes(data[24:28], "big")
    want = HEADER_SIZE + count * ENTRY_SIZE + SIGNATURE_SIZE
    if len(data) != want:
        raise _malformed(
            "%d bytes, but its header promises %d entries (%d bytes): truncated or padded" % (len(data), count, want)
        )
    if data[11] or data[22] or data[23] or not all(65 <= c <= 90 for c in lp) or issued > MAX_DAY or count > MAX_ENTRIES:
        raise _malformed("header fields out of range")
    lps = lp.decode()
    if product is not None and lps != product:
        raise RevocationListError(
            "list_wrong_product", "revocation list for another product: list for %s, not %s" % (lps, product)
        )
    body, sig = data[:-SIGNATURE_SIZE], data[-SIGNATURE_SIZE:]
    verify(key_id, CONTEXT + body, sig)
    serials: List[int] = []
    below: List[int] = []
    prev = -1
    for i in range(count):
        v = int.from_bytes(body[HEADER_SIZE + i * ENTRY_SIZE : HEADER_SIZE + (i + 1) * ENTRY_SIZE], "big")
        s = v >> 8
        if s > MAX_SERIAL or s <= prev:
            raise _malformed("entry %d out of order or out of range" % (i + 1))
        prev = s
        serials.append(s)
        below.append(v & 0xFF)
    return RevocationList(lps, key_id, sequence, issued, serials, below)
