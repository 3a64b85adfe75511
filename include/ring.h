/*
 * ring.h - the result of one input address, and the fixed-size ring
 * that carries results from the engine to the output writer.
 *
 * Back-pressure, not loss: the engine may only admit an address while
 * ring_room() says so, and an admitted address owns a place in the ring
 * until its result is written.  A full ring therefore stops admission;
 * it never drops or overwrites a result.
 *
 * Two orders:
 *  - completion (default): results are written in the order they finish;
 *  - input: results are written in input order.  Address number seq sits
 *    in slot seq % cap, so one slow address holds back the output of the
 *    cap - 1 addresses after it, and admission with them.
 * Sequence numbers are given at admission, consecutively from 0.
 */
#ifndef MXP_RING_H
#define MXP_RING_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define RES_ADDR_MAX	320	/* input text kept; longer is cut, flagged */
#define RES_TEXT_MAX	200	/* server reply text kept */
#define RES_DETAIL_MAX	200
#define RES_HOST_MAX	255
#define RES_IP_MAX	46	/* INET6_ADDRSTRLEN */
#define RES_ECODE_MAX	12	/* "5.123.123" */
#define RES_TLS_MAX	120	/* "TLSv1.3 TLS1-3-AES-256-GCM-SHA384 ..." */
#define RES_MXLIST_MAX	300	/* "PREF HOST ADDR...;PREF HOST..." (mx.h) */

/*
 * What TLS showed in the session that gave the result (JSON "tls"
 * object; flags 0 = no TLS).  Filled by the TLS adapter (tls.h); the
 * texts are cut to fit.
 */
#define RES_TLS_ON	0x01	/* a handshake completed */
#define RES_TLS_VERIFIED 0x02	/* chain and host name checked, good */
#define RES_TLS_RESUMED	0x04	/* abbreviated handshake */
struct res_tls {
	uint8_t		flags;
	char		version[8];		/* "TLSv1.3" */
	char		cipher[48];		/* mbedTLS suite name */
	char		verify_error[48];	/* "not trusted, expired" */
	char		subject[96];		/* "O=x, CN=mx.example.test" */
	char		issuer[96];
	char		not_after[24];		/* "2027-01-31T23:59:59Z" */
};

#define RES_F_ROLE	0x01	/* role account: postmaster@, info@, ... */
#define RES_F_CUT	0x02	/* addr holds only the start of the input */
#define RES_F_DUP	0x04	/* same address seen earlier in the input */
#define RES_F_CACHED	0x08	/* answered from the result cache */

struct result {
	uint64_t	seq;
	uint64_t	line;		/* input line or argument number */
	uint32_t	addr_full_len;	/* length of the input line */
	uint16_t	addr_len;
	uint16_t	code;		/* final SMTP reply code, 0 if none */
	uint8_t		verdict;	/* enum verdict */
	uint8_t		reason;		/* enum reason */
	int8_t		catch_all;	/* -1 not known, 0 no, 1 yes */
	uint8_t		attempts;	/* SMTP sessions this address took */
	uint8_t		flags;		/* RES_F_* */
	uint32_t	elapsed_ms;
	char		addr[RES_ADDR_MAX];	/* not NUL-terminated */
	char		domain[ADDR_DOMAIN_MAX + 1];
	char		detail[RES_DETAIL_MAX + 1];
	char		text[RES_TEXT_MAX + 1];
	char		ecode[RES_ECODE_MAX + 1];
	char		mx[RES_HOST_MAX + 1];
	char		ip[RES_IP_MAX + 1];
	char		tls[RES_TLS_MAX + 1];	/* summary (text, CSV) */
	struct res_tls	tlsi;			/* details (JSON) */
	char		mxlist[RES_MXLIST_MAX + 1];	/* --mx-only */
};

struct ring {
	struct result	*slot;
	uint8_t		*full;
	size_t		 cap;
	int		 ordered;
	uint64_t	 admitted;	/* sequence numbers given out */
	uint64_t	 written;	/* results popped */
	uint64_t	 head;		/* completion order: next slot to read */
	uint64_t	 tail;		/* completion order: next slot to fill */
};

/* allocate cap slots (start-up only); 0 or -1 */
int	ring_init(struct ring *r, size_t cap, int ordered);
void	ring_free(struct ring *r);

/*
 * May one more address be admitted?  In input order each address holds
 * its slot from admission on, so the ring bounds what is in progress.
 * In completion order a result takes a slot only when it is done: there
 * is always room, but ring_full() must be false for ring_claim(); the
 * caller writes results out (blocking if need be) until it is.
 */
int	ring_room(const struct ring *r);
int	ring_full(const struct ring *r);
/* completion order, the output is dead: a result that had nowhere to go */
void	ring_drop(struct ring *r);

/* admit one address: returns its sequence number (ring_room() first) */
uint64_t ring_admit(struct ring *r);

/*
 * The zeroed slot that will carry the result of address seq; the caller
 * fills it and calls ring_commit().  Exactly one claim per admission.
 */
struct result *ring_claim(struct ring *r, uint64_t seq);
void	ring_commit(struct ring *r, struct result *res);

/* the next result to write, or NULL; ring_pop() once it is written */
const struct result *ring_peek(const struct ring *r);
void	ring_pop(struct ring *r);

/* admitted and not yet written */
static inline uint64_t
ring_pending(const struct ring *r)
{
	return r->admitted - r->written;
}

#endif
