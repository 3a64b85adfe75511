/*
 * feed.c - the lines of this run, pass by pass; see feed.h.
 *
 * Invariants: a line is given at most once per run: in pass p only the
 * lines whose pass_of() is p; after feed_rest(), the rest of the current
 * pass and then, in one more read, the lines of the passes after it.
 * The domain estimate and the pipe hint use fixed bitmaps (linear
 * counting: with k of m bits set, domains ~ k + k^2/2m + k^3/3m^2,
 * integers only, good to a few per cent while k < m/2).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "feed.h"
#include "resume.h"
#include "result.h"
#include "util.h"

#define EST_BITS	65536	/* domain estimate of a file: 8 KiB */
#define HINT_BITS	8192	/* pipe hint: 1 KiB */
#define HINT_AT		512	/* lines seen before judging a pipe */

static const struct config *cfg;
static int		 regular, rest, rest_all;
static unsigned		 passes = 1, pass, rest_pass;
static uint64_t		 pass_lines;	/* lines expected per pass */
static uint32_t		 queue, queue_given;	/* feed_queue(), --queue */
static int64_t		 gate_since, gate_ms;	/* feed_gate_ms() */
static feed_room_fn	*room;
static uint64_t		 total, skipped, hint_seen, hint_changes;
static uint32_t		 hint_last;
static int		 hinted;
static uint8_t		 hint_map[HINT_BITS / 8];
static int		 caching;
static int64_t		 save_at;

/* the domain key: FNV-1a of the text after the last "@", lower-cased */
static uint32_t
dom_key(const char *s, size_t n)
{
	const char	*at;

	for (at = s + n; at > s && at[-1] != '@'; at--) {
		continue;
	}
	return res_fnv1a(at, n - (size_t)(at - s), 1);
}

/* the pass of a domain key: mixed, so that it does not follow --shard */
static unsigned
pass_of(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x45d9f3bu;
	h ^= h >> 16;
	h *= 0x45d9f3bu;
	h ^= h >> 16;
	return h % passes;
}

static int
bit_set(uint8_t *map, uint32_t i)
{
	int	 was = (map[i >> 3] >> (i & 7)) & 1;

	map[i >> 3] |= (uint8_t)(1u << (i & 7));
	return was;
}

/* linear counting from k bits set of m */
static uint64_t
estimate(uint64_t k, uint64_t m)
{
	return k + k * k / (2 * m) + k * k * k / (3 * m * m);
}

/* is this line one of ours (shard, resume)?  Parses it into *a, *e. */
static int
ours(const struct input_line *l, struct addr *a, enum addr_err *e)
{
	if (resume_done(l->s, l->len)) {
		skipped++;
		return 0;
	}
	*e = l->too_long ? ADDR_E_TOO_LONG : addr_parse(l->s, l->len, a);
	return cfg->shard_n <= 1 || res_shard_mine(cfg->shard_k, cfg->shard_n,
	    *e == ADDR_OK ? a : NULL, l->s, l->len);
}

/*
 * The queue for a list read by domain (grouped, or in passes) when
 * --queue was not given.  A domain's addresses are then in progress
 * together and each domain has at most --per-domain sessions, so the
 * --concurrency sessions are busy only with concurrency / per-domain
 * domains at once: that many times the lines per domain, at least the
 * default --queue and at most twice it.  The extra places cost an item
 * each (0.2 KB), not a domain entry (feed_doms()).  Measured on the
 * large bench (100,000 addresses, 50 per domain, --concurrency 256; a
 * loaded machine, runs alternated): 1536 places 135 and 127 s against
 * 292 and 282 s with 768, 1.07x the round-trip bound both, peak RSS
 * 2,364-2,456 KiB against 2,068; one read (--passes 1) 190 s, 7.1x,
 * 3,352 KiB.
 */
static uint64_t
queue_for(uint64_t lines, uint64_t doms)
{
	uint64_t	 q = cfg->queue, need;

	if (!cfg->queue_auto || doms == 0 || cfg->per_domain == 0) {
		return q;
	}
	need = (cfg->concurrency + cfg->per_domain - 1) / cfg->per_domain *
	    ((lines + doms - 1) / doms);
	return need < q ? q : need > 2 * q ? 2 * q : need;
}

/* the first read of a file: count, estimate, choose the passes */
static void
survey(struct input *in)
{
	struct input_line	 l;
	struct addr		 a;
	enum addr_err		 e;
	enum input_rc		 rc;
	uint8_t			*map;
	uint64_t		 lines = 0, changes = 0, k = 0, doms, p, q;
	uint32_t		 h, last = 0;
	int			 grouped;

	map = calloc(EST_BITS / 8, 1);
	if (map == NULL) {
		die(EXIT_INTERNAL, "out of memory", NULL);
	}
	for (;;) {
		rc = input_next(in, &l);
		if (rc == INPUT_AGAIN) {
			if (input_fill(in) < 0) {
				rc = INPUT_ERROR;
			} else {
				continue;
			}
		}
		if (rc == INPUT_ERROR) {
			die(EXIT_IOERR, "reading input: ", strerror(in->err),
			    NULL);
		}
		if (rc == INPUT_EOF) {
			break;
		}
		lines++;
		h = dom_key(l.s, l.len);
		changes += lines == 1 || h != last;
		last = h;
		k += !bit_set(map, h % EST_BITS);
		if (cfg->shard_n > 1) {
			total += ours(&l, &a, &e);
		} else {
			total += !resume_done(l.s, l.len);
		}
	}
	free(map);
	skipped = 0;
	if (input_rewind(in) != 0) {
		die(EXIT_IOERR, "reading input: cannot go back to the start: ",
		    strerror(errno), NULL);
	}
	doms = k < EST_BITS / 2 ? estimate(k, EST_BITS) : (uint64_t)-1 / 4;
	q = cfg->queue;
	if (cfg->ordered || cfg->mode != MODE_PROBE) {
		return;		/* input order, or no SMTP: one pass */
	}
	grouped = changes <= 2 * doms + 16;
	if (cfg->passes == 1 || (cfg->passes == 0 && lines <= q)) {
		return;		/* one read, asked for or all in the queue */
	}
	q = queue_for(lines, doms);
	queue = (uint32_t)q;
	if (cfg->passes > 0) {
		p = cfg->passes;
	} else if (grouped) {
		return;		/* grouped: one pass */
	} else {
		/*
		 * A pass fills half the queue: its domains' addresses all
		 * in progress together, with room left for the slow ones of
		 * the pass before (greylisted, dead hosts).  More passes
		 * than domains would be empty.
		 */
		p = (2 * lines + q - 1) / q;
		if (p > doms) {
			p = doms;
		}
	}
	passes = p < 1 ? 1 : p > FEED_PASSES_MAX ? FEED_PASSES_MAX :
	    (unsigned)p;
	pass_lines = (lines + passes - 1) / passes;
	if (pass_lines > q) {
		pass_lines = q;
	}
}

/* see feed.h */
void
feed_set_room(feed_room_fn *fn)
{
	room = fn;
}

/* see feed.h */
void
feed_init(const struct config *c, struct input *in, int reg)
{
	struct input_line	 l;
	struct addr		 a;
	enum addr_err		 e;

	cfg = c;
	regular = reg;
	queue_given = c->queue;
	if (c->cache_file != NULL) {
		if (cache_init(c->cache) != 0) {
			die(EXIT_INTERNAL, "out of memory for the cache", NULL);
		}
		/* before the load: loaded expiries are clamped to them */
		cache_ttls((int64_t)c->ttl_pos_s * 1000,
		    (int64_t)c->ttl_neg_s * 1000, (int64_t)c->ttl_tmp_s * 1000);
		if (cache_load(c->cache_file, now_ms(), (int64_t)time(NULL)) !=
		    0) {
			die(EXIT_USAGE, c->cache_file, ": cannot read the cache "
			    "file: ", strerror(errno), NULL);
		}
		caching = c->cache > 0;
		save_at = now_ms() + (int64_t)c->cache_save_s * 1000;
	}
	if (!reg) {
		return;
	}
	if (c->progress_s == 0 && (c->mode != MODE_PROBE || c->passes == 1 ||
	    c->ordered)) {
		return;		/* nothing to count, no passes to choose */
	}
	if (in->fd >= 0) {
		survey(in);
		return;
	}
	while (input_next(in, &l) == INPUT_LINE) {
		total += ours(&l, &a, &e);
	}
	skipped = 0;
	in->argi = 0;
	in->lineno = 0;
}

/* a pipe: once, when the list is visibly not grouped by domain */
static void
hint(const struct input_line *l)
{
	uint32_t	 h, k = 0, i;

	if (hinted || cfg->mode != MODE_PROBE || hint_seen >= HINT_AT) {
		return;
	}
	h = dom_key(l->s, l->len);
	hint_changes += hint_seen == 0 || h != hint_last;
	hint_last = h;
	bit_set(hint_map, h % HINT_BITS);
	if (++hint_seen < HINT_AT) {
		return;
	}
	for (i = 0; i < HINT_BITS / 8; i++) {
		k += (uint32_t)__builtin_popcount(hint_map[i]);
	}
	if (hint_changes > 2 * estimate(k, HINT_BITS) + 16) {
		hinted = 1;
		msg("hint: the list interleaves its domains; grouped by "
		    "domain (sort -t@ -k2) or read with -f FILE, it needs "
		    "fewer round trips", NULL);
	}
}

/* see feed.h */
enum input_rc
feed_next(struct input *in, struct input_line *l, struct addr *a,
    enum addr_err *e)
{
	enum input_rc	 rc;
	unsigned	 p;

	for (;;) {
		rc = input_next(in, l);
		if (rc == INPUT_AGAIN) {
			if (!regular) {
				return rc;	/* poll() says when */
			}
			if (input_fill(in) < 0) {
				return INPUT_ERROR;
			}
			continue;
		}
		if (rc == INPUT_EOF && regular && in->fd >= 0) {
			if (!rest && pass + 1 < passes) {
				if (room != NULL && room() < pass_lines / 4) {
					/*
					 * The next pass when a quarter of it
					 * fits; the rest follows as places
					 * free.  A domain's addresses still
					 * arrive mostly together: a new
					 * session takes at most
					 * --rejects-per-session (8) anyway,
					 * and its later batches come from
					 * what has arrived by then.  Waiting
					 * for more idles the queue.  Measured
					 * (loaded machine, the queue chosen
					 * by queue_for()): 20,000 addresses
					 * over 400 domains, round trips over
					 * the bound and wall time: all (passes
					 * of a quarter queue) 1.08x 40 s, half
					 * 1.07x 35 s, a quarter 1.08x 31 s,
					 * not waiting 1.12x 31 s; the large
					 * bench: half 1.07x 172 s, a quarter
					 * 1.07x 138 s.  (Before issue 18's
					 * rejects-per-session and this queue,
					 * half was 1.28x and not waiting
					 * 2.67x.)
					 */
					if (gate_since == 0) {
						gate_since = now_ms();
					}
					return INPUT_AGAIN;
				}
				if (gate_since != 0) {
					gate_ms += now_ms() - gate_since;
					gate_since = 0;
				}
				pass++;
			} else if (rest && !rest_all && rest_pass + 1 <
			    passes) {
				rest_all = 1;
			} else {
				return rc;
			}
			if (input_rewind(in) != 0) {
				in->err = errno;
				return INPUT_ERROR;
			}
			continue;
		}
		if (rc != INPUT_LINE) {
			return rc;
		}
		if (passes > 1) {
			p = pass_of(dom_key(l->s, l->len));
			if (rest_all ? p <= rest_pass : p != pass) {
				continue;
			}
		}
		if (!ours(l, a, e)) {
			continue;
		}
		if (!regular) {
			hint(l);
		}
		return rc;
	}
}

/* see feed.h */
int
feed_more(const char *domain, size_t n)
{
	if (passes <= 1 || rest) {
		return 1;
	}
	return pass_of(res_fnv1a(domain, n, 1)) == pass;
}

/* see feed.h */
void
feed_rest(struct input *in)
{
	(void)in;
	rest = 1;
	rest_pass = pass;
}

/* see feed.h */
uint32_t
feed_queue(void)
{
	return queue > queue_given ? queue : queue_given;
}

/* see feed.h */
size_t
feed_doms(size_t items)
{
	return queue > queue_given && items == queue ? queue_given : items;
}

/* see feed.h */
int64_t
feed_gate_ms(void)
{
	return gate_ms;
}

/* see feed.h */
uint64_t
feed_total(void)
{
	return total;
}

/* see feed.h */
unsigned
feed_passes(void)
{
	return passes;
}

/* see feed.h */
uint64_t
feed_skipped(void)
{
	return skipped;
}

/* the cache key: local part as given, "@", the domain as probed */
static size_t
cache_key(const struct addr *a, char *key, size_t cap)
{
	struct buf	 b;

	buf_init(&b, key, cap);
	buf_add(&b, a->local, a->local_len);
	buf_addc(&b, '@');
	buf_add(&b, a->domain, a->domain_len);
	return b.trunc ? 0 : b.len;
}

/* see feed.h */
const struct cache_ent *
feed_cache_get(const struct addr *a)
{
	char	 key[ADDR_PATH_MAX + 2];
	size_t	 n;

	if (!caching || (n = cache_key(a, key, sizeof(key))) == 0) {
		return NULL;
	}
	return cache_get(key, n, now_ms());
}

/* see feed.h */
void
feed_cache_fill(struct result *res, const struct cache_ent *e,
    const struct addr *a)
{
	cache_fill(res, e);
	str_copy(res->domain, sizeof(res->domain), a->domain, a->domain_len);
	res->flags |= RES_F_CACHED;
	if (res_is_role(a)) {
		res->flags |= RES_F_ROLE;
	}
}

/* see feed.h */
void
feed_learn(const struct result *res)
{
	char		 key[ADDR_PATH_MAX + 2];
	struct addr	 a;
	size_t		 n;

	if (!caching || (res->flags & (RES_F_CACHED | RES_F_CUT)) ||
	    res->reason == R_SYNTAX || res->reason == R_INTERRUPTED ||
	    addr_parse(res->addr, res->addr_len, &a) != ADDR_OK ||
	    (n = cache_key(&a, key, sizeof(key))) == 0) {
		return;
	}
	cache_put(key, n, res, now_ms(), cache_ttl_for(res));
}

/* see feed.h */
void
feed_save(int now)
{
	int64_t	 t;

	if (cfg == NULL || cfg->cache_file == NULL || !caching) {
		return;
	}
	t = now_ms();
	if (!now && t < save_at) {
		return;
	}
	save_at = t + (int64_t)cfg->cache_save_s * 1000;
	if (cache_save(cfg->cache_file, t, (int64_t)time(NULL)) != 0) {
		msg("cannot write the cache file ", cfg->cache_file, ": ",
		    strerror(errno), NULL);
	}
}
