# shellcheck shell=bash
# RADIUS helpers of the S15 tests: a real FreeRADIUS (Debian freeradius,
# installed by scripts/test) started by the test inside its server
# namespace with a generated configuration directory (never the system
# service, never /etc/freeradius), and a forger answering with replies whose
# authenticators are wrong.
#
# radius_start NAME ADDR SECRET USERS [DELAY]
#   FreeRADIUS on ADDR:1812 (auth) and ADDR:1813 (accounting) in the server
#   namespace, clients 198.18.0.0/15 with SECRET, the users file USERS
#   (FreeRADIUS "files" syntax), accounting records in $TMPD/radius-NAME/detail,
#   DELAY seconds added before every answer (slow server).  Sets RAD_LOG[NAME].
#   RAD_AUTHORIZE: unlang put first in the authorize section (a challenge).
# radius_users_line USER PASSWORD [REPLY-ATTRS...]: a users-file entry.

# shellcheck disable=SC2034 # RAD_DIR and RAD_LOG are read by the tests
declare -gA RAD_LOG=() RAD_DIR=()
CTL="${top_builddir:?}/src/tools/sslvpnctl/sslvpnctl"

# radius_setup ADDR...: the test's start (lib_init, FreeRADIUS and
# sslvpnctl present, PKI, namespaces, state) and ADDRs on the server
# namespace's lo, where the RADIUS servers (or nothing) listen.
radius_setup() {
	local a
	lib_init
	radius_need
	[ -x "$CTL" ] || hard_error "$CTL not built"
	pki_ensure
	netns_setup
	state_init
	for a in "$@"; do
		ip -n "$NS_SRV" addr add "$a/32" dev lo
	done
}

radius_need() {
	command -v freeradius >/dev/null 2>&1 ||
		skip "freeradius not installed (scripts/test installs it)"
}

radius_start() { # NAME ADDR SECRET USERS [DELAY]
	local name=$1 addr=$2 secret=$3 users=$4 delay=${5:-0} d pid
	d="$TMPD/radius-$name"
	mkdir -p "$d/log" "$d/run"
	cp "$users" "$d/users"
	local delay_cfg='' delay_use=''
	if [ "$delay" != 0 ]; then
		# Debian's FreeRADIUS has no rlm_delay: a program that sleeps
		# (each request in its own server thread, up to 64 at once)
		delay_cfg="exec slow {
		wait = yes
		program = \"/bin/sleep $delay\"
		input_pairs = request
		shell_escape = yes
		timeout = $((delay + 5))
	}"
		delay_use=slow
	fi
	cat >"$d/radiusd.conf" <<RADCONF
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
logdir = $d/log
raddbdir = $d
radacctdir = $d
name = freeradius
confdir = \${raddbdir}
modconfdir = \${confdir}
run_dir = $d/run
db_dir = $d
libdir = /usr/lib/freeradius
pidfile = $d/run/radiusd.pid
max_request_time = 30
cleanup_delay = 2
max_requests = 4096
hostname_lookups = no
log {
	destination = files
	file = $d/log/radius.log
	auth = yes
	auth_badpass = no
	auth_goodpass = no
}
security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = no
}
thread pool {
	start_servers = 4
	max_servers = 64
	min_spare_servers = 2
	max_spare_servers = 64
	max_requests_per_server = 0
}
client lab {
	ipaddr = 198.18.0.0/15
	secret = "$secret"
	require_message_authenticator = yes
}
modules {
	pap {
	}
	files {
		filename = $d/users
	}
	detail {
		filename = $d/detail
		permissions = 0600
		header = "%t"
	}
	always reject {
		rcode = reject
	}
	always handled {
		rcode = handled
	}
	always ok {
		rcode = ok
	}
	$delay_cfg
}
server default {
	listen {
		type = auth
		ipaddr = $addr
		port = 1812
	}
	listen {
		type = acct
		ipaddr = $addr
		port = 1813
	}
	authorize {
		$delay_use
		${RAD_AUTHORIZE:-}
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
	}
	# FreeRADIUS 3.2.1 signs a reply only when it holds a
	# Message-Authenticator (3.2.5 always does: BlastRADIUS); sslvpnd
	# requires one on every reply.
	post-auth {
		update reply {
			&Message-Authenticator := 0x00
		}
		Post-Auth-Type REJECT {
			update reply {
				&Message-Authenticator := 0x00
			}
		}
	}
	preacct {
	}
	accounting {
		detail
	}
}
RADCONF
	chmod -R go-w "$d"
	RAD_DIR[$name]=$d
	RAD_LOG[$name]="$d/log/stdout"
	ip netns exec "$NS_SRV" freeradius -f -xx -l stdout -d "$d" >"${RAD_LOG[$name]}" 2>&1 &
	pid=$!
	track_pid "$pid"
	wait_for 10 "FreeRADIUS $name ready" grep -q 'Ready to process requests' "${RAD_LOG[$name]}" ||
		{ cat "${RAD_LOG[$name]}"; fail "FreeRADIUS $name did not start"; }
}

radius_users_line() { # USER PASSWORD [REPLY-ATTR...]
	local user=$1 pw=$2 first=1 a
	shift 2
	printf '%s Cleartext-Password := "%s"\n' "$user" "$pw"
	for a in "$@"; do
		if [ "$first" = 1 ]; then
			printf '\t%s' "$a"
			first=0
		else
			printf ',\n\t%s' "$a"
		fi
	done
	printf '\n\n'
}
