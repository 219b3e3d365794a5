from __future__ import annotations

import json
import os
from typing import Any

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# LICMINT_TESTDATA runs the suite on another copy of testdata/, such as a
# branch's that adds vectors.
TESTDATA = os.environ.get("LICMINT_TESTDATA") or os.path.join(ROOT, "testdata")


def load_json(*parts: str) -> Any:
    with open(os.path.join(TESTDATA, *parts), "rb") as f:
        return json.load(f)


# Test-only signing with the TEST ONLY key whose seed the vector files
# publish, so that tests can make the codes, lists and reset codes they need.
import dataclasses  # noqa: E402
import datetime  # noqa: E402
from typing import Callable, Dict, List, Optional, Tuple  # noqa: E402

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

import licmint  # noqa: E402
from licmint import revocation  # noqa: E402
from licmint.formats import ActivationCode, ResetCode  # noqa: E402

_VECTORS = load_json("vectors", "key_files.json")
TEST_SEED = bytes.fromhex(_VECTORS["test_key"]["seed_hex"])
TEST_PUB = bytes.fromhex(_VECTORS["test_key"]["public_key_hex"])
SECOND_SEED = bytes.fromhex(_VECTORS["second_test_key"]["seed_hex"])
SECOND_PUB = bytes.fromhex(_VECTORS["second_test_key"]["public_key_hex"])
UTC = datetime.timezone.utc


def day(s: str) -> int:
    return (datetime.date.fromisoformat(s) - datetime.date(2020, 1, 1)).days


def at(s: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def sign_code(serial: int = 31415926535897, *, issued: str = "2026-11-27", expires: Optional[str] = "2027-11-27",
              generation: int = 0, edition: int = 1, trial: bool = False, install_id: Optional[bytes] = None,
              key_id: int = 1, seed: bytes = TEST_SEED, product: str = "PC") -> str:
    c = ActivationCode(product, 1, key_id, edition, trial, install_id is not None, generation, day(issued),
                       licmint.PERPETUAL if expires is None else day(expires), serial, True, bytes(64))
    sig = Ed25519PrivateKey.from_private_bytes(seed).sign(c.message(install_id or b""))
    return str(dataclasses.replace(c, signature=sig))


def sign_reset(install_id: bytes, remembered: str, issued: str, nonce: int = 1, key_id: int = 1,
               seed: bytes = TEST_SEED, product: str = "PC") -> Tuple[str, str]:
    c = ResetCode(product, 1, key_id, day(remembered), day(issued), nonce, bytes(64))
    sig = Ed25519PrivateKey.from_private_bytes(seed).sign(c.message(install_id))
    r = dataclasses.replace(c, signature=sig)
    return str(r), r.id


def sign_list(sequence: int, entries: List[Tuple[int, int]], *, key_id: int = 1, seed: bytes = TEST_SEED,
              product: str = "PC", issued: str = "2027-01-15") -> bytes:
    body = b"LMRL\x00\x00\x00\x01" + product.encode() + bytes([key_id, 0]) + sequence.to_bytes(8, "big")
    body += day(issued).to_bytes(2, "big") + b"\x00\x00" + len(entries).to_bytes(4, "big")
    for serial, below in sorted(entries):
        body += (serial << 8 | below).to_bytes(8, "big")
    return body + Ed25519PrivateKey.from_private_bytes(seed).sign(revocation.CONTEXT + body)


def clock(start: str) -> Tuple[Dict[str, datetime.datetime], Callable[[], datetime.datetime]]:
    """A settable clock: now["t"] is what it reads."""
    now = {"t": at(start)}
    return now, lambda: now["t"]
