"""Ed25519 as the Go verifier accepts it: Wycheproof, RFC 8032, the
"Taming the many EdDSAs" cases, the boundary cases Go's boundary test
builds (through bindings/python's Go test) and the key checks of
formats.CheckPublicKey."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Tuple

import pytest

import licmint
from licmint.ed25519 import _add, _recover_x, check_public_key, verify

from conftest import TESTDATA, load_json

WYCHEPROOF = load_json("wycheproof", "ed25519_test.json")


def wycheproof_cases() -> List[Tuple[str, bytes, bytes, bytes, bool]]:
    out = []
    for g in WYCHEPROOF["testGroups"]:
        pk = bytes.fromhex(g["publicKey"]["pk"])
        for t in g["tests"]:
            out.append(("tcId %d" % t["tcId"], pk, bytes.fromhex(t["msg"]), bytes.fromhex(t["sig"]), t["result"] == "valid"))
    return out


@pytest.mark.parametrize("case", wycheproof_cases(), ids=[c[0] for c in wycheproof_cases()])
def test_wycheproof(case: Tuple[str, bytes, bytes, bytes, bool]) -> None:
    _, pk, msg, sig, valid = case
    assert verify(pk, msg, sig) == valid


def rfc8032_cases() -> List[Dict[str, str]]:
    with open(os.path.join(TESTDATA, "rfc8032", "ed25519_7_1.txt")) as f:
        blocks = f.read().split("\n\n")
    out = []
    for b in blocks:
        fields = {}
        for line in b.splitlines():
            if line.startswith("#") or ":" not in line:
                continue
            k, _, v = line.partition(":")
            fields[k.split(" (")[0].strip()] = v.strip()
        if "SIGNATURE" in fields:
            out.append(fields)
    assert len(out) == 5
    return out


@pytest.mark.parametrize("case", rfc8032_cases(), ids=[c["NAME"] for c in rfc8032_cases()])
def test_rfc8032(case: Dict[str, str]) -> None:
    pk, msg, sig = (bytes.fromhex(case[k]) for k in ("PUBLIC KEY", "MESSAGE", "SIGNATURE"))
    assert verify(pk, msg, sig)
    assert not verify(pk, msg + b"x", sig)
    check_public_key(pk)  # an honest key is trusted


# crypto/ed25519's verdicts on the 12 cases (testdata/speccheck/README.md).
SPECCHECK_GO = [True, True, True, True, False, False, False, False, False, False, False, True]


def speccheck_cases() -> List[Tuple[int, bytes, bytes, bytes]]:
    with open(os.path.join(TESTDATA, "speccheck", "cases.txt")) as f:
        lines = f.read().split()
    n = int(lines[0])
    out = []
    for i in range(n):
        msg, pbk, sig = (bytes.fromhex(lines[1 + 3 * i + j].split("=", 1)[1]) for j in range(3))
        out.append((i, pbk, msg, sig))
    return out


@pytest.mark.parametrize("case", speccheck_cases(), ids=["case %d" % c[0] for c in speccheck_cases()])
def test_speccheck(case: Tuple[int, bytes, bytes, bytes]) -> None:
    i, pk, msg, sig = case
    assert verify(pk, msg, sig) == SPECCHECK_GO[i]


def test_go_boundary() -> None:
    """The cases bindings/python's TestPythonEd25519Boundary builds with Go,
    each with crypto/ed25519's verdict."""
    path = os.environ.get("LICMINT_ED25519_BOUNDARY")
    if not path:
        pytest.skip("run by go test ./bindings/python, which builds the cases with Go")
    with open(path) as f:
        cases: List[Dict[str, Any]] = json.load(f)
    wrong = [c["name"] for c in cases
             if verify(bytes.fromhex(c["public_key_hex"]), bytes.fromhex(c["msg_hex"]), bytes.fromhex(c["sig_hex"])) != c["valid"]]
    assert not wrong, "%d of %d differ from crypto/ed25519: %s" % (len(wrong), len(cases), wrong[:10])


SMALL_ORDER = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    # non-canonical spellings: x = 0 with the sign bit, y + p
    "0100000000000000000000000000000000000000000000000000000000000080",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
]


@pytest.mark.parametrize("key", SMALL_ORDER)
def test_small_order_keys_refused(key: str) -> None:
    with pytest.raises(licmint.FormatError) as info:
        check_public_key(bytes.fromhex(key))
    assert info.value.kind == "weak_key"
    with pytest.raises(licmint.ConfigError) as cinfo:
        licmint.Verifier("PC", {1: bytes.fromhex(key)})
    assert cinfo.value.kind == "weak_key"


def test_key_checks() -> None:
    honest = bytes.fromhex(load_json("conformance", "cases.json")["keys"][0]["public_key_hex"])
    check_public_key(honest)
    with pytest.raises(licmint.FormatError) as info:
        check_public_key(honest[:31])
    assert info.value.kind == "malformed"
    # y = 2 is not on the curve.
    with pytest.raises(licmint.FormatError) as info:
        check_public_key(bytes([2]) + bytes(31))
    assert info.value.kind == "malformed" and "not a point" in str(info.value)
    # A non-canonical spelling, y + p for some y < 19 on the curve: refused
    # as such before its order is looked at, as Go does.
    p = 2**255 - 19
    on_curve = [y for y in range(2, 19) if _recover_x(y, 0) is not None]
    assert on_curve, "no y below 19 is on the curve"
    with pytest.raises(licmint.FormatError) as info:
        check_public_key((on_curve[0] + p).to_bytes(32, "little"))
    assert info.value.kind == "weak_key" and "not reduced" in str(info.value)


def _encode(pt: Tuple[int, int, int, int]) -> bytes:
    p = 2**255 - 19
    zi = pow(pt[2], p - 2, p)
    x, y = pt[0] * zi % p, pt[1] * zi % p
    return (y | (x & 1) << 255).to_bytes(32, "little")


def _decode(b: bytes) -> Tuple[int, int, int, int]:
    n = int.from_bytes(b, "little")
    y = (n & ((1 << 255) - 1)) % (2**255 - 19)
    x = _recover_x(y, n >> 255)
    assert x is not None
    return x, y, 1, x * y % (2**255 - 19)


def test_mixed_order_keys_refused() -> None:
    """A key with a small-order component (FORMAT.md: a trusted key is of
    prime order), which crypto/ed25519 accepts and licmint refuses."""
    honest = bytes.fromhex(load_json("conformance", "cases.json")["keys"][0]["public_key_hex"])
    for t in SMALL_ORDER[1:8]:
        if t == SMALL_ORDER[2] or t == SMALL_ORDER[3]:
            continue  # x = 0 encodings of y = 0 are not points
        mixed = _encode(_add(_decode(honest), _decode(bytes.fromhex(t))))
        with pytest.raises(licmint.FormatError) as info:
            check_public_key(mixed)
        assert info.value.kind == "weak_key" and "mixed order" in str(info.value)
    check_public_key(_encode(_add(_decode(honest), _decode(bytes.fromhex(SMALL_ORDER[0])))))  # + identity


def test_small_order_r_refused_by_the_verifier() -> None:
    """crypto/ed25519 (and verify) accept a signature whose R is of small
    order when the equation holds; a licmint verifier refuses it."""
    from licmint.ed25519 import PublicKey, small_order_r

    case = speccheck_cases()[2]  # a small-order R, a mixed-order A: crypto/ed25519 accepts it
    assert small_order_r(case[3]) and verify(case[1], case[2], case[3])
    honest = bytes.fromhex(load_json("conformance", "cases.json")["keys"][0]["public_key_hex"])
    assert not PublicKey(honest).verify(b"m", bytes.fromhex(SMALL_ORDER[0]) + bytes(32))
