"""Key files and keyrings (FORMAT.md section 10): PEM blocks with key-id
lines, or a JWK Set, as Go's package formats/keyring reads them."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Dict, List, Optional, Tuple, Union

from . import _gojson
from .ed25519 import check_public_key
from .formats import utf8
from .errors import FormatError, KeyFileError
from .verifier import Key

__all__ = ["parse_keyring", "MAX_FILE_SIZE"]

MAX_FILE_SIZE = 1 << 20
_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


def _invalid(msg: str) -> KeyFileError:
    return KeyFileError("invalid", "keyring: " + msg)


_BASE64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def _key_id(preamble: bytes) -> int:
    found, kid = False, 0
    for line in preamble.split(b"\n"):
        s = line.strip(b" \t\r")
        if not s.startswith(b"key-id:"):
            continue
        v = s[len(b"key-id:") :].strip(b" \t")
        if not v or not all(0x30 <= c <= 0x39 for c in v) or int(v) > 255:
            raise _invalid("key-id %s: want a number from 0 to 255" % json.dumps(v.decode("utf-8", "replace")))
        found, kid = True, int(v)
    if not found:
        raise KeyFileError(
            "no_key_id", 'keyring: no key-id line before it (write "key-id: N" on the line above -----BEGIN)'
        )
    return kid


def _checked(pub: bytes, where: str) -> bytes:
    try:
        check_public_key(pub)
    except FormatError as e:
        raise KeyFileError("invalid", "%s: %s" % (where, e)) from None
    return pub


def _parse_pem(data: bytes) -> List[Key]:
    """PEM as FORMAT.md section 10 reads it: LF or CRLF line ends, spaces and
    tabs at line ends ignored, no PEM headers or blank lines in a body."""
    lines = [(ln[:-1] if ln.endswith(b"\r") else ln).rstrip(b" \t") for ln in data.split(b"\n")]
    keys: List[Key] = []
    text_from = 0
    i = 0
    while i < len(lines):
        ln = lines[i]
        show = json.dumps(ln.decode("utf-8", "replace"))
        if ln.startswith(b"-----END"):
            raise _invalid("line %d: %s with no -----BEGIN line before it" % (i + 1, show))
        if not ln.startswith(b"-----BEGIN"):
            i += 1
            continue
        where = "keyring: PEM block %d (from line %d)" % (len(keys) + 1, text_from + 1)
        typ = ln[len(b"-----BEGIN") :]
        if not typ.endswith(b"-----") or not typ.startswith(b" "):
            raise KeyFileError("invalid", "%s: %s is not a PEM BEGIN line" % (where, show))
        typ = typ[1:-5]
        if typ != b"PUBLIC KEY":
            hint = "; this is a private key: give the public key (.pub.pem) instead" if b"PRIVATE" in typ else ""
            raise KeyFileError(
                "invalid", '%s: type %s, want "PUBLIC KEY"%s' % (where, json.dumps(typ.decode("utf-8", "replace")), hint)
            )
        try:
            kid = _key_id(b"\n".join(lines[text_from:i]))
        except KeyFileError as e:
            raise KeyFileError(e.kind, where + ": " + e.message[len("keyring: ") :]) from None
        j = i + 1
        body = b""
        while j < len(lines) and lines[j] != b"-----END PUBLIC KEY-----":
            if not lines[j] or not set(lines[j]) <= _BASE64:
                raise KeyFileError(
                    "invalid",
                    "%s: line %d is not base64: a PEM body has only base64 lines, no headers, blank lines or spaces"
                    % (where, j + 1),
                )
            body += lines[j]
            j += 1
        if j == len(lines):
            raise KeyFileError("invalid", "%s: no -----END PUBLIC KEY----- line" % where)
        der = _b64_strict(body)
        if der is None:
            raise KeyFileError("invalid", "%s: the base64 does not decode" % where)
        if len(der) != len(_SPKI_PREFIX) + 32 or not der.startswith(_SPKI_PREFIX):
            raise KeyFileError("invalid", where + ": not an Ed25519 public key (SubjectPublicKeyInfo, RFC 8410)")
        keys.append(Key(kid, _checked(der[len(_SPKI_PREFIX) :], where)))
        i, text_from = j + 1, j + 1
    if not keys:
        raise _invalid("no PEM block and no JSON: want a .pub.pem file, PEM blocks or a JWK Set")
    return keys


def _b64_strict(b: bytes) -> Optional[bytes]:
    """base64.StdEncoding.Strict(): padded, zero trailing bits."""
    if len(b) % 4 or not re.fullmatch(rb"[A-Za-z0-9+/]*={0,2}", b):
        return None
    try:
        raw = base64.b64decode(b, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw) == b else None


def _parse_jwk(obj: Any, n: int) -> Key:
    where = "JWK %d: " % n
    if obj is None:
        obj = _gojson.Pairs()
    if not isinstance(obj, _gojson.Pairs):
        raise _invalid(where + "json: cannot unmarshal into a JSON Web Key")
    f = _gojson.members(obj, ("kty", "crv", "x", "kid", "alg", "use", "d"))
    for name, v in f.items():
        if not isinstance(v, str):
            raise _invalid(where + "json: cannot unmarshal %s into field %s of type string" % (type(v).__name__, name))
    kty, crv, x, kid, alg, use = (f.get(k, "") for k in ("kty", "crv", "x", "kid", "alg", "use"))
    present = {k for k, _ in obj}  # members present, null or not
    if "d" in present:
        raise _invalid(where + 'has a private part ("d"): give the public key only')
    if kty != "OKP" or crv != "Ed25519":
        raise _invalid(where + "kty %s crv %s, want OKP and Ed25519" % (json.dumps(kty), json.dumps(crv)))
    if "alg" in present and alg != "EdDSA":
        raise _invalid(where + "alg %s, want EdDSA" % json.dumps(alg))
    if "use" in present and use != "sig":
        raise _invalid(where + "use %s, want sig" % json.dumps(use))
    if not kid.isascii() or not kid.isdigit() or str(int(kid)) != kid or int(kid) > 255:
        raise _invalid(where + "kid %s: want a key id from 0 to 255 in decimal" % json.dumps(kid))
    raw = _b64url_strict(x)
    if raw is None or len(raw) != 32:
        raise _invalid(where + '"x" is not 32 bytes of unpadded base64url')
    return Key(int(kid), _checked(raw, "keyring: " + where[:-2]))


def _b64url_strict(s: str) -> Optional[bytes]:
    """base64.RawURLEncoding.Strict(): no padding, zero trailing bits; CR and
    LF are ignored, as Go ignores them."""
    t = s.replace("\r", "").replace("\n", "")
    if len(t) % 4 == 1 or not re.fullmatch(r"[A-Za-z0-9_-]*", t):
        return None
    raw = base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != t:
        return None
    return raw


def _parse_jwks(data: bytes) -> List[Key]:
    try:
        _gojson.check_strict(data, ("keys", "kty", "crv", "x", "kid", "alg", "use", "d"), allow_null=True)
    except _gojson.StrictError as e:
        raise _invalid("JSON: %s" % e) from None
    try:
        root = _gojson.loads(data)
    except (ValueError, RecursionError) as e:
        raise _invalid("JSON: %s" % e) from None
    if root is not None and not isinstance(root, _gojson.Pairs):
        raise _invalid("JSON: json: cannot unmarshal into a JWK Set")
    keys_val = _gojson.members(root or _gojson.Pairs(), ("keys",)).get("keys")
    if keys_val is not None and not isinstance(keys_val, list) or isinstance(keys_val, _gojson.Pairs):
        raise _invalid('JSON: json: cannot unmarshal into field "keys" of type array')
    raw: List[Any] = keys_val if keys_val is not None else [root]
    return [_parse_jwk(m, i + 1) for i, m in enumerate(raw)]


def parse_keyring(data: Union[str, bytes]) -> List[Key]:
    """Reads a public key file or keyring, PEM or JWK Set, into its keys in
    key id order. Raises KeyFileError: kind ``no_key_id`` for a PEM block
    with no key-id line before it, else ``invalid`` (a key of small or
    mixed order, or not canonically encoded, included)."""
    if isinstance(data, str):
        data = utf8(data)
    if len(data) > MAX_FILE_SIZE:
        raise _invalid("%d bytes, more than %d" % (len(data), MAX_FILE_SIZE))
    t = data.strip(b" \t\r\n\v\f")
    keys = _parse_jwks(t) if t.startswith(b"{") else _parse_pem(data)
    seen: Dict[int, Key] = {}
    for k in keys:
        if k.id in seen:
            raise _invalid("key id %d appears twice" % k.id)
        seen[k.id] = k
    if not seen:
        raise _invalid("no keys")
    return [seen[i] for i in sorted(seen)]
