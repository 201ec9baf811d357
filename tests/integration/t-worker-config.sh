#!/bin/bash
# t-worker-config: workers read no configuration (S10 "main decides, workers
# are told").  sslvpnd starts with an identity from trustpoint files
# (enrollment file), a CA trustpoint and a local user.  Then the
# configuration file, the identity's certificate and key and the CA files
# are deleted (copies kept), and the worker is killed by its PID: the
# restarted worker gets its generation's configuration from main's memory,
# presents the same certificate (its SHA-1; openconnect pins it) and serves a
# new password login; nothing is refused.  No worker's command line names a
# configuration file or a state directory.  Then the files come back and a
# reload works.
#
#   client ns svd-c-$$                          server ns svd-s-$$
#   +--------------------------------+          +-------------------------------+
#   | openconnect --user alice       |===443===>| sslvpnd -f -c wcfg.conf       |
#   |   --servercert SHA1(server.pem)|          |   1 worker, killed; its files |
#   | v-cli 198.18.0.2/30 ---------- veth ----- v-srv 198.18.0.1/30  are gone   |
#   +--------------------------------+          +-------------------------------+
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

CTL="$top_builddir/src/tools/sslvpnctl/sslvpnctl"
PASS='w0rker pass'

lib_init
[ -x "$CTL" ] || hard_error "$CTL not built"
pki_ensure
netns_setup
state_init

tp="$TMPD/tp"
mkdir -p "$tp/ca"
cp "$PKI/server/server.pem" "$PKI/server/server.key" "$tp/"
cp "$PKI"/trust/* "$tp/ca/"
printf '%s\n' "$PASS" >"$TMPD/pw"
hash=$(printf '%s\n' "$PASS" | "$SSLVPND" --hash-password) || fail "--hash-password failed"
conf="$TMPD/wcfg.conf"
cat >"$conf" <<CONF
general = { workers = 1; state-dir = "$STATE"; };
logging = { destination = "stderr"; format = "asa"; };
interfaces = ( { name = "outside"; address = "0.0.0.0"; port = 443; dtls-port = 443; trustpoint = "FILE"; } );
trustpoints = (
  { name = "FILE"; enrollment = "file"; certificate = "$tp/server.pem"; key = "$tp/server.key"; },
  { name = "MIC"; enrollment = "terminal"; certificate = "$tp/ca"; }
);
ip_local_pools = ( { name = "staff"; range = "198.19.0.30-198.19.0.40"; mask = "255.255.255.0"; } );
tunnel_groups = ( { name = "DefaultWEBVPNGroup"; address-pool = "staff"; authentication = "aaa"; } );
users = ( { name = "alice"; password = "$hash"; } );
CONF

start_sslvpnd -c "$conf"
want=$(openssl x509 -in "$tp/server.pem" -noout -fingerprint -sha1 | sed 's/^.*=//; s/://g')
assert_eq "$want" "$SERVER_CERT_SHA1" "the interface presents the trustpoint file's certificate"

worker_pid() { pgrep -P "$SRV_PID" -x sslvpnd-worker | head -n 1; }
# A worker's command line: no configuration file, no state directory.
check_cmdline() { # PID
	local cmd
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline")
	note "worker $1: $cmd"
	case "$cmd" in
	*"$conf"* | *" -c "* | *--state-dir* | *--config-fp* | *"$STATE"*)
		fail "worker $1's command line names configuration: $cmd" ;;
	esac
	ok "worker $1's command line names no configuration file or state directory"
}

login() { # NAME: a password login and a tunnel, certificate pinned
	OC_STDIN="$TMPD/pw" oc_connect "$1" "$SERVER_URL" --user alice --passwd-on-stdin ||
		fail "$1: no tunnel for alice"
	assert_ping "$1"
	oc_stop "$1"
}

wpid=$(worker_pid)
[ -n "$wpid" ] || fail "no worker"
check_cmdline "$wpid"
login a

# The files go away (copies kept), then the worker dies.
mkdir -p "$TMPD/saved"
mv "$conf" "$tp/server.pem" "$tp/server.key" "$TMPD/saved/"
mv "$tp/ca" "$TMPD/saved/ca"
ok "configuration file and trustpoint files removed"
kill -KILL "$wpid"
assert_log 100004 "pid $wpid\\) died" "100004: the worker's death is logged"
new_worker() { p=$(worker_pid); [ -n "$p" ] && [ "$p" != "$wpid" ]; }
wait_for 10 "the restarted worker" new_worker || fail "no worker after the kill"
npid=$(worker_pid)
check_cmdline "$npid"
login b
ok "the restarted worker (pid $npid) serves with the same certificate, the files gone"
assert_eq "$npid" "$(worker_pid)" "the restarted worker stayed up"
assert_eq 1 "$(log_lines 100004 | wc -l)" "one worker death (the kill), no failed restart"
assert_no_log 100512 '.' "nothing refused"

# The files come back: a reload reads them (and changes nothing workers use).
mv "$TMPD/saved/wcfg.conf" "$conf"
mv "$TMPD/saved/server.pem" "$TMPD/saved/server.key" "$tp/"
mv "$TMPD/saved/ca" "$tp/ca"
out=$(timeout -k 2 20 "$CTL" --socket "$STATE/ctl.sock" reload 2>&1) ||
	fail "sslvpnctl reload after the restore: $out"
assert_match "$out" 'the workers stay' "the same files: the workers stay"
login c

assert_server_alive
echo "PASS: $T_NAME"
