/*
 * engine.h - the probe engine: admission, domains, scheduling of SMTP
 * sessions, catch-all, greylisting retries, back-off, results.
 *
 * Ownership: the engine owns three fixed pools sized at start-up from
 * the options (items: --queue; domains: --dns-cache; sessions:
 * --concurrency) and the loop.  An item is one admitted input address;
 * it is attached to its domain from admission to its one result.
 *
 * The session module (sess.c) drives one SMTP connection through its
 * states and reports facts back through the eng_on_* calls below; the
 * engine alone decides what the facts mean for each address.
 */
#ifndef MXP_ENGINE_H
#define MXP_ENGINE_H

#include <stdint.h>

#include "addr.h"
#include "config.h"
#include "input.h"
#include "loop.h"
#include "mx.h"
#include "out.h"
#include "reply.h"
#include "ring.h"
#include "verdict.h"

#define RCPT_MAX	32	/* --rcpt-per-session upper bound */
#define SESS_TX_CAP	2048	/* one pipelined MAIL + RCPT... write */

enum item_state {
	ITEM_FREE,
	ITEM_DNS,		/* waiting for its domain's resolution */
	ITEM_QUEUED,		/* waiting for a session */
	ITEM_SESSION,		/* in a session's batch */
	ITEM_RETRY,		/* greylisted: waiting for its retry time */
	ITEM_FOLLOWER		/* a duplicate waiting for its leader */
};

/* what the SMTP dialogue said about one address (or the session) */
struct fact {
	uint8_t		 reason;	/* enum reason; R_NONE: nothing yet */
	uint8_t		 stage;		/* enum smtp_stage */
	/* eng_on_sess_end: not about these items, ask them again (budget
	 * permitting); reason says why if the budget is spent */
	uint8_t		 again;
	/* eng_on_sess_end: this failure has charged the queue already (the
	 * session reported it at its transaction's end; sess_finish again) */
	uint8_t		 charged;
	uint16_t	 code;
	char		 ecode[12];
	char		 text[REPLY_TEXT_MAX + 1];
	char		 detail[RES_DETAIL_MAX + 1];
	int16_t		 ai;		/* MX address index, -1 none */
	char		 tls[RES_TLS_MAX + 1];
	struct res_tls	 tlsi;
};

struct dom;

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

struct dom {
	enum dom_state	 state;
	char		 name[ADDR_DOMAIN_MAX + 1];
	uint32_t	 hash;
	struct dom	*hnext;		/* hash chain */
	struct dom	*lprev, *lnext;	/* idle list, LRU: no item, no session */
	uint8_t		 idle;		/* on the idle list (may be reused) */
	int64_t		 expires;	/* DNS answer good until */
	struct mx_res	 mx;
	struct item	*qhead, *qtail;	/* ITEM_DNS or ITEM_QUEUED */
	struct item	*all;		/* every attached item */
	uint32_t	 refs;
	uint16_t	 active;	/* sessions open to this domain */
	uint16_t	 limit;		/* sessions allowed at once */
	uint16_t	 batch;		/* RCPTs per transaction */
	int8_t		 catch_all;	/* -1 not known, 0, 1 */
	uint8_t		 ca_state;	/* enum ca_state */
	uint8_t		 ca_tries;
	uint8_t		 ready_q;	/* on the engine's ready list */
	struct sess	*linger;	/* an open session waiting for work */
	struct timer	 retry;		/* greylisted items' next try */
	int64_t		 retry_first;	/* the earliest item of that burst */
	struct timer	 gather;	/* a batch's gathering window */
	struct timer	 gov;		/* the governor lets a session go */
	uint16_t	 nq;		/* items in the queue */
	uint8_t		 gathered;	/* the window has passed */
	struct dom	*rnext;		/* ready list: waits for a session */
};

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

/* for the session module */
struct sess;
const struct config *eng_cfg(void);
/*
 * The governor (gov.h), by mail host address.  eng_may_connect(): 1 when
 * a new connection to a carrying nrcpt RCPTs may start now (it is then
 * counted), 0 while the host is backed off or at its pace.
 * eng_back_off(): the host failed temporarily (421, a rate limit): the
 * next pause, longer each time.  eng_host_ok(): it answered an RCPT for
 * good (the pauses start short again).  eng_rcpt_quota(): RCPTs the host
 * may get now (<= max); when none, *when says from when one may go.
 * eng_rcpts_sent(): n go now (counted).
 */
int	eng_may_connect(const struct mx_addr *a, unsigned nrcpt);
void	eng_back_off(const struct mx_addr *a);
void	eng_host_ok(const struct mx_addr *a);
unsigned eng_rcpt_quota(const struct mx_addr *a, unsigned max,
	    int64_t *when);
void	eng_rcpts_sent(const struct mx_addr *a, unsigned n);
void	eng_on_rcpt(struct sess *s, struct item *it, const struct fact *f);
void	eng_on_catchall(struct dom *d, const struct reply *r);
void	eng_on_sess_end(struct sess *s, struct item **items, unsigned n,
	    const struct fact *fail);
/*
 * More work for an open session to dom: up to max items from the
 * domain's queue (fewer if their commands would not fit in tx bytes);
 * *ca is set when the batch should carry the catch-all probe, whose
 * local part is then in ca_local; items and probe together stay within
 * max when max binds (max >= 2 for the probe).  Returns the count (0:
 * nothing).
 */
unsigned eng_take_batch(struct dom *d, struct item **items, unsigned max,
	    size_t tx, int *ca, char *ca_local, size_t ca_cap);
/*
 * Lingering: after its last transaction a session may wait briefly for
 * more of its domain's addresses.  eng_may_linger() says whether it is
 * worth it (more input may come); eng_linger(d, s) records the waiting
 * session (NULL: none), so new work goes to it instead of a new one.
 */
int	eng_may_linger(const struct dom *d);
void	eng_linger(struct dom *d, struct sess *s);
/*
 * A session to d opens (+1) or ends (-1).  A domain with a session open,
 * if only a lingering one without items, is never reused for another.
 */
void	eng_dom_active(struct dom *d, int delta);
/*
 * --source: bind a new socket of family (4 or 6) to the source address.
 * 0 when bound or when no --source was given; -1 when it cannot be
 * (bind failed, or --source is of the other family).
 */
int	eng_bind(int fd, int family);
/* the HELO name for a session whose local address is local (or NULL) */
const char *eng_helo(void);

/*
 * What a session without recipients (sess_start with n == 0 and no
 * catch-all probe: mxprobe audit) saw of its host: banner, EHLO, TLS.
 * It ends after EHLO (and STARTTLS and EHLO again) with QUIT and calls
 * eng_on_hello() once, instead of eng_on_sess_end(); fail is the
 * session's first failure (R_NONE when the dialogue went through).  The
 * engine hands it to the hook set with eng_set_hello(); the pointers are
 * valid during the call only.
 */
struct hello {
	int16_t		 ai;		/* address that answered, -1 none */
	uint16_t	 banner_code;
	unsigned	 caps;		/* CAP_*, every EHLO reply together */
	uint8_t		 ehlo_ok;	/* EHLO (not HELO) accepted */
	uint8_t		 tls_on;
	int8_t		 name_ok;	/* certificate names the host: 1 0 -1 */
	char		 banner[REPLY_TEXT_MAX + 1];
	char		 ehlo[REPLY_TEXT_MAX + 1];	/* last EHLO reply */
	char		 tls[RES_TLS_MAX + 1];	/* summary, or why not */
	struct res_tls	 tlsi;
};
typedef void eng_hello_fn(struct dom *d, const struct hello *h,
	    const struct fact *fail);
void	eng_set_hello(eng_hello_fn *fn);
void	eng_on_hello(struct sess *s, const struct hello *h,
	    const struct fact *fail);

#endif
