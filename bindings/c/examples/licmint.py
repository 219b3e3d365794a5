"""licmint: the licmint verifier for Python, through ctypes and liblicmint.so.

    import licmint
    v = licmint.Verifier("PC", {1: bytes.fromhex(PUBLIC_KEY_HEX)}, install_id=machine_id)
    lic = v.verify(code)
    if lic.error:
        print(lic.error, v.message())      # "typo", "bad_signature", ...
    elif lic.in_force and lic.features.get("update"):
        ...                                # lic.status, lic.days_left, lic.edition

The library is found as LICMINT_LIB, or liblicmint.so beside this file.
A Verifier may be used from several threads.
"""
import ctypes
import os

_lib = ctypes.CDLL(os.environ.get("LICMINT_LIB") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "liblicmint.so"))

MAX_NAME_LEN = 63


class _Key(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint8), ("public_key", ctypes.c_uint8 * 32)]


class _Options(ctypes.Structure):
    _fields_ = [("install_id", ctypes.c_char_p), ("now_unix", ctypes.c_int64),
                ("warn_days", ctypes.c_int32), ("grace_days", ctypes.c_int32),
                ("state_path", ctypes.c_char_p), ("catalog_json", ctypes.c_char_p),
                ("catalog_len", ctypes.c_size_t)]


class _License(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int32), ("error", ctypes.c_int32),
                ("error_group", ctypes.c_int32), ("error_char", ctypes.c_int32),
                ("error_line", ctypes.c_int32), ("error_column", ctypes.c_int32),
                ("product", ctypes.c_char * 3), ("edition", ctypes.c_char * (MAX_NAME_LEN + 1)),
                ("edition_number", ctypes.c_uint8), ("trial", ctypes.c_uint8),
                ("install_bound", ctypes.c_uint8), ("generation", ctypes.c_uint8),
                ("key_id", ctypes.c_uint8), ("serial", ctypes.c_uint64),
                ("issued", ctypes.c_int32), ("expires", ctypes.c_int32),
                ("days_left", ctypes.c_int32), ("n_features", ctypes.c_uint32),
                ("features", ctypes.c_uint64)]


_lib.lm_version.restype = ctypes.c_char_p
_lib.lm_verifier_new.argtypes = [ctypes.c_char_p, ctypes.POINTER(_Key), ctypes.c_size_t,
                                 ctypes.POINTER(_Options), ctypes.POINTER(ctypes.c_void_p)]
_lib.lm_verify.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(_License)]
_lib.lm_load_revocation_list.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
_lib.lm_feature_name.argtypes = [ctypes.c_void_p, ctypes.c_uint8, ctypes.c_uint32, ctypes.c_char_p, ctypes.c_size_t]
_lib.lm_error_message.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
_lib.lm_error_message.restype = ctypes.c_size_t
_lib.lm_verifier_free.argtypes = [ctypes.c_void_p]
_lib.lm_verify_renewal.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
                                   ctypes.POINTER(_License)]
_lib.lm_result_name.restype = ctypes.c_char_p
_lib.lm_status_name.restype = ctypes.c_char_p

PERPETUAL = 65535
IN_FORCE = ("valid", "expiring", "grace")


def version():
    return _lib.lm_version().decode()


class License:
    """What verify reports: error is "" for an authentic code, else its kind."""

    def __init__(self, lic, features):
        self.status = _lib.lm_status_name(lic.status).decode()
        self.error = _lib.lm_result_name(lic.error).decode()
        self.group, self.char = lic.error_group, lic.error_char
        self.product = lic.product.decode()
        self.edition, self.edition_number = lic.edition.decode(), lic.edition_number
        self.trial, self.install_bound = bool(lic.trial), bool(lic.install_bound)
        self.serial, self.generation, self.key_id = lic.serial, lic.generation, lic.key_id
        self.issued, self.expires = lic.issued, lic.expires  # days since 2020-01-01
        self.days_left = lic.days_left
        self.features = features  # name -> on
        self.in_force = self.status in IN_FORCE


class Verifier:
    def __init__(self, product, keys, install_id=None, now=None, warn_days=0, grace_days=0, state_path=None, catalog_json=None):
        """keys maps key ids to 32-byte public keys; now is Unix seconds
        (None: the system clock); warn_days and grace_days are 0 for the
        catalog's, -1 for none."""
        arr = (_Key * len(keys))()
        for i, (kid, pub) in enumerate(keys.items()):
            arr[i].id, arr[i].public_key = kid, (ctypes.c_uint8 * 32)(*pub)
        enc = lambda s: s.encode() if isinstance(s, str) else s
        cat = enc(catalog_json)
        opts = _Options(enc(install_id), now or 0, warn_days, grace_days, enc(state_path), cat, len(cat or b""))
        self._h = ctypes.c_void_p()
        res = _lib.lm_verifier_new(enc(product), arr, len(keys), ctypes.byref(opts), ctypes.byref(self._h))
        if res != 0:
            msg = self.message()
            self.close()
            raise ValueError(msg)

    def verify(self, code, renew_from=None):
        """Verifies code; with renew_from (the installed code), as its
        renewal (lm_verify_renewal)."""
        code = code.encode() if isinstance(code, str) else code
        lic = _License()
        if renew_from is None:
            _lib.lm_verify(self._h, code, len(code), ctypes.byref(lic))
        else:
            cur = renew_from.encode() if isinstance(renew_from, str) else renew_from
            _lib.lm_verify_renewal(self._h, cur, len(cur), code, len(code), ctypes.byref(lic))
        features, buf = {}, ctypes.create_string_buffer(MAX_NAME_LEN + 1)
        for i in range(lic.n_features):
            _lib.lm_feature_name(self._h, lic.edition_number, i, buf, len(buf))
            features[buf.value.decode()] = bool(lic.features >> i & 1)
        return License(lic, features)

    def load_revocation_list(self, data):
        """Returns "" if the list is now in force, else why not, as a kind."""
        return _lib.lm_result_name(_lib.lm_load_revocation_list(self._h, data, len(data))).decode()

    def message(self):
        buf = ctypes.create_string_buffer(1024)
        _lib.lm_error_message(self._h, buf, len(buf))
        return buf.value.decode(errors="replace")

    def close(self):
        if self._h:
            _lib.lm_verifier_free(self._h)
            self._h = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
