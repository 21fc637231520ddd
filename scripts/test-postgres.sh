#!/usr/bin/env bash
# Runs the integration tests (tests/it) a second time with PostgreSQL as the store (SPEC §12):
# installs PostgreSQL from the machine's package manager when it is missing, starts a server of
# its own on a temporary data dir and a free local port, runs the suite with
# CHAINSCOUT_TEST_POSTGRES pointing at it (every test data dir gets a schema of its own), then
# stops the server. Usage: scripts/test-postgres.sh [extra cargo test args, e.g. a test filter]
set -euo pipefail
cd "$(dirname "$0")/.."

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}
if [ -z "$(pg_bin)" ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq postgresql >/dev/null
fi
bin=$(pg_bin)

work=$(mktemp -d)
stop() {
  ${as_pg[@]+"${as_pg[@]}"} "$bin/pg_ctl" -D "$work/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# initdb refuses to run as root: run the server as the `postgres` user then.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$work"
  as_pg=(runuser -u postgres --)
fi
${as_pg[@]+"${as_pg[@]}"} "$bin/initdb" -D "$work/data" -A trust -U postgres >"$work/initdb.log"
${as_pg[@]+"${as_pg[@]}"} "$bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
  -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on" start >/dev/null
"$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE chainscout_test" >/dev/null
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port; running tests/it against it"
CHAINSCOUT_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/chainscout_test" \
  cargo test --locked --test it "$@"
