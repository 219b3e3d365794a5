"""The exceptions licmint raises, one class per family, each with a ``kind``.

``kind`` is the name Go's ``verifier.ErrorKind`` gives the same outcome
(FORMAT.md sections 7 and 15.2), so that a product reports the same words
whichever language checks its codes.
"""

from __future__ import annotations

from typing import Optional, Tuple

__all__ = [
    "LicmintError",
    "FormatError",
    "UnknownVersionError",
    "VerificationError",
    "RevocationListError",
    "TokenError",
    "RenewalRequestError",
    "CatalogError",
    "KeyFileError",
    "StateError",
    "ConfigError",
]


class LicmintError(Exception):
    """Base of every exception the package raises on bad input.

    ``kind`` names the outcome (``"typo"``, ``"bad_signature"`` …); ``hint``
    says what the product's user can do about it, or is empty.
    """

    kind: str
    message: str
    hint: str

    def __init__(self, kind: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class FormatError(LicmintError):
    """A key or code that does not decode (FORMAT.md sections 6 and 16).

    ``kind`` is ``malformed``, ``typo``, ``unsigned``, ``wrong_product`` or
    ``weak_key``; a code of an unknown format version is an
    :class:`UnknownVersionError`, whose kind is ``malformed`` as Go's
    verifier reports it. ``group`` (1 for the product code) and ``char``
    (from 1) locate the problem in the canonical hyphenated form, ``line``
    and ``column`` (from 1, in bytes) in the input; each is 0 when unknown.
    ``subject`` says what the input was taken for, such as
    ``"activation code"``.
    """

    subject: str
    group: int
    char: int
    line: int
    column: int

    def __init__(
        self,
        kind: str,
        subject: str,
        message: str,
        hint: str = "",
        group: int = 0,
        char: int = 0,
        line: int = 0,
        column: int = 0,
    ) -> None:
        super().__init__(kind, message, hint)
        self.subject = subject
        self.group, self.char, self.line, self.column = group, char, line, column

    @property
    def position(self) -> Tuple[int, int]:
        """(group, char), (0, 0) when unknown."""
        return self.group, self.char

    def __str__(self) -> str:
        s = self.subject
        if self.group > 0:
            s += ", group %d character %d" % (self.group, self.char)
        if self.line > 0:
            s += " (line %d, column %d)" % (self.line, self.column)
        return s + ": " + self.message


class UnknownVersionError(FormatError):
    """The checks pass but the code names a format version this package
    does not read. Its kind is ``malformed``: to a verifier a code of a
    newer format is not a code."""


class VerificationError(LicmintError):
    """A code that decodes but is refused: ``unknown_key``,
    ``bad_signature``, ``install_mismatch``, ``not_renewal``, or for a
    reset code ``reset_used``, ``reset_not_locked``, ``reset_too_early``.
    ``subject`` is ``"activation code"`` or ``"reset code"``."""

    subject: str

    def __init__(self, kind: str, message: str, hint: str = "", subject: str = "activation code") -> None:
        super().__init__(kind, message, hint)
        self.subject = subject

    def __str__(self) -> str:
        return self.subject + ": " + self.message


class RevocationListError(LicmintError):
    """A revocation list refused: ``list_malformed``, ``list_unknown_key``,
    ``list_bad_signature``, ``list_wrong_product`` or ``list_replayed``.
    The list in force stays so."""


class TokenError(LicmintError):
    """A JWT license token refused (FORMAT.md section 14). ``kind`` is the
    first of ``unknown_key``, ``bad_signature``, ``install_mismatch``,
    ``wrong_product``, ``bad_token`` that applies; ``kinds`` holds them all.
    ``cause`` is the carried code's own error, if that was refused."""

    kinds: Tuple[str, ...]
    cause: Optional[LicmintError]

    def __init__(self, message: str, also: Tuple[str, ...] = (), cause: Optional[LicmintError] = None) -> None:
        kinds = tuple(also) + ("bad_token",)
        order = ("unknown_key", "bad_signature", "install_mismatch", "wrong_product", "bad_token")
        kind = next(k for k in order if k in kinds)
        super().__init__(kind, "license token: " + message)
        self.kinds = kinds
        self.cause = cause


class RenewalRequestError(LicmintError):
    """A renewal request that does not parse (FORMAT.md section 12); kind
    ``malformed``."""

    def __init__(self, message: str) -> None:
        super().__init__("malformed", "malformed renewal request: " + message)


class CatalogError(LicmintError):
    """A catalog file refused (FORMAT.md section 9); kind ``invalid``."""

    def __init__(self, message: str) -> None:
        super().__init__("invalid", "catalog: " + message)


class KeyFileError(LicmintError):
    """A key file or keyring refused (FORMAT.md section 10): kind
    ``no_key_id`` or ``invalid``."""


class StateError(LicmintError):
    """The verifier state could not be read or saved: kind ``missing``
    (no saved state: a first run), ``corrupt`` (set aside, a fresh state
    started) or ``io``."""


class ConfigError(LicmintError, ValueError):
    """A verifier configured wrongly: a bad product code, key, install id
    or term. Kind ``weak_key`` for a trusted key no key generator makes,
    else ``invalid_config``."""
