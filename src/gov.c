/*
 * gov.c - the politeness governor; see gov.h.
 *
 * Each rate is a GCRA meter: tat is the theoretical arrival time of the
 * next unit, I = 60000 / (limit - burst) ms the pace, tau = burst * I the
 * tolerance.  A unit may go at t when tat <= t + tau; it moves tat to
 * max(tat, t) + I.  Why no sliding minute can hold more than the limit:
 * the n-th unit after a first one at a1 goes no earlier than
 * a1 + (n - 1) * I - tau = a1 + (n - 1 - burst) * I; within 60000 ms
 * that allows n - 1 - burst < 60000 / I = limit - burst, so n <= limit.
 *
 * Back-off: pause = min(max, base << (failures - 1)) plus up to a
 * quarter of it at random (many clients backing off in step would come
 * back in step).
 */
#include <stdlib.h>
#include <string.h>

#include "gov.h"
#include "util.h"

struct gov_host {
	uint8_t		 used;
	uint8_t		 family;
	uint8_t		 a[16];
	uint16_t	 fails;		/* consecutive temporary failures */
	int64_t		 seen;		/* last use, for eviction */
	int64_t		 until;		/* backed off until */
	int64_t		 conn_tat;
	int64_t		 rcpt_tat;
	uint32_t	 conn_min;	/* 0: lim.conn_min */
	uint32_t	 rcpt_min;
};

static struct gov_host	*tab;
static size_t		 mask;
static struct gov_limits lim;
static uint64_t		 rng;

/* see gov.h */
int
gov_init(size_t n, const struct gov_limits *l, uint64_t seed)
{
	size_t	 cap = GOV_WAYS;

	while (cap < n) {
		cap <<= 1;
	}
	free(tab);
	tab = calloc(cap, sizeof(*tab));
	if (tab == NULL) {
		return -1;
	}
	mask = cap - 1;
	lim = *l;
	rng = seed | 1;
	return 0;
}

static size_t
alen(int family)
{
	return family == 4 ? 4 : 16;
}

/*
 * When its state ends: after that, forgetting the host costs nothing (a
 * pace met, a pause over, no failure counted).  INT64_MAX while it counts
 * consecutive failures (hosts_spent() reads them).
 */
static int64_t
state_end(const struct gov_host *g)
{
	int64_t	 t = g->until;

	if (g->fails > 0) {
		return INT64_MAX;
	}
	if (g->conn_tat > t) {
		t = g->conn_tat;
	}
	return g->rcpt_tat > t ? g->rcpt_tat : t;
}

/*
 * Is slot g a better one to give away than old?  A free slot first, then
 * one whose state has ended (least recently seen), then the one whose
 * state ends soonest: a backed-off host is the last to be forgotten (it
 * would be asked again before its pause is over).
 */
static int
better_victim(const struct gov_host *g, const struct gov_host *old,
    int64_t now)
{
	int64_t	 ge, oe;

	if (old == NULL || !g->used) {
		return old == NULL || old->used;
	}
	if (!old->used) {
		return 0;
	}
	ge = state_end(g);
	oe = state_end(old);
	if ((ge <= now) != (oe <= now)) {
		return ge <= now;
	}
	if (ge <= now) {
		return g->seen < old->seen;
	}
	return ge < oe;
}

/* the host's slot: found, a free one, or the one best forgotten */
static struct gov_host *
find(int family, const uint8_t *a, int64_t now)
{
	uint32_t	 h = 2166136261u;
	size_t		 i, k, n = alen(family);
	struct gov_host	*g, *old = NULL;

	for (i = 0; i < n; i++) {
		h = (h ^ a[i]) * 16777619u;
	}
	for (k = 0; k < GOV_WAYS; k++) {
		g = &tab[(h + k) & mask];
		if (g->used && g->family == family &&
		    memcmp(g->a, a, n) == 0) {
			if (now > g->seen) {
				g->seen = now;
			}
			return g;
		}
		if (better_victim(g, old, now)) {
			old = g;
		}
	}
	memset(old, 0, sizeof(*old));
	old->used = 1;
	old->family = (uint8_t)family;
	memcpy(old->a, a, n);
	old->seen = now;
	return old;
}

/* the pace I and tolerance tau of a per-minute limit */
static void
pace(uint32_t per_min, int64_t *i, int64_t *tau)
{
	uint32_t	 burst = per_min / 4;

	*i = (60000 + (per_min - burst) - 1) / (per_min - burst);
	*tau = (int64_t)burst * *i;
}

/* when n units may go together (<= now: now) */
static int64_t
meter_at(int64_t tat, uint32_t per_min, unsigned n, int64_t now)
{
	int64_t		 i, tau, t;

	if (per_min == 0 || n == 0) {
		return now;
	}
	pace(per_min, &i, &tau);
	if (n > per_min / 4 + 1) {
		n = per_min / 4 + 1;	/* more can never go at once */
	}
	t = (tat > now ? tat : now) + (int64_t)(n - 1) * i - tau;
	return t > now ? t : now;
}

static void
meter_use(int64_t *tat, uint32_t per_min, unsigned n, int64_t now)
{
	int64_t		 i, tau;

	if (per_min == 0) {
		return;
	}
	pace(per_min, &i, &tau);
	*tat = (*tat > now ? *tat : now) + (int64_t)n * i;
}

static uint32_t
conn_lim(const struct gov_host *g)
{
	return g->conn_min != 0 ? g->conn_min : lim.conn_min;
}

static uint32_t
rcpt_lim(const struct gov_host *g)
{
	return g->rcpt_min != 0 ? g->rcpt_min : lim.rcpt_min;
}

/* see gov.h */
void
gov_limit(int family, const uint8_t *a, uint32_t conn_min, uint32_t rcpt_min,
    int64_t now)
{
	struct gov_host	*g = find(family, a, now);

	g->conn_min = conn_min;
	g->rcpt_min = rcpt_min;
}

/* see gov.h */
int64_t
gov_conn_at(int family, const uint8_t *a, unsigned nrcpt, int64_t now)
{
	struct gov_host	*g = find(family, a, now);
	int64_t		 t = now, u;

	if (g->until > t) {
		t = g->until;
	}
	u = meter_at(g->conn_tat, conn_lim(g), 1, now);
	if (u > t) {
		t = u;
	}
	u = meter_at(g->rcpt_tat, rcpt_lim(g), nrcpt, now);
	return u > t ? u : t;
}

/* see gov.h */
void
gov_conn(int family, const uint8_t *a, int64_t now)
{
	struct gov_host	*g = find(family, a, now);

	meter_use(&g->conn_tat, conn_lim(g), 1, now);
}

/* see gov.h */
unsigned
gov_rcpt_quota(int family, const uint8_t *a, unsigned max, int64_t now)
{
	struct gov_host	*g = find(family, a, now);
	int64_t		 i, tau, room;

	if (g->until > now) {
		return 0;
	}
	if (rcpt_lim(g) == 0) {
		return max;
	}
	pace(rcpt_lim(g), &i, &tau);
	room = now + tau - (g->rcpt_tat > now ? g->rcpt_tat : now);
	if (room < 0) {
		return 0;
	}
	room = room / i + 1;
	return room < (int64_t)max ? (unsigned)room : max;
}

/* see gov.h */
int64_t
gov_rcpt_at(int family, const uint8_t *a, int64_t now)
{
	struct gov_host	*g = find(family, a, now);
	int64_t		 t = meter_at(g->rcpt_tat, rcpt_lim(g), 1, now);

	return g->until > t ? g->until : t;
}

/* see gov.h */
void
gov_rcpt(int family, const uint8_t *a, unsigned n, int64_t now)
{
	struct gov_host	*g = find(family, a, now);

	meter_use(&g->rcpt_tat, rcpt_lim(g), n, now);
}

/* see gov.h */
void
gov_fail(int family, const uint8_t *a, int64_t now)
{
	struct gov_host	*g = find(family, a, now);
	int64_t		 p = lim.backoff_ms;
	unsigned	 k;

	if (g->fails < UINT16_MAX) {
		g->fails++;
	}
	for (k = 1; k < g->fails && p < (int64_t)lim.backoff_max_ms; k++) {
		p *= 2;
	}
	if (p > (int64_t)lim.backoff_max_ms) {
		p = lim.backoff_max_ms;
	}
	p += p > 0 ? (int64_t)(util_rand(&rng) % (uint32_t)(p / 4 + 1)) : 0;
	if (now + p > g->until) {
		g->until = now + p;
	}
}

/* see gov.h */
void
gov_ok(int family, const uint8_t *a)
{
	struct gov_host	*g = find(family, a, 0);

	g->fails = 0;
}

/* see gov.h */
int64_t
gov_until(int family, const uint8_t *a)
{
	return find(family, a, 0)->until;
}

/* see gov.h */
unsigned
gov_failures(int family, const uint8_t *a)
{
	return find(family, a, 0)->fails;
}
