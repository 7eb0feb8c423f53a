#!/usr/bin/env bash
# Installs the Debian packages Scenic builds and tests with, only when one is missing.
# Go and containerd's ttrpc are for the interoperability test with a stock ttrpc client;
# libqrencode-dev makes the voucher QR codes, and zbar-tools' zbarimg reads them back in their test;
# python3-prometheus-client parses the metrics and curl scrapes them over HTTP in their test;
# systemd brings systemd-socket-activate, systemd-analyze and systemd-sysusers, which the
# service tests run in place of a running systemd; postgresql-15 is the server the
# PostgreSQL tests start a throwaway cluster of (scripts/with-postgres.sh).
set -euo pipefail
packages=(libsqlite3-dev sqlite3 protobuf-compiler protobuf-c-compiler libprotobuf-c-dev pkg-config make gcc
  golang-go golang-github-containerd-ttrpc-dev libqrencode-dev zbar-tools python3-prometheus-client curl
  systemd postgresql-15)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
