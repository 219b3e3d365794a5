"""Runs testdata/conformance/cases.json through examples/licmint.py (ctypes):

    python3 conformance.py CASES.json TMPDIR

Exits 0 only if every step agrees with the suite."""
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
import licmint  # noqa: E402


def day(s):
    if s == "perpetual":
        return licmint.PERPETUAL
    return (datetime.date.fromisoformat(s) - datetime.date(2020, 1, 1)).days


def main(path, tmp):
    suite = json.load(open(path))
    keys = {k["id"]: bytes.fromhex(k["public_key_hex"]) for k in suite["keys"]}
    failures = steps = 0
    for n, case in enumerate(suite["cases"]):
        state = os.path.join(tmp, "state-py-%d.txt" % n) if case["state"] else None
        for r, run in enumerate(case["runs"], 1):
            now = datetime.datetime.fromisoformat(run["now"].replace("Z", "+00:00")).timestamp()
            # 0 in the C options means the catalog's terms, -1 none.
            days = lambda name: (run[name] or -1) if name in run else 0
            v = licmint.Verifier(case["product"], keys, install_id=run.get("install_id"), now=int(now),
                                 warn_days=days("warn_days"), grace_days=days("grace_days"),
                                 state_path=state)
            for s, step in enumerate(run["steps"], 1):
                steps += 1
                if "code" in step:
                    lic, w = v.verify(step["code"], step.get("renew_from")), step["want"]
                    got = {"status": lic.status, "error_kind": lic.error, "group": lic.group, "char": lic.char,
                           "product": lic.product, "edition": lic.edition, "edition_number": lic.edition_number,
                           "trial": lic.trial, "install_bound": lic.install_bound, "serial": lic.serial,
                           "generation": lic.generation, "key_id": lic.key_id,
                           "issued": lic.issued, "expires": lic.expires, "days_left": lic.days_left,
                           "features_on": [f for f, on in lic.features.items() if on]}
                    w = dict(w)
                    if w["group"] is None:
                        got["group"] = got["char"] = None
                    ok = not lic.error
                    w["issued"] = day(w["issued"]) if ok else 0
                    w["expires"] = day(w["expires"]) if ok else 0
                    if got != w:
                        failures += 1
                        diff = {k: (got[k], w[k]) for k in w if got[k] != w[k]}
                        print("FAIL %s: run %d step %d: (got, want) %s" % (case["name"], r, s, diff), file=sys.stderr)
                else:
                    got = v.load_revocation_list(bytes.fromhex(step["revocation_list_hex"]))
                    if got != step["want_list_error"]:
                        failures += 1
                        print("FAIL %s: run %d step %d: list: got %r, want %r" % (case["name"], r, s, got, step["want_list_error"]), file=sys.stderr)
            v.close()
    print("Python runner (ctypes, %s): %d cases, %d steps, %d disagreements" % (licmint.version(), len(suite["cases"]), steps, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
