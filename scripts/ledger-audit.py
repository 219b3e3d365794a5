#!/usr/bin/env python3
"""Recompute a licmint ledger's event chain without licmint (docs/ledger.md).

    python3 scripts/ledger-audit.py ledger.db        # or sqlite:ledger.db, as licmint takes it
    psql -At -F $'\\t' -c 'SELECT seq, prev_hash, hash, body FROM events ORDER BY seq' "$DSN" \\
        | python3 scripts/ledger-audit.py -

Prints the head (sequence number and hash) and exits 0 when every event
matches; otherwise names the first event that does not, and exits 1.
"""
import hashlib
import json
import os
import pathlib
import sqlite3
import sys


def rows(source):
    if source == "-":
        for line in sys.stdin:
            seq, prev, digest, body = line.rstrip("\n").split("\t", 3)
            yield int(seq), prev, digest, body
    else:
        if source.startswith(("postgres://", "postgresql://")):
            sys.exit("a PostgreSQL ledger is piped in from psql: run the script with no arguments to see how")
        path = source[len("sqlite:"):] if source.startswith("sqlite:") else source
        if not os.path.isfile(path):
            sys.exit("%s: no such file: give the ledger's SQLite file" % path)
        # A URI, so that mode=ro opens it read-only; as_uri quotes ? and #.
        db = sqlite3.connect(pathlib.Path(os.path.abspath(path)).as_uri() + "?mode=ro", uri=True)
        try:
            yield from db.execute("SELECT seq, prev_hash, hash, body FROM events ORDER BY seq")
        except sqlite3.DatabaseError as e:
            sys.exit("%s: not a licmint ledger: %s" % (path, e))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    head_seq, head = 0, bytes(32)
    for seq, prev, digest, body in rows(sys.argv[1]):
        if seq != head_seq + 1:
            sys.exit("event %d follows event %d: events are missing or out of order" % (seq, head_seq))
        if bytes.fromhex(prev) != head:
            sys.exit("event %d: prev_hash is not the hash of the event before it" % seq)
        want = hashlib.sha256(head + body.encode("utf-8")).digest()
        if bytes.fromhex(digest) != want:
            sys.exit("event %d: hash does not match its body" % seq)
        if json.loads(body)["seq"] != seq:
            sys.exit("event %d: its body names another sequence number" % seq)
        head_seq, head = seq, want
    print(head_seq, head.hex())


if __name__ == "__main__":
    main()
