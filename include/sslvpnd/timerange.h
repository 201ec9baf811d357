/* Time ranges (ASA `time-range NAME` with `periodic` and `absolute`), read
 * by vpn-access-hours.  Parsing and evaluation are pure: the caller passes
 * the local wall-clock time (src/policy/timerange.c, linked into the config
 * library). */
#ifndef SSLVPND_TIMERANGE_H
#define SSLVPND_TIMERANGE_H

#include <stdint.h>
#include <time.h>

enum { TR_MAX_PERIODIC = 8 };

/* periodic DAYS HH:MM to HH:MM: the days (bit 0 Sunday .. bit 6 Saturday)
 * and a daily window, both ends inclusive to the minute. */
struct tr_periodic {
	uint8_t days;
	uint16_t from, to;      /* minutes since midnight, from <= to */
};

/* timerange_parse_periodic: "DAYS HH:MM to HH:MM", DAYS one or more of
 * monday..sunday, daily, weekdays, weekend.  0 or -1 with *why. */
int timerange_parse_periodic(const char *s, struct tr_periodic *out, const char **why);

/* timerange_parse_absolute: "HH:MM DD Month YYYY" (the ASA's absolute start
 * / end) -> a key YYYYMMDDHHMM that orders like the time.  0 or -1. */
int timerange_parse_absolute(const char *s, int64_t *key, const char **why);

/* The key of a local time, as timerange_parse_absolute makes it. */
int64_t timerange_key(const struct tm *t);

int timerange_format_periodic(const struct tr_periodic *p, char *buf, size_t len);
int timerange_format_absolute(int64_t key, char *buf, size_t len);

/* 1 when local time `now` falls in a periodic window. */
int timerange_periodic_holds(const struct tr_periodic *p, const struct tm *now);

#endif
