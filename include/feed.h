/*
 * feed.h - which input lines are asked, and when: the layer between the
 * line reader (input.h) and admission (the engine, --syntax-only).
 *
 * It drops the lines that are not this run's: another --shard's, and
 * those --resume says were answered; it parses the rest.  When the input
 * is a regular file it can read it in several passes, each giving only
 * the lines whose domain falls in that pass (a hash of the text after
 * the last "@", ASCII lower-cased, mixed so as not to follow --shard):
 * an interleaved list then reaches admission one slice of domains at a
 * time, so each domain's addresses are in the queue together and travel
 * in full batches, with no sorting and no memory per line.  Every line
 * falls in exactly one pass, so each still has exactly one result.
 *
 * feed_init() reads a regular file once first (then seeks back) to
 * count the lines to answer (for --progress), estimate the number of
 * domains (a fixed bitmap, linear counting) and see whether the list is
 * grouped by domain; --passes 0 (the default) chooses the number of
 * passes from that and the queue size: a pass is about half a queue,
 * ceil(2 * lines / queue), at most the domains and FEED_PASSES_MAX; 1
 * when grouped, when it all fits, with --order input, or not a file.
 * Without --queue, a list read by domain gets a larger queue
 * (feed_queue()), so that enough domains are in progress at once.
 * A pass starts only when the queue has room for a quarter of it
 * (feed_set_room()), the rest following as places free, so that its
 * domains' addresses are admitted mostly together.
 * From a pipe it reads once, as it comes, and says once on stderr when
 * the list is visibly not grouped by domain.
 */
#ifndef MXP_FEED_H
#define MXP_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"
#include "input.h"
#include "ring.h"

#define FEED_PASSES_MAX	1024

/*
 * Set up for in (regular: a seekable file or the arguments).  Exits on a
 * read error of the first pass.
 */
void	feed_init(const struct config *cfg, struct input *in, int regular);

/* free places in the admission queue (the engine's items) */
typedef unsigned feed_room_fn(void);
void	feed_set_room(feed_room_fn *fn);

/*
 * The next line to answer: INPUT_LINE with *e the parse result (and *a
 * the address when ADDR_OK), or INPUT_AGAIN (a pipe: poll first; a
 * file: the next pass waits for room in the queue),
 * INPUT_EOF after the last pass, INPUT_ERROR.
 */
enum input_rc feed_next(struct input *in, struct input_line *l,
	    struct addr *a, enum addr_err *e);

/*
 * The run is cut short: from now on feed_next() gives every line that
 * has not been given yet (the rest of this pass, then the later passes'
 * lines in one more read), so each can get its result.
 */
void	feed_rest(struct input *in);

/*
 * --cache-file in a run over a list: the result cache of serve (cache.h,
 * same file, same TTLs, bounded by --cache), loaded by feed_init().
 * feed_cache_get() is the live entry for a parsed address (NULL: ask);
 * feed_cache_fill() makes its result (detail "cached", RES_F_CACHED);
 * feed_learn() keeps a written result (not a cached one); feed_save()
 * writes the file when --cache-save seconds have passed, or now.
 */
struct cache_ent;
const struct cache_ent *feed_cache_get(const struct addr *a);
void	feed_cache_fill(struct result *res, const struct cache_ent *e,
	    const struct addr *a);
void	feed_learn(const struct result *res);
void	feed_save(int now);

/*
 * May more lines of this domain (as probed) still come?  Not once its
 * pass is over: a session to it need not linger for more.
 */
int	feed_more(const char *domain, size_t n);

/*
 * The queue (the engine's items) for this run: --queue, or more when
 * --queue was not given and feed_init() found a file to read by domain
 * (grouped, or in passes; see queue_for() in feed.c).  feed_doms(n):
 * the domain entries the engine needs for n items: n, but only the
 * --queue default's worth when the queue is the raised one (a list read
 * by domain has a few domains in progress, each with many addresses).
 */
uint32_t feed_queue(void);
size_t	feed_doms(size_t items);

/* ms the passes after the first waited for room in the queue, in all */
int64_t	feed_gate_ms(void);

/* lines to answer (0: not known), passes, lines --resume skipped */
uint64_t feed_total(void);
unsigned feed_passes(void);
uint64_t feed_skipped(void);

#endif
