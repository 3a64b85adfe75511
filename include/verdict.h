/*
 * verdict.h - the four verdicts, the reason tokens, and (from the SMTP
 * probe on) the table that maps what a server said to a verdict.
 *
 * Reasons and their tokens are part of the command-line contract: they
 * are listed, with an example for each, in docs/verdicts.md.  A token is
 * never renamed; new ones are only added.
 */
#ifndef MXP_VERDICT_H
#define MXP_VERDICT_H

/* ordered so that a larger value is worse: the exit status is the max */
enum verdict {
	V_DELIVERABLE = 0,
	V_UNDELIVERABLE = 1,
	V_RISKY = 2,
	V_UNKNOWN = 3,
	V__COUNT
};

enum reason {
	R_NONE = 0,
	/* syntax and input */
	R_SYNTAX_OK,		/* --syntax-only: passes every syntax check */
	R_SYNTAX,		/* detail says which rule: addr_err_token() */
	/* DNS (mail routing) */
	R_MX_OK,		/* --mx-only: the domain has a mail host */
	R_NO_DOMAIN,		/* NXDOMAIN */
	R_NULL_MX,		/* RFC 7505 "0 ." */
	R_NO_MAIL_HOST,		/* no MX, no A/AAAA */
	R_MX_UNRESOLVABLE,	/* MX hosts exist but none has an address */
	R_PRIVATE_MX,		/* mail host in a private range, not probed */
	R_DNS_ERROR,		/* SERVFAIL, REFUSED, malformed answers */
	R_DNS_TIMEOUT,		/* no answer after the retries */
	/* SMTP */
	R_ACCEPTED,		/* 250/251 at RCPT */
	R_CATCH_ALL,		/* accepted, but so is a random recipient */
	R_MAILBOX_MISSING,	/* 550 5.1.1 and friends */
	R_MAILBOX_INVALID,	/* 553, 5.1.3 bad mailbox syntax */
	R_DISABLED,		/* 5.2.1 disabled / inactive */
	R_MAILBOX_FULL,		/* 4.2.2 / 5.2.2 over quota */
	R_REJECTED,		/* other 5xx at RCPT, no finer signal */
	R_POLICY_BLOCK,		/* the server refuses *us*, not the address */
	R_GREYLISTED,		/* 4xx greylisting, retries used up */
	R_RATE_LIMITED,		/* 421 / 4.7.x too many / 452 4.5.3 */
	R_TEMP_FAILURE,		/* other 4xx */
	R_TIMEOUT,		/* a deadline passed */
	R_CONNECT_FAILED,	/* no mail host could be reached */
	R_PROTOCOL_ERROR,	/* the server broke the protocol */
	R_TLS_FAILED,		/* TLS handshake or verification failed */
	R_TLS_REQUIRED,		/* 530 5.7.0 without TLS */
	R_SMTPUTF8_UNSUPPORTED,	/* UTF-8 local part, no SMTPUTF8 */
	R_INTERRUPTED,		/* SIGINT/SIGTERM before a result */
	R_INTERNAL,		/* a bug or resource failure of ours */
	R__COUNT
};

/* where in the SMTP dialogue a reply came (for verdict_smtp) */
enum smtp_stage {
	STAGE_CONNECT,		/* no reply: connection level */
	STAGE_BANNER,
	STAGE_EHLO,
	STAGE_HELO,
	STAGE_STARTTLS,
	STAGE_MAIL,
	STAGE_RCPT,
	STAGE_RSET,
	STAGE_QUIT,
	STAGE__COUNT
};

struct reply;

/*
 * The verdict table: what a reply at a stage means (docs/verdicts.md,
 * "SMTP replies", has one example per row).  Rows are matched in order
 * on (stage, code or code class, enhanced code prefix, a keyword in the
 * text, case-insensitive); the first match gives the reason.  For RCPT:
 * 250/251 -> R_ACCEPTED (the engine turns it into R_CATCH_ALL when the
 * domain accepts anything); 550 5.1.1 / "user unknown" ->
 * R_MAILBOX_MISSING; etc.  For the stages before RCPT a 5xx means the
 * server refuses us (R_POLICY_BLOCK), except 530 5.7.0 "must issue
 * STARTTLS" (R_TLS_REQUIRED); a 4xx is R_TEMP_FAILURE or, when it says
 * so, R_RATE_LIMITED.
 */
enum reason	 verdict_smtp(enum smtp_stage stage, const struct reply *r);

/* does a 4xx at RCPT look like greylisting (retry later helps)? */
int		 verdict_greylist(const struct reply *r);

/* does a reply say "too many connections / rate limited" (back off)? */
int		 verdict_ratelimit(const struct reply *r);

/*
 * does a 421 say the *session* made too many errors (Postfix "Error: too
 * many errors")?  Then it is not a rate limit of the host: the session
 * ends, what it left is asked again on a new one.
 */
int		 verdict_session_errors(const struct reply *r);

/* stable token of a verdict ("deliverable", ...) */
const char	*verdict_token(enum verdict v);

/* stable token of a reason ("mailbox_missing", ...) */
const char	*reason_token(enum reason r);

/* the verdict a reason always carries */
enum verdict	 reason_verdict(enum reason r);

#endif
