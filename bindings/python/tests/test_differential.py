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
