#!/usr/bin/env python3
"""Recompute a licmint ledger's event chain without licmint (docs/ledger.md).

    python3 scripts/ledger-audit.py ledger.db          # or sqlite:ledger.db, as licmint takes it
    psql -At -F $'\\t' -c 'SELECT seq, prev_hash, hash, body FROM events ORDER BY seq' "$DSN" \\
        | python3 scripts/ledger-audit.py -

Prints the head (sequence number and hash) and exits 0 when every event
matches; otherwise names the first event that does not, and exits 1.
"""
import hashlib
import json
import os
import sqlite3
import sys
import urllib.parse


def fail(msg):
    sys.exit("ledger-audit: " + msg)


def stdin_rows():
    for n, line in enumerate(sys.stdin, 1):
        fields = line.rstrip("\n").split("\t", 3)
        if len(fields) != 4 or not fields[0].isdigit():
            fail("line %d is not seq, prev_hash, hash and body separated by tabs "
                 "(psql -At -F $'\\t' prints them so)" % n)
        yield int(fields[0]), fields[1], fields[2], fields[3]


def sqlite_rows(source):
    # The ledger DSNs licmint takes for SQLite: sqlite:PATH, or a path;
    # SQLite parameters after "?" (such as ?mode=ro) are licmint's to use.
    path = source[len("sqlite:"):] if source.startswith("sqlite:") else source
    if "://" in path:
        fail("%s://… is not a SQLite file: for PostgreSQL, pipe psql's output "
             "in with - (see --help)" % path.split("://")[0])
    path = path.split("?", 1)[0]
    if not os.path.isfile(path):
        fail("%s: no such file" % path)
    # Read-only, so that an audit never changes what it audits; the path
    # is quoted, as a URI, so that "?", "#" and "%" in it stay its own.
    db = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(path)), uri=True)
    try:
        yield from db.execute("SELECT seq, prev_hash, hash, body FROM events ORDER BY seq")
    except sqlite3.DatabaseError as e:
        fail("%s is not a licmint ledger that can be read: %s" % (path, e))
    finally:
        db.close()


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("", "-h", "--help"):
        sys.exit(__doc__)
    source = sys.argv[1]
    rows = stdin_rows() if source == "-" else sqlite_rows(source)
    head_seq, head = 0, bytes(32)
    for seq, prev, digest, body in rows:
        if seq != head_seq + 1:
            fail("event %d follows event %d: events are missing or out of order" % (seq, head_seq))
        try:
            prev, digest = bytes.fromhex(prev), bytes.fromhex(digest)
        except ValueError:
            fail("event %d: prev_hash or hash is not hexadecimal" % seq)
        if prev != head:
            fail("event %d: prev_hash is not the hash of the event before it" % seq)
        want = hashlib.sha256(head + body.encode("utf-8")).digest()
        if digest != want:
            fail("event %d: hash does not match its body" % seq)
        try:
            named = json.loads(body).get("seq")
        except (ValueError, AttributeError):
            named = None
        if named != seq:
            fail("event %d: its body names another sequence number" % seq)
        head_seq, head = seq, want
    print(head_seq, head.hex())


if __name__ == "__main__":
    main()
