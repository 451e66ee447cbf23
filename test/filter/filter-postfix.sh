#!/bin/bash
#
# filter-postfix.sh - "pfxhttp-spawn smtpfilter NAME" as a before-queue
# SMTP proxy filter (smtpd_proxy_filter) between two real Postfix smtpds
#
# A private Postfix 3.7 (test/lib/postfix.sh), spool and logs in a
# temporary directory, all on loopback:
#   PUB     the public smtpd: smtpd_proxy_filter = unix:private/pfxfilter,
#           a spawn(8) service running "pfxhttp-spawn -c CONF smtpfilter
#           scan" as nobody (maxproc 10, pfxfilter_time_limit = 3600s)
#   PUBACC  the same with entry scanacc (on_failure = "accept")
#   PUBSH   entry scansh: the command as a string (/bin/sh -c) and
#           max_message_size = 20000
#   PUBNL   as PUB, with smtpd_forbid_bare_newline = normalize and no
#           exclusions (3.7.11 has the setting; default no): the
#           bare-LF smuggling bodies reach the filter as content there
#   PUBSPEED   as PUB with smtpd_proxy_options = speed_adjust
#   PUBDOWN    entry scandown, whose downstream does not listen
#   PUBUNIX    entry scanunix, downstream "unix:$T/after.sock" (socat to
#           AFTER; when socat is installed)
#   PUBFULL    entry scanfull, tempdir a 256 kB tmpfs (when mount works)
#   PUBPT   as PUB with smtpd_proxy_timeout = 2s (shorter than a verdict)
#   PUBHTTP entry scanhttp: the HTTP verdict (target), httpverdict.py
#   PUBFAKE, PUBNOX   entries scanfake and scannox, whose downstreams are
#           fakedown.py (scripted: multi-line replies, hang-ups at DATA,
#           in the content, after "."; 421; RCPT 451; one without
#           XFORWARD), which logs exactly what the filter sent it
#   AFTER   the after-filter smtpd (SMTPD_PROXY_README: -o
#           smtpd_proxy_filter= , smtpd_authorized_xforward_hosts), the
#           entries' downstream; it refuses refused@example.com (550) and,
#           at end of data, mail from eodreject@example.org (554)
#   CTRL, CTRLNL   smtpds without a filter (the second with
#           normalize): what Postfix alone stores, the reference
# Every message goes to a savemail pipe(8) transport (one delivery per
# recipient) writing OUT/QUEUEID.RECIPIENT.eml and .sender: the stored
# bytes, compared with fmsg.py's model of what Postfix stores and with the
# control delivery.
#
# The filter command is filters/dispatch.sh, which runs
# filters/NAME.sh for a message with "X-Filter: NAME" (each file says
# what it does: accept, reject, virus, sleep, envdump, rewrite-lf, ...).
# smtpc.py (raw sockets) is the client; fmsg.py makes the messages and
# compares bytes.
#
# Cases: byte-identical delivery of an edge-case message (dot-stuffing,
# 8-bit, NUL, a 5000-byte line, stray CRs, bare LF, a body line QUIT), the
# same as Postfix alone; rejects with the filter's reply (550 5.7.1 ...,
# 554 5.7.1 virus found, 450 passed, "250 pretend ok" / "354" + exit 1 a
# 554, "550-..." not left hanging, control bytes, 10 kB lines, empty
# stderr, 1 MB of stderr), nothing delivered; OUTFILE replacement (LF,
# CRLF, no final newline; lines "." and ".x" intact); exit 2, a signal,
# an exec failure give 451 4.7.1 (on_failure accept: delivered); a filter
# that sleeps and ignores SIGTERM: 451 within timeout + 3.5 s, no process
# left, the spool 0600 meanwhile; a background child holding the fds; a
# filter writing $EMAIL; a client gone mid-DATA; RSET, a rejected and an
# accepted message in one session; two messages in one session; BDAT;
# a 3 MB line; speed_adjust; three recipients, one refused by the
# after-filter; 60 recipients; the after-filter refusing at end of data;
# the downstream down; unix: downstream; a full spool disk; the latency
# of an accepted message over TCP; the environment the filter saw
# (SENDER, RECIPIENTS, RECIPIENTCOUNT, CLIENT_ADDRESS, CLIENT_NAME, HELO,
# a hostile EHLO name, the config's environment and arguments, $EMAIL
# 0600 in tempdir, its content, fds 0-2 not the socket, its own process
# group); max_message_size (552 5.3.4); SMTP smuggling bodies (\r\n.\r,
# \r.\r, \r.\r\n on PUB; those and \n.\n, \r\n.\n, \n.\r\n on PUBNL, each
# compared with Postfix alone) never make a second message; a 50 MB
# message with the helper's VmRSS and Private_Dirty sampled every 10 ms
# (below +4 MB / 4 MB); the tempdir empty after each transaction; every
# delivery accounted for.
#
# Environment (meson test_env): PFXHTTP_SPAWN, PFXHTTP_SRCDIR.
# PFX_FILTER_IMPL=standin runs the suite against test/filter/standin.py
# instead (a Python stand-in that proves the rig; the checks of pfxhttp's
# own settings are skipped; it fails, as it should, the late verdict
# (it sends the message down after smtpd gave up: a duplicate), RECIPIENT,
# REMOTEIP and the tempdir checks after a hang-up); PFX_FILTER_IMPL=postprox against postprox -r
# (POSTPROX, default /tmp/postprox-src/postprox), whose known bugs the
# suite must catch.  PFXHTTP_FILTER_KEEP=1 keeps the temporary
# directory (it is kept anyway when a check failed).
# Needs root, postfix 3.7+, python3 (and /usr/bin/python3 for the
# stand-in).  Output is TAP.

set -u
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
SRCDIR=${PFXHTTP_SRCDIR:-$(cd "$HERE/../.." && pwd)}
. "$SRCDIR/test/lib/tap.sh"
. "$SRCDIR/test/lib/postfix.sh"

IMPL=${PFX_FILTER_IMPL:-pfx}
case $IMPL in
pfx) STANDIN=0 ;;
standin|postprox) STANDIN=1 ;;
*) echo "Bail out! PFX_FILTER_IMPL must be pfx, standin or postprox"; exit 1 ;;
esac
POSTPROX=${POSTPROX:-/tmp/postprox-src/postprox}
SPAWN_BIN=${PFXHTTP_SPAWN:-}
PY=python3
SMTPC="$PY $HERE/smtpc.py"
FMSG="$PY $HERE/fmsg.py"
TIMEOUT_S=4

pf_require
command -v python3 >/dev/null || skip_all "python3 is not installed"
if [ "$IMPL" = standin ]; then
	[ -x /usr/bin/python3 ] || skip_all "the stand-in needs /usr/bin/python3"
	echo "# filter: test/filter/standin.py (PFX_FILTER_IMPL=standin: a rig check, not pfxhttp)"
elif [ "$IMPL" = postprox ]; then
	[ -x "$POSTPROX" ] || bail "no postprox at $POSTPROX"
	echo "# filter: $POSTPROX -r (PFX_FILTER_IMPL=postprox: a rig check, not pfxhttp; its known bugs fail)"
else
	[ -x "$SPAWN_BIN" ] || bail "PFXHTTP_SPAWN is not executable: '$SPAWN_BIN'"
	"$SPAWN_BIN" -h 2>&1 | grep -q smtpfilter ||
	    bail "$SPAWN_BIN has no smtpfilter (its usage: $("$SPAWN_BIN" -h 2>&1 | head -3 | tr '\n' ' '))"
	echo "# filter: $SPAWN_BIN smtpfilter"
fi
echo "# postfix $(postconf -d -h mail_version)"

T=$(mktemp -d /tmp/pfxhttp-filter.XXXXXX) || exit 1
chmod 0755 "$T"
pf_init
W=$T/w		# the test's own files (root)
OUT=$T/out	# savemail deliveries (pipe runs as nobody)
DUMP=$T/dump	# what envdump.sh saw (runs as nobody)
FTMP=$T/ftmp	# the entries' tempdir
mkdir -p "$W" "$OUT" "$DUMP" "$FTMP" "$T/filters"
chmod 1777 "$OUT" "$DUMP"
chown nobody "$FTMP"
chmod 0700 "$FTMP"
cp "$HERE"/filters/* "$T/filters/"
chmod 0755 "$T/filters"

cleanup() {
	pf_cleanup
	kill "$FAKE_PID" "$FAKENOX_PID" "$HTTP_PID" 2>/dev/null
	[ "$FULLDISK" = 1 ] && umount "$FULL"
	[ -n "$SOCAT_PID" ] && kill "$SOCAT_PID" 2>/dev/null
	if [ "$tap_failed" -ne 0 ]; then
		pf_print_maillog 150
		for f in "$T/postfix-start.log"; do
			[ -s "$f" ] && { echo "----- $f -----" >&2; tail -n 30 "$f" >&2; }
		done
	fi
	if [ "${PFXHTTP_FILTER_KEEP:-0}" = 1 ] || [ "$tap_failed" -ne 0 ]; then
		echo "# kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'tap_failed=$((tap_failed + 1)); exit 1' INT TERM

skip_one() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }

# ------------------------------------------------------------- the instance
read -r CTRL PUB PUBACC PUBSH PUBNL CTRLNL AFTER PUBDOWN CLOSED PUBUNIX PUBSPEED PUBFULL PUBFAKE PUBNOX PUBPT PUBHTTP < <(free_ports 16)
# scripted downstreams (fakedown.py): one announcing XFORWARD, one not
mkdir -p "$W/fake" "$W/fakenox"
$PY "$HERE/fakedown.py" "$W/fake.port" "$W/fake" &
FAKE_PID=$!
$PY "$HERE/fakedown.py" "$W/fakenox.port" "$W/fakenox" --no-xforward &
FAKENOX_PID=$!
wait_for 100 test -s "$W/fake.port" && wait_for 100 test -s "$W/fakenox.port" ||
    bail "fakedown.py did not start"
FAKE=$(cat "$W/fake.port")
FAKENOX=$(cat "$W/fakenox.port")
# the HTTP verdict backend (httpverdict.py; pfxhttp only)
mkdir -p "$W/http"
$PY "$HERE/httpverdict.py" "$W/http.port" "$W/http" "$HERE/filters/rewritten.txt" &
HTTP_PID=$!
wait_for 100 test -s "$W/http.port" || bail "httpverdict.py did not start"
HPORT=$(cat "$W/http.port")
# a spool disk that fills: a 256 kB tmpfs as the tempdir of entry
# scanfull (skipped when mount is not allowed)
FULL=$T/full
FULLDISK=0
mkdir -p "$FULL"
mount -t tmpfs -o size=256k,mode=0700 tmpfs "$FULL" 2>/dev/null && FULLDISK=1
[ "$FULLDISK" = 1 ] && chown nobody "$FULL"
# the unix: downstream: socat from a socket in $T to the after-filter
# (pfxhttp only; skipped without socat)
UNIXDOWN=0
[ "$STANDIN" != 1 ] && command -v socat >/dev/null && UNIXDOWN=1
SOCAT_PID=
echo "# ports: ctrl $CTRL pub $PUB pubacc $PUBACC pubsh $PUBSH pubnl $PUBNL ctrlnl $CTRLNL after $AFTER pubdown $PUBDOWN (downstream $CLOSED: nothing listens)"

cat >"$T/bin/savemail.sh" <<EOF
#!/bin/sh
# savemail.sh QUEUE_ID SENDER RECIPIENT: the message as pipe(8) gives it
f=$OUT/\$1.\$3
cat >"\$f.part" || exit 75
printf '%s\n' "\$2" >"\$f.sender"
mv "\$f.part" "\$f.eml"
EOF
chmod 0755 "$T/bin/savemail.sh"
printf 'refused@example.com 550 5.1.1 <refused@example.com>: refused by the after-filter\n' \
    >"$CONF_DIR/after_rcpt"
printf 'eodreject@example.org 554 5.7.1 refused at end of data by the after-filter\n' \
    >"$CONF_DIR/after_eod"

pf_write_main_cf filter <<EOF
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
after_rcpt_restrictions = check_recipient_access texthash:$CONF_DIR/after_rcpt, permit_mynetworks, reject
after_eod_restrictions = check_sender_access texthash:$CONF_DIR/after_eod
message_size_limit = 60000000
notify_classes =
smtpd_error_sleep_time = 0
savemail_destination_recipient_limit = 1
pfxfilter_time_limit = 3600s
pfxfilteracc_time_limit = 3600s
pfxfiltersh_time_limit = 3600s
pfxfilterdown_time_limit = 3600s
pfxfilterunix_time_limit = 3600s
pfxfilterfull_time_limit = 3600s
pfxfilterfake_time_limit = 3600s
pfxfilternox_time_limit = 3600s
pfxfilterhttp_time_limit = 3600s
EOF
sed -i -e 's/^default_transport = .*/default_transport = savemail/' \
    -e 's/^relay_transport = .*/relay_transport = savemail/' "$CONF_DIR/main.cf"

HCONF=$T/pfxhttp.conf
if [ "$IMPL" = postprox ]; then
	install -m 0755 "$POSTPROX" "$T/bin/postprox"
	HELPER_PREFIX="$T/bin/postprox "
	svc() {	# svc NAME ENTRY
		local r=-r down=$AFTER
		[ "$2" = scanacc ] && r=
		[ "$2" = scandown ] && down=$CLOSED
		[ "$2" = scanfake ] && down=$FAKE
		[ "$2" = scannox ] && down=$FAKENOX
		printf '%s unix - n n - 10 spawn\n  user=nobody argv=%s %s -t %s -d %s -c %s 127.0.0.1:%s\n' \
		    "$1" "$T/bin/postprox" "$r" "$TIMEOUT_S" "$FTMP" "$T/filters/dispatch.sh" "$down"
	}
elif [ "$STANDIN" = 1 ]; then
	install -m 0755 "$HERE/standin.py" "$T/bin/standin.py"
	HELPER_PREFIX="/usr/bin/python3 $T/bin/standin.py "
	svc() {	# svc NAME ENTRY
		local on=tempfail max=60000000 cmd="$T/filters/dispatch.sh arg1"
		[ "$2" = scanacc ] && on=accept
		local down=$AFTER
		[ "$2" = scansh ] && { max=20000; cmd="/usr/bin/env FILTER_VIA=sh $T/filters/dispatch.sh shellarg"; }
		[ "$2" = scandown ] && down=$CLOSED
		[ "$2" = scanfake ] && down=$FAKE
		[ "$2" = scannox ] && down=$FAKENOX
		printf '%s unix - n n - 10 spawn\n  user=nobody argv=/usr/bin/python3 %s 127.0.0.1:%s %s %s %s %s %s\n' \
		    "$1" "$T/bin/standin.py" "$down" "$FTMP" "$TIMEOUT_S" "$on" "$max" "$cmd"
	}
else
	pf_install_helper "$SPAWN_BIN"
	HELPER_PREFIX="$HELPER "
	entry() {	# entry NAME ON_FAILURE MAX_SIZE COMMAND [DOWNSTREAM [TEMPDIR]]
		cat <<EOF
  $1 = {
    downstream = "${5:-127.0.0.1:$AFTER}";
    command = $4;
    timeout = "${TIMEOUT_S}s";
    tempdir = "${6:-$FTMP}";
    max_message_size = $3;
    on_failure = "$2";
    environment = [ "FILTER_EXTRA=extra value", "FILTER_ENTRY=$1" ];
  };
EOF
	}
	{
		echo 'server = { logging = { level = "info"; }; };'
		echo 'smtp_filters = {'
		entry scan tempfail 60000000 "[ \"$T/filters/dispatch.sh\", \"arg1\", \"two words\" ]"
		entry scanacc accept 60000000 "[ \"$T/filters/dispatch.sh\", \"arg1\", \"two words\" ]"
		entry scansh tempfail 20000 "\"FILTER_VIA=sh exec $T/filters/dispatch.sh shellarg\""
		entry scandown tempfail 60000000 "[ \"$T/filters/dispatch.sh\" ]" "127.0.0.1:$CLOSED"
		entry scanunix tempfail 60000000 "[ \"$T/filters/dispatch.sh\" ]" "unix:$T/after.sock"
		entry scanfull tempfail 60000000 "[ \"$T/filters/dispatch.sh\" ]" "127.0.0.1:$AFTER" "$FULL"
		entry scanfake tempfail 60000000 "[ \"$T/filters/dispatch.sh\" ]" "127.0.0.1:$FAKE"
		entry scannox tempfail 60000000 "[ \"$T/filters/dispatch.sh\" ]" "127.0.0.1:$FAKENOX"
		cat <<EOF
  scanhttp = {
    downstream = "127.0.0.1:$AFTER";
    target = "http://127.0.0.1:$HPORT/verdict/{{ .recipient_count }}";
    custom_headers = [ "X-Test-Sender: {{ .sender }}" ];
    timeout = "${TIMEOUT_S}s";
    tempdir = "$FTMP";
  };
EOF
		echo '};'
	} >"$HCONF"
	chmod 0644 "$HCONF"
	svc() {
		printf '%s unix - n n - 10 spawn\n  user=nobody argv=%s -c %s smtpfilter %s\n' \
		    "$1" "$HELPER" "$HCONF" "$2"
	}
fi

{
	pub() {	# pub PORT NAME SERVICE [OPTIONS]
		local port=$1 name=$2 s=$3
		shift 3
		echo "127.0.0.1:$port inet n - n - - smtpd -o syslog_name=$PF_SYSLOG_NAME/$name" \
		    "-o smtpd_proxy_filter=unix:private/$s $*"
	}
	pub "$PUB" pub pfxfilter
	pub "$PUBACC" pubacc pfxfilteracc
	pub "$PUBSH" pubsh pfxfiltersh
	pub "$PUBNL" pubnl pfxfilter -o smtpd_forbid_bare_newline=normalize \
	    -o smtpd_forbid_bare_newline_exclusions=
	pub "$PUBDOWN" pubdown pfxfilterdown
	[ "$UNIXDOWN" = 1 ] && pub "$PUBUNIX" pubunix pfxfilterunix
	pub "$PUBSPEED" pubspeed pfxfilter -o smtpd_proxy_options=speed_adjust
	pub "$PUBFAKE" pubfake pfxfilterfake
	pub "$PUBNOX" pubnox pfxfilternox
	pub "$PUBPT" pubpt pfxfilter -o smtpd_proxy_timeout=2s
	[ "$STANDIN" != 1 ] && pub "$PUBHTTP" pubhttp pfxfilterhttp
	[ "$FULLDISK" = 1 ] && [ "$STANDIN" != 1 ] && pub "$PUBFULL" pubfull pfxfilterfull
	echo "127.0.0.1:$CTRLNL inet n - n - - smtpd -o syslog_name=$PF_SYSLOG_NAME/ctrlnl" \
	    "-o smtpd_forbid_bare_newline=normalize -o smtpd_forbid_bare_newline_exclusions="
	cat <<EOF
127.0.0.1:$AFTER inet n - n - - smtpd -o syslog_name=$PF_SYSLOG_NAME/after
  -o smtpd_proxy_filter= -o smtpd_authorized_xforward_hosts=127.0.0.0/8
  -o smtpd_client_restrictions= -o smtpd_helo_restrictions=
  -o smtpd_sender_restrictions= -o smtpd_relay_restrictions=
  -o smtpd_recipient_restrictions=\$after_rcpt_restrictions
  -o smtpd_data_restrictions= -o mynetworks=127.0.0.0/8
  -o smtpd_end_of_data_restrictions=\$after_eod_restrictions
  -o receive_override_options=no_unknown_recipient_checks
savemail unix - n n - - pipe
  user=nobody argv=$T/bin/savemail.sh \${queue_id} \${sender} \${recipient}
EOF
	svc pfxfilter scan
	svc pfxfilteracc scanacc
	svc pfxfiltersh scansh
	svc pfxfilterdown scandown
	[ "$UNIXDOWN" = 1 ] && svc pfxfilterunix scanunix
	[ "$FULLDISK" = 1 ] && [ "$STANDIN" != 1 ] && svc pfxfilterfull scanfull
	svc pfxfilterfake scanfake
	svc pfxfilternox scannox
	[ "$STANDIN" != 1 ] && svc pfxfilterhttp scanhttp
} | pf_write_master_cf "$CTRL"

if [ "$STANDIN" != 1 ]; then
	out=$(timeout 10 runuser -u nobody -- "$HELPER" -c "$HCONF" -t 2>&1)
	check "nobody can run the helper and it accepts the config (-t)" $? "$out"
fi
pf_start
check "postfix starts" $? "$(cat "$T/postfix-start.log")"
[ "$POSTFIX_UP" -eq 1 ] || bail "postfix did not start"
for p in pfxfilter pfxfilteracc pfxfiltersh pfxfilterdown $([ "$FULLDISK" = 1 ] && [ "$STANDIN" != 1 ] && echo pfxfilterfull); do
	pf_wait_private "$p" || bail "no private/$p"
done
for p in "$CTRL" "$PUB" "$PUBACC" "$PUBSH" "$PUBNL" "$CTRLNL" "$AFTER" "$PUBDOWN"; do
	wait_for 100 port_open "$p" || bail "nothing listens on $p"
done

if [ "$UNIXDOWN" = 1 ]; then
	socat "UNIX-LISTEN:$T/after.sock,fork,mode=0666" "TCP:127.0.0.1:$AFTER,nodelay" 2>"$W/socat.log" &
	SOCAT_PID=$!
	wait_for 50 test -S "$T/after.sock" || bail "socat did not listen on $T/after.sock"
	wait_for 100 port_open "$PUBUNIX" || bail "nothing listens on $PUBUNIX"
fi
for p in "$PUBSPEED" "$PUBFAKE" "$PUBNOX" "$PUBPT" $([ "$STANDIN" != 1 ] && echo "$PUBHTTP"); do
	wait_for 100 port_open "$p" || bail "nothing listens on $p"
done
[ "$FULLDISK" = 1 ] && [ "$STANDIN" != 1 ] && { wait_for 100 port_open "$PUBFULL" || bail "nothing listens on $PUBFULL"; }

# ------------------------------------------------------------------ helpers
WANT_FILES=0	# deliveries the test expects so far (every .eml accounted for)
DEADLINE=$((SECONDS + 220))

# send NAME ARGS... : smtpc.py ARGS, output in $W/NAME.out and $R
send() {
	local name=$1
	shift
	if [ "$SECONDS" -ge "$DEADLINE" ]; then
		R="DEADLINE"
		return 1
	fi
	timeout 150 $SMTPC "$@" >"$W/$name.out" 2>"$W/$name.err"
	R=$(cat "$W/$name.out")
}
# msg NAME TAG FILTER : writes $W/TAG.wire, prints its path
msg() { $FMSG wire "$1" "$2" "$3" "$W/$2.wire" && echo "$W/$2.wire"; }
# stage STAGE : the (last) reply line of STAGE in $R, without the timing
stage() { printf '%s\n' "$R" | sed -n "s/^$1 //p" | tail -1 | sed -E 's/ \([0-9]+ ms\)$//'; }
eod_ms() { printf '%s\n' "$R" | sed -n 's/^EOD .* (\([0-9]*\) ms)$/\1/p' | tail -1; }
qids() { printf '%s\n' "$R" | sed -n 's/^EOD 250 .*queued as \([0-9A-Za-z]*\).*/\1/p'; }
queue_empty() { postqueue -c "$CONF_DIR" -p 2>/dev/null | grep -q '^Mail queue is empty'; }
settle() { wait_for 150 queue_empty; }
# tagged TAG : the delivered files of messages with header X-Tag: TAG
tagged() { grep -l -a -x -F "X-Tag: $1" "$OUT"/*.eml 2>/dev/null; }
ntagged() { tagged "$1" | wc -l; }
# delivered_is NAME FILE RECEIVED WANT : FILE has RECEIVED leading
# Received: headers and then exactly the bytes of WANT
delivered_is() {
	local name=$1 f=$2 nrec=$3 want=$4 n d
	if [ ! -f "$f" ]; then
		not_ok "$name" "not delivered: $f"
		return
	fi
	n=$($FMSG strip "$f" "$f.body")
	d=$($FMSG cmp "$f.body" "$want")
	if [ "$n" = "$nrec" ] && [ -z "$d" ]; then ok "$name"; else
		not_ok "$name" "Received: headers: $n, want $nrec" "$d" "file: $f"
	fi
}
# nothing_for TAG NAME : settle, then no delivery of TAG
nothing_for() {
	settle
	is "$2" "$(ntagged "$1")" 0 "$(tagged "$1")"
}
ftmp_empty() {
	local left
	left=$(find "$FTMP" -mindepth 1 2>/dev/null)
	is "$1" "$left" ""
}
leftover() { pgrep -f 'pfxfilter-sleep-marker|sleep 5(7\.321|6\.789)|filters/sleep\.sh' 2>/dev/null; }

# ------------------------------------------------ control: Postfix alone
EDGE=$(msg edge ctrl-edge accept)
$FMSG expect "$EDGE" "$W/edge.expect"
send ctrl-edge "$CTRL" --body "$EDGE"
like "control (no filter): the edge message is accepted" "$(stage EOD)" '^250 '
settle
q=$(qids)
delivered_is "control: Postfix alone stores it as fmsg.py's model says (rig check)" \
    "$OUT/$q.bob@example.com.eml" 1 "$W/edge.expect"
CTRL_BODY=$OUT/$q.bob@example.com.eml.body
WANT_FILES=$((WANT_FILES + 1))

# ---------------------------------------------- accept: byte-identical
EDGE=$(msg edge pub-edge accept)
$FMSG expect "$EDGE" "$W/pub-edge.expect"
send pub-edge "$PUB" --body "$EDGE"
like "accept: the edge message gets the downstream's 250 ... queued as" "$(stage EOD)" \
    '^250 2\.0\.0 Ok: queued as [0-9A-Z]+$' "$R"
settle
q=$(qids)
f=$OUT/$q.bob@example.com.eml
delivered_is "accept: delivered byte-identical (dot-stuffing, 8-bit, NUL, 5000-byte line, stray CR, CR at 1021, bare LF, QUIT line) after two Received:" \
    "$f" 2 "$W/pub-edge.expect"
WANT_FILES=$((WANT_FILES + 1))
# the two differ in their X-Tag and Message-Id only
$FMSG cmp <(sed 's/pub-edge/TAG/g' "$f.body" 2>/dev/null) \
    <(sed 's/ctrl-edge/TAG/g' "$CTRL_BODY" 2>/dev/null) >"$W/cmp-ctrl" 2>&1
check "accept: the same bytes as Postfix alone stored (control)" $? "$(cat "$W/cmp-ctrl")"
ftmp_empty "accept: tempdir empty afterwards"

# -------------------------------------------------------------- rejects
# reject_case FILTER WANT-ERE NAME
reject_case() {
	local filt=$1 re=$2 name=$3 tag="rej-$1"
	send "$tag" "$PUB" --body "$(msg plain "$tag" "$filt")"
	like "$name" "$(stage EOD)" "$re" "$R"
	nothing_for "$tag" "... and nothing is delivered"
}
reject_case reject '^550 5\.7\.1 rejected by the test filter$' \
    "exit 1, last stderr line '550 5.7.1 rejected ...': the client gets it (not the first line)"
reject_case virus '^554 5\.7\.1 virus found$' \
    "exit 1, stderr 'virus found': 554 5.7.1 virus found"
reject_case pretend250 '^554 ' \
    "exit 1, stderr '250 pretend ok': a 554, never 250"
reject_case greylist '^450 4\.7\.1 greylisted by the test filter, try later$' \
    "exit 1, stderr '450 4.7.1 ...': passed as it is"
reject_case fail2 '^451 4\.7\.1( |$)' "exit 2 (stderr '250 ...'): 451 4.7.1"
reject_case killed '^451 4\.7\.1( |$)' "killed by SIGKILL: 451 4.7.1"
reject_case nosuch '^451 4\.7\.1( |$)' "exec failure (exit 127): 451 4.7.1"
reject_case noisy '^550 5\.7\.1 noisy reject after 1 MB of stderr$' \
    "1 MB of stderr, then exit 1: stderr drained, its last line the reply"
# (a CR may end the line, as postprox cuts at the first CR or LF: then the
# last line is "CR<TAB>TAB..." and gets the 554 5.7.1 prefix)
reject_case ctrlreject '^(550 5\.7\.1 with|554 5\.7\.1 )[^|[:cntrl:]]*$' \
    "exit 1, a last line with CR, TAB, ^A, ESC: one 5xx 5.7.1 line, no control byte"
echo "# ... the client got: $(stage EOD | od -An -c | tr -s ' ' | head -c 300)"
reject_case longreject '^550 5\.7\.1 x+$' "exit 1, a 10000-byte last line: a 550"
echo "# ... the client got a reply of $(stage EOD | wc -c) bytes"
reject_case emptyreject '^554 5\.7\.1( |$)' "exit 1, nothing on stderr: 554 5.7.1"
echo "# ... the client got: $(stage EOD)"
reject_case reject354 '^554 ' "exit 1, stderr '354 go ahead': a 554, never 3xx"
tag=rej-dashreject
send "$tag" "$PUB" --body "$(msg plain "$tag" dashreject)"
ms=$(eod_ms)
like "exit 1, stderr '550-5.7.1 ...' (a continuation marker): a 5xx reply" "$(stage EOD)" '^5[0-9][0-9] ' "$R"
num_cmp "... at once, smtpd not left waiting for a last line ($ms ms)" "${ms:-999999}" -lt 3000
nothing_for "$tag" "... and nothing is delivered"
ftmp_empty "rejects: tempdir empty afterwards"

# ------------------------------------------------------------ rewrites
for how in lf crlf; do
	tag=rw-$how
	send "$tag" "$PUB" --body "$(msg plain "$tag" "rewrite-$how")"
	like "OUTFILE with $how line ends: accepted" "$(stage EOD)" '^250 ' "$R"
	settle
	q=$(qids)
	delivered_is "... the replacement is what is delivered (one Received:, lines '.', '.x', '..x' intact, CRLF-correct)" \
	    "$OUT/$q.bob@example.com.eml" 1 "$T/filters/rewritten.txt"
	WANT_FILES=$((WANT_FILES + 1))
	is "... and not the original" "$(ntagged "$tag")" 0
done

tag=rw-nonl
send "$tag" "$PUB" --body "$(msg plain "$tag" rewrite-nonl)"
like "OUTFILE whose last line has no line end: accepted" "$(stage EOD)" '^250 ' "$R"
settle
printf 'From: filter@example.org\nTo: bob@example.com\nSubject: no final newline\nMessage-Id: <nonl@filter.example>\nDate: Wed, 02 Dec 2026 01:00:00 +0000\n\nthe last line has no newline\n' >"$W/nonl.expect"
delivered_is "... delivered with that line ended (one Received:, then the replacement)" \
    "$OUT/$(qids).bob@example.com.eml" 1 "$W/nonl.expect"
WANT_FILES=$((WANT_FILES + 1))

# ---------------------------------------------------- on_failure accept
tag=acc-fail2
$FMSG expect "$(msg plain "$tag" fail2)" "$W/$tag.expect"
send "$tag" "$PUBACC" --body "$W/$tag.wire"
like "on_failure = accept: exit 2 gives 250" "$(stage EOD)" '^250 ' "$R"
settle
delivered_is "... and the message is delivered unchanged" "$OUT/$(qids).bob@example.com.eml" 2 "$W/$tag.expect"
WANT_FILES=$((WANT_FILES + 1))

tag=acc-sleep
$FMSG expect "$(msg plain "$tag" sleep)" "$W/$tag.expect"
send "$tag" "$PUBACC" --body "$W/$tag.wire"
like "on_failure = accept: a filter past the timeout gives 250 ($(eod_ms) ms)" "$(stage EOD)" '^250 ' "$R"
settle
delivered_is "... and the message is delivered unchanged" "$OUT/$(qids).bob@example.com.eml" 2 "$W/$tag.expect"
WANT_FILES=$((WANT_FILES + 1))
wait_for 30 sh -c "! pgrep -f 'pfxfilter-sleep-marker|sleep 5(7\.321|6\.789)|filters/sleep\.sh' >/dev/null"
is "... and none of the filter's processes is left" "$(leftover)" "" "$(ps -o pid,pgid,user,args -p "$(leftover | paste -sd,)" 2>/dev/null)"

# -------------------------------------------------------------- timeout
tag=sleep
SLW=$(msg plain "$tag" sleep)
send "$tag" "$PUB" --body "$SLW" &
spid=$!
# while the filter sleeps: the helper's open files in the tempdir (the
# spool is unlinked at once; stat -L on /proc/PID/fd/N still sees it)
sleep 2
for p in $(pgrep -f "^$HELPER_PREFIX"); do
	for fd in /proc/"$p"/fd/*; do
		l=$(readlink "$fd")
		case $l in "$FTMP"/*) echo "$(stat -L -c '%a %U' "$fd") $l" ;; esac
	done
done >"$W/spoolfds"
wait "$spid"
R=$(cat "$W/$tag.out")
sed 's/^/# helper fd in tempdir while the filter runs: /' "$W/spoolfds"
num_cmp "while the filter runs the helper holds its spool in the tempdir" "$(wc -l <"$W/spoolfds")" -ge 1
is "... every such file is 0600 nobody (unlinked or not)" "$(grep -vc '^600 nobody ' "$W/spoolfds")" 0 "$(cat "$W/spoolfds")"
ms=$(eod_ms)
like "a filter that sleeps (and ignores SIGTERM): 451 4.7.1" "$(stage EOD)" '^451 4\.7\.1( |$)' "$R"
num_cmp "... after the ${TIMEOUT_S}s timeout ($ms ms)" "${ms:-0}" -ge $((TIMEOUT_S * 1000 - 200))
num_cmp "... within timeout + 3.5 s ($ms ms)" "${ms:-999999}" -lt $((TIMEOUT_S * 1000 + 3500))
nothing_for "$tag" "... nothing is delivered"
wait_for 20 sh -c "! pgrep -f 'pfxfilter-sleep-marker|sleep 5(7\.321|6\.789)|filters/sleep\.sh' >/dev/null"
is "... none of its processes is left (script, child, grandchild)" "$(leftover)" "" \
    "$(ps -o pid,pgid,user,args -p "$(leftover | paste -sd,)" 2>/dev/null)"
ftmp_empty "... tempdir empty afterwards"

# ----------------------- a background child holding the filter's fds
tag=bg
send "$tag" "$PUB" --body "$(msg plain "$tag" bgaccept)"
ms=$(eod_ms)
like "a filter that exits 0 leaving a child with its stdout/stderr: 250" "$(stage EOD)" '^250 ' "$R"
num_cmp "... at once, not at the timeout ($ms ms)" "${ms:-999999}" -lt 2500
settle
is "... delivered" "$(ntagged "$tag")" 1
WANT_FILES=$((WANT_FILES + 1))
wait_for 20 sh -c "! pgrep -f '^sleep 33\.333' >/dev/null"
is "... the child does not outlive it (process group killed)" "$(pgrep -f '^sleep 33\.333')" ""

# ------------------------------- downstream refuses, or rejects the data
tag=eodrej
send "$tag" "$PUB" --from eodreject@example.org --body "$(msg plain "$tag" accept)"
like "the after-filter refuses at end of data: its reply reaches the client" "$(stage EOD)" \
    '^554 5\.7\.1 .*refused at end of data by the after-filter$' "$R"
nothing_for "$tag" "... nothing is delivered"
tag=down
send "$tag" "$PUBDOWN" --body "$(msg plain "$tag" accept)"
like "downstream not listening: a 4xx at RCPT (Postfix's generic 451 4.3.0)" "$(stage RCPT)" '^4[0-9][0-9] ' "$R"
nothing_for "$tag" "... nothing is delivered"
grep -E "$PF_SYSLOG_NAME/pubdown/smtpd.*(warning|proxy)" "$MAILLOG" | tail -2 | sed -E 's/^.*smtpd\[[0-9]+\]: /# maillog pubdown: /'
wait_for 50 sh -c "[ -z \"\$(pgrep -f '^$HELPER_PREFIX')\" ]"
is "... the helper exits" "$(pgrep -f "^$HELPER_PREFIX" | wc -l)" 0

# ------------- a verdict later than smtpd_proxy_timeout: no duplicate
# smtpd gives up after 2 s (451 to the client, the proxy connection
# closed); the filter accepts at 3.1 s: that late accept must not send the
# message down, or the client's retry would deliver it twice
tag=late
send "$tag" "$PUBPT" --body "$(msg plain "$tag" slowaccept)"
like "smtpd_proxy_timeout = 2s, a filter accepting after 3.1 s: the client gets a 4xx" "$(stage EOD)" '^4[0-9][0-9] ' "$R"
sleep 2.5
nothing_for "$tag" "... and the late accept delivers nothing (no duplicate on retry)"
wait_for 30 sh -c "! pgrep -f '^sleep 3\.111' >/dev/null"
is "... and the filter is not left running" "$(pgrep -f '^sleep 3\.111')" ""

# ------------------------------------------------ client gone in DATA
tag=cut
send "$tag" "$PUB" --body "$(msg edge "$tag" accept)" --cut 6000
like "a client that disconnects mid-DATA (after 6000 bytes)" "$(printf '%s\n' "$R" | tail -1)" '^CUT ' "$R"
nothing_for "$tag" "... nothing is delivered"
wait_for 50 sh -c "[ -z \"\$(pgrep -f '^$HELPER_PREFIX')\" ]"
is "... the helper exits" "$(pgrep -f "^$HELPER_PREFIX" | wc -l)" 0
ftmp_empty "... tempdir empty afterwards"

# --------------------------------------------- two messages, one session
W1=$(msg plain two-1 accept)
W2=$(msg env two-2 accept)
$FMSG expect "$W1" "$W/two-1.expect"
$FMSG expect "$W2" "$W/two-2.expect"
send two "$PUB" --body "$W1" --body "$W2"
mapfile -t qs < <(qids)
is "two messages in one session: two 250s with two queue ids" "${#qs[@]}" 2 "$R"
settle
delivered_is "... the first is delivered" "$OUT/${qs[0]:-none}.bob@example.com.eml" 2 "$W/two-1.expect"
delivered_is "... the second is delivered" "$OUT/${qs[1]:-none}.bob@example.com.eml" 2 "$W/two-2.expect"
WANT_FILES=$((WANT_FILES + 2))

# --------------- RSET, then a rejected and an accepted message, one session
W1=$(msg plain rs-1 reject)
W2=$(msg plain rs-2 accept)
$FMSG expect "$W2" "$W/rs-2.expect"
send rs "$PUB" --rset-first --body "$W1" --body "$W2"
is "one session: an abandoned transaction (RSET), a rejected message, an accepted one" \
    "$(printf '%s\n' "$R" | sed -n 's/^\(RSET\|EOD\) \([0-9]*\).*/\1 \2/p' | paste -sd' ')" \
    "RSET 250 EOD 550 EOD 250" "$R"
settle
delivered_is "... the accepted one is delivered" "$OUT/$(qids).bob@example.com.eml" 2 "$W/rs-2.expect"
WANT_FILES=$((WANT_FILES + 1))
is "... the rejected one is not" "$(ntagged rs-1)" 0

# -------------------------------------------- BDAT (CHUNKING) from the client
tag=bdat
$FMSG raw bdat "$tag" accept "$W/$tag.raw"
$FMSG expect-raw "$W/$tag.raw" "$W/$tag.expect"
send "$tag" "$PUB" --bdat --body "$W/$tag.raw"
like "BDAT LAST with '.', '.x' lines and a CRLF.CRLF inside: 250" "$(stage EOD)" '^250 ' "$R"
settle
is "... exactly one delivery" "$(ntagged "$tag")" 1
delivered_is "... byte-identical (smtpd stuffs it, the filter keeps it stuffed)" \
    "$OUT/$(qids).bob@example.com.eml" 2 "$W/$tag.expect"
WANT_FILES=$((WANT_FILES + 1))

# ------------------------------------------- a filter that writes $EMAIL
tag=scribble
$FMSG expect "$(msg env "$tag" scribble)" "$W/$tag.expect"
send "$tag" "$PUB" --body "$W/$tag.wire"
like "a filter that overwrites \$EMAIL and exits 0: 250" "$(stage EOD)" '^250 ' "$R"
settle
delivered_is "... the original message is delivered, not what it wrote" \
    "$OUT/$(qids).bob@example.com.eml" 2 "$W/$tag.expect"
WANT_FILES=$((WANT_FILES + 1))

# ------------------------------------------------- a 3 MB line, one line
tag=hugeline
$FMSG expect "$(msg hugeline:3000000 "$tag" accept)" "$W/$tag.expect"
send "$tag" "$PUB" --body "$W/$tag.wire"
like "one 3 MB body line: accepted" "$(stage EOD)" '^250 ' "$R"
settle
delivered_is "... delivered whole" "$OUT/$(qids).bob@example.com.eml" 2 "$W/$tag.expect"
WANT_FILES=$((WANT_FILES + 1))

# ------------------------------------------------- speed_adjust smtpd
tag=speed
$FMSG expect "$(msg edge "$tag" accept)" "$W/$tag.expect"
send "$tag" "$PUBSPEED" --body "$W/$tag.wire"
like "smtpd_proxy_options = speed_adjust: accepted" "$(stage EOD)" '^250 ' "$R"
settle
delivered_is "... delivered byte-identical" "$OUT/$(qids).bob@example.com.eml" 2 "$W/$tag.expect"
WANT_FILES=$((WANT_FILES + 1))
tag=speed-rej
send "$tag" "$PUBSPEED" --body "$(msg plain "$tag" reject)"
like "speed_adjust: exit 1 gives the filter's 550" "$(stage EOD)" '^550 5\.7\.1 rejected by the test filter$' "$R"
nothing_for "$tag" "... and nothing is delivered"

# ------------------------------------------------- 60 recipients
tag=many
rc=()
for i in $(seq -w 1 60); do rc+=(--to "rcpt$i.with.a.longish.local.part@example.com"); done
$FMSG expect "$(msg plain "$tag" envdump)" "$W/$tag.expect"
send "$tag" "$PUB" "${rc[@]}" --body "$W/$tag.wire"
like "60 recipients: accepted" "$(stage EOD)" '^250 ' "$R"
settle
is "... 60 deliveries" "$(ntagged "$tag")" 60
WANT_FILES=$((WANT_FILES + 60))
is "... RECIPIENTCOUNT=60" "$(sed -n 's/^RECIPIENTCOUNT=//p' "$DUMP/env.$tag" 2>/dev/null)" 60
r=$(sed -n 's/^RECIPIENTS=//p' "$DUMP/env.$tag" 2>/dev/null)
echo "# ... RECIPIENTS is ${#r} bytes ($(printf '%s' "$r" | tr ',' '\n' | wc -l) names): ...${r: -60}"
like "... RECIPIENTS starts with the first recipients, comma-joined" "$r" \
    '^rcpt01\.with\.a\.longish\.local\.part@example\.com,rcpt02\.with'

# ------------------------------------------------- the spool disk fills
if [ "$FULLDISK" = 1 ] && [ "$STANDIN" != 1 ]; then
	for sz in 1000000 150000; do
		tag=full-$sz
		send "$tag" "$PUBFULL" --body "$(msg "big:$sz" "$tag" accept)"
		like "tempdir on a full 256 kB disk, a $sz-byte message: a 4xx or 5xx" "$(stage EOD)" '^[45][0-9][0-9] ' "$R"
		echo "# ... the client got: $(stage EOD)"
		nothing_for "$tag" "... and nothing is delivered"
		is "... the disk is empty again" "$(find "$FULL" -mindepth 1 | wc -l)" 0
	done
	tag=full-small
	send "$tag" "$PUBFULL" --body "$(msg big:20000 "$tag" accept)"
	like "... then a 20 kB message through the same entry: 250" "$(stage EOD)" '^250 ' "$R"
	settle
	is "... delivered" "$(ntagged "$tag")" 1
	WANT_FILES=$((WANT_FILES + 1))
else
	skip_one "a full spool disk" "mount -t tmpfs not allowed, or not pfxhttp"
fi

# --------------------------- a scripted downstream (fakedown.py)
# fakelog SENDER-LOCALPART : the fake downstream's log of that transaction
fakelog() { grep -l -F "MAIL FROM:<$1@" "$2"/conn-*.log 2>/dev/null | tail -1; }
dots() { grep -c -x -F "b'.\\r\\n'" "$1" 2>/dev/null; }
send fk-acc "$PUBFAKE" --from okacc@example.org --body "$(msg plain fk-acc accept)"
like "fake downstream: an accepted message gets the downstream's reply verbatim" "$(stage EOD)" '^250 2\.0\.0 Ok: queued as FAKE[0-9]+$' "$R"
L=$(fakelog okacc "$W/fake")
is "... the downstream got one '.'" "$(dots "$L")" 1 "$(cat "$L" 2>/dev/null | head -30)"
is "... and one XFORWARD (announced)" "$(grep -c "^b'XFORWARD " "$L" 2>/dev/null)" 1
send fk-rej "$PUBFAKE" --from okrej@example.org --body "$(msg plain fk-rej reject)"
like "fake downstream: a rejected message gets the filter's 550" "$(stage EOD)" '^550 5\.7\.1 ' "$R"
L=$(fakelog okrej "$W/fake")
wait_for 50 grep -q '^#end' "$L"
is "... the downstream never got a '.', and its connection was closed" "$(dots "$L"):$(tail -1 "$L" 2>/dev/null)" "0:#end" "$(cat "$L" 2>/dev/null)"
send fk-fail "$PUBFAKE" --from okfail@example.org --body "$(msg plain fk-fail fail2)"
L=$(fakelog okfail "$W/fake")
wait_for 50 grep -q '^#end' "$L"
is "... a failed filter (451): no '.' downstream either" "$(dots "$L"):$(tail -1 "$L" 2>/dev/null)" "0:#end" "$(cat "$L" 2>/dev/null)"
send fk-ml "$PUBFAKE" --from multiline@example.org --body "$(msg plain fk-ml accept)"
is "fake downstream: a multi-line end-of-data reply reaches the client whole" "$(stage EOD)" \
    "250-fake: first line | 250 2.0.0 Ok: queued as FAKEML" "$R"
send fk-hd "$PUBFAKE" --from hangup-data@example.org --body "$(msg plain fk-hd accept)"
like "fake downstream closes at DATA: a 4xx to DATA" "$(stage DATA)" '^4[0-9][0-9] ' "$R"
send fk-hc "$PUBFAKE" --from hangup-content@example.org --body "$(msg plain fk-hc accept)"
like "fake downstream closes at the first content line: a 4xx at end of data" "$(stage EOD)" '^4[0-9][0-9] ' "$R"
send fk-he "$PUBFAKE" --from hangup-eod@example.org --body "$(msg plain fk-he accept)"
like "fake downstream closes after '.' without a reply: a 4xx" "$(stage EOD)" '^4[0-9][0-9] ' "$R"
send fk-421 "$PUBFAKE" --from eod-421@example.org --body "$(msg plain fk-421 accept)"
like "fake downstream answers '.' with 421: a 4xx" "$(stage EOD)" '^4[0-9][0-9] ' "$R"
send fk-r451 "$PUBFAKE" --from rcpt451@example.org --body "$(msg plain fk-r451 accept)"
is "fake downstream answers RCPT 451: relayed to the client" "$(stage RCPT)" "451 4.2.0 fake: try again later" "$R"
send fk-nox "$PUBNOX" --from oknox@example.org --body "$(msg plain fk-nox envdump)"
like "downstream without XFORWARD: accepted" "$(stage EOD)" '^250 2\.0\.0 Ok: queued as FAKE[0-9]+$' "$R"
L=$(fakelog oknox "$W/fakenox")
is "... no XFORWARD sent to it" "$(grep -c "^b'XFORWARD" "$L" 2>/dev/null)" 0 "$(head -8 "$L" 2>/dev/null)"
echo "# ... the filter saw CLIENT_ADDRESS='$(sed -n 's/^CLIENT_ADDRESS=//p' "$DUMP/env.fk-nox" 2>/dev/null)' HELO='$(sed -n 's/^HELO=//p' "$DUMP/env.fk-nox" 2>/dev/null)'"
ftmp_empty "fake downstream cases: tempdir empty afterwards"

# ------------------------------------------------------ the HTTP verdict
if [ "$STANDIN" != 1 ]; then
	hcase() {	# hcase NAME WANT-ERE DESCRIPTION
		send "ht-$1" "$PUBHTTP" --body "$(msg plain "ht-$1" "http-$1")"
		like "HTTP verdict: $3" "$(stage EOD)" "$2" "$R"
	}
	tag=ht-accept
	HW=$(msg env "$tag" http-accept)
	$FMSG expect "$HW" "$W/$tag.expect"
	$FMSG email "$HW" "$W/$tag.email"
	send "$tag" "$PUBHTTP" --to bob@example.com --to carol@example.com --body "$HW"
	like "HTTP verdict: accept: 250" "$(stage EOD)" '^250 ' "$R"
	settle
	q=$(qids)
	delivered_is "... delivered byte-identical" "$OUT/$q.bob@example.com.eml" 2 "$W/$tag.expect"
	WANT_FILES=$((WANT_FILES + 2))
	H=$W/http/$tag.head
	like "... POSTed to the target with its template filled" "$(head -1 "$H" 2>/dev/null)" '^POST /verdict/2 HTTP/1\.1$'
	hv() { sed -n "s/^$1: //Ip" "$H" | tr -d '\r' | head -1; }
	is "... Content-Type message/rfc822" "$(hv Content-Type)" message/rfc822
	is "... X-Envelope-From" "$(hv X-Envelope-From)" alice@example.org
	is "... X-Envelope-To" "$(hv X-Envelope-To)" bob@example.com,carol@example.com
	is "... X-Recipient-Count" "$(hv X-Recipient-Count)" 2
	is "... X-Client-Address" "$(hv X-Client-Address)" 127.0.0.1
	is "... X-Helo-Name" "$(hv X-Helo-Name)" client.example
	is "... custom_headers with a template" "$(hv X-Test-Sender)" alice@example.org
	n=$($FMSG strip "$W/http/$tag.body" "$W/$tag.body.got")
	d=$($FMSG cmp "$W/$tag.body.got" "$W/$tag.email")
	is "... the body is the message as \$EMAIL has it (one Received:, dot-unstuffed, LF)" "$n:$d" "1:"
	hcase reject '^550 5\.7\.1 rejected by the HTTP verdict$' "reject with a reply: that reply"
	nothing_for ht-reject "... nothing is delivered"
	hcase reject250 '^554 5\.7\.1 ' "reject with a 250 reply: a 554, never 250"
	nothing_for ht-reject250 "... nothing is delivered"
	hcase tempfail '^450 4\.7\.1 the HTTP verdict says later$' "tempfail with a 450 reply: that reply"
	nothing_for ht-tempfail "... nothing is delivered"
	hcase 500 '^451 4\.7\.1( |$)' "HTTP 500: 451 4.7.1"
	nothing_for ht-500 "... nothing is delivered"
	hcase garbage '^451 4\.7\.1( |$)' "a body that is not JSON: 451 4.7.1"
	hcase unknown '^451 4\.7\.1( |$)' "action \"maybe\": 451 4.7.1"
	nothing_for ht-unknown "... nothing is delivered"
	hcase slow '^451 4\.7\.1( |$)' "a backend slower than the ${TIMEOUT_S}s timeout: 451 4.7.1"
	ms=$(eod_ms)
	num_cmp "... within timeout + 3.5 s ($ms ms)" "${ms:-999999}" -lt $((TIMEOUT_S * 1000 + 3500))
	nothing_for ht-slow "... nothing is delivered"
	hcase replace '^250 ' "accept with a replacement message: 250"
	settle
	delivered_is "... the replacement is delivered (lines '.', '.x' intact)" \
	    "$OUT/$(qids).bob@example.com.eml" 1 "$T/filters/rewritten.txt"
	WANT_FILES=$((WANT_FILES + 1))
	ftmp_empty "HTTP verdicts: tempdir empty afterwards"
else
	skip_one "the HTTP verdict" "not pfxhttp"
fi

# ------------------------------------------------------ unix: downstream
if [ "$UNIXDOWN" = 1 ]; then
	tag=unix
	$FMSG expect "$(msg edge "$tag" accept)" "$W/$tag.expect"
	send "$tag" "$PUBUNIX" --body "$W/$tag.wire"
	like "downstream = \"unix:/path\": accepted" "$(stage EOD)" '^250 ' "$R"
	settle
	delivered_is "... delivered byte-identical" "$OUT/$(qids).bob@example.com.eml" 2 "$W/$tag.expect"
	WANT_FILES=$((WANT_FILES + 1))
else
	skip_one "downstream = \"unix:/path\"" "no socat, or not pfxhttp"
fi

# ------------------------------- latency of an accepted message's reply
# the time from the client's "." to the 250 for a small message and the
# accept-all filter (sh + exit 0): median of 5, TCP downstream; and over
# the unix: downstream when there is one.  Over TCP a "." written apart
# from the content waits for the after-filter's delayed ACK (40 ms) unless
# the socket has TCP_NODELAY; postprox takes about 9 ms here.
lat() {	# lat PORT NAME : median EOD ms of 5 small accepted messages
	local i
	for i in 1 2 3 4 5; do
		send "lat-$2-$i" "$1" --body "$(msg plain "lat-$2-$i" accept)"
		eod_ms
	done | sort -n | sed -n 3p
}
ms_tcp=$(lat "$PUB" tcp)
WANT_FILES=$((WANT_FILES + 5))
ms_unix=-
if [ "$UNIXDOWN" = 1 ]; then
	ms_unix=$(lat "$PUBUNIX" unix)
	WANT_FILES=$((WANT_FILES + 5))
fi
echo "# end-of-data reply, small message, accept-all filter: ${ms_tcp} ms via a TCP downstream, ${ms_unix} ms via unix: (median of 5)"
num_cmp "an accepted small message is answered within 35 ms of its dot over a TCP downstream (${ms_tcp} ms)" "${ms_tcp:-99999}" -lt 35
settle

# ------------------------------------------- an EHLO name with metacharacters
tag=helo
send "$tag" "$PUB" --ehlo 'x;$(touch /tmp/pfxfilter-pwned)|`id`&<>"'"'"'\' --body "$(msg plain "$tag" envdump)"
like "an EHLO name with shell metacharacters: accepted" "$(stage EOD)" '^250 ' "$R"
settle
WANT_FILES=$((WANT_FILES + 1))
h=$(sed -n 's/^HELO=//p' "$DUMP/env.$tag" 2>/dev/null)
echo "# EHLO 'x;\$(touch /tmp/pfxfilter-pwned)|\`id\`&<>\"'\\' reached the filter as HELO='$h'"
[ -n "$h" ] && ! printf '%s' "$h" | LC_ALL=C grep -q '[[:cntrl:]]'
check "... HELO is set and holds no control character" $? "HELO='$h'"
[ ! -e /tmp/pfxfilter-pwned ]
check "... nothing ran it" $?

# ----------------------------- three recipients, one refused downstream;
# ------------------------------------------- the filter's environment
tag=env
ENV=$(msg env "$tag" envdump)
$FMSG expect "$ENV" "$W/$tag.expect"
$FMSG email "$ENV" "$W/$tag.email"
send "$tag" "$PUB" --ehlo helo.client.example --to bob@example.com \
    --to refused@example.com --to carol@example.com --body "$ENV"
like "3 recipients: the RCPT replies (refused@ by the after-filter, its text relayed)" \
    "$(printf '%s\n' "$R" | sed -n 's/^RCPT //p' | paste -sd'/')" \
    '^250 2\.1\.5 Ok/550 5\.1\.1 <refused@example\.com>: [^/]*refused by the after-filter/250 2\.1\.5 Ok$' "$R"
like "... 250 at the end of data" "$(stage EOD)" '^250 ' "$R"
settle
q=$(qids)
delivered_is "... delivered to bob@" "$OUT/$q.bob@example.com.eml" 2 "$W/$tag.expect"
delivered_is "... delivered to carol@" "$OUT/$q.carol@example.com.eml" 2 "$W/$tag.expect"
WANT_FILES=$((WANT_FILES + 2))
is "... not to refused@" "$(ls "$OUT" | grep -c 'refused@')" 0
E=$DUMP/env.$tag
if [ -f "$E" ]; then
	ev() { sed -n "s/^$1=//p" "$E" | head -1; }
	is "env: SENDER (bare address)" "$(ev SENDER)" alice@example.org
	is "env: RECIPIENTS (the accepted ones, comma-joined)" "$(ev RECIPIENTS)" bob@example.com,carol@example.com
	is "env: RECIPIENTCOUNT" "$(ev RECIPIENTCOUNT)" 2
	is "env: CLIENT_ADDRESS (XFORWARD ADDR)" "$(ev CLIENT_ADDRESS)" 127.0.0.1
	is "env: CLIENT_NAME (XFORWARD NAME)" "$(ev CLIENT_NAME)" localhost
	is "env: HELO (XFORWARD HELO: the client's)" "$(ev HELO)" helo.client.example
	is "env: RECIPIENT (postprox's: the first)" "$(ev RECIPIENT)" bob@example.com
	is "env: REMOTEIP (postprox's: CLIENT_ADDRESS)" "$(ev REMOTEIP)" 127.0.0.1
	if [ "$STANDIN" != 1 ]; then
		extra=$(ev ENVNAMES | tr ' ' '\n' | grep -v -x -E 'EMAIL|OUTFILE|SENDER|RECIPIENT|RECIPIENTS|RECIPIENTCOUNT|CLIENT_ADDRESS|CLIENT_NAME|HELO|REMOTEIP|PATH|FILTER_EXTRA|FILTER_ENTRY|PWD|OLDPWD|SHLVL|_' | paste -sd' ')
		is "env: nothing else in the environment (not spawn's MAIL_CONFIG, TZ, ...)" "$extra" "" "all: $(ev ENVNAMES)"
	fi
	like "env: \$EMAIL is mode 0600, owned by nobody" "$(ev EMAIL_STAT)" '^600 nobody [0-9]+$'
	is "env: \$EMAIL is in the entry's tempdir" "$(ev EMAIL_DIR)" "$FTMP" "(or a directory below it?)"
	like "env: \$OUTFILE exists, empty, 0600" "$(ev OUTFILE_STAT)" '^600 nobody 0$'
	bad=$(grep '^SPOOLFILE=' "$E" | grep -v '^SPOOLFILE=600 nobody ')
	is "env: every file in the tempdir while the filter runs is 0600 nobody" "$bad" "" \
	    "$(grep '^SPOOLFILE=' "$E")"
	for fd in 0 1 2; do
		v=$(ev FD$fd)
		[[ $v != socket:* && -n $v ]]
		check "env: fd $fd is not the Postfix socket ($v)" $?
	done
	p=$(ev PGID)
	is "env: the filter leads its own process group" "$p" "$(ev PID)" \
	    "parent's group: $(ev PARENT_PGID)"
	[ -n "$p" ] && [ "$p" != "$(ev PARENT_PGID)" ]
	check "env: ... not the helper's" $? "pgid $p, parent's $(ev PARENT_PGID)"
	n=$($FMSG strip "$DUMP/email.$tag" "$W/$tag.email.got")
	is "\$EMAIL holds one Received: header (the before-filter smtpd's)" "$n" 1
	d=$($FMSG cmp "$W/$tag.email.got" "$W/$tag.email")
	is "\$EMAIL is the message dot-unstuffed with LF line ends" "$d" ""
	if [ "$STANDIN" = 1 ]; then
		skip_one "env: the entry's environment" "stand-in"
		skip_one "env: the argv command's arguments" "stand-in"
	else
		is "env: the entry's environment = [ \"FILTER_EXTRA=extra value\" ]" "$(ev FILTER_EXTRA)" "extra value"
		is "env: the argv command's arguments, no shell" \
		    "$(sed -n 's/^ARG=//p' "$E" | paste -sd' ')" "[arg1] [two words]"
	fi
	echo "# the filter saw: $(grep -E '^(SENDER|RECIPIENTS|RECIPIENTCOUNT|CLIENT_ADDRESS|CLIENT_NAME|HELO|NFDS|FD[0-2])=' "$E" | paste -sd' ')"
else
	not_ok "env: envdump.sh wrote $E" "$(ls -la "$DUMP")"
fi
ftmp_empty "env: tempdir empty afterwards"

# null sender: what SENDER holds (information: the spec says "the bare
# address"; postprox gives "<>")
tag=nullsender
send "$tag" "$PUB" --from "" --body "$(msg plain "$tag" envdump)"
like "null sender <>: accepted" "$(stage EOD)" '^250 ' "$R"
settle
WANT_FILES=$((WANT_FILES + 1))
echo "# null sender: the filter saw SENDER='$(sed -n 's/^SENDER=//p' "$DUMP/env.$tag" 2>/dev/null)'"

# ---------------------------- the string command (sh -c), size limit
tag=sh
SHW=$(msg env "$tag" envdump)
$FMSG expect "$SHW" "$W/$tag.expect"
send "$tag" "$PUBSH" --body "$SHW"
like "command as a string (/bin/sh -c): accepted" "$(stage EOD)" '^250 ' "$R"
settle
delivered_is "... delivered" "$OUT/$(qids).bob@example.com.eml" 2 "$W/$tag.expect"
WANT_FILES=$((WANT_FILES + 1))
is "... ran through the shell (FILTER_VIA=sh ... in the string)" \
    "$(sed -n 's/^FILTER_VIA=//p' "$DUMP/env.$tag" 2>/dev/null)" sh
is "... with the string's argument" "$(sed -n 's/^ARG=//p' "$DUMP/env.$tag" 2>/dev/null | paste -sd' ')" "[shellarg]"
tag=toobig
send "$tag" "$PUBSH" --body "$(msg big:30000 "$tag" accept)"
like "a message over max_message_size (20000): 552 5.3.4" "$(stage EOD)" '^552 5\.3\.4( |$)' "$R"
nothing_for "$tag" "... nothing is delivered"
ftmp_empty "... tempdir empty afterwards"

# ------------------------------------------------------------ smuggling
# a body holding SEP + MAIL FROM:<smuggled@evil.example> + ... : must stay
# one message (its text content) or be refused, never two
for sep in cr1 cr2 cr3; do
	tag=smug-$sep
	SW=$(msg "smuggle:$sep" "$tag" accept)
	$FMSG expect "$SW" "$W/$tag.expect"
	send "$tag" "$PUB" --body "$SW"
	like "smuggling $sep (smtpd_forbid_bare_newline = no): one 250" "$(stage EOD)" '^250 ' "$R"
	settle
	is "... exactly one delivery" "$(ntagged "$tag")" 1
	delivered_is "... the smuggled commands are that message's text, byte for byte" \
	    "$OUT/$(qids).bob@example.com.eml" 2 "$W/$tag.expect"
	WANT_FILES=$((WANT_FILES + 1))
done
for sep in lf1 lf2 lf3 cr1 cr2 cr3; do
	tag=smugnl-$sep
	send "$tag-ctrl" "$CTRLNL" --body "$(msg "smuggle:$sep:ctrl" "$tag-ctrl" accept)"
	ctrl_reply=$(stage EOD)
	send "$tag" "$PUBNL" --body "$(msg "smuggle:$sep" "$tag" accept)"
	settle
	n=$(ntagged "$tag")
	nc=$(ntagged "$tag-ctrl")
	WANT_FILES=$((WANT_FILES + n + nc))
	echo "# smuggling $sep, smtpd_forbid_bare_newline = normalize: via the filter '$(stage EOD)', $n delivered; Postfix alone '$ctrl_reply', $nc delivered"
	num_cmp "smuggling $sep (smtpd_forbid_bare_newline = normalize): at most one delivery" "$n" -le 1 "$R"
	a=$(tagged "$tag" | head -1)
	b=$(tagged "$tag-ctrl" | head -1)
	if [ -n "$a" ] && [ -n "$b" ]; then
		$FMSG strip "$a" "$a.body" >/dev/null
		$FMSG strip "$b" "$b.body" >/dev/null
		$FMSG cmp <(sed "s/$tag/TAG/g" "$a.body") \
		    <(sed -e "s/$tag-ctrl/TAG/g" -e 's/smuggled-ctrl@/smuggled@/; s/victim-ctrl@/victim@/' \
		    -e 's/^\(Subject: test smuggle:[a-z0-9]*\):ctrl$/\1/' "$b.body") >"$W/cmp-$tag"
		check "... the same text as Postfix alone stored" $? "$(cat "$W/cmp-$tag")"
	else
		is "... delivered as by Postfix alone" "$n" "$nc"
	fi
done
settle
sleep 0.5
settle
bad=$(grep -l -x 'smuggled@evil.example' "$OUT"/*.sender 2>/dev/null)
is "smuggling: no delivery from smuggled@evil.example" "$bad" ""
is "smuggling: no delivery to victim@example.com" "$(ls "$OUT" | grep -c '^[^.]*\.victim@')" 0
grep -q 'from=<smuggled@evil.example>' "$MAILLOG"
check "smuggling: the maillog never saw from=<smuggled@evil.example>" $((! $?)) \
    "$(grep 'smuggled@evil' "$MAILLOG" | head -5)"
nc=$(grep -l -x 'smuggled-ctrl@evil.example' "$OUT"/*.sender 2>/dev/null | wc -l)
WANT_FILES=$((WANT_FILES + nc))
echo "# (reference) Postfix alone with normalize delivered $nc message(s) from smuggled-ctrl@evil.example"

# ------------------------------------------------------------ 50 MB
tag=big
BIG=$(msg big:52428800 "$tag" accept)
$FMSG expect "$BIG" "$W/$tag.expect"
send "$tag" "$PUB" --body "$BIG" --sample "$HELPER_PREFIX"
like "a 50 MB message: 250 ($(eod_ms) ms after the dot)" "$(stage EOD)" '^250 ' "$R"
settle
f=$OUT/$(qids).bob@example.com.eml
delivered_is "... delivered byte-identical" "$f" 2 "$W/$tag.expect"
rm -f "$f.body" "$W/$tag.expect"
WANT_FILES=$((WANT_FILES + 1))
# the helper is the process sampled longest (a forked child about to
# exec the filter has the same command line for a moment)
rss=$(printf '%s\n' "$R" | grep '^RSS ' | awk '{ split($3, a, "="); if (a[2] > m) { m = a[2]; l = $0 } } END { print l }')
echo "# helper memory during the 50 MB transfer: $rss"
printf '%s\n' "$R" | grep '^RSS ' | sed 's/^/#   /'
if [ -n "$rss" ] && [ "$STANDIN" = 1 ]; then
	skip_one "... helper memory flat" "the stand-in is Python"
elif [ -n "$rss" ]; then
	get() { printf '%s\n' "$rss" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
	num_cmp "... helper sampled often enough ($(get samples) samples)" "$(get samples)" -ge 20
	num_cmp "... helper VmRSS growth below 4 MB ($(get rss_first_kb) -> $(get rss_max_kb) kB)" \
	    $(($(get rss_max_kb) - $(get rss_first_kb))) -lt 4096
	# growth, not the level: an ASan build's shadow memory is dirty too
	num_cmp "... helper Private_Dirty growth below 4 MB ($(get pd_first_kb) -> $(get pd_max_kb) kB)" \
	    $(($(get pd_max_kb) - $(get pd_first_kb))) -lt 4096
else
	not_ok "... the helper process was sampled" "$R"
fi
ftmp_empty "... tempdir empty afterwards"

# ------------------------------------------------------------ at the end
settle
sleep 1
settle
is "every delivery is one the test expected (no extra message anywhere)" \
    "$(ls "$OUT"/*.eml 2>/dev/null | wc -l)" "$WANT_FILES" \
    "the X-Tag headers delivered: $(grep -h -a -m1 '^X-Tag: ' "$OUT"/*.eml 2>/dev/null | sort | uniq -c | sort -rn | head -20 | paste -sd' ')" \
    "senders not alice@: $(grep -L -x 'alice@example.org' "$OUT"/*.sender 2>/dev/null | head -5 | paste -sd' ')"
ftmp_empty "the tempdir is empty at the end"
wait_for 50 sh -c "[ -z \"\$(pgrep -f '^$HELPER_PREFIX')\" ]"
is "no helper process is left" "$(pgrep -f "^$HELPER_PREFIX" | wc -l)" 0
is "no filter process is left" "$(pgrep -f "^(/bin/)?sh $T/filters/" | wc -l)" 0
if [ "$STANDIN" != 1 ]; then
	pf_spawn_warnings "$T/spawn-warn"
	check "spawn(8) logged no helper exiting abnormally" $? "$(cat "$T/spawn-warn")"
fi
! grep -E 'received garbage from proxy|(fatal|panic):' "$MAILLOG" >"$W/bad-log"
check "maillog: no 'received garbage from proxy', fatal or panic" $? "$(head -5 "$W/bad-log")"
grep -E "$PF_SYSLOG_NAME/(pub|pubacc|pubsh|pubnl|after)/smtpd.*warning" "$MAILLOG" |
    sed -E 's/^.*postfix-filter\/([a-z]+)\/smtpd\[[0-9]+\]: /# maillog \1: /; s/[0-9]{4,}/N/g' |
    sort | uniq -c | head -20
echo "# took ${SECONDS}s"
tap_done
