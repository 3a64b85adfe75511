/*
 * sess.h - one SMTP client session as an explicit state machine on the
 * shared loop (RFC 5321 3, 4.1; RFC 2920 pipelining; RFC 3207 STARTTLS).
 *
 * A session connects to the best usable address of the MX set it was
 * given (falling back to the next one on refusal, timeout, or a 4xx/5xx
 * banner), says EHLO (HELO on 5xx), STARTTLS when offered and allowed,
 * then runs transactions: MAIL FROM and a batch of RCPT TO, in one write
 * when the server offers PIPELINING; RSET and another batch while its
 * starter has more recipients for the domain; QUIT.  It never sends DATA.
 *
 * The session is a leaf (docs/hacking.md, "The boundary"): it knows its
 * settings (sess_init), and per session the domain name, the MX set, a
 * table of callbacks and an opaque arg from whoever started it, as udns
 * completes a query with (cb, data).  Every report it makes goes through
 * that table with arg: what the server said per recipient, the
 * catch-all probe's reply, the recipients it could not answer, and once,
 * at the very end, `closed`.  It never sees its starter's structures.
 */
#ifndef MXP_SESS_H
#define MXP_SESS_H

#include <stddef.h>
#include <stdint.h>

#include "mx.h"
#include "reply.h"
#include "ring.h"

#define RCPT_MAX	32	/* --rcpt-per-session upper bound */
#define SESS_TX_CAP	2048	/* one pipelined MAIL + RCPT... write */
#define SESS_CA_LOCAL_MAX 23	/* the catch-all probe's local part */

struct sess;

/* what the SMTP dialogue said about one recipient (or the session) */
struct fact {
	uint8_t		 reason;	/* enum reason; R_NONE: nothing yet */
	uint8_t		 stage;		/* enum smtp_stage */
	/* unanswered/closed: not about these recipients, ask them again
	 * (budget permitting); reason says why if the budget is spent */
	uint8_t		 again;
	/* closed: this failure was reported already with the recipients
	 * of a finished transaction (unanswered): charge the queue once */
	uint8_t		 charged;
	uint16_t	 code;
	char		 ecode[12];
	char		 text[REPLY_TEXT_MAX + 1];
	char		 detail[RES_DETAIL_MAX + 1];
	int16_t		 ai;		/* MX address index, -1 none */
	char		 tls[RES_TLS_MAX + 1];
	struct res_tls	 tlsi;
};

/*
 * What a session without recipients (a probe: audit, selfcheck) saw of
 * its host: banner, EHLO, TLS.  It ends after EHLO (and STARTTLS and
 * EHLO again) with QUIT; `closed` hands this over (valid during the
 * call only).
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

/*
 * One recipient lent to the session by its starter.  tag is the
 * starter's handle, given back in every report about the recipient;
 * local (local_len bytes, not NUL-terminated; the domain is the
 * session's) stays valid until the recipient has been reported (rcpt,
 * unanswered or closed).
 */
struct sess_rcpt {
	void		*tag;
	const char	*local;
	uint8_t		 local_len;
	uint8_t		 utf8;		/* needs SMTPUTF8 (RFC 6531 3.4) */
};

/*
 * The reports of one session to its starter; every call gets the arg
 * given to sess_start().  A probe session (no recipients) calls only
 * closed; the others may be NULL in its table.  A report may start,
 * wake or end other sessions (the engine does); it must not re-enter
 * this one (asserted), except that `closed`, the last report, may start
 * this slot again.
 */
struct sess_ops {
	/*
	 * The next batch: up to max recipients into r, fewer if their
	 * commands would not fit in room bytes (sess_cmd_len); with a probe
	 * local part written to ca_local (cap bytes) when the batch should
	 * carry the catch-all probe (*ca = 1; max >= 2 then, the probe
	 * counts).  Each recipient handed out starts an attempt.  Returns
	 * the count (0: nothing).
	 */
	unsigned (*take)(void *arg, struct sess_rcpt *r, unsigned max,
		    size_t room, int *ca, char *ca_local, size_t cap);
	/* is more work queued for the domain (wait for the host's pace)? */
	int	 (*queued)(void *arg);
	/* may the session wait briefly for more work (more input may come)? */
	int	 (*may_linger)(void *arg);
	/* the session waits for work (on) or no longer (off) */
	void	 (*linger)(void *arg, struct sess *s, int on);
	/* a reconnection (next MX, plaintext retry) carries tag: an attempt */
	void	 (*attempt)(void *arg, void *tag);
	/* what the server said about one recipient: it leaves the session */
	void	 (*rcpt)(void *arg, void *tag, const struct fact *f);
	/* the catch-all probe's reply; NULL: no answer, probe again later */
	void	 (*catchall)(void *arg, const struct reply *r);
	/* the server takes at most n recipients per transaction (452 4.5.3) */
	void	 (*batch_cut)(void *arg, unsigned n);
	/* a transaction ended with these recipients unanswered, why says why */
	void	 (*unanswered)(void *arg, void *const *tags, unsigned n,
		    const struct fact *why);
	/*
	 * The end, exactly once per sess_start(), after every handler of the
	 * session has returned: the slot is free (s may be started again
	 * from inside this call), tags[0..n) were never answered, fail is
	 * the session's first failure; h is what a probe session saw (NULL
	 * for the others).
	 */
	void	 (*closed)(void *arg, struct sess *s, void *const *tags,
		    unsigned n, const struct fact *fail, const struct hello *h);
};

/*
 * Settings, the same for every session, given once.  The hooks are
 * process-wide services keyed by the mail host, not reports about one
 * domain: binding --source, and the politeness governor (gov.h).
 * may_connect: 1 when a connection carrying nrcpt RCPTs may go to a now
 * (it is then counted); back_off: the host failed temporarily (421, a
 * rate limit, a busy greeting); host_ok: it answered an RCPT for good;
 * rcpt_quota: RCPTs it may get now (<= max), when none *when says from
 * when; rcpts_sent: n go now.
 */
struct sess_conf {
	const char	*helo;		/* EHLO name; "": the address literal */
	const char	*from;		/* MAIL FROM path; "": <> */
	uint16_t	 port;
	uint8_t		 tls;		/* enum tls_mode (config.h) */
	uint8_t		 verbose;
	uint8_t		 probes;	/* sessions without recipients run */
	int64_t		 connect_ms, banner_ms, reply_ms;
	int64_t		 address_ms;	/* --timeout: per address attempt */
	unsigned	 rejects_per_session, tx_per_session;
	/* 0 when bound or nothing to bind; -1 when it cannot be */
	int	 (*bind)(int fd, int family);
	int	 (*may_connect)(const struct mx_addr *a, unsigned nrcpt);
	void	 (*back_off)(const struct mx_addr *a);
	void	 (*host_ok)(const struct mx_addr *a);
	unsigned (*rcpt_quota)(const struct mx_addr *a, unsigned max,
		    int64_t *when);
	void	 (*rcpts_sent)(const struct mx_addr *a, unsigned n);
};

/* allocate n sessions (start-up), copying *conf; 0 or -1 */
int	sess_init(size_t n, const struct sess_conf *conf);

/* a free session, or NULL when all are busy */
struct sess *sess_get(void);

/*
 * Open session s to the domain name with the MX set mx for r[0..n)
 * (n <= RCPT_MAX), carrying the catch-all probe when ca_local is not
 * NULL.  n == 0 without a probe greets only (a probe session, see struct
 * hello; sess_conf.probes must be set).  name and mx belong to the
 * caller and must stay unchanged until `closed`; reports go to ops with
 * arg.  Each recipient given here has its attempt counted by the caller.
 */
void	sess_start(struct sess *s, const char *name, const struct mx_res *mx,
	    const struct sess_rcpt *r, unsigned n, const char *ca_local,
	    const struct sess_ops *ops, void *arg);

/*
 * Bytes of a transaction's write, in the session's own formats (the
 * builder uses the same, so the figures are exact): sess_cmd_len(), one
 * RCPT TO line for the address local "@" domain; sess_head_len(), the
 * RSET and MAIL FROM (with SMTPUTF8) lines before them, for a
 * reverse-path of from_len bytes.
 */
size_t	sess_cmd_len(size_t local_len, size_t domain_len);
size_t	sess_head_len(size_t from_len);

/* a lingering session: take the domain's next batch now */
void	sess_wake(struct sess *s);

/* no more work is coming: lingering sessions say QUIT now */
void	sess_quit_idle(void);

/* sessions open */
unsigned sess_active(void);

/* command writes sent whole so far (round trips, less the connects) */
uint64_t sess_writes(void);

/* end every open session now: each reports its recipients with fail */
void	sess_abort_all(const struct fact *fail);

/*
 * The state table, for its unit test: how many states, and row i's name,
 * budget (a timeout kind, 0: none), stage (enum smtp_stage), failure
 * successor (the state a failure there leads to) and the states it may
 * enter (bit i: state i); 0, or -1 past the end.  sess_bad_edges():
 * moves made so far that the table does not list (0 unless the table
 * and the code disagree).
 */
struct sess_row {
	const char	*name;
	int		 budget;
	int		 stage;
	int		 fail_next;
	uint32_t	 to;
};
unsigned sess_states(void);
int	sess_state_row(unsigned state, struct sess_row *row);
unsigned sess_bad_edges(void);

#endif
