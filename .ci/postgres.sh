# Sourced by .ci/run: a throwaway PostgreSQL cluster for the ledger tests,
# from Debian's postgresql package, started as the postgres user on a
# private port on loopback, and stopped (and removed) when CI exits.
# Sets LICMINT_TEST_POSTGRES to its URL.

pg_start() {
	local bin
	bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
	PG_DIR=$(mktemp -d /tmp/licmint-pg.XXXXXX)
	chown postgres "$PG_DIR"
	PG_PORT=${PG_PORT:-$(( 40000 + RANDOM % 20000 ))}
	runuser -u postgres -- "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync >/dev/null
	runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
		-o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
	PG_BIN=$bin
	export LICMINT_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
	echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

pg_stop() {
	if [ -n "${PG_DIR:-}" ]; then
		runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
		rm -rf "$PG_DIR"
	fi
}
