"""What a verifier remembers between runs (FORMAT.md section 13), in the
same file format as Go's package verifier/state, so that a product can
switch language without losing it.

Times are kept as integer nanoseconds since the Unix epoch, as Go's
time.Time holds them; ``ZERO`` is Go's zero time (0001-01-01T00:00:00Z),
which a state that has seen nothing writes as its ``last-seen``.
"""

from __future__ import annotations

import errno
import hashlib
import os
import random
import re
import stat
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional, Tuple

from .errors import StateError

__all__ = [
    "State",
    "Store",
    "MemoryStore",
    "FileStore",
    "marshal",
    "unmarshal",
    "ZERO",
    "MAX_SERIALS",
    "MAX_RESETS",
    "MAX_FILE_SIZE",
    "MAX_LIST_SIZE",
]

NS = 1_000_000_000
ZERO = -62135596800 * NS  # Go's zero time.Time
MAX_SERIALS = 10000
MAX_RESETS = 100
MAX_FILE_SIZE = 1 << 20
MAX_LIST_SIZE = (1 << 27) + (1 << 10)
_HEADER = b"licmint verifier state v1"


@dataclass
class State:
    """What a verifier has seen. Every field only grows, so two states merge
    by taking the larger of each; the exception is ``last_seen``, which an
    accepted reset code moves back (see merge)."""

    last_seen: int = ZERO  # nanoseconds since 1970, UTC
    list_sequence: int = 0
    list: Optional[bytes] = None
    generations: Dict[int, int] = field(default_factory=dict)
    resets: Dict[str, int] = field(default_factory=dict)  # id -> start of the day it cleared, ns

    def clone(self) -> "State":
        return State(self.last_seen, self.list_sequence, self.list, dict(self.generations), dict(self.resets))

    def see_generation(self, serial: int, g: int) -> int:
        """Records generation g of serial; returns the highest seen for it."""
        old = self.generations.get(serial)
        if old is not None and old >= g:
            return old
        if old is None and len(self.generations) >= MAX_SERIALS:
            # Forget the lowest serial rather than grow without bound.
            del self.generations[min(self.generations)]
        self.generations[serial] = g
        return g

    def add_reset(self, reset_id: str, day: int) -> None:
        """Records a reset code; beyond MAX_RESETS the one that cleared the
        earliest day is forgotten."""
        if reset_id in self.resets:
            return
        if len(self.resets) >= MAX_RESETS:
            oldest = min(self.resets, key=lambda k: (self.resets[k], k))
            del self.resets[oldest]
        self.resets[reset_id] = day

    def merge(self, o: "State") -> None:
        """Folds o into self (FORMAT.md section 13)."""
        mine, theirs = self.last_seen, o.last_seen
        if _cleared_by(o.resets, self.resets, mine):
            mine = ZERO
        if _cleared_by(self.resets, o.resets, theirs):
            theirs = ZERO
        self.last_seen = max(mine, theirs)
        for rid, day in o.resets.items():
            self.add_reset(rid, day)
        if o.list_sequence > self.list_sequence or (o.list_sequence == self.list_sequence and self.list is None):
            self.list = o.list
        self.list_sequence = max(self.list_sequence, o.list_sequence)
        for serial, g in o.generations.items():
            self.see_generation(serial, g)


def _cleared_by(resets: Dict[str, int], known: Dict[str, int], t: int) -> bool:
    return any(rid not in known and t >= day for rid, day in resets.items())


# --- times --------------------------------------------------------------------


def _days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(z: int) -> Tuple[int, int, int]:
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (m <= 2), m, d


def _days_in_month(y: int, m: int) -> int:
    if m == 2:
        return 29 if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0) else 28
    return 30 if m in (4, 6, 9, 11) else 31


_RFC3339 = re.compile(
    rb"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_DATE = re.compile(rb"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def parse_date(s: bytes) -> Optional[int]:
    """YYYY-MM-DD as Go's time.Parse(time.DateOnly) reads it: ns at its
    midnight UTC, or None."""
    m = _DATE.fullmatch(s)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    if not 1 <= mo <= 12 or not 1 <= d <= _days_in_month(y, mo):
        return None
    return _days_from_civil(y, mo, d) * 86400 * NS


def parse_rfc3339(s: bytes) -> Optional[int]:
    """A time as every licmint text format writes it (FORMAT.md section 1,
    Go's formats.ParseTime): YYYY-MM-DDTHH:MM:SS, an optional fraction,
    then Z or an offset within a day; upper-case T and Z, no leap second.
    Returns ns since 1970 (not yet truncated), or None."""
    if not 20 <= len(s) <= 64:
        return None
    m = _RFC3339.fullmatch(s)
    if not m:
        return None
    y, mo, d, hh, mm, ss = (int(g) for g in m.groups()[:6])
    frac, zone = m.group(7), m.group(8)
    if not 1 <= mo <= 12 or not 1 <= d <= _days_in_month(y, mo) or hh > 23 or mm > 59 or ss > 59:
        return None
    offset = 0
    if zone != b"Z":
        oh, om = int(zone[1:3]), int(zone[4:6])
        if oh > 23 or om > 59:
            return None
        offset = (oh * 3600 + om * 60) * (-1 if zone[:1] == b"-" else 1)
    nanos = int((frac or b"0")[:9].ljust(9, b"0"))
    secs = _days_from_civil(y, mo, d) * 86400 + hh * 3600 + mm * 60 + ss - offset
    return secs * NS + nanos


def format_rfc3339(ns: int) -> str:
    """ns as Go's Time.UTC().Format(time.RFC3339): to the second, UTC."""
    secs = ns // NS
    y, m, d = _civil_from_days(secs // 86400)
    rem = secs % 86400
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (y, m, d, rem // 3600, rem // 60 % 60, rem % 60)


def format_date(ns: int) -> str:
    y, m, d = _civil_from_days((ns // NS) // 86400)
    return "%04d-%02d-%02d" % (y, m, d)


# --- the file format ------------------------------------------------------------


def _is_lower_hex(b: bytes, n: int) -> bool:
    return len(b) == n and all(c in b"0123456789abcdef" for c in b)


def _decimal(b: bytes, limit: int) -> Optional[int]:
    """A number as the state writes it: decimal digits, no sign and no
    leading zero, at most limit."""
    if not b or len(b) > 20 or (b[:1] == b"0" and len(b) > 1) or not all(0x30 <= c <= 0x39 for c in b):
        return None
    v = int(b)
    return v if v <= limit else None


def decode(data: bytes) -> Tuple[State, str]:
    """Reads the state file's text; returns the state and the saved list's
    SHA-256 ("" if none). Raises ValueError saying what is wrong. Only what
    a writer writes is read: numbers without leading zeros, each serial and
    reset once, at most MAX_SERIALS and MAX_RESETS of them."""
    if len(data) > MAX_FILE_SIZE:
        raise ValueError("%d bytes, more than %d" % (len(data), MAX_FILE_SIZE))
    if data.endswith(b"\n"):
        data = data[:-1]
    lines = data.split(b"\n")
    if lines[0] != _HEADER:
        raise ValueError('first line is not "%s"' % _HEADER.decode())
    s = State()
    list_sum = ""
    seen = set()
    for n, line in enumerate(lines[1:]):
        key, sep, val = line.partition(b": ")
        if not sep or (key not in (b"generation", b"reset") and key in seen):
            raise ValueError('line %d: want "name: value", each name once' % (n + 2))
        seen.add(key)
        err = ""
        if key == b"last-seen":
            t = parse_rfc3339(val)
            if t is None:
                err = "not an RFC 3339 time"
            else:
                # Truncated as it is written, so that a state read back
                # compares as the one saved.
                s.last_seen = t // NS * NS
        elif key == b"list-sequence":
            v = _decimal(val, 2**64 - 1)
            if v is None:
                err = "want the sequence in decimal, no leading zeros"
            else:
                s.list_sequence = v
        elif key == b"list-sha256":
            if not _is_lower_hex(val, 64):
                err = "want 64 lower-case hexadecimal digits"
            list_sum = val.decode("ascii", "replace")
        elif key == b"reset":
            day, found, rid = val.partition(b" ")
            d = parse_date(day)
            if d is None or not found or not _is_lower_hex(rid, 20):
                err = 'want "YYYY-MM-DD ID", the ID 20 lower-case hexadecimal digits'
            elif rid.decode() in s.resets:
                err = "reset code %s is listed twice" % rid.decode()
            elif len(s.resets) == MAX_RESETS:
                err = "more than %d reset lines" % MAX_RESETS
            else:
                s.add_reset(rid.decode(), d)
        elif key == b"generation":
            serial, _, gen = val.partition(b" ")
            sv, gv = _decimal(serial, 99_999_999_999_999), _decimal(gen, 255)
            if sv is None or gv is None:
                err = (
                    'want "SERIAL GENERATION": a serial of at most 14 digits and a generation from 0 to 255, '
                    "in decimal with no leading zeros"
                )
            elif sv in s.generations:
                err = "serial %d is listed twice" % sv
            elif len(s.generations) == MAX_SERIALS:
                err = "more than %d generation lines" % MAX_SERIALS
            else:
                s.see_generation(sv, gv)
        else:
            err = "unknown name %r" % key.decode("utf-8", "replace")
        if err:
            raise ValueError("line %d: %s" % (n + 2, err))
    return s, list_sum


def _sha256_hex(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def encode(s: State) -> bytes:
    out = [_HEADER.decode(), "last-seen: " + format_rfc3339(s.last_seen), "list-sequence: %d" % s.list_sequence]
    if s.list is not None:
        out.append("list-sha256: " + _sha256_hex(s.list))
    for serial in sorted(s.generations):
        out.append("generation: %d %d" % (serial, s.generations[serial]))
    # Without resets the file is what earlier versions wrote, so that they
    # still read it.
    for rid in sorted(s.resets):
        out.append("reset: %s %s" % (format_date(s.resets[rid]), rid))
    return ("\n".join(out) + "\n").encode()


def marshal(s: State) -> bytes:
    """The state as one byte string, for products that keep it themselves:
    the file's text and, if a list is kept, an empty line and the list."""
    b = encode(s)
    if s.list is not None:
        b += b"\n" + s.list
    return b


def unmarshal(data: bytes) -> State:
    """Reads what marshal wrote. Any fault raises StateError (kind corrupt)."""
    text, sep, lst = bytes(data).partition(b"\n\n")
    has_list = bool(sep)
    if has_list:
        text += b"\n"
    if len(lst) > MAX_LIST_SIZE:
        raise StateError(
            "corrupt", "verifier state is corrupt: the revocation list is %d bytes, more than %d" % (len(lst), MAX_LIST_SIZE)
        )
    try:
        s, list_sum = decode(text)
    except ValueError as e:
        raise StateError("corrupt", "verifier state is corrupt: %s" % e) from None
    if not list_sum and has_list:
        raise StateError("corrupt", "verifier state is corrupt: a revocation list follows the state, which names none")
    if list_sum and (not has_list or _sha256_hex(lst) != list_sum):
        raise StateError(
            "corrupt", "verifier state is corrupt: the revocation list is missing or does not match its list-sha256"
        )
    if has_list:
        s.list = lst
    return s


# --- stores -----------------------------------------------------------------------


class Store:
    """Keeps a State between runs. ``load`` returns the saved state and,
    for a missing or corrupt one, the StateError with a usable default;
    ``update`` applies fn to the saved state and saves the result
    atomically, saving nothing if fn raises. After setting a corrupt state
    aside and saving, update returns that StateError; other failures raise."""

    def load(self) -> Tuple[State, Optional[StateError]]:
        raise NotImplementedError

    def update(self, fn: Callable[[State], None]) -> Optional[StateError]:
        raise NotImplementedError


class MemoryStore(Store):
    """A Store in memory, for tests and for products that persist the state
    themselves (``marshal`` and ``unmarshal``)."""

    def __init__(self, initial: Optional[State] = None) -> None:
        self._lock = threading.Lock()
        self._state = initial.clone() if initial is not None else State()
        self._ok = initial is not None

    def load(self) -> Tuple[State, Optional[StateError]]:
        with self._lock:
            if not self._ok:
                return State(), StateError("missing", "no saved verifier state")
            return self._state.clone(), None

    def update(self, fn: Callable[[State], None]) -> Optional[StateError]:
        with self._lock:
            s = self._state.clone()
            fn(s)
            self._state, self._ok = s, True
            return None


class _TooLarge(Exception):
    pass


class _NotRegular(Exception):
    pass


def _read_bounded(path: str, limit: int) -> bytes:
    """Reads a regular file, stopping one byte past limit."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise _NotRegular("%s: not a regular file" % path)
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise _TooLarge("%s: too large: more than %d bytes" % (path, limit))
    return data


try:
    import fcntl

    def _lock(path: str, timeout: float) -> Callable[[], None]:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN) or time.monotonic() > deadline:
                    os.close(fd)
                    raise StateError(
                        "io", "locking verifier state %s: %s (is another process stuck updating it?)" % (path, e)
                    ) from None
                time.sleep(0.005)
                continue

            def unlock() -> None:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)

            return unlock

except ImportError:  # pragma: no cover - Windows: a lock file, as Go's lock_other.go

    def _lock(path: str, timeout: float) -> Callable[[], None]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
                return lambda: os.remove(path)
            except FileExistsError:
                try:
                    if time.time() - os.stat(path).st_mtime > 60:
                        os.remove(path)
                        continue
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise StateError("io", "locking verifier state %s: still locked after %gs" % (path, timeout)) from None
                time.sleep(0.005)


def _sync_dir(d: str) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open a directory
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: str, data: bytes) -> None:
    """Replaces path with data so that a crash leaves the old content or the
    new: a temporary file beside it, fsync, rename, fsync of the directory.
    Temporary names follow Go's internal/atomicfile, whose sweep removes
    leftovers. (Go writes an unnamed O_TMPFILE on Linux; Python's os.link
    cannot name one, as it does not follow /proc/self/fd links.)"""
    d = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    tmp = ""
    fd = -1
    try:
        for _ in range(100):
            name = os.path.join(d, ".%s.partial-%d" % (base, random.getrandbits(32)))
            try:
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                tmp = name
                break
            except FileExistsError:
                continue
        else:
            raise OSError(errno.EEXIST, "no free temporary name in " + d)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
        tmp = ""
        _sync_dir(d)
    except OSError as e:
        raise StateError("io", "saving verifier state: %s" % e) from None
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp:
            try:
                os.remove(tmp)
            except OSError:
                pass


class FileStore(Store):
    """A Store in a small text file (FORMAT.md section 13), interchangeable
    with Go's state.File: the revocation list is kept beside it in
    PATH.list, writes are atomic, and a lock file PATH.lock serialises the
    processes, Go's included, that update the same state."""

    def __init__(self, path: str, lock_timeout: float = 10.0) -> None:
        self.path = os.fspath(path)
        self.lock_timeout = lock_timeout

    @property
    def list_path(self) -> str:
        return self.path + ".list"

    def load(self) -> Tuple[State, Optional[StateError]]:
        try:
            data = _read_bounded(self.path, MAX_FILE_SIZE)
        except FileNotFoundError:
            return State(), StateError("missing", "no saved verifier state: %s does not exist" % self.path)
        except _TooLarge as e:
            return State(), StateError("corrupt", "verifier state is corrupt: %s" % e)
        except (OSError, _NotRegular) as e:
            return State(), StateError("io", "reading verifier state: %s" % e)
        try:
            s, list_sum = decode(data)
        except ValueError as e:
            return State(), StateError("corrupt", "verifier state is corrupt: %s: %s" % (self.path, e))
        if list_sum:
            try:
                lst: Optional[bytes] = _read_bounded(self.list_path, MAX_LIST_SIZE)
            except (OSError, _TooLarge, _NotRegular):
                lst = None
            if lst is None or _sha256_hex(lst) != list_sum:
                return s, StateError(
                    "corrupt",
                    "verifier state is corrupt: %s: the revocation list saved with it is missing or altered" % self.list_path,
                )
            s.list = lst
        return s, None

    def update(self, fn: Callable[[State], None]) -> Optional[StateError]:
        unlock = _lock(self.path + ".lock", self.lock_timeout)
        try:
            s, err = self.load()
            if err is not None and err.kind == "missing":
                err = None
            elif err is not None and err.kind == "corrupt":
                try:
                    os.replace(self.path, self.path + ".corrupt")
                except OSError as e:
                    raise StateError("io", "setting aside corrupt verifier state: %s" % e) from None
            elif err is not None:
                raise err
            old = s.list
            fn(s)
            # The list goes first, so that the state never names a list that
            # is not there yet.
            if s.list is not None and (old is None or _sha256_hex(old) != _sha256_hex(s.list)):
                write_atomic(self.list_path, s.list)
            write_atomic(self.path, encode(s))
            return err
        finally:
            unlock()


