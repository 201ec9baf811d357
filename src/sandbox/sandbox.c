/* The sandbox of the worker and secmod processes.
 *
 * Order: chroot into the empty directory main created, drop the
 * capability bounding set (needs CAP_SETPCAP, so before the user change),
 * setgroups/setgid/setuid, PR_SET_NO_NEW_PRIVS, then the seccomp
 * allowlist of sandbox.def.  A call outside the list traps (SIGSYS): the
 * handler writes one pre-rendered log line naming the call (100740) with
 * clock_gettime(2) and write(2) only, and the process dies of SIGSYS,
 * which main logs as the worker's death (100004) and answers with a
 * restart. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include <openssl/crypto.h>

#if HAVE_SECCOMP
#include <seccomp.h>
#endif

#include "sslvpnd/log.h"
#include "sslvpnd/sandbox.h"
#include "sslvpnd/util.h"

enum { SBX_W = 1, SBX_S = 2, SBX_WS = 3 };
enum { ACT_ALLOW = 0, ACT_EACCES = 1, ACT_ENOSYS = 2 };

struct sbx_call {
	const char *name;
	int who, action;
};

static const struct sbx_call calls[] = {
#define SBX(name, who, action, purpose) { #name, who, ACT_##action },
#include "sslvpnd/sandbox.def"
#undef SBX
};

/* --- the SIGSYS report: everything rendered before the filter is on */
enum { NAMES_MAX = 512, NAME_LEN = 24, LINE_PART = 512 };

static struct {
	char names[NAMES_MAX][NAME_LEN];
	char pre[LINE_PART], post[LINE_PART];
	size_t pre_len, post_len;
	int fd;            /* stderr, or a datagram socket to /dev/log */
	int stamp;         /* stderr: start with log_emit's timestamp */
	long gmtoff;       /* local time offset, taken at entry */
} rep = { .fd = -1 };

static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static size_t put_2(char *b, long v)
{
	b[0] = (char)('0' + v / 10 % 10);
	b[1] = (char)('0' + v % 10);
	return 2;
}

/* "Dec 07 13:21:01.123 " as log_emit writes it, without localtime(3)
 * (not async-signal-safe): civil date from days, the offset of entry. */
static size_t put_stamp(char *b)
{
	struct timespec ts;
	long long t, days, secs;
	long long z, era, doe, yoe, doy, mp;
	long d, m;
	size_t o = 0;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	t = (long long)ts.tv_sec + rep.gmtoff;
	days = t / 86400;
	secs = t % 86400;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (long)(doy - (153 * mp + 2) / 5 + 1);
	m = (long)(mp < 10 ? mp + 3 : mp - 9);
	memcpy(b, months[m - 1], 3);
	o = 3;
	b[o++] = ' ';
	o += put_2(b + o, d);
	b[o++] = ' ';
	o += put_2(b + o, secs / 3600);
	b[o++] = ':';
	o += put_2(b + o, secs / 60 % 60);
	b[o++] = ':';
	o += put_2(b + o, secs % 60);
	b[o++] = '.';
	b[o++] = (char)('0' + ts.tv_nsec / 100000000);
	o += put_2(b + o, ts.tv_nsec / 1000000 % 100);
	b[o++] = ' ';
	return o;
}

static size_t put_num(char *b, long v)
{
	char t[24];
	size_t n = 0, o = 0;

	if (v < 0) {
		b[o++] = '-';
		v = -v;
	}
	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < sizeof(t));
	while (n)
		b[o++] = t[--n];
	return o;
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char line[LINE_PART * 2 + NAME_LEN + 64];
	size_t o = 0;
	int nr = si->si_syscall;

	(void)uc;
	if (rep.stamp)
		o = put_stamp(line);
	memcpy(line + o, rep.pre, rep.pre_len);
	o += rep.pre_len;
	if (nr >= 0 && nr < NAMES_MAX && rep.names[nr][0]) {
		size_t l = strlen(rep.names[nr]);

		memcpy(line + o, rep.names[nr], l);
		o += l;
		line[o++] = ' ';
		line[o++] = '(';
		o += put_num(line + o, nr);
		line[o++] = ')';
	} else {
		memcpy(line + o, "number ", 7);
		o += 7;
		o += put_num(line + o, nr);
	}
	memcpy(line + o, rep.post, rep.post_len);
	o += rep.post_len;
	if (rep.fd >= 0 && write(rep.fd, line, o) < 0) {
		/* nothing left to tell it with */
	}
	/* Die of the signal itself so main sees "killed by signal SIGSYS":
	 * the handler is reset on entry and SIGSYS not blocked in it
	 * (SA_RESETHAND | SA_NODEFER). */
	syscall(SYS_kill, getpid(), sig);
	_exit(128 + SIGSYS);
}

/* The log line with a marker where the call's name goes, split there. */
static int prepare_report(const struct sandbox_spec *s)
{
	static const char marker[] = "\001";
	const char *args[3] = { s->who, NULL, marker };
	char pid[16], msg[1024];
	struct log_output lo;
	int n;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	args[1] = pid;
	log_get_output(&lo);
	if (log_event_format(msg, sizeof(msg), lo.fmt, LM_SANDBOX_SYSCALL, args) < 0)
		return -1;
	char *m = strstr(msg, marker);

	if (!m)
		return -1;
	*m = 0;
	if (log_forward_fd() >= 0) {
		/* one record to main, which logs it like the process's other
		 * lines (buffer and logging hosts included) */
		log_forward_hdr((unsigned char *)rep.pre, LM_SANDBOX_SYSCALL,
				log_event_severity(LM_SANDBOX_SYSCALL));
		n = snprintf(rep.pre + LOG_FWD_HDR, sizeof(rep.pre) - LOG_FWD_HDR, "%s", msg);
		n = n < 0 ? n : n + LOG_FWD_HDR;
		rep.fd = log_forward_fd();
		rep.stamp = 0;
	} else if (lo.to_stderr) {
		struct tm tm;
		time_t now = time(NULL);

		n = snprintf(rep.pre, sizeof(rep.pre), "%s[%d]: %s", lo.ident,
			     (int)getpid(), msg);
		rep.fd = 2;
		rep.stamp = localtime_r(&now, &tm) != NULL;
		rep.gmtoff = rep.stamp ? tm.tm_gmtoff : 0;
	} else {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		util_strlcpy(sun.sun_path, "/dev/log", sizeof(sun.sun_path));
		n = snprintf(rep.pre, sizeof(rep.pre), "<%d>%s[%d]: %s",
			     lo.facility | LOG_CRIT, lo.ident, (int)getpid(), msg);
		rep.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (rep.fd >= 0 && connect(rep.fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			close(rep.fd);
			rep.fd = 2;
		}
	}
	if (n < 0 || (size_t)n >= sizeof(rep.pre))
		return -1;
	rep.pre_len = (size_t)n;
	n = snprintf(rep.post, sizeof(rep.post), "%s%s", m + 1,
		     lo.to_stderr && log_forward_fd() < 0 ? "\n" : "");
	if (n < 0 || (size_t)n >= sizeof(rep.post))
		return -1;
	rep.post_len = (size_t)n;
	return 0;
}

#if HAVE_SECCOMP
static void resolve_names(void)
{
	for (int nr = 0; nr < NAMES_MAX; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		if (name) {
			util_strlcpy(rep.names[nr], name, NAME_LEN);
			free(name);
		}
	}
}

static int add_restricted(scmp_filter_ctx ctx, enum sandbox_kind kind)
{
	pid_t me = getpid();
	int r = 0;

	/* syslog's (re)connection: local datagram sockets only */
	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
			      SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	/* signals to ourselves only (abort, the SIGSYS death), never to a
	 * sibling worker or secmod running as the same user */
	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
			      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)me));
	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
			      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)me));
	/* stdio's terminal check, non-blocking and pending-bytes queries */
	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
			      SCMP_A1(SCMP_CMP_EQ, TCGETS));
	r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
			      SCMP_A1(SCMP_CMP_EQ, FIONBIO));
	if (kind == SANDBOX_WORKER)
		r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_EQ, FIONREAD));
	/* the worker's TCP_NODELAY on each client socket (conn.c); any
	 * other option (libssl's kTLS probe, TCP_ULP) is refused, not fatal */
	if (kind == SANDBOX_WORKER) {
		r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
				      SCMP_A1(SCMP_CMP_EQ, IPPROTO_TCP),
				      SCMP_A2(SCMP_CMP_EQ, TCP_NODELAY));
		r |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(setsockopt), 1,
				      SCMP_A1(SCMP_CMP_NE, IPPROTO_TCP));
		r |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(setsockopt), 1,
				      SCMP_A2(SCMP_CMP_NE, TCP_NODELAY));
	}
#ifdef __SANITIZE_ADDRESS__
	/* --enable-asan builds only: ASan's pthread_create interceptor reads
	 * the CPU affinity and gives secmod's KDF thread an alternate signal
	 * stack (and takes it down at the thread's end) */
	if (kind == SANDBOX_SECMOD) {
		r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sched_getaffinity), 0);
		r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sigaltstack), 0);
	}
	/* and its swapcontext interceptor asks for the alternate signal
	 * stack when a worker switches to a libssl async job (S11: a
	 * handshake paused on secmod's answer) */
	if (kind == SANDBOX_WORKER)
		r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sigaltstack), 0);
#endif
	/* secmod's AAA clients (S15): UDP to the RADIUS servers, TCP to the
	 * LDAP servers (smldap.c, libldap), IPv4 or IPv6; no raw sockets */
	static const int aaa_socks[][2] = {
		{ AF_INET, SOCK_DGRAM },  { AF_INET6, SOCK_DGRAM },
		{ AF_INET, SOCK_STREAM }, { AF_INET6, SOCK_STREAM },
	};
	for (size_t i = 0; kind == SANDBOX_SECMOD && i < ARRAY_SIZE(aaa_socks); i++)
		r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
				      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)aaa_socks[i][0]),
				      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, (scmp_datum_t)aaa_socks[i][1]));
	/* secmod's KDF thread: a thread of this process, never a new one */
	if (kind == SANDBOX_SECMOD)
		r |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	return r;
}

static int load_filter(const struct sandbox_spec *s)
{
	int bit = s->kind == SANDBOX_WORKER ? SBX_W : SBX_S;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	int r;

	if (!ctx)
		return -1;
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		int nr = seccomp_syscall_resolve_name(calls[i].name);

		if (!(calls[i].who & bit) || nr == __NR_SCMP_ERROR)
			continue;  /* not ours, or not on this architecture */
		r = seccomp_rule_add(ctx, calls[i].action == ACT_EACCES ? SCMP_ACT_ERRNO(EACCES) :
				     calls[i].action == ACT_ENOSYS ? SCMP_ACT_ERRNO(ENOSYS) :
				     SCMP_ACT_ALLOW, nr, 0);
		if (r < 0) {
			log_warnx("%s: seccomp rule for %s: %s", s->who, calls[i].name,
				  strerror(-r));
			goto fail;
		}
	}
	r = add_restricted(ctx, s->kind);
	if (r < 0 || (r = seccomp_load(ctx)) < 0) {
		log_warnx("%s: cannot load the seccomp filter: %s", s->who,
			  strerror(r < 0 ? -r : EINVAL));
		goto fail;
	}
	seccomp_release(ctx);
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}
#else
static void resolve_names(void)
{
}

static int load_filter(const struct sandbox_spec *s)
{
	(void)s;
	return 0;  /* built with --disable-seccomp */
}
#endif

static int install_sigsys(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSYS, &sa, NULL);
}

static int drop_bounding_set(void)
{
	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	return 0;
}

static int become_user(const struct sandbox_spec *s)
{
	struct passwd *pw = getpwnam(s->user);
	struct group *gr = getgrnam(s->group);

	if (!pw || !gr) {
		log_warnx("%s: user %s or group %s does not exist (general.user/group); "
			  "create them: useradd --system --no-create-home "
			  "--shell /usr/sbin/nologin %s", s->who, s->user, s->group, s->user);
		return -1;
	}
	if (s->root && (chroot(s->root) < 0 || chdir("/") < 0)) {
		log_warn("%s: cannot chroot into %s", s->who, s->root);
		return -1;
	}
	if (drop_bounding_set() < 0) {
		log_warn("%s: cannot drop the capability bounding set", s->who);
		return -1;
	}
	if (setgroups(0, NULL) < 0 || setgid(gr->gr_gid) < 0 || setuid(pw->pw_uid) < 0) {
		log_warn("%s: cannot drop privileges to %s:%s", s->who, s->user, s->group);
		return -1;
	}
	if (setuid(0) == 0) {
		log_warnx("%s: could regain root after dropping privileges", s->who);
		return -1;
	}
	return 0;
}

int sandbox_enter(const struct sandbox_spec *s)
{
	/* What library code would otherwise read later, in the empty root:
	 * the time zone of the log timestamps, OpenSSL's configuration. */
	tzset();
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
	resolve_names();
	if (prepare_report(s) < 0) {
		log_warnx("%s: cannot prepare the sandbox report", s->who);
		return -1;
	}
	if (geteuid() == 0 && become_user(s) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_warn("%s: PR_SET_NO_NEW_PRIVS", s->who);
		return -1;
	}
	/* not dumpable: no core file with keys, no ptrace by a sibling */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (install_sigsys() < 0)
		return -1;
	return load_filter(s);
}

int sandbox_probe_nr(const char *target, double *delay)
{
#if HAVE_SECCOMP
	static const char secmod[] = "secmod:";
	const char *env = getenv(SANDBOX_PROBE_ENV);
	char name[NAME_LEN];
	const char *colon;
	int nr, for_secmod;

	if (!env || !*env)
		return -1;
	for_secmod = !strncmp(env, secmod, sizeof(secmod) - 1);
	if (for_secmod != !strcmp(target, "secmod"))
		return -1;
	if (for_secmod)
		env += sizeof(secmod) - 1;
	colon = strchr(env, ':');
	util_strlcpy(name, env, colon && (size_t)(colon - env) < sizeof(name) ?
		     (size_t)(colon - env) + 1 : sizeof(name));
	*delay = colon ? atof(colon + 1) : 3.;
	if (*delay < 0 || *delay > 3600)
		*delay = 3.;
	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR) {
		log_warnx("%s=%s: no such system call", SANDBOX_PROBE_ENV, env);
		return -1;
	}
	return nr;
#else
	(void)target;
	(void)delay;
	return -1;
#endif
}

void sandbox_probe(int nr)
{
	log_info("test aid %s: calling system call %d", SANDBOX_PROBE_ENV, nr);
	syscall(nr, 0, 0, 0, 0, 0);
}
