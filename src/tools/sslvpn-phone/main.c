/* sslvpn-phone: command line, single-phone mode, load mode and the report.
 *
 * Single mode (--sessions 1, the default) behaves like one phone and exits
 * with the exit code of its notify code.  Load mode ramps N sessions at R/s
 * on one libev loop per process (--procs forks), holds them, and prints a
 * report; every run is bounded by --deadline.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdnoreturn.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "phone.h"
#include "sslvpnd/util.h"

struct ph_opts opt;
X509 *mic_chain;

struct cred {
	X509 *cert;
	EVP_PKEY *key;
};

struct run_state {
	struct phone_run run;
	struct session **sess;
	struct cred *creds;
	unsigned n, base, started, concurrent, peak;
	double rate;
	ev_timer ramp, progress, deadline;
	ev_signal sigint, sigterm;
	uint64_t t0;
	int stopping;
};

static struct run_state R;

/* ------------------------------------------------------------ options */

enum {
	O_VPNGROUP = 256, O_URL, O_HASH, O_NOPIN, O_HOSTID, O_NOHOSTID, O_MTU, O_FCT,
	O_AUTHM, O_FLOW, O_CERT, O_KEY, O_MICDIR, O_CACERT, O_CAKEY, O_USER, O_PASS,
	O_RESOLVE, O_NODTLS, O_REQDTLS, O_DTLSTMO, O_PING, O_PINGN, O_VOICE, O_VSECS,
	O_VPPS, O_VSIZE, O_MAXLOSS, O_RECONN, O_HOLD, O_SESS, O_RATE, O_PROCS, O_SRC,
	O_JSON, O_DEADLINE, O_DPD, O_ECHO, O_LIST, O_CNBASE, O_VEVERY, O_REBIND,
	O_DRETRY, O_RRETRY, O_RESUME,
};

static const struct option longopts[] = {
	{ "profile", required_argument, NULL, 'p' },
	{ "vpngroup", required_argument, NULL, O_VPNGROUP },
	{ "url", required_argument, NULL, O_URL },
	{ "cert-hash", required_argument, NULL, O_HASH },
	{ "no-pin", no_argument, NULL, O_NOPIN },
	{ "host-id-check", no_argument, NULL, O_HOSTID },
	{ "no-host-id-check", no_argument, NULL, O_NOHOSTID },
	{ "mtu", required_argument, NULL, O_MTU },
	{ "fail-connect-time", required_argument, NULL, O_FCT },
	{ "auth-method", required_argument, NULL, O_AUTHM },
	{ "auth-flow", required_argument, NULL, O_FLOW },
	{ "cert", required_argument, NULL, O_CERT },
	{ "key", required_argument, NULL, O_KEY },
	{ "mic-dir", required_argument, NULL, O_MICDIR },
	{ "ca-cert", required_argument, NULL, O_CACERT },
	{ "ca-key", required_argument, NULL, O_CAKEY },
	{ "cn-base", required_argument, NULL, O_CNBASE },
	{ "username", required_argument, NULL, O_USER },
	{ "password", required_argument, NULL, O_PASS },
	{ "resolve", required_argument, NULL, O_RESOLVE },
	{ "no-dtls", no_argument, NULL, O_NODTLS },
	{ "require-dtls", no_argument, NULL, O_REQDTLS },
	{ "dtls-timeout", required_argument, NULL, O_DTLSTMO },
	{ "ping", required_argument, NULL, O_PING },
	{ "ping-count", required_argument, NULL, O_PINGN },
	{ "voice", required_argument, NULL, O_VOICE },
	{ "voice-secs", required_argument, NULL, O_VSECS },
	{ "voice-pps", required_argument, NULL, O_VPPS },
	{ "voice-size", required_argument, NULL, O_VSIZE },
	{ "voice-every", required_argument, NULL, O_VEVERY },
	{ "max-loss", required_argument, NULL, O_MAXLOSS },
	{ "reconnect-after", required_argument, NULL, O_RECONN },
	{ "dtls-rebind", required_argument, NULL, O_REBIND },
	{ "dtls-retry", required_argument, NULL, O_DRETRY },
	{ "hold", required_argument, NULL, O_HOLD },
	{ "sessions", required_argument, NULL, O_SESS },
	{ "rate", required_argument, NULL, O_RATE },
	{ "procs", required_argument, NULL, O_PROCS },
	{ "source-range", required_argument, NULL, O_SRC },
	{ "source-addrs", required_argument, NULL, O_SRC },
	{ "reconnect-retries", required_argument, NULL, O_RRETRY },
	{ "resume", no_argument, NULL, O_RESUME },
	{ "json", no_argument, NULL, O_JSON },
	{ "deadline", required_argument, NULL, O_DEADLINE },
	{ "dpd", required_argument, NULL, O_DPD },
	{ "echo-server", required_argument, NULL, O_ECHO },
	{ "list-profiles", no_argument, NULL, O_LIST },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sslvpn-phone [-p PROFILE] [--vpngroup FILE] [--url URL]... [--cert-hash H]...\n"
		"         [--cert PEM --key PEM | --ca-cert PEM --ca-key PEM | --mic-dir DIR]\n"
		"         [--ping ADDR] [--voice ADDR:PORT --voice-secs S] [--hold S]\n"
		"         [--sessions N --rate R --procs P --source-addrs A-B|A/LEN] [--resume] [--json]\n"
		"       sslvpn-phone --echo-server ADDR:PORT [--hold S]\n"
		"       sslvpn-phone --list-profiles\n"
		"See sslvpn-phone(1).\n");
}

static noreturn void die(enum ph_notify n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static noreturn void die(enum ph_notify n, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sslvpn-phone: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(notify_row(n)->exit_code);
}

static int num(const char *s, const char *what, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < lo || v > hi)
		die(NT_USAGE, "%s: want %ld..%ld, got '%s'", what, lo, hi, s);
	return (int)v;
}

static void parse_addrport(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *c = strrchr(s, ':');

	if (!c || (size_t)(c - s) >= sizeof(host))
		die(NT_USAGE, "want ADDR:PORT, got '%s'", s);
	memcpy(host, s, (size_t)(c - s));
	host[c - s] = 0;
	sa->sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		die(NT_USAGE, "not an IPv4 address: '%s'", host);
	sa->sin_port = htons((uint16_t)num(c + 1, "port", 1, 65535));
}

static void read_vpngroup(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[65536], err[256];

	if (!f)
		die(NT_CONFIG, "%s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);

	fclose(f);
	buf[n] = 0;
	if (vpngroup_parse(&opt.vg, buf, n, err, sizeof(err)) < 0)
		die(NT_CONFIG, "%s: %s", path, err);
}

/* One case per option (over 100 lines, but flat): values are checked here,
 * cross-checks follow the loop. */
static void parse_opts(int argc, char **argv, const char **echo)
{
	int c, hostid = -1, mtu = 0, fct = 0, authm = -1, n_url = 0, n_hash = 0;
	const char *vpngroup = NULL, *urls[PH_MAX_URLS], *hashes[PH_MAX_HASHES];

	opt.prof = profile_find("8861");
	opt.flow_override = -1;
	opt.dtls_timeout = 5;
	opt.ping_count = 5;
	opt.voice_secs = 5;
	opt.voice_pps = 50;
	opt.voice_size = 200;
	opt.voice_every = 1;
	opt.max_loss = -1;
	opt.sessions = 1;
	opt.procs = 1;
	opt.rate = 50;
	opt.reconnect_retries = 3;
	vpngroup_defaults(&opt.vg);
	while ((c = getopt_long(argc, argv, "p:vqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!(opt.prof = profile_find(optarg)))
				die(NT_USAGE, "unknown profile '%s' (see --list-profiles)", optarg);
			break;
		case 'v': ph_verbose++; break;
		case 'q': ph_quiet++; break;
		case 'h': usage(stdout); exit(0);
		case O_VPNGROUP: vpngroup = optarg; break;
		case O_URL:
			if (n_url >= PH_MAX_URLS)
				die(NT_USAGE, "at most %d --url", PH_MAX_URLS);
			urls[n_url++] = optarg;
			break;
		case O_HASH:
			if (n_hash >= PH_MAX_HASHES)
				die(NT_USAGE, "at most %d --cert-hash", PH_MAX_HASHES);
			hashes[n_hash++] = optarg;
			break;
		case O_NOPIN: opt.no_pin = 1; break;
		case O_HOSTID: hostid = 1; break;
		case O_NOHOSTID: hostid = 0; break;
		case O_MTU: mtu = num(optarg, "--mtu", 256, 1500); break;
		case O_FCT: fct = num(optarg, "--fail-connect-time", 1, 600); break;
		case O_AUTHM: authm = num(optarg, "--auth-method", 0, 2); break;
		case O_FLOW:
			if (!strcasecmp(optarg, "svc"))
				opt.flow_override = FLOW_SVC;
			else if (!strcasecmp(optarg, "xml"))
				opt.flow_override = FLOW_XML;
			else
				die(NT_USAGE, "--auth-flow: svc or xml");
			break;
		case O_CERT: opt.cert = optarg; break;
		case O_KEY: opt.key = optarg; break;
		case O_MICDIR: opt.mic_dir = optarg; break;
		case O_CACERT: opt.ca_cert = optarg; break;
		case O_CAKEY: opt.ca_key = optarg; break;
		case O_CNBASE: opt.cn_base = (unsigned)num(optarg, "--cn-base", 0, 0xffffff); break;
		case O_USER: opt.username = optarg; break;
		case O_PASS: opt.password = optarg; break;
		case O_RESOLVE: {
			const char *col = strchr(optarg, ':');

			if (!col || (size_t)(col - optarg) >= sizeof(opt.resolve_name) ||
			    inet_pton(AF_INET, col + 1, &opt.resolve_addr) != 1)
				die(NT_USAGE, "--resolve NAME:IPV4");
			memcpy(opt.resolve_name, optarg, (size_t)(col - optarg));
			opt.have_resolve = 1;
			break;
		}
		case O_NODTLS: opt.no_dtls = 1; break;
		case O_REQDTLS: opt.require_dtls = 1; break;
		case O_DTLSTMO: opt.dtls_timeout = num(optarg, "--dtls-timeout", 1, 120); break;
		case O_PING:
			if (inet_pton(AF_INET, optarg, &opt.ping_dst) != 1)
				die(NT_USAGE, "--ping: IPv4 address");
			break;
		case O_PINGN: opt.ping_count = num(optarg, "--ping-count", 0, 100000); break;
		case O_VOICE: parse_addrport(optarg, &opt.voice_dst); break;
		case O_VSECS: opt.voice_secs = num(optarg, "--voice-secs", 1, 86400); break;
		case O_VPPS: opt.voice_pps = num(optarg, "--voice-pps", 1, 1000); break;
		case O_VSIZE: opt.voice_size = num(optarg, "--voice-size", 44, 1400); break;
		case O_VEVERY: opt.voice_every = num(optarg, "--voice-every", 1, 100000); break;
		case O_MAXLOSS: opt.max_loss = atof(optarg); break;
		case O_RECONN: opt.reconnect_after = num(optarg, "--reconnect-after", 1, 86400); break;
		case O_REBIND: opt.dtls_rebind = num(optarg, "--dtls-rebind", 1, 86400); break;
		case O_DRETRY: opt.dtls_retry = num(optarg, "--dtls-retry", 0, 1000); break;
		case O_RRETRY:
			opt.reconnect_retries = num(optarg, "--reconnect-retries", 0, 1000);
			break;
		case O_RESUME: opt.resume = 1; break;
		case O_HOLD: opt.hold = num(optarg, "--hold", 0, 86400); break;
		case O_SESS: opt.sessions = num(optarg, "--sessions", 1, 100000); break;
		case O_RATE:
			opt.rate = atof(optarg);
			if (opt.rate <= 0 || opt.rate > 100000)
				die(NT_USAGE, "--rate: sessions per second > 0");
			break;
		case O_PROCS: opt.procs = num(optarg, "--procs", 1, 64); break;
		case O_SRC:
			if (src_range_parse(optarg, &opt.src_lo, &opt.src_hi) < 0)
				die(NT_USAGE, "--source-addrs '%s': want A, A-B with A <= B, or A/LEN",
				    optarg);
			opt.have_src = 1;
			break;
		case O_JSON: opt.json = 1; break;
		case O_DEADLINE: opt.deadline = num(optarg, "--deadline", 1, 86400 * 7); break;
		case O_DPD: opt.dpd_override = num(optarg, "--dpd", 1, 3600); break;
		case O_ECHO: *echo = optarg; break;
		case O_LIST: profile_list(stdout); exit(0);
		default: usage(stderr); exit(notify_row(NT_USAGE)->exit_code);
		}
	}
	if (optind < argc)
		die(NT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (*echo)
		return;
	if (vpngroup)
		read_vpngroup(vpngroup);
	/* flags override the file, like a phone's local settings would not */
	if (n_url)
		opt.vg.n_url = 0;
	for (int i = 0; i < n_url; i++)
		if (vpngroup_add_url(&opt.vg, urls[i]) < 0)
			die(NT_USAGE, "--url %s: want https://host[:port][/path]", urls[i]);
	for (int i = 0; i < n_hash; i++)
		if (vpngroup_add_hash(&opt.vg, hashes[i]) < 0)
			die(NT_USAGE, "--cert-hash %s: want base64 (28 chars) or 40 hex SHA-1", hashes[i]);
	if (hostid >= 0)
		opt.vg.host_id_check = hostid;
	if (mtu)
		opt.vg.mtu = mtu;
	if (fct)
		opt.vg.fail_connect_time = fct;
	if (authm >= 0)
		opt.vg.auth_method = authm;
	if (!opt.vg.n_url)
		die(NT_USAGE, "no URL: give --url or --vpngroup");
	if (!opt.no_pin && !opt.vg.n_hash)
		die(NT_USAGE, "no certificate hash: give --cert-hash, certHashN in --vpngroup, or --no-pin");
	if (opt.vg.auth_method == 2 && !opt.cert && !opt.mic_dir && !(opt.ca_cert && opt.ca_key))
		die(NT_USAGE, "certificate authentication needs --cert, --mic-dir or --ca-cert/--ca-key");
	if (opt.sessions > 1 && opt.cert)
		fprintf(stderr, "sslvpn-phone: note: all %d sessions share the MIC %s\n",
			opt.sessions, opt.cert);
	if (opt.procs > opt.sessions)
		opt.procs = opt.sessions;
}

/* ------------------------------------------------------------ MICs */

static X509 *load_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	return x;
}

static EVP_PKEY *load_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	return k;
}

static int pem_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && !strcmp(d->d_name + n - 4, ".pem");
}

/* creds for sessions base..base+n-1 */
static void make_creds(unsigned base, unsigned n)
{
	R.creds = calloc(n, sizeof(*R.creds));
	if (!R.creds)
		die(NT_INTERNAL, "out of memory");
	if (opt.ca_cert && opt.ca_key) {
		X509 *ca = load_cert(opt.ca_cert);
		EVP_PKEY *cak = load_key(opt.ca_key), *key = mic_key_rsa();

		if (!ca || !cak || !key)
			die(NT_CONFIG, "cannot load the lab CA %s / %s", opt.ca_cert, opt.ca_key);
		mic_chain = ca;
		for (unsigned i = 0; i < n; i++) {
			char cn[64];

			snprintf(cn, sizeof(cn), "%s%06X", opt.prof->mic_cn_prefix,
				 (opt.cn_base + base + i) & 0xffffffu);
			if (mic_make(ca, cak, key, cn, opt.prof->mic_digest, &R.creds[i].cert) < 0)
				die(NT_CONFIG, "cannot issue MIC %s", cn);
			EVP_PKEY_up_ref(key);
			R.creds[i].key = key;
		}
		EVP_PKEY_free(key);
		EVP_PKEY_free(cak);
		return;
	}
	if (opt.mic_dir) {
		struct dirent **list;
		int m = scandir(opt.mic_dir, &list, pem_filter, alphasort);

		if (m <= 0)
			die(NT_CONFIG, "%s: no *.pem MICs", opt.mic_dir);
		for (unsigned i = 0; i < n; i++) {
			char cp[1024], kp[1024];
			const char *name = list[(base + i) % (unsigned)m]->d_name;

			snprintf(cp, sizeof(cp), "%s/%s", opt.mic_dir, name);
			snprintf(kp, sizeof(kp), "%s/%.*s.key", opt.mic_dir, (int)strlen(name) - 4, name);
			R.creds[i].cert = load_cert(cp);
			R.creds[i].key = load_key(kp);
			if (!R.creds[i].cert || !R.creds[i].key)
				die(NT_CONFIG, "cannot load MIC %s / %s", cp, kp);
		}
		for (int i = 0; i < m; i++)
			free(list[i]);
		free(list);
	}
}

/* ------------------------------------------------------------ the run */

static void all_stop(const char *why)
{
	if (R.stopping)
		return;
	R.stopping = 1;
	ev_timer_stop(R.run.loop, &R.ramp);
	for (unsigned i = 0; i < R.started; i++)
		session_stop(R.sess[i], why);
	ev_break(R.run.loop, EVBREAK_ALL);
}

static void on_up(struct phone_run *run, struct session *s)
{
	(void)run;
	(void)s;
	if (++R.concurrent > R.peak)
		R.peak = R.concurrent;
}

static void on_done(struct phone_run *run, struct session *s)
{
	struct session_result r;

	session_result(s, &r);
	if (r.up && R.concurrent)
		R.concurrent--;
	if (run->n_done == R.n && !R.stopping) {
		R.stopping = 1;
		ev_timer_stop(run->loop, &R.ramp);
		ev_break(run->loop, EVBREAK_ALL);
	}
}

static void ramp_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	/* start as many as the elapsed time allows (the timer may lag) */
	double el = (double)(now_us() - R.t0) / 1e6;
	unsigned want = (unsigned)(el * R.rate) + 1;

	while (R.started < R.n && R.started < want) {
		struct session *s = R.sess[R.started++];

		session_start(s);
	}
	if (R.started >= R.n)
		ev_timer_stop(loop, w);
}

static void progress_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	if (opt.sessions <= 1 || opt.json > 1)
		return;
	fprintf(stderr, "sslvpn-phone[%d]: %5.1fs started %u/%u up %u (peak %u) done %u\n",
		(int)getpid(), (double)(now_us() - R.t0) / 1e6, R.started, R.n, R.concurrent,
		R.peak, R.run.n_done);
}

static void deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	fprintf(stderr, "sslvpn-phone: deadline reached, stopping\n");
	all_stop("deadline");
}

static void sig_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	all_stop("signal");
}

static int default_deadline(void)
{
	int t = (int)((double)opt.sessions / opt.rate) + opt.vg.fail_connect_time * opt.vg.n_url +
		opt.hold + opt.dtls_timeout + 30;

	if (opt.voice_dst.sin_port)
		t += opt.voice_secs;
	if (opt.ping_dst.s_addr)
		t += opt.ping_count / 5 + 1;
	/* a loss may fail over through every URL, failConnectTime each */
	if (opt.reconnect_after)
		t += opt.reconnect_after + opt.vg.fail_connect_time * opt.vg.n_url;
	return t;
}

/* Run sessions base..base+n-1 in this process; fills results. */
static void run_sessions(unsigned base, unsigned n, double rate, struct session_result *res)
{
	memset(&R, 0, sizeof(R));
	R.n = n;
	R.base = base;
	R.rate = rate;
	R.run.loop = ev_default_loop(0);
	R.run.tls = tlsctx_new(opt.prof);
	if (!R.run.tls)
		die(NT_INTERNAL, "TLS context for profile %s", opt.prof->name);
	R.run.on_done = on_done;
	R.run.on_up = on_up;
	make_creds(base, n);
	R.sess = calloc(n, sizeof(*R.sess));
	for (unsigned i = 0; i < n; i++)
		if (!R.sess || !(R.sess[i] = session_new(&R.run, base + i, R.creds[i].cert,
							 R.creds[i].key)))
			die(NT_INTERNAL, "out of memory");
	R.t0 = now_us();
	ev_timer_init(&R.ramp, ramp_cb, 0, 1.0 / rate > 0.001 ? 1.0 / rate : 0.001);
	ev_timer_start(R.run.loop, &R.ramp);
	ev_timer_init(&R.progress, progress_cb, 1.0, 1.0);
	ev_timer_start(R.run.loop, &R.progress);
	ev_timer_init(&R.deadline, deadline_cb, opt.deadline, 0);
	ev_timer_start(R.run.loop, &R.deadline);
	ev_signal_init(&R.sigint, sig_cb, SIGINT);
	ev_signal_start(R.run.loop, &R.sigint);
	ev_signal_init(&R.sigterm, sig_cb, SIGTERM);
	ev_signal_start(R.run.loop, &R.sigterm);
	ev_run(R.run.loop, 0);
	for (unsigned i = 0; i < n; i++) {
		session_result(R.sess[i], &res[i]);
		if (i >= R.started && res[i].fail == NT_OK) {
			res[i].fail = NT_TIMEOUT;
			snprintf(res[i].fail_desc, sizeof(res[i].fail_desc), "never started (deadline)");
		}
	}
	progress_cb(R.run.loop, NULL, 0);
	for (unsigned i = 0; i < n; i++) {
		session_free(R.sess[i]);
		X509_free(R.creds[i].cert);
		EVP_PKEY_free(R.creds[i].key);
	}
	free(R.sess);
	free(R.creds);
	SSL_CTX_free(R.run.tls);
}

/* ------------------------------------------------------------ report */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(const double *v, unsigned n, double p)
{
	if (!n)
		return 0;
	unsigned i = (unsigned)ceil(p / 100.0 * n);

	return v[i ? i - 1 : 0];
}

struct agg {
	unsigned n, up, held, dtls, dtls09, dtls12, reconn, reconn_same, resumed;
	double p50, p95, p99, pmax;
	uint64_t vtx, vrx, ptx, prx, drop, dtls_pkts, cstp_pkts;
	double rtt_sum, rtt_max, jit_sum, jit_max;
	unsigned jit_n;
	unsigned fails[NT__COUNT];
	const char *fail_desc[NT__COUNT];
	struct storm storm;
	/* the last outage of each session (tunnel lost after it was up) */
	unsigned fo_lost, fo_back, fo_moved, fo_relogin, fo_same, fo_voice;
	uint64_t fo_max_ms;
};

/* back: the session's tunnel came back after its last loss */
static int came_back(const struct session_result *r)
{
	return r->lost_at_ms && r->back_at_ms >= r->lost_at_ms;
}

static void aggregate_outage(const struct session_result *r, struct agg *a)
{
	if (!r->lost_at_ms)
		return;
	a->fo_lost++;
	if (!came_back(r))
		return;
	uint64_t ms = r->back_at_ms - r->lost_at_ms;

	a->fo_back++;
	a->fo_moved += r->url_now != r->url_lost;
	a->fo_relogin += r->relogin;
	a->fo_same += r->same_addr_after_reconnect == 1;
	a->fo_voice += r->voice_rx_after > 0;
	if (ms > a->fo_max_ms)
		a->fo_max_ms = ms;
}

/* One line per session that lost its tunnel (the first 64), then one
 * summary line; both are parsed by the tests (t-phone-failover). */
static void report_outages(const struct session_result *res, const struct agg *a)
{
	unsigned shown = 0;

	if (!a->fo_lost)
		return;
	for (unsigned i = 0; i < a->n && shown < 64; i++) {
		const struct session_result *r = &res[i];

		if (!r->lost_at_ms)
			continue;
		shown++;
		if (!came_back(r)) {
			printf("outage [%u]: lost on url%d, address %s, not back: %s\n", i, r->url_lost,
			       r->addr_before, r->fail_desc);
			continue;
		}
		printf("outage [%u]: lost on url%d, up on url%d, address %s -> %s, outage %llu ms, "
		       "back by %s, voice resumed %s (%llu replies after)\n", i, r->url_lost, r->url_now,
		       r->addr_before, r->addr, (unsigned long long)(r->back_at_ms - r->lost_at_ms),
		       r->relogin ? "login" : "cookie", r->voice_rx_after ? "yes" : "no",
		       (unsigned long long)r->voice_rx_after);
	}
	printf("failover: lost %u back %u moved %u relogin %u same-address %u voice-resumed %u "
	       "outage-ms-max %llu\n", a->fo_lost, a->fo_back, a->fo_moved, a->fo_relogin, a->fo_same,
	       a->fo_voice, (unsigned long long)a->fo_max_ms);
}

static void aggregate(const struct session_result *res, unsigned n, struct agg *a)
{
	double *lat = calloc(n ? n : 1, sizeof(double));
	uint64_t *lost = calloc(n ? n : 1, sizeof(uint64_t));
	uint64_t *back = calloc(n ? n : 1, sizeof(uint64_t));

	memset(a, 0, sizeof(*a));
	a->n = n;
	for (unsigned i = 0; i < n; i++) {
		const struct session_result *r = &res[i];

		if (r->up) {
			lat[a->up++] = r->setup_ms;
			a->dtls += r->dtls_up;
			a->dtls09 += r->dtls_up && r->dtls_version == DTLS1_BAD_VER;
			a->dtls12 += r->dtls_up && r->dtls_version == DTLS1_2_VERSION;
		}
		if (r->up && r->fail == NT_OK)
			a->held++;
		a->fails[r->fail]++;
		if (r->fail != NT_OK && !a->fail_desc[r->fail])
			a->fail_desc[r->fail] = r->fail_desc;
		a->reconn += r->reconnects > 0;
		a->resumed += (unsigned)r->resumed;
		if (lost && back) {
			lost[i] = r->lost_at_ms;
			back[i] = r->back_at_ms;
		}
		a->reconn_same += r->same_addr_after_reconnect == 1;
		aggregate_outage(r, a);
		a->vtx += r->st.voice_tx;
		a->vrx += r->st.voice_rx;
		a->ptx += r->st.ping_tx;
		a->prx += r->st.ping_rx;
		a->drop += r->st.tx_drop;
		a->dtls_pkts += r->st.dtls_pkts;
		a->cstp_pkts += r->st.cstp_pkts;
		a->rtt_sum += r->st.rtt_sum_ms;
		if (r->st.rtt_max_ms > a->rtt_max)
			a->rtt_max = r->st.rtt_max_ms;
		if (r->st.voice_rx > 1) {
			a->jit_sum += r->st.jitter_ms;
			a->jit_n++;
		}
		if (r->st.jitter_max_ms > a->jit_max)
			a->jit_max = r->st.jitter_max_ms;
	}
	qsort(lat, a->up, sizeof(double), cmp_double);
	a->p50 = pct(lat, a->up, 50);
	a->p95 = pct(lat, a->up, 95);
	a->p99 = pct(lat, a->up, 99);
	a->pmax = a->up ? lat[a->up - 1] : 0;
	free(lat);
	if (lost && back)
		storm_figures(lost, back, n, &a->storm);
	free(lost);
	free(back);
}

static double loss_pct(uint64_t tx, uint64_t rx)
{
	return tx ? 100.0 * (double)(tx - (rx < tx ? rx : tx)) / (double)tx : 0;
}

static void report_text(const struct session_result *res, const struct agg *a, unsigned peak,
			double secs)
{
	if (a->n == 1) {
		const struct session_result *r = &res[0];

		printf("profile %s: %s", opt.prof->name, r->up ? "tunnel up" : "no tunnel");
		if (r->up)
			printf(", %s %s, address %s, setup %.1f ms", r->tls_version, r->tls_cipher,
			       r->addr, r->setup_ms);
		printf("\n");
		if (r->up)
			printf("dtls: %s%s%s\n",
			       r->dtls_up ? (r->dtls_version == DTLS1_BAD_VER ? "DTLSv0.9" : "DTLSv1.2") : "none",
			       r->dtls_up ? " " : "", r->dtls_up ? r->dtls_suite : "");
		if (r->reconnects)
			printf("reconnect: %d, same address: %s\n", r->reconnects,
			       r->same_addr_after_reconnect == 1 ? "yes" : "no");
	} else {
		printf("sessions: requested %u, up %u, held to the end %u, peak concurrent %u, run %.1f s\n",
		       a->n, a->up, a->held, peak, secs);
		printf("setup latency ms: p50 %.1f p95 %.1f p99 %.1f max %.1f\n", a->p50, a->p95,
		       a->p99, a->pmax);
		printf("dtls share: %.1f%% (%u of %u up; 0.9: %u, 1.2: %u)\n",
		       a->up ? 100.0 * a->dtls / a->up : 0.0, a->dtls, a->up, a->dtls09, a->dtls12);
	}
	if (a->ptx)
		printf("ping: tx %llu rx %llu loss %.2f%%\n", (unsigned long long)a->ptx,
		       (unsigned long long)a->prx, loss_pct(a->ptx, a->prx));
	if (a->vtx)
		printf("voice: tx %llu rx %llu loss %.2f%% rtt avg %.2f ms max %.2f ms jitter avg %.3f ms max %.3f ms\n",
		       (unsigned long long)a->vtx, (unsigned long long)a->vrx, loss_pct(a->vtx, a->vrx),
		       a->vrx ? a->rtt_sum / (double)a->vrx : 0.0, a->rtt_max,
		       a->jit_n ? a->jit_sum / a->jit_n : 0.0, a->jit_max);
	/* "reconnects", not "with the cookie": after a failover a session may
	 * come back by a fresh login (the outage lines say which) */
	if (a->reconn)
		printf("reconnects: %u sessions, %u kept their address\n", a->reconn, a->reconn_same);
	if (opt.resume)
		printf("tls resumed: %u handshakes (--resume)\n", a->resumed);
	if (a->storm.lost && a->n > 1)
		printf("reconnect storm: %u lost the tunnel, %u back; outage ms p50 %llu p99 %llu "
		       "max %llu; first loss to last back %.1f s\n", a->storm.lost, a->storm.back,
		       (unsigned long long)a->storm.p50_ms, (unsigned long long)a->storm.p99_ms,
		       (unsigned long long)a->storm.max_ms, (double)a->storm.span_ms / 1000.0);
	report_outages(res, a);
	if (a->dtls_pkts + a->cstp_pkts)
		printf("packets sent: dtls %llu cstp %llu dropped %llu\n",
		       (unsigned long long)a->dtls_pkts, (unsigned long long)a->cstp_pkts,
		       (unsigned long long)a->drop);
	for (int i = 1; i < NT__COUNT; i++)
		if (a->fails[i])
			printf("failures: %u %s (code %d, exit %d): %s\n", a->fails[i],
			       notify_row((enum ph_notify)i)->name, notify_row((enum ph_notify)i)->code,
			       notify_row((enum ph_notify)i)->exit_code, a->fail_desc[i]);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void report_json(const struct session_result *res, const struct agg *a, unsigned peak,
			double secs, int rc)
{
	printf("{\"profile\":");
	json_str(opt.prof->name);
	printf(",\"exit_code\":%d,\"sessions\":{\"requested\":%u,\"up\":%u,\"held\":%u,\"peak\":%u},"
	       "\"run_seconds\":%.1f,\"setup_ms\":{\"p50\":%.1f,\"p95\":%.1f,\"p99\":%.1f,\"max\":%.1f},"
	       "\"dtls\":{\"up\":%u,\"share\":%.4f,\"v09\":%u,\"v12\":%u},",
	       rc, a->n, a->up, a->held, peak, secs, a->p50, a->p95, a->p99, a->pmax, a->dtls,
	       a->up ? (double)a->dtls / a->up : 0.0, a->dtls09, a->dtls12);
	printf("\"ping\":{\"tx\":%llu,\"rx\":%llu,\"loss_pct\":%.3f},",
	       (unsigned long long)a->ptx, (unsigned long long)a->prx, loss_pct(a->ptx, a->prx));
	printf("\"voice\":{\"tx\":%llu,\"rx\":%llu,\"loss_pct\":%.3f,\"rtt_avg_ms\":%.3f,"
	       "\"rtt_max_ms\":%.3f,\"jitter_avg_ms\":%.3f,\"jitter_max_ms\":%.3f},",
	       (unsigned long long)a->vtx, (unsigned long long)a->vrx, loss_pct(a->vtx, a->vrx),
	       a->vrx ? a->rtt_sum / (double)a->vrx : 0.0, a->rtt_max,
	       a->jit_n ? a->jit_sum / a->jit_n : 0.0, a->jit_max);
	printf("\"reconnect\":{\"sessions\":%u,\"same_address\":%u,\"lost\":%u,\"back\":%u,"
	       "\"outage_ms\":{\"p50\":%llu,\"p99\":%llu,\"max\":%llu},\"span_s\":%.3f},",
	       a->reconn, a->reconn_same, a->storm.lost, a->storm.back,
	       (unsigned long long)a->storm.p50_ms, (unsigned long long)a->storm.p99_ms,
	       (unsigned long long)a->storm.max_ms, (double)a->storm.span_ms / 1000.0);
	printf("\"failover\":{\"lost\":%u,\"back\":%u,\"moved\":%u,\"relogin\":%u,"
	       "\"same_address\":%u,\"voice_resumed\":%u,\"outage_ms_max\":%llu},",
	       a->fo_lost, a->fo_back, a->fo_moved, a->fo_relogin, a->fo_same, a->fo_voice,
	       (unsigned long long)a->fo_max_ms);
	printf("\"packets\":{\"dtls\":%llu,\"cstp\":%llu,\"dropped\":%llu},\"failures\":{",
	       (unsigned long long)a->dtls_pkts, (unsigned long long)a->cstp_pkts,
	       (unsigned long long)a->drop);
	int first = 1;

	for (int i = 1; i < NT__COUNT; i++)
		if (a->fails[i]) {
			printf("%s\"%s\":%u", first ? "" : ",", notify_row((enum ph_notify)i)->name,
			       a->fails[i]);
			first = 0;
		}
	printf("}");
	if (a->n == 1) {
		const struct session_result *r = &res[0];

		printf(",\"session\":{\"tls_version\":");
		json_str(r->tls_version);
		printf(",\"tls_cipher\":");
		json_str(r->tls_cipher);
		printf(",\"address\":");
		json_str(r->addr);
		printf(",\"dtls\":");
		json_str(r->dtls_up ? (r->dtls_version == DTLS1_BAD_VER ? "DTLSv0.9" : "DTLSv1.2") : "none");
		printf(",\"dtls_suite\":");
		json_str(r->dtls_suite);
		printf(",\"dtls_failures\":%d", r->dtls_failures);
		printf(",\"dtls_rebinds\":%d,\"dtls_ports\":[%u,%u]", r->dtls_rebinds,
		       r->dtls_first_port, r->dtls_last_port);
		printf(",\"reconnects\":%d,\"same_address\":%d,\"resumed\":%d,", r->reconnects,
		       r->same_addr_after_reconnect, r->resumed);
		printf("\"url\":%d,\"url_lost\":%d,\"failovers\":%d,\"relogin\":%d,"
		       "\"voice_rx_after\":%llu,\"address_before\":", r->url_now, r->url_lost,
		       r->failovers, r->relogin, (unsigned long long)r->voice_rx_after);
		json_str(r->addr_before);
		printf(",\"notify\":");
		json_str(notify_row(r->fail)->name);
		printf(",\"desc\":");
		json_str(r->fail_desc);
		printf("}");
	}
	printf("}\n");
}

/* The exit code: the single phone's notify, or LoadShort in load mode. */
static int exit_code(const struct session_result *res, const struct agg *a)
{
	if (a->n == 1) {
		enum ph_notify f = res[0].fail;

		if (f == NT_OK && opt.require_dtls && !res[0].dtls_up)
			f = NT_DTLS;
		if (f == NT_OK && opt.max_loss >= 0 &&
		    (loss_pct(a->vtx, a->vrx) > opt.max_loss || loss_pct(a->ptx, a->prx) > opt.max_loss))
			f = NT_TRAFFIC;
		return notify_row(f)->exit_code;
	}
	if (a->held < a->n)
		return notify_row(NT_LOAD)->exit_code;
	if (opt.max_loss >= 0 && loss_pct(a->vtx, a->vrx) > opt.max_loss)
		return notify_row(NT_TRAFFIC)->exit_code;
	return 0;
}

/* ------------------------------------------------------------ procs */

static int write_all(int fd, const void *p, size_t n)
{
	const char *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t n)
{
	char *b = p;

	while (n) {
		ssize_t r = read(fd, b, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

struct child {
	pid_t pid;
	int fd;
	unsigned base, n;
	unsigned peak;
};

static unsigned run_procs(struct session_result *res)
{
	struct child ch[64];
	unsigned peak = 0;

	for (int p = 0; p < opt.procs; p++) {
		int fds[2];
		unsigned base, n = proc_share((unsigned)opt.sessions, (unsigned)opt.procs,
					      (unsigned)p, &base);

		if (pipe(fds) < 0)
			die(NT_INTERNAL, "pipe: %s", strerror(errno));
		ch[p] = (struct child){ .base = base, .n = n, .fd = fds[0] };
		fflush(NULL);
		ch[p].pid = fork();
		if (ch[p].pid < 0)
			die(NT_INTERNAL, "fork: %s", strerror(errno));
		if (ch[p].pid == 0) {
			close(fds[0]);
			ev_loop_fork(EV_DEFAULT);
			run_sessions(base, n, opt.rate / opt.procs, res + base);
			int bad = write_all(fds[1], &R.peak, sizeof(R.peak)) ||
				  write_all(fds[1], res + base, n * sizeof(*res));

			_exit(bad ? 99 : 0);
		}
		close(fds[1]);
	}
	for (int p = 0; p < opt.procs; p++) {
		if (read_all(ch[p].fd, &ch[p].peak, sizeof(ch[p].peak)) < 0 ||
		    read_all(ch[p].fd, res + ch[p].base, ch[p].n * sizeof(*res)) < 0) {
			fprintf(stderr, "sslvpn-phone: process %d sent no results\n", (int)ch[p].pid);
			for (unsigned i = 0; i < ch[p].n; i++) {
				memset(&res[ch[p].base + i], 0, sizeof(*res));
				res[ch[p].base + i].fail = NT_INTERNAL;
			}
		}
		close(ch[p].fd);
		waitpid(ch[p].pid, NULL, 0);
		peak += ch[p].peak;
	}
	return peak;
}

/* The descriptors one process needs for its share of the sessions (the
 * children share them out; the parent opens no socket).  As root the hard
 * limit is raised too; where that is not allowed (a container), a share
 * the limit cannot hold would fail sessions with EMFILE minutes into the
 * run: refuse it now and say how many processes would do. */
static void raise_nofile(void)
{
	struct rlimit rl;
	unsigned first;
	unsigned long need = nofile_need(proc_share((unsigned)opt.sessions, (unsigned)opt.procs, 0,
						    &first));

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= need)
		return;
	if (rl.rlim_max < need) {
		struct rlimit up = { need, need };

		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			return;
	}
	rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur >= need)
		return;
	unsigned long long room = rl.rlim_cur > 64 ? rl.rlim_cur - 64 : 1;

	die(NT_USAGE, "open-file limit %llu: %d sessions in %d process(es) need %lu each; "
	    "use --procs %llu or more (or raise ulimit -n)", (unsigned long long)rl.rlim_cur,
	    opt.sessions, opt.procs, need, (2ull * (unsigned)opt.sessions + room - 1) / room);
}

int main(int argc, char **argv)
{
	const char *echo = NULL;

	signal(SIGPIPE, SIG_IGN);
	parse_opts(argc, argv, &echo);
	if (echo)
		return echo_server_main(echo, opt.hold ? opt.hold : 3600);
	if (!opt.deadline)
		opt.deadline = default_deadline();
	raise_nofile();
	if (opt.sessions > 1 && !ph_verbose)
		ph_quiet = ph_quiet > 1 ? ph_quiet : 1;
	struct session_result *res = calloc((size_t)opt.sessions, sizeof(*res));

	if (!res)
		die(NT_INTERNAL, "out of memory");
	uint64_t t0 = now_us();
	unsigned peak;

	if (opt.procs > 1) {
		peak = run_procs(res);
	} else {
		run_sessions(0, (unsigned)opt.sessions, opt.rate, res);
		peak = R.peak;
	}
	double secs = (double)(now_us() - t0) / 1e6;
	struct agg a;

	aggregate(res, (unsigned)opt.sessions, &a);
	int rc = exit_code(res, &a);

	if (opt.json)
		report_json(res, &a, peak, secs, rc);
	else
		report_text(res, &a, peak, secs);
	if (rc && a.n == 1 && res[0].fail == NT_OK)
		notify_print("[0]", rc == notify_row(NT_DTLS)->exit_code ? NT_DTLS : NT_TRAFFIC, NULL);
	free(res);
	return rc;
}
