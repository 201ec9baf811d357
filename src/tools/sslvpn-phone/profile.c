/* Phone profiles and notify codes: both are tables, never code branches.
 *
 * Profile rows come from phones.md and the seed logs: the 8861's TLS offer
 * is the "new cipher ->" line of seed 000; the 7962G speaks TLS 1.0 only and
 * asks DTLS 0.9 for the cipher it got on TLS ("old session cipher not
 * returned" otherwise).
 */
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/time.h>

#include "phone.h"
#include "sslvpnd/util.h"

#define PHONE_UA "Cisco SVC IPPhone Client v1.0"
#define PHONE_TLS12 "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA:AES128-SHA"

/* clang-format off */
static const struct ph_profile profiles[] = {
	{ "7962G", TLS1_VERSION, TLS1_VERSION, "AES256-SHA:AES128-SHA",
	  "=", NULL, PHONE_UA, FLOW_SVC, "sha1", "CP-7962G-SEP8CB64F", 0 },
	{ "8861", TLS1_2_VERSION, TLS1_2_VERSION, PHONE_TLS12,
	  "AES256-SHA:AES128-SHA",
	  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256",
	  PHONE_UA, FLOW_SVC, "sha256", "CP-8861-SEP682C7B", 1 },
	{ "8841", TLS1_2_VERSION, TLS1_2_VERSION, PHONE_TLS12,
	  "AES256-SHA:AES128-SHA",
	  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256",
	  PHONE_UA, FLOW_SVC, "sha256", "CP-8841-SEP70DB98", 1 },
	{ "anyconnect", TLS1_2_VERSION, TLS1_2_VERSION, NULL,
	  "AES256-SHA:AES128-SHA",
	  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"
	  "AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-SHA:AES128-SHA",
	  "AnyConnect Linux_64 4.10.07061", FLOW_XML, "sha256",
	  "anyconnect-", 1 },
};

/* Codes 32 and 37 and their names are the phone's own (seed 000/001 logs);
 * the others are sslvpn-phone's, numbered from 200 so that nobody mistakes
 * them for firmware codes. */
static const struct ph_notify_row notifies[] = {
	{ NT_OK,         "Connected",        0,   0,  "tunnel up" },
	{ NT_USAGE,      "Usage",            200, 2,  "bad command line" },
	{ NT_CONFIG,     "ConfigErr",        201, 3,  "bad vpngroup configuration" },
	{ NT_DNS,        "DnsLookupErr",     32,  10, "url hostname lookup err" },
	{ NT_CONNECT,    "ConnectErr",       202, 11, "tcp connect failed" },
	{ NT_TLS,        "SslHandshakeErr",  203, 12, "ssl handshake failed" },
	{ NT_SRVCERT,    "SslAlertSrvrCert", 37,  13, "alert: Unknown CA (server cert)" },
	{ NT_HOSTID,     "SslAlertSrvrCert", 37,  14, "hostIDCheck failed" },
	{ NT_LOGIN,      "AuthFailed",       204, 15, "login failed" },
	{ NT_TUNNEL,     "TunnelRefused",    205, 16, "CONNECT refused" },
	{ NT_LOST,       "TunnelLost",       206, 17, "tunnel lost, reconnect failed" },
	{ NT_SERVER_BYE, "ServerDisconnect", 207, 18, "server disconnected the tunnel" },
	{ NT_DTLS,       "DtlsErr",          208, 19, "dtls setup failure" },
	{ NT_TRAFFIC,    "TrafficLoss",      209, 20, "traffic loss above limit" },
	{ NT_TIMEOUT,    "ConnTimeout",      210, 21, "conn timer expired, connect aborted" },
	{ NT_LOAD,       "LoadShort",        211, 30, "fewer sessions up than requested" },
	{ NT_INTERNAL,   "InternalErr",      212, 99, "internal error" },
};
/* clang-format on */

int ph_quiet;
int ph_verbose;

const struct ph_profile *profile_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++)
		if (!strcasecmp(profiles[i].name, name))
			return &profiles[i];
	return NULL;
}

void profile_list(FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++) {
		const struct ph_profile *p = &profiles[i];

		fprintf(f, "%-10s %s login, TLS %s%s, ciphers %s, DTLS %s%s%s, MIC %s\n",
			p->name, p->flow == FLOW_SVC ? "SVC" : "XML",
			p->tls_min == TLS1_VERSION ? "1.0" : "1.2",
			p->tls_max == p->tls_min ? " only" : "+",
			p->tls_ciphers ? p->tls_ciphers : "(OpenSSL default)",
			strcmp(p->dtls_ciphers, "=") ? p->dtls_ciphers : "0.9 with the TLS cipher",
			p->dtls12_ciphers ? ", 1.2 " : "",
			p->dtls12_ciphers ? p->dtls12_ciphers : "", p->mic_digest);
	}
}

const struct ph_notify_row *notify_row(enum ph_notify id)
{
	for (size_t i = 0; i < ARRAY_SIZE(notifies); i++)
		if (notifies[i].id == id)
			return &notifies[i];
	return &notifies[ARRAY_SIZE(notifies) - 1];
}

static void stamp(char *buf, size_t cap)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(buf, cap, "%b %d %H:%M:%S", &tm);

	snprintf(buf + n, cap - n, ".%06ld", (long)tv.tv_usec);
}

void vpnc_log(const char *func, const char *fmt, ...)
{
	char ts[48], msg[512];
	va_list ap;

	if (ph_quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	stamp(ts, sizeof(ts));
	fprintf(stderr, "NOT %s VPNC: -%s: %s\n", ts, func, msg);
}

void notify_print(const char *tag, enum ph_notify id, const char *desc)
{
	const struct ph_notify_row *r = notify_row(id);
	char ts[48];

	if (ph_quiet > 1)
		return;
	stamp(ts, sizeof(ts));
	if (id == NT_OK) {
		fprintf(stderr, "NOT %s VPNC: -set_login_state: %s VPNC : 1 (LoggingIn) --> 2 (Connected)\n",
			ts, tag);
		return;
	}
	fprintf(stderr,
		"NOT %s VPNC: -set_login_state: %s VPNC : 1 (LoggingIn) --> 3 (LoginFailed)\n"
		"NOT %s VPNC: -vpnc_send_notify: notify type: 1 [LoginFailed]\n"
		"NOT %s VPNC: -vpnc_send_notify: notify code: %d [%s]\n"
		"NOT %s VPNC: -vpnc_send_notify: notify desc: [%s]\n",
		ts, tag, ts, ts, r->code, r->name, ts, desc && *desc ? desc : r->desc);
}
