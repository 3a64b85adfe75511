/*
 * engine.h - the probe engine, as the front ends (main.c, serve.c,
 * audit.c, selfcheck.c) see it: admission, domains, scheduling of SMTP
 * sessions, catch-all, greylisting retries, back-off, results.
 *
 * Ownership: eng_setup() sizes everything once: the engine's pools of
 * items (--queue) and domains (--dns-cache, at least --queue + 1), whose
 * structures are private to engine.c, the session pool (sess.c,
 * --concurrency) and the loop.  The engine starts sessions (sess.h) and
 * hears their reports through its own callback table; it alone decides
 * what the facts mean for each address.
 */
#ifndef MXP_ENGINE_H
#define MXP_ENGINE_H

#include <stdint.h>

#include "config.h"
#include "input.h"
#include "out.h"
#include "ring.h"
#include "sess.h"	/* RCPT_MAX bounds --rcpt-per-session (opt.c) */
#include "verdict.h"

/* the engine's entry point: runs until every input address has its
 * result; returns the exit status (util.h) */
int	eng_run(const struct config *cfg, struct input *in, struct ring *ring,
	    struct out *out);

/*
 * The second front end (serve): results go to a callback instead of the
 * ring.  eng_setup() sizes the pools and the loop (extra_io descriptor
 * slots for the front end's own sockets); eng_submit() admits one
 * address for tag: 0 when taken (the result comes through the sink,
 * perhaps before eng_submit returns), -1 when there is no room now.
 * The same address in flight twice is probed once (single flight).
 */
typedef void eng_sink_fn(void *tag, const struct result *res);
void	eng_setup(const struct config *cfg, size_t extra_io, eng_sink_fn *sink);
int	eng_submit(const char *s, size_t n, void *tag);
/* once per loop iteration: start sessions that waited for a slot */
void	eng_tick(void);
/* addresses in progress */
unsigned eng_in_flight(void);
/* give every address in progress its result now (reason, detail) */
void	eng_abort(enum reason r, const char *detail);

/* the counters of --progress and the summary (progress.h) */
struct prog_eng;
void	eng_prog(struct prog_eng *st);

/*
 * The EHLO name worked out at eng_setup() (--helo, this host's name, the
 * confirmed PTR name of the source address), or "" when each session
 * says its address literal.
 */
const char *eng_helo(void);

/*
 * Move finished results from ring to out in the ring's order; *worst
 * keeps the highest verdict seen.  With wait (no event loop) a full
 * output buffer is flushed blocking, and so is the rest at the end;
 * without, only a regular file is (a pipe waits for POLLOUT).  Returns
 * how many, or -1 when writing failed.
 */
int	eng_drain(struct ring *ring, struct out *out, int *worst, int wait);

#endif
