/*
 * engine.c - the probe engine; see engine.h.
 *
 * Invariants:
 *  - every admitted address (an item) yields exactly one result, written
 *    by complete() and nowhere else; an item is attached to its domain
 *    (refs, all-list) from admission until then;
 *  - an item is in at most one list: its domain's queue (DNS or QUEUED),
 *    a session's batch (SESSION), its leader's followers (FOLLOWER), the
 *    free list; RETRY items wait on their own timer;
 *  - admission needs a ring slot, a free item and a domain entry; when
 *    any is missing nothing more is read (bounded memory, back-pressure);
 *  - a domain is evicted only when idle (refs == 0), least recently
 *    used first; its DNS answer, catch-all status and limits go with it.
 * Politeness: at most dom->limit sessions per domain (--per-domain,
 * lowered after a 421), and while the catch-all probe is out, one; every
 * new session waits until the governor (gov.h) lets a connection carrying
 * its batch go to one of the domain's hosts (a timer per domain, never a
 * sleep); every address has --attempts (transactions, reconnections,
 * greylisting retries) and then ends with the reason that stopped it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <udns.h>

#include "engine.h"
#include "features.h"
#include "fifo.h"
#include "proxy.h"
#include "feed.h"
#include "progress.h"
#include "gov.h"
#include "hostlim.h"
#include "loop.h"
#include "result.h"
#include "sess.h"
#include "timing.h"
#include "util.h"

enum item_state {
	ITEM_FREE,
	ITEM_DNS,		/* waiting for its domain's resolution */
	ITEM_QUEUED,		/* waiting for a session */
	ITEM_SESSION,		/* in a session's batch */
	ITEM_RETRY,		/* greylisted: waiting for its retry time */
	ITEM_FOLLOWER		/* a duplicate waiting for its leader */
};

struct dom;

/* one admitted address, from admission to its one result */
struct item {
	enum item_state	 state;
	uint64_t	 seq;
	uint64_t	 line;
	int64_t		 t0;		/* admission */
	uint16_t	 text_len;
	uint32_t	 full_len;
	uint8_t		 cut;
	uint8_t		 attempts;	/* transactions and connections */
	uint8_t		 greylisted;	/* retries used */
	uint8_t		 role;
	uint8_t		 utf8;		/* the local part is UTF-8 */
	uint8_t		 local_len;
	int64_t		 retry_at;	/* ITEM_RETRY: not before */
	struct dom	*dom;
	struct item	*next;		/* domain queue or free list */
	struct item	*anext, *aprev;	/* all items of the domain */
	struct item	*leader;	/* ITEM_FOLLOWER: whose result to copy */
	void		*tag;		/* serve: whom the result is for */
	struct item	*followers;	/* duplicates of this one (via next) */
	/*
	 * The input as given, for the result: NULL when it is exactly
	 * local "@" dom->name (most lines), else a slot of the engine's
	 * text pool (upper case, U-labels, a cut line...).
	 */
	char		*text;
	/* the local part as given (the domain is dom->name) */
	char		 local[ADDR_LOCAL_MAX + 1];
};

enum dom_state {
	DOM_FREE,
	DOM_DNS,
	DOM_READY
};

enum ca_state {
	CA_NONE,	/* not probed (yet) */
	CA_PROBING,	/* a session carries the probe */
	CA_DONE		/* dom->catch_all says */
};

/*
 * One domain: its DNS answer, queue, limits and catch-all status.  A
 * session started for it gets d->name, &d->mx and d as its arg: the
 * entry is pinned (active > 0, never on the idle list) from sess_start()
 * to the session's `closed` report, the only two places that change
 * active, so an entry is never reused under an open session.
 */
struct dom {
	enum dom_state	 state;
	char		 name[ADDR_DOMAIN_MAX + 1];
	uint32_t	 hash;
	struct dom	*hnext;		/* hash chain */
	struct dom	*lprev, *lnext;	/* idle list, LRU: no item, no session */
	uint8_t		 idle;		/* on the idle list (may be reused) */
	int64_t		 expires;	/* DNS answer good until */
	struct mx_res	 mx;
	FIFO(struct item) q;		/* ITEM_DNS or ITEM_QUEUED, via next */
	struct item	*all;		/* every attached item */
	uint32_t	 refs;
	uint16_t	 active;	/* sessions open to this domain */
	uint16_t	 limit;		/* sessions allowed at once */
	uint16_t	 batch;		/* RCPTs per transaction */
	int8_t		 catch_all;	/* -1 not known, 0, 1 */
	uint8_t		 ca_state;	/* enum ca_state */
	uint8_t		 ca_tries;
	uint8_t		 ready_q;	/* on the engine's ready list */
	/* an open session waiting for work (SESS_LINGER), or NULL */
	struct sess	*linger;
	struct timer	 retry;		/* greylisted items' next try */
	int64_t		 retry_first;	/* the earliest item of that burst */
	struct timer	 gather;	/* a batch's gathering window */
	struct timer	 gov;		/* the governor lets a session go */
	uint16_t	 nq;		/* items in the queue */
	uint8_t		 gathered;	/* the window has passed */
	struct dom	*rnext;		/* ready list: waits for a session */
};

static const struct config *cfg;
static struct ring	*ring;
static struct out	*out;
static struct input	*in;

/*
 * The item pool: items[0..items_hw) have been used at least once, the
 * freed ones are on free_items; the rest is untouched (not resident).
 */
static struct item	*items, *free_items;
static size_t		 nitems, items_used, items_hw;
/*
 * The text pool: the input of items whose line is not simply
 * local@domain, RES_ADDR_MAX bytes each, a quarter as many as items;
 * texts[0..texts_hw) used at least once, free ones chained through
 * their first bytes.  Admission wants a free item and a free text.
 */
typedef char		 text_slot[RES_ADDR_MAX];
static text_slot	*texts;
static char		*free_texts;
static size_t		 ntexts, texts_hw;

#define ITEM_ROOM()	((free_items != NULL || items_hw < nitems) && \
			    (free_texts != NULL || texts_hw < ntexts))
static struct dom	*doms;
static size_t		 ndoms, doms_used;
static struct dom	**htab;
static size_t		 hmask;
static struct dom	*idle_head, *idle_tail;
static FIFO(struct dom)	 ready;		/* waiting for a session slot */
static struct item	*held;
static struct addr	 held_a;	/* held's parsed address */
static eng_sink_fn	*sink;		/* serve: results go here */
static struct result	 scratch;	/* serve: the result being sent */
static unsigned		 pump(void);

static int		 in_eof, in_reg, in_h = -1, out_h = -1;
static int		 stopping, write_failed, read_failed;
static int		 worst;
static char		 helo_name[256];
static uint64_t		 rng_state;
static uint64_t		 nsessions;	/* opened, for the summary */
static struct timer	 tick;		/* --progress, --cache-file saves */

static void	kick(struct dom *d);
static void	kick_ready(void);
static void	on_retry(void *arg);
static void	on_gather(void *arg);
static void	on_gov(void *arg);
static void	kick_later(struct dom *d);
static const struct sess_ops sess_cbs;

/* see engine.h */
const char *
eng_helo(void)
{
	return helo_name;
}

static uint32_t
rnd(void)
{
	return util_rand(&rng_state);
}

/* the domain table's hash: the shard hash (domains are lower case) */
static uint32_t
hash(const char *s, size_t n)
{
	return res_fnv1a(s, n, 0);
}

/* ---- the source address (--source); back-off is the governor's (gov.c) ---- */

static struct sockaddr_storage	 src_ss;
static socklen_t		 src_len;

static void
source_init(void)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&src_ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&src_ss;

	if (cfg->source == NULL) {
		return;
	}
	memset(&src_ss, 0, sizeof(src_ss));
	if (inet_pton(AF_INET, cfg->source, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		src_len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, cfg->source, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		src_len = sizeof(*sin6);
	} else {
		die(EXIT_USAGE, "--source: want an IPv4 or IPv6 address, not \"",
		    cfg->source, "\"", NULL);
	}
}

/* sess_conf.bind: --source */
static int
source_bind(int fd, int family)
{
	if (src_len == 0) {
		return 0;
	}
	if ((family == 4) != (src_ss.ss_family == AF_INET)) {
		return -1;
	}
	return bind(fd, (struct sockaddr *)&src_ss, src_len);
}

/* sess_conf: the governor (gov.h) by mail host address; see sess.h */
static int
host_may_connect(const struct mx_addr *a, unsigned nrcpt)
{
	if (gov_conn_at(a->family, a->a, nrcpt, loop_now()) > loop_now()) {
		return 0;
	}
	gov_conn(a->family, a->a, loop_now());
	return 1;
}

static void
host_back_off(const struct mx_addr *a)
{
	gov_fail(a->family, a->a, loop_now());
}

static void
host_ok(const struct mx_addr *a)
{
	gov_ok(a->family, a->a);
}

static unsigned
host_quota(const struct mx_addr *a, unsigned max, int64_t *when)
{
	unsigned	 q = gov_rcpt_quota(a->family, a->a, max, loop_now());

	if (q == 0) {
		*when = gov_rcpt_at(a->family, a->a, loop_now());
	}
	return q;
}

static void
host_sent(const struct mx_addr *a, unsigned n)
{
	gov_rcpt(a->family, a->a, n, loop_now());
}

/* ---- domains ---- */

static void
idle_unlink(struct dom *d)
{
	if (!d->idle) {
		return;
	}
	d->idle = 0;
	if (d->lprev != NULL) {
		d->lprev->lnext = d->lnext;
	} else if (idle_head == d) {
		idle_head = d->lnext;
	}
	if (d->lnext != NULL) {
		d->lnext->lprev = d->lprev;
	} else if (idle_tail == d) {
		idle_tail = d->lprev;
	}
	d->lprev = d->lnext = NULL;
}

static void
idle_append(struct dom *d)
{
	if (d->idle) {
		return;
	}
	d->idle = 1;
	d->lprev = idle_tail;
	d->lnext = NULL;
	if (idle_tail != NULL) {
		idle_tail->lnext = d;
	} else {
		idle_head = d;
	}
	idle_tail = d;
}

static void
unhash(struct dom *d)
{
	struct dom	**pp = &htab[d->hash & hmask];

	for (; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == d) {
			*pp = d->hnext;
			return;
		}
	}
}

static struct dom *
dom_find(const char *name, size_t n, uint32_t h)
{
	struct dom	*d;

	for (d = htab[h & hmask]; d != NULL; d = d->hnext) {
		if (d->hash == h && strncmp(d->name, name, n) == 0 &&
		    d->name[n] == '\0') {
			return d;
		}
	}
	return NULL;
}

/*
 * An entry may be reused for another domain (it is on the idle list)
 * exactly when no item refers to it and no session to it is open.
 */
static void
dom_settle(struct dom *d)
{
	if (d->refs == 0 && d->active == 0) {
		idle_append(d);
	} else {
		idle_unlink(d);
	}
}

/* off the ready list, wherever it is (an entry about to be reused) */
static void
ready_remove(struct dom *d)
{
	struct dom	*p, *prev = NULL;

	if (!d->ready_q) {
		return;
	}
	for (p = ready.head; p != NULL; prev = p, p = p->rnext) {
		if (p == d) {
			FIFO_UNLINK(&ready, prev, d, rnext);
			break;
		}
	}
	d->ready_q = 0;
}

/* a fresh entry: a never-used one, else the least recently used idle */
static struct dom *
dom_new(const char *name, size_t n, uint32_t h)
{
	struct dom	*d = NULL;

	if (doms_used < ndoms) {
		d = &doms[doms_used++];
	} else if (idle_head != NULL) {
		d = idle_head;
		idle_unlink(d);
		unhash(d);
		ready_remove(d);
		timer_stop(&d->retry);
		timer_stop(&d->gather);
		timer_stop(&d->gov);
	} else {
		return NULL;
	}
	memset(d, 0, sizeof(*d));
	timer_init(&d->retry, on_retry, d);
	timer_init(&d->gather, on_gather, d);
	timer_init(&d->gov, on_gov, d);
	memcpy(d->name, name, n);
	d->name[n] = '\0';
	d->hash = h;
	d->hnext = htab[h & hmask];
	htab[h & hmask] = d;
	d->state = DOM_FREE;
	d->limit = (uint16_t)cfg->per_domain;
	d->batch = (uint16_t)cfg->rcpt_per_session;
	d->catch_all = -1;
	return d;
}

static void
attach(struct item *it, struct dom *d)
{
	d->refs++;
	dom_settle(d);
	it->dom = d;
	it->aprev = NULL;
	it->anext = d->all;
	if (d->all != NULL) {
		d->all->aprev = it;
	}
	d->all = it;
}

static void
detach(struct item *it)
{
	struct dom	*d = it->dom;

	if (it->aprev != NULL) {
		it->aprev->anext = it->anext;
	} else {
		d->all = it->anext;
	}
	if (it->anext != NULL) {
		it->anext->aprev = it->aprev;
	}
	it->dom = NULL;
	MXP_ASSERT(d->refs > 0);
	d->refs--;
	dom_settle(d);
}

/*
 * A session to d opens (+1, right before sess_start) or ends (-1, in its
 * `closed` report): an entry with a session open, if only a lingering
 * one without items, is never reused for another domain.
 */
static void
dom_active(struct dom *d, int delta)
{
	MXP_ASSERT(delta > 0 || d->active > 0);
	d->active = (uint16_t)(d->active + delta);
	dom_settle(d);
	if (delta < 0) {
		/* a session that left work queued (governor, budgets) */
		kick_later(d);
	}
}

static void
q_append(struct dom *d, struct item *it)
{
	d->nq++;
	FIFO_PUSH(&d->q, it, next);
}

static void
q_prepend(struct dom *d, struct item *it)
{
	d->nq++;
	FIFO_UNSHIFT(&d->q, it, next);
}

static struct item *
q_pop(struct dom *d)
{
	struct item	*it = d->q.head;

	if (it != NULL) {
		d->nq--;
		FIFO_SHIFT(&d->q, next);
		it->next = NULL;
	}
	return it;
}

/* ---- results ---- */

static void
fact_set(struct fact *f, enum reason r, const char *detail)
{
	memset(f, 0, sizeof(*f));
	f->reason = (uint8_t)r;
	f->ai = -1;
	if (detail != NULL) {
		str_copy(f->detail, sizeof(f->detail), detail, strlen(detail));
	}
}

/* what the DNS answer says, for results */
static void
mx_detail(const struct mx_res *mx, struct buf *b)
{
	static const struct {
		unsigned	 flag;
		const char	*text;
	} notes[] = {
		{ MX_F_IMPLICIT, "no MX record: implicit MX (RFC 5321 5.1)" },
		{ MX_F_LITERAL, "an MX is an IP literal (violates RFC 5321)" },
		{ MX_F_PRIVATE, "private or loopback mail host address" },
		{ MX_F_NOADDR, "an MX host has no address" },
		{ MX_F_CUT, "more MX hosts or addresses than kept" },
	};
	size_t		 i;
	const char	*sep = "";

	for (i = 0; i < MXP_NELEM(notes); i++) {
		if (mx->flags & notes[i].flag) {
			buf_adds(b, sep);
			buf_adds(b, notes[i].text);
			sep = "; ";
		}
	}
}

/*
 * The input of it, text_len bytes, into out: kept, or local "@" domain
 * (the domain from held_a while the item waits to be placed).
 */
static void
item_text(const struct item *it, char *to)
{
	const char	*d = it->dom != NULL ? it->dom->name : held_a.domain;

	if (it->text != NULL) {
		memcpy(to, it->text, it->text_len);
		return;
	}
	memcpy(to, it->local, it->local_len);
	to[it->local_len] = '@';
	memcpy(to + it->local_len + 1, d, it->text_len - it->local_len - 1);
}

static void
fill_result(struct result *res, const struct item *it, const struct fact *f)
{
	const struct dom	*d = it->dom;
	struct buf		 b;
	enum reason		 r = (enum reason)f->reason;

	item_text(it, res->addr);
	res->addr_len = it->text_len;
	res->addr_full_len = it->full_len;
	res->line = it->line;
	if (it->cut) {
		res->flags |= RES_F_CUT;
	}
	if (it->role) {
		res->flags |= RES_F_ROLE;
	}
	str_copy(res->domain, sizeof(res->domain), d->name, strlen(d->name));
	if (r == R_ACCEPTED && d->catch_all == 1) {
		r = R_CATCH_ALL;
	}
	res_reason(res, r, NULL);
	buf_init(&b, res->detail, sizeof(res->detail) - 1);
	buf_adds(&b, f->detail);
	if (cfg->mode == MODE_MX && d->state == DOM_READY && d->mx.flags != 0) {
		if (b.len > 0) {
			buf_adds(&b, "; ");
		}
		mx_detail(&d->mx, &b);
	}
	buf_nul(&b);
	res->code = f->code;
	memcpy(res->ecode, f->ecode, sizeof(res->ecode) < sizeof(f->ecode) ?
	    sizeof(res->ecode) : sizeof(f->ecode));
	res->ecode[sizeof(res->ecode) - 1] = '\0';
	memcpy(res->text, f->text, sizeof(res->text));
	memcpy(res->tls, f->tls, sizeof(res->tls));
	res->tlsi = f->tlsi;
	if (f->ai >= 0 && f->ai < d->mx.naddr) {
		mx_host_name(&d->mx, d->mx.addr[f->ai].host, res->mx,
		    sizeof(res->mx));
		mx_addr_text(&d->mx.addr[f->ai], res->ip, sizeof(res->ip));
	}
	if (cfg->mode == MODE_MX && d->state == DOM_READY) {
		/* --mx-only: the routing itself is the answer */
		buf_init(&b, res->mxlist, sizeof(res->mxlist) - 1);
		mx_list_text(&d->mx, &b);
		buf_nul(&b);
		mx_host_name(&d->mx, 0, res->mx, sizeof(res->mx));
		if (d->mx.naddr > 0) {
			mx_addr_text(&d->mx.addr[0], res->ip, sizeof(res->ip));
		}
	}
	res->catch_all = d->catch_all;
	res->attempts = it->attempts;
	res->elapsed_ms = (uint32_t)(loop_now() - it->t0);
}

static void
item_free(struct item *it)
{
	if (it->text != NULL) {
		memcpy(it->text, &free_texts, sizeof(free_texts));
		free_texts = it->text;
		it->text = NULL;
	}
	it->state = ITEM_FREE;
	it->next = free_items;
	free_items = it;
	items_used--;
}

/*
 * The ring slot for result seq.  In completion order a full ring is
 * written out first, blocking on the output if need be (a slow reader
 * slows us down, nothing is lost).  If the output is dead the result
 * has nowhere to go: it is counted and lands in scratch.
 */
static struct result *
slot_get(uint64_t seq)
{
	while (ring_full(ring) && !write_failed) {
		if (pump() == 0 && out_flush(out, 1) != 0) {
			write_failed = 1;
		}
	}
	if (ring_full(ring)) {
		ring_drop(ring);
		memset(&scratch, 0, sizeof(scratch));
		return &scratch;
	}
	return ring_claim(ring, seq);
}

static void
slot_put(struct result *res)
{
	if (res != &scratch) {
		ring_commit(ring, res);
	}
}

/* the one result of it, as f says (and copies for its duplicates) */
static void
complete(struct item *it, const struct fact *f0)
{
	struct result	*res, *r2;
	struct item	*f, *fnext;

	if (sink != NULL) {
		res = &scratch;
		memset(res, 0, sizeof(*res));
		res->catch_all = -1;
	} else {
		res = slot_get(it->seq);
	}
	fill_result(res, it, f0);
	if (sink != NULL) {
		sink(it->tag, res);
	} else {
		slot_put(res);
	}
	for (f = it->followers; f != NULL; f = fnext) {
		fnext = f->next;
		if (sink != NULL) {
			/* single flight: the same result for each asker */
			sink(f->tag, res);
			detach(f);
			item_free(f);
			continue;
		}
		r2 = slot_get(f->seq);
		if (r2 != res) {
			/* the leader's result; the slot keeps its own seq */
			uint64_t seq = r2->seq;

			*r2 = *res;
			r2->seq = seq;
		}
		item_text(f, r2->addr);
		r2->addr_len = f->text_len;
		r2->addr_full_len = f->full_len;
		r2->line = f->line;
		r2->flags = (uint8_t)((res->flags & ~RES_F_CUT) | RES_F_DUP |
		    (f->cut ? RES_F_CUT : 0));
		r2->elapsed_ms = (uint32_t)(loop_now() - f->t0);
		slot_put(r2);
		detach(f);
		item_free(f);
	}
	it->followers = NULL;
	detach(it);
	item_free(it);
}

static void
complete_with(struct item *it, enum reason r, const char *detail)
{
	struct fact	 f;

	fact_set(&f, r, detail);
	complete(it, &f);
}

/* what a DNS outcome means, for the detail column */
static const char *
dns_why(enum reason r)
{
	switch (r) {
	case R_NO_DOMAIN:
		return "the domain does not exist (NXDOMAIN)";
	case R_NULL_MX:
		return "null MX: the domain accepts no mail (RFC 7505)";
	case R_NO_MAIL_HOST:
		return "no MX record and no address";
	case R_MX_UNRESOLVABLE:
		return "no MX host has an address";
	case R_PRIVATE_MX:
		return "mail hosts are private or loopback (--allow-private "
		    "probes them)";
	case R_DNS_ERROR:
		return "the name server failed (SERVFAIL, REFUSED or a bad "
		    "answer)";
	case R_DNS_TIMEOUT:
		return "no answer from the name server";
	default:
		return NULL;
	}
}

/*
 * An item whose domain is resolved: its result now (--mx-only, or DNS
 * says no), or into the domain's queue for SMTP; the caller kicks.
 */
static void
dispatch(struct item *it)
{
	struct dom	*d = it->dom;

	if (cfg->mode == MODE_MX || d->mx.reason != R_NONE) {
		complete_with(it, d->mx.reason == R_NONE ? R_MX_OK :
		    (enum reason)d->mx.reason,
		    dns_why((enum reason)d->mx.reason));
		return;
	}
	it->state = ITEM_QUEUED;
	q_append(d, it);
}

/*
 * Per-domain limits by the best MX host's name: --limits FILE, then the
 * providers known to throttle verification (hostlim.c).  Only ever lower.
 */
static void
provider_limits(struct dom *d)
{
	char			 host[256];
	const struct hostlim	*l;

	if (d->mx.nhost == 0) {
		return;
	}
	mx_host_name(&d->mx, 0, host, sizeof(host));
	l = hostlim_find(host);
	if (l == NULL) {
		return;
	}
	if (l->sessions != 0 && d->limit > l->sessions) {
		d->limit = l->sessions;
	}
	if (l->batch != 0 && d->batch > l->batch) {
		d->batch = l->batch;
	}
}

static void
on_dns(void *arg, struct mx_res *res)
{
	struct dom	*d = arg;
	struct item	*it, *next;

	(void)res;
	d->state = DOM_READY;
	d->expires = loop_now() + (int64_t)d->mx.ttl_s * 1000;
	provider_limits(d);
	it = d->q.head;
	d->q.head = d->q.tail = NULL;
	d->nq = 0;
	for (; it != NULL; it = next) {
		next = it->next;
		dispatch(it);
	}
	kick(d);
}

static void
resolve(struct dom *d, struct item *it, const struct addr *a)
{
	d->state = DOM_DNS;
	it->state = ITEM_DNS;
	q_append(d, it);
	if (mx_backend(&d->mx)) {
		on_dns(d, &d->mx);
		return;
	}
	if (d->name[0] == '[') {
		mx_literal(&d->mx, (a->flags & ADDR_F_IPV6) ? 6 : 4, a->lit);
		on_dns(d, &d->mx);
		return;
	}
	mx_resolve(&d->mx, d->name, on_dns, d);
}

/*
 * Place an admitted item, whose parsed address is a, with its domain; 0
 * when no entry is free.  The item keeps its input and local part only.
 */
static int
place(struct item *it, const struct addr *a)
{
	uint32_t		 h = hash(a->domain, a->domain_len);
	struct dom		*d;
	struct item		*o;

	d = dom_find(a->domain, a->domain_len, h);
	if (d == NULL) {
		d = dom_new(a->domain, a->domain_len, h);
		if (d == NULL) {
			/* entries held by lingering sessions: let them go */
			sess_quit_idle();
			return 0;
		}
	}
	attach(it, d);
	/* the same address in flight: share its result */
	for (o = d->all; o != NULL; o = o->anext) {
		if (o != it && o->state != ITEM_FOLLOWER &&
		    o->local_len == it->local_len &&
		    memcmp(o->local, it->local, it->local_len) == 0) {
			it->state = ITEM_FOLLOWER;
			it->leader = o;
			it->next = o->followers;
			o->followers = it;
			return 1;
		}
	}
	if (d->state == DOM_FREE || (d->state == DOM_READY && d->refs == 1 &&
	    d->active == 0 && loop_now() >= d->expires)) {
		resolve(d, it, a);
	} else if (d->state == DOM_DNS) {
		it->state = ITEM_DNS;
		q_append(d, it);
	} else {
		dispatch(it);
		kick(d);
	}
	return 1;
}

/* ---- SMTP scheduling ---- */

static void
ready_add(struct dom *d)
{
	if (d->ready_q) {
		return;
	}
	d->ready_q = 1;
	FIFO_PUSH(&ready, d, rnext);
}

/* more sessions for d once the loop comes round, if more is queued */
static void
kick_later(struct dom *d)
{
	if (d->q.head != NULL && d->ca_state != CA_PROBING) {
		ready_add(d);
	}
}

static void
ca_local_new(char *out_local, size_t cap)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t		 i, n = cap - 1 < 16 ? cap - 1 : 16;

	out_local[0] = 'x';
	for (i = 1; i < n; i++) {
		out_local[i] = alnum[rnd() % (sizeof(alnum) - 1)];
	}
	out_local[n] = '\0';
}

/*
 * Up to max items of d's queue into batch, fewer if their commands would
 * not fit in tx bytes; *ca is set when the batch should carry the
 * catch-all probe, whose local part is then in ca_local; items and
 * probe together stay within max when max binds (max >= 2 for the
 * probe).  Each item handed out starts an attempt.  Returns the count.
 */
static unsigned
take_batch(struct dom *d, struct sess_rcpt *batch, unsigned max, size_t tx,
    int *ca, char *ca_local, size_t ca_cap)
{
	size_t		 used = sess_head_len(strlen(cfg->from));
	size_t		 dlen = strlen(d->name);
	unsigned	 n = 0, lim = d->batch;
	struct item	*it;

	*ca = 0;
	if (lim > max) {
		lim = max;
	}
	/* the probe goes with at least one address, within max */
	if (d->q.head != NULL && cfg->catch_all && d->ca_state == CA_NONE &&
	    d->ca_tries < CA_TRIES && max >= 2) {
		*ca = 1;
		d->ca_state = CA_PROBING;
		d->ca_tries++;
		ca_local_new(ca_local, ca_cap);
		used += sess_cmd_len(strlen(ca_local), dlen);
		if (lim == max) {
			lim--;	/* a limit of the caller counts the probe */
		}
	}
	while (n < lim && (it = d->q.head) != NULL) {
		used += sess_cmd_len(it->local_len, dlen);
		if (used > tx && n > 0) {
			break;
		}
		q_pop(d);
		it->state = ITEM_SESSION;
		if (it->attempts < UINT8_MAX) {
			it->attempts++;
		}
		batch[n].tag = it;
		batch[n].local = it->local;
		batch[n].local_len = it->local_len;
		batch[n].utf8 = it->utf8;
		n++;
	}
	/* the next batch gathers anew */
	d->gathered = 0;
	timer_stop(&d->gather);
	kick_later(d);
	return n;
}


/*
 * Should d's next batch wait for more addresses?  Only while more can
 * come (input open and admission possible), for one window per batch.
 */
static int
gathering(struct dom *d)
{
	unsigned	 want = d->batch < cfg->rcpt_per_session ? d->batch :
	    cfg->rcpt_per_session;

	if (sink != NULL || in_eof || stopping || d->gathered ||
	    d->nq >= want || held != NULL || !ITEM_ROOM() ||
	    !ring_room(ring)) {
		return 0;
	}
	if (!timer_armed(&d->gather)) {
		timer_set(&d->gather, loop_now() + GATHER_MS);
	}
	return 1;
}

static void
on_gather(void *arg)
{
	struct dom	*d = arg;

	d->gathered = 1;
	kick(d);
}

/* a host's own pace (--limits, by its name), told to the governor */
static void
host_limits(const struct dom *d, const struct mx_addr *a)
{
	char			 host[256];
	const struct hostlim	*l;

	mx_host_name(&d->mx, a->host, host, sizeof(host));
	l = hostlim_find(host);
	if (l != NULL && (l->conn_min != 0 || l->rcpt_min != 0)) {
		gov_limit(a->family, a->a, l->conn_min, l->rcpt_min,
		    loop_now());
	}
}

/*
 * When the governor lets a new session to d start (<= now: now), and
 * how many RCPTs it may carry then: the first of d's hosts that is
 * neither backed off nor over its connection or RCPT pace.
 */
static int64_t
gov_ready(const struct dom *d, unsigned *quota)
{
	const struct mx_addr	*a;
	int64_t			 now = loop_now(), t, best = INT64_MAX;
	int			 i;

	*quota = RCPT_MAX;
	for (i = 0; i < d->mx.naddr; i++) {
		a = &d->mx.addr[i];
		host_limits(d, a);
		t = gov_conn_at(a->family, a->a, 1, now);
		if (t <= now) {
			*quota = gov_rcpt_quota(a->family, a->a, RCPT_MAX, now);
			return now;
		}
		if (t < best) {
			best = t;
		}
	}
	return best == INT64_MAX ? now : best;
}

static void
on_gov(void *arg)
{
	kick(arg);
}

/*
 * Has every host of d failed --attempts times in a row (421s, rate
 * limits, busy greetings, never a real answer in between)?  Then asking
 * again only adds to its load: what is queued for d ends now.  So a host
 * that only ever says 421 sees about --attempts connections in a run,
 * however many addresses wait for it.  serve runs for days: there the
 * host gets one try after each pause (up to --backoff-max), and is
 * asked again normally once it answers.
 */
static int
hosts_spent(const struct dom *d)
{
	const struct mx_addr	*a;
	int			 i;

	if (d->mx.naddr == 0) {
		return 0;
	}
	for (i = 0; i < d->mx.naddr; i++) {
		a = &d->mx.addr[i];
		if (gov_failures(a->family, a->a) < cfg->attempts ||
		    (sink != NULL && gov_until(a->family, a->a) <=
		    loop_now())) {
			return 0;
		}
	}
	return 1;
}

static void
give_up_queue(struct dom *d)
{
	struct item	*it;
	struct fact	 f;
	struct buf	 b;

	fact_set(&f, R_RATE_LIMITED, NULL);
	buf_init(&b, f.detail, sizeof(f.detail) - 1);
	buf_adds(&b, "every mail host failed ");
	buf_addu(&b, cfg->attempts);
	buf_adds(&b, " times in a row (421 or rate limit): not asked again");
	buf_nul(&b);
	while ((it = q_pop(d)) != NULL) {
		complete(it, &f);
	}
}

/* start sessions for d while its limits and the pool allow */
static void
kick(struct dom *d)
{
	struct sess_rcpt batch[RCPT_MAX];
	struct sess	*s;
	unsigned	 n, quota;
	int		 ca;
	int64_t		 at;
	char		 ca_local[SESS_CA_LOCAL_MAX + 1];

	if (d->q.head != NULL && gathering(d)) {
		return;
	}
	if (d->linger != NULL && d->q.head != NULL && !stopping) {
		sess_wake(d->linger);
	}
	while (!stopping && d->q.head != NULL && d->active < d->limit &&
	    !(d->ca_state == CA_PROBING && d->active > 0)) {
		s = sess_get();
		if (s == NULL) {
			ready_add(d);
			return;
		}
		if (hosts_spent(d)) {
			give_up_queue(d);
			return;
		}
		/* the governor: wait on d's timer, not here */
		at = gov_ready(d, &quota);
		if (at > loop_now()) {
			if (!timer_armed(&d->gov) || d->gov.when > at) {
				timer_set(&d->gov, at);
			}
			return;
		}
		if (quota > cfg->rejects_per_session) {
			/* a new session: at most its rejection budget */
			quota = cfg->rejects_per_session;
		}
		n = take_batch(d, batch, quota, SESS_TX_CAP, &ca,
		    ca_local, sizeof(ca_local));
		nsessions++;
		dom_active(d, 1);
		sess_start(s, d->name, &d->mx, batch, n, ca ? ca_local : NULL,
		    &sess_cbs, d);
	}
}

static void
kick_ready(void)
{
	struct dom	*d;

	while (!FIFO_EMPTY(&ready) && sess_get() != NULL) {
		d = ready.head;
		FIFO_SHIFT(&ready, rnext);
		d->ready_q = 0;
		kick(d);
	}
}

/*
 * Greylisted items of a domain come back together: the domain's retry
 * timer fires a little (a tenth of --greylist-delay, at most 2 s:
 * timing.h) after the last item of a burst is due, and everything due
 * by then is queued, so one session carries the retries of one burst.
 * A burst is what was greylisted within half a --greylist-delay of its
 * first item (one transaction's replies, which a server may spread over
 * seconds): the first waits at most that much longer than it had to,
 * and none is asked before its own time, when the greylister would
 * refuse it again.
 */
static int64_t
retry_window(void)
{
	/* seconds times permille: milliseconds */
	int64_t	 w = (int64_t)cfg->greylist_delay_s * GREY_WINDOW_PERMILLE;

	return w < GREY_WINDOW_MAX_MS ? w : GREY_WINDOW_MAX_MS;
}

static void
retry_add(struct dom *d, int64_t at)
{
	if (!timer_armed(&d->retry)) {
		d->retry_first = at;
		timer_set(&d->retry, at + retry_window());
	} else if (at - d->retry_first <= (int64_t)cfg->greylist_delay_s *
	    GREY_BURST_PERMILLE && at + retry_window() > d->retry.when) {
		timer_set(&d->retry, at + retry_window());
	}
}

static void
retry_arm(struct dom *d)
{
	struct item	*it;
	int64_t		 first = INT64_MAX;

	for (it = d->all; it != NULL; it = it->anext) {
		if (it->state == ITEM_RETRY && it->retry_at < first) {
			first = it->retry_at;
		}
	}
	if (first != INT64_MAX) {
		timer_stop(&d->retry);
		retry_add(d, first);
		for (it = d->all; it != NULL; it = it->anext) {
			if (it->state == ITEM_RETRY) {
				retry_add(d, it->retry_at);
			}
		}
	}
}

static void
on_retry(void *arg)
{
	struct dom	*d = arg;
	struct item	*it;

	for (it = d->all; it != NULL; it = it->anext) {
		if (it->state == ITEM_RETRY && it->retry_at <= loop_now()) {
			it->state = ITEM_QUEUED;
			q_append(d, it);
		}
	}
	retry_arm(d);
	kick(d);
}

/* ---- the reports of the sessions the engine starts (sess.h) ---- */

static unsigned
on_take(void *arg, struct sess_rcpt *r, unsigned max, size_t room, int *ca,
    char *ca_local, size_t cap)
{
	return take_batch(arg, r, max, room, ca, ca_local, cap);
}

static int
on_queued(void *arg)
{
	const struct dom *d = arg;

	return d->q.head != NULL;
}

/*
 * Lingering: after its last transaction a session may wait briefly for
 * more of its domain's addresses, when more input may come.
 */
static int
on_may_linger(void *arg)
{
	const struct dom *d = arg;

	return !stopping && ((!in_eof && feed_more(d->name,
	    strlen(d->name))) || held != NULL || d->q.head != NULL);
}

/* the waiting session gets new work instead of a new session */
static void
on_linger(void *arg, struct sess *s, int on)
{
	struct dom	*d = arg;

	if (on) {
		d->linger = s;
	} else if (d->linger == s) {
		d->linger = NULL;
	}
}

static void
on_attempt(void *arg, void *tag)
{
	struct item	*it = tag;

	(void)arg;
	if (it->attempts < UINT8_MAX) {
		it->attempts++;
	}
}

static void
on_rcpt(void *arg, void *tag, const struct fact *f)
{
	struct item	*it = tag;

	(void)arg;
	if (f->reason == R_GREYLISTED && !cfg->no_retry && !stopping &&
	    it->greylisted < cfg->greylist_max &&
	    it->attempts < cfg->attempts) {
		/* RFC 6647: come back later; nothing sleeps meanwhile */
		it->greylisted++;
		it->state = ITEM_RETRY;
		it->retry_at = loop_now() + (int64_t)cfg->greylist_delay_s *
		    1000;
		retry_add(it->dom, it->retry_at);
		return;
	}
	complete(it, f);
}

static void
on_catchall(void *arg, const struct reply *r)
{
	struct dom	*d = arg;

	if (r == NULL) {
		/* no reply to the probe: a later batch asks again */
		if (d->ca_state == CA_PROBING) {
			d->ca_state = CA_NONE;
		}
		return;
	}
	switch (verdict_smtp(STAGE_RCPT, r)) {
	case R_ACCEPTED:
		d->catch_all = 1;
		d->ca_state = CA_DONE;
		break;
	case R_MAILBOX_MISSING:
	case R_MAILBOX_INVALID:
	case R_REJECTED:
	case R_REJECTED_UNCLEAR:	/* a random name refused: not accept-all */
	case R_DISABLED:
		d->catch_all = 0;
		d->ca_state = CA_DONE;
		break;
	case R_GREYLISTED:
	case R_TEMP_FAILURE:
	case R_RATE_LIMITED:
		d->ca_state = CA_NONE;	/* ask again in a later batch */
		break;
	default:
		d->ca_state = CA_DONE;	/* blocked: stays unknown */
		break;
	}
	/* the probing session takes the next batch; others may follow */
}

/*
 * Is an item the session could not answer asked again?  Not when it has
 * used its --attempts, nor after a failure that says something about it
 * (timeouts, blocks...); yes after a put-back (too many recipients, a
 * session's error limit), a host's rate limit (the governor makes the
 * next try wait), or a lost session (once).
 */
static int
ask_again(const struct item *it, const struct fact *f)
{
	if (stopping || it->attempts >= cfg->attempts) {
		return 0;
	}
	switch ((enum reason)f->reason) {
	case R_NONE:
	case R_RATE_LIMITED:
		return 1;
	case R_PROTOCOL_ERROR:
		return it->attempts < MAX_ATTEMPTS;
	default:
		return f->again;
	}
}

/* an item ends: its budget spent, say so in the detail */
static void
complete_spent(struct item *it, const struct fact *f)
{
	struct fact	 g = *f;
	struct buf	 b;

	if (g.reason == R_NONE) {
		g.reason = R_RATE_LIMITED;	/* put back until spent */
	}
	buf_init(&b, g.detail, sizeof(g.detail) - 1);
	b.len = strlen(g.detail);
	buf_adds(&b, b.len > 0 ? "; " : "");
	buf_adds(&b, "gave up after ");
	buf_addu(&b, it->attempts);
	buf_adds(&b, " attempts");
	buf_nul(&b);
	complete(it, &g);
}

/*
 * The host of d's session limited us: the addresses queued behind the
 * batch (but not the batch, charged already) waited for the same host,
 * so the attempt counts for them too.  A host that only ever says 421
 * thus sees --attempts connections for a domain, not that many per
 * batch.  Called before the batch is put back.
 */
static void
charge_queue(struct dom *d, const struct fact *fail)
{
	struct item	*it, *prev = NULL, *next;

	for (it = d->q.head; it != NULL; it = next) {
		next = it->next;
		if (it->attempts < UINT8_MAX) {
			it->attempts++;
		}
		if (it->attempts < cfg->attempts) {
			prev = it;
			continue;
		}
		FIFO_UNLINK(&d->q, prev, it, next);
		d->nq--;
		complete_spent(it, fail);
	}
}

/* 452 4.5.3 after some were accepted: smaller transactions */
static void
on_batch_cut(void *arg, unsigned n)
{
	struct dom	*d = arg;

	if (d->batch > 1) {
		d->batch = (uint16_t)n;
	}
}

/* items a session could not answer: asked again, or their result */
static void
on_unanswered(void *arg, void *const *left, unsigned n,
    const struct fact *fail)
{
	struct dom	*d = arg;
	unsigned	 i;
	enum reason	 r = (enum reason)fail->reason;

	if (r == R_RATE_LIMITED && d->limit > 1) {
		d->limit = 1;	/* lowered after a 421 or a rate limit */
	}
	if (r == R_RATE_LIMITED && !stopping && !fail->charged) {
		charge_queue(d, fail);
	}
	for (i = n; i-- > 0;) {
		struct item *it = (struct item *)left[i];

		if (ask_again(it, fail)) {
			/* put back: the next session (governor permitting) */
			it->state = ITEM_QUEUED;
			q_prepend(d, it);
			continue;
		}
		if (!stopping && it->attempts >= cfg->attempts &&
		    (r == R_NONE || r == R_RATE_LIMITED || fail->again)) {
			complete_spent(it, fail);
			continue;
		}
		complete(it, fail);
	}
	kick(d);
	kick_ready();
}

/* the session's end: the entry is free to go once nothing refers to it */
static void
on_closed(void *arg, struct sess *s, void *const *left, unsigned n,
    const struct fact *fail, const struct hello *h)
{
	struct dom	*d = arg;

	(void)h;
	on_linger(d, s, 0);
	dom_active(d, -1);
	on_unanswered(d, left, n, fail);
}

static const struct sess_ops sess_cbs = {
	on_take, on_queued, on_may_linger, on_linger, on_attempt, on_rcpt,
	on_catchall, on_batch_cut, on_unanswered, on_closed
};

/* ---- admission, output, the run ---- */

static struct item *
item_new(uint64_t seq, const struct input_line *l, const struct addr *a)
{
	struct item	*it = free_items;

	if (it != NULL) {
		free_items = it->next;
	} else {
		MXP_ASSERT(items_hw < nitems);
		it = &items[items_hw++];
	}
	items_used++;
	memset(it, 0, sizeof(*it));
	it->seq = seq;
	it->line = l->lineno;
	it->t0 = loop_now();
	memcpy(it->local, a->local, a->local_len + 1);
	it->local_len = (uint8_t)a->local_len;
	it->utf8 = (a->flags & ADDR_F_UTF8) != 0;
	it->text_len = (uint16_t)(l->len < RES_ADDR_MAX ? l->len :
	    RES_ADDR_MAX);
	if (l->len != a->local_len + 1 + a->domain_len ||
	    memcmp(l->s, a->local, a->local_len) != 0 ||
	    l->s[a->local_len] != '@' ||
	    memcmp(l->s + a->local_len + 1, a->domain, a->domain_len) != 0) {
		if (free_texts != NULL) {
			it->text = free_texts;
			memcpy(&free_texts, it->text, sizeof(free_texts));
		} else {
			MXP_ASSERT(texts_hw < ntexts);
			it->text = texts[texts_hw++];
		}
		memcpy(it->text, l->s, it->text_len);
	}
	it->full_len = l->full_len > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)l->full_len;
	it->cut = it->text_len < l->full_len;
	it->role = (uint8_t)res_is_role(a);
	it->next = it->anext = it->aprev = NULL;
	it->leader = it->followers = NULL;
	it->dom = NULL;
	it->tag = NULL;
	return it;
}

/* a syntax failure: its result at once */
static void
result_syntax(uint64_t seq, const struct input_line *l, enum addr_err e)
{
	struct result	*res = slot_get(seq);

	res_input(res, l);
	res_syntax(res, e);
	slot_put(res);
}

/* admit what can be admitted; returns how many */
static unsigned
admit(void)
{
	struct input_line	 l;
	struct addr		 a;
	enum addr_err		 e;
	enum input_rc		 rc;
	unsigned		 n = 0;
	uint64_t		 seq;
	const struct cache_ent	*ce;
	struct result		*res;

	while (!stopping) {
		if (held != NULL) {
			if (!place(held, &held_a)) {
				break;
			}
			held = NULL;
			n++;
			continue;
		}
		if (in_eof || !ring_room(ring) || !ITEM_ROOM()) {
			break;
		}
		rc = feed_next(in, &l, &a, &e);
		if (rc == INPUT_AGAIN) {
			break;			/* poll() says when */
		}
		if (rc == INPUT_EOF || rc == INPUT_ERROR) {
			if (rc == INPUT_ERROR) {
				msg("reading input: ", strerror(in->err), NULL);
				read_failed = 1;
			}
			in_eof = 1;
			break;
		}
		seq = ring_admit(ring);
		n++;
		if (e != ADDR_OK) {
			result_syntax(seq, &l, e);
			continue;
		}
		if ((ce = feed_cache_get(&a)) != NULL) {
			/* --cache-file: answered by an earlier run */
			res = slot_get(seq);
			res_input(res, &l);
			feed_cache_fill(res, ce, &a);
			slot_put(res);
			continue;
		}
		held = item_new(seq, &l, &a);
		if (place(held, &a)) {
			held = NULL;
		} else {
			held_a = a;
		}
	}
	return n;
}

/* see engine.h */
int
eng_drain(struct ring *rg, struct out *o, int *worst_v, int wait)
{
	const struct result	*res;
	int			 n = 0;

	while ((res = ring_peek(rg)) != NULL) {
		if (!out_room(o)) {
			if (!wait && !o->is_reg) {
				break;		/* a pipe: POLLOUT says when */
			}
			if (out_flush(o, 1) != 0) {
				return -1;
			}
		}
		out_result(o, res);
		if (res->verdict > *worst_v) {
			*worst_v = res->verdict;
		}
		prog_result(res);
		if (!wait) {
			/* --cache-file keeps probed answers only */
			feed_learn(res);
		}
		ring_pop(rg);
		n++;
	}
	if ((wait || o->is_reg) && out_pending(o) > 0 &&
	    out_flush(o, 1) != 0) {
		return -1;
	}
	return n;
}

/* move finished results to the writer; returns how many */
static unsigned
pump(void)
{
	int	 n = eng_drain(ring, out, &worst, 0);

	if (n < 0) {
		write_failed = 1;
		return 0;
	}
	return (unsigned)n;
}

static void
on_out(void *arg, int revents)
{
	(void)arg;
	(void)revents;
	if (out_flush(out, 0) != 0) {
		write_failed = 1;
	}
}

static void
on_in(void *arg, int revents)
{
	(void)arg;
	(void)revents;
	if (input_fill(in) < 0) {
		msg("reading input: ", strerror(in->err), NULL);
		read_failed = 1;
		in_eof = 1;
	}
}

/*
 * SIGINT/SIGTERM or a dead output: every address admitted gets its
 * result now (unknown interrupted), sessions and queries are dropped.
 * Addresses not yet read from a file or the arguments get one too; from
 * a pipe or terminal nothing more is read.
 */
static void
abort_all(const struct fact *f)
{
	size_t		 i;
	struct dom	*d;
	struct item	*it, *next;

	stopping = 1;
	sess_abort_all(f);
	for (i = 0; i < doms_used; i++) {
		d = &doms[i];
		if (d->state == DOM_DNS) {
			mx_cancel(&d->mx);
			d->state = DOM_FREE;
		}
		it = d->q.head;
		d->q.head = d->q.tail = NULL;
		d->nq = 0;
		for (; it != NULL; it = next) {
			next = it->next;
			complete(it, f);
		}
	}
	for (i = 0; i < items_hw; i++) {
		if (items[i].state == ITEM_RETRY) {
			complete(&items[i], f);
		}
	}
	for (i = 0; i < doms_used; i++) {
		timer_stop(&doms[i].retry);
		timer_stop(&doms[i].gather);
		timer_stop(&doms[i].gov);
	}
}

/* see engine.h */
void
eng_abort(enum reason r, const char *detail)
{
	struct fact	 f;

	fact_set(&f, r, detail);
	abort_all(&f);
}

static void
interrupt(void)
{
	struct fact		 f;
	struct input_line	 l;

	fact_set(&f, R_INTERRUPTED, loop_signal() == 15 ? "SIGTERM" :
	    loop_signal() != 0 ? "SIGINT" : "output failed");
	abort_all(&f);
	if (held != NULL) {
		/* read, not yet placed: its one result, interrupted too */
		char			 t[RES_ADDR_MAX];
		struct input_line	 hl = { t, held->text_len,
		    held->full_len, held->line, 0 };
		struct result		*res;

		MXP_ASSERT(held->dom == NULL);
		item_text(held, t);
		res = slot_get(held->seq);
		res_input(res, &hl);
		res_reason(res, R_INTERRUPTED, f.detail);
		slot_put(res);
		item_free(held);
		held = NULL;
	}
	MXP_ASSERT(items_used == 0);
	feed_rest(in);
	while (!in_eof && (in_reg || in->fd < 0) && !write_failed) {
		struct addr	 a;
		enum addr_err	 e;
		enum input_rc	 rc = feed_next(in, &l, &a, &e);

		if (rc != INPUT_LINE) {
			break;
		}
		if (!ring_room(ring)) {
			pump();
			if (out_pending(out) > 0 && out_flush(out, 1) != 0) {
				write_failed = 1;
				break;
			}
		}
		{
			struct result *res = slot_get(ring_admit(ring));

			res_input(res, &l);
			res_reason(res, R_INTERRUPTED, f.detail);
			slot_put(res);
		}
	}
	in_eof = 1;
}

/* see engine.h */
void
eng_prog(struct prog_eng *st)
{
	size_t		 i;
	int64_t		 next = INT64_MAX;

	memset(st, 0, sizeof(*st));
	st->sessions = nsessions;
	st->round_trips = nsessions + sess_writes();
	st->open = sess_active();
	for (i = 0; i < items_hw; i++) {
		st->retry_wait += items[i].state == ITEM_RETRY;
	}
	for (i = 0; i < doms_used; i++) {
		if (timer_armed(&doms[i].retry) && doms[i].retry.when < next) {
			next = doms[i].retry.when;
		}
	}
	st->retry_next = next == INT64_MAX ? -1 : next > loop_now() ?
	    next - loop_now() : 0;
}

/* feed.h: free items, so that a pass starts when it fits */
static unsigned
eng_room(void)
{
	return (unsigned)(nitems - items_used);
}

/* --progress redraws, --cache-file saves: how often to look */
static int64_t
tick_period(void)
{
	return prog_period() > 0 ? prog_period() : 1000;
}

static void
on_tick(void *arg)
{
	struct prog_eng	 st;

	(void)arg;
	eng_prog(&st);
	prog_tick(&st);
	feed_save(0);
	timer_set(&tick, loop_now() + tick_period());
}

/*
 * Is name a fully qualified host name one may say in EHLO (RFC 5321
 * 2.3.5, 4.1.1.1)?  A dot, valid syntax, and not under a suffix that
 * only means something on this network (RFC 6762 .local, RFC 8375
 * .home.arpa, the Debian/OpenWrt habits .localdomain and .lan).
 */
static int
helo_fqdn(const char *name)
{
	static const char *const local[] = { "localdomain", "local", "lan",
	    "home", "internal", "localhost", "home.arpa", "invalid" };
	char		 mb[ADDR_PATH_MAX + 1];
	struct addr	 a;
	struct buf	 b;
	size_t		 i, n = strlen(name), k;

	if (strchr(name, '.') == NULL || name[n - 1] == '.') {
		return 0;
	}
	for (i = 0; i < MXP_NELEM(local); i++) {
		k = strlen(local[i]);
		if (n > k && name[n - k - 1] == '.' &&
		    strcasecmp(name + n - k, local[i]) == 0) {
			return 0;
		}
	}
	buf_init(&b, mb, sizeof(mb) - 1);
	buf_adds(&b, "postmaster@");
	buf_adds(&b, name);
	return !b.trunc && addr_parse(b.p, b.len, &a) == ADDR_OK &&
	    !(a.flags & ADDR_F_IDN) && a.domain[0] != '[';
}

/*
 * No fully qualified host name: the PTR name of the address connections
 * leave from, when it forward-confirms (FCrDNS, the "iprev" check of RFC 8601 3, which
 * receivers make) and is a public name of a public address.  Looked
 * up once at start-up, blocking, on mxprobe's resolver (bounded by
 * --dns-timeout and --dns-tries).  The address: --source, else the one
 * the kernel picks toward a public address (a UDP connect() sends
 * nothing).  Not through a proxy: the world sees the proxy's address;
 * not in serve, which must not wait on a dead resolver at start-up.
 * 0 when helo_name is set.
 */
static int
helo_ptr(void)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	 to;
	socklen_t		 sl = sizeof(ss);
	struct dns_rr_ptr	*ptr;
	struct dns_rr_a4	*a4;
	uint8_t			 a[4];
	int			 fd, i, j, ok = 0;

	if (cfg->nproxy > 0 || cfg->proxy_file != NULL ||
	    (cfg->mode != MODE_PROBE && cfg->mode != MODE_AUDIT)) {
		/* serve starts at once, whatever the resolver does */
		return -1;
	}
	if (cfg->source != NULL) {
		if (inet_pton(AF_INET, cfg->source, a) != 1) {
			return -1;
		}
	} else {
		memset(&to, 0, sizeof(to));
		to.sin_family = AF_INET;
		to.sin_port = htons(25);
		to.sin_addr.s_addr = htonl(0xc0000201);	/* 192.0.2.1 */
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0 ||
		    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
		    ss.ss_family != AF_INET) {
			close(fd);
			return -1;
		}
		close(fd);
		memcpy(a, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	}
	if (mx_addr_private(4, a) && !cfg->allow_private) {
		return -1;
	}
	ptr = dns_resolve_a4ptr(mx_dns(), (const struct in_addr *)
	    (const void *)a);
	for (i = 0; ptr != NULL && i < ptr->dnsptr_nrr && !ok; i++) {
		if (!helo_fqdn(ptr->dnsptr_ptr[i])) {
			continue;
		}
		a4 = dns_resolve_a4(mx_dns(), ptr->dnsptr_ptr[i], DNS_NOSRCH);
		for (j = 0; a4 != NULL && j < a4->dnsa4_nrr; j++) {
			ok |= memcmp(&a4->dnsa4_addr[j], a, 4) == 0;
		}
		free(a4);
		if (ok) {
			str_copy(helo_name, sizeof(helo_name),
			    ptr->dnsptr_ptr[i], strlen(ptr->dnsptr_ptr[i]));
		}
	}
	free(ptr);
	return ok ? 0 : -1;
}

/*
 * The EHLO name: --helo; else this host's name when it is fully
 * qualified; else the forward-confirmed PTR name of the source address
 * (helo_ptr); else "" and each session says the address literal of its
 * source address (sess.c), which RFC 5321 4.1.4 allows and which is
 * never an invented name.  Said once on stderr: a receiving server may
 * want a name whose address and PTR match (mxprobe selfcheck tells).
 */
static void
helo_init(void)
{
	char		 host[256];

	helo_name[0] = '\0';
	if (cfg->helo != NULL) {
		str_copy(helo_name, sizeof(helo_name), cfg->helo,
		    strlen(cfg->helo));
		return;
	}
	if (gethostname(host, sizeof(host)) != 0) {
		host[0] = '\0';
	}
	host[sizeof(host) - 1] = '\0';
	if (helo_fqdn(host)) {
		str_copy(helo_name, sizeof(helo_name), host, strlen(host));
		return;
	}
	if (helo_ptr() == 0) {
		return;
	}
	if (cfg->mode != MODE_MX && cfg->mode != MODE_SYNTAX &&
	    cfg->mode != MODE_SELFCHECK) {
		msg("this host's name \"", host, "\" is not fully qualified: "
		    "EHLO says the address literal of each connection; set "
		    "--helo NAME (a name that resolves to that address)", NULL);
	}
}

/* the sessions' pool and settings (sess.h) */
static int
sessions_init(const struct config *c)
{
	struct sess_conf	 sc;

	memset(&sc, 0, sizeof(sc));
	sc.helo = helo_name;	/* filled by helo_init(), before any session */
	sc.from = c->from;
	sc.port = (uint16_t)c->port;
	sc.tls = (uint8_t)c->tls;
	sc.verbose = (uint8_t)(c->verbose > 255 ? 255 : c->verbose);
	sc.probes = c->mode == MODE_AUDIT || c->mode == MODE_SELFCHECK;
	sc.connect_ms = c->connect_ms;
	sc.banner_ms = c->banner_ms;
	sc.reply_ms = c->reply_ms;
	sc.address_ms = c->address_ms;
	sc.rejects_per_session = c->rejects_per_session;
	sc.tx_per_session = c->tx_per_session;
	sc.bind = source_bind;
	sc.may_connect = host_may_connect;
	sc.back_off = host_back_off;
	sc.host_ok = host_ok;
	sc.rcpt_quota = host_quota;
	sc.rcpts_sent = host_sent;
	return sess_init(c->mode != MODE_MX ? c->concurrency : 0, &sc);
}

/* see engine.h */
void
eng_setup(const struct config *c, size_t extra_io, eng_sink_fn *fn)
{
	char		 err[256];
	size_t		 nio, ntimers;
	uint64_t	 seed;

	cfg = c;
	sink = fn;
	seed = c->seed;
	if (seed == 0 && getrandom(&seed, sizeof(seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(seed)) {
		seed = (uint64_t)now_ms() * 6364136223846793005ULL ^
		    (uint64_t)getpid();
	}
	rng_state = seed | 1;

	nitems = c->queue;
	ndoms = feed_doms(nitems);	/* an entry per item, or fewer */
	ndoms = c->dns_cache > ndoms + 1 ? c->dns_cache : ndoms + 1;
	for (hmask = 1; hmask < ndoms; hmask <<= 1) {
		continue;
	}
	hmask--;		/* at most one domain per bucket on average */
	items = calloc(nitems, sizeof(*items));
	ntexts = nitems / 4 > 16 ? nitems / 4 : 16;
	texts = calloc(ntexts, sizeof(*texts));
	doms = calloc(ndoms, sizeof(*doms));
	htab = calloc(hmask + 1, sizeof(*htab));
	nio = c->concurrency + 8 + extra_io;
	ntimers = c->concurrency + 3 * ndoms + 16 + extra_io;
	if (items == NULL || texts == NULL || doms == NULL || htab == NULL ||
	    loop_init(nio, ntimers) != 0 ||
	    sessions_init(c) != 0) {
		die(EXIT_INTERNAL, "out of memory for the pools", NULL);
	}
	if (loop_signals() != 0 || mx_init(c, err, sizeof(err)) != 0 ||
	    (c->backend != NULL && mx_backend_init(c->backend, err,
	    sizeof(err)) != 0)) {
		die(EXIT_USAGE, err, NULL);
	}
	helo_init();
	source_init();
	proxy_init(c);
	{
		struct gov_limits gl = { c->host_conn_min, c->host_rcpt_min,
		    c->backoff_ms, c->backoff_max_ms };

		/* hosts remembered: four per session slot, at least 1024 */
		if (gov_init(c->concurrency * 4 > 1024 ? c->concurrency * 4 :
		    1024, &gl, seed) != 0) {
			die(EXIT_INTERNAL, "out of memory for the pools", NULL);
		}
		if (c->limits_file != NULL &&
		    hostlim_load(c->limits_file, err, sizeof(err)) != 0) {
			die(EXIT_USAGE, "--limits: ", err, NULL);
		}
	}
}

/* see engine.h */
int
eng_submit(const char *s, size_t n, void *tag)
{
	struct input_line	 l;
	struct addr		 a;
	struct item		*it;
	enum addr_err		 e;

	if (!ITEM_ROOM()) {
		return -1;
	}
	l.s = s;
	l.len = n > INPUT_LINE_MAX ? INPUT_LINE_MAX : n;
	l.full_len = n;
	l.too_long = n > INPUT_LINE_MAX;
	l.lineno = 0;
	e = l.too_long ? ADDR_E_TOO_LONG : addr_parse(l.s, l.len, &a);
	if (e != ADDR_OK) {
		memset(&scratch, 0, sizeof(scratch));
		scratch.catch_all = -1;
		res_input(&scratch, &l);
		res_syntax(&scratch, e);
		sink(tag, &scratch);
		return 0;
	}
	it = item_new(0, &l, &a);
	it->tag = tag;
	if (!place(it, &a)) {
		item_free(it);
		return -1;
	}
	return 0;
}

/* see engine.h */
void
eng_tick(void)
{
	kick_ready();
}

/* see engine.h */
unsigned
eng_in_flight(void)
{
	return (unsigned)items_used;
}

/* see engine.h */
int
eng_run(const struct config *c, struct input *inp, struct ring *rg,
    struct out *o)
{
	unsigned	 progress;

	in = inp;
	ring = rg;
	out = o;
	eng_setup(c, 2, NULL);

	in_reg = in->fd < 0 || util_is_regular(in->fd);	/* feed_init(): main.c */
	feed_set_room(eng_room);
	prog_init(c, feed_total(), 0);
	timer_init(&tick, on_tick, NULL);
	if (prog_period() > 0 || c->cache_file != NULL) {
		timer_set(&tick, loop_now() + tick_period());
	}
	if (c->verbose && feed_passes() > 1) {
		char		 t[16];
		struct buf	 b;

		buf_init(&b, t, sizeof(t) - 1);
		buf_addu(&b, feed_passes());
		msg("the list interleaves its domains: reading it in ",
		    buf_nul(&b), " passes", NULL);
	}
	if (!in_reg) {
		in_h = loop_add(in->fd, 0, on_in, NULL);
	}
	if (!out->is_reg) {
		out_h = loop_add(out->fd, 0, on_out, NULL);
	}
	if ((!in_reg && in_h < 0) || (!out->is_reg && out_h < 0)) {
		die(EXIT_INTERNAL, "descriptor table full", NULL);
	}

	for (;;) {
		do {
			progress = pump();
			progress += admit();
		} while (progress > 0 && !write_failed);
		if ((loop_signal() != 0 || write_failed) && !stopping) {
			interrupt();
			pump();
		}
		if (write_failed) {
			break;
		}
		if (in_eof && held == NULL && items_used == 0 &&
		    ring_pending(ring) == 0 && out_pending(out) == 0) {
			/* every result is out: end the sessions with QUIT */
			if (sess_active() == 0) {
				break;
			}
			sess_quit_idle();
		}
		kick_ready();
		if (in_h >= 0) {
			loop_events(in_h, !in_eof && !stopping && held == NULL &&
			    ring_room(ring) && ITEM_ROOM() ? POLLIN : 0);
		}
		if (out_h >= 0) {
			loop_events(out_h, out_pending(out) > 0 ? POLLOUT : 0);
		}
		if (loop_once(-1) != 0) {
			die(EXIT_INTERNAL, "poll: ", strerror(errno), NULL);
		}
	}
	timer_stop(&tick);
	{
		struct prog_eng	 st;

		eng_prog(&st);
		prog_end(&st, feed_skipped());
	}
	feed_save(1);
	free(items);
	free(doms);
	free(htab);
	if (write_failed) {
		msg("writing results: ", strerror(out->err), NULL);
		return EXIT_IOERR;
	}
	if (read_failed) {
		return EXIT_IOERR;
	}
	if (loop_signal() != 0) {
		return 128 + loop_signal();
	}
	return worst;
}
