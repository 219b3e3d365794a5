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


def _get_line(data: bytes) -> Tuple[bytes, bytes]:
    i = data.find(b"\n")
    if i < 0:
        i = j = len(data)
    else:
        j = i + 1
        if i > 0 and data[i - 1 : i] == b"\r":
            i -= 1
    return data[:i].rstrip(b" \t"), data[j:]


_B64 = re.compile(rb"[A-Za-z0-9+/]*={0,2}")


def _pem_decode(data: bytes) -> Optional[Tuple[str, bytes, bytes, bytes]]:
    """Go's encoding/pem.Decode: the first block's type and bytes, the text
    before its BEGIN line, and the rest; None if there is no block."""
    rest = data
    while True:
        if rest.startswith(b"-----BEGIN "):
            begin = len(data) - len(rest)
            rest = rest[len(b"-----BEGIN ") :]
        else:
            i = rest.find(b"\n-----BEGIN ")
            if i < 0:
                return None
            begin = len(data) - len(rest) + i + 1
            rest = rest[i + len(b"\n-----BEGIN ") :]
        type_line, rest = _get_line(rest)
        if not type_line.endswith(b"-----"):
            continue
        type_line = type_line[:-5]
        headers = 0
        while True:
            if not rest:
                return None
            line, nxt = _get_line(rest)
            if b":" not in line:
                break
            headers += 1
            rest = nxt
        if headers == 0 and rest.startswith(b"-----END "):
            end_index, trailer_index = 0, len(b"-----END ")
        else:
            end_index = rest.find(b"\n-----END ")
            trailer_index = end_index + len(b"\n-----END ")
        if end_index < 0:
            continue
        trailer = rest[trailer_index:]
        tlen = len(type_line) + 5
        if len(trailer) < tlen:
            continue
        rest_of_end, trailer = trailer[tlen:], trailer[:tlen]
        if not trailer.startswith(type_line) or not trailer.endswith(b"-----"):
            continue
        if _get_line(rest_of_end)[0]:
            continue
        b64 = bytes(c for c in rest[:end_index] if c not in b" \t\r\n")
        if len(b64) % 4 or not _B64.fullmatch(b64):
            continue
        try:
            der = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            continue
        _, after = _get_line(rest[end_index + len(b"\n-----END ") - 1 :])
        return type_line.decode("utf-8", "replace"), der, data[:begin], after


def _key_id(preamble: bytes) -> int:
    found, kid = False, 0
    for line in preamble.split(b"\n"):
        s = line.strip(b" \t\r\n\v\f")
        if not s.startswith(b"key-id:"):
            continue
        v = s[len(b"key-id:") :].strip(b" \t\r\n\v\f")
        if not v or not all(0x30 <= c <= 0x39 for c in v) or int(v) > 255:
            raise _invalid("key-id %r: want a number from 0 to 255" % v.decode("utf-8", "replace"))
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
        raise KeyFileError(e.kind if e.kind == "weak_key" else "invalid", "%s: %s" % (where, e)) from None
    return pub


def _parse_pem(data: bytes) -> List[Key]:
    keys: List[Key] = []
    rest = data
    n = 0
    while True:
        n += 1
        block = _pem_decode(rest)
        if block is None:
            if not keys:
                raise _invalid("no PEM block and no JSON: want a .pub.pem file, PEM blocks or a JWK Set")
            return keys
        typ, der, preamble, rest = block
        where = "keyring: PEM block %d" % n
        if typ != "PUBLIC KEY":
            hint = "; this is a private key: give the public key (.pub.pem) instead" if "PRIVATE" in typ else ""
            raise KeyFileError("invalid", '%s: type %s, want "PUBLIC KEY"%s' % (where, json.dumps(typ), hint))
        try:
            kid = _key_id(preamble)
        except KeyFileError as e:
            raise KeyFileError(e.kind, where + ": " + e.message[len("keyring: ") :]) from None
        if len(der) != len(_SPKI_PREFIX) + 32 or not der.startswith(_SPKI_PREFIX):
            raise KeyFileError("invalid", where + ": not an Ed25519 public key (SubjectPublicKeyInfo, RFC 8410)")
        keys.append(Key(kid, _checked(der[len(_SPKI_PREFIX) :], where)))


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
    kty, crv, x, kid, alg, use, d = (f.get(k, "") for k in ("kty", "crv", "x", "kid", "alg", "use", "d"))
    if d:
        raise _invalid(where + 'has a private part ("d"): give the public key only')
    if kty != "OKP" or crv != "Ed25519":
        raise _invalid(where + "kty %s crv %s, want OKP and Ed25519" % (json.dumps(kty), json.dumps(crv)))
    if alg and alg != "EdDSA":
        raise _invalid(where + "alg %s, want EdDSA" % json.dumps(alg))
    if use and use != "sig":
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
    with no key-id line before it, ``weak_key`` for a key no generator
    makes, else ``invalid``."""
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
