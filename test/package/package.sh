#!/bin/bash
#
# package.sh - build the Debian package from HEAD, check it with lintian,
# install it on this machine, check what it installed, purge it and check
# what is left.  TAP.
#
# The package is built from "git archive HEAD" in a temporary directory,
# so uncommitted files of the working tree never get into it (debian/
# must be committed).  DEB_BUILD_OPTIONS=nocheck: the test suites run on
# their own.  Needs root (apt-get install, purge) and dpkg-buildpackage
# with the build dependencies; otherwise skipped.  The package is purged
# on every exit, and the users it made are removed again if they did not
# exist before (the package itself keeps them, as Debian does).
#
# Environment: PFXHTTP_SRCDIR (meson's test_env), PFX_PACKAGE_KEEP=1 keeps
# the build directory.

set -u
src=${PFXHTTP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/test/lib/tap.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root (apt-get install and purge)"
command -v dpkg-buildpackage >/dev/null 2>&1 ||
	skip_all "dpkg-buildpackage missing (apt-get install dpkg-dev debhelper)"
{ command -v git >/dev/null 2>&1 && git -C "$src" rev-parse HEAD >/dev/null 2>&1; } ||
	skip_all "$src is not a git checkout (the package is built from HEAD)"
if dpkg-query -W -f='${Status}' pfxhttp 2>/dev/null | grep -q installed; then
	skip_all "a pfxhttp package is installed already; not touching it"
fi
git -C "$src" cat-file -e HEAD:debian/control 2>/dev/null ||
	bail "debian/ is not committed: the package is built from HEAD"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pfxhttp-package.XXXXXX") || exit 1
conf=/etc/pfxhttp/pfxhttp.conf
spawn=/usr/libexec/pfxhttp/pfxhttp-spawn
tokend=/usr/sbin/pfxhttp-tokend
new_users=
for u in pfxhttp pfxhttp-tokend; do
	getent passwd "$u" >/dev/null || new_users="$new_users $u"
done
new_group=
getent group pfxhttp >/dev/null || new_group=pfxhttp
installed=0
export DEBIAN_FRONTEND=noninteractive

cleanup() {
	if [ "$installed" = 1 ] ||
	    dpkg-query -W -f='${Status}' pfxhttp 2>/dev/null | grep -q 'config-files\|installed'; then
		dpkg --purge pfxhttp >>"$tmp/purge.log" 2>&1
	fi
	for u in $new_users; do
		getent passwd "$u" >/dev/null && userdel "$u" 2>/dev/null
	done
	if [ -n "$new_group" ] && getent group pfxhttp >/dev/null; then
		groupdel pfxhttp 2>/dev/null
	fi
	[ "${PFX_PACKAGE_KEEP:-0}" = 1 ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# -- build ------------------------------------------------------------------
mkdir -p "$tmp/build/pfxhttp"
git -C "$src" archive HEAD | tar -x -C "$tmp/build/pfxhttp"
missing=$(cd "$tmp/build/pfxhttp" && dpkg-checkbuilddeps 2>&1) ||
	bail "build dependencies missing: ${missing#*: }"
if (cd "$tmp/build/pfxhttp" &&
    DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
    dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b (nocheck) builds from HEAD $(git -C "$src" rev-parse --short HEAD)"
else
	not_ok "dpkg-buildpackage -us -uc -b builds" "$(tail -25 "$tmp/build.log")"
	bail "no package to check"
fi
deb=$(ls "$tmp"/build/pfxhttp_*_*.deb 2>/dev/null | head -1)
changes=$(ls "$tmp"/build/pfxhttp_*.changes 2>/dev/null | head -1)
dbg=$(ls "$tmp"/build/pfxhttp-dbgsym_*.deb 2>/dev/null | head -1)
check "pfxhttp and pfxhttp-dbgsym .deb files" "$([ -n "$deb" ] && [ -n "$dbg" ]; echo $?)" \
	"$(ls "$tmp/build")"
list=$(dpkg-deb -c "$deb")
like "the .deb holds pfxhttp.conf 0640 (never world-readable)" \
	"$(echo "$list" | grep ' ./etc/pfxhttp/pfxhttp.conf$')" '^-rw-r----- '
is "conffiles" "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" "$conf"

if command -v lintian >/dev/null 2>&1; then
	out=$(lintian --fail-on error,warning "$changes" 2>&1)
	st=$?
	check "lintian: no errors or warnings" "$st" "$out"
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# lintian: /'
else
	ok "lintian # SKIP lintian is not installed"
fi

# -- install ----------------------------------------------------------------
installed=1
if (cd "$tmp/build" && apt-get install -y --no-install-recommends "./$(basename "$deb")") \
    >"$tmp/install.log" 2>&1; then
	ok "apt-get install ./$(basename "$deb")"
else
	not_ok "apt-get install ./$(basename "$deb")" "$(tail -20 "$tmp/install.log")"
	bail "not installed"
fi

# the installed programs, the installed module, the installed example;
# nothing from the build tree or the test environment
clean_env() { env -u PFXHTTP_DIRECT_MODULE -u PFXHTTP_CONFIG "$@"; }
is "pfxhttp-spawn --version" "$(clean_env "$spawn" --version 2>&1)" \
	"pfxhttp-spawn $(dpkg-query -W -f='${Version}' pfxhttp)"
out=$(clean_env "$spawn" -c "$conf" -t 2>&1)
st=$?
check "pfxhttp-spawn -c $conf -t" "$st" "$out"
if echo "$out" | grep -q 'cannot load'; then
	not_ok "pfxhttp-spawn finds the installed pfxhttp-direct.so" "$out"
else
	ok "pfxhttp-spawn finds the installed pfxhttp-direct.so ($(dpkg -L pfxhttp | grep 'pfxhttp-direct.so$'))"
fi
out=$(clean_env "$tokend" -t 2>&1)
check "pfxhttp-tokend -t (default $conf)" "$?" "$out"
out=$(clean_env runuser -u pfxhttp -- "$tokend" -c "$conf" -t 2>&1)
check "user pfxhttp reads the configuration (group pfxhttp)" "$?" "$out"
if runuser -u nobody -- test -r "$conf"; then
	not_ok "user nobody cannot read it"
else
	ok "user nobody cannot read it"
fi
# a lookup through the installed spawn: tokend is not running here (no
# systemd in the test machine, or not asked), the backend is not there:
# spawn falls back to the installed module and answers a temporary error
reply=$(printf 'get example.com\n' | clean_env timeout 20 "$spawn" -c "$conf" tcp domains 2>&1)
like "a tcp lookup through the installed module answers 400" "$reply" '^400 '

is "$conf is 640 root:pfxhttp" "$(stat -c '%a %U:%G' "$conf")" "640 root:pfxhttp"
is "dpkg-statoverride keeps it so" "$(dpkg-statoverride --list "$conf")" \
	"root pfxhttp 640 $conf"
for u in pfxhttp pfxhttp-tokend; do
	pw=$(getent passwd "$u")
	like "system user $u, group pfxhttp, no login" "$pw" \
		"^$u:x:[0-9]+:$(getent group pfxhttp | cut -d: -f3):[^:]*:/nonexistent:/usr/sbin/nologin$"
done
unit=/lib/systemd/system/pfxhttp-tokend.service
like "the unit runs the installed tokend on the installed configuration" \
	"$(grep '^ExecStart=' "$unit" 2>&1)" "^ExecStart=$tokend -f -c $conf\$"
check "the unit is enabled (multi-user.target.wants)" \
	"$([ -L /etc/systemd/system/multi-user.target.wants/pfxhttp-tokend.service ]; echo $?)"
for f in /usr/share/doc/pfxhttp/master.cf.example /usr/share/doc/pfxhttp/README.Debian \
    /usr/share/doc/pfxhttp/examples/pfxhttp-migrate \
    /usr/share/doc/pfxhttp/examples/pfxhttp.json \
    /usr/share/doc/pfxhttp/examples/relays.sample \
    /usr/share/man/man5/pfxhttp.conf.5.gz \
    /usr/share/man/man8/pfxhttp-spawn.8.gz /usr/share/man/man8/pfxhttp-tokend.8.gz; do
	check "installed: $f" "$([ -f "$f" ]; echo $?)"
done

# the example checks are installed and run: a relay list decision
for f in /usr/libexec/pfxhttp/checks/relay-acl /usr/libexec/pfxhttp/checks/kv-map; do
	check "installed, executable: $f" "$([ -x "$f" ]; echo $?)"
done
if command -v python3 >/dev/null 2>&1; then
	reply=$(printf '{"client_address":"192.0.2.77","sender":"scanner@example.com"}\n' |
		timeout 20 /usr/libexec/pfxhttp/checks/relay-acl --file /usr/share/doc/pfxhttp/examples/relays.sample 2>&1)
	is "the installed relay-acl answers from the installed sample list" "$reply" "OK"
fi

# master.cf.example in a private Postfix configuration: every entry, the
# commented-out ones too (an entry line "#name ..." and its "#  ..."
# continuation lines)
if command -v postconf >/dev/null 2>&1; then
	pc=$tmp/postfix
	mkdir -p "$pc"
	: >"$pc/main.cf"
	awk '
	/^#[^ #]/ { on = 1; print substr($0, 2); next }
	on && /^#[ \t][ \t]+[^ \t]/ { print substr($0, 2); next }
	/^[^#]/ { on = 1; print; next }
	{ on = 0; print }' /usr/share/doc/pfxhttp/master.cf.example >"$pc/master.cf"
	out=$(postconf -c "$pc" -M 2>&1)
	st=$?
	check "postconf -M accepts master.cf.example (commented entries too)" \
		"$([ $st -eq 0 ] && ! echo "$out" | grep -q -e warning -e fatal; echo $?)" "$out"
	want=$(awk '/^[^ \t#]/ {print $1 "/" $2}' "$pc/master.cf" | sort | tr '\n' ' ')
	got=$(postconf -c "$pc" -M 2>/dev/null | awk '{print $1 "/" $2}' | sort | tr '\n' ' ')
	is "postconf -M lists every entry of the example" "$got" "$want"
	for svc in pfxhttp-map/unix pfxhttp-policy/unix 127.0.0.1:10041/inet pfxhttp-sasl/unix; do
		like "... among them $svc" "$got" "(^| )$svc( |\$)"
	done
	bad=$(postconf -c "$pc" -M 2>/dev/null | grep -o 'argv=[^ ]*' | cut -d= -f2 | sort -u |
		while read -r p; do [ -x "$p" ] || echo "$p"; done)
	is "every argv= is the installed pfxhttp-spawn" "$bad" ""
else
	ok "postconf -M # SKIP postfix is not installed"
fi

# -- purge ------------------------------------------------------------------
files=$(dpkg -L pfxhttp | while read -r f; do [ -d "$f" ] || echo "$f"; done)
if dpkg --purge pfxhttp >"$tmp/purge.log" 2>&1; then
	installed=0
	ok "dpkg --purge pfxhttp"
else
	not_ok "dpkg --purge pfxhttp" "$(tail -20 "$tmp/purge.log")"
fi
like "dpkg: pfxhttp not installed, no config-files left" \
	"$(dpkg-query -W -f='${db:Status-Status}' pfxhttp 2>/dev/null)" '^(not-installed)?$'
left=$(for f in $files; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done)
is "every file of the package is gone" "$left" ""
left=$(ls -d /etc/pfxhttp /usr/libexec/pfxhttp /usr/lib/*/pfxhttp /usr/share/doc/pfxhttp \
	/etc/systemd/system/multi-user.target.wants/pfxhttp-tokend.service \
	/var/lib/systemd/deb-systemd-helper-enabled/pfxhttp-tokend.service 2>/dev/null)
is "no /etc/pfxhttp, no directories, no unit links left" "$left" ""
is "no statoverride left" "$(dpkg-statoverride --list "$conf" 2>/dev/null)" ""
if getent passwd pfxhttp >/dev/null && getent passwd pfxhttp-tokend >/dev/null; then
	ok "users pfxhttp and pfxhttp-tokend kept (Debian keeps system users; this test removes the ones it made)"
else
	not_ok "users pfxhttp and pfxhttp-tokend kept after purge"
fi

tap_done
