/* TLS material (include/sslvpnd/tlsmat.h): growing arrays and blobs. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sslvpnd/tlsmat.h"

/* Append one zeroed element to a growing array.  The capacity follows
 * from n (4, then doubled whenever n reaches a power of two), so the
 * structs carry no capacity field. */
static void *grow(void *arr, size_t *n, size_t size, void **out)
{
	if (*n == 0 || (*n >= 4 && !(*n & (*n - 1)))) {
		void *p = realloc(arr, (*n ? *n * 2 : 4) * size);

		if (!p) {
			*out = NULL;
			return arr;
		}
		arr = p;
	}
	*out = (char *)arr + *n * size;
	memset(*out, 0, size);
	(*n)++;
	return arr;
}

/* One builder per growing array of the material: append a zeroed element. */
#define ADDER(fn, type, owner, arr, n)                                       \
	type *fn(owner *o)                                                   \
	{                                                                    \
		type *e;                                                     \
		o->arr = grow(o->arr, &o->n, sizeof(*o->arr), (void **)&e);  \
		return e;                                                    \
	}
ADDER(tls_mat_add_iface, struct tls_mat_iface, struct tls_material, ifaces, n_ifaces)
ADDER(tls_mat_add_ctx, struct tls_mat_ctx, struct tls_mat_iface, ctx, n_ctx)
ADDER(tls_mat_add_ca, struct tls_mat_ca, struct tls_material, cas, n_cas)
ADDER(tls_mat_add_crl, struct tls_blob, struct tls_material, crls, n_crls)
ADDER(tls_mat_add_chain, struct tls_blob, struct tls_mat_id, chain, n_chain)

int tls_blob_set(struct tls_blob *b, const void *p, size_t n)
{
	free(b->p);
	b->p = NULL;
	b->n = 0;
	return tls_blob_append(b, p, n);
}

int tls_blob_append(struct tls_blob *b, const void *p, size_t n)
{
	uint8_t *q = realloc(b->p, b->n + n + 1);

	if (!q)
		return -1;
	memcpy(q + b->n, p, n);
	b->p = q;
	b->n += n;
	return 0;
}

static void blob_free(struct tls_blob *b, int wipe)
{
	if (wipe && b->p)
		explicit_bzero(b->p, b->n);
	free(b->p);
	b->p = NULL;
	b->n = 0;
}

static void id_free(struct tls_mat_id *id)
{
	blob_free(&id->cert, 0);
	blob_free(&id->key, 1);
	for (size_t i = 0; i < id->n_chain; i++)
		blob_free(&id->chain[i], 0);
	free(id->chain);
}

void tls_material_free(struct tls_material *m)
{
	for (size_t i = 0; i < m->n_ifaces; i++) {
		for (size_t c = 0; c < m->ifaces[i].n_ctx; c++)
			for (size_t k = 0; k < m->ifaces[i].ctx[c].n_ids; k++)
				id_free(&m->ifaces[i].ctx[c].ids[k]);
		free(m->ifaces[i].ctx);
	}
	free(m->ifaces);
	for (size_t i = 0; i < m->n_cas; i++)
		blob_free(&m->cas[i].der, 0);
	free(m->cas);
	for (size_t i = 0; i < m->n_crls; i++)
		blob_free(&m->crls[i], 0);
	free(m->crls);
	memset(m, 0, sizeof(*m));
}
