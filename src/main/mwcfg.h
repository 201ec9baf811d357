/* The workers' configuration, built by main (S10 "main decides, workers
 * are told"): see include/sslvpnd/wcfg.h for what it holds. */
#ifndef SSLVPND_MWCFG_H
#define SSLVPND_MWCFG_H

#include <stddef.h>
#include <stdint.h>

#include "sslvpnd/config.h"
#include "sslvpnd/tls.h"

/* The encoded configuration of one worker generation, held by main for
 * the generation's life: every worker of it (a crash restart included)
 * gets these bytes, so no file is read again. */
struct mwcfg {
	uint8_t *buf;               /* WCFG_* messages, framed (holds keys) */
	size_t len;
	uint8_t sha256[32];         /* of buf: equal = the same configuration */
	/* Its CA trustpoints as a client-chain verifier: main re-checks each
	 * chain a worker of the generation reports (workers hold a ref). */
	struct tls_verifier *verifier;
};

/* mwcfg_build: the workers' configuration of cfg: reads the trustpoint
 * files (as the running daemon's checks did), encodes, hashes.  0, or -1
 * with err filled. */
int mwcfg_build(const struct sslvpnd_config *cfg, struct mwcfg *out, char *err,
		size_t errlen);

/* mwcfg_same: 1 when a and b are the same configuration (SHA-256). */
int mwcfg_same(const struct mwcfg *a, const struct mwcfg *b);

/* mwcfg_send: WORKER_CONFIG on sock, with a sealed memfd holding c.  0, or
 * -1 (errno set; nothing sent). */
int mwcfg_send(const struct mwcfg *c, int sock);

/* mwcfg_free: wipe and release; c zeroed. */
void mwcfg_free(struct mwcfg *c);

#endif
