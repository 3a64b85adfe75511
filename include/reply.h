/*
 * reply.h - SMTP reply parser (RFC 5321 4.2, RFC 3463 enhanced codes,
 * RFC 2920 pipelined replies): bytes in, struct reply out.  Pure: no
 * I/O, no allocation, no global state, so it can be fuzzed.
 *
 * Bytes are fed as they arrive, in pieces of any size.  reply_feed()
 * consumes bytes up to the end of one complete reply and stops there,
 * so replies to pipelined commands come out one by one.  Bounds, each a
 * protocol error (never a crash, never an unbounded wait):
 *  - a line longer than REPLY_LINE_MAX octets including CRLF
 *    (RFC 5321 4.5.3.1.5);
 *  - more than REPLY_LINES_MAX lines in one reply;
 *  - a NUL byte; a code that is not three digits 2xx-5xx; a separator
 *    other than " ", "-" or the line end after the code; a continuation
 *    line whose code differs from the first line's.
 * A bare LF ends a line like CRLF does (seen from broken servers).
 */
#ifndef MXP_REPLY_H
#define MXP_REPLY_H

#include <stddef.h>
#include <stdint.h>

#define REPLY_LINE_MAX	512	/* octets, CRLF included */
#define REPLY_LINES_MAX	128	/* lines in one reply */
#define REPLY_TEXT_MAX	200	/* reply text kept for results */

/* EHLO capabilities (RFC 5321 4.1.1.1 and the extensions' RFCs) */
#define CAP_PIPELINING	0x01	/* RFC 2920 */
#define CAP_STARTTLS	0x02	/* RFC 3207 */
#define CAP_SMTPUTF8	0x04	/* RFC 6531 */
#define CAP_8BITMIME	0x08	/* RFC 6152 */
#define CAP_SIZE	0x10	/* RFC 1870 */
#define CAP_ENHANCED	0x20	/* ENHANCEDSTATUSCODES, RFC 2034 */
#define CAP_CHUNKING	0x40	/* RFC 3030 */

enum reply_err {
	REPLY_OK = 0,
	REPLY_E_LONG,		/* line over REPLY_LINE_MAX */
	REPLY_E_LINES,		/* over REPLY_LINES_MAX lines */
	REPLY_E_NUL,		/* NUL byte */
	REPLY_E_CODE,		/* not a 3-digit 2xx..5xx code */
	REPLY_E_SEP,		/* bad character after the code */
	REPLY_E_MIXED		/* continuation with another code */
};

struct reply {
	uint16_t	 code;		/* 200..599 */
	uint16_t	 nlines;
	unsigned	 caps;		/* CAP_*, when parsing an EHLO reply */
	uint64_t	 size;		/* SIZE parameter, 0 if none */
	char		 ecode[12];	/* "5.1.1", or "" when there is none */
	/*
	 * The text: the first line after the code (and after the enhanced
	 * code, when there is one), then later lines' texts joined with
	 * " ", cut at REPLY_TEXT_MAX bytes; NUL-terminated.  Bytes are kept
	 * as sent (controls too: writers escape them).
	 */
	char		 text[REPLY_TEXT_MAX + 1];
};

struct reply_parser {
	int		 ehlo;		/* parse capability lines */
	enum reply_err	 err;		/* sticky once set */
	size_t		 len;		/* bytes of the current line so far */
	char		 line[REPLY_LINE_MAX];
	struct reply	 cur;		/* the reply being assembled */
};

enum reply_rc {
	REPLY_MORE,	/* everything consumed; no complete reply yet */
	REPLY_DONE,	/* *out holds one complete reply */
	REPLY_ERROR	/* protocol error: p->err says which; stays so */
};

/* reset for a new reply; ehlo: also collect EHLO capabilities */
void	reply_init(struct reply_parser *p, int ehlo);

/*
 * Feed len bytes.  *used is set to the bytes consumed (all of them on
 * REPLY_MORE; up to the end of the reply on REPLY_DONE).  After
 * REPLY_DONE the parser is ready for the next reply (same ehlo flag
 * unless reply_init() is called again).
 */
enum reply_rc reply_feed(struct reply_parser *p, const char *buf,
	    size_t len, size_t *used, struct reply *out);

/* stable token for an error ("line_too_long", ...) */
const char	*reply_err_token(enum reply_err e);

#endif
