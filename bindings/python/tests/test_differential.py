"""The Python package against the Go packages on the same seeded
mutations of codes, reset codes, Registration Keys and revocation lists,
which bindings/python's TestPythonAgreesWithGo makes and answers with Go."""

from __future__ import annotations

import datetime
import json
import os
from typing import Any, Dict, List

import pytest

import licmint
from licmint.formats import utf8

# Where FORMAT.md now gives a line and column that earlier Go packages
# left out: another product's code, and a Registration Key's type digit
# (checked by the vectors instead).
_LINE_NEW = ("wrong_product",)


def test_go_differential() -> None:
    path = os.environ.get("LICMINT_DIFFERENTIAL")
    if not path:
        pytest.skip("run by go test ./bindings/python, which makes the inputs and Go's answers")
    with open(path) as f:
        suite = json.load(f)
    keys = {k["id"]: bytes.fromhex(k["public_key_hex"]) for k in suite["keys"]}
    now = datetime.datetime.fromisoformat(suite["now"].replace("Z", "+00:00"))
    pc = licmint.Catalog.default().product("PC")
    diffs: List[str] = []
    # Without a state a verifier keeps nothing between codes, so one serves
    # all of them; lists, which it keeps, get a fresh one each.
    v = licmint.Verifier("PC", keys, catalog=pc, now=lambda: now, install_id="host-7f3a9c0e")
    for c in suite["cases"]:
        data = bytes.fromhex(c["input_hex"])
        got: Dict[str, Any] = {"kind": "", "group": 0, "char": 0, "line": 0, "column": 0, "status": "", "days_left": 0}
        try:
            if c["what"] == "code":
                lic = v.verify(data)
                got.update(status=lic.status.value, days_left=lic.days_left)
            elif c["what"] == "reset":
                licmint.parse_reset_code(data, "PC")
            elif c["what"] == "rk":
                licmint.parse_registration_key(data)
            else:
                licmint.Verifier("PC", keys).load_revocation_list(data)
        except licmint.FormatError as e:
            kind = "unknown_version" if isinstance(e, licmint.UnknownVersionError) else e.kind
            got.update(kind=kind, group=e.group, char=e.char, line=e.line, column=e.column)
        except licmint.LicmintError as e:
            got["kind"] = e.kind
        want = {k: c[k] for k in got}
        if got["kind"] in _LINE_NEW or (c["what"] == "rk" and got["kind"] == "malformed" and (got["group"], got["char"]) == (2, 1)):
            got["line"] = got["column"] = want["line"] = want["column"] = 0  # another product; the type digit
        if got != want:
            diffs.append("%s %r: got %s, want %s" % (c["what"], data, got, want))
    assert not diffs, "%d of %d differ from Go:\n%s" % (len(diffs), len(suite["cases"]), "\n".join(diffs[:20]))


def _catalog_string(c: licmint.Catalog) -> str:
    """What a catalog says, rendered as TestPythonAgreesWithGoOnJSONAndText
    renders it (Go's %q of ASCII text is json.dumps')."""
    out = ""
    for code in sorted(c.products):
        p = c.products[code]
        out += "%s %s" % (code, _goq(p.name))
        for e in p.editions:
            out += ";%s %d %s" % (_goq(e.name), e.number, _goq(",".join(e.features)))
        out += ";%d %d %d %d\n" % (p.trial(), p.maintenance(), p.warning(), p.grace())
    return out


def _goq(s: str) -> str:
    """Go's %q, for the strings a catalog holds."""
    out = '"'
    for ch in s:
        if ch in '"\\':
            out += "\\" + ch
        elif ch in "\a\b\f\n\r\t\v":
            out += {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}[ch]
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out += "\\x%02x" % ord(ch)
        elif ch.isprintable():
            out += ch
        else:
            out += "\\u%04x" % ord(ch) if ord(ch) < 0x10000 else "\\U%08x" % ord(ch)
    return out + '"'


def test_go_differential_text() -> None:
    path = os.environ.get("LICMINT_DIFFERENTIAL_TEXT")
    if not path:
        pytest.skip("run by go test ./bindings/python, which makes the inputs and Go's answers")
    with open(path) as f:
        suite = json.load(f)
    now = datetime.datetime.fromisoformat(suite["now"].replace("Z", "+00:00"))
    v = licmint.Verifier("PC", {1: bytes.fromhex(suite["public_key_hex"])}, catalog=licmint.Catalog.default().product("PC"),
                         now=lambda: now, install_id="host-7f3a9c0e")
    diffs: List[str] = []
    for c in suite["cases"]:
        data = bytes.fromhex(c["input_hex"])
        kind, read = "", ""
        try:
            if c["what"] == "token":
                lic = licmint.verify_token(v, data)
                read = "%s %s" % (lic.status.value, lic.serial_text)
            elif c["what"] == "state":
                read = licmint.marshal(licmint.unmarshal(data)).hex()
            elif c["what"] == "catalog":
                read = _catalog_string(licmint.Catalog.parse(data))
            elif c["what"] == "keyring":
                read = "".join("%02x%s " % (k.id, k.public.hex()) for k in licmint.parse_keyring(data))
            else:
                r = licmint.parse_renewal_request(data)
                # Go's JSON shows bytes that are not UTF-8 as U+FFFD.
                iid = utf8(r.install_id).decode("utf-8", "replace")
                read = "%s %s %s" % (r.code, iid, r.datetime.strftime("%Y-%m-%dT%H:%M:%SZ"))
        except licmint.StateError:
            kind = "corrupt"
        except licmint.LicmintError as e:
            kind = e.kind
        if (kind, read) != (c["kind"], c["read"]):
            diffs.append("%s %r: got %r %r, want %r %r" % (c["what"], data, kind, read[:80], c["kind"], c["read"][:80]))
    assert not diffs, "%d of %d differ from Go:\n%s" % (len(diffs), len(suite["cases"]), "\n".join(diffs[:20]))
