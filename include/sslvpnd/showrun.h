/* ASA-style views of the configuration for sslvpnctl (S6): pure
 * functions printing `show running-config [all] group-policy`,
 * `show running-config tunnel-group` and `show running-config access-list`
 * to a stdio stream (open_memstream for a buffer).  src/policy/showrun.c. */
#ifndef SSLVPND_SHOWRUN_H
#define SSLVPND_SHOWRUN_H

#include <stdio.h>

#include "sslvpnd/config.h"

/* showrun_group_policy: `show running-config group-policy NAME` (all = 0:
 * the attributes set on the policy, "none" included) or
 * `show running-config all group-policy NAME` (all = 1: every attribute of
 * gpattrs.def with its effective value, each line ending in
 * "  ! <origin>": "set", "DfltGrpPolicy" or "built-in default").
 * NAME NULL prints every policy.  Returns 0, or -1 for an unknown name. */
int showrun_group_policy(FILE *fp, const struct sslvpnd_config *cfg,
			 const char *name, int all);

/* showrun_tunnel_group: `show running-config tunnel-group [NAME]`: what is
 * set beside the defaults, in ASA syntax.  0, or -1 for an unknown name. */
int showrun_tunnel_group(FILE *fp, const struct sslvpnd_config *cfg, const char *name);
/* showrun_aaa_server: the aaa-server groups (or group name; -1 when it
 * does not exist) in ASA syntax, keys and passwords as "*****" (S15). */
int showrun_aaa_server(FILE *fp, const struct sslvpnd_config *cfg, const char *name);

/* showrun_access_list: `show running-config access-list [NAME]`. */
int showrun_access_list(FILE *fp, const struct sslvpnd_config *cfg, const char *name);

#endif
