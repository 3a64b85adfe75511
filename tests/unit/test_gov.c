/*
 * test_gov.c - the politeness governor (gov.h) on made-up times: no
 * sliding minute holds more than the limit, the back-off doubles with
 * jitter up to its cap and starts over after an answer, the table
 * forgets the least recently seen host when a bucket is full.
 */
#include "gov.h"
#include "t.h"
#include "tests.h"

static const uint8_t	 h1[4] = { 192, 0, 2, 1 };
static const uint8_t	 h2[4] = { 192, 0, 2, 2 };

/*
 * Send as fast as the meter allows for span ms; the most units seen in
 * any window of 60000 ms must be at most the limit.
 */
static void
pace_case(uint32_t conn_min, uint32_t rcpt_min, int conn, unsigned per)
{
	struct gov_limits	 l = { conn_min, rcpt_min, 1000, 8000 };
	static int64_t		 at[4096];
	unsigned		 n = 0, i, j, lim = conn ? conn_min : rcpt_min;
	int64_t			 t = 0, w;

	T_CHECK(gov_init(16, &l, 1) == 0);
	while (t < 180000 && n + per < sizeof(at) / sizeof(at[0])) {
		if (conn) {
			w = gov_conn_at(4, h1, 1, t);
			if (w <= t) {
				gov_conn(4, h1, t);
				at[n++] = t;
				continue;
			}
		} else {
			unsigned q = gov_rcpt_quota(4, h1, per, t);

			if (q > 0) {
				gov_rcpt(4, h1, q, t);
				for (i = 0; i < q; i++) {
					at[n++] = t;
				}
				continue;
			}
			w = gov_conn_at(4, h1, 1, t);
		}
		T_CHECKF(w > t, "no progress at %lld", (long long)t);
		t = w > t ? w : t + 1;
	}
	for (i = 0, j = 0; i < n; i++) {
		while (at[i] - at[j] >= 60000) {
			j++;
		}
		T_CHECKF(i - j + 1 <= lim, "limit %u: %u units in a minute "
		    "ending at %lld", lim, i - j + 1, (long long)at[i]);
	}
	/* and the pace is not absurdly slow: at least 3/4 of the limit */
	T_CHECKF(n >= lim * 3 * 3 / 4, "limit %u: only %u in 3 minutes", lim, n);
}

void
test_gov(void)
{
	static const struct {
		uint32_t	 conn_min, rcpt_min;
		int		 conn;
		unsigned	 per;
	} cases[] = {
		{ 60, 0, 1, 1 },
		{ 1, 0, 1, 1 },
		{ 7, 0, 1, 1 },
		{ 0, 600, 0, 8 },
		{ 0, 600, 0, 1 },
		{ 0, 30, 0, 20 },
		{ 0, 2, 0, 5 },
		{ 0, 0, 0, 0 }
	};
	struct gov_limits	 l = { 0, 0, 1000, 8000 };
	int64_t			 w, prev;
	unsigned		 i;

	for (i = 0; cases[i].per != 0; i++) {
		pace_case(cases[i].conn_min, cases[i].rcpt_min, cases[i].conn,
		    cases[i].per);
	}

	/* back-off: 1 s, 2 s, 4 s, 8 s, 8 s (cap), jitter up to a quarter */
	T_CHECK(gov_init(16, &l, 7) == 0);
	T_INTEQ(gov_conn_at(4, h1, 1, 0), 0);
	prev = 1000;
	for (i = 0; i < 5; i++) {
		gov_fail(4, h1, 100000 * (int64_t)i);
		w = gov_conn_at(4, h1, 1, 100000 * (int64_t)i) -
		    100000 * (int64_t)i;
		T_CHECKF(w >= prev && w <= prev + prev / 4, "pause %u: %lld, "
		    "want %lld..%lld", i, (long long)w, (long long)prev,
		    (long long)(prev + prev / 4));
		T_INTEQ(gov_rcpt_quota(4, h1, 5, 100000 * (int64_t)i), 0);
		prev = prev * 2 > 8000 ? 8000 : prev * 2;
	}
	T_INTEQ(gov_failures(4, h1), 5);
	T_CHECK(gov_until(4, h1) >= 400000 + 8000 &&
	    gov_until(4, h1) <= 400000 + 10000);
	T_CHECK(gov_until(4, h2) <= 0);
	T_INTEQ(gov_conn_at(4, h2, 1, 400000), 400000);	/* others free */
	gov_ok(4, h1);
	T_INTEQ(gov_failures(4, h1), 0);
	gov_fail(4, h1, 1000000);
	w = gov_conn_at(4, h1, 1, 1000000) - 1000000;
	T_CHECKF(w >= 1000 && w <= 1250, "after an answer: %lld", (long long)w);

	/*
	 * A full table never fails; it forgets the host whose state ends
	 * soonest, never a backed-off one (it was forgotten first: then
	 * asked again before its pause was over).
	 */
	T_CHECK(gov_init(GOV_WAYS, &l, 1) == 0);
	gov_fail(4, h1, 0);
	for (i = 0; i < 4 * GOV_WAYS; i++) {
		uint8_t a[4] = { 10, 0, 0, (uint8_t)i };

		gov_conn(4, a, 10 + i);
	}
	T_INTEQ(gov_failures(4, h1), 1);
	T_CHECK(gov_until(4, h1) > 10 + 4 * GOV_WAYS);
	/* hosts whose pace is met go first, least recently seen */
	T_CHECK(gov_init(GOV_WAYS, &l, 1) == 0);
	for (i = 0; i < GOV_WAYS; i++) {
		uint8_t a[4] = { 10, 0, 1, (uint8_t)i };

		gov_conn(4, a, (int64_t)i);
	}
	gov_fail(4, h1, 10000000);
	T_INTEQ(gov_failures(4, h1), 1);
	/* IPv6 keys use all 16 bytes */
	{
		uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8 }, b6[16] = { 0x20,
		    0x01, 0x0d, 0xb8 };

		b6[15] = 1;
		gov_fail(6, a6, 0);
		T_INTEQ(gov_failures(6, a6), 1);
		T_INTEQ(gov_failures(6, b6), 0);
	}
}
