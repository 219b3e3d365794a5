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
from licmint.ed25519 import check_public_key, verify

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
    # A non-canonical spelling of a point of large order: y + p for y < 19.
    p = 2**255 - 19
    for y in range(2, 19):
        try:
            check_public_key(y.to_bytes(32, "little"))
        except licmint.FormatError as e:
            if e.kind == "weak_key":
                continue
            assert e.kind == "malformed"
            continue
        with pytest.raises(licmint.FormatError) as info:
            check_public_key((y + p).to_bytes(32, "little"))
        assert info.value.kind == "weak_key" and "not reduced" in str(info.value)
        break
    else:
        pytest.fail("no y below 19 is on the curve")
