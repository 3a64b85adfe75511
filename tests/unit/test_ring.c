/*
 * test_ring.c - back-pressure and the two orders of the result ring.
 */
#include "ring.h"
#include "t.h"
#include "tests.h"

static void
fill(struct ring *r, uint64_t seq)
{
	struct result	*res = ring_claim(r, seq);

	res->code = (uint16_t)seq;
	ring_commit(r, res);
}

void
test_ring(void)
{
	struct ring		 r;
	const struct result	*res;
	uint64_t		 s[4];
	int			 i;

	/*
	 * completion order: results come out as they are committed; what
	 * is in progress holds no slot, finished results do
	 */
	T_CHECK(ring_init(&r, 2, 0) == 0);
	for (i = 0; i < 3; i++) {
		T_CHECK(ring_room(&r));
		s[i] = ring_admit(&r);
		T_INTEQ(s[i], i);
	}
	T_CHECK(ring_room(&r));		/* admission is not bounded here */
	T_CHECK(!ring_full(&r));
	T_CHECK(ring_peek(&r) == NULL);	/* nothing finished yet */
	fill(&r, s[2]);
	fill(&r, s[0]);
	T_CHECK(ring_full(&r));		/* two finished, unwritten */
	res = ring_peek(&r);
	T_CHECK(res != NULL && res->seq == 2);
	ring_pop(&r);
	T_CHECK(!ring_full(&r));
	s[3] = ring_admit(&r);
	T_INTEQ(s[3], 3);
	res = ring_peek(&r);
	T_CHECK(res != NULL && res->seq == 0);
	ring_pop(&r);
	T_CHECK(ring_peek(&r) == NULL);
	fill(&r, s[3]);
	fill(&r, s[1]);
	res = ring_peek(&r);
	T_CHECK(res != NULL && res->seq == 3);
	ring_pop(&r);
	res = ring_peek(&r);
	T_CHECK(res != NULL && res->seq == 1 && res->catch_all == -1);
	ring_pop(&r);
	T_INTEQ(ring_pending(&r), 0);
	/* a dead output: a result with nowhere to go is still counted */
	s[0] = ring_admit(&r);
	s[1] = ring_admit(&r);
	s[2] = ring_admit(&r);
	fill(&r, s[0]);
	fill(&r, s[1]);
	T_CHECK(ring_full(&r));
	ring_drop(&r);
	T_INTEQ(ring_pending(&r), 2);
	ring_pop(&r);
	ring_pop(&r);
	T_INTEQ(ring_pending(&r), 0);
	T_CHECK(ring_peek(&r) == NULL);
	ring_free(&r);

	/* input order: a slow first address holds the others back */
	T_CHECK(ring_init(&r, 2, 1) == 0);
	s[0] = ring_admit(&r);
	s[1] = ring_admit(&r);
	T_CHECK(!ring_room(&r));
	fill(&r, s[1]);
	T_CHECK(ring_peek(&r) == NULL);
	fill(&r, s[0]);
	res = ring_peek(&r);
	T_CHECK(res != NULL && res->seq == 0);
	ring_pop(&r);
	s[2] = ring_admit(&r);
	res = ring_peek(&r);
	T_CHECK(res != NULL && res->seq == 1);
	ring_pop(&r);
	fill(&r, s[2]);
	res = ring_peek(&r);
	T_CHECK(res != NULL && res->seq == 2 && res->code == 2);
	ring_pop(&r);
	T_INTEQ(ring_pending(&r), 0);
	ring_free(&r);

	T_CHECK(ring_init(&r, 0, 0) == -1);
}
