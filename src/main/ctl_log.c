/* The logging views of the control socket (S14): "show logging" (the
 * ASA's header, then the buffered lines; sslvpnctl applies "| include RE"),
 * "clear logging buffer" and "show running-config logging" in ASA syntax. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "sslvpnd/json.h"
#include "sslvpnd/log.h"

/* The ASA's level names, -1 (none) .. 7. */
static const char *level_name(int level)
{
	static const char *const names[] = { "emergencies", "alerts",        "critical",
					     "errors",      "warnings",      "notifications",
					     "informational", "debugging" };

	return level >= 0 && level <= 7 ? names[level] : "none";
}

/* ----------------------------------------- show running-config logging */

static void run_host(FILE *fp, const struct cfg_log_host *h)
{
	int tcp = h->protocol == CFG_LOG_TCP;
	int port = h->port ? h->port : tcp ? 1470 : 514;

	fprintf(fp, "logging host %s %s", h->interface, h->address);
	/* the ASA shows the IP protocol number: 6/PORT TCP, 17/PORT UDP */
	if (tcp || port != 514)
		fprintf(fp, " %d/%d", tcp ? 6 : 17, port);
	/* ours: the ASA sets RFC 5424 for all hosts (logging timestamp
	 * rfc5424), we per host */
	if (h->format == CFG_LOG_RFC5424)
		fprintf(fp, " format rfc5424");
	fputc('\n', fp);
}

static void run_messages(FILE *fp, const struct sslvpnd_config *cfg)
{
	for (size_t i = 0; i < cfg->n_log_messages; i++) {
		const struct cfg_log_message *m = &cfg->log_messages[i];

		if (!m->enabled)
			fprintf(fp, "no logging message %d\n", m->id);
		else if (m->level >= 0)
			fprintf(fp, "logging message %d level %s\n", m->id, level_name(m->level));
	}
}

/* The ASA's order: enable, timestamp, buffer-size, buffered, trap,
 * device-id, hosts, then the per-message lines. */
int showrun_logging(FILE *fp, const struct sslvpnd_config *cfg, int all)
{
	const struct cfg_logging *lg = &cfg->logging;

	fprintf(fp, "logging enable\n");
	if (lg->timestamp)
		fprintf(fp, "logging timestamp\n");
	if (lg->buffer_size != 4096 || all)
		fprintf(fp, "logging buffer-size %d\n", lg->buffer_size);
	if (lg->buffered >= 0)
		fprintf(fp, "logging buffered %s\n", level_name(lg->buffered));
	if (lg->trap >= 0)
		fprintf(fp, "logging trap %s\n", level_name(lg->trap));
	if (lg->device_id == CFG_DEVID_HOSTNAME)
		fprintf(fp, "logging device-id hostname\n");
	else if (lg->device_id == CFG_DEVID_STRING)
		fprintf(fp, "logging device-id string %s\n", lg->device_id_string);
	for (size_t i = 0; i < cfg->n_log_hosts; i++)
		run_host(fp, &cfg->log_hosts[i]);
	run_messages(fp, cfg);
	return 0;
}

/* ------------------------------------------------------- show logging */

/* show logging's lines go to text or JSON; "| include RE" and the other
 * filters are sslvpnctl's (src/tools/sslvpnctl/cli.c), for every command. */
struct show_out {
	struct request *r;
};

static void out_line(const char *line, size_t len, void *arg)
{
	struct show_out *o = arg;
	char buf[2400];

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = 0;
	if (o->r->json)
		json_str(o->r->j, buf);
	else
		ctl_printf(o->r->t, "%s\n", buf);
}

static void out_fmt(struct show_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_fmt(struct show_out *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		out_line(buf, strlen(buf), o);
}

static void show_header(struct show_out *o, const struct sslvpnd_config *cfg)
{
	const struct cfg_logging *lg = &cfg->logging;
	int fac = lg->facility >> 3;

	out_fmt(o, "Syslog logging: enabled");
	out_fmt(o, "    Facility: %d", fac);
	out_fmt(o, "    Timestamp logging: %s", lg->timestamp ? "enabled" : "disabled");
	if (log_buffer_level() < 0)
		out_fmt(o, "    Buffer logging: disabled");
	else
		out_fmt(o, "    Buffer logging: level %s, %lu messages logged",
			level_name(log_buffer_level()), log_buffer_logged());
	if (lg->trap < 0)
		out_fmt(o, "    Trap logging: disabled");
	else
		out_fmt(o, "    Trap logging: level %s, facility %d, %lu messages logged",
			level_name(lg->trap), fac, log_hosts_sent());
	for (size_t i = 0; i < cfg->n_log_hosts; i++) {
		const struct cfg_log_host *h = &cfg->log_hosts[i];
		int tcp = h->protocol == CFG_LOG_TCP;

		out_fmt(o, "        Logging to %s %s %s/%d", h->interface, h->address,
			tcp ? "tcp" : "udp", h->port ? h->port : tcp ? 1470 : 514);
	}
	if (lg->device_id == CFG_DEVID_HOSTNAME)
		out_fmt(o, "    Device ID: hostname");
	else if (lg->device_id == CFG_DEVID_STRING)
		out_fmt(o, "    Device ID: string \"%s\"", lg->device_id_string);
	else
		out_fmt(o, "    Device ID: disabled");
}

void ctl_view_logging(struct request *r)
{
	struct show_out o = { r };

	if (r->json) {
		json_obj_begin(r->j);
		json_kv_int(r->j, "buffered_level", log_buffer_level());
		json_kv_uint(r->j, "buffered_logged", log_buffer_logged());
		json_kv_uint(r->j, "trap_logged", log_hosts_sent());
		json_key(r->j, "lines");
		json_arr_begin(r->j);
	} else {
		show_header(&o, r->ctl->m->cfg);
		out_line("", 0, &o);
	}
	log_buffer_each(out_line, &o);
	if (r->json) {
		json_arr_end(r->j);
		json_obj_end(r->j);
	}
}

void ctl_clear_logging(struct request *r)
{
	log_buffer_clear();
	if (r->json) {
		json_obj_begin(r->j);
		json_kv_bool(r->j, "cleared", 1);
		json_obj_end(r->j);
	}
}
