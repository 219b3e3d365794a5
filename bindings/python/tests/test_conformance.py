"""The conformance suite, testdata/conformance/cases.json, case for case as
bindings/conformance's Go runner runs it."""

from __future__ import annotations

import datetime
from typing import Any, Dict, List, Optional

import pytest

import licmint
from licmint.state import parse_rfc3339

from conftest import load_json

SUITE = load_json("conformance", "cases.json")
KEYS = {k["id"]: bytes.fromhex(k["public_key_hex"]) for k in SUITE["keys"]}


def outcome(v: licmint.Verifier, code: str) -> Dict[str, Any]:
    o: Dict[str, Any] = {"status": "invalid", "error_kind": "", "group": 0, "char": 0, "product": "", "edition": "",
                         "edition_number": 0, "trial": False, "install_bound": False, "serial": 0, "generation": 0,
                         "key_id": 0, "issued": "", "expires": "", "days_left": 0, "features_on": []}
    try:
        lic = v.verify(code)
    except licmint.FormatError as e:
        o.update(error_kind=e.kind, group=e.group, char=e.char)
        return o
    except licmint.LicmintError as e:
        o["error_kind"] = e.kind
        return o
    o.update(status=lic.status.value, product=lic.product, edition=lic.edition, edition_number=lic.edition_number,
             trial=lic.trial, install_bound=lic.bound, serial=lic.serial, generation=lic.generation,
             key_id=lic.key_id, issued=licmint.day_string(lic.issued), expires=licmint.day_string(lic.expires),
             days_left=lic.days_left, features_on=[f for f in lic.features.names if lic.features.enabled(f)])
    return o


def clock(text: str) -> datetime.datetime:
    ns = parse_rfc3339(text.encode())
    assert ns is not None, text
    return datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=ns // 1000)


@pytest.mark.parametrize("case", SUITE["cases"], ids=[c["name"] for c in SUITE["cases"]])
def test_conformance(case: Dict[str, Any]) -> None:
    store: Optional[licmint.Store] = licmint.MemoryStore() if case["state"] else None
    cat = licmint.Catalog.default().product(case["product"])
    failures: List[str] = []
    for i, run in enumerate(case["runs"], 1):
        now = clock(run["now"])
        v = licmint.Verifier(case["product"], KEYS, catalog=cat, install_id=run.get("install_id") or None,
                             warn_days=run.get("warn_days"), grace_days=run.get("grace_days"),
                             now=lambda: now, state=store)
        for j, step in enumerate(run["steps"], 1):
            if "code" in step:
                got, want = outcome(v, step["code"]), dict(step["want"])
                if want["group"] is None:
                    got["group"] = got["char"] = None
                if got != want:
                    diff = {k: (got.get(k), want[k]) for k in want if got.get(k) != want[k]}
                    failures.append("run %d step %d: (got, want) %s" % (i, j, diff))
            else:
                try:
                    v.load_revocation_list(bytes.fromhex(step["revocation_list_hex"]))
                    kind = ""
                except licmint.RevocationListError as e:
                    kind = e.kind
                if kind != step["want_list_error"]:
                    failures.append("run %d step %d: list: got %r, want %r" % (i, j, kind, step["want_list_error"]))
    assert not failures, "\n".join(failures)
