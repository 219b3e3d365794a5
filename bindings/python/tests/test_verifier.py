"""The verifier's behaviour beyond the conformance suite, as Go's verifier
tests check it: renewals, replacements across runs, clock rollback and
reset codes end to end, install binding, revocation across runs, the
state's faults, and configuration errors."""

from __future__ import annotations

import datetime
import os
from typing import Any, Dict, List

import pytest

import licmint
from conftest import SECOND_SEED, TEST_PUB, at, clock, sign_code, sign_list, sign_reset

PC = licmint.Catalog.default().product("PC")


def verifier(now: str = "2027-01-15T10:00:00Z", **kw: object) -> licmint.Verifier:
    t = at(now)
    kw.setdefault("catalog", PC)
    return licmint.Verifier("PC", {1: TEST_PUB}, now=lambda: t, **kw)  # type: ignore[arg-type]


def test_license_fields() -> None:
    lic = verifier().verify(sign_code(edition=2))
    assert (lic.status, lic.edition, lic.edition_number, lic.days_left, lic.serial_text) == (
        licmint.Status.VALID, "premium", 2, 316, "31415926535897")
    assert lic.features.enabled("update") and not lic.features.enabled("print")
    assert lic.features.as_dict() == {"update": True, "scan": True} and lic.status.in_force
    expired = verifier("2028-01-01T00:00:00Z").verify(sign_code())
    assert expired.status == licmint.Status.EXPIRED and not expired.features.enabled("update")
    assert verifier(catalog=None).verify(sign_code()).edition == "1"


def test_install_binding() -> None:
    code = sign_code(install_id="hôte-1".encode())
    assert verifier(install_id="hôte-1").verify(code).bound
    assert verifier(install_id="hôte-1".encode()).verify(code).bound
    for v in (verifier(), verifier(install_id="hôte-2")):
        with pytest.raises(licmint.VerificationError) as info:
            v.verify(code)
        assert info.value.kind == "install_mismatch" and info.value.hint
    # An unbound code ignores the install id.
    assert verifier(install_id="anything").verify(sign_code()).status == licmint.Status.VALID


def test_bad_signature_and_unknown_key() -> None:
    with pytest.raises(licmint.VerificationError) as info:
        verifier().verify(sign_code(seed=SECOND_SEED))
    assert info.value.kind == "bad_signature"
    with pytest.raises(licmint.VerificationError) as info:
        verifier().verify(sign_code(key_id=9))
    assert info.value.kind == "unknown_key" and "key id 9" in str(info.value)


def test_typo_position_and_hint() -> None:
    code = sign_code()
    bad = code[:50] + ("X" if code[50] != "X" else "Y") + code[51:]
    with pytest.raises(licmint.FormatError) as info:
        verifier().verify(bad)
    e = info.value
    assert (e.kind, e.group, e.char, e.line, e.column) == ("typo", 10, 1, 1, 51)
    assert "perhaps" in str(e) and e.hint
    assert str(e).startswith("activation code, group 10 character 1 (line 1, column 51): ")


def test_renewal() -> None:
    v = verifier(state=licmint.MemoryStore())
    current = sign_code()
    lic = v.verify_renewal(current, sign_code(expires="2028-11-27"))
    assert licmint.day_string(lic.expires) == "2028-11-27"
    refusals = {
        "another serial": sign_code(serial=1, expires="2028-11-27"),
        "no later expiry": sign_code(expires="2027-11-27"),
    }
    for why, nxt in refusals.items():
        with pytest.raises(licmint.VerificationError) as info:
            v.verify_renewal(current, nxt)
        assert info.value.kind == "not_renewal", why
    with pytest.raises(licmint.VerificationError) as info:
        v.verify_renewal(sign_code(generation=2), sign_code(generation=1, expires="2028-11-27"))
    assert info.value.kind == "not_renewal" and "lower" in str(info.value)
    with pytest.raises(licmint.VerificationError) as info:
        v.verify_renewal(sign_code(expires=None), sign_code(expires="2028-11-27"))
    assert info.value.kind == "not_renewal" and "perpetual" in str(info.value)
    # A code that does not verify says which one it is.
    with pytest.raises(licmint.VerificationError) as info:
        v.verify_renewal(current, sign_code(expires="2028-11-27", seed=SECOND_SEED))
    assert info.value.kind == "bad_signature" and str(info.value).startswith("new code: ")
    # Revoked by the list in force.
    v.load_revocation_list(sign_list(3, [(31415926535897, 0)]))
    with pytest.raises(licmint.VerificationError) as info:
        v.verify_renewal(current, sign_code(expires="2029-11-27"))
    assert "revoked" in str(info.value)


def test_renewal_records_only_when_accepted() -> None:
    store = licmint.MemoryStore()
    v = verifier(state=store)
    with pytest.raises(licmint.VerificationError):
        v.verify_renewal(sign_code(serial=5), sign_code(serial=6, generation=3, expires="2030-01-01"))
    assert 6 not in store.load()[0].generations
    v.verify_renewal(sign_code(serial=5), sign_code(serial=5, generation=3, expires="2030-01-01"))
    assert store.load()[0].generations[5] == 3


def test_superseded_across_runs(tmp_path: "os.PathLike[str]") -> None:
    path = os.path.join(os.fspath(tmp_path), "state.txt")
    verifier(state=licmint.FileStore(path)).verify(sign_code(generation=1))
    v = verifier(state=licmint.FileStore(path))
    assert v.verify(sign_code(generation=0)).status == licmint.Status.SUPERSEDED
    assert v.verify(sign_code(generation=1)).status == licmint.Status.VALID
    assert v.state_error is None


def test_clock_rollback_and_reset(tmp_path: "os.PathLike[str]") -> None:
    path = os.path.join(os.fspath(tmp_path), "state.txt")
    now, clk = clock("2036-11-29T08:15:00Z")
    v = licmint.Verifier("PC", {1: TEST_PUB}, catalog=PC, now=clk, install_id="host-1", state=licmint.FileStore(path))
    code = sign_code(expires=None)
    assert v.verify(code).status == licmint.Status.VALID
    now["t"] = at("2026-12-01T09:00:00Z")
    v = licmint.Verifier("PC", {1: TEST_PUB}, catalog=PC, now=clk, install_id="host-1", state=licmint.FileStore(path))
    lic = v.verify(code)
    assert lic.status == licmint.Status.CLOCK_ROLLBACK and not lic.features.enabled("update")
    assert lic.last_seen == at("2036-11-29T08:15:00Z")
    reset, rid = sign_reset(b"host-1", "2036-11-29", "2026-12-01")
    other, _ = sign_reset(b"host-2", "2036-11-29", "2026-12-01")
    with pytest.raises(licmint.VerificationError) as info:
        v.reset(other)
    assert info.value.kind == "install_mismatch" and info.value.subject == "reset code"
    wrong_day, _ = sign_reset(b"host-1", "2036-11-28", "2026-12-01", nonce=2)
    with pytest.raises(licmint.VerificationError) as info:
        v.reset(wrong_day)
    assert info.value.kind == "reset_not_locked"
    v.reset(reset)
    assert v.verify(code).status == licmint.Status.VALID
    with pytest.raises(licmint.VerificationError) as info:
        v.reset(reset)
    assert info.value.kind == "reset_used"
    with open(path) as f:
        assert "reset: 2036-11-29 " + rid in f.read()
    # A new run reads the reset from the file.
    v = licmint.Verifier("PC", {1: TEST_PUB}, catalog=PC, now=clk, install_id="host-1", state=licmint.FileStore(path))
    assert v.verify(code).status == licmint.Status.VALID


def test_reset_needs_state() -> None:
    with pytest.raises(licmint.ConfigError):
        verifier(install_id="host-1").reset(sign_reset(b"host-1", "2036-11-29", "2026-12-01")[0])


def test_revocation_across_runs(tmp_path: "os.PathLike[str]") -> None:
    path = os.path.join(os.fspath(tmp_path), "state.txt")
    v = verifier(state=licmint.FileStore(path))
    info = v.load_revocation_list(sign_list(7, [(31415926535897, 1), (5, 0)]))
    assert (info.sequence, info.entries) == (7, 2)
    assert v.verify(sign_code()).status == licmint.Status.REVOKED
    assert v.verify(sign_code(generation=1)).status == licmint.Status.VALID
    # The next run keeps the list in force and refuses an older one.
    v = verifier(state=licmint.FileStore(path))
    assert v.revocation_list is not None and v.verify(sign_code()).status == licmint.Status.REVOKED
    with pytest.raises(licmint.RevocationListError) as e:
        v.load_revocation_list(sign_list(6, []))
    assert e.value.kind == "list_replayed"
    assert v.verify(sign_code()).status == licmint.Status.REVOKED
    # The saved list altered: reported, not used.
    with open(path + ".list", "r+b") as f:
        f.seek(40)
        f.write(b"\xff")
    v = verifier(state=licmint.FileStore(path))
    err = v.state_error
    assert err is not None and err.kind == "corrupt"
    assert v.revocation_list is None and v.verify(sign_code(serial=5)).status == licmint.Status.VALID


def test_corrupt_state_set_aside(tmp_path: "os.PathLike[str]") -> None:
    path = os.path.join(os.fspath(tmp_path), "state.txt")
    with open(path, "w") as f:
        f.write("licmint verifier state v1\nlast-seen: yesterday\n")
    v = verifier(state=licmint.FileStore(path))
    err = v.state_error
    assert err is not None and err.kind == "corrupt"
    assert v.verify(sign_code()).status == licmint.Status.VALID  # a new serial: saved
    assert os.path.exists(path + ".corrupt")
    with open(path) as f:
        assert "generation: 31415926535897 0" in f.read()


def test_state_faults_never_change_the_license(tmp_path: "os.PathLike[str]") -> None:
    # A directory where the state belongs: unreadable and unsavable.
    path = os.path.join(os.fspath(tmp_path), "dir")
    os.mkdir(path)
    v = verifier(state=licmint.FileStore(path))
    assert v.verify(sign_code()).status == licmint.Status.VALID
    err = v.state_error
    assert err is not None and err.kind == "io"
    assert os.path.isdir(path)  # not set aside as corrupt
    # Too large: corrupt, read no further than the bound.
    big = os.path.join(os.fspath(tmp_path), "big.txt")
    with open(big, "wb") as f:
        f.write(b"licmint verifier state v1\n" + b"x" * (1 << 20))
    err2 = verifier(state=licmint.FileStore(big)).state_error
    assert err2 is not None and err2.kind == "corrupt"


def test_configuration_errors() -> None:
    bad: List[Dict[str, Any]] = [{"product": "P1"}, {"keys": {}}, {"install_id": ""}, {"install_id": " x"}, {"install_id": "x" * 256},
                   {"warn_days": -1}, {"grace_days": 36501}, {"keys": {1: b"short"}}, {"keys": {256: TEST_PUB}},
                   {"rollback_tolerance": datetime.timedelta(seconds=-1)}]
    for kwargs in bad:
        args: Dict[str, Any] = {"product": "PC", "keys": {1: TEST_PUB}}
        args.update(kwargs)
        with pytest.raises(licmint.ConfigError):
            licmint.Verifier(args.pop("product"), args.pop("keys"), **args)
    with pytest.raises(licmint.ConfigError):
        licmint.Verifier("PC", {1: TEST_PUB}, catalog=licmint.CatalogProduct("PD", "x", ()))


def test_naive_clock_is_local_time() -> None:
    naive = datetime.datetime(2027, 1, 15, 12, 0)
    v = licmint.Verifier("PC", {1: TEST_PUB}, now=lambda: naive)
    assert v.verify(sign_code()).days_left in (316, 317)
