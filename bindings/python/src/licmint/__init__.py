"""licmint: check licmint Activation Codes offline, in Python.

A port of the Go verifier (FORMAT.md section 15) that gives the same
answers, case for case, on the conformance suite and every vector file::

    import licmint

    v = licmint.Verifier("PC", {1: public_key},
                         catalog=licmint.Catalog.default().product("PC"),
                         state=licmint.FileStore("state.txt"))
    try:
        lic = v.verify(code)
    except licmint.LicmintError as e:
        print(e.kind, e, e.hint)   # typo: e.group and e.char say where
    else:
        print(lic.status, lic.days_left, lic.features.enabled("update"))
"""

from .catalog import Catalog, Edition
from .catalog import Product as CatalogProduct
from .errors import (
    CatalogError,
    ConfigError,
    FormatError,
    KeyFileError,
    LicmintError,
    RenewalRequestError,
    RevocationListError,
    StateError,
    TokenError,
    UnknownVersionError,
    VerificationError,
)
from .formats import (
    PERPETUAL,
    ActivationCode,
    RegistrationKey,
    ResetCode,
    day_date,
    day_string,
    parse_activation_code,
    parse_registration_key,
    parse_reset_code,
    parse_signed,
)
from .jwt import verify_token
from .keyring import parse_keyring
from .renewal import RenewalRequest, make_renewal_request, parse_renewal_request
from .state import FileStore, MemoryStore, State, Store, marshal, unmarshal
from .verifier import DEFAULT_ROLLBACK_TOLERANCE, Features, Key, License, ListInfo, Status, Verifier

__version__ = "0.1.0"

__all__ = [
    "ActivationCode",
    "Catalog",
    "CatalogError",
    "CatalogProduct",
    "ConfigError",
    "DEFAULT_ROLLBACK_TOLERANCE",
    "Edition",
    "Features",
    "FileStore",
    "FormatError",
    "Key",
    "KeyFileError",
    "License",
    "LicmintError",
    "ListInfo",
    "MemoryStore",
    "PERPETUAL",
    "RegistrationKey",
    "RenewalRequest",
    "RenewalRequestError",
    "ResetCode",
    "RevocationListError",
    "State",
    "StateError",
    "Status",
    "Store",
    "TokenError",
    "UnknownVersionError",
    "VerificationError",
    "Verifier",
    "day_date",
    "day_string",
    "make_renewal_request",
    "marshal",
    "parse_activation_code",
    "parse_keyring",
    "parse_registration_key",
    "parse_renewal_request",
    "parse_reset_code",
    "parse_signed",
    "unmarshal",
    "verify_token",
]
