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
 *            start and outside <...> (so "rate" is not found in
 *            "generate", "full" not in "successfully", the echoed
 *            "<filtered@x>" is not a filter, but "block" is found in
 *            "blocked");
 *  - test:   an extra predicate, verdict_greylist() or
 *            verdict_ratelimit();
 *  - evidence: the id of a corpus reply (tests/corpus/replies.tsv) that
 *            this row decides; the corpus test checks it still does.
 * Rows from --verdict-rules (vt_user) are tried first, then these, in
 * order; the first match gives the reason.
 *
 * POLICY (docs/verdicts.md): undeliverable only when the reply speaks of
 * the recipient mailbox being gone, disabled or invalid, in words or by a
 * code providers use consistently; the sender, the connection, rates,
 * policy, content, or a 5xx we cannot read is unknown; full words are
 * risky whatever the code.  Where codes and words disagree the corpus
 * decides, and the row says which reply.
 *
 * PRECEDENCE (the order of the rows, top to bottom):
 *  1. RSET and QUIT replies never change a verdict (R_NONE).
 *  2. Success: 2xx/3xx before RCPT just let the dialogue go on (R_NONE);
 *     250/251 at RCPT is R_ACCEPTED.
 *  3. Refusals of the connection, at every stage but STARTTLS: "530
 *     Authentication required" (R_POLICY_BLOCK: Sendmail and Exchange
 *     send it with 5.7.0 too), then 530 5.7.0 or TLS words in a 4xx/5xx
 *     (R_TLS_REQUIRED), then rate limiting as verdict_ratelimit() sees it
 *     (R_RATE_LIMITED).
 *  4. STARTTLS refused (4xx/5xx): R_TLS_FAILED.  Other 4xx before RCPT:
 *     R_TEMP_FAILURE; other 5xx before RCPT: R_POLICY_BLOCK (the server
 *     refuses us before it has seen the address).
 *  5. RCPT 421: R_RATE_LIMITED.
 *  6. RCPT, provider wording the general words would misread (Microsoft
 *     5.4.1 DBEB, Postfix "User unknown in ... table", Sendmail
 *     "Addressee unknown, relay=", La Poste, Microsoft 5.2.121/122),
 *     then recipient syntax words.
 *  7. RCPT 5xx, words about the sender, rates, the message or policy:
 *     unknown, whatever the code.
 *  8. RCPT, words about the mailbox: full (4xx and 5xx), disabled,
 *     missing.  Words beat codes ("550 5.7.1 No such user!").
 *  9. RCPT, enhanced codes providers use consistently: 5.7.x policy,
 *     5.1.1 missing, 5.1.3 invalid, 5.2.2 full.  (Microsoft's 5.1.10
 *     always comes with "Recipient not found": the words decide.)
 * 10. RCPT 551: R_REJECTED (user not local).
 * 11. RCPT 4xx: greylisting as verdict_greylist() sees it.
 * 12. RCPT catch-alls, one per class: 2xx accepted, 3xx protocol error
 *     (354 answers DATA only), 4xx temp failure, 5xx R_REJECTED_UNCLEAR
 *     (unknown: a 5xx we cannot read is not a dead mailbox).
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
#define VT_STR_(x)	#x
#define VT_STR(x)	VT_STR_(x)

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
	const char	*evidence;	/* corpus row that needs this row */
};

/*
 * Keyword sets.  Each set is decided from the reply corpus
 * (tests/corpus/replies.tsv); a row id "rNNN" in a comment names a
 * corpus reply that needs the row or the word.
 */
#define KW_TLS		"starttls|must issue|tls required"
/*
 * About the sender, the client, the connection or the message, never the
 * mailbox.  Checked before any mailbox words and codes, so that "550
 * 5.1.7 Sender address rejected: undeliverable address: ... User unknown"
 * (r459, Postfix sender verification) or "550 Verification failed for
 * <alice@...> Unrouteable address Sender verify failed" (r472, Exim) stay
 * unknown.  Words inside <...> are not looked at (vt_find), so the
 * address we sent ("<filtered@...>", r067) never counts.  "not accepting
 * connections" (Apple), not "not accepting": RFC 3463's X.2.1 text is
 * "Mailbox disabled, not accepting messages" (r584).
 */
#define KW_POLICY	"block|blacklist|black list|spam|policy|denied|" \
			"reputation|rbl|dnsbl|relay|prohibit|sender|" \
			"mail from|from:|client|ip address|your ip|the ip|" \
			"this ip|sending ip|helo|ehlo|spf|dkim|dmarc|ptr|" \
			"reverse dns|reverse hostname|your hostname|virus|" \
			"content|authenticat|unauthenticated|unsolicited|" \
			"complaints|header|message-id|rfc 5322|rfc5322|" \
			"rfc 2822|attachment|message size|too large|" \
			"size limit|refused|not permitted|not allowed|" \
			"forgery|junk|ube|loop|hops|ipv6|credentials|" \
			"listed|not logged in|emetteur|bloque|8-bit|" \
			"malformed|pipelining|network|" \
			"not accepting connections"
/*
 * Rates and volumes: the sender's, even under a mailbox code (r167
 * "550 5.1.1 ... has sent to too many recipients this hour", GoDaddy;
 * r552 "550 5.2.2 submission quota exceeded", Microsoft; r087 "550 5.2.1
 * ... receiving mail at a rate that prevents additional messages", Google)
 */
#define KW_RATE5	"too many|rate limit|rate limited|rate of|at a rate|" \
			"too quickly|frequency limited|excessive volume|" \
			"unexpected volume|this hour|for the day|per hour|" \
			"per session|daily limit|relay limit|" \
			"quota for sending|" \
			"submission quota|exceeded permitted limits|" \
			"exceeded threshold|max message per connection|" \
			"trop de connexions|receive limit"
#define KW_DISABLED	"disabled|inactive|deactivated|suspended|frozen|" \
			"inactivated|account closed|account expired|" \
			"not activated|discontinued|no longer on server|" \
			"no longer exists|no longer valid|banned recipient|" \
			"archivee"
/*
 * RFC 5321 4.2.2: 552 "exceeded storage allocation" is over quota; full
 * words decide whatever the code says: r203 "552 5.1.1 Boite du
 * destinataire pleine" (La Poste), r170 "552 5.2.2 ... out of storage
 * space and inactive" (Google).  Not "system storage" (RFC 5321 452).
 * "overquota" in one word: issue 17's "552 5.1.1 ... Recipient
 * overquota" (no public source of it in the corpus; verdicts.sh).
 */
#define KW_FULL		"full|quota|over quota|overquota|storage allocation|" \
			"storage space|pleine|enough space|" \
			"exceeds allowed size|" \
			"zuviele"
#define KW_MISSING	"user unknown|no such user|unknown user|" \
			"does not exist|doesn't exist|not exist|" \
			"unknown recipient|recipient unknown|" \
			"no such recipient|no such mailbox|no such address|" \
			"mailbox not found|recipient not found|" \
			"user not found|" \
			"no mailbox|invalid recipient|invalid user|" \
			"unrouteable address|unknown local-part|" \
			"illegal alias|addressee unknown|not our user|" \
			"not our customer|does not have an account|" \
			"not a registered|not a member|destinataire invalide|" \
			"bad address|invalid address|" \
			"lookup in domain map failed|" \
			"mailbox unknown"
#define KW_INVALID	"bad recipient address syntax|" \
			"need fully-qualified address|" \
			"mailbox name not allowed|" \
			"recipient address syntax error|" \
			"must contain a domain|" \
			"reserved by rfc 2606|single label domains|" \
			"invalid recipient address"
#define KW_GREYLIST	"greylist|graylist|try again later|please retry|" \
			"temporarily deferred|postgrey"
#define KW_RATE		"too many|rate"
#define KW_RATE_421	"too many|rate|connections"

static const struct vt_row vt_rows[] = {
	/* 1. replies that never change a verdict */
	{ S_END,	0,   NULL,    NULL,	 VT_NONE, R_NONE, NULL },

	/* 2. success */
	{ S_PRE | S_TLS, 2,  NULL,    NULL,	 VT_NONE, R_NONE, "r495" },
	{ S_PRE | S_TLS, 3,  NULL,    NULL,	 VT_NONE, R_NONE, NULL },
	{ S_RCPT,	250, NULL,    NULL,	 VT_NONE, R_ACCEPTED, "r152" },
	{ S_RCPT,	251, NULL,    NULL,	 VT_NONE, R_ACCEPTED, NULL },

	/* 3. refusals of the connection (RFC 3207 4: 530 5.7.0) */
	{ S_DIALOGUE,	530, NULL,    "authenticat",
	    VT_NONE, R_POLICY_BLOCK, NULL },
	{ S_DIALOGUE,	530, "5.7.0", NULL,
	    VT_NONE, R_TLS_REQUIRED, NULL },
	{ S_DIALOGUE,	5,   NULL,    KW_TLS,
	    VT_NONE, R_TLS_REQUIRED, NULL },
	{ S_DIALOGUE,	4,   NULL,    KW_TLS,
	    VT_NONE, R_TLS_REQUIRED, NULL },
	{ S_DIALOGUE | S_TLS, 4, NULL, NULL,
	    VT_RATELIMIT, R_RATE_LIMITED, NULL },

	/* 4. STARTTLS refused; the other stages before RCPT */
	{ S_TLS,	4,   NULL,    NULL,	 VT_NONE, R_TLS_FAILED, NULL },
	{ S_TLS,	5,   NULL,    NULL,	 VT_NONE, R_TLS_FAILED, NULL },
	{ S_PRE,	4,   NULL,    NULL,
	    VT_NONE, R_TEMP_FAILURE, NULL },
	{ S_PRE,	5,   NULL,    NULL,
	    VT_NONE, R_POLICY_BLOCK, NULL },

	/*
	 * 5. RCPT, 421: closes the session; at RCPT it is a per-session
	 * limit (too many errors, recipients, commands).
	 */
	{ S_RCPT,	421, NULL,    NULL,
	    VT_NONE, R_RATE_LIMITED, NULL },

	/*
	 * 6. RCPT, provider wording that the general words below would
	 * misread.  Microsoft 365 directory-based edge blocking: "550 5.4.1
	 * Recipient address rejected: Access denied" means no such
	 * recipient in the tenant (r075, r173); "denied" must not make it a
	 * policy block.
	 */
	{ S_RCPT,	5,   "5.4.1", "recipient address rejected",
	    VT_NONE, R_MAILBOX_MISSING, "r075" },
	/* Postfix "User unknown in relay recipient table" (r440): "relay" */
	{ S_RCPT,	5,   NULL,    "user unknown in",
	    VT_NONE, R_MAILBOX_MISSING, "r440" },
	/* Sendmail "Addressee unknown, relay=[...]" (r359): "relay" */
	{ S_RCPT,	5,   NULL,    "addressee unknown",
	    VT_NONE, R_MAILBOX_MISSING, "r359" },
	/* La Poste LPN007_426 "Le compte du destinataire est bloque" (r161) */
	{ S_RCPT,	5,   NULL,    "compte du destinataire est bloque",
	    VT_NONE, R_DISABLED, "r161" },
	/* Microsoft 5.2.121 / 5.2.122: per-sender or per-hour receive limits */
	{ S_RCPT,	5,   "5.2.121", NULL,
	    VT_NONE, R_RATE_LIMITED, "r553" },
	{ S_RCPT,	5,   "5.2.122", NULL,
	    VT_NONE, R_RATE_LIMITED, "r554" },

	/*
	 * Recipient syntax, before the policy words ("not allowed" is in
	 * RFC 5321's "553 ... mailbox name not allowed") and the full words
	 * ("full" is found in "fully-qualified", r447).
	 */
	{ S_RCPT,	5,   NULL,    KW_INVALID,
	    VT_NONE, R_MAILBOX_INVALID, "r447" },

	/* 7. RCPT, words about the sender, rates, the message, policy */
	{ S_RCPT,	5,   NULL,    KW_RATE5,
	    VT_NONE, R_RATE_LIMITED, "r167" },
	{ S_RCPT,	5,   NULL,    KW_POLICY,
	    VT_NONE, R_POLICY_BLOCK, "r459" },

	/* 8. RCPT, words about the mailbox: full, disabled, missing, invalid */
	{ S_RCPT,	4,   "4.2.2", NULL,
	    VT_NONE, R_MAILBOX_FULL, "r277" },
	{ S_RCPT,	4,   NULL,    KW_FULL,
	    VT_NONE, R_MAILBOX_FULL, "r339" },
	{ S_RCPT,	5,   NULL,    KW_FULL,
	    VT_NONE, R_MAILBOX_FULL, "r203" },
	{ S_RCPT,	5,   NULL,    KW_DISABLED,
	    VT_NONE, R_DISABLED, "r012" },
	/* Yahoo "554 delivery error: dd This user doesn't have a ... account"
	 */
	{ S_RCPT,	5,   NULL,    "user doesn't have a",
	    VT_NONE, R_MAILBOX_MISSING, "r093" },
	/* Google "553 5.1.2 We weren't able to find the recipient domain" */
	{ S_RCPT,	5,   NULL,    "find the recipient domain",
	    VT_NONE, R_MAILBOX_MISSING, "r328" },
	/* words beat codes: "550 5.7.1 550 User Unknown" (r049, r050) */
	{ S_RCPT,	5,   NULL,    KW_MISSING,
	    VT_NONE, R_MAILBOX_MISSING, "r049" },

	/*
	 * 9. RCPT, enhanced codes that providers use consistently.  5.1.0,
	 * 5.1.2, 5.2.1 and bare 550 are not among them: "550 5.1.0 ...
	 * sender rejected" (r178, Spectrum), "550 5.2.1 mailbox cannot be
	 * accessed" (r560, Microsoft), "550 Denied by policy" (r081).
	 */
	{ S_RCPT,	5,   "5.7.",  NULL,
	    VT_NONE, R_POLICY_BLOCK, "r004" },
	{ S_RCPT,	5,   "5.1.1", NULL,
	    VT_NONE, R_MAILBOX_MISSING, "r024" },
	{ S_RCPT,	5,   "5.1.3", NULL,
	    VT_NONE, R_MAILBOX_INVALID, NULL },
	{ S_RCPT,	5,   "5.2.2", NULL,
	    VT_NONE, R_MAILBOX_FULL, NULL },

	/* 10. RCPT, 551 user not local (RFC 5321 3.4) */
	{ S_RCPT,	551, NULL,    NULL,	 VT_NONE, R_REJECTED, NULL },

	/* 11. RCPT, greylisting */
	{ S_RCPT,	4,   NULL,    NULL,
	    VT_GREYLIST, R_GREYLISTED, NULL },

	/*
	 * 12. RCPT, one catch-all per class.  A 5xx we cannot read is not
	 * a dead mailbox: "550 Requested action not taken: mailbox
	 * unavailable" (r065, Outlook.com) is unknown.
	 */
	{ S_RCPT,	2,   NULL,    NULL,	 VT_NONE, R_ACCEPTED, NULL },
	{ S_RCPT,	3,   NULL,    NULL,
	    VT_NONE, R_PROTOCOL_ERROR, NULL },
	{ S_RCPT,	4,   NULL,    NULL,
	    VT_NONE, R_TEMP_FAILURE, NULL },
	{ S_RCPT,	5,   NULL,    NULL,
	    VT_NONE, R_REJECTED_UNCLEAR, "r065" },
};

/*
 * Rows from --verdict-rules FILE (verdict_rules_load), tried before the
 * built-in ones.  Fixed storage: VT_USER_MAX rows, each keyword list at
 * most VT_KW_MAX bytes.
 */
struct vt_user_row {
	struct vt_row	 row;
	char		 ecode[12];
	char		 kw[VT_KW_MAX + 1];
};

static struct vt_user_row	 vt_user[VT_USER_MAX];
static size_t			 vt_nuser;

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
 * start and outside <...>?  Servers echo the address in angle brackets
 * ("<filtered@example.com>... User Unknown"); those are our words, not
 * theirs.  text is read up to its NUL or REPLY_TEXT_MAX bytes.
 */
static int
vt_find(const char *text, const char *kw, size_t kn)
{
	size_t	 tn, i, j;
	int	 inside = 0;

	tn = 0;
	while (tn < REPLY_TEXT_MAX && text[tn] != '\0') {
		tn++;
	}
	if (kn == 0 || kn > tn) {
		return 0;
	}
	for (i = 0; i + kn <= tn; i++) {
		if (text[i] == '<') {
			inside = 1;
		} else if (text[i] == '>') {
			inside = 0;
		}
		if (inside || (i > 0 && vt_alnum(text[i - 1]))) {
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

/*
 * The row that decides a reply: a user row (from --verdict-rules) gives
 * -1 - its index, a built-in row its index; VT_NOROW when none matches.
 */
#define VT_NOROW	INT32_MIN

static int32_t
vt_lookup(enum smtp_stage stage, const struct reply *r)
{
	size_t	 i;

	for (i = 0; i < vt_nuser; i++) {
		if (vt_match(&vt_user[i].row, stage, r)) {
			return -1 - (int32_t)i;
		}
	}
	for (i = 0; i < sizeof(vt_rows) / sizeof(vt_rows[0]); i++) {
		if (vt_match(&vt_rows[i], stage, r)) {
			return (int32_t)i;
		}
	}
	return VT_NOROW;
}

/* see verdict.h */
enum reason
verdict_smtp(enum smtp_stage stage, const struct reply *r)
{
	int32_t	 row;

	/* STAGE_CONNECT has no reply: asking is a bug of ours */
	if (r == NULL || (unsigned)stage >= STAGE__COUNT ||
	    stage == STAGE_CONNECT) {
		return R_INTERNAL;
	}
	if (r->code < 200 || r->code > 599) {
		return R_PROTOCOL_ERROR;
	}
	row = vt_lookup(stage, r);
	if (row == VT_NOROW) {
		/* unreachable: every class has a catch-all */
		return R_INTERNAL;
	}
	if (row < 0) {
		return vt_user[-1 - row].row.reason;
	}
	return vt_rows[row].reason;
}

/* see verdict.h */
int
verdict_row(enum smtp_stage stage, const struct reply *r)
{
	int32_t	 row;

	if (r == NULL || (unsigned)stage >= STAGE__COUNT ||
	    stage == STAGE_CONNECT || r->code < 200 || r->code > 599) {
		return -1;
	}
	row = vt_lookup(stage, r);
	return row >= 0 ? (int)row : -1;
}

/* see verdict.h */
size_t
verdict_rows(const char *const **evidence)
{
	static const char	*ev[sizeof(vt_rows) / sizeof(vt_rows[0])];
	size_t			 i;

	for (i = 0; i < sizeof(vt_rows) / sizeof(vt_rows[0]); i++) {
		ev[i] = vt_rows[i].evidence;
	}
	if (evidence != NULL) {
		*evidence = ev;
	}
	return sizeof(vt_rows) / sizeof(vt_rows[0]);
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

/* --verdict-rules: one row a line (verdict.h, docs/mxprobe.1) */

static const struct {
	const char	*name;
	unsigned	 mask;
} vt_stage_names[] = {
	{ "BANNER", S(STAGE_BANNER) }, { "EHLO", S(STAGE_EHLO) },
	{ "HELO", S(STAGE_HELO) }, { "STARTTLS", S(STAGE_STARTTLS) },
	{ "MAIL", S(STAGE_MAIL) }, { "RCPT", S(STAGE_RCPT) },
	{ "RSET", S(STAGE_RSET) }, { "QUIT", S(STAGE_QUIT) },
};

/* the reasons a reply may be given by a user row */
static const enum reason vt_user_reasons[] = {
	R_NONE, R_ACCEPTED, R_MAILBOX_MISSING, R_MAILBOX_INVALID, R_DISABLED,
	R_MAILBOX_FULL, R_REJECTED, R_REJECTED_UNCLEAR, R_POLICY_BLOCK,
	R_GREYLISTED, R_RATE_LIMITED, R_TEMP_FAILURE, R_PROTOCOL_ERROR,
	R_TLS_FAILED, R_TLS_REQUIRED,
};

static int
vt_err(char *err, size_t errlen, const char *msg)
{
	size_t	 n = strlen(msg);

	if (errlen > 0) {
		if (n >= errlen) {
			n = errlen - 1;
		}
		memcpy(err, msg, n);
		err[n] = '\0';
	}
	return -1;
}

/* next whitespace-separated field of *p; a "..." field keeps spaces */
static int
vt_field(const char **p, const char **f, size_t *fn)
{
	const char	*s = *p;

	while (*s == ' ' || *s == '\t') {
		s++;
	}
	if (*s == '\0') {
		return 0;
	}
	*f = s;
	if (*s == '"') {
		s++;
		while (*s != '\0' && *s != '"') {
			s++;
		}
		if (*s != '"') {
			return -1;
		}
		s++;
		if (*s != '\0' && *s != ' ' && *s != '\t') {
			return -1;
		}
	} else {
		while (*s != '\0' && *s != ' ' && *s != '\t') {
			s++;
		}
	}
	*fn = (size_t)(s - *f);
	*p = s;
	return 1;
}

static int
vt_is(const char *f, size_t fn, const char *word)
{
	return strlen(word) == fn && strncmp(f, word, fn) == 0;
}

static int
vt_parse_stages(const char *f, size_t fn, unsigned *mask)
{
	size_t	 i, k, n;

	*mask = 0;
	if (vt_is(f, fn, "*")) {
		*mask = S_DIALOGUE | S_TLS | S_END;
		return 0;
	}
	if (fn == 0 || f[0] == ',' || f[fn - 1] == ',') {
		return -1;
	}
	for (i = 0; i < fn; i += n + 1) {
		for (n = 0; i + n < fn && f[i + n] != ','; n++) {
			continue;
		}
		for (k = 0; k < sizeof(vt_stage_names) /
		    sizeof(vt_stage_names[0]); k++) {
			if (vt_is(f + i, n, vt_stage_names[k].name)) {
				break;
			}
		}
		if (k == sizeof(vt_stage_names) / sizeof(vt_stage_names[0])) {
			return -1;
		}
		*mask |= vt_stage_names[k].mask;
	}
	return *mask != 0 ? 0 : -1;
}

static int
vt_parse_code(const char *f, size_t fn, uint16_t *code)
{
	if (vt_is(f, fn, "*")) {
		*code = 0;
		return 0;
	}
	if (fn == 3 && f[0] >= '2' && f[0] <= '5' && f[1] == 'x' &&
	    f[2] == 'x') {
		*code = (uint16_t)(f[0] - '0');
		return 0;
	}
	if (fn == 3 && f[0] >= '2' && f[0] <= '5' && f[1] >= '0' &&
	    f[1] <= '9' && f[2] >= '0' && f[2] <= '9') {
		*code = (uint16_t)((f[0] - '0') * 100 + (f[1] - '0') * 10 +
		    (f[2] - '0'));
		return 0;
	}
	return -1;
}

/* "5.1.1", "5.7." or "4.": a class digit, then digit groups and dots */
static int
vt_parse_ecode(const char *f, size_t fn, char *out, size_t outlen)
{
	size_t	 i, digits = 0, dots = 0;

	if (fn == 0 || fn >= outlen || (f[0] != '2' && f[0] != '4' &&
	    f[0] != '5')) {
		return -1;
	}
	for (i = 0; i < fn; i++) {
		if (f[i] >= '0' && f[i] <= '9') {
			if (++digits > 3) {
				return -1;
			}
		} else if (f[i] == '.' && digits > 0 && dots < 2) {
			dots++;
			digits = 0;
		} else {
			return -1;
		}
	}
	memcpy(out, f, fn);
	out[fn] = '\0';
	return 0;
}

static int
vt_parse_kw(const char *f, size_t fn, char *out, size_t outlen)
{
	size_t	 i;

	/* f is "...", quotes included */
	if (fn < 3 || fn - 2 >= outlen) {
		return -1;
	}
	for (i = 1; i + 1 < fn; i++) {
		unsigned char	 c = (unsigned char)f[i];

		if (c < 0x20 || c == 0x7f || c == '\\' ||
		    (c == '|' && (i == 1 || i + 2 == fn || f[i + 1] == '|'))) {
			return -1;
		}
		out[i - 1] = vt_lower((char)c);
	}
	out[fn - 2] = '\0';
	return 0;
}

/* see verdict.h */
int
verdict_rule_add(const char *line, char *err, size_t errlen)
{
	struct vt_user_row	 u;
	const char		*p = line, *f[6];
	size_t			 fn[6], i, k;
	int			 n;

	memset(&u, 0, sizeof(u));
	for (n = 0; n < 6; n++) {
		int rc = vt_field(&p, &f[n], &fn[n]);

		if (rc < 0) {
			return vt_err(err, errlen, "unterminated or glued "
			    "\"...\" keywords");
		}
		if (rc == 0) {
			break;
		}
	}
	if (n != 5) {
		return vt_err(err, errlen, "want 5 fields: STAGES CODE ECODE "
		    "\"KEYWORDS\"|* REASON");
	}
	if (vt_nuser >= VT_USER_MAX) {
		return vt_err(err, errlen, "too many rules (limit "
		    VT_STR(VT_USER_MAX) ")");
	}
	if (vt_parse_stages(f[0], fn[0], &u.row.stages) < 0) {
		return vt_err(err, errlen, "bad stages: want * or a comma "
		    "list of BANNER,EHLO,HELO,STARTTLS,MAIL,RCPT,RSET,QUIT");
	}
	if (vt_parse_code(f[1], fn[1], &u.row.code) < 0) {
		return vt_err(err, errlen, "bad code: want *, 2xx..5xx or "
		    "200..599");
	}
	if (vt_is(f[2], fn[2], "*")) {
		u.row.ecode = NULL;
	} else if (vt_is(f[2], fn[2], "-")) {
		u.row.ecode = "";
	} else if (vt_parse_ecode(f[2], fn[2], u.ecode,
	    sizeof(u.ecode)) < 0) {
		return vt_err(err, errlen, "bad enhanced code: want *, - or "
		    "a prefix such as 5.1.1 or 5.7.");
	} else {
		u.row.ecode = u.ecode;
	}
	if (vt_is(f[3], fn[3], "*")) {
		u.row.kw = NULL;
	} else if (f[3][0] != '"' || vt_parse_kw(f[3], fn[3], u.kw,
	    sizeof(u.kw)) < 0) {
		return vt_err(err, errlen, "bad keywords: want * or \"a|b\" "
		    "(no empty alternative, no control or backslash, at most "
		    VT_STR(VT_KW_MAX) " bytes)");
	} else {
		u.row.kw = u.kw;
	}
	for (k = 0; k < sizeof(vt_user_reasons) / sizeof(vt_user_reasons[0]);
	    k++) {
		if (vt_is(f[4], fn[4], reason_token(vt_user_reasons[k]))) {
			break;
		}
	}
	if (k == sizeof(vt_user_reasons) / sizeof(vt_user_reasons[0])) {
		return vt_err(err, errlen, "bad reason: want an SMTP reason "
		    "token (mailbox_missing, policy_block, ...)");
	}
	u.row.reason = vt_user_reasons[k];
	u.row.test = VT_NONE;
	i = vt_nuser++;
	vt_user[i] = u;
	/* the pointers must point into the stored copy, not into u */
	if (vt_user[i].row.ecode == u.ecode) {
		vt_user[i].row.ecode = vt_user[i].ecode;
	}
	if (vt_user[i].row.kw == u.kw) {
		vt_user[i].row.kw = vt_user[i].kw;
	}
	return 0;
}

/* see verdict.h */
void
verdict_rules_clear(void)
{
	vt_nuser = 0;
}
