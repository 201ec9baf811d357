# shellcheck shell=bash
# A real LDAP directory for the AAA tests (t-ldap-*.sh), on top of lib.sh:
# Debian's slapd, started by the test in the server namespace (never the
# system instance, never debconf's database) from a generated slapd.conf
# with an mdb database in $TMPD/slapd, listening on $LDAP_IP: ldap 389
# (StartTLS offered) and ldaps 636.  The memberof overlay maintains memberOf
# on the users as the groups are added (ldapadd after start: slapadd would
# bypass the overlay).
#
# The directory (base $LDAP_BASE):
#   ou=service  cn=svc                 the service account ($LDAP_SVC_DN,
#                                      password in $LDAP_SVC_PWFILE)
#   ou=people   uid=alice              memberOf Phones and Staff
#               uid=bob                memberOf Engineers, vpnProtocols 4
#               uid=carol              no group
#               uid=CP-8861-SEP682C7B40B5CE  the lab SHA-2 MIC's CN: memberOf Phones
#               uid=twin (twice: ou=people and ou=other)  an ambiguous name
#   ou=groups   cn=Phones cn=Staff cn=Engineers  (groupOfNames)
# Every user's password is $LDAP_USER_PW.
#
# TLS: a CA made here ("LAB Directory CA", $LDAP_CA) signs the server's
# certificate (SAN IP:$LDAP_IP); $LDAP_ROGUE_CA is a CA that signed nothing
# of the server's (the wrong-CA case).
SLAPD=$(command -v slapd || echo /usr/sbin/slapd)
LDAP_IP=198.18.2.1
LDAP_BASE="dc=example,dc=com"
LDAP_SVC_DN="cn=svc,ou=service,$LDAP_BASE"
LDAP_USER_PW='Dir3ctory-pa55<x>&y;z'
LDAP_SVC_PW='svc-Secret-42'
LDAP_ROOT_PW='root-Secret-42'
LDAP_DIR=
LDAP_CA=
LDAP_ROGUE_CA=
LDAP_SVC_PWFILE=
LDAP_USER_PWFILE=
SLAPD_PID=
SLAPD_LOG=

# slapd_pki: the directory's CA, server certificate and a rogue CA.
slapd_pki() {
	local d=$LDAP_DIR/tls
	mkdir -p "$d"
	{
		openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=LAB Directory CA" \
			-keyout "$d/ca.key" -out "$d/ca.pem" &&
			openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=LAB Rogue Directory CA" \
				-keyout "$d/rogue.key" -out "$d/rogue.pem" &&
			openssl req -newkey rsa:2048 -nodes -subj "/CN=ldap.lab.example" \
				-keyout "$d/server.key" -out "$d/server.csr" &&
			printf 'subjectAltName=IP:%s,DNS:ldap.lab.example\nextendedKeyUsage=serverAuth\n' \
				"$LDAP_IP" >"$d/ext" &&
			openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
				-CAcreateserial -days 30 -extfile "$d/ext" -out "$d/server.pem"
	} >"$d/openssl.log" 2>&1 || {
		cat "$d/openssl.log"
		hard_error "slapd: could not make the directory's certificates"
	}
	LDAP_CA=$d/ca.pem
	LDAP_ROGUE_CA=$d/rogue.pem
}

# slapd_init: check slapd, make $LDAP_DIR, the certificates, slapd.conf and
# the LDIF; add $LDAP_IP to the server namespace's loopback.
slapd_init() {
	[ -x "$SLAPD" ] || hard_error "slapd not installed (Debian packages slapd ldap-utils, scripts/deps.sh)"
	command -v ldapadd >/dev/null || hard_error "ldapadd not installed (Debian package ldap-utils)"
	LDAP_DIR=$TMPD/slapd
	mkdir -p "$LDAP_DIR/db"
	slapd_pki
	LDAP_SVC_PWFILE=$LDAP_DIR/svc.pw
	LDAP_USER_PWFILE=$LDAP_DIR/user.pw
	printf '%s\n' "$LDAP_SVC_PW" >"$LDAP_SVC_PWFILE"
	printf '%s\n' "$LDAP_USER_PW" >"$LDAP_USER_PWFILE"
	cat >"$LDAP_DIR/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $LDAP_DIR/slapd.pid
argsfile $LDAP_DIR/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
TLSCACertificateFile $LDAP_DIR/tls/ca.pem
TLSCertificateFile $LDAP_DIR/tls/server.pem
TLSCertificateKeyFile $LDAP_DIR/tls/server.key
database mdb
maxsize 16777216
suffix "$LDAP_BASE"
rootdn "cn=admin,$LDAP_BASE"
rootpw $LDAP_ROOT_PW
directory $LDAP_DIR/db
index objectClass eq
index uid eq
overlay memberof
access to attrs=userPassword by anonymous auth by self read by * none
access to * by users read by * none
CONF
	slapd_ldif >"$LDAP_DIR/data.ldif"
	ip -n "$NS_SRV" addr add "$LDAP_IP/32" dev lo || fail "ip addr add $LDAP_IP"
}

slapd_user() { # UID [extra LDIF lines]
	printf 'dn: uid=%s,ou=people,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\nuserPassword: %s\n' \
		"$1" "$LDAP_BASE" "$1" "$1" "$1" "$LDAP_USER_PW"
	[ -z "${2:-}" ] || printf '%s\n' "$2"
	echo
}

slapd_group() { # CN MEMBER-UID...
	local cn=$1 u
	shift
	printf 'dn: cn=%s,ou=groups,%s\nobjectClass: groupOfNames\ncn: %s\n' "$cn" "$LDAP_BASE" "$cn"
	for u in "$@"; do
		printf 'member: uid=%s,ou=people,%s\n' "$u" "$LDAP_BASE"
	done
	echo
}

slapd_ldif() {
	local ou
	printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n' \
		"$LDAP_BASE"
	for ou in service people groups other; do
		printf 'dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n' "$ou" "$LDAP_BASE" "$ou"
	done
	printf 'dn: %s\nobjectClass: inetOrgPerson\ncn: svc\nsn: svc\nuserPassword: %s\n\n' \
		"$LDAP_SVC_DN" "$LDAP_SVC_PW"
	slapd_user alice "mail: alice@example.com"
	slapd_user bob "employeeType: 4"
	slapd_user carol
	slapd_user CP-8861-SEP682C7B40B5CE
	slapd_user twin
	printf 'dn: uid=twin,ou=other,%s\nobjectClass: inetOrgPerson\nuid: twin\ncn: twin\nsn: twin\n\n' \
		"$LDAP_BASE"
	slapd_group Phones alice CP-8861-SEP682C7B40B5CE
	slapd_group Staff alice
	slapd_group Engineers bob
}

slapd_listening() { ip netns exec "$NS_SRV" ss -ltn "sport = :636" | grep -q LISTEN; }

# slapd_start: slapd in the foreground of a tracked process (-d: logs the
# connections, binds and searches to $SLAPD_LOG), listening within 10 s, the
# directory loaded; sets SLAPD_PID.
slapd_start() {
	SLAPD_LOG=$LDAP_DIR/slapd.log
	"${LIB_LAUNCH[@]}" ip netns exec "$NS_SRV" "$SLAPD" -d 256 -f "$LDAP_DIR/slapd.conf" \
		-h "ldap://$LDAP_IP:389/ ldaps://$LDAP_IP:636/" >>"$SLAPD_LOG" 2>&1 </dev/null &
	SLAPD_PID=$!
	track_pid "$SLAPD_PID"
	wait_for 10 "slapd listening" slapd_listening || fail "slapd: $(tail -n 20 "$SLAPD_LOG")"
	if [ ! -f "$LDAP_DIR/.loaded" ]; then
		timeout 20 ip netns exec "$NS_SRV" ldapadd -x -H "ldap://$LDAP_IP" \
			-D "cn=admin,$LDAP_BASE" -w "$LDAP_ROOT_PW" -f "$LDAP_DIR/data.ldif" \
			>"$LDAP_DIR/ldapadd.log" 2>&1 || fail "ldapadd: $(tail -n 5 "$LDAP_DIR/ldapadd.log")"
		touch "$LDAP_DIR/.loaded"
	fi
}

# slapd_stop: stop our slapd (the LDAP-down cases); slapd_start starts it again.
slapd_stop() {
	stop_pid "$SLAPD_PID"
	SLAPD_PID=
}
