"""What a product embeds to check Activation Codes offline (FORMAT.md
section 15): a port of Go's package verifier, answering as it does."""

from __future__ import annotations

import datetime
import enum
import threading
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import formats, revocation
from .catalog import DEFAULT_GRACE_DAYS, DEFAULT_WARNING_DAYS, MAX_TERM_DAYS
from .catalog import Product as CatalogProduct
from .ed25519 import PublicKey
from .errors import ConfigError, FormatError, LicmintError, RevocationListError, StateError, VerificationError
from .formats import PERPETUAL, ActivationCode, Text
from .state import NS, ZERO, State, Store, format_date

__all__ = [
    "Verifier",
    "License",
    "Features",
    "Status",
    "ListInfo",
    "Key",
    "DEFAULT_ROLLBACK_TOLERANCE",
    "MAX_FEATURES",
]

DEFAULT_ROLLBACK_TOLERANCE = datetime.timedelta(hours=24)
MAX_FEATURES = 64
_SAVE_INTERVAL = 3600 * NS
_EPOCH_UNIX = 1577836800
_UNIX_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


class Status(str, enum.Enum):
    """Where a license stands on the verifier's clock; the value is the name
    FORMAT.md and Go's --json output use."""

    VALID = "valid"
    EXPIRING = "expiring"
    GRACE = "grace"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    CLOCK_ROLLBACK = "clock_rollback"

    @property
    def in_force(self) -> bool:
        """Valid, expiring or in grace: the edition's features are on."""
        return self in (Status.VALID, Status.EXPIRING, Status.GRACE)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Key:
    """A trusted Ed25519 public key (32 bytes) and the id codes name it by."""

    id: int
    public: bytes


@dataclass(frozen=True)
class Features:
    """An edition's features in catalog order, all on while the license is
    in force and all off otherwise."""

    names: Tuple[str, ...] = ()
    on: bool = False

    def enabled(self, name: str) -> bool:
        return self.on and name in self.names

    def as_dict(self) -> Dict[str, bool]:
        return {n: self.on for n in self.names}


@dataclass(frozen=True)
class License:
    """A verified Activation Code and where it stands."""

    product: str
    edition: str  # the catalog's name, or the number in decimal
    edition_number: int
    trial: bool
    bound: bool
    serial: int
    generation: int
    key_id: int
    issued: int  # a Day (formats.day_date converts it)
    expires: int  # a Day, or formats.PERPETUAL
    days_left: int  # expires minus today; 0 for a perpetual code
    status: Status
    features: Features
    last_seen: Optional[datetime.datetime] = None  # for CLOCK_ROLLBACK: the time the clock is behind

    @property
    def perpetual(self) -> bool:
        return self.expires == PERPETUAL

    @property
    def serial_text(self) -> str:
        """The serial as 14 digits."""
        return "%014d" % self.serial


@dataclass(frozen=True)
class ListInfo:
    """The revocation list in force."""

    key_id: int
    sequence: int
    issued: int
    entries: int


def _to_ns(t: datetime.datetime) -> int:
    if t.tzinfo is None:
        t = t.astimezone()  # a naive datetime is local time, as Python takes it
    d = t - _UNIX_EPOCH
    return (d.days * 86400 + d.seconds) * NS + d.microseconds * 1000


def _from_ns(ns: int) -> Optional[datetime.datetime]:
    try:
        return _UNIX_EPOCH + datetime.timedelta(microseconds=ns // 1000)
    except OverflowError:
        return None


def _today(ns: int) -> int:
    return (ns // NS - _EPOCH_UNIX) // 86400


def _status(day: int, issued: int, expires: int, warn: int, grace: int) -> Tuple[Status, int]:
    if day < issued:
        s = Status.NOT_YET_VALID
    elif expires == PERPETUAL:
        return Status.VALID, 0
    else:
        left = expires - day
        if left > warn:
            s = Status.VALID
        elif left > 0:
            s = Status.EXPIRING
        elif -left < grace:
            s = Status.GRACE
        else:
            s = Status.EXPIRED
    if expires == PERPETUAL:
        return s, 0
    return s, min(max(expires - day, -(1 << 30)), 1 << 30)


KeysArg = Union[Mapping[int, bytes], Iterable[Key]]


class Verifier:
    """Checks Activation Codes for one product against fixed trusted keys.

    ``keys`` maps key ids to 32-byte public keys (or is a list of Key).
    ``catalog`` names editions and features and sets the warning and grace
    days, which ``warn_days`` and ``grace_days`` override. ``install_id``
    (str, signed as UTF-8, or bytes) is this install's, for install-bound
    codes. ``now`` is the clock (a naive datetime is local time). With
    ``state`` (a FileStore or MemoryStore) the verifier remembers the
    clock, revocation lists and generations between runs and reports
    ``superseded`` and ``clock_rollback``. Safe to share between threads.
    Configuration errors raise ConfigError.
    """

    def __init__(
        self,
        product: str,
        keys: KeysArg,
        *,
        catalog: Optional[CatalogProduct] = None,
        install_id: Union[str, bytes, None] = None,
        warn_days: Optional[int] = None,
        grace_days: Optional[int] = None,
        now: Optional[Callable[[], datetime.datetime]] = None,
        state: Optional[Store] = None,
        rollback_tolerance: datetime.timedelta = DEFAULT_ROLLBACK_TOLERANCE,
    ) -> None:
        try:
            self._product = formats.parse_product(product)
        except ValueError as e:
            raise ConfigError("invalid_config", "verifier: %s" % e) from None
        pairs = [(k.id, k.public) for k in keys] if not isinstance(keys, Mapping) else list(keys.items())
        if not pairs:
            raise ConfigError("invalid_config", "verifier: no keys: a verifier needs at least one trusted key")
        self._keys: Dict[int, PublicKey] = {}
        for kid, pub in pairs:
            if isinstance(kid, bool) or not isinstance(kid, int) or not 0 <= kid <= 255:
                raise ConfigError("invalid_config", "verifier: key id %r: want 0 to 255" % (kid,))
            if kid in self._keys:
                raise ConfigError("invalid_config", "verifier: key id %d appears twice" % kid)
            try:
                self._keys[kid] = PublicKey(bytes(pub))
            except FormatError as e:
                raise ConfigError(
                    "weak_key" if e.kind == "weak_key" else "invalid_config", "verifier: key id %d: %s" % (kid, e), e.hint
                ) from None
        self._install_id = b""
        if install_id is not None:
            iid = formats.utf8(install_id) if isinstance(install_id, str) else bytes(install_id)
            why = formats.check_install_id(iid)
            if why:
                raise ConfigError("invalid_config", "verifier: " + why)
            self._install_id = iid
        self._editions: Dict[int, Tuple[str, Tuple[str, ...]]] = {}
        warn, grace = DEFAULT_WARNING_DAYS, DEFAULT_GRACE_DAYS
        if catalog is not None:
            if catalog.code and catalog.code != self._product:
                raise ConfigError(
                    "invalid_config", "verifier: the catalog entry is for product %s, not %s" % (catalog.code, self._product)
                )
            for ed in catalog.editions:
                if len(ed.features) > MAX_FEATURES:
                    raise ConfigError(
                        "invalid_config",
                        "verifier: edition %s has %d features; at most %d are supported"
                        % (ed.name, len(ed.features), MAX_FEATURES),
                    )
                self._editions[ed.number] = (ed.name, tuple(ed.features))
            warn, grace = catalog.warning(), catalog.grace()
        if warn_days is not None:
            warn = warn_days
        if grace_days is not None:
            grace = grace_days
        if not 0 <= warn <= MAX_TERM_DAYS or not 0 <= grace <= MAX_TERM_DAYS:
            raise ConfigError(
                "invalid_config", "verifier: warning days %d and grace days %d: want 0 to %d" % (warn, grace, MAX_TERM_DAYS)
            )
        self._warn, self._grace = warn, grace
        self._now = now if now is not None else (lambda: datetime.datetime.now(datetime.timezone.utc))
        if rollback_tolerance < datetime.timedelta(0):
            raise ConfigError("invalid_config", "verifier: rollback tolerance %s is negative" % rollback_tolerance)
        self._tolerance = _to_ns(_UNIX_EPOCH + rollback_tolerance)
        self._list: Optional[Tuple[revocation.RevocationList, ListInfo]] = None
        self._list_data: Optional[bytes] = None  # the list in force, as signed
        self._list_lock = threading.Lock()
        self._lock = threading.Lock()
        self._store = state
        self._seen = State()
        self._saved = ZERO
        self._state_err: List[LicmintError] = []
        self._save_err: Optional[StateError] = None
        if state is not None:
            self._attach_state(state)

    # --- configuration ---------------------------------------------------------

    @property
    def product(self) -> str:
        return self._product

    def public_key(self, key_id: int) -> Optional[bytes]:
        k = self._keys.get(key_id)
        return k.raw if k is not None else None

    # --- codes ---------------------------------------------------------------------

    def verify(self, code: Text) -> License:
        """Checks a signed Activation Code as typed or pasted and returns its
        license, whatever its status. Raises FormatError or
        VerificationError when the code is not authentic."""
        c = formats.parse_signed(code, self._product)
        return self._check(c, True)

    def _check(self, c: ActivationCode, record: bool) -> License:
        key = self._keys.get(c.key_id)
        if key is None:
            raise VerificationError(
                "unknown_key",
                "signed with key id %d, which this verifier does not trust" % c.key_id,
                "the code may come from another vendor, or be signed with a newer key than this version of the "
                "product knows: ask the vendor for a code it accepts",
            )
        if c.bound and not self._install_id:
            raise VerificationError(
                "install_mismatch",
                "this code is bound to an install, and no install id was given",
                "this code is bound to one install, and the product did not say which install it is on: ask the vendor for help",
            )
        if not key.verify(c.message(self._install_id), c.signature):
            if c.bound:
                raise VerificationError(
                    "install_mismatch",
                    "the signature does not verify with this install id: the code is bound to another install, or was altered",
                    "enter the code on the install it was issued for, or ask the vendor for a code for this install",
                )
            raise VerificationError(
                "bad_signature",
                "the signature does not verify with key id %d: the code was altered or forged" % c.key_id,
                "copy the code again from the original; a code that still fails is not genuine",
            )
        now = _to_ns(self._now())
        st, left = _status(_today(now), c.issued, c.expires, self._warn, self._grace)
        superseded, last_seen = False, None
        if self._store is not None:
            superseded, last_seen = self._observe(c.serial, c.generation, now, record)
        cur = self._list
        if cur is not None and cur[0].revoked(c.serial, c.generation):
            st = Status.REVOKED
        elif superseded:
            st = Status.SUPERSEDED
        elif last_seen is not None:
            st = Status.CLOCK_ROLLBACK
        name, feats = self._editions.get(c.edition, (str(c.edition), ()))
        return License(
            product=c.product,
            edition=name,
            edition_number=c.edition,
            trial=c.trial,
            bound=c.bound,
            serial=c.serial,
            generation=c.generation,
            key_id=c.key_id,
            issued=c.issued,
            expires=c.expires,
            days_left=left,
            status=st,
            features=Features(feats, st.in_force),
            last_seen=_from_ns(last_seen) if st == Status.CLOCK_ROLLBACK and last_seen is not None else None,
        )

    def verify_renewal(self, current: Text, next_code: Text) -> License:
        """Checks that next_code, issued at renewal, may replace current, the
        installed code, and returns next_code's license. Both must verify;
        then the same serial, the same or a higher generation, a later
        expiry, and next_code neither revoked nor superseded. Refusals
        raise VerificationError of kind ``not_renewal``; only an accepted
        renewal is recorded in the state."""
        cur = self._check_code(current, "installed code")
        nxt = self._check_code(next_code, "new code")
        ask = "ask the vendor for a renewal of the installed code"

        def refuse(hint: str, msg: str) -> VerificationError:
            return VerificationError("not_renewal", "not a renewal: " + msg, hint)

        if nxt.serial != cur.serial:
            raise refuse(ask, "the new code is for serial %s, the installed one for serial %s" % (nxt.serial_text, cur.serial_text))
        if nxt.generation < cur.generation:
            raise refuse(
                "keep the installed code: the new one is older",
                "the new code is generation %d, lower than the installed generation %d" % (nxt.generation, cur.generation),
            )
        if cur.expires == PERPETUAL:
            raise refuse("keep the installed code", "the installed code is perpetual: nothing extends it")
        if nxt.expires <= cur.expires:
            raise refuse(
                ask,
                "the new code expires %s, which does not extend the installed code's expiry, %s"
                % (formats.day_string(nxt.expires), formats.day_string(cur.expires)),
            )
        if nxt.status == Status.REVOKED:
            raise refuse(ask, "the new code is revoked by the revocation list in force")
        if nxt.status == Status.SUPERSEDED:
            raise refuse(
                "enter the latest code the vendor issued for this serial",
                "a higher generation of serial %s than the new code's %d has been seen here" % (nxt.serial_text, nxt.generation),
            )
        if self._store is not None:
            self._observe(nxt.serial, nxt.generation, _to_ns(self._now()), True)
        return nxt

    def _check_code(self, code: Text, which: str) -> License:
        try:
            return self._check(formats.parse_signed(code, self._product), False)
        except FormatError as fe:
            fe.subject = which + ": " + fe.subject
            raise
        except VerificationError as ve:
            ve.subject = which + ": " + ve.subject
            raise

    # --- revocation lists ----------------------------------------------------------

    def _parse_list(self, data: bytes) -> Tuple[revocation.RevocationList, ListInfo]:
        def verify(key_id: int, message: bytes, sig: bytes) -> None:
            key = self._keys.get(key_id)
            if key is None:
                raise RevocationListError(
                    "list_unknown_key", "revocation list signed by an unknown key: key id %d" % key_id
                )
            if not key.verify(message, sig):
                raise RevocationListError(
                    "list_bad_signature",
                    "revocation list signature does not verify: the list was altered, or signed by an untrusted key "
                    "under key id %d" % key_id,
                )

        lst = revocation.parse(data, self._product, verify)
        return lst, ListInfo(lst.key_id, lst.sequence, lst.issued, len(lst))

    def load_revocation_list(self, data: bytes) -> ListInfo:
        """Checks a signed revocation list and puts it in force. A list whose
        sequence is lower than the highest accepted, here or (with a state)
        in an earlier run, raises RevocationListError ``list_replayed``; the
        same sequence is accepted again. After any refusal the last good
        list stays in force."""
        data = bytes(data)
        lst, info = self._parse_list(data)
        with self._list_lock:
            highest, same = 0, None  # the highest sequence accepted, and that list if known
            if self._list is not None:
                highest, same = self._list[1].sequence, self._list_data
            if self._store is not None:
                with self._lock:
                    if self._seen.list_sequence > highest or (self._seen.list_sequence == highest and same is None):
                        highest, same = self._seen.list_sequence, self._seen.list
            if info.sequence < highest:
                raise RevocationListError(
                    "list_replayed",
                    "revocation list replayed: its sequence %d is lower than sequence %d, already accepted; keeping the newer list"
                    % (info.sequence, highest),
                )
            if info.sequence == highest and same is not None and same != data:
                # A vendor never signs two lists with one sequence; the first
                # accepted stays, in this run and the next.
                raise RevocationListError(
                    "list_replayed",
                    "revocation list replayed: another list with sequence %d was accepted already; keeping it "
                    "(a newer list has a higher sequence)" % info.sequence,
                )
            self._list, self._list_data = (lst, info), data
            if self._store is not None:
                with self._lock:
                    newer = info.sequence > self._seen.list_sequence or self._seen.list is None
                    if newer:
                        self._seen.list_sequence, self._seen.list = info.sequence, data
                if newer:
                    self._save()
        return info

    @property
    def revocation_list(self) -> Optional[ListInfo]:
        """The list in force, if one was accepted."""
        cur = self._list
        return cur[1] if cur is not None else None

    # --- state ---------------------------------------------------------------------

    def _attach_state(self, store: Store) -> None:
        st, err = store.load()
        if err is not None and err.kind == "missing":
            err = None
        elif err is not None and err.kind != "corrupt":
            st = State()
        self._seen, self._saved = st, st.last_seen
        if err is not None:
            self._state_err.append(err)
        if st.list is not None:
            try:
                lst, info = self._parse_list(st.list)
            except RevocationListError as e:
                self._state_err.append(
                    StateError("corrupt", "the saved revocation list does not load: %s" % e)
                )
            else:
                if info.sequence < st.list_sequence:
                    self._state_err.append(
                        StateError(
                            "corrupt",
                            "the saved revocation list has sequence %d, below the %d accepted" % (info.sequence, st.list_sequence),
                        )
                    )
                else:
                    self._list, self._list_data = (lst, info), st.list

    def _observe(self, serial: int, gen: int, now: int, record: bool) -> Tuple[bool, Optional[int]]:
        save = False
        with self._lock:
            highest = self._seen.generations.get(serial)
            superseded = highest is not None and highest > gen
            rolled = self._seen.last_seen if now < self._seen.last_seen - self._tolerance else None
            if record:
                if highest is None or gen > highest:
                    self._seen.see_generation(serial, gen)
                    save = True
                if now > self._seen.last_seen:
                    self._seen.last_seen = now
                    save = save or now - self._saved >= _SAVE_INTERVAL
        if save:
            self._save()
        return superseded, rolled

    def _save(self) -> None:
        assert self._store is not None
        with self._lock:
            snap = self._seen.clone()
        merged: List[State] = []

        def fn(s: State) -> None:
            s.merge(snap)
            merged.append(s.clone())

        try:
            err = self._store.update(fn)
        except StateError as e:
            with self._lock:
                self._save_err = e
            return
        except OSError as e:
            with self._lock:
                self._save_err = StateError("io", "saving verifier state: %s" % e)
            return
        with self._lock:
            self._save_err = None
            if err is not None and not self._state_err:
                self._state_err.append(err)
            self._seen.merge(merged[0])
            if snap.last_seen > self._saved:
                self._saved = snap.last_seen

    @property
    def state_error(self) -> Optional[StateError]:
        """What went wrong with the state: a corrupt or unreadable state found
        at start or by a later save (the verifier then started afresh), and
        the latest save failure, cleared by a good save. None without a
        store and after a missing state, normal on a first run. Licenses do
        not depend on it."""
        with self._lock:
            errs = [e for e in self._state_err] + ([self._save_err] if self._save_err else [])
        if not errs:
            return None
        if len(errs) == 1 and isinstance(errs[0], StateError):
            return errs[0]
        return StateError(
            "corrupt" if any(e.kind == "corrupt" for e in errs) else errs[0].kind, "\n".join(str(e) for e in errs)
        )

    # --- reset codes ---------------------------------------------------------------

    def reset(self, code: Text) -> None:
        """Applies a reset code (FORMAT.md section 16) from the vendor. Needs
        a state and an install id. Refusals raise FormatError or
        VerificationError (``unknown_key``, ``install_mismatch``,
        ``reset_used``, ``reset_not_locked``, ``reset_too_early``) and leave
        the state as it was; a state that cannot be saved raises
        StateError and nothing is reset."""
        if self._store is None:
            raise ConfigError(
                "invalid_config",
                "verifier: Reset needs a state (WithState): without one there is no remembered time to clear",
            )
        c = formats.parse_reset_code(code, self._product)

        def refuse(kind: str, hint: str, msg: str) -> VerificationError:
            return VerificationError(kind, msg, hint, subject="reset code")

        key = self._keys.get(c.key_id)
        if key is None:
            raise refuse(
                "unknown_key",
                "ask the vendor for a reset code signed with a key this product trusts",
                "signed with key id %d, which this verifier does not trust" % c.key_id,
            )
        iid = self._install_id
        if not iid:
            raise refuse(
                "install_mismatch",
                "a reset code is for one install, and the product did not say which install it is on: ask the vendor for help",
                "a reset code is for one install, and no install id was given",
            )
        qid = formats.go_quote(iid.decode("utf-8", "replace"))
        if not key.verify(c.message(iid), c.signature):
            raise refuse(
                "install_mismatch",
                "ask the vendor for a reset code for install %s, or copy the code again from the original" % qid,
                "the signature does not verify with install id %s: the code was issued for another install, or altered" % qid,
            )
        now = _to_ns(self._now())
        issued = (_EPOCH_UNIX + c.issued * 86400) * NS
        remembered = (_EPOCH_UNIX + c.remembered * 86400) * NS
        with self._lock:
            snap = self._seen.clone()
        result: List[State] = []
        tol = self._tolerance

        def fn(s: State) -> None:
            s.merge(snap)
            seen = s.last_seen
            if c.id in s.resets:
                raise refuse(
                    "reset_used",
                    "if this install is locked again, ask the vendor for a new reset code for install %s and the day it remembers"
                    % qid,
                    "this reset code was already used on this install; a reset code clears one lock once",
                )
            if seen == ZERO:
                raise refuse("reset_not_locked", "nothing needs resetting", "this install remembers no time: there is no lock to clear")
            if _today(seen) != c.remembered:
                raise refuse(
                    "reset_not_locked",
                    "if the clock is right, ask the vendor for a reset code for install %s and day %s" % (qid, format_date(seen)),
                    "the code clears a lock at %s, but this install remembers %s"
                    % (formats.day_string(c.remembered), format_date(seen)),
                )
            if not now < seen - tol:
                raise refuse(
                    "reset_not_locked",
                    "nothing needs resetting; keep the code in case the clock is set back",
                    "the clock reads %s, not behind the remembered %s: there is no lock to clear"
                    % (format_date(now), format_date(seen)),
                )
            if now < issued - tol:
                raise refuse(
                    "reset_too_early",
                    "set the clock right, then give the same reset code again",
                    "the clock reads %s, before %s, the day the code was issued: the clock is wrong"
                    % (format_date(now), formats.day_string(c.issued)),
                )
            s.last_seen = max(now, issued)
            s.add_reset(c.id, remembered)
            result.append(s.clone())

        err = self._store.update(fn)
        with self._lock:
            if err is not None:
                self._state_err.append(err)
            # Merge rather than replace, to keep what verify recorded
            # meanwhile; the reset drops the in-memory time it cleared.
            self._seen.merge(result[0])
            self._saved = self._seen.last_seen
