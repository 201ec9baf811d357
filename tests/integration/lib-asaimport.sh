# shellcheck shell=bash
# Helpers of the importer tests (t-import-*.sh), on top of lib.sh (source
# lib.sh first): an ASA configuration from tests/integration/asa/ with the
# lab PKI's CA certificates pasted in as the ASA prints them, through
# sslvpn-asa-import, into a configuration sslvpnd runs.

# shellcheck disable=SC2154 # top_builddir and top_srcdir come from lib.sh
ASA_IMPORT="$top_builddir/src/tools/asaimport/sslvpn-asa-import"
# shellcheck disable=SC2034 # read by the t-import-*.sh tests
ASA_FIXTURES="$top_srcdir/tests/integration/asa"

# asa_ca_chain NAME PEM: a CA trustpoint and its certificate as `show
# running-config` prints them (DER in hex, eight words of four bytes a line).
asa_ca_chain() {
	printf 'crypto ca trustpoint %s\n enrollment terminal\n' "$1"
	printf 'crypto ca certificate chain %s\n certificate ca 01\n' "$1"
	openssl x509 -in "$2" -outform DER | od -An -v -tx1 | tr -d ' \n' |
		fold -w 64 | sed 's/\(........\)/\1 /g; s/^/    /'
	printf '\n  quit\n'
}

# asa_lab_trustpoints: one CA trustpoint per certificate of the lab PKI's
# trust/ (seed 000 step 5: a new trustpoint name for each certificate).
asa_lab_trustpoints() {
	local f
	for f in "$PKI"/trust/*.pem; do
		asa_ca_chain "$(basename "$f" .pem)" "$f"
	done
}

# asa_import IN: run the importer on IN with --cert-dir $TMPD/certs; sets
# IMPORT_RC, IMPORT_OUT (the configuration) and IMPORT_REPORT (stderr).
asa_import() {
	IMPORT_OUT="$TMPD/imported.conf"
	IMPORT_REPORT="$TMPD/import.report"
	note "sslvpn-asa-import --cert-dir $TMPD/certs $*"
	timeout -k 2 30 "$ASA_IMPORT" --cert-dir "$TMPD/certs" "$@" >"$IMPORT_OUT" 2>"$IMPORT_REPORT"
	IMPORT_RC=$?
	sed 's/^/    /' "$IMPORT_REPORT"
}

# asa_assert_clean: the import succeeded with no ERROR in the report.
asa_assert_clean() {
	assert_rc 0 "$IMPORT_RC" "sslvpn-asa-import exit code"
	if grep -q ': ERROR: ' "$IMPORT_REPORT"; then
		fail "the import report has errors"
	fi
	ok "the import reports no error"
}

# asa_runnable OUT: the imported configuration with the test's process
# settings (state directory, one worker, logging to stderr) in front.
asa_runnable() {
	{
		printf 'general = { workers = 1; state-dir = "%s"; };\n' "$STATE"
		printf 'logging = { destination = "stderr"; format = "asa"; };\n'
		cat "$IMPORT_OUT"
	} >"$1"
}

# asa_checked OUT: asa_runnable OUT, then `sslvpnd -t` must accept it.
asa_checked() {
	local out rc
	asa_runnable "$1"
	out=$("$SSLVPND" -t -c "$1" --state-dir "$STATE" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/    /'
	assert_rc 0 "$rc" "sslvpnd -t accepts the imported $(basename "$1")"
}
