# shellcheck shell=bash
# lib-sessiondb.sh: the ASA's `show vpn-sessiondb detail anyconnect` block as
# the seeds print it, values masked, to diff ours against line for line.
#
# The layout is seed 004's detailed listing (the management tunnel) with
# seed 000's lines (Username and Index, License of a phone).  Whitespace is
# compared squeezed: the technotes' HTML collapsed the ASA's column padding.
# Two places where the technotes' formatting broke a line of the ASA's, and
# we keep the ASA's line: seed 000 prints "Index : 3" under Username with
# the right column's alignment (one line on the ASA, "Index" is its second
# column); seed 004 sets "Auth Mode : Certificate" apart as highlighted
# text (on the ASA it is the right column of the "UDP Dst Port" line).

# asa_block_expect KIND: the masked seed block, one ERE a line.  KIND is
# "phone" (License with the VPN phone line, Client OS of a phone) or
# "anyconnect" (openconnect: Client OS from its <device-id>, Linux here).
asa_block_expect() {
	local lic='AnyConnect Premium' os='Linux' enc='AnyConnect-Parent: \(1\)[^ ]+ SSL-Tunnel: \(1\)[^ ]+ DTLS-Tunnel: \(1\)[^ ]+'
	if [ "$1" = phone ]; then
		lic='AnyConnect Premium, AnyConnect for Cisco VPN Phone'
		os='Cisco IP Phone'
	fi
	cat <<RE
^Username : [^ ]+ Index : [0-9]+\$
^Assigned IP : [0-9.]+ Public IP : [0-9.]+\$
^Protocol : AnyConnect-Parent SSL-Tunnel DTLS-Tunnel\$
^License : $lic\$
^Encryption : $enc\$
^Hashing : $enc\$
^Bytes Tx : [0-9]+ Bytes Rx : [0-9]+\$
^Pkts Tx : [0-9]+ Pkts Rx : [0-9]+\$
^Pkts Tx Drop : [0-9]+ Pkts Rx Drop : [0-9]+\$
^Group Policy : [^ ]+ Tunnel Group : [^ ]+\$
^Login Time : [0-9]{2}:[0-9]{2}:[0-9]{2} UTC [A-Z][a-z]{2} [A-Z][a-z]{2} [1-9][0-9]? [0-9]{4}\$
^Duration : ([0-9]+d )?[0-9]+h:[0-9]{2}m:[0-9]{2}s\$
^Inactivity : [0-9]+h:[0-9]{2}m:[0-9]{2}s\$
^VLAN Mapping : N/A VLAN : none\$
^Audt Sess ID : [0-9a-f]{24}\$
^Security Grp : none\$
^\$
^AnyConnect-Parent Tunnels: 1\$
^SSL-Tunnel Tunnels: 1\$
^DTLS-Tunnel Tunnels: 1\$
^\$
^--- Output Omitted ---\$
^DTLS-Tunnel:\$
^Tunnel ID : [0-9]+\.3\$
^Assigned IP : [0-9.]+ Public IP : [0-9.]+\$
^Encryption : [^ ]+ Hashing : [^ ]+\$
^Ciphersuite : [^ ]+\$
^Encapsulation: DTLSv1\.[02] UDP Src Port : [0-9]+\$
^UDP Dst Port : [0-9]+ Auth Mode : Certificate\$
^Idle Time Out: [0-9]+ Minutes Idle TO Left : [0-9]+ Minutes\$
^Client OS : $os\$
^Client Type : DTLS VPN Client\$
^Client Ver : .+\$
^Bytes Tx : [0-9]+ Bytes Rx : [0-9]+\$
^Pkts Tx : [0-9]+ Pkts Rx : [0-9]+\$
^Pkts Tx Drop : [0-9]+ Pkts Rx Drop : [0-9]+\$
RE
}

# asa_block_of FILE USER: USER's block of a detailed listing, whitespace
# squeezed; the AnyConnect-Parent and SSL-Tunnel blocks, which the seed
# omits, become "--- Output Omitted ---" as in seed 004.
asa_block_of() {
	awk -v u="$2" '
		{ gsub(/^ +/, ""); gsub(/ +/, " ") }
		/^Username : / { on = ($3 == u); omit = 0 }
		!on { next }
		/^(AnyConnect-Parent|SSL-Tunnel):$/ { if (!omit) print "--- Output Omitted ---"; omit = 1; next }
		/^DTLS-Tunnel:$/ { omit = 0 }
		/^Filtered Tx / { exit }
		omit { next }
		{ print }
	' "$1" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# assert_asa_block FILE USER KIND WHAT: USER's block matches the masked
# seed block line for line (only values differ); on a mismatch both are
# shown from the first differing line.
assert_asa_block() {
	local file=$1 user=$2 kind=$3 what=$4 i=0 line re
	local -a got want
	mapfile -t got < <(asa_block_of "$file" "$user")
	mapfile -t want < <(asa_block_expect "$kind")
	[ "${#got[@]}" -gt 0 ] || fail "$what: no block for $user in $file"
	for ((i = 0; i < ${#want[@]} || i < ${#got[@]}; i++)); do
		line=${got[$i]-<missing>}
		re=${want[$i]-<none: ours has more lines>}
		if ! printf '%s\n' "$line" | grep -Eq -- "$re"; then
			printf '  line %d: ours   <%s>\n  line %d: seed   /%s/\n' \
				$((i + 1)) "$line" $((i + 1)) "$re"
			printf '  our block:\n'
			printf '    %s\n' "${got[@]}"
			fail "$what: differs from the seed's layout"
		fi
	done
	ok "$what: ${#got[@]} lines, only values differ from the seed's"
}
