/*
 * test_reply.c - table-driven tests for reply_feed() (reply.c).
 *
 * Each row gives the input with its exact length (IN() uses sizeof, so
 * rows may hold NUL bytes), the EHLO flag, and what one reply_feed() of
 * the whole input must give: the return code, the error, the bytes
 * consumed (0 in the row: all of them) and, on REPLY_DONE, the reply.
 * Every DONE and ERROR row is fed again one byte at a time and at
 * pseudo-random split points (fixed seed) and must give the same
 * result.  Inputs too long for a row (line and line-count limits, text
 * truncation) are built by the functions after the table.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "reply.h"
#include "t.h"

void	test_reply(void);

#define IN(s)	s, sizeof(s) - 1

#define P	CAP_PIPELINING
#define TLS	CAP_STARTTLS
#define U8	CAP_SMTPUTF8
#define M8	CAP_8BITMIME
#define SZ	CAP_SIZE
#define ENH	CAP_ENHANCED
#define CH	CAP_CHUNKING

struct reply_case {
	int		 ehlo;
	const char	*in;
	size_t		 len;
	enum reply_rc	 rc;
	enum reply_err	 err;
	size_t		 used;		/* 0: the whole input */
	unsigned	 code;
	unsigned	 nlines;
	const char	*ecode;
	const char	*text;
	unsigned	 caps;
	uint64_t	 size;
};

#define DONE(e, s, code, n, ec, text)					\
	{ e, IN(s), REPLY_DONE, REPLY_OK, 0, code, n, ec, text, 0, 0 }
#define DONEU(e, s, used, code, n, ec, text)				\
	{ e, IN(s), REPLY_DONE, REPLY_OK, used, code, n, ec, text, 0, 0 }
#define CAPS(s, n, caps, size)						\
	{ 1, IN(s), REPLY_DONE, REPLY_OK, 0, 250, n, "", NULL, caps, size }
#define MORE(s)								\
	{ 0, IN(s), REPLY_MORE, REPLY_OK, 0, 0, 0, NULL, NULL, 0, 0 }
#define ERR(s, err, used)						\
	{ 0, IN(s), REPLY_ERROR, err, used, 0, 0, NULL, NULL, 0, 0 }

#define GMAIL_550							\
	"550-5.1.1 The email account that you tried to reach does not\r\n" \
	"550-5.1.1 exist. Please try double-checking the recipient's\r\n" \
	"550 5.1.1 email address. https://support.google.com - gsmtp\r\n"
#define GMAIL_550_TEXT							\
	"The email account that you tried to reach does not exist. "	\
	"Please try double-checking the recipient's email address. "	\
	"https://support.google.com - gsmtp"
#define EHLO_FULL							\
	"250-mx.example.com Hello client.example.net [192.0.2.1]\r\n"	\
	"250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n"		\
	"250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n"	\
	"250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n"

static const struct reply_case reply_cases[] = {
	/* single line */
	DONE(0, "220 mx.example.com ESMTP Postfix\r\n", 220, 1, "",
	    "mx.example.com ESMTP Postfix"),
	DONE(0, "250 OK\r\n", 250, 1, "", "OK"),
	DONE(0, "250\r\n", 250, 1, "", ""),
	DONE(0, "250 \r\n", 250, 1, "", ""),
	DONE(0, "250 OK\n", 250, 1, "", "OK"),
	DONE(0, "250\n", 250, 1, "", ""),
	DONE(0, "354 End data with <CR><LF>.<CR><LF>\r\n", 354, 1, "",
	    "End data with <CR><LF>.<CR><LF>"),
	DONE(0, "421 4.7.0 Too many connections\r\n", 421, 1, "4.7.0",
	    "Too many connections"),
	DONE(0, "550 5.1.1 <bob@example.com>: Recipient address rejected: "
	    "User unknown in local recipient table\r\n", 550, 1, "5.1.1",
	    "<bob@example.com>: Recipient address rejected: User unknown "
	    "in local recipient table"),
	DONE(0, "200 x\r\n", 200, 1, "", "x"),
	DONE(0, "599 x\r\n", 599, 1, "", "x"),
	DONE(0, "290 second digit over 5 is taken\r\n", 290, 1, "",
	    "second digit over 5 is taken"),
	DONE(0, "250 a\rb\r\n", 250, 1, "", "a\rb"),
	DONE(0, "250 OK\r\r\n", 250, 1, "", "OK\r"),
	DONE(0, "250 tab\there \x01 \xc3\xa9\r\n", 250, 1, "",
	    "tab\there \x01 \xc3\xa9"),
	DONE(0, "250  two spaces kept\r\n", 250, 1, "", " two spaces kept"),
	DONEU(0, "250 ok\r\nextra", 8, 250, 1, "", "ok"),
	DONEU(0, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n", 14, 250, 1, "2.1.0",
	    "Ok"),
	MORE("250 OK"),
	MORE("250 OK\r"),
	MORE(""),
	MORE("2"),
	MORE("250-first\r\n"),
	MORE("250-a\r\n250-b"),

	/* multi-line */
	DONE(0, "250-a\r\n250-b\r\n250 c\r\n", 250, 3, "", "a b c"),
	DONE(0, "250-a\n250 b\n", 250, 2, "", "a b"),
	DONE(0, "250-a\r\n250 b\n", 250, 2, "", "a b"),
	DONE(0, "250-\r\n250 b\r\n", 250, 2, "", "b"),
	DONE(0, "250-x\r\n250 \r\n", 250, 2, "", "x"),
	DONE(0, "250-x\r\n250\r\n", 250, 2, "", "x"),
	DONE(0, GMAIL_550, 550, 3, "5.1.1", GMAIL_550_TEXT),
	DONE(0, "451-4.7.1 Please try\r\n451 4.7.1 again later\r\n", 451, 2,
	    "4.7.1", "Please try again later"),
	DONE(0, "220-mx.example.com ESMTP\r\n220-No UCE\r\n220 Ready\r\n",
	    220, 3, "", "mx.example.com ESMTP No UCE Ready"),

	/* enhanced codes (RFC 3463) */
	DONE(0, "250 2.1.5 Ok\r\n", 250, 1, "2.1.5", "Ok"),
	DONE(0, "550 4.1.1 class mismatch\r\n", 550, 1, "",
	    "4.1.1 class mismatch"),
	DONE(0, "451 5.7.3 STARTTLS is required\r\n", 451, 1, "",
	    "5.7.3 STARTTLS is required"),
	DONE(0, "550 5.123.456 x\r\n", 550, 1, "5.123.456", "x"),
	DONE(0, "550 5.1234.1 x\r\n", 550, 1, "", "5.1234.1 x"),
	DONE(0, "550 5.1.1234 x\r\n", 550, 1, "", "5.1.1234 x"),
	DONE(0, "550 5.1.1\r\n", 550, 1, "5.1.1", ""),
	DONE(0, "550 5.1.1x bad\r\n", 550, 1, "", "5.1.1x bad"),
	DONE(0, "550 5.1. x\r\n", 550, 1, "", "5.1. x"),
	DONE(0, "550 5..1 x\r\n", 550, 1, "", "5..1 x"),
	DONE(0, "550 5.1\r\n", 550, 1, "", "5.1"),
	DONE(0, "550 .5.1.1 x\r\n", 550, 1, "", ".5.1.1 x"),
	DONE(0, "354 3.0.0 no class 3 codes\r\n", 354, 1, "",
	    "3.0.0 no class 3 codes"),
	DONE(0, "550 5.1.1  https://example.com\r\n", 550, 1, "5.1.1",
	    "https://example.com"),
	DONE(0, "250 2.0.0\tTab\r\n", 250, 1, "", "2.0.0\tTab"),
	DONE(0, "550-no code here\r\n550 5.1.1 but here\r\n", 550, 2,
	    "5.1.1", "no code here but here"),
	DONE(0, "550-5.1.1 first\r\n550 5.2.1 second\r\n", 550, 2, "5.1.1",
	    "first second"),
	DONE(0, "550 (#5.1.1) qmail style\r\n", 550, 1, "",
	    "(#5.1.1) qmail style"),

	/* EHLO capabilities */
	CAPS(EHLO_FULL, 11, P | SZ | TLS | ENH | M8 | U8 | CH, 10240000),
	CAPS("250-mx.example.com\r\n250 PIPELINING\r\n", 2, P, 0),
	CAPS("250-mx\r\n250-pipelining\r\n250-starttls\r\n250 size 1000\r\n",
	    4, P | TLS | SZ, 1000),
	CAPS("250-mx\r\n250-SIZE\r\n250 8BITMIME\r\n", 3, SZ | M8, 0),
	CAPS("250-mx\r\n250-SIZE 1000\r\n250 OK\r\n", 3, SZ, 1000),
	CAPS("250-mx\r\n250-SIZE abc\r\n250 OK\r\n", 3, SZ, 0),
	CAPS("250-mx\r\n250-SIZE 99999999999999999999999\r\n250 OK\r\n", 3,
	    SZ, 0),
	CAPS("250 PIPELINING\r\n", 1, 0, 0),
	CAPS("250-mx\r\n250-STARTTLSX\r\n250 XPIPELINING\r\n", 3, 0, 0),
	CAPS("250-mx\r\n250-AUTH PLAIN LOGIN\r\n250-DSN\r\n"
	    "250 ENHANCEDSTATUSCODES\r\n", 4, ENH, 0),
	CAPS("250-mx\r\n250-Pipelining\r\n250 8bitMIME\n", 3, P | M8, 0),
	CAPS("250-mx\r\n250- SMTPUTF8\r\n250 STARTTLS \r\n", 3, U8 | TLS, 0),
	CAPS("250-mx\n250-SMTPUTF8\n250 CHUNKING\n", 3, U8 | CH, 0),
	{ 1, IN("550-mx\r\n550 PIPELINING\r\n"), REPLY_DONE, REPLY_OK, 0,
	    550, 2, "", "mx PIPELINING", 0, 0 },
	{ 1, IN("502 5.5.1 EHLO not implemented\r\n"), REPLY_DONE, REPLY_OK,
	    0, 502, 1, "5.5.1", "EHLO not implemented", 0, 0 },
	{ 0, IN("250-mx\r\n250 PIPELINING\r\n"), REPLY_DONE, REPLY_OK, 0,
	    250, 2, "", "mx PIPELINING", 0, 0 },

	/* errors */
	ERR("250 a\0b\r\n", REPLY_E_NUL, 6),
	ERR("\0", REPLY_E_NUL, 1),
	ERR("250-a\r\n\0", REPLY_E_NUL, 8),
	ERR("2x0 ok\r\n", REPLY_E_CODE, 8),
	ERR("99 \r\n", REPLY_E_CODE, 5),
	ERR("-250\r\n", REPLY_E_CODE, 6),
	ERR("600 x\r\n", REPLY_E_CODE, 7),
	ERR("199 x\r\n", REPLY_E_CODE, 7),
	ERR("025 x\r\n", REPLY_E_CODE, 7),
	ERR("\r\n", REPLY_E_CODE, 2),
	ERR("\n", REPLY_E_CODE, 1),
	ERR("25\r\n", REPLY_E_CODE, 4),
	ERR(" 250 ok\r\n", REPLY_E_CODE, 9),
	ERR("HTTP/1.1 400 Bad Request\r\n", REPLY_E_CODE, 26),
	ERR("25a ok\r\n", REPLY_E_CODE, 8),
	ERR("250-a\r\n2x0 b\r\n", REPLY_E_CODE, 14),
	ERR("250-a\r\n\r\n", REPLY_E_CODE, 9),
	ERR("250x\r\n", REPLY_E_SEP, 6),
	ERR("250_ok\r\n", REPLY_E_SEP, 8),
	ERR("250\tok\r\n", REPLY_E_SEP, 8),
	ERR("250\r\r\n", REPLY_E_SEP, 6),
	ERR("250-a\r\n250x\r\n", REPLY_E_SEP, 13),
	ERR("250-a\r\n251 b\r\n", REPLY_E_MIXED, 14),
	ERR("250-a\r\n550 b\r\n", REPLY_E_MIXED, 14),
	ERR("250-a\r\n250-b\r\n251-c\r\n", REPLY_E_MIXED, 21),
	{ 0, NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, 0, 0 }
};

static int
reply_same(const struct reply *a, const struct reply *b)
{
	return a->code == b->code && a->nlines == b->nlines &&
	    a->caps == b->caps && a->size == b->size &&
	    strcmp(a->ecode, b->ecode) == 0 && strcmp(a->text, b->text) == 0;
}

/* a small fixed-seed generator: runs are repeatable */
static uint32_t
rt_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Feed in in pieces: step 0 picks random sizes from *seed, else pieces
 * of step bytes.  Stops at the first DONE or ERROR; *total is what was
 * consumed in all.
 */
static enum reply_rc
rt_feed(int ehlo, const char *in, size_t len, size_t step, uint32_t *seed,
    struct reply *out, enum reply_err *err, size_t *total)
{
	struct reply_parser	 p;
	enum reply_rc		 rc = REPLY_MORE;
	size_t			 off = 0, n, used;

	reply_init(&p, ehlo);
	*total = 0;
	while (off < len) {
		n = step != 0 ? step : 1 + rt_rand(seed) % 40;
		if (n > len - off) {
			n = len - off;
		}
		rc = reply_feed(&p, in + off, n, &used, out);
		*total += used;
		if (rc != REPLY_MORE) {
			break;
		}
		if (used != n) {
			break;	/* a bug: reported by the caller's checks */
		}
		off += n;
	}
	*err = p.err;
	return rc;
}

static void
rt_row(const struct reply_case *c, size_t row)
{
	struct reply_parser	 p;
	struct reply		 r, r2;
	enum reply_rc		 rc, rc2;
	enum reply_err		 err2;
	size_t			 used, want, total, step;
	uint32_t		 seed = 0x9e3779b9u + (uint32_t)row;
	int			 k;

	memset(&r, 0, sizeof(r));
	reply_init(&p, c->ehlo);
	rc = reply_feed(&p, c->in, c->len, &used, &r);
	want = c->used != 0 ? c->used : c->len;
	T_CHECKF(rc == c->rc, "row %zu: rc %d, want %d (err %s)", row,
	    (int)rc, (int)c->rc, reply_err_token(p.err));
	T_CHECKF(p.err == c->err, "row %zu: err %s, want %s", row,
	    reply_err_token(p.err), reply_err_token(c->err));
	T_CHECKF(used == want, "row %zu: used %zu, want %zu", row, used,
	    want);
	if (rc != c->rc) {
		return;
	}
	if (rc == REPLY_DONE) {
		T_CHECKF(r.code == c->code, "row %zu: code %u", row,
		    (unsigned)r.code);
		T_CHECKF(r.nlines == c->nlines, "row %zu: nlines %u", row,
		    (unsigned)r.nlines);
		T_CHECKF(strcmp(r.ecode, c->ecode) == 0,
		    "row %zu: ecode \"%s\", want \"%s\"", row, r.ecode,
		    c->ecode);
		if (c->text != NULL) {
			T_CHECKF(strcmp(r.text, c->text) == 0,
			    "row %zu: text \"%s\", want \"%s\"", row, r.text,
			    c->text);
		}
		T_CHECKF(r.caps == c->caps, "row %zu: caps %#x, want %#x",
		    row, r.caps, c->caps);
		T_CHECKF(r.size == c->size, "row %zu: size %llu", row,
		    (unsigned long long)r.size);
	}
	if (rc == REPLY_ERROR) {
		/* sticky: nothing more is consumed */
		rc2 = reply_feed(&p, "250 OK\r\n", 8, &used, &r2);
		T_CHECKF(rc2 == REPLY_ERROR && used == 0 && p.err == c->err,
		    "row %zu: error not sticky", row);
	}
	if (rc == REPLY_MORE) {
		return;
	}
	/* the same result whatever the split */
	for (k = 0; k < 9; k++) {
		step = k == 0 ? 1 : k == 1 ? 2 : k == 2 ? 3 : 0;
		memset(&r2, 0, sizeof(r2));
		rc2 = rt_feed(c->ehlo, c->in, c->len, step, &seed, &r2, &err2,
		    &total);
		T_CHECKF(rc2 == rc && err2 == c->err && total == want,
		    "row %zu split %d: rc %d err %s used %zu", row, k,
		    (int)rc2, reply_err_token(err2), total);
		if (rc == REPLY_DONE) {
			T_CHECKF(reply_same(&r, &r2),
			    "row %zu split %d: \"%s\"", row, k, r2.text);
		}
	}
}

/* line length: 512 octets with CRLF (RFC 5321 4.5.3.1.5) */
static void
rt_long_lines(void)
{
	static char		 buf[2048];
	struct reply_parser	 p;
	struct reply		 r;
	enum reply_rc		 rc;
	size_t			 used, i;

	/* 510 octets + CRLF = 512: fine */
	memcpy(buf, "250 ", 4);
	memset(buf + 4, 'x', 506);
	memcpy(buf + 510, "\r\n", 2);
	reply_init(&p, 0);
	rc = reply_feed(&p, buf, 512, &used, &r);
	T_CHECK(rc == REPLY_DONE && used == 512);
	T_INTEQ(strlen(r.text), REPLY_TEXT_MAX);

	/* 511 octets + bare LF = 512: fine */
	buf[510] = 'x';
	buf[511] = '\n';
	reply_init(&p, 0);
	rc = reply_feed(&p, buf, 512, &used, &r);
	T_CHECK(rc == REPLY_DONE && used == 512);

	/* 511 octets + CRLF = 513: the CR is the byte too many */
	buf[511] = '\r';
	buf[512] = '\n';
	reply_init(&p, 0);
	rc = reply_feed(&p, buf, 513, &used, &r);
	T_CHECK(rc == REPLY_ERROR && p.err == REPLY_E_LONG && used == 512);

	/* 600 octets without a line end, one byte at a time */
	memset(buf + 4, 'y', 596);
	reply_init(&p, 0);
	rc = REPLY_MORE;
	for (i = 0; i < 600 && rc == REPLY_MORE; i++) {
		rc = reply_feed(&p, buf + i, 1, &used, &r);
	}
	T_CHECK(rc == REPLY_ERROR && p.err == REPLY_E_LONG && i == 512);
	T_STREQ(reply_err_token(p.err), "line_too_long");

	/* a long continuation line counts alone */
	memcpy(buf, "250-a\r\n250 ", 11);
	memset(buf + 11, 'z', 506);
	memcpy(buf + 517, "\r\n", 2);
	reply_init(&p, 0);
	rc = reply_feed(&p, buf, 519, &used, &r);
	T_CHECK(rc == REPLY_DONE && used == 519 && r.nlines == 2);
}

/* REPLY_LINES_MAX lines are fine, one more is not */
static void
rt_many_lines(void)
{
	static char		 buf[REPLY_LINES_MAX * 8 + 16];
	struct reply_parser	 p;
	struct reply		 r;
	enum reply_rc		 rc;
	size_t			 used, n, i;

	for (n = REPLY_LINES_MAX; n <= REPLY_LINES_MAX + 1; n++) {
		size_t	 len = 0;

		for (i = 0; i < n; i++) {
			memcpy(buf + len, i + 1 < n ? "250-ab\r\n" :
			    "250 ab\r\n", 8);
			len += 8;
		}
		reply_init(&p, 1);
		rc = reply_feed(&p, buf, len, &used, &r);
		if (n == REPLY_LINES_MAX) {
			T_CHECK(rc == REPLY_DONE && used == len);
			T_INTEQ(r.nlines, REPLY_LINES_MAX);
			T_INTEQ(strlen(r.text), REPLY_TEXT_MAX);
		} else {
			T_CHECK(rc == REPLY_ERROR && p.err == REPLY_E_LINES);
			T_INTEQ(used, len);
			T_STREQ(reply_err_token(p.err), "too_many_lines");
		}
	}
}

/* the text is cut at REPLY_TEXT_MAX bytes, always NUL-terminated */
static void
rt_truncation(void)
{
	static char		 buf[600];
	struct reply_parser	 p;
	struct reply		 r;
	size_t			 used;

	/* 150 + " " + 150: cut after 49 of the second line */
	memcpy(buf, "250-", 4);
	memset(buf + 4, 'a', 150);
	memcpy(buf + 154, "\r\n250 ", 6);
	memset(buf + 160, 'b', 150);
	memcpy(buf + 310, "\r\n", 2);
	reply_init(&p, 0);
	T_CHECK(reply_feed(&p, buf, 312, &used, &r) == REPLY_DONE);
	T_INTEQ(strlen(r.text), REPLY_TEXT_MAX);
	T_CHECK(r.text[149] == 'a' && r.text[150] == ' ' &&
	    r.text[151] == 'b' && r.text[199] == 'b');

	/* exactly 200 then more lines: no trailing separator */
	memcpy(buf, "250-", 4);
	memset(buf + 4, 'c', 200);
	memcpy(buf + 204, "\r\n250 d\r\n", 9);
	reply_init(&p, 0);
	T_CHECK(reply_feed(&p, buf, 213, &used, &r) == REPLY_DONE);
	T_INTEQ(strlen(r.text), REPLY_TEXT_MAX);
	T_CHECK(r.text[199] == 'c');

	/* 199 then more: the separator fills the last byte */
	memcpy(buf, "250-", 4);
	memset(buf + 4, 'e', 199);
	memcpy(buf + 203, "\r\n250 f\r\n", 9);
	reply_init(&p, 0);
	T_CHECK(reply_feed(&p, buf, 212, &used, &r) == REPLY_DONE);
	T_INTEQ(strlen(r.text), REPLY_TEXT_MAX);
	T_CHECK(r.text[198] == 'e' && r.text[199] == ' ');
}

/* RFC 2920: replies to pipelined commands come out one by one */
static void
rt_pipelined(void)
{
	static const char	 in[] =
	    "250 2.1.0 Ok\r\n"
	    "250 2.1.5 Ok\r\n"
	    "550-5.1.1 <bob@example.com>: no\r\n"
	    "550 5.1.1 such user\r\n"
	    "250 2.0.0 Ok\r\n"
	    "221 2.0";
	static const struct {
		unsigned	 code;
		const char	*ecode;
		const char	*text;
		size_t		 used;
	} want[] = {
		{ 250, "2.1.0", "Ok", 14 },
		{ 250, "2.1.5", "Ok", 14 },
		{ 550, "5.1.1", "<bob@example.com>: no such user", 54 },
		{ 250, "2.0.0", "Ok", 14 },
	};
	struct reply_parser	 p;
	struct reply		 r;
	size_t			 off = 0, used, i;
	enum reply_rc		 rc;

	reply_init(&p, 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		rc = reply_feed(&p, in + off, sizeof(in) - 1 - off, &used, &r);
		T_CHECKF(rc == REPLY_DONE, "reply %zu", i);
		T_CHECKF(used == want[i].used, "reply %zu used %zu", i, used);
		T_CHECKF(r.code == want[i].code, "reply %zu", i);
		T_STREQ(r.ecode, want[i].ecode);
		T_STREQ(r.text, want[i].text);
		off += used;
	}
	rc = reply_feed(&p, in + off, sizeof(in) - 1 - off, &used, &r);
	T_CHECK(rc == REPLY_MORE && used == 7);
	rc = reply_feed(&p, ".0 Bye\r\n", 8, &used, &r);
	T_CHECK(rc == REPLY_DONE && used == 8 && r.code == 221);
	T_STREQ(r.text, "Bye");

	/* the EHLO flag holds for the next reply */
	reply_init(&p, 1);
	rc = reply_feed(&p, "250-a\r\n250 STARTTLS\r\n250-b\r\n250 SIZE 7\r\n",
	    40, &used, &r);
	T_CHECK(rc == REPLY_DONE && used == 21 && r.caps == CAP_STARTTLS);
	rc = reply_feed(&p, "250-b\r\n250 SIZE 7\r\n", 19, &used, &r);
	T_CHECK(rc == REPLY_DONE && used == 19 && r.caps == CAP_SIZE &&
	    r.size == 7);

	/* reply_init() clears an error */
	rc = reply_feed(&p, "bad\r\n", 5, &used, &r);
	T_CHECK(rc == REPLY_ERROR);
	reply_init(&p, 0);
	rc = reply_feed(&p, "250 OK\r\n", 8, &used, &r);
	T_CHECK(rc == REPLY_DONE && r.caps == 0);
}

static void
rt_tokens(void)
{
	int	 i, j;

	for (i = REPLY_OK; i <= REPLY_E_MIXED; i++) {
		const char *t = reply_err_token((enum reply_err)i);

		T_CHECKF(t != NULL && *t != '\0', "err %d", i);
		for (j = REPLY_OK; j < i; j++) {
			T_CHECKF(strcmp(t,
			    reply_err_token((enum reply_err)j)) != 0,
			    "errs %d and %d", i, j);
		}
	}
	T_STREQ(reply_err_token(REPLY_E_NUL), "nul_byte");
	T_STREQ(reply_err_token((enum reply_err)99), "unknown");
}

void
test_reply(void)
{
	size_t	 i;

	for (i = 0; reply_cases[i].in != NULL; i++) {
		rt_row(&reply_cases[i], i);
	}
	T_CHECKF(i >= 60, "only %zu rows", i);
	rt_long_lines();
	rt_many_lines();
	rt_truncation();
	rt_pipelined();
	rt_tokens();
}
