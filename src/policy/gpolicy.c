/* Group-policy inheritance: policy -> DfltGrpPolicy -> built-in defaults.
 *
 * The built-in defaults are the "default" column of gpattrs.def (through
 * gp_attr_table), parsed once into static gp_values so that an effective
 * policy is an array of pointers and never owns memory.  Main is single
 * threaded, so the lazy one-time parse needs no locking.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/log.h"
#include "sslvpnd/policy.h"

enum { GP_DFLT_TEXT_MAX = 256 };

static struct gp_value builtin[GPA__COUNT];
static char builtin_text[GPA__COUNT][GP_DFLT_TEXT_MAX];
static char *builtin_items[GPA__COUNT][CFG_LIST_MAX];
static int builtin_ready;

/* Split text in place on spaces into items; the table is ours, so too many
 * items is a programming error, not a config error. */
static size_t split_list(char *text, char **items, const char *key)
{
	size_t n = 0;
	char *save = NULL;
	char *tok;

	for (tok = strtok_r(text, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save)) {
		if (n == CFG_LIST_MAX)
			fatalx("gpattrs.def: default of %s has too many items", key);
		items[n++] = tok;
	}
	return n;
}

static long long parse_bool(const char *s)
{
	return strcmp(s, "true") == 0 || strcmp(s, "enable") == 0;
}

static void builtin_parse(enum gp_attr a)
{
	const struct gp_attr_info *info = &gp_attr_table[a];
	struct gp_value *v = &builtin[a];
	char *text = builtin_text[a];

	if (snprintf(text, GP_DFLT_TEXT_MAX, "%s",
		     info->dflt != NULL ? info->dflt : "none") >= GP_DFLT_TEXT_MAX)
		fatalx("gpattrs.def: default of %s is too long", info->key);
	if (strcmp(text, "none") == 0) {
		v->state = GP_NONE;
		return;
	}
	v->state = GP_VALUE;
	switch (info->type) {
	case GPT_INT:
		v->num = strtoll(text, NULL, 10);
		break;
	case GPT_BOOL:
		v->num = parse_bool(text);
		break;
	case GPT_STR:
	case GPT_ENUM:
		v->str = text;
		break;
	case GPT_LIST:
		v->list = builtin_items[a];
		v->n_list = split_list(text, v->list, info->key);
		break;
	}
}

const struct gp_value *gp_builtin(enum gp_attr a)
{
	int i;

	if (!builtin_ready) {
		for (i = 0; i < GPA__COUNT; i++)
			builtin_parse((enum gp_attr)i);
		builtin_ready = 1;
	}
	return &builtin[a];
}

/* A missing policy (not possible in a validated snapshot) contributes
 * nothing, so the session falls back to the defaults instead of crashing. */
void policy_resolve(const struct sslvpnd_config *cfg, const char *policy,
		    struct gp_effective *out)
{
	const struct cfg_group_policy *gp, *dflt;
	int i;

	if (policy == NULL || *policy == '\0')
		policy = POLICY_DFLT_GRP;
	memset(out, 0, sizeof(*out));
	snprintf(out->policy, sizeof(out->policy), "%s", policy);
	out->cfg = cfg;
	/* When the chosen policy is DfltGrpPolicy itself its values count as
	 * set on the policy (GPO_POLICY); the second level then adds nothing. */
	gp = config_group_policy(cfg, policy);
	dflt = config_group_policy(cfg, POLICY_DFLT_GRP);
	for (i = 0; i < GPA__COUNT; i++) {
		if (gp != NULL && gp->attr[i].state != GP_UNSET) {
			out->v[i] = &gp->attr[i];
			out->origin[i] = GPO_POLICY;
		} else if (dflt != NULL && dflt->attr[i].state != GP_UNSET) {
			out->v[i] = &dflt->attr[i];
			out->origin[i] = GPO_DFLT;
		} else {
			out->v[i] = gp_builtin((enum gp_attr)i);
			out->origin[i] = GPO_BUILTIN;
		}
	}
}

/* The effective value when it is a value, NULL for none. */
static const struct gp_value *eff_value(const struct gp_effective *e, enum gp_attr a)
{
	const struct gp_value *v;

	if ((unsigned)a >= GPA__COUNT)
		return NULL;
	v = e->v[a];
	return v != NULL && v->state == GP_VALUE ? v : NULL;
}

long long gp_num_or(const struct gp_effective *e, enum gp_attr a, long long none)
{
	const struct gp_value *v = eff_value(e, a);

	return v != NULL ? v->num : none;
}

const char *gp_str_or(const struct gp_effective *e, enum gp_attr a, const char *none)
{
	const struct gp_value *v = eff_value(e, a);

	return v != NULL && v->str != NULL ? v->str : none;
}

int gp_list_has(const struct gp_effective *e, enum gp_attr a, const char *item)
{
	const struct gp_value *v = eff_value(e, a);
	size_t i;

	if (v == NULL || item == NULL)
		return 0;
	for (i = 0; i < v->n_list; i++)
		if (v->list[i] != NULL && strcmp(v->list[i], item) == 0)
			return 1;
	return 0;
}
