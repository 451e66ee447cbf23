#!/bin/sh
# deps.sh - install what building, the demo and the tests need (Debian 12).
# Usage: contrib/deps.sh [build|demo|test]    (run as root; idempotent)
set -eu
what=${1:-test}
pkgs="meson ninja-build pkg-config gcc libcurl4-gnutls-dev libconfig-dev
libjson-c-dev libgnutls28-dev zlib1g-dev python3 ca-certificates"
case $what in
demo) pkgs="$pkgs curl" ;;
test) pkgs="$pkgs postfix swaks socat nginx-light clang libclang-rt-dev dovecot-core
	dpkg-dev debhelper lintian fakeroot python3-yaml adduser
	nodejs npm openssl gnutls-bin curl procps util-linux prometheus" ;;
build) ;;
*) echo "usage: $0 [build|demo|test]" >&2; exit 64 ;;
esac
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
# a node that the image ships outside dpkg is fine for the OIDC tests
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	missing=$(echo "$missing" | tr ' ' '\n' | grep -vx -e nodejs -e npm | tr '\n' ' ')
fi
if [ -n "$(echo "$missing" | tr -d ' ')" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing packages:$missing (run as root)" >&2
		exit 1
	fi
	echo "deps.sh: installing$missing"
	# Postfix asks a question on install; the tests run private instances
	echo 'postfix postfix/main_mailer_type select No configuration' |
		debconf-set-selections
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# prometheus is there for promtool only: its service must not start
	# (a policy-rc.d of our own while installing, unless one is there)
	guard=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 0755 /usr/sbin/policy-rc.d
		guard=1
	fi
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	[ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d
	if echo "$missing" | grep -qw prometheus && [ -d /run/systemd/system ]; then
		systemctl disable --now prometheus.service >/dev/null 2>&1 || :
	fi
fi
if [ "$what" = test ]; then
	here=$(cd "$(dirname "$0")/.." && pwd)
	if [ ! -d "$here/test/oidc/node_modules/oidc-provider" ]; then
		echo "deps.sh: installing the OIDC provider for the tests (npm ci)"
		npm ci --prefix "$here/test/oidc" --no-audit --no-fund --loglevel=error
	fi
fi
