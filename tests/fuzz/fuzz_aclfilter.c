/* libFuzzer target: the vpn-filter packet check (src/policy/aclfilter.c)
 * on arbitrary bytes from the client or the tun device.
 *
 * One filter with entries of every kind (ports, masks, IPv4, IPv6, any) is
 * compiled once; every input is checked in both directions.  A verdict must
 * be one of the three, the explanation must agree with the check, and
 * nothing may be read outside the input (ASan).  config_acl is provided
 * here so the target links no configuration loader. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sslvpnd/acl.h"
#include "sslvpnd/aclfilter.h"
#include "sslvpnd/config.h"
#include "fuzz.h"

static const char *const entries[] = {
	"deny udp any 198.18.1.0 255.255.255.0 range 5000 5010",
	"permit icmp host 198.19.0.10 host 198.18.1.1",
	"permit tcp 198.19.0.0 255.255.255.0 eq 5060 any neq 80",
	"deny tcp any any lt 1024",
	"permit udp any any gt 16383",
	"permit 47 any any4",
	"permit icmp6 any6 2001:db8:1::/48",
	"deny tcp any6 host 2001:db8:1::1 eq 22",
	"permit ip 2001:db8:200::/64 any",
};

static struct cfg_acl acl;

const struct cfg_acl *config_acl(const struct sslvpnd_config *cfg, const char *name)
{
	(void)cfg;
	return strcmp(name, acl.name) == 0 ? &acl : NULL;
}

static struct aclfilter *filter(void)
{
	static struct aclfilter *f;
	const char *why;
	char err[128];

	if (f)
		return f;
	strcpy(acl.name, "FUZZ");
	acl.type = ACL_EXTENDED;
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		CHECK(acl_parse_entry(ACL_EXTENDED, entries[i], &acl.e[acl.n++], &why) == 0);
	f = aclfilter_compile(NULL, "FUZZ", 0, err, sizeof(err));
	CHECK(f != NULL);
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aclfilter *f = filter();
	struct aclfilter_info in;

	for (int dir = ACLF_UP; dir <= ACLF_DOWN; dir++) {
		enum aclfilter_verdict v = aclfilter_check(f, data, size, (enum aclfilter_dir)dir);

		CHECK(v == ACLF_PERMIT || v == ACLF_DENY || v == ACLF_MALFORMED);
		aclfilter_explain(f, data, size, (enum aclfilter_dir)dir, &in);
		CHECK(in.verdict == v);
		CHECK(v != ACLF_PERMIT || !in.implicit);
		CHECK(v == ACLF_MALFORMED || in.af == 4 || in.af == 6);
	}
	return 0;
}
