#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster of its own, then removes the cluster.
#
#   scripts/with-postgres.sh COMMAND [ARGUMENT...]
#
# The cluster (scripts/postgres-cluster.sh) lives in a new temporary folder. The command
# runs with SCENIC_TEST_POSTGRES_URL set to the cluster's `postgres` database as the
# `postgres` user, e.g. postgresql://postgres@/postgres?host=/tmp/scenic-pg.AbC123; the
# PostgreSQL tests make a database of their own in it for each test. The cluster is
# stopped and its folder removed when the command ends, however it ends, and the
# command's exit code is kept.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGUMENT...]" >&2; exit 2; }
cluster="$(dirname "$0")/postgres-cluster.sh"

folder=$(mktemp -d /tmp/scenic-pg.XXXXXX)
trap '"$cluster" remove "$folder"' EXIT
SCENIC_TEST_POSTGRES_URL=$("$cluster" start "$folder")
export SCENIC_TEST_POSTGRES_URL
set +e
"$@"
status=$?
set -e
exit $status
