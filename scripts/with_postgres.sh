#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL server on loopback, so the tests that take a
# *_TEST_POSTGRES_URL run against a real PostgreSQL too. Without PostgreSQL the command runs alone.
set -euo pipefail
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  echo "（未安装 PostgreSQL：只在 SQLite 上测试）"
  exec "$@"
fi
DATA=$(mktemp -d /tmp/onevisit-pg.XXXXXX)
PORT=$(cd "$(dirname "$0")/.." && python3 -m bot.ports)
AS=()
if [ "$(id -u)" = 0 ]; then chown postgres "$DATA"; AS=(runuser -u postgres --); fi
"${AS[@]}" "$BIN/initdb" -D "$DATA/db" -A trust -U onevisit >/dev/null
"${AS[@]}" "$BIN/pg_ctl" -D "$DATA/db" -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1" -l "$DATA/log" -w start >/dev/null
stop() { "${AS[@]}" "$BIN/pg_ctl" -D "$DATA/db" -m fast stop >/dev/null 2>&1 || true; rm -rf "$DATA"; }
trap stop EXIT
for db in catalog_test backend_test; do "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U onevisit "$db"; done
echo "（PostgreSQL 测试库：127.0.0.1:$PORT）"
export CATALOG_TEST_POSTGRES_URL="postgresql://onevisit@127.0.0.1:$PORT/catalog_test"
export BACKEND_TEST_POSTGRES_URL="postgresql://onevisit@127.0.0.1:$PORT/backend_test"
"$@"
