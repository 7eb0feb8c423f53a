#!/usr/bin/env bash
# A throwaway PostgreSQL cluster in a folder of its own, for tests.
#
#   scripts/postgres-cluster.sh start FOLDER     initdb and start it; prints its URL
#   scripts/postgres-cluster.sh restart FOLDER   stop it as a crash would (immediate), then start it
#   scripts/postgres-cluster.sh stop FOLDER      stop it as a crash would, keeping its data
#   scripts/postgres-cluster.sh resume FOLDER    start it again after a stop
#   scripts/postgres-cluster.sh remove FOLDER    stop it and remove FOLDER
#   scripts/postgres-cluster.sh standby FOLDER PRIMARY
#                                                a streaming standby of the cluster in PRIMARY,
#                                                made with pg_basebackup and started; PRIMARY's
#                                                commits then wait for it (synchronous_commit on,
#                                                synchronous_standby_names '*'); prints its URL
#   scripts/postgres-cluster.sh promote FOLDER   make the standby in FOLDER a primary
#
# The cluster runs as the `postgres` user when this runs as root (initdb refuses root),
# listens on a Unix socket in FOLDER only (no TCP port) and trusts local connections. Its
# URL names the `postgres` database as the `postgres` user, e.g.
# postgresql://postgres@/postgres?host=/tmp/scenic-pg.AbC123.
set -euo pipefail
usage="usage: $0 start|restart|stop|resume|remove|promote FOLDER, or $0 standby FOLDER PRIMARY"
[ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$1" = standby ]; } || { echo "$usage" >&2; exit 2; }
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
  stop)
    "${as[@]}" "$bin/pg_ctl" -D "$folder/data" -m immediate stop > /dev/null
    ;;
  resume)
    server_start
    ;;
  remove)
    "${as[@]}" "$bin/pg_ctl" -D "$folder/data" -m immediate stop > /dev/null 2>&1 || true
    rm -rf "$folder"
    ;;
  standby)
    primary=$3
    mkdir -p "$folder"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$folder"
    # -R writes standby.signal and the primary's address; -X stream copies the WAL the
    # backup needs as it is written.
    "${as[@]}" "$bin/pg_basebackup" -h "$primary" -U postgres -D "$folder/data" -R -X stream --no-sync \
      > "$folder/basebackup.log" 2>&1 || { cat "$folder/basebackup.log" >&2; exit 1; }
    server_start
    psql=("${as[@]}" "$bin/psql" -h "$primary" -U postgres -d postgres -X -q -t -A -v ON_ERROR_STOP=1)
    "${psql[@]}" -c "ALTER SYSTEM SET synchronous_standby_names = '*'" -c "SELECT pg_reload_conf()" > /dev/null
    for _ in $(seq 1 300); do
      [ "$("${psql[@]}" -c "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" = 1 ] && break
      sleep 0.1
    done
    [ "$("${psql[@]}" -c "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" = 1 ] \
      || { echo "$0: the standby in $folder did not become synchronous" >&2; cat "$folder/server.log" >&2; exit 1; }
    echo "postgresql://postgres@/postgres?host=$folder"
    ;;
  promote)
    "${as[@]}" "$bin/pg_ctl" -D "$folder/data" -w -t 60 promote > /dev/null
    ;;
  *)
    echo "$usage" >&2
    exit 2
    ;;
esac
