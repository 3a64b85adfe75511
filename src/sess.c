/*
 * sess.c - the SMTP session state machine; see sess.h.
 *
 * Rules this file keeps (docs/hacking.md, "The session state table"):
 *  - one enum of states and one info table indexed by it, giving each
 *    state its name, its deadline budget, its stage and where a failure
 *    in it leads;
 *  - sess_enter() is the only code that assigns s->state; it sets the
 *    absolute deadline (never pushed back by a dripping server) and
 *    performs the entry action.  Only the loop's entry points (on_io,
 *    on_deadline, sess_start, sess_wake, sess_quit_idle, sess_abort_all)
 *    call it: handlers return the next state;
 *  - every decision on a reply sits in sess_on_reply();
 *  - every command waiting for a reply is in a small FIFO (pend[]): each
 *    complete reply pops one, and a reply with nothing pending is a
 *    protocol error (RFC 2920 3.1: replies come in command order);
 *  - commands are built only from parsed addresses, and cmd_add()
 *    refuses CR, LF and NUL again;
 *  - teardown is deferred: a handler only returns SESS_DONE; the entry
 *    point that called it closes the connection, and once every handler
 *    has returned settle() reports `closed` and frees the slot, so the
 *    starter can never reuse a slot whose handler is still on the stack
 *    (an entry point may not be re-entered for the same slot: asserted);
 *  - the session is a leaf: it reports through its ops table only and
 *    never sees its starter's structures (sess.h).
 * RFC 5321 4.5.3.1.4: a command line is at most 512 octets.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "features.h"
#include "fifo.h"
#include "loop.h"
#include "proxy.h"
#include "sess.h"
#include "socks.h"
#include "timing.h"
#include "util.h"
#include "verdict.h"

#if MXP_TLS
#include "tls.h"
#else
#define tls_waiting()	0
#endif

enum sess_state {
	SESS_IDLE,
	SESS_CONNECT,
	SESS_SOCKS_HELLO,	/* --proxy: greeting sent, waiting for a method */
	SESS_SOCKS_AUTH,	/* RFC 1929 user/password sent */
	SESS_SOCKS_CONNECT,	/* CONNECT sent, the proxy is connecting */
	SESS_BANNER,
	SESS_EHLO,
	SESS_HELO,
	SESS_STARTTLS,
	SESS_TLS_WAIT,	/* STARTTLS offered, waiting for a free TLS context */
	SESS_TLS,
	SESS_MAIL,	/* MAIL FROM (and pipelined RCPTs) sent */
	SESS_RCPT,	/* one RCPT at a time, without PIPELINING */
	SESS_RSET,	/* RSET alone, without PIPELINING */
	SESS_LINGER,	/* transaction done, waiting briefly for more */
	SESS_QUIT,
	SESS_DONE,
	SESS__COUNT
};

enum tmo { TMO_NONE, TMO_CONNECT, TMO_BANNER, TMO_REPLY, TMO_LINGER,
	TMO_QUIT, TMO_ATTEMPT };

/*
 * Each state's name (traces), the timeout that bounds it, the stage a
 * failure in it is reported at, where a failure in it leads (the next
 * address while the connection is being set up: a refusal, a timeout, a
 * lost connection before any transaction; else the end), and the states
 * it may enter (sess_enter() counts any other move as a bad edge, which
 * the unit tests check never happens).
 */
#define TO(x)	(1u << SESS_##x)
static const struct {
	const char	*name;
	enum tmo	 budget;
	enum smtp_stage	 stage;
	enum sess_state	 fail;
	uint32_t	 to;
} sess_info[SESS__COUNT] = {
	[SESS_IDLE] = { "idle", TMO_NONE, STAGE_CONNECT,
	    SESS_DONE, TO(CONNECT) },
	[SESS_CONNECT] = { "connect", TMO_CONNECT, STAGE_CONNECT,
	    SESS_CONNECT, TO(SOCKS_HELLO) | TO(BANNER) | TO(CONNECT) |
	    TO(DONE) },
	/* each proxy step has its own --connect-timeout */
	[SESS_SOCKS_HELLO] = { "socks-hello", TMO_CONNECT, STAGE_CONNECT,
	    SESS_CONNECT, TO(SOCKS_AUTH) | TO(SOCKS_CONNECT) | TO(CONNECT) |
	    TO(DONE) },
	[SESS_SOCKS_AUTH] = { "socks-auth", TMO_CONNECT, STAGE_CONNECT,
	    SESS_CONNECT, TO(SOCKS_CONNECT) | TO(CONNECT) | TO(DONE) },
	[SESS_SOCKS_CONNECT] = { "socks-connect", TMO_CONNECT, STAGE_CONNECT,
	    SESS_CONNECT, TO(BANNER) | TO(CONNECT) | TO(DONE) },
	[SESS_BANNER] = { "banner", TMO_BANNER, STAGE_BANNER,
	    SESS_CONNECT, TO(EHLO) | TO(CONNECT) | TO(DONE) },
	[SESS_EHLO] = { "ehlo", TMO_REPLY, STAGE_EHLO,
	    SESS_CONNECT, TO(STARTTLS) | TO(MAIL) | TO(HELO) | TO(CONNECT) |
	    TO(DONE) },
	[SESS_HELO] = { "helo", TMO_REPLY, STAGE_HELO,
	    SESS_CONNECT, TO(MAIL) | TO(QUIT) | TO(CONNECT) | TO(DONE) },
	[SESS_STARTTLS] = { "starttls", TMO_REPLY, STAGE_STARTTLS,
	    SESS_CONNECT, TO(TLS_WAIT) | TO(TLS) | TO(MAIL) | TO(CONNECT) |
	    TO(DONE) },
	[SESS_TLS_WAIT] = { "tls-wait", TMO_ATTEMPT, STAGE_STARTTLS,
	    SESS_CONNECT, TO(STARTTLS) | TO(CONNECT) | TO(DONE) },
	[SESS_TLS] = { "tls", TMO_REPLY, STAGE_STARTTLS,
	    SESS_CONNECT, TO(EHLO) | TO(MAIL) | TO(CONNECT) | TO(DONE) },
	[SESS_MAIL] = { "mail", TMO_REPLY, STAGE_MAIL,
	    SESS_DONE, TO(RCPT) | TO(MAIL) | TO(RSET) | TO(LINGER) | TO(QUIT) |
	    TO(DONE) },
	[SESS_RCPT] = { "rcpt", TMO_REPLY, STAGE_RCPT,
	    SESS_DONE, TO(RCPT) | TO(MAIL) | TO(RSET) | TO(LINGER) | TO(QUIT) |
	    TO(DONE) },
	[SESS_RSET] = { "rset", TMO_REPLY, STAGE_RSET,
	    SESS_DONE, TO(MAIL) | TO(QUIT) | TO(DONE) },
	[SESS_LINGER] = { "linger", TMO_LINGER, STAGE_RSET,
	    SESS_DONE, TO(MAIL) | TO(RSET) | TO(LINGER) | TO(QUIT) |
	    TO(DONE) },
	[SESS_QUIT] = { "quit", TMO_QUIT, STAGE_QUIT,
	    SESS_DONE, TO(DONE) },
	[SESS_DONE] = { "done", TMO_NONE, STAGE_QUIT,
	    SESS_DONE, 0 },
};
#undef TO

/* commands waiting for their reply */
enum cmd { C_BANNER, C_EHLO, C_HELO, C_STARTTLS, C_RSET, C_MAIL, C_RCPT,
	C_CA, C_QUIT };
/* what a timeout says it waited for */
static const char *const cmd_name[] = { "banner", "ehlo", "helo",
	"starttls", "rset", "mail", "rcpt", "rcpt", "quit" };
#define PEND_MAX	(RCPT_MAX + 4)

struct sess {
	enum sess_state	 state;
	int		 fd;
	int		 ioh;		/* loop handle, -1 */
	struct timer	 timer;
	int64_t		 deadline;	/* of the current state */
	int64_t		 budget_end;	/* the whole attempt's budget */
	/* from the starter, unchanged until closed (sess.h) */
	const char	*name;		/* the domain */
	const struct mx_res *mx;
	const struct sess_ops *ops;
	void		*arg;
	int		 busy;		/* inside an entry point */
	int		 ai;		/* current address index, -1 */
	unsigned	 caps;
	int		 ehlo_ok;	/* EHLO (not HELO) accepted */
	int		 tls_on;
	int		 tls_tried;	/* handshake failed: plaintext now */
	int		 mail_failed;	/* this transaction's MAIL refused */
	int		 closing;	/* a 421 was received */
	/* politeness (gov.h): what this session and transaction cost */
	unsigned	 nconn;		/* connections made */
	unsigned	 ntx;		/* transactions (MAIL) */
	unsigned	 rejects;	/* RCPT replies 4xx/5xx */
	unsigned	 tx_replied;	/* RCPT replies in this transaction */
	unsigned	 tx_accepted;	/* of which 2xx */
	int		 host_limited;	/* the host rate-limits us: QUIT */
	int64_t		 pace_until;	/* SESS_LINGER for the RCPT pace */
	struct fact	 again;		/* why items were put back */
	int		 rset;		/* next transaction starts with RSET */
	char		 tls_note[RES_TLS_MAX + 1];	/* TLS failed: why */
	int		 tls_fail_ai1;	/* 1 + address whose TLS failed */
	char		 tls_sum[RES_TLS_MAX + 1];	/* TLS on: summary */
	struct res_tls	 tlsi;		/* TLS on: details */
	struct sess	*tls_next;	/* SESS_TLS_WAIT queue */
	int		 tls_queued;
	int		 used;
	/* the batch of this transaction */
	struct sess_rcpt rcpt[RCPT_MAX];
	unsigned	 nrcpt;
	unsigned	 next_rcpt;	/* without PIPELINING: next to send */
	uint8_t		 answered[RCPT_MAX];
	int		 ca;		/* the catch-all probe is in the batch */
	char		 ca_local[SESS_CA_LOCAL_MAX + 1];
	/* commands awaiting replies */
	uint8_t		 pend[PEND_MAX];
	uint8_t		 pend_arg[PEND_MAX];
	unsigned	 npend, phead;
	/* the first failure of the session: it sticks */
	struct fact	 fail;
	/* no recipients (audit): greet, report what was seen, QUIT */
	int		 probe;
	/* output */
	size_t		 tx_len, tx_off;
	char		 tx[SESS_TX_CAP];
	struct reply_parser rp;
#if MXP_TLS
	struct tls	*tls;
#endif
	/* the slot's own, set by sess_get(): what sess_start() keeps */
	struct sess_slot {
		/* probes only (else NULL): what a probe session saw */
		struct hello	*hello;
	} slot;
	/*
	 * --proxy: the proxy of this connection (-1: direct), the SOCKS
	 * reply read so far, what the proxy says it connected from, and a
	 * note for the results when the domain moved off its own proxy.
	 */
	int		 px;
	unsigned	 px_moves;
	size_t		 sx_len;
	uint8_t		 sx[SOCKS_REPLY_MAX];
	struct socks_bound bnd;
	char		 px_note[RES_DETAIL_MAX / 2];
	char		 px_why[RES_DETAIL_MAX / 2];	/* last proxy failure */
	char		 helo_lit[56];	/* no --helo: "[address literal]" */
};

/*
 * The pool: pool[0..nhw) have been used at least once; the rest is
 * untouched (not resident) until the concurrency reaches it.
 */
static struct sess	*pool;
static struct hello	*hellos;	/* probes: one per slot */
static struct sess_conf	 conf;
static size_t		 npool, nhw;
static unsigned		 nactive;
static uint64_t		 nwrites;	/* command writes sent whole */
static unsigned		 nbad_edges;	/* moves not in sess_info[].to */

static void	sess_enter(struct sess *s, enum sess_state next);
#if MXP_TLS
static int	tls_begin(struct sess *s);
static enum sess_state tls_fallback(struct sess *s, enum reason why,
		    const char *detail);
#endif
static enum sess_state sess_on_reply(struct sess *s, const struct reply *r);

/* what a handler returns when the state stays (IDLE is never entered) */
#define STAY	SESS_IDLE

/* see sess.h */
unsigned
sess_states(void)
{
	return SESS__COUNT;
}

/* see sess.h */
int
sess_state_row(unsigned state, struct sess_row *row)
{
	if (state >= SESS__COUNT) {
		return -1;
	}
	row->name = sess_info[state].name;
	row->budget = (int)sess_info[state].budget;
	row->stage = (int)sess_info[state].stage;
	row->fail_next = (int)sess_info[state].fail;
	row->to = sess_info[state].to;
	return 0;
}

/* see sess.h */
unsigned
sess_bad_edges(void)
{
	return nbad_edges;
}

/* see sess.h */
int
sess_init(size_t n, const struct sess_conf *c)
{
	conf = *c;
	nhw = 0;
	pool = calloc(n, sizeof(*pool));
	if (pool == NULL) {
		return -1;
	}
	if (conf.probes && (hellos = calloc(n, sizeof(*hellos))) == NULL) {
		return -1;
	}
	npool = n;
	return 0;
}

/* see sess.h */
struct sess *
sess_get(void)
{
	size_t	 i;

	for (i = 0; i < nhw; i++) {
		if (!pool[i].used) {
			return &pool[i];
		}
	}
	if (nhw == npool) {
		return NULL;
	}
	pool[nhw].fd = -1;
	pool[nhw].ioh = -1;
	if (hellos != NULL) {
		pool[nhw].slot.hello = &hellos[nhw];
	}
	return &pool[nhw++];
}

/* see sess.h */
unsigned
sess_active(void)
{
	return nactive;
}

static void
trace(const struct sess *s, const char *what, const char *more)
{
	if (conf.verbose >= 2) {
		msg(s->name, ": ", what, more != NULL ? " " : "",
		    more != NULL ? more : "", NULL);
	}
}

/* --proxy: the domain moved off its own proxy: say so in its results */
static void
px_note_add(const struct sess *s, struct buf *b)
{
	if (s->px_note[0] == '\0') {
		return;
	}
	if (b->len > 0) {
		buf_adds(b, "; ");
	}
	buf_adds(b, s->px_note);
	if (b->trunc) {
		/* the detail of the failure matters more: keep it whole */
		b->trunc = 0;
	}
}

/* record the session's first failure; later ones never overwrite it */
static void
fail_set(struct sess *s, enum reason r, const struct reply *rep,
    const char *detail)
{
	struct buf	 b;

	if (s->fail.reason != R_NONE) {
		return;
	}
	memset(&s->fail, 0, sizeof(s->fail));
	s->fail.reason = (uint8_t)r;
	s->fail.stage = (uint8_t)sess_info[s->state].stage;
	s->fail.ai = (int16_t)s->ai;
	if (rep != NULL) {
		s->fail.code = rep->code;
		memcpy(s->fail.ecode, rep->ecode, sizeof(s->fail.ecode));
		memcpy(s->fail.text, rep->text, sizeof(s->fail.text));
	}
	buf_init(&b, s->fail.detail, sizeof(s->fail.detail) - 1);
	if (detail != NULL) {
		buf_adds(&b, detail);
	}
	px_note_add(s, &b);
	buf_nul(&b);
	if (s->tls_on) {
		memcpy(s->fail.tls, s->tls_sum, sizeof(s->fail.tls));
		s->fail.tlsi = s->tlsi;
	} else if (s->tls_note[0] != '\0') {
		memcpy(s->fail.tls, s->tls_note, sizeof(s->fail.tls));
	}
}

/* forget a failure that an alternative (next address) made moot */
static void
fail_clear(struct sess *s)
{
	memset(&s->fail, 0, sizeof(s->fail));
}

#if MXP_TLS
/*
 * Sessions waiting for a TLS context (SESS_TLS_WAIT), first come first
 * served.  A context being released goes straight to the head of the
 * queue, never back to the free list while someone waits, so a newcomer
 * cannot overtake; the waiter is woken through its own timer (set to
 * now), not from inside the releasing session's call chain.
 */
static FIFO(struct sess)	 tls_wait;

/* does any session wait for a TLS context? */
static int
tls_waiting(void)
{
	return !FIFO_EMPTY(&tls_wait);
}

static void
tls_wait_add(struct sess *s)
{
	MXP_ASSERT(!s->tls_queued && s->tls == NULL);
	FIFO_PUSH(&tls_wait, s, tls_next);
	s->tls_queued = 1;
}

static void
tls_wait_del(struct sess *s)
{
	struct sess	*p, *prev = NULL;

	if (!s->tls_queued) {
		return;
	}
	for (p = tls_wait.head; p != NULL; prev = p, p = p->tls_next) {
		if (p == s) {
			FIFO_UNLINK(&tls_wait, prev, s, tls_next);
			break;
		}
	}
	s->tls_queued = 0;
}

/* s is done with TLS: its context goes to the first waiter, if any */
static void
tls_release(struct sess *s)
{
	struct sess	*w = tls_wait.head;

	tls_wait_del(s);
	if (s->tls == NULL) {
		return;
	}
	if (w != NULL && w != s) {
		tls_wait_del(w);
		w->tls = s->tls;
		timer_set(&w->timer, loop_now());	/* see on_deadline */
	} else {
		tls_put(s->tls);
	}
	s->tls = NULL;
}
#endif

static void
close_fd(struct sess *s)
{
#if MXP_TLS
	tls_release(s);
#endif
	s->tls_on = 0;
	if (s->ioh >= 0) {
		loop_del(s->ioh);
		s->ioh = -1;
	}
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	s->tx_len = s->tx_off = 0;
	s->npend = s->phead = 0;
}

static void
want(struct sess *s)
{
	short	 ev = POLLIN;

	if (s->state == SESS_CONNECT || s->tx_off < s->tx_len) {
		ev = s->state == SESS_CONNECT ? POLLOUT : POLLIN | POLLOUT;
	}
	if (s->ioh >= 0) {
		loop_events(s->ioh, ev);
	}
}

/* raw or TLS write of what tx holds; -1 on a fatal error */
static int
tx_flush(struct sess *s)
{
	ssize_t	 w;

	while (s->tx_off < s->tx_len) {
#if MXP_TLS
		if (s->tls_on) {
			size_t	 n = 0;

			switch (tls_write(s->tls, s->tx + s->tx_off,
			    s->tx_len - s->tx_off, &n)) {
			case TLS_DONE:
				s->tx_off += n;
				continue;
			case TLS_WANT_READ:
			case TLS_WANT_WRITE:
				want(s);
				return 0;
			default:
				return -1;
			}
		}
#endif
		w = send(s->fd, s->tx + s->tx_off, s->tx_len - s->tx_off,
		    MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				want(s);
				return 0;
			}
			return -1;
		}
		s->tx_off += (size_t)w;
	}
	nwrites += s->tx_len > 0;
	s->tx_off = s->tx_len = 0;
	want(s);
	return 0;
}

/* see sess.h */
uint64_t
sess_writes(void)
{
	return nwrites;
}

/*
 * Append one command line made of the NULL-terminated list of parts,
 * and CRLF.  A CR, LF or NUL in any part, or a line over 512 octets,
 * refuses the whole line (RFC 5321 4.5.3.1.4): nothing is appended and
 * the caller treats it as an internal error.
 */
static int
cmd_add(struct sess *s, enum cmd kind, unsigned arg, ...)
{
	const char	*part;
	size_t		 start = s->tx_len;
	struct buf	 out;
	va_list		 ap;

	if (s->npend == PEND_MAX) {
		return -1;
	}
	buf_init(&out, s->tx + s->tx_len, sizeof(s->tx) - s->tx_len);
	va_start(ap, arg);
	while ((part = va_arg(ap, const char *)) != NULL) {
		buf_adds(&out, part);
	}
	va_end(ap);
	if (out.trunc || out.len > 510 ||
	    memchr(out.p, '\r', out.len) != NULL ||
	    memchr(out.p, '\n', out.len) != NULL ||
	    memchr(out.p, '\0', out.len) != NULL) {
		s->tx_len = start;
		return -1;
	}
	buf_add(&out, "\r\n", 2);
	if (out.trunc) {
		s->tx_len = start;
		return -1;
	}
	s->tx_len += out.len;
	s->pend[(s->phead + s->npend) % PEND_MAX] = (uint8_t)kind;
	s->pend_arg[(s->phead + s->npend) % PEND_MAX] = (uint8_t)arg;
	s->npend++;
	return 0;
}

/*
 * The transaction's command formats, shared by the builder and by what
 * sess_cmd_len() and sess_head_len() tell the scheduler: a batch is cut
 * to what the write buffer holds, so the estimate is exact.
 */
#define F_RSET		"RSET"
#define F_MAIL		"MAIL FROM:<"
#define F_MAIL_END	">"
#define F_UTF8		" SMTPUTF8"
#define F_RCPT		"RCPT TO:<"
#define F_RCPT_END	">"

/* see sess.h */
size_t
sess_cmd_len(size_t local_len, size_t domain_len)
{
	return LIT_LEN(F_RCPT) + local_len + 1 + domain_len +
	    LIT_LEN(F_RCPT_END) + 2;
}

/* see sess.h */
size_t
sess_head_len(size_t from_len)
{
	return LIT_LEN(F_RSET) + 2 + LIT_LEN(F_MAIL) + from_len +
	    LIT_LEN(F_MAIL_END) + LIT_LEN(F_UTF8) + 2;
}

static void
set_deadline(struct sess *s)
{
	const struct sess_conf	*c = &conf;
	int64_t			 ms = 0;

	switch (sess_info[s->state].budget) {
	case TMO_CONNECT:
		ms = c->connect_ms;
		break;
	case TMO_BANNER:
		ms = c->banner_ms;
		break;
	case TMO_REPLY:
		ms = c->reply_ms;
		break;
	case TMO_QUIT:
		ms = QUIT_MS;
		break;
	case TMO_ATTEMPT:
		/* waiting for a TLS context: up to the attempt's budget */
		ms = c->address_ms;
		break;
	case TMO_LINGER:
		ms = LINGER_MS;
		break;
	case TMO_NONE:
		timer_stop(&s->timer);
		return;
	}
	s->deadline = loop_now() + ms;
	if (s->state != SESS_QUIT && s->deadline > s->budget_end) {
		s->deadline = s->budget_end;
	}
	timer_set(&s->timer, s->deadline);
}

static void on_io(void *arg, int revents);

/*
 * --proxy: the proxy this connection goes through (s->px); the pinned
 * one of the domain unless it is backed off.  0, or -1 (failure set)
 * when every proxy is backed off.
 */
static int
px_route(struct sess *s)
{
	int		 pinned;
	struct buf	 b;

	char		 d[RES_DETAIL_MAX + 1];

	s->px = proxy_pick(s->name, loop_now(), &pinned);
	if (s->px < 0) {
		buf_init(&b, d, sizeof(d) - 1);
		if (s->px_why[0] != '\0') {
			buf_adds(&b, s->px_why);
			buf_adds(&b, "; ");
		}
		buf_adds(&b, "every --proxy is backed off");
		s->px_note[0] = '\0';
		fail_set(s, R_PROXY_FAILED, NULL, buf_nul(&b));
		return -1;
	}
	if (s->px != pinned) {
		buf_init(&b, s->px_note, sizeof(s->px_note) - 1);
		if (s->px_why[0] != '\0') {
			buf_adds(&b, s->px_why);
		} else {
			buf_adds(&b, "proxy ");
			buf_adds(&b, proxy_name(pinned));
			buf_adds(&b, " backed off");
		}
		buf_adds(&b, ", moved to proxy ");
		buf_adds(&b, proxy_name(s->px));
		buf_nul(&b);
	}
	return 0;
}

/*
 * The proxy itself failed (refused the connection, timed out, answered
 * garbage, refused our credentials): back it off as a whole, not
 * blaming the domain, and try the same mail host through the next proxy
 * (px_route() fails the session when none is left).
 */
static void
px_fail(struct sess *s, const char *what)
{
	struct buf	 b;

	proxy_back_off(s->px, loop_now());
	buf_init(&b, s->px_why, sizeof(s->px_why) - 1);
	buf_adds(&b, "proxy ");
	buf_adds(&b, proxy_name(s->px));
	buf_adds(&b, " failed: ");
	buf_adds(&b, what);
	buf_nul(&b);
	if (conf.verbose) {
		msg(s->name, ": ", s->px_why, NULL);
	}
	if (++s->px_moves <= PROXY_MAX) {
		s->ai--;	/* the same mail host, through the next proxy */
	}
}

/* the proxy failed: the same host through the next proxy, or the next */
static enum sess_state
px_trouble(struct sess *s, const char *what)
{
	px_fail(s, what);
	return SESS_CONNECT;
}

/* start connecting to the next usable address; 0, or -1 if none left */
static int
connect_next(struct sess *s)
{
	const struct mx_res	*mx = s->mx;
	const struct sess_conf	*c = &conf;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 fd, held = 0;

	close_fd(s);
	s->closing = 0;
	s->caps = 0;
	s->ehlo_ok = 0;
	s->mail_failed = 0;
	for (s->ai++; s->ai < mx->naddr; s->ai++) {
		const struct mx_addr *a = &mx->addr[s->ai];

		if (!conf.may_connect(a, s->nrcpt + (unsigned)s->ca)) {
			/*
			 * The session's failure only if no address is left:
			 * a refusal here must not stick to the next address's
			 * dialogue (its put-backs would charge the queue).
			 */
			held = 1;
			continue;
		}
		if (proxy_count() > 0 && px_route(s) != 0) {
			return -1;
		}
		if (s->nconn++ > 0) {
			/* a reconnection (MX fallback, TLS) is an attempt */
			unsigned i;

			for (i = 0; i < s->nrcpt; i++) {
				s->ops->attempt(s->arg, s->rcpt[i].tag);
			}
		}
		memset(&ss, 0, sizeof(ss));
		if (s->px >= 0) {
			/* the proxy connects to a->a (SESS_SOCKS_CONNECT) */
			proxy_addr(s->px, &ss, &sl);
		} else if (a->family == 4) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

			sin->sin_family = AF_INET;
			sin->sin_port = htons((uint16_t)c->port);
			memcpy(&sin->sin_addr, a->a, 4);
			sl = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons((uint16_t)c->port);
			memcpy(&sin6->sin6_addr, a->a, 16);
			sl = sizeof(*sin6);
		}
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd < 0) {
			fail_set(s, R_INTERNAL, NULL, "no socket (out of file "
			    "descriptors?)");
			return -1;
		}
		s->fd = fd;
		/*
		 * Every write is a whole command or pipelined group, so Nagle
		 * only delays: the TLS 1.2 client's last handshake flights
		 * waited for the server's delayed ACK (~40 ms each).
		 */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
		    sizeof(int));
		/* --tls try: plaintext only on the host whose TLS failed */
		s->tls_tried = s->ai + 1 == s->tls_fail_ai1;
		if (!s->tls_tried) {
			s->tls_note[0] = '\0';
		}
		if (conf.bind != NULL &&
		    conf.bind(fd, ss.ss_family == AF_INET ? 4 : 6) != 0) {
			fail_set(s, R_CONNECT_FAILED, NULL, "cannot bind the "
			    "--source address for this family");
			close_fd(s);
			continue;
		}
		if (connect(fd, (struct sockaddr *)&ss, sl) != 0 &&
		    errno != EINPROGRESS) {
			if (s->px >= 0) {
				/* the proxy refused: the same host, next proxy */
				const char *why = strerror(errno);

				close_fd(s);
				px_fail(s, why);
				continue;
			}
			fail_set(s, R_CONNECT_FAILED, NULL, strerror(errno));
			close_fd(s);
			continue;
		}
		s->ioh = loop_add(fd, POLLOUT, on_io, s);
		if (s->ioh < 0) {
			fail_set(s, R_INTERNAL, NULL, "descriptor table full");
			close_fd(s);
			return -1;
		}
		return 0;
	}
	if (held) {
		fail_set(s, R_RATE_LIMITED, NULL, "mail host backed off or at "
		    "its pace (politeness governor)");
	}
	return -1;
}

static void
add_rcpt_cmd(struct sess *s, unsigned i)
{
	char		 path[ADDR_PATH_MAX + 1];
	struct buf	 b;
	const struct sess_rcpt *it = &s->rcpt[i];

	buf_init(&b, path, sizeof(path) - 1);
	buf_add(&b, it->local, it->local_len);
	buf_addc(&b, '@');
	buf_adds(&b, s->name);
	buf_nul(&b);
	if (b.trunc || cmd_add(s, C_RCPT, i, F_RCPT, path, F_RCPT_END,
	    (char *)NULL) != 0) {
		struct fact f;

		memset(&f, 0, sizeof(f));
		f.reason = R_INTERNAL;
		f.ai = (int16_t)s->ai;
		STR_COPY_LIT(f.detail, sizeof(f.detail),
		    "command refused by the builder");
		s->answered[i] = 1;
		s->ops->rcpt(s->arg, s->rcpt[i].tag, &f);
	}
}

static void
add_ca_cmd(struct sess *s)
{
	if (cmd_add(s, C_CA, 0, F_RCPT, s->ca_local, "@", s->name,
	    F_RCPT_END, (char *)NULL) != 0) {
		s->ca = 0;
		s->ops->catchall(s->arg, NULL);
	}
}

/*
 * Queue the transaction: [RSET] MAIL FROM, then with PIPELINING every
 * RCPT (the catch-all probe first) in the same write, RFC 2920 3.1.
 */
static int
start_transaction(struct sess *s, int rset)
{
	const struct sess_conf	*c = &conf;
	struct fact		 f;
	unsigned		 i, nsend;
	int			 utf8 = 0;

	s->mail_failed = 0;
	s->next_rcpt = 0;
	s->tx_replied = s->tx_accepted = 0;
	s->ntx++;
	memset(s->answered, 0, sizeof(s->answered));
	/* UTF-8 local parts need SMTPUTF8 (RFC 6531 3.4) */
	for (i = 0; i < s->nrcpt; i++) {
		if (!s->rcpt[i].utf8) {
			continue;
		}
		if (s->caps & CAP_SMTPUTF8) {
			utf8 = 1;
			continue;
		}
		memset(&f, 0, sizeof(f));
		f.reason = R_SMTPUTF8_UNSUPPORTED;
		f.stage = STAGE_RCPT;
		f.ai = (int16_t)s->ai;
		STR_COPY_LIT(f.detail, sizeof(f.detail), "UTF-8 local part, "
		    "server does not offer SMTPUTF8");
		s->answered[i] = 1;
		s->ops->rcpt(s->arg, s->rcpt[i].tag, &f);
	}
	if (rset) {
		cmd_add(s, C_RSET, 0, F_RSET, (char *)NULL);
	}
	if (cmd_add(s, C_MAIL, 0, F_MAIL, c->from, F_MAIL_END,
	    utf8 ? F_UTF8 : "", (char *)NULL) != 0) {
		fail_set(s, R_INTERNAL, NULL, "MAIL FROM refused by the builder");
		return -1;
	}
	/* the governor counts every RCPT this transaction will send */
	for (i = 0, nsend = (unsigned)s->ca; i < s->nrcpt; i++) {
		nsend += !s->answered[i];
	}
	conf.rcpts_sent(&s->mx->addr[s->ai], nsend);
	if (s->caps & CAP_PIPELINING) {
		if (s->ca) {
			add_ca_cmd(s);
		}
		for (i = 0; i < s->nrcpt; i++) {
			if (!s->answered[i]) {
				add_rcpt_cmd(s, i);
			}
		}
	}
	return 0;
}

/* without PIPELINING: send the next RCPT; 0 if none is left */
static int
next_rcpt(struct sess *s)
{
	if (s->ca && s->next_rcpt == 0) {
		s->next_rcpt = 1;
		add_ca_cmd(s);
		if (s->ca) {
			return 1;
		}
	} else if (s->next_rcpt == 0) {
		s->next_rcpt = 1;
	}
	while (s->next_rcpt - 1 < s->nrcpt) {
		unsigned i = s->next_rcpt++ - 1;

		if (!s->answered[i]) {
			add_rcpt_cmd(s, i);
			if (s->npend > 0) {
				return 1;
			}
		}
	}
	return 0;
}

/* the tags of the batch still without a reply, into left; how many */
static unsigned
unanswered(const struct sess *s, void **left)
{
	unsigned	 i, n = 0;

	for (i = 0; i < s->nrcpt; i++) {
		if (!s->answered[i]) {
			left[n++] = s->rcpt[i].tag;
		}
	}
	return n;
}

/* the next batch of the domain, or linger (may) or QUIT (nothing) */
static enum sess_state
take_more(struct sess *s, int may_linger)
{
	const struct sess_conf	*c = &conf;
	unsigned		 max = RCPT_MAX, want;
	int64_t			 when = 0;

	s->pace_until = 0;
	/*
	 * The session's budgets: transactions, rejected recipients (a
	 * batch may be all rejected: Postfix's smtpd_soft_error_limit),
	 * the host's RCPT pace.  Spent: QUIT; the engine starts another
	 * session for what is queued, within the governor's limits.
	 */
	if (s->rejects >= c->rejects_per_session) {
		max = 0;
	} else if (c->rejects_per_session - s->rejects < max) {
		max = c->rejects_per_session - s->rejects;
	}
	want = max;
	max = conf.rcpt_quota(&s->mx->addr[s->ai], max, &when);
	if (max == 0 && want > 0 && s->ntx < c->tx_per_session &&
	    !s->host_limited && s->ops->queued(s->arg)) {
		/*
		 * Only the host's RCPT pace says no: wait for it on this
		 * connection (a timer) rather than open another one.
		 */
		s->nrcpt = 0;
		s->ca = 0;
		memset(s->answered, 0, sizeof(s->answered));
		s->pace_until = when;
		s->budget_end = when + c->address_ms;
		return SESS_LINGER;
	}
	if (s->ntx >= c->tx_per_session || s->host_limited || max == 0) {
		s->nrcpt = 0;
		s->ca = 0;
		memset(s->answered, 0, sizeof(s->answered));
		return SESS_QUIT;
	}
	s->nrcpt = s->ops->take(s->arg, s->rcpt, max, sizeof(s->tx),
	    &s->ca, s->ca_local, sizeof(s->ca_local));
	/* a new batch: no reply yet (the RSET before it may be cut short) */
	memset(s->answered, 0, sizeof(s->answered));
	if (s->nrcpt == 0 && !s->ca) {
		/*
		 * A TLS session lingers only while nobody waits for its
		 * context: a waiting handshake matters more than reuse.
		 */
		return may_linger && s->ops->may_linger(s->arg) &&
		    !(s->tls_on && tls_waiting()) ? SESS_LINGER :
		    SESS_QUIT;
	}
	/* --timeout is per attempt at an address: a new batch, a new budget */
	s->budget_end = loop_now() + conf.address_ms;
	s->rset = 1;
	return (s->caps & CAP_PIPELINING) ? SESS_MAIL : SESS_RSET;
}

/*
 * The transaction's replies are all in: report the items left without
 * one, take the next batch for this domain (session reuse) or say QUIT.
 * Returns the state to enter.
 */
static enum sess_state
end_transaction(struct sess *s)
{
	unsigned	 n;
	void		*left[RCPT_MAX];

	/* items with no reply (MAIL refused, or put back by 452 4.5.3) */
	n = unanswered(s, left);
	s->nrcpt = 0;
	if (s->ca) {
		/* the probe got no reply (MAIL refused, 421): a later batch */
		s->ops->catchall(s->arg, NULL);
	}
	s->ca = 0;
	if (n > 0) {
		s->ops->unanswered(s->arg, left, n, s->fail.reason != R_NONE ?
		    &s->fail : &s->again);
		/* settle() reports s->fail once more: charge once */
		s->fail.charged = 1;
	}
	memset(&s->again, 0, sizeof(s->again));
	if (s->mail_failed || s->closing) {
		return s->closing ? SESS_DONE : SESS_QUIT;
	}
	fail_clear(s);
	return take_more(s, 1);
}

/*
 * The name for EHLO/HELO: --helo, this host's name when it is fully
 * qualified (engine.c), else the address literal of this connection's
 * source address (RFC 5321 4.1.4): through a proxy, the address it says
 * it connected from (BND.ADDR) when it says one.
 */
static const char *
helo_of(struct sess *s)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	const char		*h = conf.helo;
	uint8_t			 zero[16] = { 0 };
	uint8_t			 a[16];
	int			 fam = 0;
	char			 ip[48];
	struct buf		 b;

	if (h[0] != '\0') {
		return h;
	}
	if (s->px >= 0 && s->bnd.family != 0 && memcmp(s->bnd.a, zero,
	    s->bnd.family == 4 ? 4 : 16) != 0) {
		fam = s->bnd.family;
		memcpy(a, s->bnd.a, 16);
	} else if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			fam = 4;
			memcpy(a, &((struct sockaddr_in *)&ss)->sin_addr, 4);
		} else if (ss.ss_family == AF_INET6) {
			fam = 6;
			memcpy(a, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
		}
	}
	if (fam == 0) {
		fam = 4;
		memcpy(a, "\177\0\0\1", 4);
	}
	ip_text(fam, a, ip, sizeof(ip));
	buf_init(&b, s->helo_lit, sizeof(s->helo_lit) - 1);
	buf_addc(&b, '[');
	if (fam == 6) {
		buf_adds(&b, "IPv6:");
	}
	buf_adds(&b, ip);
	buf_addc(&b, ']');
	return buf_nul(&b);
}

/* a session without recipients has greeted: keep what it saw */
static void
hello_done(struct sess *s)
{
	struct hello	*h = s->slot.hello;

	h->ai = (int16_t)s->ai;
	h->ehlo_ok = (uint8_t)s->ehlo_ok;
	h->tls_on = (uint8_t)s->tls_on;
	if (s->tls_on) {
		memcpy(h->tls, s->tls_sum, sizeof(h->tls));
		h->tlsi = s->tlsi;
	} else {
		memcpy(h->tls, s->tls_note, sizeof(h->tls));
	}
}

/*
 * The only place that changes s->state.  Entry actions may lead straight
 * to another state; that is a loop here, not recursion.
 */
static void
sess_enter(struct sess *s, enum sess_state next)
{
	const struct sess_conf	*c = &conf;

	for (;;) {
		if (c->verbose >= 2 && next != s->state) {
			char t[32];
			struct buf b;

			buf_init(&b, t, sizeof(t) - 1);
			buf_adds(&b, sess_info[s->state].name);
			buf_adds(&b, " -> ");
			buf_adds(&b, sess_info[next].name);
			trace(s, buf_nul(&b), NULL);
		}
		if (!(sess_info[s->state].to & (1u << next)) &&
		    nbad_edges++ == 0) {
			/* the table and the code disagree: say so, once */
			msg("internal: session move ", sess_info[s->state].name,
			    " -> ", sess_info[next].name, " is not in the "
			    "state table", NULL);
		}
		s->state = next;
		set_deadline(s);
		switch (next) {
		case SESS_CONNECT:
			if (connect_next(s) != 0) {
				if (s->fail.reason == R_NONE) {
					fail_set(s, R_CONNECT_FAILED, NULL,
					    "no mail host could be reached");
				}
				next = SESS_DONE;
				continue;
			}
			return;
		case SESS_SOCKS_HELLO:
			s->sx_len = 0;
			s->tx_off = 0;
			s->tx_len = socks_hello((uint8_t *)s->tx, sizeof(s->tx),
			    proxy_url(s->px)->auth);
			break;
		case SESS_SOCKS_AUTH:
			s->sx_len = 0;
			s->tx_off = 0;
			s->tx_len = socks_auth((uint8_t *)s->tx, sizeof(s->tx),
			    proxy_url(s->px));
			break;
		case SESS_SOCKS_CONNECT:
			s->sx_len = 0;
			s->tx_off = 0;
			s->tx_len = socks_connect((uint8_t *)s->tx,
			    sizeof(s->tx), s->mx->addr[s->ai].family,
			    s->mx->addr[s->ai].a, (uint16_t)c->port);
			break;
		case SESS_BANNER:
			reply_init(&s->rp, 0);
			s->npend = s->phead = 0;
			s->pend[0] = C_BANNER;
			s->npend = 1;
			want(s);
			return;
		case SESS_EHLO:
			reply_init(&s->rp, 1);
			cmd_add(s, C_EHLO, 0, "EHLO ", helo_of(s), (char *)NULL);
			break;
		case SESS_HELO:
			reply_init(&s->rp, 0);
			cmd_add(s, C_HELO, 0, "HELO ", helo_of(s), (char *)NULL);
			break;
		case SESS_STARTTLS:
#if MXP_TLS
			/* a context first: the server waits at a command
			 * prompt, not inside a handshake */
			if (s->tls == NULL && (s->tls = tls_get()) == NULL) {
				next = SESS_TLS_WAIT;
				continue;
			}
#endif
			cmd_add(s, C_STARTTLS, 0, "STARTTLS", (char *)NULL);
			break;
		case SESS_TLS_WAIT:
#if MXP_TLS
			tls_wait_add(s);
#endif
			want(s);
			return;
		case SESS_TLS:
#if MXP_TLS
			if (tls_begin(s) != 0) {
				char err[RES_DETAIL_MAX];

				tls_error(s->tls, err, sizeof(err));
				next = tls_fallback(s, R_TLS_FAILED, err);
				continue;
			}
			want(s);
			return;
#else
			next = SESS_MAIL;
			continue;
#endif
		case SESS_MAIL:
			if (s->probe) {
				hello_done(s);
				next = SESS_QUIT;
				continue;
			}
			reply_init(&s->rp, 0);
			if (start_transaction(s, s->rset) != 0) {
				s->rset = 0;
				next = SESS_QUIT;
				continue;
			}
			s->rset = 0;
			break;
		case SESS_RCPT:
			/* without PIPELINING: one RCPT at a time */
			if (!next_rcpt(s)) {
				next = end_transaction(s);
				continue;
			}
			break;
		case SESS_RSET:
			/* without PIPELINING RSET goes alone (RFC 2920 3.1) */
			s->rset = 0;
			cmd_add(s, C_RSET, 0, F_RSET, (char *)NULL);
			break;
		case SESS_LINGER:
			s->ops->linger(s->arg, s, 1);
			if (s->pace_until > loop_now()) {
				/* the RCPT pace: wake then (on_deadline) */
				s->deadline = s->pace_until;
				timer_set(&s->timer, s->deadline);
			}
			want(s);
			return;
		case SESS_QUIT:
			s->npend = s->phead = 0;
			s->tx_len = s->tx_off = 0;
			cmd_add(s, C_QUIT, 0, "QUIT", (char *)NULL);
			break;
		case SESS_DONE:
			/* the end is marked here; settle() reports it */
			timer_stop(&s->timer);
			close_fd(s);
			return;
		case SESS_IDLE:
		case SESS__COUNT:
			MXP_ASSERT(0);
		}
		if (tx_flush(s) != 0) {
			if (next == SESS_QUIT) {
				next = SESS_DONE;
				continue;
			}
			if (s->state == SESS_SOCKS_HELLO ||
			    s->state == SESS_SOCKS_AUTH ||
			    s->state == SESS_SOCKS_CONNECT) {
				/* the proxy's connection broke, not the host's */
				px_fail(s, "connection lost while sending");
				next = SESS_CONNECT;
				continue;
			}
			/*
			 * Apart from the SOCKS steps, the states that send on
			 * entry come after the greeting (EHLO on): a connection
			 * lost there ends the session.
			 */
			fail_set(s, R_PROTOCOL_ERROR, NULL,
			    "connection lost while sending");
			next = SESS_DONE;
			continue;
		}
		return;
	}
}

static void
set_reply_fact(struct sess *s, struct fact *f, enum reason r,
    const struct reply *rep)
{
	memset(f, 0, sizeof(*f));
	f->reason = (uint8_t)r;
	f->stage = (uint8_t)sess_info[s->state].stage;
	f->code = rep->code;
	f->ai = (int16_t)s->ai;
	memcpy(f->ecode, rep->ecode, sizeof(f->ecode));
	memcpy(f->text, rep->text, sizeof(f->text));
	if (s->tls_on) {
		memcpy(f->tls, s->tls_sum, sizeof(f->tls));
		f->tlsi = s->tlsi;
	}
	if (!s->tls_on && s->tls_note[0] != '\0') {
		memcpy(f->tls, s->tls_note, sizeof(f->tls));
	}
	if (s->px_note[0] != '\0') {
		struct buf	 b;

		buf_init(&b, f->detail, sizeof(f->detail) - 1);
		px_note_add(s, &b);
		buf_nul(&b);
	}
}

/* one RCPT (or catch-all probe) reply counted for the budgets */
static void
rcpt_count(struct sess *s, const struct reply *r)
{
	s->tx_replied++;
	if (r->code / 100 == 2) {
		s->tx_accepted++;
	}
	if (r->code >= 400) {
		/* Postfix counts each as an error of the session */
		s->rejects++;
	}
	if (r->code / 100 == 2 || r->code / 100 == 5) {
		/* a real answer: the host's pauses start short again */
		conf.host_ok(&s->mx->addr[s->ai]);
	}
}

/*
 * A rate limit in an RCPT reply (452 4.5.3, 4.7.x "rate" / "too many";
 * not 421, handled for every command): on the first RCPT of a
 * transaction with nothing accepted it is the host limiting us, not "too
 * many recipients" (a real provider says "452 4.5.3 rate limit
 * exceeded").  Then this and every later RCPT of the transaction is put
 * back, the host is backed off through the governor and the session ends
 * after it: returns 1 (the reply is used up).
 */
static int
rcpt_limited(struct sess *s, const struct reply *r)
{
	if (s->host_limited) {
		return 1;
	}
	if (r->code == 421 || !verdict_ratelimit(r) || s->tx_replied > 0 ||
	    s->tx_accepted > 0) {
		return 0;
	}
	s->host_limited = 1;
	conf.back_off(&s->mx->addr[s->ai]);
	fail_set(s, R_RATE_LIMITED, r, "rate limit at the first RCPT: host "
	    "backed off");
	return 1;
}

/* one complete reply: the state to enter next, or STAY */
static enum sess_state
sess_on_reply(struct sess *s, const struct reply *r)
{
	const struct sess_conf	*c = &conf;
	enum cmd		 cmd;
	unsigned		 arg;
	enum reason		 v;
	struct fact		 f;

	if (s->npend == 0) {
		fail_set(s, R_PROTOCOL_ERROR, r, "reply with no command "
		    "pending");
		return sess_info[s->state].fail;
	}
	cmd = (enum cmd)s->pend[s->phead];
	arg = s->pend_arg[s->phead];
	s->phead = (s->phead + 1) % PEND_MAX;
	s->npend--;

	if (r->code == 421) {
		/* RFC 5321 3.8: the server is closing the channel */
		s->closing = 1;
		if (verdict_session_errors(r)) {
			/*
			 * Postfix "421 4.7.0 host: Error: too many errors":
			 * about this session's count, not the host's rate.
			 * What it left unanswered is asked again on the next
			 * session; the host is not backed off.
			 */
			fail_set(s, R_TEMP_FAILURE, r, "the server's error "
			    "limit for one session (421)");
			s->fail.again = 1;
		} else {
			/* the host is busy or limits us: a pause, growing */
			conf.back_off(&s->mx->addr[s->ai]);
		}
	}
	switch (cmd) {
	case C_BANNER:
		if (s->probe) {
			s->slot.hello->banner_code = r->code;
			memcpy(s->slot.hello->banner, r->text,
			    sizeof(r->text));
		}
		if (r->code / 100 == 2) {
			return SESS_EHLO;
		}
		if (r->code / 100 == 4 && r->code != 421) {
			/* a busy greeting: a pause too (421: above) */
			conf.back_off(&s->mx->addr[s->ai]);
		}
		v = verdict_smtp(STAGE_BANNER, r);
		fail_set(s, v == R_NONE ? R_TEMP_FAILURE : v, r,
		    "refused at the greeting");
		return SESS_CONNECT;
	case C_EHLO:
		if (r->code / 100 == 2) {
			s->caps = r->caps;
			s->ehlo_ok = 1;
			if (s->probe) {
				s->slot.hello->caps |= r->caps;
				memcpy(s->slot.hello->ehlo, r->text,
				    sizeof(r->text));
			}
#if MXP_TLS
			if ((s->caps & CAP_STARTTLS) && !s->tls_on &&
			    !s->tls_tried && c->tls != TLSM_NO) {
				return SESS_STARTTLS;
			}
#endif
			if (c->tls == TLSM_REQUIRE && !s->tls_on) {
				fail_set(s, R_TLS_FAILED, r, "STARTTLS not "
				    "offered, --tls require");
				return SESS_CONNECT;
			}
			return SESS_MAIL;
		}
		if (r->code / 100 == 5) {
			/* RFC 5321 4.1.4: fall back to HELO */
			return SESS_HELO;
		}
		v = verdict_smtp(STAGE_EHLO, r);
		fail_set(s, v == R_NONE ? R_TEMP_FAILURE : v, r, "refused EHLO");
		return SESS_CONNECT;
	case C_HELO:
		if (r->code / 100 == 2) {
			s->caps = 0;
			if (c->tls == TLSM_REQUIRE && !s->tls_on) {
				fail_set(s, R_TLS_FAILED, r, "no EHLO, no "
				    "STARTTLS, --tls require");
				return SESS_CONNECT;
			}
			return SESS_MAIL;
		}
		v = verdict_smtp(STAGE_HELO, r);
		fail_set(s, v == R_NONE ? R_POLICY_BLOCK : v, r, "refused HELO");
		return r->code / 100 == 4 ? SESS_CONNECT : SESS_QUIT;
	case C_STARTTLS:
		if (r->code == 220) {
			/* the handshake starts once SESS_TLS is entered */
			return SESS_TLS;
		}
		if (c->tls == TLSM_REQUIRE) {
			fail_set(s, R_TLS_FAILED, r, "STARTTLS refused");
			return SESS_CONNECT;
		}
		/* --tls try: go on in plaintext (RFC 3207 4.1), say so */
		s->tls_tried = 1;
		{
			struct buf nb;

			buf_init(&nb, s->tls_note, sizeof(s->tls_note) - 1);
			buf_adds(&nb, "STARTTLS refused (");
			buf_addu(&nb, r->code);
			buf_adds(&nb, "), plaintext");
			buf_nul(&nb);
		}
#if MXP_TLS
		tls_release(s);
#endif
		return SESS_MAIL;
	case C_RSET:
		if (s->state == SESS_RSET) {
			if (r->code / 100 != 2) {
				fail_set(s, R_PROTOCOL_ERROR, r, "RSET refused");
				return SESS_QUIT;
			}
			return SESS_MAIL;
		}
		return STAY;
	case C_MAIL:
		if (r->code / 100 == 2) {
			if (!(s->caps & CAP_PIPELINING) && !s->closing) {
				return SESS_RCPT;
			}
			break;
		}
		v = verdict_smtp(STAGE_MAIL, r);
		if (v == R_NONE || v == R_ACCEPTED) {
			v = R_PROTOCOL_ERROR;
		}
		if (v == R_TLS_REQUIRED && !s->tls_on && s->tls_tried &&
		    c->tls == TLSM_TRY) {
			/* 530 5.7.0 after our failed handshake */
			v = R_TLS_FAILED;
		}
		fail_set(s, v, r, c->from[0] == '\0' && r->code / 100 == 5 ?
		    "refused our MAIL FROM <> (about us, not the address; "
		    "--from may help)" : "refused our MAIL FROM (about us, "
		    "not the address)");
		s->mail_failed = 1;
		break;
	case C_CA:
		if (s->mail_failed || !rcpt_limited(s, r)) {
			rcpt_count(s, r);
		}
		/* a rate limit here leaves the probe to a later batch; after
		 * a refused MAIL the reply says nothing of the domain
		 * (end_transaction leaves the probe to a later batch) */
		if (!s->mail_failed) {
			s->ops->catchall(s->arg, r);
		}
		break;
	case C_RCPT:
		if (s->mail_failed || arg >= s->nrcpt || s->answered[arg]) {
			break;
		}
		if (rcpt_limited(s, r) || verdict_session_errors(r)) {
			/* not about this address: asked again */
			break;
		}
		if (r->code == 452 && strcmp(r->ecode, "4.5.3") == 0) {
			/*
			 * RFC 5321 4.5.3.1.10 after some were accepted: too
			 * many recipients; put back, smaller transactions
			 * (bounded: each put-back costs the item an attempt)
			 */
			s->ops->batch_cut(s->arg, arg > 0 ? arg : 1);
			if (s->again.reason == R_NONE) {
				set_reply_fact(s, &s->again, R_RATE_LIMITED, r);
				s->again.again = 1;
				STR_COPY_LIT(s->again.detail,
				    sizeof(s->again.detail), "too many recipients: put back");
			}
			s->tx_replied++;
			break;
		}
		rcpt_count(s, r);
		v = verdict_smtp(STAGE_RCPT, r);
		if (v == R_NONE) {
			v = R_PROTOCOL_ERROR;
		}
		set_reply_fact(s, &f, v, r);
		s->answered[arg] = 1;
		/*
		 * --timeout is per address: in a pipelined batch the server
		 * answers one RCPT after another, so each answer starts the
		 * next address's budget (a batch of n takes at most n of them;
		 * each reply still has its own --reply-timeout)
		 */
		s->budget_end = loop_now() + conf.address_ms;
		s->ops->rcpt(s->arg, s->rcpt[arg].tag, &f);
		break;
	case C_QUIT:
		return SESS_DONE;
	}
	if (s->closing) {
		if (s->fail.reason == R_NONE) {
			/* what the 421 means where it came (docs/verdicts.md) */
			v = verdict_smtp(cmd == C_RCPT || cmd == C_CA ?
			    STAGE_RCPT : sess_info[s->state].stage, r);
			fail_set(s, v == R_NONE || v == R_ACCEPTED ?
			    R_TEMP_FAILURE : v, r, "server closing (421)");
		}
		return end_transaction(s);
	}
	if (s->npend > 0) {
		/*
		 * Each reply of a pipelined group has its own --reply-timeout
		 * (still within the attempt's --timeout): a slow server that
		 * answers in order is slow, not dead.
		 */
		set_deadline(s);
		return STAY;
	}
	return s->state == SESS_RCPT ? SESS_RCPT : end_transaction(s);
}

#if MXP_TLS
static ssize_t
io_send(void *ctx, void *buf, size_t len)
{
	return send(((struct sess *)ctx)->fd, buf, len, MSG_NOSIGNAL);
}

static ssize_t
io_recv(void *ctx, void *buf, size_t len)
{
	ssize_t	 n = recv(((struct sess *)ctx)->fd, buf, len, 0);

	return n;
}

/*
 * The handshake failed (or timed out): with --tls try reconnect once to
 * the same host in plaintext and say so in the result; with require,
 * this host failed: the next one.  Returns the state to enter.
 */
static enum sess_state
tls_fallback(struct sess *s, enum reason why, const char *detail)
{
	struct buf	 b;

	fail_set(s, why, NULL, detail);
	if (conf.tls == TLSM_TRY) {
		buf_init(&b, s->tls_note, sizeof(s->tls_note) - 1);
		buf_adds(&b, "handshake failed (");
		buf_adds(&b, detail);
		buf_adds(&b, "), plaintext");
		buf_nul(&b);
		s->tls_fail_ai1 = s->ai + 1;
		fail_clear(s);
		s->ai--;
	}
	return SESS_CONNECT;
}

/* the 220 to STARTTLS is in: start the handshake; 0 or -1 */
static int
tls_begin(struct sess *s)
{
	const struct mx_addr	*a = &s->mx->addr[s->ai];
	char			 host[256];

	mx_host_name(s->mx, a->host, host, sizeof(host));
	return tls_start(s->tls, host[0] != '\0' ? host : NULL, a->a,
	    a->family == 4 ? 4 : 16, io_send, io_recv, s);
}

/* one handshake step; on success EHLO again (RFC 3207 4.2) */
static enum sess_state
tls_step(struct sess *s)
{
	char	 err[RES_DETAIL_MAX];

	switch (tls_handshake(s->tls)) {
	case TLS_DONE:
		s->tls_on = 1;
		s->caps = 0;	/* never trust what was said before TLS */
		tls_info(s->tls, &s->tlsi, s->tls_sum, sizeof(s->tls_sum));
		if (s->probe) {
			char host[256];

			mx_host_name(s->mx, s->mx->addr[s->ai].host,
			    host, sizeof(host));
			s->slot.hello->name_ok =
			    (int8_t)tls_name_match(s->tls, host);
		}
		if (conf.verbose >= 2) {
			trace(s, "tls", s->tls_sum);
		}
		return SESS_EHLO;
	case TLS_WANT_READ:
		loop_events(s->ioh, POLLIN);
		return STAY;
	case TLS_WANT_WRITE:
		loop_events(s->ioh, POLLOUT);
		return STAY;
	default:
		tls_error(s->tls, err, sizeof(err));
		break;
	}
	return tls_fallback(s, R_TLS_FAILED, err);
}
#endif

/*
 * Complete replies in p[0..n) (a dry run on a copy of the parser).  In
 * a pipelined transaction one read holding more replies than commands
 * pending means the replies are shifted (an extra 250 would otherwise
 * be taken for the next RCPT's answer): nothing of it can be trusted.
 */
static unsigned
replies_in(const struct sess *s, const char *p, size_t n)
{
	struct reply_parser	 rp = s->rp;
	struct reply		 r;
	size_t			 used;
	unsigned		 k = 0;

	while (n > 0 && reply_feed(&rp, p, n, &used, &r) == REPLY_DONE) {
		k++;
		p += used;
		n -= used;
	}
	return k;
}

/*
 * Bytes arrived (*pp, *np): parse replies until one changes the state;
 * *pp and *np are left at what follows it.  Returns the next state, or
 * STAY when every byte was used.  fresh: the bytes start a new read.
 */
static enum sess_state
on_data(struct sess *s, const char **pp, size_t *np, int fresh)
{
	const char	*p = *pp;
	size_t		 n = *np, used;
	struct reply	 r;
	enum sess_state	 next = STAY;

	if (fresh && (s->state == SESS_MAIL || s->state == SESS_RCPT) &&
	    s->npend > 0 && replies_in(s, p, n) > s->npend) {
		fail_set(s, R_PROTOCOL_ERROR, NULL, "more replies than "
		    "commands");
		n = 0;
		next = SESS_DONE;
	}
	while (n > 0 && next == STAY) {
		switch (reply_feed(&s->rp, p, n, &used, &r)) {
		case REPLY_MORE:
			n = 0;		/* the parser keeps the partial line */
			break;
		case REPLY_ERROR:
			fail_set(s, R_PROTOCOL_ERROR, NULL,
			    reply_err_token(s->rp.err));
			n = 0;
			next = sess_info[s->state].fail;
			break;
		case REPLY_DONE:
			p += used;
			n -= used;
			if (n > 0 && (s->state == SESS_STARTTLS ||
			    s->state == SESS_BANNER)) {
				/*
				 * Bytes after the banner before EHLO, or after
				 * the 220 to STARTTLS (RFC 3207 5: a plaintext
				 * injection) are not a conversation.
				 */
				fail_set(s, R_PROTOCOL_ERROR, &r, "data before "
				    "the command");
				n = 0;
				next = SESS_CONNECT;
				break;
			}
			next = sess_on_reply(s, &r);
			break;
		}
	}
	*pp = p;
	*np = n;
	return next;
}

/*
 * --proxy: the SOCKS handshake's replies.  Exactly the bytes of one
 * reply are read (the parser says how many), so the tunnel's first
 * bytes (the SMTP banner) stay in the socket for SESS_BANNER.
 */
static enum sess_state
socks_io(struct sess *s, int revents)
{
	const struct socks_url	*u = proxy_url(s->px);
	enum socks_rc		 rc;
	enum socks_scope	 scope;
	size_t			 need = 0;
	ssize_t			 n;
	uint8_t			 method = 0, rep = 0;
	int			 reason;
	const char		*text;
	char			 d[RES_DETAIL_MAX + 1];
	struct buf		 b;

	if ((revents & POLLOUT) && s->tx_off < s->tx_len &&
	    tx_flush(s) != 0) {
		return px_trouble(s, "connection lost while sending");
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR))) {
		return STAY;
	}
	for (;;) {
		if (s->state == SESS_SOCKS_HELLO) {
			rc = socks_hello_reply(s->sx, s->sx_len, u->auth,
			    &need, &method);
		} else if (s->state == SESS_SOCKS_AUTH) {
			rc = socks_auth_reply(s->sx, s->sx_len, &need, &rep);
		} else {
			rc = socks_connect_reply(s->sx, s->sx_len, &need, &rep,
			    &s->bnd);
		}
		if (rc != SOCKS_MORE) {
			break;
		}
		MXP_ASSERT(need > s->sx_len && need <= sizeof(s->sx));
		n = recv(s->fd, s->sx + s->sx_len, need - s->sx_len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			return STAY;
		}
		if (n <= 0 && s->state == SESS_SOCKS_CONNECT) {
			/* some proxies just hang up when the connect fails */
			buf_init(&b, d, sizeof(d) - 1);
			buf_adds(&b, "via proxy ");
			buf_adds(&b, proxy_name(s->px));
			buf_adds(&b, ": closed before answering CONNECT");
			fail_set(s, R_PROXY_FAILED, NULL, buf_nul(&b));
			return SESS_CONNECT;
		}
		if (n <= 0) {
			return px_trouble(s, n == 0 ? "closed the connection during "
			    "the SOCKS greeting" : strerror(errno));
		}
		s->sx_len += (size_t)n;
	}
	if (rc != SOCKS_OK) {
		/* garbage is the proxy's fault, never the address's */
		buf_init(&b, d, sizeof(d) - 1);
		buf_adds(&b, "protocol error (");
		buf_adds(&b, socks_rc_text(rc));
		buf_adds(&b, ")");
		return px_trouble(s, buf_nul(&b));
	}
	switch (s->state) {
	case SESS_SOCKS_HELLO:
		if (method == SOCKS_M_REFUSED) {
			return px_trouble(s, u->auth ? "no acceptable authentication "
			    "method" : "wants authentication (give "
			    "USER:PASS)");
		}
		return method == SOCKS_M_USERPASS ? SESS_SOCKS_AUTH :
		    SESS_SOCKS_CONNECT;
	case SESS_SOCKS_AUTH:
		if (rep != 0) {
			return px_trouble(s, "refused the user name and password");
		}
		return SESS_SOCKS_CONNECT;
	default:
		break;
	}
	if (rep == 0) {
		return SESS_BANNER;
	}
	text = socks_rep_info(rep, &reason, &scope);
	if (scope == SOCKS_S_PROXY) {
		return px_trouble(s, text);
	}
	buf_init(&b, d, sizeof(d) - 1);
	buf_adds(&b, "via proxy ");
	buf_adds(&b, proxy_name(s->px));
	buf_adds(&b, ": ");
	buf_adds(&b, text);
	fail_set(s, (enum reason)reason, NULL, buf_nul(&b));
	return SESS_CONNECT;
}

/*
 * Entry points: the loop (on_io, on_deadline) and the starter
 * (sess_start, sess_wake, sess_quit_idle, sess_abort_all) are the only
 * callers of sess_enter().  Each brackets its work with begin() and
 * settle(): an entry point is never re-entered for the same slot, and a
 * session that reached SESS_DONE is reported and freed by settle(), once
 * nothing of it is left on the stack.
 */
static void
begin(struct sess *s)
{
	MXP_ASSERT(s->used && !s->busy);
	s->busy = 1;
}

/* the end, reported once: the tags without a reply, the first failure */
static void
settle(struct sess *s)
{
	void		*left[RCPT_MAX];
	unsigned	 n;

	s->busy = 0;
	if (s->state != SESS_DONE) {
		return;
	}
	MXP_ASSERT(s->fd < 0 && s->ioh < 0 && !timer_armed(&s->timer));
	n = unanswered(s, left);
	if (s->ca) {
		s->ops->catchall(s->arg, NULL);
	}
	s->nrcpt = 0;
	s->used = 0;
	nactive--;
	if (!s->probe && s->fail.reason == R_NONE) {
		s->fail.reason = R_PROTOCOL_ERROR;
		STR_COPY_LIT(s->fail.detail, sizeof(s->fail.detail),
		    "session ended without a reply");
	}
	/* the last use of s: the starter may start it again from here */
	s->ops->closed(s->arg, s, left, n, &s->fail,
	    s->probe ? s->slot.hello : NULL);
}

/* enter next unless a handler said STAY */
static void
apply(struct sess *s, enum sess_state next)
{
	if (next != STAY) {
		sess_enter(s, next);
	}
}

/* still reading the connection the last bytes came from? */
static int
same_conn(const struct sess *s)
{
	return s->fd >= 0 && s->state != SESS_DONE &&
	    s->state != SESS_CONNECT && s->state != SESS_TLS;
}

/*
 * Read what the connection holds and feed it reply by reply; a reply
 * that changes the state is applied before the next one is parsed, and
 * once the connection is left (the next address, TLS, the end) the rest
 * of the read is dropped: it never reaches another connection.
 */
static enum sess_state
io_read(struct sess *s)
{
	char		 buf[4096];
	const char	*p;
	size_t		 left;
	ssize_t		 n;
	enum sess_state	 next;
	int		 fresh;

	for (;;) {
#if MXP_TLS
		if (s->tls_on) {
			size_t	 got = 0;

			switch (tls_read(s->tls, buf, sizeof(buf), &got)) {
			case TLS_DONE:
				n = (ssize_t)got;
				break;
			case TLS_WANT_READ:
			case TLS_WANT_WRITE:
				return STAY;
			case TLS_EOF:
				n = 0;
				break;
			default:
				errno = EPROTO;
				n = -1;
				break;
			}
		} else
#endif
		n = recv(s->fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			return STAY;
		}
		if (n <= 0) {
			if (s->state == SESS_QUIT) {
				return SESS_DONE;
			}
			fail_set(s, R_PROTOCOL_ERROR, NULL, n == 0 ?
			    "connection closed by the server" :
			    strerror(errno));
			return sess_info[s->state].fail;
		}
		p = buf;
		left = (size_t)n;
		for (fresh = 1; left > 0; fresh = 0) {
			next = on_data(s, &p, &left, fresh);
			if (next == STAY) {
				break;
			}
			sess_enter(s, next);
			if (!same_conn(s)) {
#if MXP_TLS
				if (s->state == SESS_TLS) {
					/* the 220 is in: the first flight */
					return tls_step(s);
				}
#endif
				return STAY;
			}
		}
#if MXP_TLS
		if (s->tls_on && tls_pending(s->tls) > 0) {
			continue;
		}
#endif
		if ((size_t)n < sizeof(buf)) {
			return STAY;
		}
	}
}

/* what the connection's events lead to */
static enum sess_state
io_event(struct sess *s, int revents)
{
	int		 err = 0;
	socklen_t	 el = sizeof(err);

	if (s->state == SESS_CONNECT) {
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 ||
		    err != 0) {
			if (s->px >= 0) {
				return px_trouble(s, strerror(err));
			}
			fail_set(s, err == ETIMEDOUT ? R_TIMEOUT :
			    R_CONNECT_FAILED, NULL, strerror(err));
			return SESS_CONNECT;
		}
		return s->px >= 0 ? SESS_SOCKS_HELLO : SESS_BANNER;
	}
	if (s->state == SESS_SOCKS_HELLO || s->state == SESS_SOCKS_AUTH ||
	    s->state == SESS_SOCKS_CONNECT) {
		return socks_io(s, revents);
	}
#if MXP_TLS
	if (s->state == SESS_TLS) {
		return tls_step(s);
	}
#endif
	if ((revents & POLLOUT) && s->tx_off < s->tx_len) {
		if (tx_flush(s) != 0) {
			fail_set(s, R_PROTOCOL_ERROR, NULL, "connection lost "
			    "while sending");
			return sess_info[s->state].fail;
		}
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR))) {
		return STAY;
	}
	return io_read(s);
}

static void
on_io(void *arg, int revents)
{
	struct sess	*s = arg;

	begin(s);
	apply(s, io_event(s, revents));
	settle(s);
}

/* the state's deadline passed: where that leads */
static enum sess_state
deadline(struct sess *s)
{
	char		 why[48];
	struct buf	 b;

	if (s->state == SESS_QUIT) {
		return SESS_DONE;
	}
	if (s->state == SESS_LINGER) {
		s->ops->linger(s->arg, s, 0);
		if (s->pace_until != 0) {
			/* the host's RCPT pace allows one more now */
			s->pace_until = 0;
			return take_more(s, 1);
		}
		return SESS_QUIT;
	}
	if (s->px >= 0 && s->deadline < s->budget_end &&
	    (s->state == SESS_CONNECT || s->state == SESS_SOCKS_HELLO ||
	    s->state == SESS_SOCKS_AUTH)) {
		/* the proxy's own step timed out, not the address's budget */
		return px_trouble(s, s->state == SESS_CONNECT ? "no "
		    "connection in time" : "no answer in time");
	}
#if MXP_TLS
	if (s->state == SESS_TLS_WAIT && s->tls != NULL) {
		/* woken by tls_release(): a context is ours now */
		return SESS_STARTTLS;
	}
	if (s->state == SESS_TLS) {
		return tls_fallback(s, R_TLS_FAILED, "no reply in time "
		    "(tls handshake)");
	}
#endif
	buf_init(&b, why, sizeof(why) - 1);
	buf_adds(&b, "no reply in time (");
	/* a pipelined batch: the command whose reply is next */
	buf_adds(&b, s->npend > 0 ? cmd_name[s->pend[s->phead]] :
	    sess_info[s->state].name);
	buf_addc(&b, ')');
	fail_set(s, R_TIMEOUT, NULL, buf_nul(&b));
	return sess_info[s->state].fail == SESS_CONNECT &&
	    loop_now() < s->budget_end ? SESS_CONNECT : SESS_DONE;
}

static void
on_deadline(void *arg)
{
	struct sess	*s = arg;

	begin(s);
	apply(s, deadline(s));
	settle(s);
}

/* see sess.h */
void
sess_start(struct sess *s, const char *name, const struct mx_res *mx,
    const struct sess_rcpt *r, unsigned n, const char *ca_local,
    const struct sess_ops *ops, void *arg)
{
	MXP_ASSERT(!s->used && n <= RCPT_MAX);
	{
		/* a fresh session; only the slot's own part survives */
		struct sess_slot keep = s->slot;

		memset(s, 0, sizeof(*s));
		s->slot = keep;
	}
	s->used = 1;
	s->fd = -1;
	s->ioh = -1;
	s->ai = -1;
	s->name = name;
	s->mx = mx;
	s->ops = ops;
	s->arg = arg;
	s->nrcpt = n;
	if (n > 0) {
		memcpy(s->rcpt, r, n * sizeof(*r));
	}
	s->ca = ca_local != NULL;
	if (s->ca) {
		str_copy(s->ca_local, sizeof(s->ca_local), ca_local,
		    strlen(ca_local));
	}
	s->px = -1;
	s->probe = n == 0 && !s->ca;
	MXP_ASSERT(!s->probe || s->slot.hello != NULL);
	if (s->probe) {
		memset(s->slot.hello, 0, sizeof(*s->slot.hello));
		s->slot.hello->ai = -1;
		s->slot.hello->name_ok = -1;
	}
	timer_init(&s->timer, on_deadline, s);
	s->budget_end = loop_now() + conf.address_ms;
	s->state = SESS_IDLE;
	nactive++;
	begin(s);
	sess_enter(s, SESS_CONNECT);
	settle(s);
}

/* see sess.h */
void
sess_quit_idle(void)
{
	size_t	 i;

	for (i = 0; i < nhw; i++) {
		if (pool[i].used && pool[i].state == SESS_LINGER) {
			begin(&pool[i]);
			pool[i].ops->linger(pool[i].arg, &pool[i], 0);
			sess_enter(&pool[i], SESS_QUIT);
			settle(&pool[i]);
		}
	}
}

/* see sess.h */
void
sess_wake(struct sess *s)
{
	MXP_ASSERT(s->used && s->state == SESS_LINGER);
	begin(s);
	s->ops->linger(s->arg, s, 0);
	sess_enter(s, take_more(s, 0));
	settle(s);
}

/* see sess.h */
void
sess_abort_all(const struct fact *fail)
{
	size_t	 i;

	for (i = 0; i < nhw; i++) {
		if (pool[i].used) {
			begin(&pool[i]);
			pool[i].fail = *fail;
			sess_enter(&pool[i], SESS_DONE);
			settle(&pool[i]);
		}
	}
}
