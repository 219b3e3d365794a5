# Sourced by .ci/run: a throwaway PostgreSQL cluster for the ledger tests,
# from Debian's postgresql package, started as the postgres user on a
# private port on loopback, and stopped (and removed) when CI exits.
# Sets LICMINT_TEST_POSTGRES to its URL.

pg_start() {
	local bin
	bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
	PG_DIR=$(mktemp -d /tmp/licmint-pg.XXXXXX)
	chown postgres "$PG_DIR"
	PG_BIN=$bin
	runuser -u postgres -- "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync >/dev/null
	# A random port below the kernel's range for outgoing connections
	# (32768 up, usually), where tests' clients cannot hold it; if one is
	# taken all the same, try a few more before giving up.
	local try fixed=${PG_PORT:-}
	for try in 1 2 3 4 5; do
		PG_PORT=${fixed:-$(( 20000 + RANDOM % 12000 ))}
		if runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
			-o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null; then
			break
		fi
		if [ "$try" = 5 ]; then
			tail -5 "$PG_DIR/log" >&2
			return 1
		fi
	done
	export LICMINT_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
	echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

pg_stop() {
	if [ -n "${PG_DIR:-}" ] && [ -n "${PG_BIN:-}" ]; then
		runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
		rm -rf "$PG_DIR"
	fi
}
