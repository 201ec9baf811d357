/* libFuzzer target: a log record from a worker or secmod as main relays it
 * (src/common/logsink.c: log_relay, reached from src/main/mlog.c): the
 * header (severity, event number) and the text a less trusted process
 * wrote, to the local log, the buffer and the logging hosts.  Input: the
 * record as it arrives on the log socket.  Two events carry overrides
 * (one disabled, one moved to another level) so that path runs too.
 * Checks: a record outside the header's rules is refused; every line the
 * buffer keeps is one line (no newline or other control byte a forged
 * record could use to fake a second line) and a disabled event is never
 * kept.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "sslvpnd/log.h"
#include "fuzz.h"

struct seen {
	size_t n;
	int bad;
};

static void each(const char *line, size_t len, void *arg)
{
	struct seen *s = arg;

	s->n++;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
			s->bad = 1;
}

/* The local log writes to stderr: during a relay only, stderr is
 * /dev/null (the fuzzer's own reports keep the real one). */
static int null_fd = -1, err_fd = -1;

static void setup(void)
{
	if (null_fd >= 0)
		return;
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	err_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 10);
	CHECK(null_fd >= 0 && err_fd >= 0);
	log_init("fuzz_logrelay", 1, 0, LOG_FMT_ASA, 0);
	log_forward_set(-1);
	log_buffer_set(7, 16384);
	CHECK(log_message_set(725002, LOG_MSG_DISABLED) > 0);
	CHECK(log_message_set(725001, 3) > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 0 };
	int rc;

	setup();
	log_buffer_clear();
	CHECK(dup2(null_fd, STDERR_FILENO) == STDERR_FILENO);
	rc = log_relay("sslvpnd-worker", 4242, data, size);
	CHECK(dup2(err_fd, STDERR_FILENO) == STDERR_FILENO);
	if (size < LOG_FWD_HDR || size > LOG_FWD_MAX || data[0] > 7)
		CHECK(rc < 0);
	log_buffer_each(each, &s);
	if (rc < 0)
		CHECK(s.n == 0);
	if (size >= LOG_FWD_HDR && ((unsigned)data[2] << 8 | data[3]) == LM_TLS_DONE)
		CHECK(s.n == 0);
	CHECK(!s.bad);
	return 0;
}
