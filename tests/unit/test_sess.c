/*
 * test_sess.c - the session state machine: its table walked whole, and
 * sessions driven through scripted server replies on loopback, with the
 * reports they make through their callback table asserted (sess.h).
 * sess_script runs before timer_heap (tests.h), which leaves timers
 * armed on the shared loop (t_loop).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "loop.h"
#include "sess.h"
#include "t.h"
#include "tests.h"
#include "verdict.h"

void
test_sess_table(void)
{
	struct sess_row	 row, r2;
	unsigned	 n = sess_states(), i, j, seen, todo, grew;
	unsigned	 done = n;

	T_CHECK(n > 2 && n <= 32);
	T_CHECK(sess_state_row(n, &row) == -1);
	for (i = 0; i < n; i++) {
		T_CHECKF(sess_state_row(i, &row) == 0, "row %u", i);
		T_CHECKF(row.name != NULL && row.name[0] != '\0', "row %u", i);
		if (row.name == NULL) {
			continue;
		}
		if (strcmp(row.name, "done") == 0) {
			done = i;
		}
		for (j = 0; j < i; j++) {
			sess_state_row(j, &r2);
			T_CHECKF(strcmp(row.name, r2.name) != 0, "%s twice",
			    row.name);
		}
		/* every state that waits has a deadline */
		if (strcmp(row.name, "idle") != 0 &&
		    strcmp(row.name, "done") != 0) {
			T_CHECKF(row.budget != 0, "%s: no budget", row.name);
		}
		T_CHECKF(row.stage >= STAGE_CONNECT && row.stage <= STAGE_QUIT,
		    "%s: stage %d", row.name, row.stage);
		T_CHECKF(row.fail_next >= 0 && (unsigned)row.fail_next < n,
		    "%s: failure successor %d", row.name, row.fail_next);
		T_CHECKF(row.to < (1u << n), "%s: moves to %#x", row.name,
		    row.to);
	}
	T_CHECK(done < n);
	/* every state is reachable from idle (row 0) through the table */
	seen = 1u;
	do {
		grew = 0;
		for (i = 0; i < n; i++) {
			if (!(seen & (1u << i)) || sess_state_row(i, &row)) {
				continue;
			}
			todo = row.to | (1u << row.fail_next);
			if ((seen | todo) != seen) {
				seen |= todo;
				grew = 1;
			}
		}
	} while (grew);
	for (i = 0; i < n; i++) {
		sess_state_row(i, &row);
		T_CHECKF(seen & (1u << i), "%s unreachable", row.name);
	}
	/* and from every state the end can be reached */
	for (i = 0; i < n; i++) {
		seen = 1u << i;
		do {
			grew = 0;
			for (j = 0; j < n; j++) {
				if ((seen & (1u << j)) &&
				    sess_state_row(j, &r2) == 0 &&
				    (seen | r2.to) != seen) {
					seen |= r2.to;
					grew = 1;
				}
			}
		} while (grew);
		sess_state_row(i, &row);
		T_CHECKF(i == done || (seen & (1u << done)), "%s: no way to "
		    "the end", row.name);
	}
}

/* ---- scripted sessions ---- */

#define MAXREP	16

static struct {
	unsigned	 nrcpt, ncatch, nunans, nclosed, nattempt, nlinger;
	unsigned	 ca_code, cut, nunans_tags;
	struct fact	 why;
	void		*tag[MAXREP];
	struct fact	 f[MAXREP];
	void		*left[RCPT_MAX];
	unsigned	 nleft;
	struct fact	 fail;
	struct sess	*closed_s;
	/* what `closed` does: start this batch again in the same slot */
	const struct sess_rcpt *restart;
	unsigned	 nrestart;
} rec;

static const struct mx_res	*t_mx;
static const struct sess_ops	 t_ops;

static unsigned
t_take(void *arg, struct sess_rcpt *r, unsigned max, size_t room, int *ca,
    char *ca_local, size_t cap)
{
	(void)arg;
	(void)r;
	(void)max;
	(void)room;
	(void)ca_local;
	(void)cap;
	*ca = 0;
	return 0;
}

static int
t_no(void *arg)
{
	(void)arg;
	return 0;
}

static void
t_linger(void *arg, struct sess *s, int on)
{
	(void)arg;
	(void)s;
	(void)on;
	rec.nlinger++;
}

static void
t_attempt(void *arg, void *tag)
{
	(void)arg;
	(void)tag;
	rec.nattempt++;
}

static void
t_rcpt(void *arg, void *tag, const struct fact *f)
{
	(void)arg;
	if (rec.nrcpt < MAXREP) {
		rec.tag[rec.nrcpt] = tag;
		rec.f[rec.nrcpt] = *f;
	}
	rec.nrcpt++;
}

static void
t_catchall(void *arg, const struct reply *r)
{
	(void)arg;
	if (rec.ncatch++ == 0) {
		rec.ca_code = r != NULL ? r->code : 0;
	}
}

static void
t_batch_cut(void *arg, unsigned n)
{
	(void)arg;
	rec.cut = n;
}

static void
t_unanswered(void *arg, void *const *tags, unsigned n,
    const struct fact *why)
{
	(void)arg;
	rec.nunans++;
	rec.nunans_tags = n;
	if (n > 0) {
		rec.left[0] = tags[0];
	}
	rec.why = *why;
}

static void
t_closed(void *arg, struct sess *s, void *const *tags, unsigned n,
    const struct fact *fail, const struct hello *h)
{
	(void)arg;
	(void)h;
	rec.nclosed++;
	rec.closed_s = s;
	rec.nleft = n;
	memcpy(rec.left, tags, n * sizeof(*tags));
	rec.fail = *fail;
	if (rec.restart != NULL) {
		/* the starter reuses the slot at once, as the engine may */
		const struct sess_rcpt *r = rec.restart;

		rec.restart = NULL;
		sess_start(s, "example.test", t_mx, r, rec.nrestart, NULL,
		    &t_ops, NULL);
	}
}

static const struct sess_ops t_ops = {
	t_take, t_no, t_no, t_linger, t_attempt, t_rcpt, t_catchall,
	t_batch_cut, t_unanswered, t_closed
};

static int
g_yes(const struct mx_addr *a, unsigned n)
{
	(void)a;
	(void)n;
	return 1;
}

static void
g_none(const struct mx_addr *a)
{
	(void)a;
}

static unsigned
g_quota(const struct mx_addr *a, unsigned max, int64_t *when)
{
	(void)a;
	(void)when;
	return max;
}

static void
g_sent(const struct mx_addr *a, unsigned n)
{
	(void)a;
	(void)n;
}

/* the fake server's side of one connection */
struct srv {
	int		 fd;
	char		 in[4096];
	size_t		 len;
};

/* run the loop until the server has a line starting with want (or it
 * closed, or nothing happens for a long time); 1 if it came */
static int
srv_expect(struct srv *v, const char *want)
{
	unsigned	 spins;
	char		*eol;
	ssize_t		 n;
	size_t		 k;

	for (spins = 0; spins < 400; spins++) {
		eol = memchr(v->in, '\n', v->len);
		if (eol != NULL) {
			k = (size_t)(eol - v->in) + 1;
			n = strncmp(v->in, want, strlen(want)) == 0;
			memmove(v->in, v->in + k, v->len - k);
			v->len -= k;
			return (int)n;
		}
		loop_once(25);
		n = recv(v->fd, v->in + v->len, sizeof(v->in) - v->len,
		    MSG_DONTWAIT);
		if (n > 0) {
			v->len += (size_t)n;
		} else if (n == 0) {
			return 0;
		}
	}
	return 0;
}

static void
srv_say(struct srv *v, const char *text)
{
	size_t	 n = strlen(text);

	T_CHECK(send(v->fd, text, n, MSG_NOSIGNAL) == (ssize_t)n);
}

/* one step of a scripted dialogue: the server says, then awaits */
struct step {
	const char	*say;		/* NULL: nothing */
	const char	*expect;	/* the next line's start, or NULL */
};

/* play the steps up to the { NULL, NULL } row */
static void
play(struct srv *v, const struct step *st)
{
	for (; st->say != NULL || st->expect != NULL; st++) {
		if (st->say != NULL) {
			srv_say(v, st->say);
		}
		if (st->expect != NULL) {
			T_CHECKF(srv_expect(v, st->expect), "want \"%s\"",
			    st->expect);
		}
	}
}

/* accept the session's connection on the listener */
static int
srv_accept(int lfd, struct srv *v)
{
	struct pollfd	 p = { lfd, POLLIN, 0 };
	unsigned	 spins;

	memset(v, 0, sizeof(*v));
	for (spins = 0; spins < 400; spins++) {
		loop_once(0);
		if (poll(&p, 1, 25) == 1) {
			v->fd = accept(lfd, NULL, NULL);
			return v->fd >= 0 ? 0 : -1;
		}
	}
	v->fd = -1;
	return -1;
}

/* until the session has ended (closed reported n times in all) */
static void
run_until_closed(unsigned n)
{
	unsigned	 spins;

	for (spins = 0; spins < 400 && rec.nclosed < n; spins++) {
		loop_once(25);
	}
}

static int	 lfd = -1;
static struct mx_res mx;

static int
setup(void)
{
	static int		 ready;
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	struct sess_conf	 c;

	if (ready) {
		return lfd >= 0 ? 0 : -1;
	}
	ready = 1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(lfd, 8) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &sl) != 0) {
		fprintf(stderr, "sess_script: no loopback listener: %s\n",
		    strerror(errno));
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.helo = "client.example.test";
	c.from = "";
	c.port = ntohs(sin.sin_port);
	c.tls = TLSM_NO;
	c.connect_ms = c.banner_ms = c.reply_ms = 10000;
	c.address_ms = 20000;
	c.rejects_per_session = 100;
	c.tx_per_session = 10;
	c.may_connect = g_yes;
	c.back_off = g_none;
	c.host_ok = g_none;
	c.rcpt_quota = g_quota;
	c.rcpts_sent = g_sent;
	if (t_loop() != 0 || sess_init(2, &c) != 0) {
		return -1;
	}
	mx.nhost = 1;
	mx.host[0].name_len = 7;
	mx.host[0].naddr = 1;
	memcpy(mx.names, "mx.test", 7);
	mx.naddr = 1;
	mx.addr[0].family = 4;
	memcpy(mx.addr[0].a, "\177\0\0\1", 4);
	t_mx = &mx;
	return 0;
}

static int	 ta, tb, tc, td;	/* the tags: their addresses */
static const struct sess_rcpt two[] = {
	{ &ta, "a", 1, 0 },
	{ &tb, "bb", 2, 0 },
};
static const struct sess_rcpt two_more[] = {
	{ &tc, "c", 1, 0 },
	{ &td, "d", 1, 0 },
};

/*
 * A session to m for r[0..n) (with the catch-all probe ca when not
 * NULL) and the server's end of its connection
 */
static struct sess *
open_one(const struct mx_res *m, const struct sess_rcpt *r, unsigned n,
    const char *ca, struct srv *v)
{
	struct sess	*s = sess_get();

	memset(&rec, 0, sizeof(rec));
	T_CHECK(s != NULL);
	if (s == NULL) {
		return NULL;
	}
	t_mx = m;
	sess_start(s, "example.test", m, r, n, ca, &t_ops, NULL);
	if (srv_accept(lfd, v) != 0) {
		T_CHECK(0);
		return NULL;
	}
	return s;
}

/* a pipelined transaction: one fact per recipient, QUIT, closed once */
static void
script_pipelined(void)
{
	static const struct step dialogue[] = {
		{ "220 mx.test ESMTP\r\n", "EHLO client.example.test\r\n" },
		{ "250-mx.test\r\n250 PIPELINING\r\n", "MAIL FROM:<>\r\n" },
		{ NULL, "RCPT TO:<a@example.test>\r\n" },
		{ NULL, "RCPT TO:<bb@example.test>\r\n" },
		{ "250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 no such user\r\n",
		    "QUIT\r\n" },
		{ "221 bye\r\n", NULL },
		{ NULL, NULL }
	};
	struct srv	 v;
	struct sess	*s = open_one(&mx, two, 2, NULL, &v);

	if (s == NULL) {
		return;
	}
	T_CHECK(sess_active() == 1);
	play(&v, dialogue);
	run_until_closed(1);
	/* the scheduler's size estimate is the builder's own format */
	T_INTEQ(sess_cmd_len(1, strlen("example.test")),
	    strlen("RCPT TO:<a@example.test>\r\n"));
	T_INTEQ(sess_head_len(0),
	    strlen("RSET\r\nMAIL FROM:<> SMTPUTF8\r\n"));
	T_INTEQ(rec.nrcpt, 2);
	T_CHECK(rec.tag[0] == &ta && rec.f[0].reason == R_ACCEPTED &&
	    rec.f[0].code == 250);
	T_CHECK(rec.tag[1] == &tb && rec.f[1].reason == R_MAILBOX_MISSING &&
	    rec.f[1].code == 550 && strcmp(rec.f[1].ecode, "5.1.1") == 0);
	T_INTEQ(rec.nclosed, 1);
	T_INTEQ(rec.nleft, 0);
	T_CHECK(rec.closed_s == s);
	T_INTEQ(sess_active(), 0);
	close(v.fd);
}

/*
 * f3ba3c5: a 421 to MAIL ends the session inside its read handler, the
 * pipelined RCPTs' 503s arrive in the same read, and the starter starts
 * a new session in the same slot from `closed`.  Those 503s must never
 * reach the new session: `closed` comes after the handler has unwound
 * and the rest of the read is dropped with the connection.
 */
static void
script_421_reuse(void)
{
	struct srv	 v, w;
	struct fact	 abort_f;
	struct sess	*s = open_one(&mx, two, 2, NULL, &v);

	if (s == NULL) {
		return;
	}
	srv_say(&v, "220 mx.test ESMTP\r\n");
	T_CHECK(srv_expect(&v, "EHLO "));
	srv_say(&v, "250-mx.test\r\n250 PIPELINING\r\n");
	T_CHECK(srv_expect(&v, "MAIL FROM:<>"));
	rec.restart = two_more;
	rec.nrestart = 2;
	srv_say(&v, "421 4.3.2 closing down\r\n503 5.5.1 bad sequence\r\n"
	    "503 5.5.1 bad sequence\r\n");
	run_until_closed(1);
	T_INTEQ(rec.nclosed, 1);
	/* the first session: a and bb unanswered, the 421 its failure */
	T_INTEQ(rec.nrcpt, 0);
	T_CHECK(rec.closed_s == s);
	T_CHECK(rec.fail.code == 421 || rec.nunans == 1);
	/* the new session in the same slot is connecting, untouched */
	T_INTEQ(sess_active(), 1);
	if (srv_accept(lfd, &w) == 0) {
		srv_say(&w, "220 mx.test ESMTP\r\n");
		T_CHECK(srv_expect(&w, "EHLO "));
		T_INTEQ(rec.nrcpt, 0);
		close(w.fd);
	} else {
		T_CHECK(0);
	}
	close(v.fd);
	memset(&abort_f, 0, sizeof(abort_f));
	abort_f.reason = R_INTERRUPTED;
	sess_abort_all(&abort_f);
	T_INTEQ(rec.nclosed, 2);
	T_INTEQ(rec.nleft, 2);
	T_CHECK(rec.left[0] == &tc && rec.left[1] == &td);
	T_INTEQ(rec.fail.reason, R_INTERRUPTED);
	T_INTEQ(sess_active(), 0);
}

/*
 * A banner refused with bytes after it: the next address (the same
 * listener here) starts a clean dialogue; nothing of the first
 * connection's read reaches the second.
 */
static void
script_banner_next(void)
{
	static const struct step dialogue[] = {
		{ "220 mx.test ESMTP\r\n", "EHLO " },
		{ "250 mx.test\r\n", "MAIL FROM:<>" },
		{ "250 ok\r\n", "RCPT TO:<a@example.test>" },
		{ "250 ok\r\n", "QUIT" },
		{ "221 bye\r\n", NULL },
		{ NULL, NULL }
	};
	static struct mx_res	 two_mx;
	struct srv		 v, w;

	two_mx = mx;
	two_mx.addr[1] = mx.addr[0];
	two_mx.host[0].naddr = 2;
	two_mx.naddr = 2;
	if (open_one(&two_mx, two, 1, NULL, &v) == NULL) {
		return;
	}
	srv_say(&v, "554 5.7.1 go away\r\n250 stray\r\n");
	if (srv_accept(lfd, &w) != 0) {
		T_CHECK(0);
		close(v.fd);
		return;
	}
	play(&w, dialogue);
	run_until_closed(1);
	T_INTEQ(rec.nrcpt, 1);
	T_CHECK(rec.tag[0] == &ta && rec.f[0].reason == R_ACCEPTED &&
	    rec.f[0].ai == 1);
	T_INTEQ(rec.nattempt, 1);	/* the reconnection is an attempt */
	T_INTEQ(rec.nclosed, 1);
	T_INTEQ(sess_active(), 0);
	close(v.fd);
	close(w.fd);
	t_mx = &mx;
}

/*
 * Without PIPELINING, one RCPT at a time, the catch-all probe first; a
 * 452 4.5.3 after an accepted RCPT puts the rest back (a batch cut to
 * one, the recipient unanswered and to be asked again), then QUIT.
 */
static void
script_one_by_one(void)
{
	static const struct step dialogue[] = {
		{ "220 mx.test ESMTP\r\n", "EHLO " },
		{ "250 mx.test\r\n", "MAIL FROM:<>\r\n" },
		{ "250 ok\r\n", "RCPT TO:<xprobe@example.test>\r\n" },
		{ "550 5.1.1 no such user\r\n",
		    "RCPT TO:<a@example.test>\r\n" },
		{ "250 ok\r\n", "RCPT TO:<bb@example.test>\r\n" },
		{ "452 4.5.3 too many recipients\r\n", "QUIT\r\n" },
		{ "221 bye\r\n", NULL },
		{ NULL, NULL }
	};
	struct srv	 v;

	if (open_one(&mx, two, 2, "xprobe", &v) == NULL) {
		return;
	}
	play(&v, dialogue);
	run_until_closed(1);
	T_INTEQ(rec.ca_code, 550);
	T_INTEQ(rec.nrcpt, 1);
	T_CHECK(rec.tag[0] == &ta && rec.f[0].reason == R_ACCEPTED);
	T_INTEQ(rec.cut, 1);
	T_INTEQ(rec.nunans, 1);
	T_INTEQ(rec.nunans_tags, 1);
	T_CHECK(rec.left[0] == &tb);
	T_CHECK(rec.why.again == 1 && rec.why.code == 452);
	T_INTEQ(rec.nclosed, 1);
	T_INTEQ(sess_active(), 0);
	close(v.fd);
}

void
test_sess_script(void)
{
	if (setup() != 0) {
		T_CHECK(0);
		return;
	}
	script_pipelined();
	script_421_reuse();
	script_banner_next();
	script_one_by_one();
	/* every move the sessions made is a move of the table */
	T_INTEQ(sess_bad_edges(), 0);
}
