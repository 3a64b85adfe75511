/*
 * verdict.c - verdict and reason tokens.
 *
 * Each reason carries exactly one verdict, so the pair printed is always
 * consistent; the table is the single place that says which.
 */
#include "verdict.h"
#include "util.h"

static const char *const verdict_tokens[V__COUNT] = {
	[V_DELIVERABLE]		= "deliverable",
	[V_UNDELIVERABLE]	= "undeliverable",
	[V_RISKY]		= "risky",
	[V_UNKNOWN]		= "unknown",
};

static const struct {
	const char	*token;
	enum verdict	 verdict;
} reasons[R__COUNT] = {
	[R_NONE]		= { "none",			V_UNKNOWN },
	[R_SYNTAX_OK]		= { "syntax_ok",		V_DELIVERABLE },
	[R_SYNTAX]		= { "syntax",			V_UNDELIVERABLE },
	[R_MX_OK]		= { "mx_ok",			V_DELIVERABLE },
	[R_NO_DOMAIN]		= { "no_domain",		V_UNDELIVERABLE },
	[R_NULL_MX]		= { "null_mx",			V_UNDELIVERABLE },
	[R_NO_MAIL_HOST]	= { "no_mail_host",		V_UNDELIVERABLE },
	[R_MX_UNRESOLVABLE]	= { "mx_unresolvable",		V_UNKNOWN },
	[R_PRIVATE_MX]		= { "private_mx",		V_UNKNOWN },
	[R_DNS_ERROR]		= { "dns_error",		V_UNKNOWN },
	[R_DNS_TIMEOUT]		= { "dns_timeout",		V_UNKNOWN },
	[R_ACCEPTED]		= { "accepted",			V_DELIVERABLE },
	[R_CATCH_ALL]		= { "catch_all",		V_RISKY },
	[R_MAILBOX_MISSING]	= { "mailbox_missing",		V_UNDELIVERABLE },
	[R_MAILBOX_INVALID]	= { "mailbox_invalid",		V_UNDELIVERABLE },
	[R_DISABLED]		= { "disabled",			V_UNDELIVERABLE },
	[R_MAILBOX_FULL]	= { "mailbox_full",		V_RISKY },
	[R_REJECTED]		= { "rejected",			V_UNDELIVERABLE },
	[R_POLICY_BLOCK]	= { "policy_block",		V_UNKNOWN },
	[R_GREYLISTED]		= { "greylisted",		V_UNKNOWN },
	[R_RATE_LIMITED]	= { "rate_limited",		V_UNKNOWN },
	[R_TEMP_FAILURE]	= { "temp_failure",		V_UNKNOWN },
	[R_TIMEOUT]		= { "timeout",			V_UNKNOWN },
	[R_CONNECT_FAILED]	= { "connect_failed",		V_UNKNOWN },
	[R_PROTOCOL_ERROR]	= { "protocol_error",		V_UNKNOWN },
	[R_TLS_FAILED]		= { "tls_failed",		V_UNKNOWN },
	[R_TLS_REQUIRED]	= { "tls_required",		V_UNKNOWN },
	[R_SMTPUTF8_UNSUPPORTED] = { "smtputf8_unsupported",	V_UNKNOWN },
	[R_INTERRUPTED]		= { "interrupted",		V_UNKNOWN },
	[R_INTERNAL]		= { "internal",			V_UNKNOWN },
	[R_REJECTED_UNCLEAR]	= { "rejected_unclear",		V_UNKNOWN },
};

const char *
verdict_token(enum verdict v)
{
	if ((unsigned)v >= V__COUNT) {
		return "unknown";
	}
	return verdict_tokens[v];
}

const char *
reason_token(enum reason r)
{
	if ((unsigned)r >= R__COUNT || reasons[r].token == NULL) {
		return "internal";
	}
	return reasons[r].token;
}

enum verdict
reason_verdict(enum reason r)
{
	if ((unsigned)r >= R__COUNT) {
		return V_UNKNOWN;
	}
	return reasons[r].verdict;
}
