"""JWT license tokens (FORMAT.md section 14), checked in the order Go's
verifier/licjwt (on golang-jwt/jwt/v5) checks them, so that each token gets
the same kind of refusal."""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any, Dict, Optional, Union

from . import _gojson, formats
from .errors import FormatError, TokenError, VerificationError
from .state import format_rfc3339
from .verifier import License, Verifier

__all__ = ["verify_token", "MAX_TOKEN_LEN"]

MAX_TOKEN_LEN = 16 << 10
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_EPOCH_UNIX = 1577836800


class _Bad(Exception):
    """A claim of the wrong JSON type: the whole token is bad_token."""


def _segment(s: str, strict: bool = True) -> Optional[bytes]:
    """base64.RawURLEncoding, Strict() if strict; both ignore CR and LF."""
    t = s.replace("\r", "").replace("\n", "")
    if len(t) % 4 == 1 or not re.fullmatch(r"[A-Za-z0-9_-]*", t):
        return None
    raw = base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))
    if strict and base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != t:
        return None
    return raw


_HEADER_NAMES = ("alg", "kid", "typ", "crit")
_CLAIM_NAMES = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti", "product", "edition", "edition_number", "features",
                "trial", "install_bound", "install_id_sha256", "generation", "serial", "activation_code", "customer")


class _Date:
    """A time claim: the JSON number as written, and its seconds as
    golang-jwt's NumericDate takes them (truncated to the second)."""

    def __init__(self, v: "_Num") -> None:
        f = float(v.text)
        if math.isinf(f):
            raise _Bad("a time claim out of range")
        self.text = v.text
        # Go converts the whole seconds to int64 (out of range gives the
        # minimum on amd64), then truncates the time down to the second.
        whole = math.trunc(f)
        self.seconds = math.floor(f) if -(2**63) <= whole < 2**63 else -(2**63)

    def is_(self, unix: int) -> bool:
        return self.text == str(unix)


class _Num:
    """A JSON number as written (Go's json.Number with UseNumber)."""

    def __init__(self, text: str) -> None:
        self.text = text


def _uint8(v: Any) -> int:
    if isinstance(v, _Num) and re.fullmatch(r"[0-9]+", v.text) and int(v.text) <= 255:
        return int(v.text)
    raise _Bad("want an integer from 0 to 255")


def _claims(data: bytes) -> Dict[str, Any]:
    """The claims as jwtclaims.Claims decodes them, or _Bad/ValueError."""
    dec = json.JSONDecoder(object_pairs_hook=_gojson.Pairs, parse_int=_Num, parse_float=_Num,
                           parse_constant=_gojson.reject)
    text = data.decode("utf-8")  # JSON text is UTF-8: anything else is refused
    i = len(text) - len(text.lstrip(" \t\r\n"))
    root, _ = dec.raw_decode(text, i)
    if root is None:
        return {}
    if not isinstance(root, _gojson.Pairs):
        raise _Bad("claims are not a JSON object")
    strings = ("iss", "sub", "jti", "activation_code", "install_id_sha256")
    pointers = ("product", "edition", "edition_number", "trial", "install_bound", "generation", "exp", "nbf", "iat")
    names = strings + pointers + ("aud", "serial", "features", "customer")
    lower = {n.lower(): n for n in names}
    c: Dict[str, Any] = {}
    bad = False  # Go decodes on after a type error and reports it at the end
    for k, v in root:
        name = lower.get(k.lower())
        if name is None:
            continue
        try:
            if name in strings:
                if v is not None:
                    if not isinstance(v, str):
                        raise _Bad(name)
                    c[name] = v
            elif name == "aud":
                if isinstance(v, str):
                    c[name] = [v]
                elif isinstance(v, list) and not isinstance(v, _gojson.Pairs):
                    if not all(isinstance(x, str) for x in v):
                        raise _Bad(name)
                    c[name] = list(v)
                elif v is not None:
                    raise _Bad(name)
            elif name == "serial":
                if v is not None and not isinstance(v, (str, _Num)):
                    raise _Bad("claim serial: want a string or an integer")
                c[name] = v
            elif name == "features":
                if v is not None and (not isinstance(v, list) or isinstance(v, _gojson.Pairs)
                                      or not all(isinstance(x, str) for x in v)):
                    raise _Bad("claim features: want an array of strings")
            elif name == "customer":
                if v is not None and (not isinstance(v, _gojson.Pairs) or not all(isinstance(x, str) for _, x in v)):
                    raise _Bad("claim customer: want an object of strings")
            elif v is not None and name in ("exp", "nbf", "iat") and not isinstance(v, _Num):
                raise _Bad("claim %s: want a number" % name)
            elif v is None:
                c.pop(name, None)  # null sets a pointer to nil
            elif name in ("exp", "nbf", "iat"):
                c[name] = _Date(v)  # a number: checked above
            elif name in ("edition_number", "generation"):
                c[name] = _uint8(v)
            elif name in ("trial", "install_bound"):
                if not isinstance(v, bool):
                    raise _Bad(name)
                c[name] = v
            else:
                if not isinstance(v, str):
                    raise _Bad(name)
                c[name] = v
        except (_Bad, ValueError, OverflowError):
            bad = True
    if bad:
        raise _Bad("a claim of the wrong type")
    return c


def _go_trim(s: str) -> str:
    return s.strip(_GO_SPACE)


def verify_token(v: Verifier, token: Union[str, bytes]) -> License:
    """Checks a license token with v's keys, product, catalog, clock, state
    and install id, and returns the license of the Activation Code it
    carries. Raises TokenError, whose kind is the first of unknown_key,
    bad_signature, install_mismatch, wrong_product, bad_token that applies,
    or for a bound code on another install the code's VerificationError."""
    if isinstance(token, (bytes, bytearray)):
        token = bytes(token).decode("utf-8", "surrogateescape")
    token = _go_trim(token)
    size = len(formats.utf8(token))
    if size > MAX_TOKEN_LEN:
        raise TokenError("%d bytes, more than %d" % (size, MAX_TOKEN_LEN))
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("not a signed JWT (want three base64url parts separated by dots)")
    # A member named twice would be read as its last value, so that
    # {"exp":bad,"exp":good} would pass as good: refused in the header and
    # the claims before anything else is read from them.
    for i, names in enumerate((_HEADER_NAMES, _CLAIM_NAMES)):
        raw = _segment(parts[i], strict=False)
        if raw is None:
            break  # reported below
        try:
            _gojson.check_strict(raw, names, allow_null=True, top_level=True)
        except _gojson.StrictError as e:
            raise TokenError("%s: %s" % (("header", "claims")[i], e)) from None
    header_bytes = _segment(parts[0])
    if header_bytes is None:
        raise TokenError("not a well-formed JWT: could not base64 decode header")
    try:
        header = _gojson.loads(header_bytes)
    except (ValueError, RecursionError):
        raise TokenError("not a well-formed JWT: could not JSON decode header") from None
    if header is not None and not isinstance(header, _gojson.Pairs):
        raise TokenError("not a well-formed JWT: could not JSON decode header")
    hdr = dict(header or [])
    claim_bytes = _segment(parts[1])
    if claim_bytes is None:
        raise TokenError("not a well-formed JWT: could not base64 decode claim")
    try:
        c = _claims(claim_bytes)
    except (_Bad, ValueError, RecursionError):
        raise TokenError("not a well-formed JWT: could not JSON decode claim") from None
    if hdr.get("alg") != "EdDSA":
        alg = hdr.get("alg")
        raise TokenError("alg %s: license tokens are signed with EdDSA only" % ('"%s"' % alg if isinstance(alg, str) else "%r" % (alg,)))
    sig = _segment(parts[2])
    if sig is None:
        raise TokenError("not a well-formed JWT: could not base64 decode signature")
    if "kid" not in hdr:
        raise TokenError("no kid in the header: it must name a trusted key id")
    kid = hdr["kid"]
    if not isinstance(kid, str):
        raise TokenError("kid %r is not a string" % (kid,))
    if not (kid.isascii() and kid.isdigit() and str(int(kid)) == kid and int(kid) <= 255):
        raise TokenError('kid "%s" is not a key id from 0 to 255' % kid)
    key = v._keys.get(int(kid))
    if key is None:
        raise TokenError("kid %s is not a trusted key id" % kid, also=("unknown_key",))
    if "crit" in hdr:
        raise TokenError("crit header: no JWS extensions are supported")
    if not key.verify(formats.utf8(parts[0] + "." + parts[1]), sig):
        raise TokenError(
            "the signature does not verify with key id %s: the token was altered or forged" % kid, also=("bad_signature",)
        )

    exp, iat = c.get("exp"), c.get("iat")
    if exp is None:
        raise TokenError("no exp claim")
    if iat is None:
        raise TokenError("no iat claim")
    if exp.seconds < iat.seconds:
        raise TokenError("exp %s is before iat %s" % (exp.text, iat.text))
    if v.product not in c.get("aud", []):
        raise TokenError("audience %s does not include product %s" % (c.get("aud", []), v.product), also=("wrong_product",))
    if not c.get("activation_code"):
        raise TokenError("no activation_code claim")
    try:
        lic = v.verify(c["activation_code"])
    except VerificationError as e:
        if e.kind == "install_mismatch":
            raise
        raise TokenError("activation_code claim: %s" % e, also=(e.kind,), cause=e) from None
    except FormatError as e:
        raise TokenError("activation_code claim: %s" % e, also=(e.kind,), cause=e) from None
    _agree(c, lic)
    return lic


def _agree(c: Dict[str, Any], lic: License) -> None:
    serial = lic.serial_text

    def mismatch(claim: str, got: Any, want: Any) -> TokenError:
        return TokenError("claim %s is %s but the activation code says %s" % (claim, got, want))

    if lic.perpetual:
        raise TokenError("activation_code claim: the code is perpetual, and a license token must expire (exp)")
    expires = (_EPOCH_UNIX + lic.expires * 86400)
    issued = (_EPOCH_UNIX + lic.issued * 86400)
    if not c["exp"].is_(expires):
        raise mismatch("exp", c["exp"].text, "%d (%s)" % (expires, format_rfc3339(expires * 10**9)))
    if not c["iat"].is_(issued):
        raise mismatch("iat", c["iat"].text, "%d (%s)" % (issued, format_rfc3339(issued * 10**9)))
    nbf = c.get("nbf")
    if nbf is None:
        raise TokenError("no nbf claim")
    if not nbf.is_(issued):
        raise mismatch("nbf", nbf.text, "%d (%s)" % (issued, format_rfc3339(issued * 10**9)))
    short = formats.parse_signed(c["activation_code"], lic.product).short_form()
    jti = c.get("jti", "")
    if not jti:
        raise TokenError("no jti claim")
    if jti != short:
        raise mismatch("jti", '"%s"' % jti, '"%s"' % short)
    if "edition_number" not in c:
        raise TokenError("no edition_number claim")
    if c["edition_number"] != lic.edition_number:
        raise mismatch("edition_number", c["edition_number"], lic.edition_number)
    if "edition" not in c:
        raise TokenError("no edition claim")
    if lic.edition != str(lic.edition_number) and c["edition"] != lic.edition:
        raise mismatch("edition", '"%s"' % c["edition"], '"%s"' % lic.edition)
    for claim, have in (("product", lic.product), ("trial", lic.trial), ("install_bound", lic.bound), ("generation", lic.generation)):
        if claim in c and c[claim] != have:
            raise mismatch(claim, c[claim], have)
    sub = c.get("sub", "")
    if sub and sub != serial:
        raise mismatch("sub", sub, serial)
    s = c.get("serial")
    if s is None:
        return
    if isinstance(s, str):
        if s != serial:
            raise mismatch("serial", s, serial)
    elif isinstance(s, _Num):
        if s.text != str(lic.serial):
            raise mismatch("serial", s.text, serial)
    else:
        raise TokenError("claim serial is %s, want a string of 14 digits" % type(s).__name__)


