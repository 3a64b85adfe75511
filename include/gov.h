/*
 * gov.h - the politeness governor: what a mail host may be asked, and
 * when.
 *
 * Keyed by the mail host's IP address (a large provider counts what one
 * client IP does to one of its hosts, not what we do per domain).  For
 * each host the governor keeps
 *  - new connections per minute and RCPT commands per minute, each a
 *    GCRA ("leaky bucket as a meter", ITU-T I.371) whose burst is a
 *    quarter of the limit and whose pace leaves room for it: in ANY
 *    sliding minute a host sees at most the limit (see gov.c);
 *  - a back-off: after a temporary failure of the host (421, a rate
 *    limit at the first RCPT, a 4xx greeting) nothing new goes to it for
 *    a pause that doubles with each consecutive failure, with up to 25 %
 *    jitter, capped; an answer that is not a failure resets it.
 * The table is fixed, sized at start-up: GOV_WAYS slots per bucket; a
 * host not seen for the longest time in its bucket is forgotten when a
 * new one needs the room (a forgotten host starts afresh, never worse
 * than a host never seen before).
 *
 * Times are int64_t milliseconds on the loop's monotonic clock, passed
 * in: the module does no I/O and reads no clock, so it is unit-tested
 * with made-up times.  Nothing here waits: callers arm a loop timer for
 * the time gov_*_at() returns.
 */
#ifndef MXP_GOV_H
#define MXP_GOV_H

#include <stddef.h>
#include <stdint.h>

#define GOV_WAYS	8	/* slots tried per bucket */

struct gov_limits {
	uint32_t	 conn_min;	/* new connections per minute, 0: none */
	uint32_t	 rcpt_min;	/* RCPT commands per minute, 0: none */
	uint32_t	 backoff_ms;	/* first pause after a failure */
	uint32_t	 backoff_max_ms;	/* cap of the pause */
};

/*
 * nhosts slots (rounded up to a power of two, at least GOV_WAYS), the
 * limits every host gets, and a seed for the jitter.  0, or -1 when out
 * of memory.  May be called again (the old table is freed).
 */
int	gov_init(size_t nhosts, const struct gov_limits *lim, uint64_t seed);

/*
 * The host: family 4 or 6, a[] its address in network order (4 or 16
 * bytes read).  All functions below take it the same way.
 */

/* when a new connection to the host carrying nrcpt RCPTs may start
 * (<= now: now) */
int64_t	gov_conn_at(int family, const uint8_t *a, unsigned nrcpt, int64_t now);

/*
 * The host's own per-minute limits (0: the defaults), from --limits or
 * the built-in table; kept until the host's slot is reused.
 */
void	gov_limit(int family, const uint8_t *a, uint32_t conn_min,
	    uint32_t rcpt_min, int64_t now);

/* a new connection starts now: counted */
void	gov_conn(int family, const uint8_t *a, int64_t now);

/* RCPT commands the host may be sent now (at most max) */
unsigned gov_rcpt_quota(int family, const uint8_t *a, unsigned max,
	    int64_t now);

/* when one RCPT may go to the host (<= now: now) */
int64_t	gov_rcpt_at(int family, const uint8_t *a, int64_t now);

/* n RCPT commands go out now: counted */
void	gov_rcpt(int family, const uint8_t *a, unsigned n, int64_t now);

/* a temporary failure of the host: the next pause, doubled */
void	gov_fail(int family, const uint8_t *a, int64_t now);

/* the host answered normally: consecutive failures forgotten */
void	gov_ok(int family, const uint8_t *a);

/* the end of the host's back-off pause (<= now: none) */
int64_t	gov_until(int family, const uint8_t *a);

/* consecutive failures of the host (for details and tests) */
unsigned gov_failures(int family, const uint8_t *a);

#endif
