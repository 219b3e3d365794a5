"""Ed25519 as licmint accepts it (FORMAT.md sections 4.2 and 10).

Signatures are checked by ``cryptography`` (OpenSSL). Two rules are made
explicit here rather than left to the library's version, so that the
answers are crypto/ed25519's, which the Go verifier gives:

- a signature's S must be below the group order l (canonical), and its R is
  compared by encoding, so a non-canonical R fails (cofactorless, RFC 8032);
- a trusted key must be the canonical encoding of a point of prime order
  l (``check_public_key``), which the library does not check;
- a signature whose R is one of the eight small-order encodings is refused
  (FORMAT.md section 13 of the gaps: as libsodium refuses it), which
  OpenSSL, like crypto/ed25519, would accept when the equation holds.

``verify`` alone answers exactly as crypto/ed25519.Verify does, for tests
that compare the two.
"""

from __future__ import annotations

from typing import Optional, Tuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .errors import FormatError

__all__ = ["PublicKey", "check_public_key", "small_order_r", "verify", "PUBLIC_KEY_SIZE", "SIGNATURE_SIZE"]

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
_P = 2**255 - 19
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_L = 2**252 + 27742317777372353535851937790883648493

# The canonical encodings of the eight points of small order.
_SMALL_ORDER = frozenset(
    bytes.fromhex(h)
    for h in (
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    )
)


def _recover_x(y: int, sign: int) -> Optional[int]:
    """x for y on the curve with the given sign bit, as edwards25519's
    SetBytes decodes it (a sign bit on x = 0 is ignored), or None."""
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x = (u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P)) % _P
    vxx = (v * x * x) % _P
    if vxx == u:
        pass
    elif vxx == (-u) % _P:
        x = (x * _SQRT_M1) % _P
    else:
        return None
    if x & 1 != sign:
        x = (-x) % _P
    return x


def _add(p: Tuple[int, int, int, int], q: Tuple[int, int, int, int]) -> Tuple[int, int, int, int]:
    """Point addition in extended coordinates (Hisil et al., a = -1)."""
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % _P
    b = (y1 + x1) * (y2 + x2) % _P
    c = 2 * _D * t1 * t2 % _P
    d = 2 * z1 * z2 % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return e * f % _P, g * h % _P, f * g % _P, e * h % _P


def _prime_order(x: int, y: int) -> bool:
    """Whether [l]A is the identity for A = (x, y), A not the identity."""
    a = (x, y, 1, x * y % _P)
    r = (0, 1, 1, 0)
    for bit in bin(_L)[2:]:
        r = _add(r, r)
        if bit == "1":
            r = _add(r, a)
    return r[0] % _P == 0 and (r[1] - r[2]) % _P == 0


def small_order_r(signature: bytes) -> bool:
    """Whether the signature's R is one of the eight small-order encodings."""
    return len(signature) >= PUBLIC_KEY_SIZE and bytes(signature[:PUBLIC_KEY_SIZE]) in _SMALL_ORDER


def _key_error(kind: str, msg: str) -> FormatError:
    return FormatError(
        kind,
        "public key",
        msg,
        "the key file was altered or holds no key made by licmint keygen: take the .pub.pem that keygen wrote",
    )


def check_public_key(pub: bytes) -> None:
    """Raises FormatError (``malformed`` or ``weak_key``) unless pub is a key
    licmint trusts: 32 bytes, a point on the curve, canonically encoded and
    of prime order (neither small nor mixed order). Mirrors Go's
    formats.CheckPublicKey."""
    if len(pub) != PUBLIC_KEY_SIZE:
        raise _key_error("malformed", "%d bytes, want %d (an Ed25519 public key)" % (len(pub), PUBLIC_KEY_SIZE))
    n = int.from_bytes(pub, "little")
    y, sign = (n & ((1 << 255) - 1)) % _P, n >> 255
    x = _recover_x(y, sign)
    if x is None:
        raise _key_error("malformed", "not a point on the Ed25519 curve")
    canonical = (y | (x & 1) << 255).to_bytes(32, "little")
    if canonical in _SMALL_ORDER:
        raise _key_error(
            "weak_key",
            "of small order ([8]A is the identity): anyone can forge signatures that verify under it; "
            "no key made by licmint keygen is",
        )
    if canonical != pub:
        why = "y is not reduced modulo 2^255-19"
        if canonical[:31] == pub[:31]:
            why = "x is zero but its sign bit is set"
        raise _key_error("weak_key", "not canonically encoded (" + why + "); no key made by licmint keygen is")
    if not _prime_order(x, y):
        raise _key_error(
            "weak_key", "of mixed order (a small-order component: [L]A is not the identity); no key made by licmint keygen is"
        )


class PublicKey:
    """A trusted Ed25519 public key, decoded once."""

    __slots__ = ("_raw", "_key")

    def __init__(self, raw: bytes) -> None:
        check_public_key(raw)
        self._raw = bytes(raw)
        self._key = Ed25519PublicKey.from_public_bytes(self._raw)

    @property
    def raw(self) -> bytes:
        return self._raw

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether signature is a valid pure Ed25519 signature of message
        by FORMAT.md's rules: crypto/ed25519's, and R not of small order."""
        return not small_order_r(signature) and _verify(self._key, message, signature)


def _verify(key: Ed25519PublicKey, message: bytes, signature: bytes) -> bool:
    if len(signature) != SIGNATURE_SIZE or int.from_bytes(signature[32:], "little") >= _L:
        return False
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """crypto/ed25519.Verify for any 32-byte key, trusted or not: for tests
    and tools. A verifier checks its keys once (PublicKey) instead."""
    if len(public_key) != PUBLIC_KEY_SIZE:
        return False
    n = int.from_bytes(public_key, "little")
    if _recover_x((n & ((1 << 255) - 1)) % _P, n >> 255) is None:
        return False
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes(public_key))
    except ValueError:
        return False
    return _verify(key, message, signature)
