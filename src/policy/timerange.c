/* Time ranges: ASA periodic / absolute text <-> structs, and whether a
 * local time falls inside.  Pure. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sslvpnd/timerange.h"

static const char *const tr_days[] = { "sunday", "monday", "tuesday", "wednesday",
				       "thursday", "friday", "saturday" };
static const char *const tr_months[] = { "january", "february", "march", "april",
					 "may", "june", "july", "august", "september",
					 "october", "november", "december" };

static int tr_day_bits(const char *w)
{
	if (!strcasecmp(w, "daily"))
		return 0x7f;
	if (!strcasecmp(w, "weekdays"))
		return 0x3e;
	if (!strcasecmp(w, "weekend"))
		return 0x41;
	for (int i = 0; i < 7; i++)
		if (!strcasecmp(w, tr_days[i]))
			return 1 << i;
	return -1;
}

/* "HH:MM" -> minutes, -1 when malformed. */
static int tr_hhmm(const char *w)
{
	char *end;
	long h, m;

	if (!w || w[0] < '0' || w[0] > '9')
		return -1;
	h = strtol(w, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return -1;
	m = strtol(end + 1, &end, 10);
	if (*end || h > 23 || m > 59)
		return -1;
	return (int)(h * 60 + m);
}

int timerange_parse_periodic(const char *s, struct tr_periodic *out, const char **why)
{
	char buf[128], *save = NULL, *w;
	int bits, from, to;

	memset(out, 0, sizeof(*out));
	if (strlen(s) >= sizeof(buf)) {
		*why = "is too long";
		return -1;
	}
	strcpy(buf, s);
	for (w = strtok_r(buf, " \t", &save); w && (bits = tr_day_bits(w)) >= 0;
	     w = strtok_r(NULL, " \t", &save))
		out->days |= (uint8_t)bits;
	if (!out->days) {
		*why = "must start with days: monday..sunday, daily, weekdays or weekend";
		return -1;
	}
	from = tr_hhmm(w);
	w = strtok_r(NULL, " \t", &save);
	if (from < 0 || !w || strcmp(w, "to") != 0) {
		*why = "expected DAYS HH:MM to HH:MM";
		return -1;
	}
	to = tr_hhmm(strtok_r(NULL, " \t", &save));
	if (to < 0 || strtok_r(NULL, " \t", &save)) {
		*why = "expected DAYS HH:MM to HH:MM (a window spanning days is not supported)";
		return -1;
	}
	if (to < from) {
		*why = "the window ends before it starts";
		return -1;
	}
	out->from = (uint16_t)from;
	out->to = (uint16_t)to;
	return 0;
}

int timerange_parse_absolute(const char *s, int64_t *key, const char **why)
{
	char hm[8], mon[16];
	int day, year, mins, m = -1, n = 0;

	if (sscanf(s, "%7s %d %15s %d%n", hm, &day, mon, &year, &n) != 4 || s[n]) {
		*why = "expected HH:MM DD Month YYYY";
		return -1;
	}
	for (int i = 0; i < 12; i++)
		if (!strcasecmp(mon, tr_months[i]))
			m = i;
	mins = tr_hhmm(hm);
	if (mins < 0 || m < 0 || day < 1 || day > 31 || year < 1993 || year > 2035) {
		*why = "expected HH:MM DD Month YYYY (year 1993..2035)";
		return -1;
	}
	*key = (((int64_t)year * 100 + m + 1) * 100 + day) * 10000 + (mins / 60) * 100 + mins % 60;
	return 0;
}

int64_t timerange_key(const struct tm *t)
{
	return (((int64_t)(t->tm_year + 1900) * 100 + t->tm_mon + 1) * 100 + t->tm_mday) * 10000 +
	       t->tm_hour * 100 + t->tm_min;
}

int timerange_format_periodic(const struct tr_periodic *p, char *buf, size_t len)
{
	size_t o = 0;
	int n;

	buf[0] = '\0';
	if (p->days == 0x7f)
		o = (size_t)snprintf(buf, len, "daily");
	else if (p->days == 0x3e)
		o = (size_t)snprintf(buf, len, "weekdays");
	else if (p->days == 0x41)
		o = (size_t)snprintf(buf, len, "weekend");
	else
		for (int i = 0; i < 7 && o < len; i++)
			if (p->days & (1 << i))
				o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? " " : "", tr_days[i]);
	if (o >= len)
		return -1;
	n = snprintf(buf + o, len - o, " %02u:%02u to %02u:%02u", p->from / 60, p->from % 60,
		     p->to / 60, p->to % 60);
	return n < 0 || (size_t)n >= len - o ? -1 : (int)o + n;
}

int timerange_format_absolute(int64_t key, char *buf, size_t len)
{
	int mi = (int)(key % 100), h = (int)(key / 100 % 100), d = (int)(key / 10000 % 100);
	int mo = (int)(key / 1000000 % 100), y = (int)(key / 100000000);
	char mon[16];
	int n;

	if (mo < 1 || mo > 12)
		return -1;
	snprintf(mon, sizeof(mon), "%s", tr_months[mo - 1]);
	mon[0] = (char)(mon[0] - 'a' + 'A');
	n = snprintf(buf, len, "%02d:%02d %d %s %d", h, mi, d, mon, y);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

int timerange_periodic_holds(const struct tr_periodic *p, const struct tm *now)
{
	int m = now->tm_hour * 60 + now->tm_min;

	return (p->days & (1 << now->tm_wday)) && m >= p->from && m <= p->to;
}
