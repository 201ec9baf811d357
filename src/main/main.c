/* sslvpnd: the privileged main process.
 *
 * Loads and checks the configuration, prepares the state directory and the
 * temporary identity, opens the listeners and tun devices, starts the
 * workers and then decides for them: tunnel-group selection,
 * authentication, group policy, addresses and routes.  It never parses
 * client TLS. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "fleet.h"
#include "fleet_lease.h"
#include "main.h"
#include "mban.h"
#include "sslvpnd/doctor.h"
#include "sslvpnd/json.h"
#include "sslvpnd/log.h"
#include "sslvpnd/net.h"
#include "sslvpnd/passwd.h"
#include "sslvpnd/pool.h"
#include "sslvpnd/sandbox.h"
#include "sslvpnd/snapshot.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"

struct opts {
	const char *config;
	int config_given;
	int foreground, check, dump, debug, hash_password;
	int crypto;          /* --crypto: the remaining words are a command */
	int doctor, json;    /* --doctor [--json] */
	char **words;
	int n_words;
	const char *state_dir;
	const char *pid_file;
	const char *ctl_socket;
};

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: sslvpnd [-c FILE] [-f] [-t] [-T] [-d LEVEL] [--state-dir DIR]\n"
		"               [--pid-file FILE] [--ctl-socket PATH]\n"
		"       sslvpnd [-c FILE] [--state-dir DIR] --doctor [--json]\n"
		"       sslvpnd --hash-password < PASSWORD-LINE\n"
		"       sslvpnd [-c FILE] [--state-dir DIR] --crypto COMMAND...\n"
		"         show crypto ca certificates [TP] | show crypto ca expiry [DAYS]\n"
		"         crypto ca enroll TP | crypto ca authenticate TP < PEM\n"
		"         crypto ca import TP pkcs12 FILE < PASSPHRASE-LINE\n"
		"         crypto ca export TP identity-certificate\n"
		"         certhash TP [TP...] [--tunnel-group NAME]\n"
		"  -c FILE          configuration (default %s, else the embedded default)\n"
		"  -f               stay in the foreground and log to stderr\n"
		"  -t               check the configuration and exit (0 ok, 1 errors);\n"
		"                   the doctor's errors fail it, its warnings are printed\n"
		"  --doctor         every doctor check on the file and its certificates:\n"
		"                   findings, seed, fix; exit 0 clean, 1 warnings, 2 errors\n"
		"  -T               print the effective configuration and exit\n"
		"  -d LEVEL         debug level 0..255\n"
		"  --state-dir DIR  generated identities and leases (default %s)\n"
		"  --pid-file FILE  write the main process id to FILE\n"
		"  --ctl-socket PATH  control socket for sslvpnctl\n"
		"                   (default STATE-DIR/ctl.sock)\n"
		"  --hash-password  read one line (a password) from stdin, print\n"
		"                   its scrypt hash for users { password = ...; }\n",
		CFG_DEFAULT_PATH, CFG_DEFAULT_STATE_DIR);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "state-dir", required_argument, NULL, 'S' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "ctl-socket", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "hash-password", no_argument, NULL, 'H' },
		{ "crypto", no_argument, NULL, 'X' },
		{ "doctor", no_argument, NULL, 'D' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+c:ftTd:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; o->config_given = 1; break;
		case 'f': o->foreground = 1; break;
		case 't': o->check = 1; break;
		case 'T': o->dump = 1; break;
		case 'd': o->debug = atoi(optarg); break;
		case 'S': o->state_dir = optarg; break;
		case 'P': o->pid_file = optarg; break;
		case 'C': o->ctl_socket = optarg; break;
		case 'H': o->hash_password = 1; break;
		case 'X': o->crypto = 1; break;
		case 'D': o->doctor = 1; break;
		case 'J': o->json = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	o->words = argv + optind;
	o->n_words = argc - optind;
	if (o->crypto && o->n_words == 0) {
		fprintf(stderr, "sslvpnd: --crypto needs a command\n");
		return -1;
	}
	if (!o->crypto && optind != argc) {
		fprintf(stderr, "sslvpnd: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->json && !o->doctor) {
		fprintf(stderr, "sslvpnd: --json goes with --doctor\n");
		return -1;
	}
	if (o->debug < 0 || o->debug > 255) {
		fprintf(stderr, "sslvpnd: -d takes a level from 0 to 255\n");
		return -1;
	}
	/* No -c: the installed file when there is one, else the embedded
	 * default (design.md). */
	if (!o->config_given && access(CFG_DEFAULT_PATH, F_OK) == 0)
		o->config = CFG_DEFAULT_PATH;
	return 0;
}

static struct sslvpnd_config *load_config(const struct opts *o)
{
	struct sslvpnd_config *cfg = NULL;
	struct cfg_errors *errs = calloc(1, sizeof(*errs));

	if (!errs)
		return NULL;
	/* --crypto makes the trustpoints' files: it needs the configuration
	 * valid, not the files there yet (each command judges its own). */
	if (o->crypto)
		config_load(o->config, o->state_dir, &cfg, errs);
	else
		cfg = reload_load(o->config, o->state_dir, 0, errs);
	if (!cfg) {
		config_errors_print(stderr, errs);
		fprintf(stderr, "sslvpnd: %s: configuration has errors, nothing started\n",
			o->config ? o->config : CFG_EMBEDDED_NAME);
	}
	free(errs);
	return cfg;
}

/* The worker binary sits next to ours when run from the build tree; an
 * installed daemon finds it in libexecdir. */
static void find_worker(struct mainctx *m)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');

		if (slash) {
			*slash = 0;
			snprintf(m->worker_path, sizeof(m->worker_path),
				 "%s/../worker/sslvpnd-worker", self);
			if (access(m->worker_path, X_OK) == 0)
				return;
			snprintf(m->worker_path, sizeof(m->worker_path),
				 "%s/sslvpnd-worker", self);
			if (access(m->worker_path, X_OK) == 0)
				return;
		}
	}
	snprintf(m->worker_path, sizeof(m->worker_path), "%s/sslvpnd-worker",
		 LIBEXECDIR);
}

static int mkdir_p(const char *dir, mode_t mode)
{
	char tmp[CFG_PATH_MAX];

	util_strlcpy(tmp, dir, sizeof(tmp));
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return (mkdir(tmp, mode) < 0 && errno != EEXIST) ? -1 : 0;
}

/* Every interface's TLS context, built once here as the workers will: an
 * unusable identity (expired, key mismatch...) stops the start with the
 * trustpoint named instead of a loop of failing workers; enrollment self
 * identities are generated here, once. */
static int check_interfaces(struct mainctx *m)
{
	char err[512];

	for (size_t i = 0; i < m->cfg->n_interfaces; i++) {
		const struct cfg_interface *ifc = &m->cfg->interfaces[i];
		struct tls_server *s = tls_server_new(m->cfg, ifc, err, sizeof(err));

		if (!s) {
			log_warnx("interface %s: %s", ifc->name, err);
			return -1;
		}
		tls_server_free(s);
	}
	return 0;
}

/* What the workers are told (mwcfg.c), once the identities exist. */
static int make_worker_config(struct mainctx *m)
{
	char err[512];

	if (mwcfg_build(m->cfg, &m->wcfg, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

/* The sandbox root of the workers and secmod: an empty directory owned by
 * root, mode 0555, so a sandboxed process finds nothing and can create
 * nothing there.  A stray file in it is refused rather than exposed. */
static int prepare_empty_root(const struct mainctx *m)
{
	char dir[CFG_PATH_MAX + 16];
	struct stat st;
	DIR *d;
	struct dirent *e;
	int stray = 0;

	snprintf(dir, sizeof(dir), "%s/" SANDBOX_EMPTY_DIR, m->cfg->general.state_dir);
	if (mkdir(dir, 0555) < 0 && errno != EEXIST) {
		log_warn("cannot create the sandbox root %s", dir);
		return -1;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_warnx("sandbox root %s is not a directory; remove it", dir);
		return -1;
	}
	if (geteuid() == 0 && (st.st_uid != 0 || st.st_gid != 0) && chown(dir, 0, 0) < 0) {
		log_warn("cannot give the sandbox root %s to root", dir);
		return -1;
	}
	if ((st.st_mode & 07777) != 0555 && chmod(dir, 0555) < 0) {
		log_warn("cannot set mode 0555 on the sandbox root %s", dir);
		return -1;
	}
	d = opendir(dir);
	while (d && (e = readdir(d)))
		stray |= strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	if (stray) {
		log_warnx("sandbox root %s is not empty: the workers would see its files; "
			  "empty it", dir);
		return -1;
	}
	return 0;
}

/* State dir and the temporary identity are made once here, before any
 * worker starts, so every worker loads the same certificate. */
static int prepare_state(struct mainctx *m)
{
	char dir[CFG_PATH_MAX + 16], err[256];
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	int generated = 0;

	if (mkdir_p(m->cfg->general.state_dir, 0700) < 0) {
		log_warn("cannot create state directory %s", m->cfg->general.state_dir);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/trust", m->cfg->general.state_dir);
	if (mkdir_p(dir, 0755) < 0)
		log_warn("cannot create %s", dir);
	if (prepare_empty_root(m) < 0)
		return -1;
	if (tls_identity_temporary(m->cfg->general.state_dir, &cert, &key,
				   &generated, err, sizeof(err)) < 0) {
		log_warnx("temporary identity: %s", err);
		return -1;
	}
	if (generated) {
		uint8_t sha1[20];
		char hex[41];

		tls_cert_sha1(cert, sha1);
		util_hex(hex, sha1, 20, 1);
		log_event(LM_IDENTITY_GENERATED, "_temporary",
			  TLS_TEMP_SUBJECT_RSA, hex);
	}
	X509_free(cert);
	EVP_PKEY_free(key);
	/* trustpoint problems and crypto ca alerts expiration 60, at start */
	tls_trustpoints_report(m->cfg, NULL);
	tls_expiry_alerts(m->cfg, 60, NULL);
	return check_interfaces(m);
}

static int make_pools(struct mainctx *m)
{
	m->pools = calloc(m->cfg->n_pools + 1, sizeof(*m->pools));
	if (!m->pools)
		return -1;
	for (size_t i = 0; i < m->cfg->n_pools; i++) {
		const struct cfg_pool *p = &m->cfg->pools[i];

		m->pools[i] = pool_new(p->name, p->first, p->last, p->mask);
		if (!m->pools[i]) {
			log_warnx("ip local pool %s: cannot create", p->name);
			return -1;
		}
		pool_set_window(m->pools[i], (uint32_t)m->cfg->general.address_reuse_window);
		fleet_lease_cut(m, m->pools[i]);
	}
	m->pools6 = calloc(m->cfg->n_pools6 + 1, sizeof(*m->pools6));
	if (!m->pools6)
		return -1;
	m->n_pools6 = m->cfg->n_pools6;
	for (size_t i = 0; i < m->cfg->n_pools6; i++) {
		const struct cfg_pool6 *p = &m->cfg->pools6[i];

		m->pools6[i] = pool_new6(p->name, p->first, (unsigned)p->plen, (uint32_t)p->count);
		if (!m->pools6[i]) {
			log_warnx("ipv6 local pool %s: cannot create", p->name);
			return -1;
		}
		pool_set_window(m->pools6[i], (uint32_t)m->cfg->general.address_reuse_window);
		fleet_lease_cut(m, m->pools6[i]);
	}
	leases_load(m); /* an unusable file is logged and ignored */
	sessions_store_load(m); /* the sessions of the previous run, same */
	return 0;
}

static void write_pid(const char *path)
{
	FILE *fp = fopen(path, "w");

	if (!fp) {
		log_warn("cannot write pid file %s", path);
		return;
	}
	fprintf(fp, "%d\n", (int)getpid());
	fclose(fp);
}

static void on_stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct mainctx *m = w->data;

	log_event(LM_DAEMON_STOP, w->signum == SIGTERM ? "SIGTERM" : "SIGINT");
	reload_notify("STOPPING=1");
	m->stopping = 1;
	ev_break(loop, EVBREAK_ALL);
}

/* SIGHUP: the same reload as sslvpnctl reload; the outcome and every
 * error are in the log (100510, 100511, 100512). */
static void on_sighup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out) {
		log_warnx("SIGHUP: out of memory; configuration not reloaded");
		return;
	}
	main_reload(w->data, out);
	fclose(out);
	free(text);
}

static void log_hosts_apply(const struct sslvpnd_config *cfg)
{
	struct log_host_spec spec[LOG_HOSTS_MAX];
	char err[256];

	if (cfg->n_log_hosts > LOG_HOSTS_MAX) {
		log_warnx("%zu logging hosts: at most %d; no logging host is used",
			  cfg->n_log_hosts, LOG_HOSTS_MAX);
		log_hosts_set(NULL, 0, -1, 0, err, sizeof(err));
		return;
	}
	for (size_t i = 0; i < cfg->n_log_hosts; i++) {
		const struct cfg_log_host *h = &cfg->log_hosts[i];

		spec[i] = (struct log_host_spec){ h->address, h->port, h->protocol == CFG_LOG_TCP,
						  h->format == CFG_LOG_RFC5424 };
	}
	if (log_hosts_set(spec, cfg->n_log_hosts, cfg->logging.trap, cfg->logging.facility, err,
			  sizeof(err)) < 0)
		log_warnx("%s: no logging host is used", err);
}

/* The device-id the ASA puts before its tag: the host name or a string. */
static const char *device_id(const struct cfg_logging *lg, char *buf, size_t len)
{
	if (lg->device_id == CFG_DEVID_STRING)
		return lg->device_id_string;
	if (lg->device_id != CFG_DEVID_HOSTNAME || gethostname(buf, len - 1) < 0)
		return "";
	buf[len - 1] = 0;
	return buf;
}

void main_logging(struct mainctx *m)
{
	const struct sslvpnd_config *cfg = m->cfg;
	const struct cfg_logging *lg = &cfg->logging;
	char host[256];

	log_hosts_apply(cfg);
	log_buffer_set(lg->buffered, (size_t)lg->buffer_size);
	log_debug_events_set(lg->trap >= LOG_DEBUG || lg->buffered >= LOG_DEBUG);
	log_decor_set(lg->timestamp, device_id(lg, host, sizeof(host)));
	log_messages_reset();
	for (size_t i = 0; i < cfg->n_log_messages; i++) {
		const struct cfg_log_message *lm = &cfg->log_messages[i];

		log_message_set(lm->id, !lm->enabled ? LOG_MSG_DISABLED : lm->level);
	}
}

int main_reload(struct mainctx *m, FILE *out)
{
	int rc = reload_run(m, out);

	if (rc == 0)
		main_logging(m);
	return rc;
}

/* The last session gone (S11): the phones' certificates main kept parsed
 * go, or they pin the pages their burst left them on, and the pages the
 * session lookup tables' buckets (192 kB, all NULL now) were written on go
 * back to the kernel, once per time the table empties. */
static void main_rest_tables(struct mainctx *m)
{
	static int rested;

	if (m->n_sessions) {
		rested = 0;
		return;
	}
	util_heap_freed(tls_verifier_forget(m->wcfg.verifier));
	if (rested)
		return;
	rested = 1;
	util_pages_release(m->dtls_table, sizeof(m->dtls_table));
	util_pages_release(m->cookie_table, sizeof(m->cookie_table));
	util_pages_release(m->id_table, sizeof(m->id_table));
}

static void on_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	uint64_t now = util_now_ms();
	struct mainctx *m = w->data;

	sessions_tick(m);
	reload_tick(m);
	msecmod_tick(m);
	macct_tick(m);
	log_rl_flush(now);
	main_rest_tables(m);
	util_heap_tick(now); /* what ended sessions freed goes back (S11, M) */
}

static void setup_signals(struct mainctx *m)
{
	ev_signal_init(&m->sigterm, on_stop_cb, SIGTERM);
	ev_signal_init(&m->sigint, on_stop_cb, SIGINT);
	ev_signal_init(&m->sighup, on_sighup_cb, SIGHUP);
	m->sigterm.data = m->sigint.data = m->sighup.data = m;
	ev_signal_start(m->loop, &m->sigterm);
	ev_signal_start(m->loop, &m->sigint);
	ev_signal_start(m->loop, &m->sighup);
	ev_timer_init(&m->tick, on_tick_cb, 1., 1.);
	m->tick.data = m;
	ev_timer_start(m->loop, &m->tick);
	signal(SIGPIPE, SIG_IGN);
}

/* Each tunnel holds a TCP and a UDP socket in its worker: the usual soft
 * limit of 1024 descriptors would cap a worker near 500 phones.  Raise the
 * soft limit to the hard one; workers inherit it. */
/* Each tunnel holds two descriptors (TLS and its UDP socket) in its
 * worker, and main spreads tunnels evenly over the workers, which inherit
 * this limit: it must cover 2 x max-sessions / workers plus the channels
 * and logs.  As root the hard limit is raised too when it is short
 * (systemd's LimitNOFILE normally sets it); a container may forbid that. */
/* Which knob fits max-sessions in the limit we got: the workers that
 * would (two descriptors per tunnel, 1024 for the rest), or, when even one
 * tunnel per descriptor pair leaves no room, the limit itself. */
static void nofile_short(const struct sslvpnd_config *cfg, size_t workers, rlim_t have,
			 rlim_t need)
{
	rlim_t room = have > 1024 ? have - 1024 : 0;
	unsigned long long fit = room >= 2 ? (2ull * (unsigned long long)cfg->limits.max_sessions +
					      room - 1) / room : 0;

	if (fit)
		log_warnx("open-file limit is %llu: max-sessions %d over %zu workers needs %llu per "
			  "process (two descriptors per tunnel); set general.workers to %llu or "
			  "more, or raise LimitNOFILE",
			  (unsigned long long)have, cfg->limits.max_sessions, workers,
			  (unsigned long long)need, fit);
	else
		log_warnx("open-file limit is %llu: too low for any tunnel (1024 descriptors are "
			  "kept for the rest); raise LimitNOFILE", (unsigned long long)have);
}

static void raise_nofile(const struct sslvpnd_config *cfg)
{
	struct rlimit rl;
	size_t workers = proc_worker_count(cfg);
	rlim_t per = ((rlim_t)cfg->limits.max_sessions + workers - 1) / workers;
	rlim_t need = per * 2 + 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_max < need) {
		struct rlimit up = { need, need };

		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("cannot raise the open-file limit to %llu",
				 (unsigned long long)rl.rlim_max);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need)
		nofile_short(cfg, workers, rl.rlim_cur, need);
}

static int run(struct mainctx *m, const struct opts *o)
{
	const struct cfg_logging *lgc = &m->cfg->logging;

	log_init("sslvpnd", o->foreground || !lgc->to_syslog, lgc->facility,
		 lgc->format, o->debug ? o->debug : lgc->debug);
	main_logging(m);
	if (geteuid() != 0)
		log_warnx("not running as root: tun devices, routes and port 443 will likely fail");
	raise_nofile(m->cfg);
	if (!o->foreground && daemon(0, 0) < 0)
		fatal("daemon");
	if (o->pid_file)
		write_pid(o->pid_file);
	m->loop = ev_default_loop(EVFLAG_AUTO);
	mlog_batch_start(m->loop);
	if (tls_global_init() < 0 || prepare_state(m) < 0 || make_pools(m) < 0)
		return 1;
	if (make_worker_config(m) < 0)
		return 1;
	m->net = net_new();
	if (!m->net)
		return 1;
	setup_signals(m);
	if (mban_start(m) < 0)
		return 1;
	if (ctl_start(m) < 0) {
		ctl_stop(m);
		return 1;
	}
	mtickets_load(m); /* the ticket keys of the previous run, for secmod */
	/* secmod first: a worker's first password login finds it there. */
	if (msecmod_start(m) < 0) {
		ctl_stop(m);
		msecmod_stop(m);
		return 1;
	}
	msecmod_heap_guard(0);
	macct_start(m);
	if (fleet_start(m) < 0) {
		log_warnx("fleet: out of memory");
		ctl_stop(m);
		msecmod_stop(m);
		return 1;
	}
	if (proc_start_all(m) < 0) {
		ctl_stop(m);
		proc_stop_all(m);
		msecmod_stop(m);
		return 1;
	}
	log_event(LM_DAEMON_START, PACKAGE_VERSION, m->cfg->source);
	ev_run(m->loop, 0);
	mlog_batch_stop(m->loop);
	ctl_stop(m);
	listen_stop_all(m);
	udp_stop_all(m);
	sessions_shutdown(m);
	proc_stop_all(m);
	macct_stop(m);
	fleet_lease_stop(m);
	fleet_stop(m);
	msecmod_stop(m);
	mban_stop(m);
	if (o->pid_file)
		unlink(o->pid_file);
	return m->failed ? 1 : 0;
}

/* --hash-password: one line from stdin (without its newline) to a hash on
 * stdout.  The line buffer is ours, not stdio's getline, so it can be wiped;
 * stdin is unbuffered for the same reason. */
static int hash_password_cmd(void)
{
	char line[PASSWD_INPUT_MAX + 2], out[PASSWD_HASH_MAX];
	size_t n = 0;
	int c, rc = 1;

	setvbuf(stdin, NULL, _IONBF, 0);
	while (n < sizeof(line) - 1 && (c = getchar()) != EOF && c != '\n')
		line[n++] = (char)c;
	if (n && line[n - 1] == '\r')
		n--;
	if (n == 0 || n > PASSWD_INPUT_MAX)
		fprintf(stderr, "sslvpnd: --hash-password: expected one line of 1..%d characters on stdin\n",
			PASSWD_INPUT_MAX);
	else if (passwd_hash(out, sizeof(out), line, n) < 0)
		fprintf(stderr, "sslvpnd: --hash-password: scrypt failed\n");
	else
		rc = printf("%s\n", out) < 0 || fflush(stdout) ? 1 : 0;
	OPENSSL_cleanse(line, sizeof(line));
	return rc;
}

/* --crypto: one ASA certificate command on the configuration (src/tls/tpcli.c). */
static int crypto_cmd(const struct sslvpnd_config *cfg, int argc, char **argv)
{
	char err[512];

	if (tls_ca_command(cfg, argc, argv, stdout, stdin, err, sizeof(err)) < 0) {
		fflush(stdout);
		fprintf(stderr, "sslvpnd: %s\n", err);
		return 1;
	}
	return 0;
}

struct doc_report *main_doctor(const struct sslvpnd_config *cfg)
{
	struct doc_facts *f = malloc(sizeof(*f));
	struct doc_report *r = malloc(sizeof(*r));

	if (!f || !r) {
		free(f);
		free(r);
		return NULL;
	}
	tls_doctor_facts(cfg, f);
	doctor_run(cfg, f, r);
	free(f);
	return r;
}

/* -t: the doctor's errors fail the check like the file's own; its
 * warnings are printed (the seeds' quiet failures, announced). */
static int check_doctor(const struct sslvpnd_config *cfg)
{
	struct doc_report *r = main_doctor(cfg);
	size_t warnings = 0;

	if (!r) {
		fprintf(stderr, "sslvpnd: out of memory\n");
		return 1;
	}
	doctor_print(stderr, r, DOC_WARNING);
	for (size_t i = 0; i < r->n; i++)
		warnings += r->f[i].sev == DOC_WARNING;
	int worst = r->worst;

	free(r);
	if (worst == DOC_ERROR) {
		fprintf(stderr, "%s: doctor errors (see above; sslvpnd --doctor for all findings)\n",
			cfg->source);
		return 1;
	}
	if (warnings)
		printf("%s: configuration OK with %zu doctor warning%s (see above)\n", cfg->source,
		       warnings, warnings == 1 ? "" : "s");
	else
		printf("%s: configuration OK\n", cfg->source);
	return 0;
}

/* --doctor [--json]: every finding; the exit status from the worst. */
static int doctor_cmd(const struct sslvpnd_config *cfg, int json)
{
	struct doc_report *r = main_doctor(cfg);
	int rc;

	if (!r) {
		fprintf(stderr, "sslvpnd: out of memory\n");
		return 2;
	}
	if (json) {
		struct json j;
		const char *doc;

		json_init(&j, 1 << 20);
		doctor_json(&j, r);
		doc = json_result(&j, NULL);
		if (doc)
			printf("%s\n", doc);
		json_free(&j);
	} else if (r->n) {
		doctor_print(stdout, r, DOC_NOTICE);
	} else {
		printf("%s: no findings\n", cfg->source);
	}
	rc = doctor_exit(r);
	free(r);
	return fflush(stdout) ? 2 : rc;
}

int main(int argc, char **argv)
{
	static struct mainctx m;
	struct opts o = { 0 };

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	if (o.hash_password)
		return hash_password_cmd();
	/* Until secmod has the hashes, every block main frees is cleared
	 * (the parser's copies of them among others): msecmod.c. */
	msecmod_heap_guard(1);
	m.cfg = load_config(&o);
	if (!m.cfg)
		return 1;
	if (o.crypto)
		return crypto_cmd(m.cfg, o.n_words, o.words);
	/* Generation 1; sessions and the listeners hold references. */
	m.snap = snapshot_new(m.cfg, 1);
	if (!m.snap)
		return 1;
	m.listen_snap = snapshot_ref(m.snap);
	m.worker_gen = m.snap->gen;
	if (o.check) {
		/* The trustpoints' files too, read only (nothing is generated):
		 * unreadable, key mismatch, expired, not yet valid. */
		config_notices_print(stderr, m.cfg);
		if (tls_trustpoints_report(m.cfg, stderr) > 0) {
			fprintf(stderr, "%s: trustpoint errors (see above)\n", m.cfg->source);
			return 1;
		}
		return check_doctor(m.cfg);
	}
	if (o.doctor)
		return doctor_cmd(m.cfg, o.json);
	if (o.dump)
		return config_dump(stdout, m.cfg) < 0 ? 1 : 0;
	m.config_path = o.config;
	m.state_dir_arg = o.state_dir;
	m.ctl_path_arg = o.ctl_socket;
	m.foreground = o.foreground;
	m.debug = o.debug;
	find_worker(&m);
	return run(&m, &o);
}
