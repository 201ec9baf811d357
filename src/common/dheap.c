/* Indexed binary min-heap of deadlines (include/sslvpnd/dheap.h).  Each node
 * knows its index, so a deadline moves or goes without a search. */
#include "config.h"

#include <stdlib.h>

#include "sslvpnd/dheap.h"

static void place(struct dheap *h, size_t i, struct dheap_node *e)
{
	h->v[i] = e;
	e->pos = i + 1;
}

static void up(struct dheap *h, size_t i)
{
	struct dheap_node *e = h->v[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (h->v[p]->due <= e->due)
			break;
		place(h, i, h->v[p]);
		i = p;
	}
	place(h, i, e);
}

static void down(struct dheap *h, size_t i)
{
	struct dheap_node *e = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->due < h->v[c]->due)
			c++;
		if (e->due <= h->v[c]->due)
			break;
		place(h, i, h->v[c]);
		i = c;
	}
	place(h, i, e);
}

static int grow(struct dheap *h)
{
	size_t nc = h->cap ? h->cap * 2 : 64;
	struct dheap_node **nv = realloc(h->v, nc * sizeof(*nv));

	if (!nv)
		return -1;
	h->v = nv;
	h->cap = nc;
	return 0;
}

int dheap_set(struct dheap *h, struct dheap_node *e, uint64_t due)
{
	if (e->pos) {
		size_t i = e->pos - 1;
		uint64_t old = e->due;

		e->due = due;
		if (due < old)
			up(h, i);
		else
			down(h, i);
		return 0;
	}
	if (h->n == h->cap && grow(h) < 0)
		return -1;
	e->due = due;
	h->v[h->n] = e;
	up(h, h->n++);
	return 0;
}

void dheap_del(struct dheap *h, struct dheap_node *e)
{
	if (!e->pos)
		return;
	size_t i = e->pos - 1;
	struct dheap_node *last = h->v[--h->n];

	e->pos = 0;
	if (last == e)
		return;
	/* the last node fills the hole and goes whichever way it must */
	h->v[i] = last;
	last->pos = i + 1;
	if (i > 0 && h->v[(i - 1) / 2]->due > last->due)
		up(h, i);
	else
		down(h, i);
}

struct dheap_node *dheap_pop_due(struct dheap *h, uint64_t now)
{
	struct dheap_node *e = h->n ? h->v[0] : NULL;

	if (!e || e->due > now)
		return NULL;
	dheap_del(h, e);
	return e;
}

uint64_t dheap_next(const struct dheap *h)
{
	return h->n ? h->v[0]->due : UINT64_MAX;
}

void dheap_free(struct dheap *h)
{
	for (size_t i = 0; i < h->n; i++)
		h->v[i]->pos = 0;
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}
