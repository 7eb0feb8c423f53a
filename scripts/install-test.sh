#!/usr/bin/env bash
# `make install` into a scratch DESTDIR, then `make uninstall`: every file lands where it
# should (programs, units, sysusers file, man pages, bash and zsh completions), the unit
# starts the installed scenicd, the programs run, and uninstall leaves no file behind.
# Uses the debug build `make test` has just made (BUILD_CONFIG=debug), so it adds seconds,
# not a release build's minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=$(mktemp -d /tmp/scenic-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT
fail() { echo "install-test: $*" >&2; exit 1; }

make -s install BUILD_CONFIG=debug PREFIX=/usr/local DESTDIR="$dest" > /dev/null
expected="./usr/local/bin/scenic-admin
./usr/local/bin/scenic-pos
./usr/local/bin/scenicd
./usr/local/lib/systemd/system/scenicd-admin.socket
./usr/local/lib/systemd/system/scenicd-pos.socket
./usr/local/lib/systemd/system/scenicd.service
./usr/local/lib/sysusers.d/scenic.conf
./usr/local/share/bash-completion/completions/scenic-admin
./usr/local/share/bash-completion/completions/scenic-pos
./usr/local/share/man/man1/scenic-admin.1
./usr/local/share/man/man1/scenic-pos.1
./usr/local/share/man/man1/scenicd.1
./usr/local/share/zsh/site-functions/_scenic-admin
./usr/local/share/zsh/site-functions/_scenic-pos"
installed=$(cd "$dest" && find . -type f | LC_ALL=C sort)
[ "$installed" = "$expected" ] || fail "installed files differ: $(diff <(echo "$expected") <(echo "$installed") || true)"

root=$dest/usr/local
grep -qx 'ExecStart=/usr/local/bin/scenicd --data-dir /var/lib/scenic' "$root/lib/systemd/system/scenicd.service" ||
  fail "scenicd.service does not start the installed scenicd"
! grep -q '@[A-Z]*@' "$root/lib/systemd/system/scenicd.service" || fail "a placeholder is left in scenicd.service"
for file in $(cd "$dest" && find . -type f -not -path './usr/local/bin/*'); do
  [ "$(stat -c %a "$dest/$file")" = 644 ] || fail "$file is not mode 0644"
done
"$root/bin/scenicd" --version > /dev/null || fail "the installed scenicd does not run"
for client in scenic-admin scenic-pos; do
  [ "$(stat -c %a "$root/bin/$client")" = 755 ] || fail "$client is not mode 0755"
  grep -q "complete .*$client" "$root/share/bash-completion/completions/$client" || fail "no bash completion for $client"
  [ "$(head -n 1 "$root/share/zsh/site-functions/_$client")" = "#compdef $client" ] || fail "no zsh completion for $client"
  grep -q "^\.Nm $client" "$root/share/man/man1/$client.1" || fail "no man page for $client"
done

make -s uninstall PREFIX=/usr/local DESTDIR="$dest"
left=$(cd "$dest" && find . -type f)
[ -z "$left" ] || fail "uninstall left: $left"
echo "install-test: ok"
