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

#include <stddef.h>

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
	R_REJECTED,		/* 551 user not local (RFC 5321 3.4) */
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
	/*
	 * Added later: appended, never inserted, so the numbers stored in
	 * --cache-file stay valid.
	 */
	R_REJECTED_UNCLEAR,	/* 5xx at RCPT that says nothing we can read
				   about the mailbox: unknown, not gone */
	R_PROXY_FAILED,		/* the SOCKS proxy failed us (not the address) */
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
 * text, case-insensitive); the first match gives the reason.  At RCPT
 * 250/251 -> R_ACCEPTED (the engine turns it into R_CATCH_ALL when the
 * domain accepts anything); undeliverable reasons only for replies about
 * the recipient mailbox (words, or 5.1.1 and a few codes providers use
 * consistently); replies about the sender, rates, policy or content are
 * unknown whatever their code; a 5xx nothing recognises is
 * R_REJECTED_UNCLEAR (unknown).  For the stages before RCPT a 5xx means
 * the server refuses us (R_POLICY_BLOCK), except 530 5.7.0 "must issue
 * STARTTLS" (R_TLS_REQUIRED); a 4xx is R_TEMP_FAILURE or, when it says
 * so, R_RATE_LIMITED.  Rows of --verdict-rules are tried first.
 */
enum reason	 verdict_smtp(enum smtp_stage stage, const struct reply *r);

/*
 * --verdict-rules FILE: rows of the user's, tried before the built-in
 * table, in file order.  One row a line, the table's fields:
 *	STAGES CODE ECODE KEYWORDS REASON
 * STAGES "*" or a comma list of BANNER,EHLO,HELO,STARTTLS,MAIL,RCPT,
 * RSET,QUIT; CODE "*", "5xx" (a class) or "550"; ECODE "*" (any), "-"
 * (none sent) or a prefix on whole parts ("5.1.1", "5.7."); KEYWORDS
 * "*" or "\"a|b\"" (case-insensitive, at a word start, outside <...>);
 * REASON an SMTP reason token.  Blank lines and "#" lines are skipped.
 * Bounds: VT_USER_MAX rows, lines of VT_LINE_MAX bytes, keywords of
 * VT_KW_MAX bytes.
 */
#define VT_USER_MAX	128
#define VT_LINE_MAX	512
#define VT_KW_MAX	255

/* add one row (a line without its newline); -1 and err on a bad row */
int		 verdict_rule_add(const char *line, char *err, size_t errlen);

/* forget every user row (tests) */
void		 verdict_rules_clear(void);

/*
 * Read FILE with verdict_rule_add(); on the first bad row (or an
 * over-long line, a NUL, a missing final newline, too many rows) return
 * -1 with err = "FILE:LINE: what is wrong".  verdict_rules.c.
 */
int		 verdict_rules_load(const char *path, char *err, size_t errlen);

/*
 * The built-in row that decides a reply (its index), or -1 when a user
 * row decides or the stage has no table; verdict_rows() says how many
 * rows there are and, when evidence is not NULL, points it at each row's
 * corpus evidence id ("r123") or NULL.  For the corpus test.
 */
int		 verdict_row(enum smtp_stage stage, const struct reply *r);
size_t		 verdict_rows(const char *const **evidence);

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
