/*
 * sess.h - one SMTP client session as an explicit state machine on the
 * shared loop (RFC 5321 3, 4.1; RFC 2920 pipelining; RFC 3207 STARTTLS).
 *
 * A session connects to the best usable address of its domain's MX list
 * (falling back to the next one on refusal, timeout, or a 4xx/5xx
 * banner), says EHLO (HELO on 5xx), STARTTLS when offered and allowed,
 * then runs transactions: MAIL FROM and a batch of RCPT TO, in one write
 * when the server offers PIPELINING; RSET and another batch while the
 * engine has more addresses for the domain; QUIT.  It never sends DATA.
 * It reports what the server said per recipient (eng_on_rcpt) and once,
 * at the end, the items it could not answer (eng_on_sess_end).
 */
#ifndef MXP_SESS_H
#define MXP_SESS_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

/* allocate n sessions (start-up); 0 or -1 */
int	sess_init(size_t n);

/* a free session, or NULL when all are busy */
struct sess *sess_get(void);

/*
 * open a session to d for items[0..n) (n >= 1, or n == 0 with ca); n == 0
 * without ca greets only and reports through eng_on_hello() (engine.h)
 */
void	sess_start(struct sess *s, struct dom *d, struct item **items,
	    unsigned n, int ca, const char *ca_local);

/* a lingering session: take the domain's next batch now */
void	sess_wake(struct sess *s);

/* no more work is coming: lingering sessions say QUIT now */
void	sess_quit_idle(void);

/* the domain a session belongs to */
struct dom *sess_dom(const struct sess *s);

/* sessions open */
unsigned sess_active(void);

/* command writes sent whole so far (round trips, less the connects) */
uint64_t sess_writes(void);

/* end every open session now: each reports its items with fail */
void	sess_abort_all(const struct fact *fail);

/* the state names, for traces; NULL past the end */
const char *sess_state_name(unsigned state);

#endif
