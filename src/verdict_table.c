/*
 * verdict_table.c - what an SMTP reply means for the address probed
 * (see verdict.h): the table, as data, and the two questions the engine
 * asks of a 4xx (greylisting? rate limiting?).
 *
 * A row matches a reply when all of its fields do:
 *  - stages: a mask of (1 << STAGE_*);
 *  - code:   0 any code, 2..5 a class (2xx..5xx), 200..599 that code;
 *  - ecode:  NULL any; "" no enhanced code at all; else an RFC 3463
 *            prefix matched on whole parts ("5.1.1" is not "5.1.10",
 *            "5.7." is every 5.7.x);
 *  - kw:     NULL any; else alternatives split by "|", each matched
 *            case-insensitively in the reply text, starting at a word
 *            start (so "rate" is not found in "generate", "full" not in
 *            "successfully", but "block" is found in "blocked");
 *  - test:   an extra predicate, verdict_greylist() or
 *            verdict_ratelimit().
 * Rows are tried in order; the first match gives the reason.
 *
 * PRECEDENCE (the order of the rows, top to bottom):
 *  1. RSET and QUIT replies never change a verdict (R_NONE).
 *  2. Success: 2xx/3xx before RCPT just let the dialogue go on (R_NONE);
 *     250/251 at RCPT is R_ACCEPTED.
 *  3. Refusals of the connection, at every stage but STARTTLS: "530
 *     Authentication required" (R_POLICY_BLOCK: Sendmail and Exchange
 *     send it with 5.7.0 too), then 530 5.7.0 or "STARTTLS" / "must
 *     issue" in a 4xx/5xx (R_TLS_REQUIRED), then rate limiting as
 *     verdict_ratelimit() sees it (R_RATE_LIMITED).
 *  4. STARTTLS refused (4xx/5xx): R_TLS_FAILED.  Other 4xx before RCPT:
 *     R_TEMP_FAILURE; other 5xx before RCPT: R_POLICY_BLOCK (the server
 *     refuses us before it has seen the address).
 *  5. RCPT, enhanced codes first: RFC 3463 codes are meant for programs,
 *     words for people, so "550 5.7.1 User unknown" is a policy block
 *     and "550 5.1.1 blocked" a missing mailbox.  Only codes with a row
 *     of their own decide: a vague code (5.0.0, 5.5.0) leaves it to the
 *     words.
 *  6. RCPT, keywords: policy words first (a reply that speaks of a block
 *     is about us and says nothing reliable about the address; unknown
 *     is the safe answer), then disabled, full, missing.
 *  7. RCPT, bare codes: 553 invalid, 551 rejected, 550 without enhanced
 *     code missing (most servers mean "no such user": Exim "550
 *     Unrouteable address").
 *  8. RCPT, 4xx: greylisting as verdict_greylist() sees it.
 *  9. RCPT catch-alls, one per class: 2xx accepted, 3xx protocol error
 *     (354 answers DATA only), 4xx temp failure, 5xx rejected.
 * Every (stage, class) pair from BANNER to QUIT is covered; only
 * STAGE_CONNECT (no reply) and codes outside 200..599 fall through.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "reply.h"
#include "verdict.h"

#define S(x)		(1u << (x))
#define S_PRE		(S(STAGE_BANNER) | S(STAGE_EHLO) | S(STAGE_HELO) | \
			    S(STAGE_MAIL))
#define S_RCPT		S(STAGE_RCPT)
#define S_TLS		S(STAGE_STARTTLS)
#define S_END		(S(STAGE_RSET) | S(STAGE_QUIT))
#define S_DIALOGUE	(S_PRE | S_RCPT)	/* every stage but STARTTLS */

enum vt_test {
	VT_NONE,
	VT_GREYLIST,		/* verdict_greylist() */
	VT_RATELIMIT		/* verdict_ratelimit() */
};

struct vt_row {
	unsigned	 stages;
	uint16_t	 code;
	const char	*ecode;
	const char	*kw;
	enum vt_test	 test;
	enum reason	 reason;
};

/* keyword sets used by more than one row or by the predicates */
#define KW_TLS		"starttls|must issue"
#define KW_POLICY	"block|blacklist|black list|spam|policy|denied|" \
			"reputation|rbl|dnsbl|relay|prohibit"
#define KW_DISABLED	"disabled|inactive|deactivated|suspended"
/* RFC 5321 4.2.2: 552 "exceeded storage allocation" is over quota */
#define KW_FULL		"full|quota|over quota|insufficient storage|" \
			"storage allocation"
#define KW_MISSING	"user unknown|no such user|unknown user|" \
			"does not exist|unknown recipient|recipient unknown|" \
			"no such recipient|no such mailbox|mailbox not found|" \
			"recipient not found|no mailbox"
#define KW_GREYLIST	"greylist|graylist|try again later|please retry|" \
			"temporarily deferred|postgrey"
#define KW_RATE		"too many|rate"
#define KW_RATE_421	"too many|rate|connections"

static const struct vt_row vt_rows[] = {
	/* 1. replies that never change a verdict */
	{ S_END,	0,   NULL,    NULL,	 VT_NONE, R_NONE },

	/* 2. success */
	{ S_PRE | S_TLS, 2,  NULL,    NULL,	 VT_NONE, R_NONE },
	{ S_PRE | S_TLS, 3,  NULL,    NULL,	 VT_NONE, R_NONE },
	{ S_RCPT,	250, NULL,    NULL,	 VT_NONE, R_ACCEPTED },
	{ S_RCPT,	251, NULL,    NULL,	 VT_NONE, R_ACCEPTED },

	/* 3. refusals of the connection (RFC 3207 4: 530 5.7.0) */
	{ S_DIALOGUE,	530, NULL,    "authenticat",
	    VT_NONE, R_POLICY_BLOCK },
	{ S_DIALOGUE,	530, "5.7.0", NULL,	 VT_NONE, R_TLS_REQUIRED },
	{ S_DIALOGUE,	5,   NULL,    KW_TLS,	 VT_NONE, R_TLS_REQUIRED },
	{ S_DIALOGUE,	4,   NULL,    KW_TLS,	 VT_NONE, R_TLS_REQUIRED },
	{ S_DIALOGUE | S_TLS, 4, NULL, NULL,
	    VT_RATELIMIT, R_RATE_LIMITED },

	/* 4. STARTTLS refused; the other stages before RCPT */
	{ S_TLS,	4,   NULL,    NULL,	 VT_NONE, R_TLS_FAILED },
	{ S_TLS,	5,   NULL,    NULL,	 VT_NONE, R_TLS_FAILED },
	{ S_PRE,	4,   NULL,    NULL,	 VT_NONE, R_TEMP_FAILURE },
	{ S_PRE,	5,   NULL,    NULL,	 VT_NONE, R_POLICY_BLOCK },

	/*
	 * 5. RCPT, enhanced codes.  421 closes the session: at RCPT it is
	 * a per-session limit (too many errors, recipients, commands).
	 */
	{ S_RCPT,	421, NULL,    NULL,	 VT_NONE, R_RATE_LIMITED },
	{ S_RCPT,	5,   "5.7.",  NULL,	 VT_NONE, R_POLICY_BLOCK },
	{ S_RCPT,	5,   "5.1.1", NULL,	 VT_NONE, R_MAILBOX_MISSING },
	{ S_RCPT,	5,   "5.1.0", NULL,	 VT_NONE, R_MAILBOX_MISSING },
	{ S_RCPT,	5,   "5.1.3", NULL,	 VT_NONE, R_MAILBOX_INVALID },
	{ S_RCPT,	5,   "5.1.",  "recipient rejected",
	    VT_NONE, R_MAILBOX_MISSING },
	/* Microsoft 365 directory-based edge blocking: no such recipient */
	{ S_RCPT,	5,   "5.4.1", "recipient address rejected",
	    VT_NONE, R_MAILBOX_MISSING },
	{ S_RCPT,	5,   "5.2.1", NULL,	 VT_NONE, R_DISABLED },
	{ S_RCPT,	5,   "5.2.2", NULL,	 VT_NONE, R_MAILBOX_FULL },
	{ S_RCPT,	4,   "4.2.2", NULL,	 VT_NONE, R_MAILBOX_FULL },

	/* 6. RCPT, keywords */
	{ S_RCPT,	5,   NULL,    KW_POLICY, VT_NONE, R_POLICY_BLOCK },
	{ S_RCPT,	5,   NULL,    KW_DISABLED, VT_NONE, R_DISABLED },
	{ S_RCPT,	452, NULL,    KW_FULL,	 VT_NONE, R_MAILBOX_FULL },
	{ S_RCPT,	552, NULL,    KW_FULL,	 VT_NONE, R_MAILBOX_FULL },
	{ S_RCPT,	5,   NULL,    KW_MISSING,
	    VT_NONE, R_MAILBOX_MISSING },

	/* 7. RCPT, bare codes (RFC 5321 4.2.2, 4.2.3) */
	{ S_RCPT,	553, NULL,    NULL,	 VT_NONE, R_MAILBOX_INVALID },
	{ S_RCPT,	551, NULL,    NULL,	 VT_NONE, R_REJECTED },
	{ S_RCPT,	550, "",      NULL,	 VT_NONE, R_MAILBOX_MISSING },

	/* 8. RCPT, greylisting */
	{ S_RCPT,	4,   NULL,    NULL,	 VT_GREYLIST, R_GREYLISTED },

	/* 9. RCPT, one catch-all per class */
	{ S_RCPT,	2,   NULL,    NULL,	 VT_NONE, R_ACCEPTED },
	{ S_RCPT,	3,   NULL,    NULL,	 VT_NONE, R_PROTOCOL_ERROR },
	{ S_RCPT,	4,   NULL,    NULL,	 VT_NONE, R_TEMP_FAILURE },
	{ S_RCPT,	5,   NULL,    NULL,	 VT_NONE, R_REJECTED },
};

static char
vt_lower(char c)
{
	if (c >= 'A' && c <= 'Z') {
		return (char)(c - 'A' + 'a');
	}
	return c;
}

static int
vt_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/*
 * Is the keyword kw[0..kn) (lower case) in text, starting at a word
 * start?  text is read up to its NUL or REPLY_TEXT_MAX bytes.
 */
static int
vt_find(const char *text, const char *kw, size_t kn)
{
	size_t	 tn, i, j;

	tn = 0;
	while (tn < REPLY_TEXT_MAX && text[tn] != '\0') {
		tn++;
	}
	if (kn == 0 || kn > tn) {
		return 0;
	}
	for (i = 0; i + kn <= tn; i++) {
		if (i > 0 && vt_alnum(text[i - 1])) {
			continue;
		}
		for (j = 0; j < kn && vt_lower(text[i + j]) == kw[j]; j++) {
			continue;
		}
		if (j == kn) {
			return 1;
		}
	}
	return 0;
}

/* does any "|"-separated alternative of kws occur in text? */
static int
vt_has(const char *text, const char *kws)
{
	const char	*bar;

	for (;;) {
		bar = strchr(kws, '|');
		if (vt_find(text, kws, bar != NULL ? (size_t)(bar - kws) :
		    strlen(kws))) {
			return 1;
		}
		if (bar == NULL) {
			return 0;
		}
		kws = bar + 1;
	}
}

/* the enhanced code have against a row's want (see the top) */
static int
vt_ecode(const char *have, const char *want)
{
	size_t	 n;

	if (want == NULL) {
		return 1;
	}
	if (want[0] == '\0') {
		return have[0] == '\0';
	}
	n = strlen(want);
	if (strncmp(have, want, n) != 0) {
		return 0;
	}
	return want[n - 1] == '.' || have[n] == '\0' || have[n] == '.';
}

static int
vt_code(unsigned have, unsigned want)
{
	if (want == 0) {
		return 1;
	}
	if (want < 10) {
		return have / 100 == want;
	}
	return have == want;
}

static int
vt_match(const struct vt_row *row, enum smtp_stage stage,
    const struct reply *r)
{
	if ((row->stages & S(stage)) == 0 || !vt_code(r->code, row->code) ||
	    !vt_ecode(r->ecode, row->ecode)) {
		return 0;
	}
	if (row->kw != NULL && !vt_has(r->text, row->kw)) {
		return 0;
	}
	switch (row->test) {
	case VT_GREYLIST:
		return verdict_greylist(r);
	case VT_RATELIMIT:
		return verdict_ratelimit(r);
	case VT_NONE:
		break;
	}
	return 1;
}

/* see verdict.h */
enum reason
verdict_smtp(enum smtp_stage stage, const struct reply *r)
{
	size_t	 i;

	/* STAGE_CONNECT has no reply: asking is a bug of ours */
	if (r == NULL || (unsigned)stage >= STAGE__COUNT ||
	    stage == STAGE_CONNECT) {
		return R_INTERNAL;
	}
	if (r->code < 200 || r->code > 599) {
		return R_PROTOCOL_ERROR;
	}
	for (i = 0; i < sizeof(vt_rows) / sizeof(vt_rows[0]); i++) {
		if (vt_match(&vt_rows[i], stage, r)) {
			return vt_rows[i].reason;
		}
	}
	return R_INTERNAL;	/* unreachable: every class has a catch-all */
}

/*
 * see verdict.h.  Rate limiting (verdict_ratelimit) is never
 * greylisting: backing off and retrying later are different cures.
 */
int
verdict_greylist(const struct reply *r)
{
	if (r->code / 100 != 4 || verdict_ratelimit(r) ||
	    vt_has(r->text, "too many")) {
		return 0;
	}
	if (vt_has(r->text, KW_GREYLIST)) {
		return 1;
	}
	/* Postfix postgrey, sqlgrey, Exim greylistd, Microsoft */
	return (r->code == 450 || r->code == 451) &&
	    (vt_ecode(r->ecode, "4.7.1") || vt_ecode(r->ecode, "4.7.0") ||
	    vt_ecode(r->ecode, "4.2.0"));
}

/* see verdict.h */
int
verdict_ratelimit(const struct reply *r)
{
	if (r->code / 100 != 4) {
		return 0;
	}
	/* RFC 5321 4.2.3: 421 closes the channel; say why it does */
	if (r->code == 421 && vt_has(r->text, KW_RATE_421)) {
		return 1;
	}
	/* RFC 3463 3.8: X.7.x security or policy status */
	if (vt_ecode(r->ecode, "4.7.") && vt_has(r->text, KW_RATE)) {
		return 1;
	}
	/* RFC 3463 3.6: X.5.3 too many recipients */
	return r->code == 452 && vt_ecode(r->ecode, "4.5.3");
}

/*
 * see verdict.h.  Postfix smtpd_hard_error_limit: "421 4.7.0 <host>:
 * Error: too many errors"; Exim smtp_max_synprot_errors: "too many
 * syntax or protocol errors"; Sendmail: "Too many bad commands";
 * Microsoft, Exim: "too many invalid recipients" / "too many unknown
 * recipients".
 */
int
verdict_session_errors(const struct reply *r)
{
	return r->code == 421 && vt_has(r->text, "too many errors|"
	    "too many syntax or protocol errors|too many bad commands|"
	    "too many invalid recipients|too many unknown recipients|"
	    "too many bad recipients|error limit");
}
