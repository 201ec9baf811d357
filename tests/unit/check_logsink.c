/* Unit tests: src/common/logsink.c (S14) - the logging buffer ring, the
 * per-event overrides, the forwarding of a sandboxed process's lines to
 * main (drop and count when the socket is full, report 100760) and main's
 * relay of a record; main's batched stderr (S11: one write() per loop
 * iteration, nothing lost at a crash, nothing a forked child writes twice). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sslvpnd/log.h"

struct lines {
	char v[200][128];
	int n;
};

static void collect(const char *line, size_t len, void *arg)
{
	struct lines *l = arg;

	if (l->n < 200) {
		snprintf(l->v[l->n], sizeof(l->v[0]), "%.*s", (int)len, line);
		l->n++;
	}
}

static void quiet(void)
{
	/* local lines to /dev/null: these tests read the sinks */
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
	log_init("check_logsink", 1, 0, LOG_FMT_ASA, 0);
	log_forward_set(-1);
	log_messages_reset();
	log_decor_set(0, NULL);
}

/* The ring keeps whole lines, the newest, within its size. */
START_TEST(buffer_ring_keeps_newest_whole_lines)
{
	struct lines l = { .n = 0 };
	char msg[64];

	quiet();
	log_buffer_set(6, 4096);
	log_buffer_clear();
	for (int i = 0; i < 300; i++) {
		snprintf(msg, sizeof(msg), "line %03d %s", i, "xxxxxxxxxxxxxxxxxxxxxxxx");
		log_info("%s", msg);
	}
	log_debug("never: debug off and level informational");
	log_buffer_each(collect, &l);
	/* 33 characters and a newline each: 120 lines fit in 4096 bytes */
	ck_assert_int_eq(l.n, 120);
	for (int i = 0; i < l.n; i++)
		ck_assert_int_eq(strncmp(l.v[i], "line ", 5), 0);
	ck_assert_str_eq(l.v[0] + 5, "180 xxxxxxxxxxxxxxxxxxxxxxxx");
	ck_assert_str_eq(l.v[l.n - 1] + 5, "299 xxxxxxxxxxxxxxxxxxxxxxxx");
	log_buffer_clear();
	l.n = 0;
	log_buffer_each(collect, &l);
	ck_assert_int_eq(l.n, 0);
	log_buffer_set(-1, 4096);
}
END_TEST

/* logging message ID level L / no logging message ID, by ASA ID. */
START_TEST(overrides_by_asa_id)
{
	struct lines l = { .n = 0 };

	quiet();
	log_buffer_set(7, 8192);
	log_buffer_clear();
	ck_assert_int_gt(log_message_set(725001, 3), 0);
	ck_assert_int_gt(log_message_set(725002, LOG_MSG_DISABLED), 0);
	ck_assert_int_eq(log_message_set(999999, 3), 0);
	ck_assert_int_eq(log_id_known(725001), 1);
	ck_assert_int_eq(log_id_known(100760), 1);
	ck_assert_int_eq(log_id_known(999999), 0);
	log_event(LM_TLS_START, "outside", "198.18.0.2", "4000", "198.18.0.1", "443");
	log_event(LM_TLS_DONE, "outside", "198.18.0.2", "4000", "TLSv1.2", "X", "198.18.0.1", "443");
	log_buffer_each(collect, &l);
	ck_assert_int_eq(l.n, 1);
	ck_assert_int_eq(strncmp(l.v[0], "%ASA-3-725001: ", 15), 0);
	log_messages_reset();
	log_buffer_set(-1, 8192);
}
END_TEST

/* 725008 (level 7) shows with `debug ssl` alone, as on the ASA, and not
 * with debug and the class off. */
START_TEST(debug_ssl_shows_tls_debug_lines)
{
	struct lines l = { .n = 0 };

	quiet();
	log_buffer_set(7, 8192);
	log_buffer_clear();
	log_event(LM_TLS_CLIENT_CIPHERS, "outside", "198.18.0.2", "4000", "2");
	log_buffer_each(collect, &l);
	ck_assert_int_eq(l.n, 0);
	log_class_set(LOGC_SSL, 255);
	log_event(LM_TLS_CLIENT_CIPHERS, "outside", "198.18.0.2", "4000", "2");
	log_class_set(LOGC_SSL, 0);
	log_buffer_each(collect, &l);
	ck_assert_int_eq(l.n, 1);
	ck_assert_int_eq(strncmp(l.v[0], "%ASA-7-725008: ", 15), 0);
	log_buffer_set(-1, 8192);
}
END_TEST

/* A full socket drops and counts; the count goes first with the next
 * line that gets through. */
START_TEST(forward_drops_and_reports)
{
	int sv[2], sz = 4096, got_report = 0, got_after = 0;
	unsigned char rec[LOG_FWD_MAX + 1];
	ssize_t n;

	quiet();
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	ck_assert_int_eq(log_forward_set(sv[1]), 0);
	for (int i = 0; i < 2000; i++)
		log_info("filler line %d", i);
	ck_assert_uint_gt(log_forward_dropped(), 0);
	while (recv(sv[0], rec, sizeof(rec), MSG_DONTWAIT) > 0)
		;
	log_info("after the flood");
	ck_assert_uint_eq(log_forward_dropped(), 0);
	while ((n = recv(sv[0], rec, sizeof(rec) - 1, MSG_DONTWAIT)) > 0) {
		rec[n] = 0;
		if (strstr((char *)rec + LOG_FWD_HDR, "%SSLVPND-4-100760: ") &&
		    strstr((char *)rec + LOG_FWD_HDR, "log lines dropped"))
			got_report = !got_after;  /* before the line */
		if (!strcmp((char *)rec + LOG_FWD_HDR, "after the flood"))
			got_after = 1;
	}
	ck_assert_int_eq(got_report, 1);
	ck_assert_int_eq(got_after, 1);
	/* main gone: the process writes locally again, nothing is lost */
	close(sv[0]);
	log_info("main is gone");
	ck_assert_int_eq(log_forward_fd(), -1);
	close(sv[1]);
}
END_TEST

/* main's relay: the override of the record's event, malformed records. */
START_TEST(relay_applies_overrides)
{
	struct lines l = { .n = 0 };
	unsigned char rec[LOG_FWD_MAX];
	const char *txt = "%ASA-6-725001: Starting SSL handshake";

	quiet();
	log_buffer_set(7, 8192);
	log_buffer_clear();
	log_forward_hdr(rec, LM_TLS_START, 6);
	memcpy(rec + LOG_FWD_HDR, txt, strlen(txt));
	ck_assert_int_eq(log_relay("w", 1, rec, LOG_FWD_HDR + strlen(txt)), 0);
	log_message_set(725001, 2);
	ck_assert_int_eq(log_relay("w", 1, rec, LOG_FWD_HDR + strlen(txt)), 0);
	log_message_set(725001, LOG_MSG_DISABLED);
	ck_assert_int_eq(log_relay("w", 1, rec, LOG_FWD_HDR + strlen(txt)), 0);
	ck_assert_int_eq(log_relay("w", 1, rec, 2), -1);  /* shorter than a header */
	rec[0] = 9;
	ck_assert_int_eq(log_relay("w", 1, rec, LOG_FWD_HDR + strlen(txt)), -1);
	log_forward_hdr(rec, LM__COUNT + 1, 6);
	ck_assert_int_eq(log_relay("w", 1, rec, LOG_FWD_HDR + strlen(txt)), -1);
	log_buffer_each(collect, &l);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.v[0], txt);
	ck_assert_str_eq(l.v[1], "%ASA-2-725001: Starting SSL handshake");
	log_messages_reset();
	log_buffer_set(-1, 8192);
}
END_TEST

/* logging timestamp + device-id: "Dec 07 2026 14:31:05 asa-1 : %ASA-..." */
START_TEST(decoration)
{
	struct lines l = { .n = 0 };

	quiet();
	log_buffer_set(6, 8192);
	log_buffer_clear();
	log_decor_set(0, "asa-1");
	log_info("%%ASA-6-000000: a");
	log_decor_set(1, NULL);
	log_info("%%ASA-6-000000: b");
	log_decor_set(1, "asa-1");
	log_info("%%ASA-6-000000: c");
	log_decor_set(0, NULL);
	log_buffer_each(collect, &l);
	ck_assert_int_eq(l.n, 3);
	ck_assert_str_eq(l.v[0], "asa-1 : %ASA-6-000000: a");
	/* "Mmm dd yyyy hh:mm:ss" is 20 characters */
	ck_assert_int_eq(strlen(l.v[1]), 20 + strlen(": %ASA-6-000000: b"));
	ck_assert_str_eq(l.v[1] + 20, ": %ASA-6-000000: b");
	ck_assert_str_eq(l.v[2] + 20, " asa-1 : %ASA-6-000000: c");
	log_buffer_set(-1, 8192);
}
END_TEST

/* stderr to a non-blocking pipe; returns its read end. */
static int stderr_pipe(void)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	return p[0];
}

static size_t drain(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = 0;
	return n;
}

START_TEST(batch_one_write_in_order)
{
	int fd = stderr_pipe();
	unsigned char rec[64];
	char out[4096];

	log_init("sslvpnd", 1, 0, LOG_FMT_ASA, 0);
	log_batch(1);
	log_info("%%ASA-6-000000: one");
	log_forward_hdr(rec, LOG_FWD_NOEVENT, 6);
	memcpy(rec + LOG_FWD_HDR, "two", 3);
	ck_assert_int_eq(log_relay("sslvpnd-worker", 4242, rec, LOG_FWD_HDR + 3), 0);
	log_info("%%ASA-6-000000: three");
	/* gathered: nothing written yet, the ring has them at once */
	ck_assert_uint_eq(drain(fd, out, sizeof(out)), 0);
	log_flush();
	ck_assert_uint_gt(drain(fd, out, sizeof(out)), 0);
	char *a = strstr(out, ": one\n"), *b = strstr(out, "sslvpnd-worker[4242]: two\n"),
	     *c = strstr(out, ": three\n");
	ck_assert(a && b && c && a < b && b < c);
	/* off again: each line at once */
	log_batch(0);
	log_info("%%ASA-6-000000: four");
	drain(fd, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, ": four\n"));
}
END_TEST

START_TEST(batch_flushed_on_abort)
{
	int fd = stderr_pipe(), st;
	char out[4096];
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		log_init("sslvpnd", 1, 0, LOG_FMT_ASA, 0);
		log_batch(1);
		log_info("%%ASA-6-000000: last words");
		abort();
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	drain(fd, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, ": last words\n"));
}
END_TEST

START_TEST(batch_not_repeated_by_a_child)
{
	int fd = stderr_pipe(), st;
	char out[4096];
	pid_t pid;

	log_init("sslvpnd", 1, 0, LOG_FMT_ASA, 0);
	log_batch(1);
	log_info("%%ASA-6-000000: parent");
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		log_info("%%ASA-6-000000: child");
		exit(0);  /* atexit: log_flush */
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	log_flush();
	drain(fd, out, sizeof(out));
	char *p = strstr(out, ": parent\n");

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_null(strstr(p + 1, ": parent\n"));
	ck_assert_ptr_nonnull(strstr(out, ": child\n"));
	log_batch(0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("logsink");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, buffer_ring_keeps_newest_whole_lines);
	tcase_add_test(tc, overrides_by_asa_id);
	tcase_add_test(tc, debug_ssl_shows_tls_debug_lines);
	tcase_add_test(tc, forward_drops_and_reports);
	tcase_add_test(tc, relay_applies_overrides);
	tcase_add_test(tc, decoration);
	tcase_add_test(tc, batch_one_write_in_order);
	tcase_add_test(tc, batch_flushed_on_abort);
	tcase_add_test(tc, batch_not_repeated_by_a_child);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
