/*
 * test_verdict_table.c - verdict_smtp(), verdict_greylist() and
 * verdict_ratelimit() (verdict_table.c) on replies as real servers send
 * them.
 *
 * Each reply is run through reply_feed() first, so the struct reply is
 * what the session would hand over.  The first block has at least one
 * row per table row, in table order (the comment names the row); then
 * come the precedence cases, the two predicates, and a sweep over every
 * stage and class that must never fall through the table.
 */
#include <stddef.h>
#include <string.h>

#include "reply.h"
#include "t.h"
#include "verdict.h"

void	test_verdict_table(void);

struct vt_case {
	enum smtp_stage	 stage;
	const char	*in;
	enum reason	 want;
};

#define B	STAGE_BANNER
#define E	STAGE_EHLO
#define H	STAGE_HELO
#define TLS	STAGE_STARTTLS
#define M	STAGE_MAIL
#define R	STAGE_RCPT

static const struct vt_case vt_cases[] = {
	/* 1. RSET / QUIT */
	{ STAGE_RSET, "250 2.0.0 Ok\r\n", R_NONE },
	{ STAGE_QUIT, "221 2.0.0 Bye\r\n", R_NONE },
	{ STAGE_QUIT, "421 4.4.2 mx.example.com Error: timeout exceeded\r\n",
	    R_NONE },
	/* 2. success */
	{ B, "220 mx.example.com ESMTP Postfix (Debian/GNU)\r\n", R_NONE },
	{ E, "250-mx.example.com\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
	    R_NONE },
	{ H, "250 mx.example.com\r\n", R_NONE },
	{ TLS, "220 2.0.0 Ready to start TLS\r\n", R_NONE },
	{ M, "250 2.1.0 Ok\r\n", R_NONE },
	{ M, "354 End data with <CR><LF>.<CR><LF>\r\n", R_NONE },
	{ R, "250 2.1.5 Ok\r\n", R_ACCEPTED },
	{ R, "250 2.1.5 <bob@example.com>... Recipient ok\r\n", R_ACCEPTED },
	{ R, "251 2.1.5 User not local; will forward to <bob@example.org>\r\n",
	    R_ACCEPTED },
	/* 3. refusals of the connection */
	{ M, "530 5.7.0 Authentication required\r\n", R_POLICY_BLOCK },
	{ R, "530 5.7.1 Client was not authenticated\r\n", R_POLICY_BLOCK },
	{ M, "530 5.7.0 Must issue a STARTTLS command first\r\n",
	    R_TLS_REQUIRED },
	{ E, "530 5.7.0 Must issue a STARTTLS command first\r\n",
	    R_TLS_REQUIRED },
	{ M, "530 Must issue a STARTTLS command first\r\n", R_TLS_REQUIRED },
	{ R, "554 5.7.1 STARTTLS is required to send mail\r\n",
	    R_TLS_REQUIRED },
	{ M, "451 5.7.3 STARTTLS is required to send mail\r\n",
	    R_TLS_REQUIRED },
	{ B, "421 4.7.0 mx.example.com Error: too many connections from "
	    "192.0.2.1\r\n", R_RATE_LIMITED },
	{ B, "421 Too many concurrent SMTP connections; please try again "
	    "later.\r\n", R_RATE_LIMITED },
	{ R, "452 4.5.3 Error: too many recipients\r\n", R_RATE_LIMITED },
	{ R, "450 4.7.1 Rate limit exceeded, slow down\r\n", R_RATE_LIMITED },
	{ TLS, "421 4.7.0 Too many connections\r\n", R_RATE_LIMITED },
	/* 4. STARTTLS refused; other stages before RCPT */
	{ TLS, "454 4.7.0 TLS not available due to local problem\r\n",
	    R_TLS_FAILED },
	{ TLS, "554 5.7.3 Unable to initialize security subsystem\r\n",
	    R_TLS_FAILED },
	{ B, "421 4.3.2 Service not available, closing transmission "
	    "channel\r\n", R_TEMP_FAILURE },
	{ M, "451 4.3.0 <alice@example.net>: Temporary lookup failure\r\n",
	    R_TEMP_FAILURE },
	{ B, "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked "
	    "using zen.spamhaus.org\r\n", R_POLICY_BLOCK },
	{ H, "504 5.5.2 <localhost>: Helo command rejected: need "
	    "fully-qualified hostname\r\n", R_POLICY_BLOCK },
	{ M, "553 5.1.8 <alice@example.net>: Sender address rejected: "
	    "Domain not found\r\n", R_POLICY_BLOCK },
	{ E, "550 5.5.1 EHLO not allowed\r\n", R_POLICY_BLOCK },
	/* 5. RCPT, enhanced codes */
	{ R, "421 Service not available, closing transmission channel\r\n",
	    R_RATE_LIMITED },
	{ R, "554 5.7.1 <bob@example.com>: Relay access denied\r\n",
	    R_POLICY_BLOCK },
	{ R, "550 5.1.1 <bob@example.com>: Recipient address rejected: "
	    "User unknown in local recipient table\r\n", R_MAILBOX_MISSING },
	{ R, "550-5.1.1 The email account that you tried to reach does "
	    "not exist. Please try\r\n550-5.1.1 double-checking the "
	    "recipient's email address for typos or\r\n550-5.1.1 "
	    "unnecessary spaces. Learn more at\r\n550 5.1.1  "
	    "https://support.google.com/mail/?p=NoSuchUser - gsmtp\r\n",
	    R_MAILBOX_MISSING },
	/* issue 17: 5.1.0 is not used consistently (corpus r178): unclear */
	{ R, "550 5.1.0 <bob@example.com>... Address rejected\r\n",
	    R_REJECTED_UNCLEAR },
	{ R, "553 5.1.3 Bad recipient address syntax\r\n",
	    R_MAILBOX_INVALID },
	{ R, "501 5.1.3 Bad recipient address syntax\r\n",
	    R_MAILBOX_INVALID },
	/* issue 17: "recipient rejected" says no why: unclear */
	{ R, "550 5.1.2 <bob@example.com>: Recipient rejected\r\n",
	    R_REJECTED_UNCLEAR },
	{ R, "550 5.4.1 Recipient address rejected: Access denied. "
	    "AS(201806281) [BN8NAM12FT041.eop-nam12.prod.protection."
	    "outlook.com]\r\n", R_MAILBOX_MISSING },
	{ R, "550 5.2.1 Mailbox disabled\r\n", R_DISABLED },
	{ R, "552 5.2.2 <bob@example.com>: Recipient address rejected: "
	    "Mailbox is full\r\n", R_MAILBOX_FULL },
	{ R, "452 4.2.2 Mailbox full\r\n", R_MAILBOX_FULL },
	{ R, "452 4.2.2 The email account that you tried to reach is over "
	    "quota.\r\n", R_MAILBOX_FULL },
	/* 6. RCPT, keywords */
	{ R, "554 Service unavailable; Client host [192.0.2.1] blocked "
	    "using Barracuda Reputation\r\n", R_POLICY_BLOCK },
	{ R, "550 Your IP 192.0.2.1 is listed in a DNSBL\r\n",
	    R_POLICY_BLOCK },
	{ R, "550 5.5.0 Message rejected as spam by Content Filtering\r\n",
	    R_POLICY_BLOCK },
	{ R, "550 Administrative prohibition\r\n", R_POLICY_BLOCK },
	{ R, "550 5.0.0 This account has been suspended\r\n", R_DISABLED },
	{ R, "550 Account inactive\r\n", R_DISABLED },
	{ R, "452 <bob@example.com> Mailbox is full\r\n", R_MAILBOX_FULL },
	{ R, "552 Quota exceeded\r\n", R_MAILBOX_FULL },
	{ R, "552 Requested mail action aborted: exceeded storage "
	    "allocation\r\n", R_MAILBOX_FULL },
	{ R, "550 5.0.0 <bob@example.com>... No such user\r\n",
	    R_MAILBOX_MISSING },
	{ R, "553 sorry, no mailbox here by that name. (#5.1.1)\r\n",
	    R_MAILBOX_MISSING },
	{ R, "554 5.5.0 Unknown user\r\n", R_MAILBOX_MISSING },
	/* 7. RCPT, bare codes */
	{ R, "553 Requested action not taken: mailbox name not allowed\r\n",
	    R_MAILBOX_INVALID },
	{ R, "551 User not local; please try <bob@example.org>\r\n",
	    R_REJECTED },
	{ R, "550 Unrouteable address\r\n", R_MAILBOX_MISSING },
	/* 8. RCPT, greylisting */
	{ R, "450 4.7.1 <bob@example.com>: Recipient address rejected: "
	    "Greylisted, see http://postgrey.schweikert.ch/help/"
	    "example.com.html\r\n", R_GREYLISTED },
	{ R, "451 4.7.1 Please try again later\r\n", R_GREYLISTED },
	{ R, "451 Temporarily deferred, please retry\r\n", R_GREYLISTED },
	{ R, "450 4.2.0 Deferred\r\n", R_GREYLISTED },
	/* 9. RCPT catch-alls */
	{ R, "252 2.1.5 Cannot VRFY user, but will accept message\r\n",
	    R_ACCEPTED },
	{ R, "354 Go ahead\r\n", R_PROTOCOL_ERROR },
	{ R, "451 4.3.0 Temporary lookup failure\r\n", R_TEMP_FAILURE },
	{ R, "450 4.1.1 <bob@example.com>: Recipient address rejected: "
	    "unverified address\r\n", R_TEMP_FAILURE },
	/* issue 17: an unreadable 5xx is unknown, not undeliverable */
	{ R, "550 5.5.0 Requested action not taken: mailbox unavailable\r\n",
	    R_REJECTED_UNCLEAR },
	{ R, "554 delivery error: dd This user doesn't have a yahoo.com "
	    "account (bob@yahoo.com) [0]\r\n", R_MAILBOX_MISSING },

	/*
	 * precedence (issue 17): words beat codes, sender/policy words
	 * first ("550 5.7.1 550 User Unknown", corpus r049; "550 5.1.1 ...
	 * too many recipients this hour", r167)
	 */
	{ R, "550 5.7.1 User unknown\r\n", R_MAILBOX_MISSING },
	{ R, "550 5.1.1 blocked\r\n", R_POLICY_BLOCK },
	{ R, "550 5.2.1 User unknown\r\n", R_MAILBOX_MISSING },
	/* a vague code leaves it to words; policy words first */
	{ R, "550 5.5.0 User unknown or sender blocked\r\n", R_POLICY_BLOCK },
	/* 5.1.10 is not 5.1.1; Microsoft's words decide (next row) */
	{ R, "550 5.1.10 RESOLVER.ADR.RecipientNotFound\r\n",
	    R_REJECTED_UNCLEAR },
	/* ... but Microsoft's full text says it in words */
	{ R, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found "
	    "by SMTP address lookup\r\n", R_MAILBOX_MISSING },
	/* word starts: "full" is not in "successfully" */
	{ R, "452 4.3.1 Not successfully stored\r\n", R_TEMP_FAILURE },
	/* class mismatch: "4.1.1" is text; a bare 550 is unclear (issue 17) */
	{ R, "550 4.1.1 mismatch\r\n", R_REJECTED_UNCLEAR },
	/* before RCPT a 530 without TLS words is a refusal */
	{ M, "530 Relaying not allowed\r\n", R_POLICY_BLOCK },
	{ R, "250 STARTTLS\r\n", R_ACCEPTED },
	{ STAGE_RCPT, NULL, R_NONE }
};

struct vt_pred {
	const char	*in;
	int		 greylist;
	int		 ratelimit;
};

static const struct vt_pred vt_preds[] = {
	{ "450 4.7.1 <bob@example.com>: Recipient address rejected: "
	    "Greylisted, see http://postgrey.schweikert.ch/help/"
	    "example.com.html\r\n", 1, 0 },
	{ "451 4.7.1 Please try again later\r\n", 1, 0 },
	{ "451 4.7.0 Temporary server error. Please try again later. "
	    "PRX4\r\n", 1, 0 },
	{ "450 4.2.0 Deferred\r\n", 1, 0 },
	{ "451 Graylisted, please come back later\r\n", 1, 0 },
	{ "450 postgrey: delayed\r\n", 1, 0 },
	{ "451 Temporarily deferred\r\n", 1, 0 },
	{ "421 4.7.0 Too many connections\r\n", 0, 1 },
	{ "421 4.7.28 Our system has detected an unusual rate of "
	    "unsolicited mail\r\n", 0, 1 },
	{ "421 Too many concurrent SMTP connections\r\n", 0, 1 },
	{ "450 4.7.1 Too many messages, slow down\r\n", 0, 1 },
	{ "451 4.7.1 Rate limit exceeded\r\n", 0, 1 },
	{ "452 4.5.3 Too many recipients\r\n", 0, 1 },
	{ "451 4.2.0 too many deliveries to this user\r\n", 0, 0 },
	{ "421 Service not available\r\n", 0, 0 },
	{ "451 4.3.0 Temporary lookup failure\r\n", 0, 0 },
	{ "452 4.2.2 Mailbox full\r\n", 0, 0 },
	{ "451 4.7.1 Message will generate a bounce\r\n", 1, 0 },
	{ "550 5.7.1 Greylisted\r\n", 0, 0 },
	{ "554 5.7.1 Too many connections\r\n", 0, 0 },
	{ "250 2.1.5 Ok, try again later\r\n", 0, 0 },
	{ NULL, 0, 0 }
};

static int
vt_parse(const char *in, struct reply *r)
{
	struct reply_parser	 p;
	size_t			 used, len = strlen(in);

	memset(r, 0, sizeof(*r));
	reply_init(&p, 0);
	return reply_feed(&p, in, len, &used, r) == REPLY_DONE && used == len;
}

void
test_verdict_table(void)
{
	struct reply	 r;
	enum reason	 got;
	size_t		 i;
	int		 s, c;

	for (i = 0; vt_cases[i].in != NULL; i++) {
		const struct vt_case	*t = &vt_cases[i];

		if (!vt_parse(t->in, &r)) {
			T_CHECKF(0, "row %zu: does not parse: %s", i, t->in);
			continue;
		}
		got = verdict_smtp(t->stage, &r);
		T_CHECKF(got == t->want, "row %zu: %s, want %s: %s", i,
		    reason_token(got), reason_token(t->want), t->in);
	}
	for (i = 0; vt_preds[i].in != NULL; i++) {
		if (!vt_parse(vt_preds[i].in, &r)) {
			T_CHECKF(0, "pred %zu: does not parse", i);
			continue;
		}
		T_CHECKF(verdict_greylist(&r) == vt_preds[i].greylist,
		    "pred %zu: greylist: %s", i, vt_preds[i].in);
		T_CHECKF(verdict_ratelimit(&r) == vt_preds[i].ratelimit,
		    "pred %zu: ratelimit: %s", i, vt_preds[i].in);
	}

	/* no stage with a reply, no class, falls through the table */
	for (s = STAGE_BANNER; s < STAGE__COUNT; s++) {
		for (c = 200; c <= 599; c += 1) {
			memset(&r, 0, sizeof(r));
			r.code = (unsigned short)c;
			r.nlines = 1;
			got = verdict_smtp((enum smtp_stage)s, &r);
			if (got == R_INTERNAL) {
				T_CHECKF(0, "stage %d code %d falls through",
				    s, c);
			}
		}
	}
	T_CHECK(vt_parse("250 OK\r\n", &r));
	T_INTEQ(verdict_smtp(STAGE_CONNECT, &r), R_INTERNAL);
	T_INTEQ(verdict_smtp(STAGE__COUNT, &r), R_INTERNAL);
	T_INTEQ(verdict_smtp(STAGE_RCPT, NULL), R_INTERNAL);
	r.code = 600;
	T_INTEQ(verdict_smtp(STAGE_RCPT, &r), R_PROTOCOL_ERROR);

	/* the verdicts docs/verdicts.md promises for the SMTP reasons */
	T_INTEQ(reason_verdict(R_ACCEPTED), V_DELIVERABLE);
	T_INTEQ(reason_verdict(R_MAILBOX_MISSING), V_UNDELIVERABLE);
	T_INTEQ(reason_verdict(R_MAILBOX_INVALID), V_UNDELIVERABLE);
	T_INTEQ(reason_verdict(R_DISABLED), V_UNDELIVERABLE);
	T_INTEQ(reason_verdict(R_REJECTED), V_UNDELIVERABLE);
	T_INTEQ(reason_verdict(R_REJECTED_UNCLEAR), V_UNKNOWN);
	T_INTEQ(reason_verdict(R_MAILBOX_FULL), V_RISKY);
	T_INTEQ(reason_verdict(R_POLICY_BLOCK), V_UNKNOWN);
	T_INTEQ(reason_verdict(R_GREYLISTED), V_UNKNOWN);
	T_INTEQ(reason_verdict(R_TLS_REQUIRED), V_UNKNOWN);
}
