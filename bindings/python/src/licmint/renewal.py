"""Renewal requests (FORMAT.md section 12): the text a product makes for an
offline customer to send to the vendor, as Go's formats/renewal and
verifier/renewseal write and read it (unsealed)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Optional, Union

from . import formats
from .formats import utf8
from .errors import FormatError, RenewalRequestError
from .formats import ActivationCode, Text
from .state import NS, format_rfc3339, parse_rfc3339

__all__ = ["RenewalRequest", "make_renewal_request", "parse_renewal_request", "MAX_SIZE"]

MAX_SIZE = 4096
_BEGIN = "-----BEGIN LICMINT RENEWAL REQUEST-----"
_END = "-----END LICMINT RENEWAL REQUEST-----"
_UNIX_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


@dataclass(frozen=True)
class RenewalRequest:
    code: ActivationCode  # signed form
    install_id: str  # empty for an unbound code
    time: int  # seconds since 1970, UTC

    def text(self) -> str:
        """The request as a writer emits it."""
        lines = [_BEGIN, "product: " + self.code.product, "code: " + str(self.code)]
        if self.install_id:
            lines.append("install-id: " + self.install_id)
        lines += ["time: " + format_rfc3339(self.time * NS), _END]
        return "\n".join(lines) + "\n"

    @property
    def datetime(self) -> datetime.datetime:
        return _UNIX_EPOCH + datetime.timedelta(seconds=self.time)


def _check_install_id(iid: str) -> Optional[str]:
    if len(utf8(iid)) > formats.MAX_INSTALL_ID_LEN or "\r" in iid or "\n" in iid or _go_trim(iid) != iid:
        return "renewal request: install id must be at most %d bytes on one line, without surrounding spaces" % (
            formats.MAX_INSTALL_ID_LEN
        )
    return None


_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def _go_trim(s: str) -> str:
    """strings.TrimSpace: Go's Unicode white space, which differs from str.strip's."""
    return s.strip(_GO_SPACE)


def make_renewal_request(code: Text, install_id: Union[str, bytes] = "", now: Optional[datetime.datetime] = None) -> RenewalRequest:
    """A request to renew the signed code, for an offline customer to send
    to the vendor: ``str(request.text())`` is the block to send. The install
    id is included only for an install-bound code."""
    c = formats.parse_signed(code)
    if now is None:
        now = datetime.datetime.now(datetime.timezone.utc)
    if now.tzinfo is None:
        now = now.astimezone()
    d = now - _UNIX_EPOCH
    iid = install_id.decode("utf-8", "surrogateescape") if isinstance(install_id, bytes) else install_id
    if not c.bound:
        iid = ""
    why = _check_install_id(iid)
    if why:
        raise RenewalRequestError(why)
    return RenewalRequest(c, iid, d.days * 86400 + d.seconds)


def parse_renewal_request(data: Union[str, bytes]) -> RenewalRequest:
    """Reads a request as the vendor does (FORMAT.md section 12); every
    failure is a RenewalRequestError (kind ``malformed``)."""
    if isinstance(data, str):
        data = utf8(data)
    if len(data) > MAX_SIZE * 4:
        raise RenewalRequestError("%d bytes, too long" % len(data))
    s = data.decode("utf-8", "surrogateescape").replace("\r\n", "\n")
    i = s.find(_BEGIN)
    j = s.find(_END, i + len(_BEGIN)) if i >= 0 else -1
    if j < 0:
        raise RenewalRequestError('no "%s" ... "%s" block' % (_BEGIN, _END))
    seen = set()
    product = ""
    code: Optional[ActivationCode] = None
    install_id = ""
    t: Optional[int] = None
    for n, line in enumerate(s[i + len(_BEGIN) : j].split("\n")):
        line = _go_trim(line)
        if not line:
            continue
        key, colon, val = line.partition(":")
        key, val = _go_trim(key), _go_trim(val)
        if not colon or key in seen:
            raise RenewalRequestError(
                'line %d of the block: want each of product, code, install-id, time once as "name: value"' % n
            )
        seen.add(key)
        if key == "product":
            product = val
        elif key == "code":
            try:
                code = formats.parse_signed(utf8(val))
            except FormatError as e:
                raise RenewalRequestError("code: %s" % e) from None
        elif key == "install-id":
            why = _check_install_id(val)
            if why:
                raise RenewalRequestError("install-id: " + why)
            install_id = val
        elif key == "time":
            t = parse_rfc3339(utf8(val))
            if t is None:
                raise RenewalRequestError("time: %r is not an RFC 3339 time" % val)
        else:
            raise RenewalRequestError("%s: unknown field %s" % (key, formats.go_quote(key)))
    if code is None or t is None or "product" not in seen:
        raise RenewalRequestError("product, code and time are required")
    if product != code.product:
        raise RenewalRequestError("product %s does not match the code's %s" % (formats.go_quote(product), code.product))
    return RenewalRequest(code, install_id, t // NS)
