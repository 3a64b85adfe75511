/*
 * reply.c - streaming SMTP reply parser (see reply.h).
 *
 * Implements RFC 5321 4.2 (reply lines: three digits, then " " on the
 * last line or "-" on the others), 4.2.1 (the first digit is the class,
 * 2 to 5), 4.5.3.1.5 (512 octets per reply line, CRLF included), RFC
 * 2920 (replies to pipelined commands arrive back to back), RFC 2034 and
 * RFC 3463 (an enhanced status code after the reply code) and RFC 5321
 * 4.1.1.1 (EHLO reply: the first line greets, each later line holds one
 * keyword and its parameters).
 *
 * IMPLEMENTATION NOTES.
 *  - Bytes are copied into p->line until an LF; the line is then checked
 *    and folded into p->cur.  A CR just before the LF is dropped; any
 *    other CR is text.  A bare LF ends a line (broken servers send it).
 *  - A line may hold at most REPLY_LINE_MAX - 1 octets before its LF, so
 *    the line buffer never fills: the byte that would make the line,
 *    with its LF, longer than REPLY_LINE_MAX is REPLY_E_LONG at once.
 *  - A NUL is an error the moment it arrives; code and separator errors
 *    are found when the line ends (a line is at most 512 octets, so this
 *    bounds the wait).
 *  - Errors are sticky: once p->err is set, every call returns
 *    REPLY_ERROR and consumes nothing.  On the failing call, *used counts
 *    the bytes up to and including the one that caused the error.
 *  - The enhanced code is taken from the first line that carries one;
 *    an enhanced code on any line is left out of the text, so Gmail's
 *    "550-5.1.1 ..." continuation lines join into readable text.  An
 *    enhanced code whose class differs from the reply's ("550 4.1.1")
 *    is not one (RFC 3463 2: the class must match); it stays text.
 *  - EHLO keywords are matched case-insensitively (RFC 5321 2.4) and
 *    only on 2xx replies, never on the first (greeting) line.
 *  - No allocation, no global state, no I/O: the parser is fuzzed.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "reply.h"

static const char *const reply_err_tokens[] = {
	[REPLY_OK]	= "ok",
	[REPLY_E_LONG]	= "line_too_long",
	[REPLY_E_LINES]	= "too_many_lines",
	[REPLY_E_NUL]	= "nul_byte",
	[REPLY_E_CODE]	= "bad_code",
	[REPLY_E_SEP]	= "bad_separator",
	[REPLY_E_MIXED]	= "mixed_codes",
};

/* EHLO keywords we act on (RFC 5321 4.1.1.1, ehlo-keyword) */
static const struct {
	const char	*name;
	unsigned	 cap;
} reply_caps[] = {
	{ "PIPELINING",			CAP_PIPELINING },
	{ "STARTTLS",			CAP_STARTTLS },
	{ "SMTPUTF8",			CAP_SMTPUTF8 },
	{ "8BITMIME",			CAP_8BITMIME },
	{ "SIZE",			CAP_SIZE },
	{ "ENHANCEDSTATUSCODES",	CAP_ENHANCED },
	{ "CHUNKING",			CAP_CHUNKING },
};

static int
reply_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static char
reply_upper(char c)
{
	if (c >= 'a' && c <= 'z') {
		return (char)(c - 'a' + 'A');
	}
	return c;
}

/*
 * Length of the RFC 3463 enhanced code at s (class "." subject "."
 * detail, each of the last two 1 to 3 digits), followed by a space or
 * the end of the text; 0 when there is none or its class is not cls.
 */
static size_t
reply_ecode_len(const char *s, size_t n, int cls)
{
	size_t	 i, d;
	int	 part;

	/* RFC 3463 3.1: classes 2, 4 and 5 only */
	if (cls == 3 || n < 5 || s[0] != (char)('0' + cls) || s[1] != '.') {
		return 0;
	}
	i = 2;
	for (part = 0; part < 2; part++) {
		d = 0;
		while (i < n && reply_isdigit(s[i]) && d < 4) {
			i++;
			d++;
		}
		if (d == 0 || d > 3) {
			return 0;
		}
		if (part == 0) {
			if (i >= n || s[i] != '.') {
				return 0;
			}
			i++;
		}
	}
	if (i < n && s[i] != ' ') {
		return 0;
	}
	return i;
}

/* append one line's text: " " between lines, cut at REPLY_TEXT_MAX */
static void
reply_add_text(struct reply *r, const char *s, size_t n)
{
	size_t	 have, room;

	if (n == 0) {
		return;
	}
	have = strlen(r->text);		/* always <= REPLY_TEXT_MAX */
	if (have > 0 && have < REPLY_TEXT_MAX) {
		r->text[have++] = ' ';
	}
	room = REPLY_TEXT_MAX - have;
	if (n > room) {
		n = room;
	}
	memcpy(r->text + have, s, n);
	r->text[have + n] = '\0';
}

/* RFC 1870: "SIZE" [SP number]; a missing or bad number leaves 0 */
static uint64_t
reply_size_param(const char *s, size_t n)
{
	uint64_t	 v = 0;
	size_t		 i = 0;

	while (i < n && s[i] == ' ') {
		i++;
	}
	if (i == n) {
		return 0;
	}
	for (; i < n; i++) {
		if (!reply_isdigit(s[i])) {
			return 0;
		}
		if (v > (UINT64_MAX - 9) / 10) {
			return 0;
		}
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return v;
}

/* one EHLO line after the greeting: "KEYWORD [params]" */
static void
reply_add_cap(struct reply *r, const char *s, size_t n)
{
	size_t	 i, k, j;

	while (n > 0 && *s == ' ') {
		s++;
		n--;
	}
	for (k = 0; k < n && s[k] != ' '; k++) {
		continue;
	}
	for (i = 0; i < sizeof(reply_caps) / sizeof(reply_caps[0]); i++) {
		const char	*name = reply_caps[i].name;

		if (strlen(name) != k) {
			continue;
		}
		for (j = 0; j < k && reply_upper(s[j]) == name[j]; j++) {
			continue;
		}
		if (j < k) {
			continue;
		}
		r->caps |= reply_caps[i].cap;
		if (reply_caps[i].cap == CAP_SIZE) {
			r->size = reply_size_param(s + k, n - k);
		}
		return;
	}
}

/*
 * Check the complete line in p->line and fold it into p->cur.  Sets
 * *last when it is the final line of the reply.
 */
static enum reply_err
reply_line(struct reply_parser *p, int *last)
{
	struct reply	*r = &p->cur;
	const char	*l = p->line, *t;
	size_t		 n = p->len, tn, e;
	unsigned	 code;

	if (n > 0 && l[n - 1] == '\r') {
		n--;
	}
	/*
	 * RFC 5321 4.2: Reply-code = %x32-35 %x30-35 %x30-39.  The second
	 * digit is not held to 0-5: only the class is acted on.
	 */
	if (n < 3 || l[0] < '2' || l[0] > '5' || !reply_isdigit(l[1]) ||
	    !reply_isdigit(l[2])) {
		return REPLY_E_CODE;
	}
	code = (unsigned)(l[0] - '0') * 100 + (unsigned)(l[1] - '0') * 10 +
	    (unsigned)(l[2] - '0');
	if (n == 3 || l[3] == ' ') {
		*last = 1;
	} else if (l[3] == '-') {
		*last = 0;
	} else {
		return REPLY_E_SEP;
	}
	if (r->nlines == 0) {
		r->code = (uint16_t)code;
	} else if (r->code != code) {
		return REPLY_E_MIXED;
	}
	if (r->nlines >= REPLY_LINES_MAX) {
		return REPLY_E_LINES;
	}
	r->nlines++;

	t = n > 3 ? l + 4 : l + n;
	tn = n > 3 ? n - 4 : 0;
	e = reply_ecode_len(t, tn, (int)(code / 100));
	if (e > 0) {
		if (r->ecode[0] == '\0') {
			memcpy(r->ecode, t, e);
			r->ecode[e] = '\0';
		}
		t += e;
		tn -= e;
		while (tn > 0 && *t == ' ') {
			t++;
			tn--;
		}
	}
	reply_add_text(r, t, tn);
	if (p->ehlo && r->nlines > 1 && code / 100 == 2) {
		reply_add_cap(r, t, tn);
	}
	return REPLY_OK;
}

static enum reply_rc
reply_fail(struct reply_parser *p, enum reply_err e, size_t *used,
    size_t n)
{
	p->err = e;
	*used = n;
	return REPLY_ERROR;
}

/* see reply.h */
void
reply_init(struct reply_parser *p, int ehlo)
{
	memset(p, 0, sizeof(*p));
	p->ehlo = ehlo != 0;
}

/* see reply.h */
enum reply_rc
reply_feed(struct reply_parser *p, const char *buf, size_t len,
    size_t *used, struct reply *out)
{
	enum reply_err	 e;
	size_t		 i;
	int		 last = 0;

	*used = 0;
	if (p->err != REPLY_OK) {
		return REPLY_ERROR;
	}
	for (i = 0; i < len; i++) {
		if (buf[i] == '\0') {
			return reply_fail(p, REPLY_E_NUL, used, i + 1);
		}
		if (buf[i] != '\n') {
			/* this byte plus the LF still to come must fit */
			if (p->len >= REPLY_LINE_MAX - 1) {
				return reply_fail(p, REPLY_E_LONG, used, i + 1);
			}
			p->line[p->len++] = buf[i];
			continue;
		}
		e = reply_line(p, &last);
		p->len = 0;
		if (e != REPLY_OK) {
			return reply_fail(p, e, used, i + 1);
		}
		if (last) {
			*out = p->cur;
			memset(&p->cur, 0, sizeof(p->cur));
			*used = i + 1;
			return REPLY_DONE;
		}
	}
	*used = len;
	return REPLY_MORE;
}

/* see reply.h */
const char *
reply_err_token(enum reply_err e)
{
	if ((unsigned)e >= sizeof(reply_err_tokens) /
	    sizeof(reply_err_tokens[0])) {
		return "unknown";
	}
	return reply_err_tokens[e];
}
