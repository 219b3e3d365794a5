"""Every vector file in testdata/vectors, case for case as the Go packages'
vector tests read them."""

from __future__ import annotations

import datetime
import hashlib
import os
from typing import Any, Dict, Optional

import pytest

import licmint
from licmint import jwt, keyring, renewal
from licmint.ed25519 import verify as ed25519_verify
from licmint.formats import day_string
from licmint.state import NS, ZERO, State, format_date, format_rfc3339, parse_date, parse_rfc3339

from conftest import TESTDATA, load_json

UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)


def at(ns: int) -> datetime.datetime:
    return EPOCH + datetime.timedelta(microseconds=ns // 1000)


def when(text: str) -> int:
    ns = parse_rfc3339(text.encode())
    assert ns is not None, text
    return ns


def kind_of(e: licmint.LicmintError) -> str:
    return "unknown_version" if isinstance(e, licmint.UnknownVersionError) else e.kind


AC = load_json("vectors", "activation_codes.json")


@pytest.mark.parametrize("tc", AC["valid"], ids=[v["comment"] for v in AC["valid"]])
def test_activation_code_valid(tc: Dict[str, Any]) -> None:
    f = tc["fields"]
    pub = bytes.fromhex(AC["test_key"]["public_key_hex"])
    for text in [tc["signed"]] + tc["other_spellings"]:
        c = licmint.parse_activation_code(text)
        got = {"product": c.product, "version": c.version, "key_id": c.key_id, "edition": c.edition, "trial": c.trial,
               "install_bound": c.bound, "generation": c.generation, "issued": day_string(c.issued),
               "expires": day_string(c.expires), "serial": "%014d" % c.serial}
        assert got == f
        assert str(c) == tc["signed"] and c.short_form() == tc["short"]
        msg = c.message(tc.get("install_id", "").encode())
        assert msg.hex() == tc["message_hex"]
        assert ed25519_verify(pub, msg, c.signature)
    short = licmint.parse_activation_code(tc["short"])
    assert not short.signed and str(short) == tc["short"]
    rk = licmint.parse_registration_key(tc["registration_key"])
    assert rk.serial == int(f["serial"]) and rk.trial == f["trial"]


@pytest.mark.parametrize("tc", AC["invalid"], ids=[v["comment"] for v in AC["invalid"]])
def test_activation_code_invalid(tc: Dict[str, Any]) -> None:
    with pytest.raises(licmint.FormatError) as info:
        if tc["want"] == "signed":
            licmint.parse_signed(tc["input"], tc.get("product"))
        else:
            licmint.parse_activation_code(tc["input"])
    e = info.value
    assert kind_of(e) == tc["error"], str(e)
    # No group, or group 0, says that no position is reported.
    assert (e.group, e.char) == (tc.get("group", 0), tc.get("char", 0)), str(e)
    if "line" in tc:
        assert (e.line, e.column) == (tc["line"], tc["column"]), str(e)


@pytest.mark.parametrize("tc", AC.get("install_ids", []), ids=[v.get("comment", v["install_id_hex"]) for v in AC.get("install_ids", [])])
def test_install_ids(tc: Dict[str, Any]) -> None:
    """Which install ids a verifier takes (FORMAT.md section 4.2)."""
    iid = bytes.fromhex(tc["install_id_hex"])
    if tc["valid"]:
        licmint.Verifier("PC", {1: bytes.fromhex(AC["test_key"]["public_key_hex"])}, install_id=iid)
    else:
        with pytest.raises(licmint.ConfigError):
            licmint.Verifier("PC", {1: bytes.fromhex(AC["test_key"]["public_key_hex"])}, install_id=iid)


RK = load_json("vectors", "registration_keys.json")


@pytest.mark.parametrize("tc", RK["vectors"], ids=[v["comment"] for v in RK["vectors"]])
def test_registration_key(tc: Dict[str, Any]) -> None:
    if "error" in tc:
        with pytest.raises(licmint.FormatError) as info:
            licmint.parse_registration_key(tc["input"])
        e = info.value
        assert e.kind == tc["error"], str(e)
        if "group" in tc:
            assert (e.group, e.char) == (tc["group"], tc["char"]), str(e)
        if "line" in tc:
            assert (e.line, e.column) == (tc["line"], tc["column"]), str(e)
        return
    k = licmint.parse_registration_key(tc["input"])
    assert (str(k), k.product, "%014d" % k.serial, k.trial) == (tc["canonical"], tc["product"], tc["serial"], tc.get("trial", False))


RESET = load_json("vectors", "reset_codes.json")


@pytest.mark.parametrize("tc", RESET["valid"], ids=[v["comment"] for v in RESET["valid"]])
def test_reset_code_valid(tc: Dict[str, Any]) -> None:
    f = tc["fields"]
    pub = bytes.fromhex(RESET["test_key"]["public_key_hex"])
    for text in [tc["code"]] + tc["other_spellings"]:
        c = licmint.parse_reset_code(text, f["product"])
        assert (c.product, c.version, c.key_id, day_string(c.remembered), day_string(c.issued), c.nonce) == (
            f["product"], f["version"], f["key_id"], f["remembered"], f["issued"], f["nonce"])
        assert str(c) == tc["code"] and c.id == tc["header_hex"]
        msg = c.message(tc["install_id"].encode())
        assert msg.hex() == tc["message_hex"] and ed25519_verify(pub, msg, c.signature)


@pytest.mark.parametrize("tc", RESET["invalid"], ids=[v["comment"] for v in RESET["invalid"]])
def test_reset_code_invalid(tc: Dict[str, Any]) -> None:
    with pytest.raises(licmint.FormatError) as info:
        licmint.parse_reset_code(tc["input"], tc.get("product") or None)
    e = info.value
    assert kind_of(e) == tc["error"] and e.subject == "reset code", str(e)
    if tc.get("group"):
        assert (e.group, e.char) == (tc["group"], tc["char"]), str(e)
    if "line" in tc:
        assert (e.line, e.column) == (tc["line"], tc["column"]), str(e)


@pytest.mark.parametrize("tc", RESET["acceptance"], ids=[v["comment"] for v in RESET["acceptance"]])
def test_reset_acceptance(tc: Dict[str, Any]) -> None:
    code = RESET["valid"][0]
    pub = bytes.fromhex(RESET["test_key"]["public_key_hex"])
    before = State(last_seen=when(tc["last_seen"]) if tc["last_seen"] else ZERO)
    remembered = parse_date(code["fields"]["remembered"].encode())
    assert remembered is not None
    for rid in tc["used"]:
        before.add_reset(rid, remembered)
    store = licmint.MemoryStore(before)
    now = at(when(tc["now"]))
    v = licmint.Verifier(tc["product"], {code["fields"]["key_id"]: pub}, state=store, install_id=tc["install_id"],
                         now=lambda: now, rollback_tolerance=datetime.timedelta(seconds=tc["tolerance_seconds"]))
    results = {"install_mismatch": "install_mismatch", "wrong_product": "wrong_product", "used": "reset_used",
               "not_locked": "reset_not_locked", "too_early": "reset_too_early"}
    if tc["result"] == "accepted":
        v.reset(code["code"])
        after, _ = store.load()
        assert code["header_hex"] in after.resets and after.last_seen == when(tc["new_last_seen"])
        return
    with pytest.raises(licmint.LicmintError) as info:
        v.reset(code["code"])
    assert info.value.kind == results[tc["result"]], str(info.value)
    after, _ = store.load()
    assert after.last_seen == before.last_seen and after.resets == before.resets


LISTS = load_json("vectors", "revocation_lists.json")
LIST_PUB = bytes.fromhex(LISTS["test_key"]["public_key_hex"])


def list_verifier(product: str = "PC", state: Optional[licmint.Store] = None) -> licmint.Verifier:
    return licmint.Verifier(product, {1: LIST_PUB}, state=state)


@pytest.mark.parametrize("tc", LISTS["valid"], ids=[v["comment"] for v in LISTS["valid"]])
def test_revocation_list_valid(tc: Dict[str, Any]) -> None:
    from licmint import revocation

    v = list_verifier(tc["product"])
    info = v.load_revocation_list(bytes.fromhex(tc["hex"]))
    assert (info.key_id, info.sequence, day_string(info.issued), info.entries) == (
        tc["key_id"], tc["sequence"], tc["issued"], len(tc["entries"]))
    lst = revocation.parse(bytes.fromhex(tc["hex"]), tc["product"], lambda k, m, s: None)
    assert [("%014d" % s, b) for s, b in zip(lst.serials, lst.below)] == [(e["serial"], e["below"]) for e in tc["entries"]]
    for ch in tc["checks"]:
        assert lst.revoked(int(ch["serial"]), ch["generation"]) == ch["revoked"], ch


@pytest.mark.parametrize("tc", LISTS["invalid"], ids=[v["comment"] for v in LISTS["invalid"]])
def test_revocation_list_invalid(tc: Dict[str, Any]) -> None:
    with pytest.raises(licmint.RevocationListError) as info:
        list_verifier(tc["product"]).load_revocation_list(bytes.fromhex(tc["hex"]))
    assert info.value.kind == "list_" + tc["error"], str(info.value)


@pytest.mark.parametrize("tc", LISTS["replays"], ids=[v["comment"] for v in LISTS["replays"]])
@pytest.mark.parametrize("with_state", [False, True], ids=["memory", "state carried to a new verifier"])
def test_revocation_list_replays(tc: Dict[str, Any], with_state: bool) -> None:
    lists = {v["name"]: bytes.fromhex(v["hex"]) for v in LISTS["valid"]}
    store = licmint.MemoryStore() if with_state else None
    v = list_verifier(state=store)
    v.load_revocation_list(lists[tc["accepted"]])
    if with_state:
        v = list_verifier(state=store)
    if "error" in tc:
        with pytest.raises(licmint.RevocationListError) as info:
            v.load_revocation_list(lists[tc["then"]])
        assert info.value.kind == "list_" + tc["error"]
        info2 = v.revocation_list
        assert info2 is not None and info2.sequence == list_verifier("PC").load_revocation_list(lists[tc["accepted"]]).sequence
    else:
        v.load_revocation_list(lists[tc["then"]])


CATS = load_json("vectors", "catalogs.json")


def catalog_dict(c: licmint.Catalog) -> Dict[str, Any]:
    return {code: {"name": p.name, "editions": [{"name": e.name, "number": e.number, "features": list(e.features)}
                                                for e in p.editions],
                   "trial_days": p.trial(), "maintenance_days": p.maintenance(), "warning_days": p.warning(),
                   "grace_days": p.grace()} for code, p in c.products.items()}


@pytest.mark.parametrize("tc", CATS["valid"], ids=[v["comment"] for v in CATS["valid"]])
def test_catalog_valid(tc: Dict[str, Any]) -> None:
    assert catalog_dict(licmint.Catalog.parse(tc["json"])) == tc["products"]


@pytest.mark.parametrize("tc", CATS["invalid"], ids=[v["comment"] for v in CATS["invalid"]])
def test_catalog_invalid(tc: Dict[str, Any]) -> None:
    with pytest.raises(licmint.CatalogError) as info:
        licmint.Catalog.parse(tc["json"])
    assert info.value.kind == tc["error"]


def test_default_catalog() -> None:
    assert catalog_dict(licmint.Catalog.default()) == CATS["valid"][0]["products"]


KEYS = load_json("vectors", "key_files.json")


@pytest.mark.parametrize("tc", KEYS["valid"], ids=[v["comment"] for v in KEYS["valid"]])
def test_key_file_valid(tc: Dict[str, Any]) -> None:
    got = [{"key_id": k.id, "public_key_hex": k.public.hex()} for k in keyring.parse_keyring(tc["text"])]
    assert got == tc["keys"]


@pytest.mark.parametrize("tc", KEYS["invalid"], ids=[v["comment"] for v in KEYS["invalid"]])
def test_key_file_invalid(tc: Dict[str, Any]) -> None:
    with pytest.raises(licmint.KeyFileError) as info:
        keyring.parse_keyring(tc["text"])
    assert info.value.kind == tc["error"], str(info.value)


RENEWALS = load_json("vectors", "renewal_requests.json")


@pytest.mark.parametrize("tc", RENEWALS["valid"], ids=[v["comment"] for v in RENEWALS["valid"]])
def test_renewal_request_valid(tc: Dict[str, Any]) -> None:
    r = renewal.parse_renewal_request(tc["text"])
    assert (r.code.product, str(r.code), r.install_id) == (tc["product"], tc["code"], tc["install_id"])
    assert r.time * NS == when(tc["time"])
    assert r.text() == tc["canonical"]
    made = renewal.make_renewal_request(tc["code"], tc["install_id"], r.datetime)
    assert made.text() == tc["canonical"]


@pytest.mark.parametrize("tc", RENEWALS["invalid"], ids=[v["comment"] for v in RENEWALS["invalid"]])
def test_renewal_request_invalid(tc: Dict[str, Any]) -> None:
    with pytest.raises(licmint.RenewalRequestError) as info:
        renewal.parse_renewal_request(tc["text"])
    assert info.value.kind == tc["error"]


JWTS = load_json("vectors", "jwts.json")
PC_CATALOG = licmint.Catalog.default().product("PC")


def jwt_verifier(at_day: str, install_id: Optional[str]) -> licmint.Verifier:
    now = datetime.datetime.fromisoformat(at_day).replace(tzinfo=UTC)
    pub = bytes.fromhex(JWTS["test_key"]["public_key_hex"])
    return licmint.Verifier("PC", {1: pub, 2: pub}, catalog=licmint.Catalog.default().product("PC"),
                            install_id=install_id or None, now=lambda: now)


@pytest.mark.parametrize("tc", JWTS["valid"], ids=[v["comment"] for v in JWTS["valid"]])
def test_jwt_valid(tc: Dict[str, Any]) -> None:
    lic = jwt.verify_token(jwt_verifier(tc["verify_at"], tc.get("install_id")), tc["token"])
    w = tc["license"]
    got = {"status": lic.status.value, "days_left": lic.days_left, "product": lic.product, "edition": lic.edition,
           "edition_number": lic.edition_number, "trial": lic.trial, "install_bound": lic.bound,
           "serial": lic.serial_text, "generation": lic.generation, "key_id": lic.key_id,
           "issued": day_string(lic.issued), "expires": day_string(lic.expires), "features": lic.features.as_dict()}
    assert got == w


@pytest.mark.parametrize("tc", JWTS["invalid"], ids=[v["comment"] for v in JWTS["invalid"]])
def test_jwt_invalid(tc: Dict[str, Any]) -> None:
    with pytest.raises(licmint.LicmintError) as info:
        jwt.verify_token(jwt_verifier(tc["verify_at"], tc.get("install_id")), tc["token"])
    assert info.value.kind == tc["error"], str(info.value)


def _states() -> Dict[str, Any]:
    path = os.path.join(TESTDATA, "vectors", "state_files.json")
    if not os.path.exists(path):
        return {"valid": [], "invalid": [], "merges": []}
    states: Dict[str, Any] = load_json("vectors", "state_files.json")
    return states


STATES = _states()


def _state_file(tmp: str, text: str, list_hex: str) -> licmint.FileStore:
    path = os.path.join(tmp, "state")
    with open(path, "wb") as f:
        f.write(text.encode())
    if list_hex:
        with open(path + ".list", "wb") as f:
            f.write(bytes.fromhex(list_hex))
    return licmint.FileStore(path)


def _check_file(store: licmint.FileStore, text: str, list_hex: str) -> None:
    with open(store.path, "rb") as f:
        assert f.read().decode() == text
    if list_hex:
        with open(store.list_path, "rb") as f:
            assert f.read().hex() == list_hex


@pytest.mark.parametrize("tc", STATES["valid"], ids=[v["comment"] for v in STATES["valid"]])
def test_state_file_valid(tc: Dict[str, Any], tmp_path: "os.PathLike[str]") -> None:
    store = _state_file(os.fspath(tmp_path), tc["text"], tc.get("list_hex", ""))
    s, err = store.load()
    assert err is None, str(err)
    w = tc["fields"]
    last = "" if s.last_seen == ZERO else format_rfc3339(s.last_seen)
    got = {"last_seen": last, "list_sequence": s.list_sequence,
           "list_sha256": hashlib.sha256(s.list).hexdigest() if s.list is not None else "",
           "generations": sorted([k, g] for k, g in s.generations.items()),
           "resets": sorted([format_date(d), rid] for rid, d in s.resets.items())}
    assert got == {k: w[k] or ([] if k in ("generations", "resets") else w[k]) for k in got}
    assert store.update(lambda st: None) is None
    _check_file(store, tc["canonical"], tc.get("list_hex", ""))


@pytest.mark.parametrize("tc", STATES["invalid"], ids=[v["comment"] for v in STATES["invalid"]])
def test_state_file_invalid(tc: Dict[str, Any], tmp_path: "os.PathLike[str]") -> None:
    _, err = _state_file(os.fspath(tmp_path), tc["text"], tc.get("list_hex", "")).load()
    assert err is not None and err.kind == "corrupt"


@pytest.mark.parametrize("tc", STATES["merges"], ids=[v["comment"] for v in STATES["merges"]])
def test_state_file_merge(tc: Dict[str, Any], tmp_path: "os.PathLike[str]") -> None:
    a, b = os.path.join(os.fspath(tmp_path), "a"), os.path.join(os.fspath(tmp_path), "b")
    os.mkdir(a)
    os.mkdir(b)
    frm, err = _state_file(a, tc["from"], tc.get("from_list_hex", "")).load()
    assert err is None, str(err)
    into = _state_file(b, tc["into"], tc.get("into_list_hex", ""))
    assert into.update(lambda s: s.merge(frm)) is None
    _check_file(into, tc["merged"], tc.get("merged_list_hex", ""))


RENEWS: Dict[str, Any] = (load_json("vectors", "renewals.json")
                          if os.path.exists(os.path.join(TESTDATA, "vectors", "renewals.json")) else {"cases": []})


@pytest.mark.parametrize("tc", RENEWS["cases"], ids=[v["comment"] for v in RENEWS["cases"]])
def test_renewal(tc: Dict[str, Any]) -> None:
    """renewals.json: VerifyRenewal's acceptance rule, as Go's
    TestRenewalVectors runs it."""
    now = at(when(tc["now"]))
    v = licmint.Verifier("PC", {1: bytes.fromhex(RENEWS["test_key"]["public_key_hex"])}, catalog=PC_CATALOG,
                         now=lambda: now, state=licmint.MemoryStore(), install_id=tc.get("install_id") or None)
    if tc.get("revocation_list_hex"):
        v.load_revocation_list(bytes.fromhex(tc["revocation_list_hex"]))
    for c in tc.get("seen") or []:
        v.verify(c)
    w = tc["want"]
    try:
        lic = v.verify_renewal(tc["installed"], tc["new"])
    except licmint.LicmintError as e:
        assert e.kind == w["error_kind"], str(e)
    else:
        assert w["error_kind"] == ""
        assert (lic.status.value, lic.generation, lic.edition_number, lic.trial, lic.bound, day_string(lic.expires)) == (
            w["status"], w["generation"], w["edition_number"], w["trial"], w["install_bound"], w["expires"])
    try:
        after = v.verify(tc["installed"]).status.value
    except licmint.LicmintError:
        after = "invalid"
    assert after == w["installed_after"]


def test_every_vector_file_is_run() -> None:
    run = {"renewals.json", "activation_codes.json", "registration_keys.json", "reset_codes.json", "revocation_lists.json",
           "catalogs.json", "key_files.json", "renewal_requests.json", "jwts.json", "state_files.json"}
    have = set(os.listdir(os.path.join(TESTDATA, "vectors")))
    assert have <= run, "vector files not run here: %s" % sorted(have - run)


