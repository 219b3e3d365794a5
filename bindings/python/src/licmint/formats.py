"""The text codecs of FORMAT.md: Registration Keys (section 2), Activation
Codes (sections 3 to 6) and reset codes (section 16), with the typo
location of section 6.1. Mirrors Go's package ``formats``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple, Union

from .errors import FormatError, UnknownVersionError

__all__ = [
    "ActivationCode",
    "ResetCode",
    "RegistrationKey",
    "parse_activation_code",
    "parse_signed",
    "parse_reset_code",
    "parse_registration_key",
    "check_install_id",
    "day_string",
    "day_date",
    "parse_product",
    "PERPETUAL",
    "MAX_DAY",
    "MAX_SERIAL",
    "MAX_INPUT_LEN",
    "MAX_INSTALL_ID_LEN",
    "CONTEXT_ACTIVATION_CODE",
    "CONTEXT_RESET_CODE",
]

Text = Union[str, bytes, bytearray]

PERPETUAL = 0xFFFF
MAX_DAY = PERPETUAL - 1
MAX_SERIAL = 99_999_999_999_999
MAX_INPUT_LEN = 1024
MAX_INSTALL_ID_LEN = 255
FORMAT_VERSION = 1
RESET_VERSION = 1
CONTEXT_ACTIVATION_CODE = b"licmint/activation-code/v1\x00"
CONTEXT_RESET_CODE = b"licmint/reset-code/v1\x00"

HEADER_SYMBOLS = 23
CHECK_SYMBOLS = 6
SIGNATURE_SYMBOLS = 103
SHORT_SYMBOLS = HEADER_SYMBOLS + CHECK_SYMBOLS  # 29
SIGNED_SYMBOLS = SHORT_SYMBOLS + SIGNATURE_SYMBOLS + CHECK_SYMBOLS  # 138
SHORT_LEN = 2 + SHORT_SYMBOLS + 6
SIGNED_LEN = 2 + 1 + SIGNED_SYMBOLS + SIGNED_SYMBOLS // 5
RESET_HEADER_SYMBOLS = 16
RESET_SYMBOLS = RESET_HEADER_SYMBOLS + SIGNATURE_SYMBOLS + CHECK_SYMBOLS  # 125
RESET_LEN = 2 + RESET_SYMBOLS + RESET_SYMBOLS // 5
RK_DIGITS = 16
LAST_SHORT_CRC = HEADER_SYMBOLS - 1
LAST_FULL_CRC = SHORT_SYMBOLS + SIGNATURE_SYMBOLS - 1
LAST_RESET_CRC = RESET_HEADER_SYMBOLS + SIGNATURE_SYMBOLS - 1

AC_KIND = "activation code"
RESET_KIND = "reset code"
RK_KIND = "registration key"

ALPHABET = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_INVALID = 0xFF
_SEPARATOR = 0xFE


def _symbol_table() -> bytes:
    t = bytearray([_INVALID] * 256)
    for v, c in enumerate(ALPHABET):
        t[c] = v
        if ord("A") <= c <= ord("Z"):
            t[c + 32] = v
    for c in b"Oo":
        t[c] = 0
    for c in b"IiLl":
        t[c] = 1
    for c in b" \t\r\n-":
        t[c] = _SEPARATOR
    return bytes(t)


SYMBOL_VALUE = _symbol_table()

# CRC-30/CDMA: width 30, polynomial 0x2030B9C7, init and xorout 0x3FFFFFFF.
_CRC_POLY = 0x2030B9C7
_CRC_INIT = 0x3FFFFFFF
_CRC_MASK = (1 << 30) - 1


def _crc_table() -> List[int]:
    t = []
    for i in range(256):
        r = i << 22
        for _ in range(8):
            r = ((r << 1) ^ _CRC_POLY) & _CRC_MASK if r & (1 << 29) else (r << 1) & _CRC_MASK
        t.append(r)
    return t


CRC_TABLE = _crc_table()
_CRC_INV_LOW = [0] * 256
for _i, _v in enumerate(CRC_TABLE):
    _CRC_INV_LOW[_v & 0xFF] = _i


def crc30_update(reg: int, data: bytes) -> int:
    t = CRC_TABLE
    for b in data:
        reg = ((reg << 8) & _CRC_MASK) ^ t[(reg >> 22) ^ b]
    return reg


def crc30(data: bytes) -> int:
    return crc30_update(_CRC_INIT, data) ^ _CRC_MASK


def _crc_zero(reg: int) -> int:
    return ((reg << 8) & _CRC_MASK) ^ CRC_TABLE[(reg >> 22) & 0xFF]


def _crc_unstep(reg: int) -> int:
    t = _CRC_INV_LOW[reg & 0xFF]
    return ((reg ^ CRC_TABLE[t]) >> 8) | (t << 22)


def utf8(s: str) -> bytes:
    """The UTF-8 bytes Go would see for s. Bytes that came in undecodable
    (as surrogateescape spells them) go back as they were, and a lone
    surrogate gets bytes too, so that it is reported rather than raising."""
    try:
        return s.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return s.encode("utf-8", "surrogatepass")


def _to_bytes(s: Text) -> bytes:
    return utf8(s) if isinstance(s, str) else bytes(s)


def _quote_byte(c: int) -> str:
    if 0x20 <= c < 0x7F:
        if c == 0x27:
            return "'\\''"
        if c == 0x5C:
            return "'\\\\'"
        return "'" + chr(c) + "'"
    return "byte 0x%02X" % c


def _line_column(s: bytes, off: int) -> Tuple[int, int]:
    line, col = 1, 1
    for c in s[:off]:
        if c == 0x0A:
            line += 1
            col = 1
        else:
            col += 1
    return line, col


def _is_letter(c: int) -> bool:
    return ord("a") <= (c | 0x20) <= ord("z")


def _upper(c: int) -> int:
    return c & ~0x20


def parse_product(s: str) -> str:
    """Returns the canonical (upper-case) product code, or raises ValueError."""
    b = utf8(s)
    if len(b) != 2 or not _is_letter(b[0]) or not _is_letter(b[1]):
        raise ValueError("product code %s: want two letters A-Z, such as PC" % go_quote(s))
    return bytes([_upper(b[0]), _upper(b[1])]).decode()


def go_quote(s: str) -> str:
    """A string as Go's %q shows it, for the printable ASCII cases."""
    out = '"'
    for ch in s:
        if ch in '"\\':
            out += "\\" + ch
        elif " " <= ch < "\x7f":
            out += ch
        elif ch == "\n":
            out += "\\n"
        elif ch == "\t":
            out += "\\t"
        elif ch == "\r":
            out += "\\r"
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out += "\\x%02x" % ord(ch)
        else:
            out += ch
    return out + '"'


_EPOCH = datetime.date(2020, 1, 1)


def day_date(day: int) -> datetime.date:
    """The date of a Day (FORMAT.md section 1); not for PERPETUAL."""
    return _EPOCH + datetime.timedelta(days=day)


def day_string(day: int) -> str:
    """A Day as licmint writes it: YYYY-MM-DD, or ``perpetual``."""
    if day == PERPETUAL:
        return "perpetual"
    return day_date(day).isoformat()


def check_install_id(install_id: bytes) -> Optional[str]:
    """Why install_id cannot bind a code (FORMAT.md section 4.2), or None."""
    if len(install_id) == 0 or len(install_id) > MAX_INSTALL_ID_LEN:
        return "install id is %d bytes; an install-bound code needs 1 to %d" % (len(install_id), MAX_INSTALL_ID_LEN)
    if b"\x00" in install_id:
        return "install id contains a NUL byte, which a C string cannot carry"
    if install_id[0] in b" \t\r\n" or install_id[-1] in b" \t\r\n":
        return "install id %s begins or ends with white space, which copying could lose; products must pass it trimmed" % (
            go_quote(install_id.decode("utf-8", "replace"))
        )
    return None


# --- text forms -------------------------------------------------------------


@dataclass(frozen=True)
class _Form:
    kind: str
    a: str
    longest: int
    checks: Tuple[int, ...]
    position: Callable[[int], Tuple[int, int]]


def _ac_position(n: int) -> Tuple[int, int]:
    if n < 0:
        return 1, n + 3
    if n < 4:
        return 2, n + 1
    return 3 + (n - 4) // 5, (n - 4) % 5 + 1


def _reset_position(n: int) -> Tuple[int, int]:
    if n < 0:
        return 1, n + 3
    return 2 + n // 5, n % 5 + 1


_AC_SHORT = _Form(AC_KIND, "an activation code", SIGNED_SYMBOLS, (LAST_SHORT_CRC,), _ac_position)
_AC_SIGNED = _Form(AC_KIND, "an activation code", SIGNED_SYMBOLS, (LAST_SHORT_CRC, LAST_FULL_CRC), _ac_position)
_RESET = _Form(RESET_KIND, "a reset code", RESET_SYMBOLS, (LAST_RESET_CRC,), _reset_position)


def _char_error(s: bytes, off: int, n: int, f: _Form, msg: str, hint: str) -> FormatError:
    g, c = f.position(n)
    line, col = _line_column(s, off)
    return FormatError("malformed", f.kind, msg, hint, g, c, line, col)


def _scan(s: bytes, f: _Form, capacity: int) -> Tuple[bytes, List[int]]:
    """Reads the product code and the symbols after it, or raises the first
    bad character."""
    product = bytearray()
    syms: List[int] = []
    n = -2
    for i, ch in enumerate(s):
        v = SYMBOL_VALUE[ch]
        if v == _SEPARATOR:
            continue
        if n < 0:
            if not _is_letter(ch):
                raise _char_error(s, i, n, f, "%s: %s starts with the two-letter product code" % (_quote_byte(ch), f.a), "")
            product.append(_upper(ch))
        elif v == _INVALID:
            hint = f.kind + "s use digits and the letters A-Z except I, L, O and U"
            if ch in b"Uu":
                hint = "U is never used in " + f.a + ": check the original"
            raise _char_error(s, i, n, f, "%s is not a base32 symbol" % _quote_byte(ch), hint)
        elif n >= capacity:
            raise _char_error(
                s, i, n, f, "more than %d symbols" % f.longest, "is there more than one code, or other text, in the input?"
            )
        else:
            syms.append(v)
        n += 1
    return bytes(product), syms


_TO_ASCII = bytes(ALPHABET[v & 31] for v in range(256))


def _ascii(syms: Sequence[int]) -> bytes:
    return bytes(syms).translate(_TO_ASCII)


def _check_value(syms: Sequence[int]) -> int:
    v = 0
    for s in syms[:CHECK_SYMBOLS]:
        v = (v << 5) | s
    return v


def _checks_pass(p: bytes, syms: Sequence[int], checks: Sequence[int]) -> bool:
    reg = crc30_update(_CRC_INIT, p)
    start = 0
    for last in checks:
        reg = crc30_update(reg, _ascii(syms[start : last + 1]))
        if reg ^ _CRC_MASK != _check_value(syms[last + 1 :]):
            return False
        start = last + 1
    return True


class _Syndromes:
    """Each check's syndrome, and that syndrome run back through the CRC to
    every symbol it covers (FORMAT.md section 6.1, "Linearity")."""

    def __init__(self, p: bytes, syms: Sequence[int], checks: Sequence[int]) -> None:
        self.last = list(checks)
        self.syn: List[int] = []
        self.back: List[List[int]] = []
        reg = crc30_update(_CRC_INIT, p)
        start = 0
        for last in checks:
            reg = crc30_update(reg, _ascii(syms[start : last + 1]))
            syn = (reg ^ _CRC_MASK) ^ _check_value(syms[last + 1 :])
            self.syn.append(syn)
            back = [0] * (last + 1)
            for i in range(last, -1, -1):
                back[i] = syn
                syn = _crc_unstep(syn)
            self.back.append(back)
            start = last + 1

    def substitute(self, i: int, orig: int) -> Tuple[int, bool]:
        for k, last in enumerate(self.last):
            if i <= last:
                d = _CRC_INV_LOW[self.back[k][i] & 0xFF]
                c = ALPHABET[orig] ^ d
                v = SYMBOL_VALUE[c]
                return v, d != 0 and v < 32 and ALPHABET[v] == c
            if i <= last + CHECK_SYMBOLS:
                d = (self.syn[k] >> (25 - 5 * (i - last - 1))) & 31
                return orig ^ d, d != 0
        return 0, False

    def cancelled_by(self, pos: int, olds: Sequence[int], news: Sequence[int]) -> bool:
        for k, last in enumerate(self.last):
            if not _cancels(self.syn[k], self.back[k], last, pos, olds, news):
                return False
        return True


def _cancels(syn: int, back: List[int], last: int, pos: int, olds: Sequence[int], news: Sequence[int]) -> bool:
    crc_diff = check_diff = 0
    end = -1
    for j in range(len(olds)):
        k = pos + j
        if k <= last:
            crc_diff = _crc_zero(crc_diff) ^ CRC_TABLE[ALPHABET[olds[j]] ^ ALPHABET[news[j]]]
            end = k
        elif k <= last + CHECK_SYMBOLS:
            check_diff ^= (olds[j] ^ news[j]) << (25 - 5 * (k - last - 1))
    if end < 0:
        return check_diff == syn
    if check_diff != 0:
        return end == last and crc_diff ^ check_diff == syn
    return crc_diff == back[end]


def _locate_typo(p: bytes, syms: Sequence[int], checks: Sequence[int]) -> Optional[Tuple[int, str]]:
    sy = _Syndromes(p, syms, checks)
    hits: List[Tuple[int, str]] = []
    for i, orig in enumerate(syms):
        v, ok = sy.substitute(i, orig)
        if ok and sy.cancelled_by(i, [orig], [v]):
            hits.append((i, "perhaps %s should be %s" % (_quote_byte(ALPHABET[orig]), _quote_byte(ALPHABET[v]))))
    for i in range(len(syms) - 1):
        a, b = syms[i], syms[i + 1]
        if a != b and sy.cancelled_by(i, [a, b], [b, a]):
            hits.append((i, "perhaps %s and %s are swapped" % (_quote_byte(ALPHABET[a]), _quote_byte(ALPHABET[b]))))
    for j in range(2):
        for c in range(ord("A"), ord("Z") + 1):
            if c == p[j]:
                continue
            q = bytearray(p)
            q[j] = c
            if _checks_pass(bytes(q), syms, checks):
                hits.append((j - 2, "perhaps product letter %s should be %s" % (_quote_byte(p[j]), _quote_byte(c))))
    return hits[0] if len(hits) == 1 else None


def _symbol_offset(s: bytes, n: int) -> int:
    k = -2
    for i, c in enumerate(s):
        if SYMBOL_VALUE[c] == _SEPARATOR:
            continue
        if k == n:
            return i
        k += 1
    return -1


def _typo_error(s: bytes, p: bytes, syms: Sequence[int], f: _Form) -> FormatError:
    e = FormatError(
        "typo",
        f.kind,
        "check symbols do not match",
        "a character is probably mistyped, or two swapped; compare the code with the original",
    )
    found = _locate_typo(p, syms, f.checks)
    if found is None:
        return e
    pos, fix = found
    e.group, e.char = f.position(pos)
    off = _symbol_offset(s, pos)
    if off >= 0:
        e.line, e.column = _line_column(s, off)
    e.message = "check symbols do not match: " + fix
    return e


def _pack(syms: Sequence[int]) -> int:
    v = 0
    for s in syms:
        v = (v << 5) | s
    return v


def _text(product: str, symbols: str, first: int) -> str:
    """Hyphenates symbols after the product: a first group of ``first``, then fives."""
    groups = [symbols[:first]] if first else []
    groups += [symbols[i : i + 5] for i in range(first, len(symbols), 5)]
    return product + "-" + "-".join(groups)


def _unpack(v: int, nbits: int, nsyms: int) -> str:
    """The canonical characters of an nbits-bit value, padded with zero bits."""
    v <<= nsyms * 5 - nbits
    return "".join(chr(ALPHABET[(v >> (5 * (nsyms - 1 - i))) & 31]) for i in range(nsyms))


def _check_text(crc: int) -> str:
    return "".join(chr(ALPHABET[(crc >> (25 - 5 * i)) & 31]) for i in range(CHECK_SYMBOLS))


# --- Activation Code ----------------------------------------------------------


@dataclass(frozen=True)
class ActivationCode:
    """A decoded Activation Code (FORMAT.md section 3.1), short or signed."""

    product: str
    version: int
    key_id: int
    edition: int
    trial: bool
    bound: bool
    generation: int
    issued: int
    expires: int
    serial: int
    signed: bool = False
    signature: bytes = b""

    @property
    def perpetual(self) -> bool:
        return self.expires == PERPETUAL

    def header_bytes(self) -> bytes:
        """The 115 header bits and 5 zero bits, as signed."""
        v = (
            (self.version & 15) << 111
            | self.key_id << 103
            | self.edition << 95
            | int(self.trial) << 94
            | int(self.bound) << 93
            | self.generation << 85
            | self.issued << 69
            | self.expires << 53
            | self.serial << 6
        )
        return (v << 5).to_bytes(15, "big")

    def message(self, install_id: bytes = b"") -> bytes:
        """The message the signature covers (FORMAT.md section 4.2)."""
        m = CONTEXT_ACTIVATION_CODE + self.product.encode() + self.header_bytes()
        return m + install_id if self.bound else m

    def short_form(self) -> str:
        """The canonical 37-character short form support staff quote."""
        header = _unpack(int.from_bytes(self.header_bytes(), "big") >> 5, 115, HEADER_SYMBOLS)
        check = _check_text(crc30((self.product + header).encode()))
        return _text(self.product, header + check, 4)

    def __str__(self) -> str:
        short = self.short_form()
        if not self.signed:
            return short
        symbols = short[3:].replace("-", "")
        sig = _unpack(int.from_bytes(self.signature, "big"), 512, SIGNATURE_SYMBOLS)
        check = _check_text(crc30((self.product + symbols + sig).encode()))
        return _text(self.product, symbols + sig + check, 4)


def _length_error(n: int) -> FormatError:
    hint = "check that the whole code was copied"
    if n in (SHORT_SYMBOLS - 1, SIGNED_SYMBOLS - 1):
        hint = "one character is missing"
    elif n in (SHORT_SYMBOLS + 1, SIGNED_SYMBOLS + 1):
        hint = "one character too many"
    return FormatError(
        "malformed",
        AC_KIND,
        "%d symbols after the product code; a short code has %d, a signed code %d" % (n, SHORT_SYMBOLS, SIGNED_SYMBOLS),
        hint,
    )


def _parse_ac(text: Text, want_signed: bool, product: Optional[str]) -> ActivationCode:
    s = _to_bytes(text)
    if len(s) > MAX_INPUT_LEN:
        raise FormatError(
            "malformed", AC_KIND, "input is %d bytes, more than %d" % (len(s), MAX_INPUT_LEN), "give one activation code"
        )
    p, syms = _scan(s, _AC_SIGNED, SIGNED_SYMBOLS)
    n = len(syms)
    if n == SHORT_SYMBOLS:
        if want_signed:
            raise FormatError(
                "unsigned",
                AC_KIND,
                "this is the %d-character short form, without the signature" % SHORT_LEN,
                "give the whole %d-character code" % SIGNED_LEN,
            )
        signed = False
    elif n == SIGNED_SYMBOLS:
        signed = True
    else:
        raise _length_error(n)
    form = _AC_SIGNED if signed else _AC_SHORT
    if not _checks_pass(p, syms, form.checks):
        raise _typo_error(s, p, syms, form)
    h = _pack(syms[:HEADER_SYMBOLS])
    version, key_id, edition = h >> 111, (h >> 103) & 0xFF, (h >> 95) & 0xFF
    trial, bound, generation = bool(h >> 94 & 1), bool(h >> 93 & 1), (h >> 85) & 0xFF
    issued, expires, serial, reserved = (h >> 69) & 0xFFFF, (h >> 53) & 0xFFFF, (h >> 6) & ((1 << 47) - 1), h & 63
    hint = "this code was not made by a licmint encoder"
    if version != FORMAT_VERSION:
        raise UnknownVersionError(
            "malformed",
            AC_KIND,
            "format version %d; this licmint reads version %d" % (version, FORMAT_VERSION),
            "a newer licmint may read it",
        )
    if serial > MAX_SERIAL:
        raise FormatError("malformed", AC_KIND, "serial %d has more than 14 digits" % serial, hint)
    if issued > MAX_DAY:
        raise FormatError("malformed", AC_KIND, "issue day is not a date", hint)
    if expires != PERPETUAL and expires <= issued:
        raise FormatError(
            "malformed", AC_KIND, "expires %s, not after issued %s" % (day_string(expires), day_string(issued)), hint
        )
    if reserved:
        raise FormatError("malformed", AC_KIND, "reserved header bits are set", hint)
    signature = b""
    if signed:
        sv = _pack(syms[SHORT_SYMBOLS : SHORT_SYMBOLS + SIGNATURE_SYMBOLS])
        if sv & 7:
            raise FormatError("malformed", AC_KIND, "the signature's 3 spare bits are not zero", hint)
        signature = (sv >> 3).to_bytes(64, "big")
    ps = p.decode()
    if product is not None and product != ps:
        line, col = _line_column(s, _symbol_offset(s, -2))
        raise FormatError(
            "wrong_product",
            AC_KIND,
            "this code is for product %s, not %s" % (ps, product),
            "give an activation code for %s" % product,
            1,
            1,
            line,
            col,
        )
    return ActivationCode(ps, version, key_id, edition, trial, bound, generation, issued, expires, serial, signed, signature)


def parse_activation_code(text: Text) -> ActivationCode:
    """Decodes an Activation Code in either form without checking its
    signature: any case, separators anywhere, O, I and L for 0, 1, 1."""
    return _parse_ac(text, False, None)


def parse_signed(text: Text, product: Optional[str] = None) -> ActivationCode:
    """Decodes the signed form for ``product`` (any product if None):
    ``unsigned`` for a short form, ``wrong_product`` for another product's
    code. The signature is not checked."""
    return _parse_ac(text, True, None if product is None else parse_product(product))


# --- reset code ---------------------------------------------------------------


@dataclass(frozen=True)
class ResetCode:
    """A decoded reset code (FORMAT.md section 16)."""

    product: str
    version: int
    key_id: int
    remembered: int
    issued: int
    nonce: int
    signature: bytes

    def header_bytes(self) -> bytes:
        v = (
            (self.version & 15) << 76
            | self.key_id << 68
            | self.remembered << 52
            | self.issued << 36
            | (self.nonce & 0xFFFFFFFF) << 4
        )
        return v.to_bytes(10, "big")

    @property
    def id(self) -> str:
        """The code's id in the verifier state: its header in lower-case hex."""
        return self.header_bytes().hex()

    def message(self, install_id: bytes) -> bytes:
        return CONTEXT_RESET_CODE + self.product.encode() + self.header_bytes() + install_id

    def __str__(self) -> str:
        head = _unpack(int.from_bytes(self.header_bytes(), "big"), 80, RESET_HEADER_SYMBOLS)
        sig = _unpack(int.from_bytes(self.signature, "big"), 512, SIGNATURE_SYMBOLS)
        check = _check_text(crc30((self.product + head + sig).encode()))
        return _text(self.product, head + sig + check, 0)


def parse_reset_code(text: Text, product: Optional[str] = None) -> ResetCode:
    """Decodes a reset code for ``product`` (any if None) without checking
    its signature. An Activation Code given instead is ``malformed``."""
    want = None if product is None else parse_product(product)
    s = _to_bytes(text)
    if len(s) > MAX_INPUT_LEN:
        raise FormatError(
            "malformed", RESET_KIND, "input is %d bytes, more than %d" % (len(s), MAX_INPUT_LEN), "give one reset code"
        )
    p, syms = _scan(s, _RESET, SIGNED_SYMBOLS)
    n = len(syms)
    if n in (SHORT_SYMBOLS, SIGNED_SYMBOLS):
        raise FormatError(
            "malformed",
            RESET_KIND,
            "this is an activation code, not a reset code",
            "give the %d-character reset code the vendor issued for this install" % RESET_LEN,
        )
    if n != RESET_SYMBOLS:
        hint = "check that the whole code was copied"
        if n == RESET_SYMBOLS - 1:
            hint = "one character is missing"
        elif n == RESET_SYMBOLS + 1:
            hint = "one character too many"
        raise FormatError(
            "malformed", RESET_KIND, "%d symbols after the product code; a reset code has %d" % (n, RESET_SYMBOLS), hint
        )
    if not _checks_pass(p, syms, _RESET.checks):
        raise _typo_error(s, p, syms, _RESET)
    hint = "this reset code was not made by a licmint encoder"
    h = _pack(syms[:RESET_HEADER_SYMBOLS])
    version, key_id = h >> 76, (h >> 68) & 0xFF
    remembered, issued, nonce, reserved = (h >> 52) & 0xFFFF, (h >> 36) & 0xFFFF, (h >> 4) & 0xFFFFFFFF, h & 15
    if version != RESET_VERSION:
        raise UnknownVersionError(
            "malformed",
            RESET_KIND,
            "reset code version %d; this licmint reads version %d" % (version, RESET_VERSION),
            "a newer licmint may read it",
        )
    if remembered > MAX_DAY:
        raise FormatError("malformed", RESET_KIND, "remembered day is not a date", hint)
    if issued > MAX_DAY:
        raise FormatError("malformed", RESET_KIND, "issue day is not a date", hint)
    if reserved:
        raise FormatError("malformed", RESET_KIND, "reserved header bits are set", hint)
    sv = _pack(syms[RESET_HEADER_SYMBOLS : LAST_RESET_CRC + 1])
    if sv & 7:
        raise FormatError("malformed", RESET_KIND, "the signature's 3 spare bits are not zero", hint)
    ps = p.decode()
    if want is not None and want != ps:
        line, col = _line_column(s, _symbol_offset(s, -2))
        raise FormatError(
            "wrong_product",
            RESET_KIND,
            "this reset code is for product %s, not %s" % (ps, want),
            "give a reset code for %s" % want,
            1,
            1,
            line,
            col,
        )
    return ResetCode(ps, version, key_id, remembered, issued, nonce, (sv >> 3).to_bytes(64, "big"))


# --- Registration Key -----------------------------------------------------------

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def _damm(digits: Sequence[int]) -> int:
    interim = 0
    for d in digits:
        interim = _DAMM[interim][d]
    return interim


@dataclass(frozen=True)
class RegistrationKey:
    """A decoded Registration Key (FORMAT.md section 2)."""

    product: str
    trial: bool
    serial: int

    def __str__(self) -> str:
        d = [int(self.trial)] + [int(c) for c in "%014d" % self.serial]
        d.append(_damm(d))
        digits = "".join(map(str, d))
        return self.product + "-" + "-".join(digits[i : i + 4] for i in range(0, 16, 4))


def _rk_position(n: int) -> Tuple[int, int]:
    if n < 2:
        return 1, n + 1
    return 2 + (n - 2) // 4, (n - 2) % 4 + 1


def parse_registration_key(text: Text) -> RegistrationKey:
    """Decodes a Registration Key: any case, separators anywhere."""
    s = _to_bytes(text)

    def fail(kind: str, off: int, n: int, msg: str, hint: str) -> FormatError:
        e = FormatError(kind, RK_KIND, msg, hint)
        if off >= 0:
            e.line, e.column = _line_column(s, off)
        if n >= 0:
            e.group, e.char = _rk_position(n)
        return e

    if len(s) > MAX_INPUT_LEN:
        raise fail(
            "malformed",
            -1,
            -1,
            "input is %d bytes, more than %d" % (len(s), MAX_INPUT_LEN),
            "give one key, such as PC-0123-4567-8901-2345",
        )
    product = bytearray()
    d: List[int] = []
    n = 0
    type_at = -1  # offset of the type digit, for its error's line and column
    for i, c in enumerate(s):
        v = SYMBOL_VALUE[c]
        if v == _SEPARATOR:
            continue
        if n == 2:
            type_at = i
        if n < 2:
            if not _is_letter(c):
                raise fail(
                    "malformed",
                    i,
                    n,
                    "%s: the product code is two letters" % _quote_byte(c),
                    "a registration key looks like PC-0123-4567-8901-2345",
                )
            product.append(_upper(c))
        elif n < 2 + RK_DIGITS:
            if v > 9:
                raise fail(
                    "malformed",
                    i,
                    n,
                    "%s is not a digit" % _quote_byte(c),
                    "after the two-letter product code a registration key has only digits",
                )
            d.append(v)
        elif v > 9:
            raise fail(
                "malformed",
                i,
                -1,
                "%s after the last digit" % _quote_byte(c),
                "a registration key ends with its 16th digit; remove what follows it",
            )
        else:
            raise fail(
                "malformed", i, n, "more than %d digits" % RK_DIGITS, "a registration key has four groups of four digits"
            )
        n += 1
    if n < 2 + RK_DIGITS:
        raise fail(
            "malformed",
            -1,
            -1,
            "%d digits, want %d" % (max(n - 2, 0), RK_DIGITS),
            "a registration key has four groups of four digits; is one missing?",
        )
    if _damm(d) != 0:
        raise fail(
            "typo",
            -1,
            -1,
            "check digit does not match",
            "one digit is probably mistyped, or two neighbours swapped; compare the key with the original",
        )
    if d[0] > 1:
        raise fail(
            "malformed",
            type_at,
            2,
            "type digit %d is neither 0 (full) nor 1 (trial)" % d[0],
            "this is not a registration key this version of licmint issues",
        )
    serial = 0
    for v in d[1:15]:
        serial = serial * 10 + v
    return RegistrationKey(product.decode(), d[0] == 1, serial)
