/* sslvpn-asa-import: an ASA running-config in, sslvpnd.conf out.
 *
 * asaimport_run reads ASA CLI text (show running-config, show run all, or a
 * paste with prompts, fences and pager noise), builds the sslvpnd objects it
 * names and writes them as libconfig text; every line it does not carry over
 * is reported with its line number and why.  Split in three:
 *   asaimport.c  input clean-up, sub-mode tracking, the command tables
 *   ai.c    the objects being built and their libconfig text
 *   aihex.c     crypto ca certificate chain hex dumps -> PEM files */
#ifndef SSLVPND_ASAIMPORT_H
#define SSLVPND_ASAIMPORT_H

#include <stddef.h>
#include <stdio.h>

struct asaimport_opts {
	const char *cert_dir; /* where chains become PEM files; NULL: not written */
	const char *listen;   /* address of interfaces the input gives none; NULL: 0.0.0.0 */
	const char *source;   /* input name for the header comment */
	int hash_cleartext;   /* hash a cleartext `password X` with scrypt (slow) */
};

/* Returns the number of errors reported (0: the output is complete), or -1
 * when the output could not be written. */
int asaimport_run(FILE *in, FILE *out, FILE *report, const struct asaimport_opts *o);

/* ---- internal: shared by the three files */
enum ai_sev { AI_NOTE, AI_DEFAULT, AI_IGNORED, AI_NA, AI_WARN, AI_ERROR };

enum ai_sect {
	S_IFACE, S_TP, S_POOL, S_POOL6, S_ACL, S_TR, S_GP, S_TG, S_CMAP, S_USER, S_DAP,
	S_AAA, S_AAAHOST, S_LDAPMAP, S_ACPROF, S_ACATTR, S_ACDATA, S_OBJGRP,
	S_SSL, S_CIPHER, S_WEBVPN, S_LB, S__COUNT
};

/* K_NOTE: a comment line in place of a key (an edit the report asks for). */
enum ai_kind { K_STR, K_RAW, K_LIST, K_NOTE };

struct ai_kv {
	char *key;
	enum ai_kind kind;
	char **v;
	size_t n;
};

struct ai_obj {
	enum ai_sect sect;
	char *name;
	int line;
	int hidden;           /* not written (a user needing a password, ...) */
	char *note;           /* comment written above it when hidden */
	struct ai_kv *kv;
	size_t nkv;
	struct ai_obj *parent; /* aaa host -> its server */
	int aux;               /* per-section: acl type known, tp chain kind, ... */
};

struct ai_model {
	struct ai_obj **o;
	size_t n, cap;
	FILE *report;
	int count[AI_ERROR + 1];
};

void ai_report(struct ai_model *m, int line, enum ai_sev sev, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct ai_obj *ai_find(struct ai_model *m, enum ai_sect s, const char *name);
struct ai_obj *ai_get(struct ai_model *m, enum ai_sect s, const char *name, int line);
struct ai_obj *ai_new(struct ai_model *m, enum ai_sect s, const char *name, int line);
struct ai_kv *ai_kv_find(struct ai_obj *o, const char *key);
void ai_set(struct ai_obj *o, const char *key, enum ai_kind kind, const char *v);
void ai_add(struct ai_obj *o, const char *key, const char *v);
void ai_unset(struct ai_obj *o, const char *key);
int ai_write(struct ai_model *m, FILE *out, const char *source);
void ai_free(struct ai_model *m);

/* aihex.c: hex lines of one certificate, then its PEM appended to path. */
struct aihex {
	unsigned char *der;
	size_t n, cap;
	int odd;              /* a half byte waits */
	unsigned char half;
};
int aihex_add(struct aihex *h, const char *text);
int aihex_pem(const struct aihex *h, char *pem, size_t cap, char *subject, size_t scap);
void aihex_free(struct aihex *h);

#endif
