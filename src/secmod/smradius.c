/* RADIUS back-end of secmod's AAA (S15): placeholder until the client. */
#include "config.h"

#include "smaaa.h"
#include "sslvpnd/util.h"

static int rad_start(struct smaaa_req *r)
{
	util_strlcpy(r->rep.reason, "RADIUS client not built yet", sizeof(r->rep.reason));
	return -1;
}

static void rad_cancel(struct smaaa_req *r)
{
	(void)r;
}

const struct smaaa_backend smradius_backend = { rad_start, rad_cancel, NULL };
