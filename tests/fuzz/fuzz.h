/* The tiny harness every fuzz target shares (tests/fuzz/README.md).
 *
 * A target defines LLVMFuzzerTestOneInput only.  Built with
 * ./configure --enable-fuzzing (clang), libFuzzer supplies main(); in the
 * normal build replay.c supplies one that feeds every file of the target's
 * committed corpus (tests/fuzz/corpus/<target>/) to it, so `make check`
 * exercises each parser with gcc alone.  CHECK states a property the
 * caller relies on: it aborts the run (a libFuzzer crash, a failed test). */
#ifndef SSLVPND_FUZZ_H
#define SSLVPND_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",      \
				__FILE__, __LINE__, #cond);               \
			abort();                                          \
		}                                                         \
	} while (0)

/* A cursor over the input, for targets that read it as a program of
 * operations: reads past the end return zeros (so every input is valid). */
struct fz {
	const uint8_t *p;
	size_t n, off;
};

static inline uint8_t fz_u8(struct fz *f)
{
	return f->off < f->n ? f->p[f->off++] : 0;
}

static inline uint16_t fz_u16(struct fz *f)
{
	uint16_t hi = fz_u8(f);

	return (uint16_t)(hi << 8 | fz_u8(f));
}

/* The next want bytes (fewer at the end); *len their count. */
static inline const uint8_t *fz_bytes(struct fz *f, size_t want, size_t *len)
{
	size_t left = f->n - f->off;
	const uint8_t *p = f->p + f->off;

	*len = want < left ? want : left;
	f->off += *len;
	return p;
}

static inline size_t fz_left(const struct fz *f)
{
	return f->n - f->off;
}

#endif
