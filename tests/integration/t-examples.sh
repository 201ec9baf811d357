#!/bin/bash
# t-examples: every example configuration of etc/ passes `sslvpnd -t` as
# written.  The files an example names under /etc/sslvpnd (identity, CA
# certificates, a CRL, a CAPF directory, AnyConnect profiles) are made from
# the lab PKI in the test's directory, and /etc/sslvpnd and /var/lib/sslvpnd
# are moved there; nothing else of the example is changed.  A new example in
# etc/ is checked without touching this test; a path of a kind the test
# cannot make fails it (so an example cannot silently go unchecked).
# No daemon is started: the check is offline.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:?run through make check}/tests/integration/lib.sh"

lib_init
pki_ensure
state_init

etc="$TMPD/etc-sslvpnd"

# make_file PATH: the lab file standing for PATH (under $etc).  .key / .pem
# pairs are the lab server identity; a lone .pem is a CA; BASE.crl comes with
# BASE.pem as its issuer; a path with no extension is a CA directory
# (openssl rehash); .vpnm / .xml an AnyConnect profile.
make_file() {
	local f=$1 base=${1%.*} b
	b=$(basename "$f")
	mkdir -p "$(dirname "$f")"
	case $b in
	*.key) cp "$PKI/server/server.key" "$f" ;;
	*.crl) cp "$PKI/bad/capf.crl" "$f" ;;
	*.pem)
		if grep -qF "\"${base#"$etc"}.key\"" "$TMPD/refs"; then
			cp "$PKI/server/server.pem" "$f"
		elif grep -qF "\"${base#"$etc"}.crl\"" "$TMPD/refs"; then
			cp "$PKI/capf/root.pem" "$f" # the CRL's issuer
		else
			cp "$PKI/mic-sha2/root.pem" "$f"
		fi
		;;
	*.vpnm | *.xml)
		printf '<?xml version="1.0" encoding="UTF-8"?>\n<AnyConnectProfile xmlns="http://schemas.xmlsoap.org/encoding/"></AnyConnectProfile>\n' >"$f"
		;;
	*.*) fail "$b: the test cannot make a file of this kind for an example" ;;
	*)
		mkdir -p "$f"
		cp "$PKI/capf/root.pem" "$f/capf.pem"
		openssl rehash "$f" >/dev/null 2>&1 || fail "openssl rehash $f"
		;;
	esac
}

n=0
for ex in "$top_srcdir"/etc/*.conf; do
	name=etc/$(basename "$ex")
	conf="$TMPD/$(basename "$ex")"
	sed -e "s|/etc/sslvpnd|$etc|g" -e "s|/var/lib/sslvpnd|$STATE|g" "$ex" >"$conf"
	grep -o '"/etc/sslvpnd/[^"]*"' "$ex" | sed "s|\"/etc/sslvpnd|\"|" | sort -u >"$TMPD/refs"
	while read -r ref; do
		ref=${ref//\"/}
		[ -e "$etc$ref" ] || make_file "$etc$ref"
	done <"$TMPD/refs"
	out=$(timeout -k 2 30 "$SSLVPND" -t -c "$conf" --state-dir "$STATE" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/    /'
	assert_rc 0 "$rc" "$name passes sslvpnd -t"
	assert_match "$out" 'configuration OK' "$name: sslvpnd -t says configuration OK"
	n=$((n + 1))
done
[ "$n" -ge 2 ] || fail "only $n example configurations in etc/"
echo "PASS: $T_NAME"
