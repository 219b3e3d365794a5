# Verify an Activation Code from Python: python3 example.py PUBLIC_KEY_HEX CODE
import sys

import licmint

public_key_hex, code = sys.argv[1:3]
v = licmint.Verifier(
    "PC",
    {1: bytes.fromhex(public_key_hex)},  # the vendor's public key with id 1
    catalog=licmint.Catalog.default().product("PC"),  # editions and features
    state=licmint.FileStore("licmint-state.txt"),  # clock, lists, generations: Go's file format
)
try:
    lic = v.verify(code)
except licmint.LicmintError as e:
    print(f"{e.kind}: {e}")  # a typo's e.group and e.char say where; e.hint what to do
    sys.exit(1)
update = "on" if lic.features.enabled("update") else "off"
print(f"{lic.status} {lic.edition}, {lic.days_left} days left, update {update}")
sys.exit(0 if lic.status.in_force else 1)
