#!/usr/bin/env bash
# A throwaway PostgreSQL cluster in a folder of its own, for tests.
#
#   scripts/postgres-cluster.sh start FOLDER     initdb and start it; prints its URL
#   scripts/postgres-cluster.sh restart FOLDER   stop it as a crash would (immediate), then start it
#   scripts/postgres-cluster.sh remove FOLDER    stop it and remove FOLDER
#
# The cluster runs as the `postgres` user when this runs as root (initdb refuses root),
# listens on a Unix socket in FOLDER only (no TCP port) and trusts local connections. Its
# URL names the `postgres` database as the `postgres` user, e.g.
# postgresql://postgres@/postgres?host=/tmp/scenic-pg.AbC123.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 start|restart|remove FOLDER" >&2; exit 2; }
command=$1
folder=$2

bin=
for candidate in /usr/lib/postgresql/15/bin "$(pg_config --bindir 2>/dev/null || true)"; do
  [ -x "$candidate/initdb" ] && { bin=$candidate; break; }
done
[ -n "$bin" ] || { echo "$0: PostgreSQL's initdb is missing: scripts/install-deps.sh installs postgresql-15" >&2; exit 1; }
as=()
[ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)

# Connections: every test's daemons and stores at once, a pool of a few each.
server_start() {
  "${as[@]}" "$bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$folder' -c max_connections=1000 -c shared_buffers=64MB" \
    start > /dev/null || { cat "$folder/server.log" >&2; exit 1; }
}

case $command in
  start)
    mkdir -p "$folder"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$folder"
    # --no-sync: initdb's own files need no fsync for a cluster that is thrown away; the
    # server itself keeps fsync on, as the tests of durability across its restart need.
    "${as[@]}" "$bin/initdb" -D "$folder/data" -U postgres --auth=trust --no-sync --encoding=UTF8 --locale=C.UTF-8 \
      > "$folder/initdb.log" 2>&1 || { cat "$folder/initdb.log" >&2; exit 1; }
    server_start
    echo "postgresql://postgres@/postgres?host=$folder"
    ;;
  restart)
    "${as[@]}" "$bin/pg_ctl" -D "$folder/data" -m immediate stop > /dev/null
    server_start
    ;;
  remove)
    "${as[@]}" "$bin/pg_ctl" -D "$folder/data" -m immediate stop > /dev/null 2>&1 || true
    rm -rf "$folder"
    ;;
  *)
    echo "usage: $0 start|restart|remove FOLDER" >&2
    exit 2
    ;;
esac
