/* The sandbox of the worker and secmod processes (src/sandbox/sandbox.c):
 * an empty root-owned chroot, the unprivileged user, no new privileges,
 * an empty capability bounding set and a seccomp allowlist
 * (sandbox.def).  A call outside the list kills the process with SIGSYS
 * after a log line naming the call (100740). */
#ifndef SSLVPND_SANDBOX_H
#define SSLVPND_SANDBOX_H

#include <sys/types.h>

enum sandbox_kind { SANDBOX_WORKER, SANDBOX_SECMOD };

struct sandbox_spec {
	enum sandbox_kind kind;
	const char *who;       /* "worker 1", "secmod": named in the log */
	const char *root;      /* empty directory to chroot into; NULL = none */
	const char *user;      /* general.user / general.group; used as root only */
	const char *group;
};

/* Enter the sandbox; on failure logs why and returns -1 (the caller
 * exits: never serve outside the sandbox). */
int sandbox_enter(const struct sandbox_spec *s);

/* Test aid: SSLVPND_TEST_SECCOMP_PROBE=[secmod:]<syscall name>[:<seconds>]
 * for worker 1, or with "secmod:" for secmod.  target: "worker" or
 * "secmod", the caller.  Returns the number of the named call and the delay
 * (default 3 s), or -1 when the variable is unset, is for the other target
 * or names no call; sandbox_probe() performs the call with zero arguments.
 * It cannot widen the sandbox. */
#define SANDBOX_PROBE_ENV "SSLVPND_TEST_SECCOMP_PROBE"
int sandbox_probe_nr(const char *target, double *delay);
void sandbox_probe(int nr);

/* Name of the empty chroot directory inside the state directory. */
#define SANDBOX_EMPTY_DIR "empty"

#endif
