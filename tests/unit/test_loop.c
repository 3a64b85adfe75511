/*
 * test_loop.c - loop.c: the timer heap against a model (random arming,
 * re-arming, stopping and expiring of a set of timers, checked after
 * every step against a plain array of (armed, when)), and signals caught
 * before the loop exists.
 *
 * Seeded: the seed is printed, and MXP_SEED=N replays it
 * (MXP_SEED=N build/<target>/test_unit timer_heap).  Time is never
 * waited for: "due" timers are armed far in the past and the others far
 * in the future (days), so one loop_once(0) fires exactly the due ones
 * whatever the machine's load, and the test never sleeps.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "loop.h"
#include "util.h"
#include "t.h"
#include "tests.h"

#define NT		48		/* timers */
#define STEPS		4000
#define FAR		(864000000LL)	/* ten days in ms */

static struct timer	 tm[NT];
static int		 armed[NT];	/* the model */
static int64_t		 when[NT];
static int		 fired[NT];	/* order of firing in this expiry */
static unsigned		 nfired;
static int64_t		 last_when;
static int		 out_of_order;

static void
on_fire(void *arg)
{
	int	 i = (int)((struct timer *)arg - tm);

	if (nfired > 0 && tm[i].when < last_when) {
		out_of_order = 1;
	}
	last_when = tm[i].when;
	fired[i]++;
	nfired++;
}

/* every armed timer of the model is armed in the heap, and no other */
static unsigned
agree(void)
{
	unsigned	 i, bad = 0;

	for (i = 0; i < NT; i++) {
		if (timer_armed(&tm[i]) != armed[i] ||
		    (armed[i] && tm[i].when != when[i])) {
			bad++;
		}
	}
	return bad;
}

/* one loop for every test (t_loop: room for the signal pipe, NT timers) */
static void
loop_ready(void)
{
	T_CHECK(t_loop() == 0);
}

void
test_timer_heap(void)
{
	uint64_t	 seed, st;
	const char	*e = getenv("MXP_SEED");
	unsigned	 step, i, r, due, bad = 0, ord = 0, fires = 0;
	int64_t		 base;

	loop_ready();
	seed = e != NULL && *e != '\0' ? strtoull(e, NULL, 10) :
	    (uint64_t)now_ms() ^ 0x9e3779b97f4a7c15ULL;
	if (seed == 0) {
		seed = 1;
	}
	printf("timer_heap: seed %llu (replay: MXP_SEED=%llu test_unit "
	    "timer_heap)\n", (unsigned long long)seed,
	    (unsigned long long)seed);
	st = seed;
	for (i = 0; i < NT; i++) {
		timer_init(&tm[i], on_fire, &tm[i]);
		armed[i] = 0;
	}
	base = loop_now();
	for (step = 0; step < STEPS; step++) {
		r = util_rand(&st) % 16;
		i = util_rand(&st) % NT;
		if (r < 9) {
			/* (re)arm, due or not; ties are frequent on purpose */
			int64_t off = (int64_t)(util_rand(&st) % 64) * 1000;

			when[i] = util_rand(&st) % 3 == 0 ? base - FAR + off :
			    base + FAR + off;
			timer_set(&tm[i], when[i]);
			armed[i] = 1;
		} else if (r < 14) {
			timer_stop(&tm[i]);
			armed[i] = 0;
		} else {
			/* expire: the due ones fire once each, by when */
			for (i = 0, due = 0; i < NT; i++) {
				fired[i] = 0;
			}
			nfired = 0;
			out_of_order = 0;
			if (loop_once(0) != 0) {
				bad++;
			}
			for (i = 0; i < NT; i++) {
				int d = armed[i] && when[i] < base;

				due += d;
				if (fired[i] != d) {
					bad++;
				}
				if (d) {
					armed[i] = 0;
				}
			}
			if (nfired != due) {
				bad++;
			}
			ord += out_of_order;
			fires += nfired;
		}
		if (agree() != 0) {
			bad++;
		}
	}
	T_CHECKF(bad == 0, "%u steps disagree with the model (seed %llu)",
	    bad, (unsigned long long)seed);
	T_CHECKF(ord == 0, "%u expiries out of order (seed %llu)", ord,
	    (unsigned long long)seed);
	T_CHECK(fires > 0);
	/* leave nothing armed for whoever uses the loop next */
	for (i = 0; i < NT; i++) {
		timer_stop(&tm[i]);
		armed[i] = 0;
	}
	T_INTEQ(agree(), 0);
}

/*
 * A signal caught between main()'s first step and the loop's set-up is
 * kept: loop_sig_init() catches from then on, loop_signals() neither
 * re-installs nor forgets (once, two handlers lost a SIGTERM sent in that
 * window: the run went on to the end).  SIGHUP is counted, never taken
 * for the first signal.  Last in the list: the process has "seen"
 * SIGTERM afterwards.
 */
void
test_early_signal(void)
{
	loop_ready();
	T_CHECK(loop_sig_init() == 0);
	T_CHECK(loop_sig_init() == 0);		/* idempotent */
	T_CHECK(loop_signal() == 0);
	raise(SIGHUP);
	T_CHECK(loop_hups() == 1);
	T_CHECK(loop_signal() == 0);
	raise(SIGTERM);
	raise(SIGINT);
	T_CHECK(loop_signal() == SIGTERM);
	T_CHECK(loop_signals() == 0);
	T_CHECK(loop_signal() == SIGTERM);
	/* the pipe holds the bytes: the first iteration drains, not waits */
	T_CHECK(loop_once(0) == 0);
	T_CHECK(loop_signal() == SIGTERM);
	T_CHECK(loop_hups() == 1);
}
