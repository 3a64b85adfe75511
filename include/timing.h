/*
 * timing.h - the fixed times and politeness limits of the session
 * (sess.c) and the scheduler (engine.c), in one place, each with why.
 * What a user may change is an option (opt.c); these are not.
 */
#ifndef MXP_TIMING_H
#define MXP_TIMING_H

/* how long a session waits for the 221 to its QUIT (a courtesy only) */
#define QUIT_MS		5000

/*
 * After a transaction, an open connection waits this long for more
 * addresses of its domain before QUIT: input that interleaves domains
 * then costs one connection per domain, not one per wave of input.
 * (Postfix keeps idle connections 2 s: smtp_connection_cache_time_limit.)
 */
#define LINGER_MS	1000

/*
 * A domain's session waits this long for its batch to fill while input
 * is still coming (a list that interleaves domains delivers a domain's
 * addresses a few at a time): fewer, fuller transactions for a little
 * latency.  Not in serve mode, where each answer is awaited.
 */
#define GATHER_MS	250

/* catch-all probes per domain: a second one after a temporary reply */
#define CA_TRIES	2

/* sessions an address gets after a lost one (protocol error) */
#define MAX_ATTEMPTS	2

/*
 * Greylisting retries (RFC 6647): the domain's retry timer fires
 * GREY_WINDOW_PERMILLE of --greylist-delay (at most GREY_WINDOW_MAX_MS)
 * after the last item of a burst is due; a burst is what was greylisted
 * within GREY_BURST_PERMILLE of --greylist-delay of its first item.
 */
#define GREY_WINDOW_PERMILLE	100	/* a tenth */
#define GREY_WINDOW_MAX_MS	2000
#define GREY_BURST_PERMILLE	500	/* a half */

#endif
