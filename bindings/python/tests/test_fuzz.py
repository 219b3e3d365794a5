"""Seeded random mutations of every input the package reads: no input
raises anything but the package's own errors (LicmintError), and what
decodes re-encodes to itself. The seed is fixed, so a failure reproduces;
LICMINT_FUZZ_SEED and LICMINT_FUZZ_ITERATIONS run others."""

from __future__ import annotations

import base64
import datetime
import json
import os
import random
from typing import Any, Callable, List

import pytest

import licmint
from licmint import jwt, keyring, renewal
from licmint.formats import ALPHABET
from conftest import TEST_PUB, TEST_SEED, load_json, sign_code, sign_list, sign_reset

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SEED = int(os.environ.get("LICMINT_FUZZ_SEED", "20261207"))
ITERATIONS = int(os.environ.get("LICMINT_FUZZ_ITERATIONS", "300"))
INTERESTING = [b"\x00", b"\xff", b"-", b" ", b"\n", b"\r\n", b"U", b"o", b"I", b"l", "é".encode(), b"\xed\xa0\x80",
               b"{", b"}", b'"', b":", b"null", b"1e999", b"-----BEGIN ", b"=", b".", b"0" * 40]


def mutate(rng: random.Random, data: bytes, others: List[bytes]) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 3, 8))):
        op = rng.randrange(9)
        i = rng.randrange(len(b) + 1)
        if op == 0 and b:
            b[min(i, len(b) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1 and b:
            b[min(i, len(b) - 1)] = rng.randrange(256)
        elif op == 2:
            b[i:i] = rng.choice(INTERESTING)
        elif op == 3 and b:
            del b[i : i + rng.randrange(1, 4)]
        elif op == 4:
            del b[i:]
        elif op == 5 and len(b) > 1:
            j = min(i, len(b) - 2)
            b[j], b[j + 1] = b[j + 1], b[j]
        elif op == 6 and b:
            j = rng.randrange(len(b))
            b[i:i] = b[j : j + rng.randrange(1, 16)]
        elif op == 7 and others:
            o = rng.choice(others)
            k = rng.randrange(len(o) + 1)
            b = b[:i] + bytearray(o[k:])
        else:
            b[i:i] = bytes([rng.randrange(256)])
    return bytes(b)


def only_package_errors(name: str, seeds: List[bytes], fn: Callable[[bytes], Any]) -> int:
    """Runs fn on ITERATIONS mutations of seeds; returns how many it
    accepted. Anything but a LicmintError fails with the input."""
    rng = random.Random("%d %s" % (SEED, name))
    accepted = 0
    inputs = list(seeds) + [mutate(rng, rng.choice(seeds), seeds) for _ in range(ITERATIONS)]
    for data in inputs:
        try:
            fn(data)
            accepted += 1
        except licmint.LicmintError as e:
            assert e.kind and str(e), repr(data)
        except Exception as e:  # pragma: no cover - the failure being tested for
            pytest.fail("%s: %r raised %s: %s" % (name, data, type(e).__name__, e))
    return accepted


NOW = datetime.datetime(2027, 1, 15, tzinfo=datetime.timezone.utc)
PC = licmint.Catalog.default().product("PC")


def new_verifier(store: "licmint.Store | None" = None) -> licmint.Verifier:
    return licmint.Verifier("PC", {1: TEST_PUB}, catalog=PC, install_id="host-1", now=lambda: NOW, state=store)


CODES = [sign_code().encode(), sign_code(install_id=b"host-1", generation=3).encode(), sign_code(expires=None).encode(),
         sign_code().lower().replace("-", " ").encode(), sign_code()[:37].encode()]


def test_codes() -> None:
    v = new_verifier(licmint.MemoryStore())

    def check(data: bytes) -> None:
        lic = v.verify(data)
        assert isinstance(lic.status, licmint.Status)
        c = licmint.parse_activation_code(data)
        assert licmint.parse_activation_code(str(c)) == c
        assert v.verify(data.decode("utf-8", "surrogateescape")) == lic or lic.status != licmint.Status.VALID

    only_package_errors("codes", CODES, check)
    only_package_errors("renewals", CODES, lambda d: v.verify_renewal(CODES[0], d))


def test_every_single_substitution_and_swap_is_a_located_typo() -> None:
    code = sign_code()
    v = new_verifier()
    rng = random.Random(SEED)
    symbols = [i for i, ch in enumerate(code) if ch != "-"]
    for n, i in enumerate(symbols):
        if n < 2:
            subs = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c != code[i]]
        else:
            subs = [chr(c) for c in ALPHABET if chr(c) != code[i]]
        for s in rng.sample(subs, 3):
            bad = code[:i] + s + code[i + 1 :]
            with pytest.raises(licmint.FormatError) as info:
                v.verify(bad)
            assert info.value.kind == "typo", (bad, str(info.value))
            if info.value.column:
                assert info.value.column == i + 1, (bad, str(info.value))
    for a, b in zip(symbols[2:], symbols[3:]):
        if code[a] == code[b]:
            continue
        chars = list(code)
        chars[a], chars[b] = chars[b], chars[a]
        with pytest.raises(licmint.FormatError) as info:
            v.verify("".join(chars))
        assert info.value.kind == "typo", str(info.value)


def test_reset_codes_and_registration_keys() -> None:
    store = licmint.MemoryStore(licmint.State(last_seen=2_000_000_000 * 10**9))
    v = new_verifier(store)
    resets = [sign_reset(b"host-1", "2033-05-18", "2027-01-15")[0].encode()]
    only_package_errors("reset codes", resets + CODES[:1], lambda d: v.reset(d))
    rks = [b"PC-0314-1592-6535-8978", b"pc 1314 1592 6535 8975"]

    def rk(d: bytes) -> None:
        k = licmint.parse_registration_key(d)
        assert licmint.parse_registration_key(str(k)) == k

    only_package_errors("registration keys", rks, rk)


def test_revocation_lists() -> None:
    v = new_verifier(licmint.MemoryStore())
    lists = [sign_list(3, [(1, 0), (31415926535897, 2)]), sign_list(9, [])]
    only_package_errors("revocation lists", lists, v.load_revocation_list)


def test_state_bytes_and_files(tmp_path: "os.PathLike[str]") -> None:
    s = licmint.State(last_seen=1_800_000_000 * 10**9, list_sequence=3, list=sign_list(3, [(1, 0)]),
                      generations={31415926535897: 2, 7: 0}, resets={"0123456789abcdef0123": 0})
    blob = licmint.marshal(s)
    assert licmint.unmarshal(blob) == s

    def round_trip(d: bytes) -> None:
        st = licmint.unmarshal(d)
        assert licmint.unmarshal(licmint.marshal(st)) == st

    only_package_errors("state bytes", [blob], round_trip)
    path = os.path.join(os.fspath(tmp_path), "state.txt")
    text = blob.partition(b"\n\n")[0] + b"\n"
    with open(path + ".list", "wb") as f:
        f.write(s.list or b"")

    def file_state(d: bytes) -> None:
        with open(path, "wb") as f:
            f.write(d)
        v = new_verifier(licmint.FileStore(path))
        v.verify(CODES[0])
        v.state_error

    only_package_errors("state files", [text], file_state)


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def test_tokens() -> None:
    vectors = load_json("vectors", "jwts.json")
    tokens = [t["token"].encode() for t in vectors["valid"] + vectors["invalid"]]
    v = new_verifier()
    only_package_errors("tokens", tokens, lambda d: jwt.verify_token(v, d))
    # Mutated claims, signed again, so that they reach the claim checks.
    key = Ed25519PrivateKey.from_private_bytes(TEST_SEED)
    claims = [json.dumps(t["claims"]).encode() for t in vectors["valid"]]

    def signed(d: bytes) -> None:
        head = _b64(b'{"alg":"EdDSA","kid":"1","typ":"JWT"}') + "." + _b64(d)
        jwt.verify_token(v, head + "." + _b64(key.sign(head.encode())))

    only_package_errors("signed claims", claims, signed)


def test_catalogs_keyrings_renewal_requests() -> None:
    cats = [c["json"].encode() for c in load_json("vectors", "catalogs.json")["valid"]]
    only_package_errors("catalogs", cats, licmint.Catalog.parse)
    keys = [k["text"].encode() for k in load_json("vectors", "key_files.json")["valid"]]
    only_package_errors("keyrings", keys, keyring.parse_keyring)
    reqs = [r["text"].encode() for r in load_json("vectors", "renewal_requests.json")["valid"]]

    def request(d: bytes) -> None:
        r = renewal.parse_renewal_request(d)
        assert renewal.parse_renewal_request(r.text()) == r

    only_package_errors("renewal requests", reqs, request)
