#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster of its own, then removes the cluster.
#
#   scripts/with-postgres.sh COMMAND [ARGUMENT...]
#
# The cluster lives in a new temporary folder: initdb'd there (as the `postgres` user when
# run as root, which initdb refuses to be), listening on a Unix socket in that folder only
# (no TCP port), trusting local connections. The command runs with
# SCENIC_TEST_POSTGRES_URL set to the cluster's `postgres` database as the `postgres` user,
# e.g. postgresql://postgres@/postgres?host=/tmp/scenic-pg.AbC123; the PostgreSQL tests
# make a database of their own in it for each test. The cluster is stopped and its folder
# removed when the command ends, however it ends, and the command's exit code is kept.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGUMENT...]" >&2; exit 2; }

bin=
for candidate in /usr/lib/postgresql/15/bin "$(pg_config --bindir 2>/dev/null || true)"; do
  [ -x "$candidate/initdb" ] && { bin=$candidate; break; }
done
[ -n "$bin" ] || { echo "$0: PostgreSQL's initdb is missing: scripts/install-deps.sh installs postgresql-15" >&2; exit 1; }

folder=$(mktemp -d /tmp/scenic-pg.XXXXXX)
as=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$folder"
  as=(runuser -u postgres --)
fi
stop() {
  "${as[@]}" "$bin/pg_ctl" -D "$folder/data" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$folder"
}
trap stop EXIT

# --no-sync: initdb's own files need no fsync for a cluster that is thrown away; the
# server itself keeps fsync on, as the tests of durability across its restart need.
"${as[@]}" "$bin/initdb" -D "$folder/data" -U postgres --auth=trust --no-sync --encoding=UTF8 --locale=C.UTF-8 > "$folder/initdb.log" 2>&1 ||
  { cat "$folder/initdb.log" >&2; exit 1; }
# Connections: every test's daemons and stores at once, a pool of a few each.
"${as[@]}" "$bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w -t 60 \
  -o "-c listen_addresses='' -c unix_socket_directories='$folder' -c max_connections=1000 -c shared_buffers=64MB" \
  start > /dev/null ||
  { cat "$folder/server.log" >&2; exit 1; }

export SCENIC_TEST_POSTGRES_URL="postgresql://postgres@/postgres?host=$folder"
set +e
"$@"
status=$?
set -e
exit $status
