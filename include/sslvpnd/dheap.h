/* Deadlines on an indexed binary min-heap (pure: the caller passes the
 * clock).  A node lives inside the object it times (intrusive), so setting,
 * moving or cancelling a deadline allocates nothing but the heap's array and
 * costs O(log n); finding what is due costs O(1) when nothing is, and
 * O(log n) per due node.  Used by main for the sessions' timers (S11: work
 * happens when a deadline is due, nothing per session per tick). */
#ifndef SSLVPND_DHEAP_H
#define SSLVPND_DHEAP_H

#include <stddef.h>
#include <stdint.h>

/* Zero-initialised: not queued. */
struct dheap_node {
	uint64_t due;
	size_t pos;     /* index in the heap + 1; 0 = not queued */
};

struct dheap {
	struct dheap_node **v;
	size_t n, cap;
};

/* dheap_set: node queued (or moved) to due.  -1 out of memory: a node that
 * was queued stays at its old deadline, a new one stays out. */
int dheap_set(struct dheap *h, struct dheap_node *e, uint64_t due);
/* dheap_del: node out of the heap; a node not queued is a no-op. */
void dheap_del(struct dheap *h, struct dheap_node *e);
/* dheap_pop_due: the earliest node if its deadline is <= now, taken out of
 * the heap; NULL when nothing is due. */
struct dheap_node *dheap_pop_due(struct dheap *h, uint64_t now);
/* dheap_next: the earliest deadline, or UINT64_MAX when the heap is empty. */
uint64_t dheap_next(const struct dheap *h);
static inline int dheap_queued(const struct dheap_node *e)
{
	return e->pos != 0;
}
/* dheap_free: the array; the nodes are the caller's (all left unqueued). */
void dheap_free(struct dheap *h);

#endif
