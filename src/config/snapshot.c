/* Configuration snapshots (include/sslvpnd/snapshot.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/snapshot.h"
#include "sslvpnd/util.h"

struct cfg_snapshot *snapshot_new(struct sslvpnd_config *cfg, uint32_t gen)
{
	struct cfg_snapshot *s;

	if (!cfg)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		config_free(cfg);
		return NULL;
	}
	s->cfg = cfg;
	s->gen = gen;
	s->refs = 1;
	s->fingerprint = snapshot_fingerprint(cfg);
	return s;
}

uint64_t snapshot_fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;       /* FNV prime */
	}
	return h;
}

/* The dump without comment lines. */
static uint64_t dump_hash(const struct sslvpnd_config *cfg)
{
	uint64_t h = SNAPSHOT_FNV_INIT;
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	int rc;

	if (!fp)
		return 0;
	rc = config_dump(fp, cfg);
	if (fclose(fp) != 0 || rc < 0) {
		free(text);
		return 0;
	}
	for (char *line = text, *nl; line < text + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(text + len - line));
		if (!nl)
			nl = text + len;
		/* Comments (the header names the file) are not configuration. */
		if (*line != '#')
			h = snapshot_fnv(h, line, (size_t)(nl - line) + (nl < text + len));
	}
	free(text);
	return h ? h : 1;
}

uint64_t snapshot_fingerprint(const struct sslvpnd_config *cfg)
{
	return dump_hash(cfg);
}

struct cfg_snapshot *snapshot_ref(struct cfg_snapshot *s)
{
	if (s)
		s->refs++;
	return s;
}

void snapshot_unref(struct cfg_snapshot *s)
{
	if (!s || --s->refs)
		return;
	config_free(s->cfg);
	free(s);
}

void snapshot_error(struct cfg_errors *errs, const char *file, int line,
		    const char *fmt, ...)
{
	struct cfg_error *e;
	va_list ap;

	if (errs->n >= CFG_MAX_ERRORS) {
		errs->dropped++;
		return;
	}
	e = &errs->e[errs->n++];
	util_strlcpy(e->file, file, sizeof(e->file));
	e->line = line;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

static int same_listener(const struct cfg_interface *a, const struct cfg_interface *b)
{
	return !strcmp(a->name, b->name) && !strcmp(a->address, b->address) &&
	       a->port == b->port && a->dtls_port == b->dtls_port;
}

int snapshot_check_listeners(const struct sslvpnd_config *cur,
			     const struct sslvpnd_config *next,
			     struct cfg_errors *errs)
{
	size_t before = errs->n + errs->dropped;

	for (size_t i = 0; i < next->n_interfaces; i++) {
		const struct cfg_interface *n = &next->interfaces[i];
		const struct cfg_interface *c = i < cur->n_interfaces ? &cur->interfaces[i] : NULL;

		if (c && same_listener(c, n))
			continue;
		if (c)
			snapshot_error(errs, next->source, n->line,
				       "interface %s (%s port %u, dtls-port %u): the running "
				       "listener is %s %s port %u, dtls-port %u; listeners "
				       "change only at a restart",
				       n->name, n->address, n->port, n->dtls_port, c->name,
				       c->address, c->port, c->dtls_port);
		else
			snapshot_error(errs, next->source, n->line,
				       "interface %s: new interfaces are opened only at a restart",
				       n->name);
	}
	for (size_t i = next->n_interfaces; i < cur->n_interfaces; i++)
		snapshot_error(errs, next->source, 0,
			       "interface %s was removed: listeners close only at a restart",
			       cur->interfaces[i].name);
	return (int)(errs->n + errs->dropped - before);
}
