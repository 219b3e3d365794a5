"""The product catalog (FORMAT.md section 9): editions, their features and
the terms, as Go's package formats/catalog reads it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union

from .formats import utf8
from . import _gojson
from .errors import CatalogError

__all__ = ["Catalog", "Product", "Edition", "DEFAULT_WARNING_DAYS", "DEFAULT_GRACE_DAYS", "MAX_TERM_DAYS"]

DEFAULT_TRIAL_DAYS = 30
DEFAULT_MAINTENANCE_DAYS = 365
DEFAULT_WARNING_DAYS = 60
DEFAULT_GRACE_DAYS = 30
MAX_TERM_DAYS = 36500
MAX_FILE_SIZE = 1 << 20
_NAMES = ("products", "name", "editions", "number", "features", "trial_days", "maintenance_days", "warning_days",
          "grace_days")

_DEFAULT_JSON = """{
  "products": {
    "PC": {
      "name": "Example product",
      "editions": [
        {"name": "standard", "number": 1, "features": ["update", "scan"]},
        {"name": "premium", "number": 2, "features": ["update", "scan"]}
      ]
    }
  }
}"""


@dataclass(frozen=True)
class Edition:
    name: str
    number: int
    features: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Product:
    """One product's entry. Terms are as written, 0 meaning the default;
    ``warning()`` and ``grace()`` apply the defaults."""

    code: str
    name: str
    editions: Tuple[Edition, ...]
    trial_days: int = 0
    maintenance_days: int = 0
    warning_days: int = 0
    grace_days: int = 0

    def trial(self) -> int:
        return self.trial_days or DEFAULT_TRIAL_DAYS

    def maintenance(self) -> int:
        return self.maintenance_days or DEFAULT_MAINTENANCE_DAYS

    def warning(self) -> int:
        return self.warning_days or DEFAULT_WARNING_DAYS

    def grace(self) -> int:
        return self.grace_days or DEFAULT_GRACE_DAYS

    def edition_number(self, n: int) -> Optional[Edition]:
        for e in self.editions:
            if e.number == n:
                return e
        return None


def _object(v: Any, where: str) -> _gojson.Pairs:
    if not isinstance(v, _gojson.Pairs):
        raise CatalogError("%s: want a JSON object" % where)
    return v


def _fields(obj: _gojson.Pairs, allowed: Tuple[str, ...], where: str) -> Dict[str, Any]:
    """The members of obj; any other member is an error, as Go's
    DisallowUnknownFields makes it. (Repeated members, names in another
    case and nulls were refused before.)"""
    out: Dict[str, Any] = {}
    for k, v in obj:
        if k not in allowed:
            raise CatalogError('%s: unknown field "%s"' % (where, k))
        out[k] = v
    return out


def _int(v: Any, lo: int, hi: int, what: str) -> int:
    if v is None:
        return 0
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise CatalogError("%s: %s is not an integer from %d to %d" % (what, json.dumps(v), lo, hi))
    return v


def _str(v: Any, what: str) -> str:
    if v is None:
        return ""
    if not isinstance(v, str):
        raise CatalogError("%s: %s is not a string" % (what, json.dumps(v)))
    # Products written in C read these names as NUL-terminated strings.
    if "\0" in v:
        raise CatalogError("%s: %s holds U+0000, which no name may" % (what, json.dumps(v)))
    return v


def _list(v: Any, what: str) -> List[Any]:
    if v is None:
        return []
    if not isinstance(v, list) or isinstance(v, _gojson.Pairs):
        raise CatalogError("%s: want an array" % what)
    return v


def _product(code: str, obj: Any) -> Product:
    if obj is None:
        raise CatalogError("product %s is null" % json.dumps(code))
    where = "product " + code
    f = _fields(_object(obj, where), ("name", "editions", "trial_days", "maintenance_days", "warning_days", "grace_days"), where)
    editions = []
    for i, e in enumerate(_list(f.get("editions"), where + ": editions")):
        ew = "%s: edition %d" % (where, i + 1)
        ef = _fields(_object(e, ew), ("name", "number", "features"), ew)
        features = tuple(_str(x, ew + ": feature") for x in _list(ef.get("features"), ew + ": features"))
        editions.append(Edition(_str(ef.get("name"), ew + ": name"), _int(ef.get("number"), 0, 255, ew + ": number"), features))
    terms = {k: _int(f.get(k), -(2**63), 2**63 - 1, where + ": " + k) for k in _TERMS}
    p = Product(code, _str(f.get("name"), where + ": name"), tuple(editions), **terms)
    _check(p)
    return p


_TERMS = ("trial_days", "maintenance_days", "warning_days", "grace_days")


def _check(p: Product) -> None:
    where = "product %s: " % p.code
    if not p.editions:
        raise CatalogError(where + "no editions")
    names, numbers = set(), set()
    for i, e in enumerate(p.editions):
        if e.name == "" or e.name.strip() != e.name:
            raise CatalogError(where + "edition %d: name %s is empty or has surrounding spaces" % (i + 1, json.dumps(e.name)))
        if e.name in names:
            raise CatalogError(where + "edition name %s appears twice" % json.dumps(e.name))
        if e.number in numbers:
            raise CatalogError(where + "edition number %d appears twice" % e.number)
        names.add(e.name)
        numbers.add(e.number)
        for feat in e.features:
            if feat == "" or feat.strip() != feat:
                raise CatalogError(
                    where + "edition %s: feature name %s is empty or has surrounding spaces" % (e.name, json.dumps(feat))
                )
    for name in ("trial_days", "maintenance_days", "warning_days", "grace_days"):
        v = getattr(p, name)
        if v < 0 or v > MAX_TERM_DAYS:
            raise CatalogError(where + "%s is %d; want 0 (the default) to %d" % (name, v, MAX_TERM_DAYS))


@dataclass(frozen=True)
class Catalog:
    products: Dict[str, Product] = field(default_factory=dict)

    @staticmethod
    def parse(data: Union[str, bytes]) -> "Catalog":
        """Reads a catalog file; raises CatalogError (kind ``invalid``)."""
        if isinstance(data, str):
            data = utf8(data)
        if len(data) > MAX_FILE_SIZE:
            raise CatalogError("%d bytes, more than %d" % (len(data), MAX_FILE_SIZE))
        try:
            # A member named twice, a known name in another case, or a null
            # would each be read some way by a lenient decoder: refused.
            _gojson.check_strict(data, _NAMES)
        except _gojson.StrictError as e:
            raise CatalogError(str(e)) from None
        try:
            root = _gojson.loads(data)
        except (ValueError, RecursionError) as e:
            raise CatalogError("%s" % e) from None
        prods = _fields(_object(root, "catalog"), ("products",), "catalog").get("products")
        members: Dict[str, Any] = dict(_object(prods, "products")) if prods is not None else {}
        if not members:
            raise CatalogError('no products; want {"products": {"PC": {...}}}')
        out = {}
        for code in members:
            if len(code) != 2 or not ("A" <= code[0] <= "Z" and "A" <= code[1] <= "Z"):
                raise CatalogError("product code %s: want two upper-case letters, such as PC" % json.dumps(code))
            out[code] = _product(code, members[code])
        return Catalog(out)

    @staticmethod
    def default() -> "Catalog":
        """The built-in catalog: product PC, editions standard and premium."""
        return Catalog.parse(_DEFAULT_JSON)

    def product(self, code: str) -> Optional[Product]:
        return self.products.get(code.upper())
