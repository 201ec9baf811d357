/* vpn-filter, main's half: the access lists a filter names, found in a
 * configuration and flattened into entries (aclfilter_gather) that travel
 * to the worker in TUNNEL_REP and are compiled there (src/common/aclfilter.c,
 * pure, linked by the worker). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/acl.h"
#include "sslvpnd/aclfilter.h"
#include "sslvpnd/config.h"

static const struct cfg_acl *lookup(const struct sslvpnd_config *cfg, const char *name,
				    char *err, size_t errlen)
{
	const struct cfg_acl *a = config_acl(cfg, name);

	if (!a) {
		snprintf(err, errlen, "access list \"%s\" is not defined", name);
		return NULL;
	}
	if (a->type != ACL_EXTENDED) {
		snprintf(err, errlen,
			 "access list \"%s\" is %s; a vpn-filter needs an extended list",
			 name, acl_type_name((enum acl_type)a->type));
		return NULL;
	}
	return a;
}

long aclfilter_gather(const struct sslvpnd_config *cfg, const char *names,
		      struct aclfilter_entry *out, size_t max, char *err,
		      size_t errlen)
{
	/* an empty filter: only its (checked) name list is used */
	struct aclfilter *f = aclfilter_build(names, NULL, 0, 0, err, errlen);
	size_t n = 0;

	if (!f)
		return -1;
	for (size_t i = 0; i < aclfilter_lists(f); i++) {
		const struct cfg_acl *a = lookup(cfg, aclfilter_list(f, i), err, errlen);

		if (!a) {
			aclfilter_free(f);
			return -1;
		}
		for (size_t j = 0; j < a->n; j++) {
			if (a->e[j].remark)
				continue;
			if (n < max)
				out[n] = (struct aclfilter_entry){ .list = (uint16_t)i, .e = a->e[j] };
			n++;
		}
	}
	aclfilter_free(f);
	if (n > max) {
		snprintf(err, errlen, "%zu entries, more than the %zu a tunnel can carry", n, max);
		return -1;
	}
	return (long)n;
}

struct aclfilter *aclfilter_compile(const struct sslvpnd_config *cfg,
				    const char *names, unsigned flags,
				    char *err, size_t errlen)
{
	size_t max = (size_t)ACLF_LISTS_MAX * ACL_MAX_ENTRIES;
	struct aclfilter_entry *e = calloc(max, sizeof(*e));
	struct aclfilter *f = NULL;
	long n;

	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = aclfilter_gather(cfg, names, e, max, err, errlen);
	if (n >= 0)
		f = aclfilter_build(names, e, (size_t)n, flags, err, errlen);
	free(e);
	return f;
}
