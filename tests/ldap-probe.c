/* ldap-probe: one ldapcli_login from the command line, then the entry
 * through an ldap attribute map of a configuration file: what secmod's LDAP
 * back-end does for one host, for tests against a real slapd.
 *
 *   ldap-probe -a ADDR -p PORT [-t plain|ldaps|starttls] [-C CA.pem]
 *              -b BASE [-s subtree|onelevel] [-n NAMING] [-D LOGIN-DN
 *              -W LOGIN-PW-FILE] [-T TIMEOUT] -u USER [-w PW-FILE]
 *              [-c CONF -m MAP]
 *
 * Without -w: authorization only (no bind as the user).  Prints
 * "status=...", "why=...", "dn=...", one "attr: value" line each, and
 * "map.CISCOATTR=value" for what the map sets.  Exit 0 when ok, 1 when not,
 * 2 on a usage or file error. */
#include "config.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sslvpnd/config.h"
#include "sslvpnd/ldapcli.h"
#include "sslvpnd/ldapmap.h"

static char *read_line(const char *path)
{
	static char buf[2][512];
	static int which;
	FILE *fp = fopen(path, "r");
	char *b = buf[which++ & 1];

	if (!fp || !fgets(b, sizeof(buf[0]), fp)) {
		fprintf(stderr, "ldap-probe: cannot read %s\n", path);
		exit(2);
	}
	fclose(fp);
	b[strcspn(b, "\n")] = '\0';
	return b;
}

static unsigned char *read_ca(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "r");
	X509 *x = fp ? PEM_read_X509(fp, NULL, NULL, NULL) : NULL;
	unsigned char *der = NULL;
	int n = x ? i2d_X509(x, &der) : -1;

	if (fp)
		fclose(fp);
	X509_free(x);
	if (n <= 0) {
		fprintf(stderr, "ldap-probe: no certificate in %s\n", path);
		exit(2);
	}
	*len = (size_t)n;
	return der;
}

static void print_map(const char *conf, const char *name, const struct ldapcli_result *r)
{
	struct sslvpnd_config *cfg = NULL;
	struct cfg_errors errs;
	const struct cfg_ldap_map *m;
	struct ldapmap_av av[LDAPCLI_MAX_AV];
	struct ldapmap_result out;

	if (config_load(conf, "/tmp", &cfg, &errs) < 0) {
		config_errors_print(stderr, &errs);
		exit(2);
	}
	if (!(m = config_ldap_map(cfg, name))) {
		fprintf(stderr, "ldap-probe: no ldap attribute map %s in %s\n", name, conf);
		exit(2);
	}
	for (size_t i = 0; i < r->n_av; i++)
		av[i] = (struct ldapmap_av){ r->av[i].attr, r->av[i].value };
	ldapmap_apply(m, av, r->n_av, &out);
	for (int c = 0; c < LDM__COUNT; c++)
		if (out.have & (1u << c))
			printf("map.%s=%s\n", ldapmap_cisco_name(c), out.v[c]);
	config_free(cfg);
}

int main(int argc, char **argv)
{
	struct ldapcli_server s = { .port = 389, .timeout = 5, .naming_attr = "uid",
				    .subtree = 1 };
	const char *user = NULL, *password = NULL, *conf = NULL, *map = NULL;
	static struct ldapcli_result r;
	int c;

	while ((c = getopt(argc, argv, "a:p:t:C:b:s:n:D:W:T:u:w:c:m:")) != -1) {
		switch (c) {
		case 'a': s.address = optarg; break;
		case 'p': s.port = atoi(optarg); break;
		case 't':
			s.tls = strcmp(optarg, "ldaps") == 0      ? LDAPCLI_LDAPS
				: strcmp(optarg, "starttls") == 0 ? LDAPCLI_STARTTLS
								  : LDAPCLI_PLAIN;
			break;
		case 'C': s.ca_der = read_ca(optarg, &s.ca_der_len); break;
		case 'b': s.base_dn = optarg; break;
		case 's': s.subtree = strcmp(optarg, "onelevel") != 0; break;
		case 'n': s.naming_attr = optarg; break;
		case 'D': s.login_dn = optarg; break;
		case 'W': s.login_password = read_line(optarg); break;
		case 'T': s.timeout = atoi(optarg); break;
		case 'u': user = optarg; break;
		case 'w': password = read_line(optarg); break;
		case 'c': conf = optarg; break;
		case 'm': map = optarg; break;
		default: return 2;
		}
	}
	if (!s.address || !s.base_dn || !user || (conf && !map)) {
		fprintf(stderr, "ldap-probe: -a, -b and -u are required (and -m with -c)\n");
		return 2;
	}
	if (ldapcli_init() < 0) {
		fprintf(stderr, "ldap-probe: ldapcli_init failed\n");
		return 2;
	}
	ldapcli_login(&s, user, password, &r);
	printf("status=%s\nwhy=%s\ndn=%s\n", ldapcli_status_name(r.status), r.why, r.dn);
	for (size_t i = 0; i < r.n_av; i++)
		printf("%s: %s\n", r.av[i].attr, r.av[i].value);
	if (conf && r.status == LDAPCLI_OK)
		print_map(conf, map, &r);
	OPENSSL_free((void *)(uintptr_t)s.ca_der);
	return r.status == LDAPCLI_OK ? 0 : 1;
}
