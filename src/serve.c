/*
 * serve.c - "mxprobe serve": recipient verification as a service, a
 * second front end on the same engine and loop (docs/hacking.md 2).
 *
 * Listeners (a Unix socket path, or HOST:PORT) speak one of two
 * protocols:
 *  - policy: the Postfix SMTP access policy delegation protocol
 *    (attribute lines, an empty line; answer "action=..." and an empty
 *    line), for check_policy_service in front of a backend;
 *  - lines: one address per line, one result line back in the CLI's
 *    text (or --json) format; "stats" answers the counters.
 * Each client has one request at a time; requests for an address in
 * the cache are answered at once, others go to the engine, which probes
 * an address asked by many clients once (single flight).  All memory
 * is sized at start-up: clients (--max-clients) with fixed buffers,
 * the result cache (--cache), the engine's pools.
 */
#define _GNU_SOURCE 1	/* accept4() on glibc (the sanitizer build) */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "cache.h"
#include "engine.h"
#include "loop.h"
#include "out.h"
#include "policy.h"
#include "result.h"
#include "serve.h"
#include "sess.h"
#include "util.h"

enum proto { P_POLICY, P_LINES };
enum cstate { C_FREE, C_READ, C_ROOM, C_WAIT, C_WRITE, C_ORPHAN };

#define LINE_MAX_REQ	1024		/* lines protocol: an address */
#define TX_CAP		(OUT_LINE_MAX + 64)
#define DRAIN_WRITE_MS	1000		/* after the drain budget: answers */
#define FD_RESERVE	16		/* stdio, listeners, DNS, log, files */
#define ACCEPT_PAUSE_MS	200		/* out of descriptors: accept later */

struct client {
	enum cstate	 state;
	enum proto	 proto;
	int		 fd;
	int		 ioh;
	int		 closing;	/* close once tx is written */
	int		 pending;	/* a submission is in the engine */
	struct timer	 timer;		/* idle (C_READ), write (C_WRITE) */
	struct client	*wnext;		/* waiting for engine room */
	size_t		 rx_len;
	size_t		 tx_len, tx_off;
	size_t		 key_len;
	char		 key[ADDR_PATH_MAX + 1];	/* address asked */
	size_t		 ask_len;
	char		 ask[INPUT_LINE_MAX];	/* C_ROOM: to submit */
	char		*rx;		/* max_request + 1 bytes */
	char		 tx[TX_CAP];
};

struct listener {
	enum proto	 proto;
	int		 fd;
	int		 ioh;
	char		 path[108];	/* unix socket to remove at exit */
};

static const struct config *cfg;
static struct client	*clients;
static size_t		 nclients, nused;
static struct listener	 lst[2];
static int		 nlst;
static struct client	*room_head, *room_tail;
static int		 log_fd = 2, log_dgram;
static int		 draining;
static struct timer	 save_timer, stats_timer, accept_timer;
static struct config	 cfg_mine;	/* serve_run's copy, limits fitted */

static struct {
	uint64_t	 queries;
	uint64_t	 probes;
	uint64_t	 verdicts[V__COUNT];
	uint64_t	 errors;
	uint64_t	 refused;
} st;

static void	client_read(struct client *c);

/* ---- logging: stderr, or RFC 3164 datagrams to /dev/log ---- */

static void
log_open(void)
{
	struct sockaddr_un	 sun;
	int			 fd;

	if (!cfg->syslog) {
		return;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, "/dev/log", sizeof("/dev/log"));
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		msg("serve: no syslog at /dev/log: logging to stderr", NULL);
		if (fd >= 0) {
			close(fd);
		}
		return;
	}
	log_fd = fd;
	log_dgram = 1;
}

/* one log line; priority info, facility mail (RFC 5424 6.2.1: 2*8+6) */
static void
logline(const char *a, const char *b, const char *c2)
{
	char		 mem[600];
	struct buf	 bf;

	buf_init(&bf, mem, sizeof(mem) - 1);
	if (log_dgram) {
		buf_adds(&bf, "<22>mxprobe[");
		buf_addu(&bf, (uint64_t)getpid());
		buf_adds(&bf, "]: ");
	} else {
		buf_adds(&bf, "mxprobe: ");
	}
	buf_adds(&bf, a);
	buf_adds(&bf, b != NULL ? b : "");
	buf_adds(&bf, c2 != NULL ? c2 : "");
	if (bf.trunc) {
		bf.trunc = 0;
	}
	if (!log_dgram) {
		buf_addc(&bf, '\n');
	}
	if (log_dgram) {
		(void)send(log_fd, bf.p, bf.len, MSG_NOSIGNAL);
	} else {
		(void)write_all(log_fd, bf.p, bf.len);
	}
}

static void
stats_text(struct buf *b)
{
	int64_t	 now = loop_now();

	buf_adds(b, "queries=");
	buf_addu(b, st.queries);
	buf_adds(b, " cache_hits=");
	buf_addu(b, cache_hits());
	buf_adds(b, " probes=");
	buf_addu(b, st.probes);
	buf_adds(b, " in_flight=");
	buf_addu(b, eng_in_flight());
	buf_adds(b, " clients=");
	buf_addu(b, nused);
	buf_adds(b, " refused=");
	buf_addu(b, st.refused);
	buf_adds(b, " errors=");
	buf_addu(b, st.errors);
	buf_adds(b, " cache_entries=");
	buf_addu(b, cache_live(now));
	buf_adds(b, " deliverable=");
	buf_addu(b, st.verdicts[V_DELIVERABLE]);
	buf_adds(b, " undeliverable=");
	buf_addu(b, st.verdicts[V_UNDELIVERABLE]);
	buf_adds(b, " risky=");
	buf_addu(b, st.verdicts[V_RISKY]);
	buf_adds(b, " unknown=");
	buf_addu(b, st.verdicts[V_UNKNOWN]);
}

/* ---- clients ---- */

static void
client_events(struct client *c)
{
	short	 ev = 0;

	if (c->tx_off < c->tx_len) {
		ev = POLLOUT;
	} else if (c->state == C_READ && !c->closing) {
		ev = POLLIN;
	}
	loop_events(c->ioh, ev);
}

static void
client_free(struct client *c)
{
	timer_stop(&c->timer);
	if (c->ioh >= 0) {
		loop_del(c->ioh);
		c->ioh = -1;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	c->state = C_FREE;
	nused--;
}

/* the client went away: free it, or orphan it until its result comes */
static void
client_drop(struct client *c)
{
	struct client	**pp;

	if (c->state == C_ROOM) {
		for (pp = &room_head; *pp != NULL; pp = &(*pp)->wnext) {
			if (*pp == c) {
				*pp = c->wnext;
				break;
			}
		}
		room_tail = NULL;
		for (pp = &room_head; *pp != NULL; pp = &(*pp)->wnext) {
			room_tail = *pp;
		}
	}
	if (c->pending) {
		/*
		 * The probe goes on; its result still fills the cache.  The
		 * slot stays taken until then, so the result can never reach
		 * the slot's next client (on_result).
		 */
		timer_stop(&c->timer);
		loop_del(c->ioh);
		c->ioh = -1;
		close(c->fd);
		c->fd = -1;
		c->state = C_ORPHAN;
		return;
	}
	client_free(c);
}

/*
 * An answer is queued: the client has until the write deadline to take
 * it (a client that never reads must not hold its slot for ever).
 */
static void
writing(struct client *c)
{
	if (c->state != C_WRITE) {
		c->state = C_WRITE;
		timer_set(&c->timer, loop_now() + cfg->client_ms);
	}
	client_events(c);
}

static void
send_text(struct client *c, const char *s, size_t n)
{
	if (n > sizeof(c->tx) - c->tx_len) {
		n = sizeof(c->tx) - c->tx_len;
	}
	memcpy(c->tx + c->tx_len, s, n);
	c->tx_len += n;
	writing(c);
}

static void
send_policy(struct client *c, const char *action)
{
	char		 mem[512];
	struct buf	 b;

	buf_init(&b, mem, sizeof(mem));
	buf_adds(&b, "action=");
	buf_adds(&b, action);
	buf_adds(&b, "\n\n");
	send_text(c, b.p, b.len);
}

/*
 * The Postfix answer for a result, as the --on-* options map it.  In
 * access(5) syntax: "5NN text" rejects with that code, "DEFER_IF_PERMIT
 * text" defers with 450; an enhanced status code may start the text.
 * Postfix itself prefixes "<rcpt>: Recipient address rejected:".
 */
static void
policy_answer(struct client *c, const struct result *r)
{
	char		 mem[512];
	struct buf	 b;
	unsigned	 act = cfg->act[r->verdict < V__COUNT ? r->verdict :
	    V_UNKNOWN];

	buf_init(&b, mem, sizeof(mem) - 1);
	if (act == ACT_ACCEPT) {
		buf_adds(&b, "DUNNO");
	} else if (act == ACT_REJECT) {
		/* the backend's own 5xx code when it gave one */
		buf_addu(&b, r->code >= 500 && r->code < 600 ? r->code : 550);
		buf_adds(&b, r->ecode[0] == '5' ? " " : " 5.1.1");
		buf_adds(&b, r->ecode[0] == '5' ? r->ecode : "");
		buf_adds(&b, " ");
		buf_adds(&b, verdict_token((enum verdict)r->verdict));
		buf_adds(&b, " (");
		buf_adds(&b, reason_token((enum reason)r->reason));
		buf_adds(&b, ")");
	} else {
		/* like Postfix's unverified_recipient_tempfail_action */
		buf_adds(&b, "DEFER_IF_PERMIT 4.1.1 Recipient address "
		    "verification failed: ");
		buf_adds(&b, verdict_token((enum verdict)r->verdict));
		buf_adds(&b, " (");
		buf_adds(&b, reason_token((enum reason)r->reason));
		buf_adds(&b, ")");
	}
	send_policy(c, buf_nul(&b));
}

static void
answer(struct client *c, const struct result *r)
{
	size_t	 n;

	if (c->proto == P_POLICY) {
		policy_answer(c, r);
		return;
	}
	n = out_format(cfg->fmt, r, c->tx + c->tx_len,
	    sizeof(c->tx) - c->tx_len);
	c->tx_len += n;
	writing(c);
}

/* the engine's result for a client's address */
static void
on_result(void *tag, const struct result *r)
{
	struct client	*c = tag;
	char		 ms[24];
	struct buf	 b;

	/*
	 * A result belongs to the submission that asked for it: the client
	 * keeps its slot (C_WAIT or C_ORPHAN) and its key while pending is
	 * set, and asks nothing else meanwhile.  Anything else is a bug.
	 */
	if (!c->pending || (c->state != C_WAIT && c->state != C_ORPHAN)) {
		st.errors++;
		logline("dropped a result nobody is waiting for", NULL, NULL);
		return;
	}
	c->pending = 0;
	if (r->reason != R_SYNTAX) {
		cache_put(c->key, c->key_len, r, loop_now(), cache_ttl_for(r));
	}
	st.verdicts[r->verdict < V__COUNT ? r->verdict : V_UNKNOWN]++;
	buf_init(&b, ms, sizeof(ms) - 1);
	buf_adds(&b, " ");
	buf_addu(&b, r->elapsed_ms);
	buf_adds(&b, " ms");
	{
		char line[400];
		struct buf l;

		buf_init(&l, line, sizeof(line) - 1);
		/* the key can be raw input (a syntax error): escape it */
		out_esc(&l, c->key, c->key_len);
		buf_addc(&l, ' ');
		buf_adds(&l, verdict_token((enum verdict)r->verdict));
		buf_addc(&l, ' ');
		buf_adds(&l, reason_token((enum reason)r->reason));
		if (r->code != 0) {
			buf_addc(&l, ' ');
			buf_addu(&l, r->code);
			buf_addc(&l, ' ');
			buf_adds(&l, r->ecode);
		}
		logline("probe ", buf_nul(&l), buf_nul(&b));
	}
	if (c->state == C_ORPHAN) {
		client_free(c);
		return;
	}
	answer(c, r);
}

/* a cached result, rebuilt into a struct result */
static void
answer_cached(struct client *c, const struct cache_ent *e)
{
	static struct result	 r;

	memset(&r, 0, sizeof(r));
	memcpy(r.addr, c->key, c->key_len);
	r.addr_len = (uint16_t)c->key_len;
	cache_fill(&r, e);
	answer(c, &r);
}

/*
 * Ask for one address: the cache, else the engine (or wait for room).
 * The key is the address as probed, so "Bob@Example.COM" and
 * "Bob@example.com" share an entry, "bob@..." does not (RFC 5321 2.4).
 */
static void
ask(struct client *c, const char *s, size_t n)
{
	struct addr		 a;
	const struct cache_ent	*e;
	struct buf		 b;

	st.queries++;
	c->key_len = 0;
	if (n <= INPUT_LINE_MAX && addr_parse(s, n, &a) == ADDR_OK) {
		buf_init(&b, c->key, sizeof(c->key) - 1);
		buf_add(&b, a.local, a.local_len);
		buf_addc(&b, '@');
		buf_add(&b, a.domain, a.domain_len);
		c->key_len = b.trunc ? 0 : b.len;
		e = c->key_len > 0 ? cache_get(c->key, c->key_len,
		    loop_now()) : NULL;
		if (e != NULL) {
			answer_cached(c, e);
			return;
		}
	} else {
		str_copy(c->key, sizeof(c->key), s, n);
		c->key_len = strlen(c->key);
	}
	c->state = C_WAIT;
	c->pending = 1;		/* the result may come before eng_submit returns */
	client_events(c);
	if (eng_submit(s, n, c) != 0) {
		/* no room in the engine: wait in line */
		c->pending = 0;
		c->state = C_ROOM;
		c->wnext = NULL;
		if (room_tail != NULL) {
			room_tail->wnext = c;
		} else {
			room_head = c;
		}
		room_tail = c;
		c->ask_len = n < sizeof(c->ask) ? n : sizeof(c->ask);
		memcpy(c->ask, s, c->ask_len);
		return;
	}
	if (c->state == C_WAIT) {
		st.probes++;
	}
}

/* clients that waited for room, in order */
static void
retry_room(void)
{
	struct client	*c;

	while ((c = room_head) != NULL) {
		c->state = C_WAIT;
		c->pending = 1;
		room_head = c->wnext;
		if (room_head == NULL) {
			room_tail = NULL;
		}
		if (eng_submit(c->ask, c->ask_len, c) != 0) {
			c->pending = 0;
			c->state = C_ROOM;
			c->wnext = room_head;
			room_head = c;
			if (room_tail == NULL) {
				room_tail = c;
			}
			return;
		}
		if (c->state == C_WAIT) {
			st.probes++;
		}
	}
}

static void
bad_request(struct client *c, const char *why)
{
	st.errors++;
	logline("bad request: ", why, NULL);
	if (c->proto == P_POLICY) {
		send_policy(c, "DEFER_IF_PERMIT 4.3.5 mxprobe: malformed "
		    "policy request");
	} else {
		send_text(c, "ERROR ", 6);
		send_text(c, why, strlen(why));
		send_text(c, "\n", 1);
	}
	c->closing = 1;
	client_events(c);
}

/* one complete policy request in c->rx[0..n) (without its empty line) */
static void
policy_request(struct client *c, size_t n)
{
	struct policy_req	 req;
	enum policy_err		 e;

	e = policy_parse(c->rx, n, &req);
	if (e != POLICY_OK) {
		bad_request(c, policy_err_token(e));
		return;
	}
	/* only recipients are verified; everything else: no opinion */
	if (req.recipient.s == NULL || req.recipient.len == 0 ||
	    (req.protocol_state.s != NULL && (req.protocol_state.len != 4 ||
	    memcmp(req.protocol_state.s, "RCPT", 4) != 0))) {
		send_policy(c, "DUNNO");
		return;
	}
	ask(c, req.recipient.s, req.recipient.len);
}

/* one request from c->rx: 0 none complete yet, 1 acted on one, -1 quit */
static int
parse_one(struct client *c)
{
	char	*end;
	size_t	 n, used;
	int	 quit = 0;

	if (c->proto == P_LINES) {
		end = memchr(c->rx, '\n', c->rx_len);
		if (end == NULL) {
			if (c->rx_len > LINE_MAX_REQ) {
				bad_request(c, "line too long");
			}
			return 0;
		}
		n = (size_t)(end - c->rx);
		used = n + 1;
		if (n > LINE_MAX_REQ) {
			bad_request(c, "line too long");
			return 0;
		}
		if (n > 0 && c->rx[n - 1] == '\r') {
			n--;
		}
		c->rx[n] = '\0';
		if (n == 5 && memcmp(c->rx, "stats", 5) == 0) {
			char		 mem[512];
			struct buf	 b;

			buf_init(&b, mem, sizeof(mem) - 1);
			stats_text(&b);
			buf_addc(&b, '\n');
			send_text(c, b.p, b.len);
		} else if (n == 4 && memcmp(c->rx, "quit", 4) == 0) {
			quit = 1;
		} else if (n == 0) {
			/* a blank line: nothing asked */
		} else {
			ask(c, c->rx, n);
		}
	} else {
		/* the request ends with an empty line */
		end = NULL;
		if (c->rx_len >= 1 && c->rx[0] == '\n') {
			end = c->rx;
		} else {
			for (n = 1; n < c->rx_len; n++) {
				if (c->rx[n] == '\n' && c->rx[n - 1] == '\n') {
					end = c->rx + n;
					break;
				}
			}
		}
		if (end == NULL) {
			if (c->rx_len >= cfg->max_request) {
				bad_request(c, "request too large");
			}
			return 0;
		}
		n = (size_t)(end - c->rx);
		used = n + 1;
		if (n == 0) {
			bad_request(c, "empty request");
			return 0;
		}
		policy_request(c, n);
	}
	memmove(c->rx, c->rx + used, c->rx_len - used);
	c->rx_len -= used;
	return quit ? -1 : 1;
}

/*
 * Look for a complete request in what has arrived and act on it; go on
 * with the next pipelined one while the client is still reading (a blank
 * line or a "stats" answered at once must not leave the rest waiting for
 * more bytes).  0, or -1 when the client is gone.
 */
static int
client_parse(struct client *c)
{
	while (c->state == C_READ && !c->closing && c->tx_len == 0) {
		switch (parse_one(c)) {
		case 0:
			return 0;
		case -1:
			/* "quit" with nothing left to write */
			client_drop(c);
			return -1;
		default:
			break;
		}
	}
	return 0;
}

/* idle in C_READ, or an answer not taken by its deadline in C_WRITE */
static void
on_client_timer(void *arg)
{
	struct client	*c = arg;

	if ((c->state == C_READ && c->tx_len == 0) || c->state == C_WRITE) {
		client_drop(c);
	}
}

static void
on_client(void *arg, int revents)
{
	struct client	*c = arg;
	ssize_t		 n;

	if (revents & POLLOUT) {
		while (c->tx_off < c->tx_len) {
			n = send(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off,
			    MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR) {
					return;
				}
				client_drop(c);
				return;
			}
			c->tx_off += (size_t)n;
		}
		c->tx_off = c->tx_len = 0;
		if (c->closing || draining) {
			client_drop(c);
			return;
		}
		c->state = C_READ;
		timer_set(&c->timer, loop_now() + cfg->client_ms);
		client_events(c);
		/* a pipelined next request may be waiting already */
		client_parse(c);
		return;
	}
	if (c->state != C_READ) {
		/*
		 * Waiting for a result or for room: nothing is read now, so
		 * the request size limit does not apply; only notice that
		 * the client went away.
		 */
		if (revents & (POLLHUP | POLLERR)) {
			client_drop(c);
		}
		return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		client_read(c);
	}
}

static void
client_read(struct client *c)
{
	ssize_t	 n;
	size_t	 cap = cfg->max_request;

	if (c->rx_len >= cap) {
		bad_request(c, "request too large");
		return;
	}
	n = recv(c->fd, c->rx + c->rx_len, cap - c->rx_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return;
	}
	if (n <= 0) {
		client_drop(c);
		return;
	}
	c->rx_len += (size_t)n;
	timer_set(&c->timer, loop_now() + cfg->client_ms);
	client_parse(c);
}

/* stop (1) or resume (0) accepting on every listener */
static void
accept_pause(int stop)
{
	int	 i;

	for (i = 0; i < nlst; i++) {
		if (lst[i].fd >= 0) {
			loop_events(lst[i].ioh, stop ? 0 : POLLIN);
		}
	}
	if (stop && !timer_armed(&accept_timer)) {
		st.errors++;
		logline("out of descriptors: not accepting for a moment",
		    NULL, NULL);
		timer_set(&accept_timer, loop_now() + ACCEPT_PAUSE_MS);
	}
}

static void
on_accept_timer(void *arg)
{
	(void)arg;
	if (!draining) {
		accept_pause(0);
	}
}

/*
 * Every client and every probe holds a descriptor: make the limit fit
 * --max-clients + --concurrency (raise the soft limit up to the hard
 * one), or lower both with a warning, rather than run into EMFILE.
 */
static void
fit_fd_limit(struct config *c)
{
	struct rlimit	 rl;
	rlim_t		 need = (rlim_t)c->max_clients + c->concurrency +
			    FD_RESERVE;
	uint64_t	 avail;
	char		 mem[160];
	struct buf	 b;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need) {
		return;
	}
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) {
		rl.rlim_cur = need;
	} else {
		rl.rlim_cur = rl.rlim_max;
	}
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 &&
	    getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		return;
	}
	if (rl.rlim_cur >= need) {
		return;
	}
	if (rl.rlim_cur < FD_RESERVE + 2) {
		die(EXIT_USAGE, "serve: the descriptor limit (ulimit -n) is too "
		    "low", NULL);
	}
	avail = (uint64_t)rl.rlim_cur - FD_RESERVE;
	if (c->concurrency > avail / 2) {
		c->concurrency = (uint32_t)(avail / 2);
	}
	if (c->max_clients > avail - c->concurrency) {
		c->max_clients = (uint32_t)(avail - c->concurrency);
	}
	buf_init(&b, mem, sizeof(mem) - 1);
	buf_adds(&b, "descriptor limit ");
	buf_addu(&b, (uint64_t)rl.rlim_cur);
	buf_adds(&b, ": lowered to --max-clients ");
	buf_addu(&b, c->max_clients);
	buf_adds(&b, " --concurrency ");
	buf_addu(&b, c->concurrency);
	msg("serve: ", buf_nul(&b), NULL);
}

static void
on_accept(void *arg, int revents)
{
	struct listener	*l = arg;
	struct client	*c = NULL;
	size_t		 i;
	int		 fd;

	(void)revents;
	fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/*
			 * The connection stays in the backlog and poll() would
			 * say so at once, for ever: stop listening for a while
			 * instead of spinning.
			 */
			accept_pause(1);
		}
		return;
	}
	for (i = 0; i < nclients && !draining; i++) {
		if (clients[i].state == C_FREE) {
			c = &clients[i];
			break;
		}
	}
	if (c == NULL) {
		static const char busy_p[] = "action=DEFER_IF_PERMIT 4.3.2 "
		    "mxprobe: too many clients\n\n";
		static const char busy_l[] = "ERROR too many clients\n";

		st.refused++;
		if (l->proto == P_POLICY) {
			(void)send(fd, busy_p, sizeof(busy_p) - 1,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
		} else {
			(void)send(fd, busy_l, sizeof(busy_l) - 1,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		close(fd);
		return;
	}
	c->ioh = loop_add(fd, POLLIN, on_client, c);
	if (c->ioh < 0) {
		close(fd);
		return;
	}
	nused++;
	c->fd = fd;
	c->proto = l->proto;
	c->state = C_READ;
	c->closing = 0;
	c->pending = 0;
	c->rx_len = c->tx_len = c->tx_off = 0;
	c->wnext = NULL;
	timer_set(&c->timer, loop_now() + cfg->client_ms);
}

/* ---- listeners ---- */

/*
 * USER[:GROUP] (for --socket-owner and --user) to ids; -1 for a part
 * not given.  The user's own group unless a group is named.
 */
static void
user_group(const char *spec, const char *opt, uid_t *uid, gid_t *gid)
{
	char		 user[64];
	const char	*colon;
	struct passwd	*pw;
	struct group	*gr;
	size_t		 n;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	colon = strchr(spec, ':');
	n = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	if (n >= sizeof(user)) {
		die(EXIT_USAGE, opt, ": user name too long", NULL);
	}
	str_copy(user, sizeof(user), spec, n);
	if (user[0] != '\0') {
		pw = getpwnam(user);
		if (pw == NULL) {
			die(EXIT_USAGE, opt, ": no user ", user, NULL);
		}
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
	if (colon != NULL && colon[1] != '\0') {
		gr = getgrnam(colon + 1);
		if (gr == NULL) {
			die(EXIT_USAGE, opt, ": no group ", colon + 1, NULL);
		}
		*gid = gr->gr_gid;
	}
}

/*
 * Bind a Unix socket at path with its final mode and owner, without
 * ever touching path through a name somebody else could swap: the
 * socket is made in a fresh private directory next to path (mode from
 * the umask at bind(), owner by fchownat() relative to that directory,
 * which only we can write), then renamed into place.  A chmod()/chown()
 * of path after bind() would follow a symlink planted by whoever can
 * write the socket's directory (postfix, in the documented recipe).
 */
static void
bind_unix(int fd, const char *path)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	char			 dir[sizeof(sun.sun_path) + 32];
	const char		*slash = strrchr(path, '/');
	struct buf		 b;
	uid_t			 uid = (uid_t)-1;
	gid_t			 gid = (gid_t)-1;
	mode_t			 old;
	int			 dfd, cwd, rc;

	buf_init(&b, dir, sizeof(dir) - 1);
	buf_add(&b, path, slash == path ? 1 : (size_t)(slash - path));
	buf_adds(&b, "/.mxprobe-XXXXXX");
	if (b.trunc || mkdtemp(buf_nul(&b)) == NULL) {
		die(EXIT_USAGE, "listen on ", path, ": cannot make a private "
		    "directory beside it: ", strerror(errno), NULL);
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || cwd < 0 || fstat(dfd, &sb) != 0 ||
	    sb.st_uid != geteuid() || (sb.st_mode & 077) != 0) {
		die(EXIT_USAGE, "listen on ", path, ": the private directory ",
		    dir, " was tampered with", NULL);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, "s", 2);
	if (cfg->socket_owner != NULL) {
		user_group(cfg->socket_owner, "--socket-owner", &uid, &gid);
	}
	old = umask(~cfg->socket_mode & 0777);
	rc = fchdir(dfd) != 0 ? -1 :
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (fchdir(cwd) != 0 || rc != 0 ||
	    fchmodat(dfd, "s", cfg->socket_mode, 0) != 0 ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    fchownat(dfd, "s", uid, gid, AT_SYMLINK_NOFOLLOW) != 0) ||
	    renameat(dfd, "s", AT_FDCWD, path) != 0) {
		rc = errno;
		(void)unlinkat(dfd, "s", 0);
		(void)rmdir(dir);
		die(EXIT_USAGE, "listen on ", path, ": ", strerror(rc), NULL);
	}
	(void)rmdir(dir);
	close(dfd);
	close(cwd);
}

static void
listen_on(const char *spec, enum proto p)
{
	struct listener		*l = &lst[nlst];
	struct sockaddr_storage	 ss;
	struct sockaddr_un	*sun = (struct sockaddr_un *)&ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct stat		 sb;
	socklen_t		 sl = 0;
	char			 host[64];
	const char		*colon;
	uint64_t		 port;
	int			 one = 1;

	memset(&ss, 0, sizeof(ss));
	l->proto = p;
	l->path[0] = '\0';
	if (strchr(spec, '/') != NULL) {
		if (strlen(spec) >= sizeof(sun->sun_path)) {
			die(EXIT_USAGE, "socket path too long: ", spec, NULL);
		}
		sun->sun_family = AF_UNIX;
		/* a stale socket of an earlier run is replaced, nothing else */
		if (lstat(spec, &sb) == 0) {
			if (!S_ISSOCK(sb.st_mode)) {
				die(EXIT_USAGE, spec, ": exists and is not a "
				    "socket", NULL);
			}
			unlink(spec);
		}
		memcpy(l->path, spec, strlen(spec) + 1);
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL || colon == spec ||
		    (size_t)(colon - spec) >= sizeof(host) ||
		    parse_u64(colon + 1, 1, 65535, &port) != 0) {
			die(EXIT_USAGE, "listen on a socket path or HOST:PORT, "
			    "not \"", spec, "\"", NULL);
		}
		str_copy(host, sizeof(host), spec, (size_t)(colon - spec));
		if (host[0] == '[' && host[strlen(host) - 1] == ']') {
			host[strlen(host) - 1] = '\0';
			memmove(host, host + 1, strlen(host));
		}
		if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
			sin->sin_family = AF_INET;
			sin->sin_port = htons((uint16_t)port);
			sl = sizeof(*sin);
		} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons((uint16_t)port);
			sl = sizeof(*sin6);
		} else {
			die(EXIT_USAGE, "listen: want an address, not \"", host,
			    "\"", NULL);
		}
	}
	l->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		die(EXIT_INTERNAL, "socket: ", strerror(errno), NULL);
	}
	if (ss.ss_family != AF_UNIX) {
		setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	}
	if (ss.ss_family == AF_UNIX) {
		bind_unix(l->fd, spec);
	} else if (bind(l->fd, (struct sockaddr *)&ss, sl) != 0) {
		die(EXIT_USAGE, "listen on ", spec, ": ", strerror(errno),
		    NULL);
	}
	if (listen(l->fd, 64) != 0) {
		die(EXIT_USAGE, "listen on ", spec, ": ", strerror(errno),
		    NULL);
	}
	l->ioh = loop_add(l->fd, POLLIN, on_accept, l);
	nlst++;
}

/*
 * --user: everything that needs privilege is done (sockets bound and
 * owned, CA bundle and cache file read, syslog and DNS sockets open);
 * from here on the process parses network input, so it runs as the
 * user, with no supplementary groups, and cannot get root back.  Any
 * failure is fatal: never go on with more privilege than asked for.
 */
static void
drop_privileges(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
		die(EXIT_INTERNAL, "--user: cannot drop privileges: ",
		    strerror(errno), NULL);
	}
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid || (uid != 0 && setuid(0) == 0)) {
		die(EXIT_INTERNAL, "--user: privileges still held after "
		    "setuid()", NULL);
	}
}

static void
listeners_close(void)
{
	int	 i;

	for (i = 0; i < nlst; i++) {
		if (lst[i].fd >= 0) {
			loop_del(lst[i].ioh);
			close(lst[i].fd);
			lst[i].fd = -1;
		}
		if (lst[i].path[0] != '\0') {
			unlink(lst[i].path);
		}
	}
}

static void
save_cache(void)
{
	if (cfg->cache_file != NULL && cache_save(cfg->cache_file,
	    loop_now(), (int64_t)time(NULL)) != 0) {
		logline("cannot write the cache file: ", strerror(errno), NULL);
	}
}

static void
on_save(void *arg)
{
	(void)arg;
	save_cache();
	timer_set(&save_timer, loop_now() + (int64_t)cfg->cache_save_s * 1000);
}

static void
on_stats(void *arg)
{
	char		 mem[512];
	struct buf	 b;

	(void)arg;
	buf_init(&b, mem, sizeof(mem) - 1);
	stats_text(&b);
	logline("stats ", buf_nul(&b), NULL);
	timer_set(&stats_timer, loop_now() + (int64_t)cfg->stats_s * 1000);
}

static int
busy_clients(void)
{
	size_t	 i;

	for (i = 0; i < nclients; i++) {
		if (clients[i].state != C_FREE && clients[i].state != C_READ) {
			return 1;
		}
		if (clients[i].state == C_READ && clients[i].tx_len > 0) {
			return 1;
		}
	}
	return 0;
}

/* see serve.h */
int
serve_run(const struct config *c)
{
	size_t		 i;
	unsigned	 hups = 0;
	int64_t		 drain_end = 0;
	uid_t		 run_uid = (uid_t)-1;
	gid_t		 run_gid = (gid_t)-1;

	cfg_mine = *c;
	fit_fd_limit(&cfg_mine);
	c = cfg = &cfg_mine;
	nclients = c->max_clients;
	clients = calloc(nclients, sizeof(*clients));
	if (clients == NULL || cache_init(c->cache) != 0) {
		die(EXIT_INTERNAL, "out of memory for clients and cache", NULL);
	}
	cache_ttls((int64_t)c->ttl_pos_s * 1000, (int64_t)c->ttl_neg_s * 1000,
	    (int64_t)c->ttl_tmp_s * 1000);
	for (i = 0; i < nclients; i++) {
		clients[i].rx = malloc(c->max_request + 1);
		if (clients[i].rx == NULL) {
			die(EXIT_INTERNAL, "out of memory for clients", NULL);
		}
		clients[i].fd = -1;
		clients[i].ioh = -1;
		timer_init(&clients[i].timer, on_client_timer, &clients[i]);
	}
	eng_setup(c, nclients + 2, on_result);
	log_open();
	if (c->user != NULL) {
		user_group(c->user, "--user", &run_uid, &run_gid);
		if (run_uid == (uid_t)-1) {
			die(EXIT_USAGE, "--user: give a user name", NULL);
		}
		/* the cache file is written as that user: it must own it */
		cache_trust_uid(run_uid);
	}
	if (c->cache_file != NULL && cache_load(c->cache_file, loop_now(),
	    (int64_t)time(NULL)) != 0) {
		logline("cannot read the cache file ", c->cache_file,
		    errno == EPERM ? ": not a regular file owned by the "
		    "daemon's user and writable only by it: ignored" :
		    strerror(errno));
	}
	if (c->policy != NULL) {
		listen_on(c->policy, P_POLICY);
	}
	if (c->lines != NULL) {
		listen_on(c->lines, P_LINES);
	}
	if (c->user != NULL) {
		drop_privileges(run_uid, run_gid);
	}
	timer_init(&save_timer, on_save, NULL);
	timer_init(&stats_timer, on_stats, NULL);
	timer_init(&accept_timer, on_accept_timer, NULL);
	if (c->cache_file != NULL) {
		timer_set(&save_timer, loop_now() +
		    (int64_t)c->cache_save_s * 1000);
	}
	if (c->stats_s > 0) {
		timer_set(&stats_timer, loop_now() + (int64_t)c->stats_s * 1000);
	}
	logline("serving", c->policy != NULL ? " policy on " : "",
	    c->policy != NULL ? c->policy : "");
	if (c->lines != NULL) {
		logline("serving lines on ", c->lines, NULL);
	}

	for (;;) {
		retry_room();
		eng_tick();
		if (loop_hups() != hups) {
			hups = loop_hups();
			cache_clear();
			logline("SIGHUP: result cache cleared", NULL, NULL);
		}
		if (loop_signal() != 0 && !draining) {
			/* stop taking work; let the probes in flight finish */
			draining = 1;
			drain_end = loop_now() + c->drain_ms;
			listeners_close();
			for (i = 0; i < nclients; i++) {
				if (clients[i].state == C_READ &&
				    clients[i].tx_len == 0) {
					client_drop(&clients[i]);
				}
			}
			logline("draining", NULL, NULL);
		}
		if (draining) {
			if (loop_now() >= drain_end && eng_in_flight() > 0) {
				eng_abort(R_INTERRUPTED, "shutting down");
			}
			if (loop_now() >= drain_end + DRAIN_WRITE_MS) {
				/* clients that do not take their answers */
				for (i = 0; i < nclients; i++) {
					if (clients[i].state != C_FREE) {
						client_free(&clients[i]);
					}
				}
				logline("drain budget spent: closed the clients "
				    "left", NULL, NULL);
				break;
			}
			if (eng_in_flight() == 0 && !busy_clients()) {
				if (sess_active() == 0) {
					break;
				}
				sess_quit_idle();
			}
		}
		if (loop_once(draining ? 100 : -1) != 0) {
			die(EXIT_INTERNAL, "poll: ", strerror(errno), NULL);
		}
	}
	save_cache();
	listeners_close();
	logline("stopped", NULL, NULL);
	return 0;
}
