/*
 * ring.c - fixed result ring with back-pressure; see ring.h.
 *
 * Invariants: written <= admitted; in input order admitted <= written +
 * cap; in completion order head <= tail <= head + cap; slot i is full
 * iff full[i].
 */
#include <stdlib.h>
#include <string.h>

#include "ring.h"
#include "util.h"

int
ring_init(struct ring *r, size_t cap, int ordered)
{
	memset(r, 0, sizeof(*r));
	if (cap == 0) {
		return -1;
	}
	r->slot = calloc(cap, sizeof(*r->slot));
	r->full = calloc(cap, 1);
	if (r->slot == NULL || r->full == NULL) {
		ring_free(r);
		return -1;
	}
	r->cap = cap;
	r->ordered = ordered;
	return 0;
}

void
ring_free(struct ring *r)
{
	free(r->slot);
	free(r->full);
	r->slot = NULL;
	r->full = NULL;
	r->cap = 0;
}

int
ring_room(const struct ring *r)
{
	return !r->ordered || r->admitted - r->written < r->cap;
}

int
ring_full(const struct ring *r)
{
	return !r->ordered && r->tail - r->head == r->cap;
}

void
ring_drop(struct ring *r)
{
	MXP_ASSERT(!r->ordered && r->written < r->admitted);
	r->written++;
}

uint64_t
ring_admit(struct ring *r)
{
	MXP_ASSERT(ring_room(r));
	return r->admitted++;
}

struct result *
ring_claim(struct ring *r, uint64_t seq)
{
	size_t		 i;
	struct result	*res;

	MXP_ASSERT(seq < r->admitted && (!r->ordered || seq >= r->written));
	MXP_ASSERT(!ring_full(r));
	i = (size_t)((r->ordered ? seq : r->tail++) % r->cap);
	MXP_ASSERT(!r->full[i]);
	res = &r->slot[i];
	/*
	 * Only the fixed part and the string heads are cleared: writers
	 * fill the strings they use and readers stop at the first NUL.
	 */
	memset(res, 0, offsetof(struct result, addr));
	res->domain[0] = res->detail[0] = res->text[0] = '\0';
	res->ecode[0] = res->mx[0] = res->ip[0] = res->tls[0] = '\0';
	res->mxlist[0] = '\0';
	res->seq = seq;
	res->catch_all = -1;
	return res;
}

void
ring_commit(struct ring *r, struct result *res)
{
	size_t	 i = (size_t)(res - r->slot);

	MXP_ASSERT(i < r->cap && !r->full[i]);
	r->full[i] = 1;
}

const struct result *
ring_peek(const struct ring *r)
{
	size_t	 i;

	if (r->written == r->admitted || (!r->ordered && r->head == r->tail)) {
		return NULL;
	}
	i = (size_t)((r->ordered ? r->written : r->head) % r->cap);
	return r->full[i] ? &r->slot[i] : NULL;
}

void
ring_pop(struct ring *r)
{
	size_t	 i;

	i = (size_t)((r->ordered ? r->written : r->head) % r->cap);
	MXP_ASSERT(r->full[i]);
	r->full[i] = 0;
	r->written++;
	if (!r->ordered) {
		r->head++;
	}
}
