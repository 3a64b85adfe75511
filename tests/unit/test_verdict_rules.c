/*
 * test_verdict_rules.c - --verdict-rules: rows added from text
 * (verdict_rule_add) and from files (verdict_rules_load), good and bad:
 * malformed fields, over-long lines, a NUL, a file cut mid-line, too many
 * rows.  User rows are tried before the built-in table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reply.h"
#include "t.h"
#include "verdict.h"

void	test_verdict_rules(void);

static int
vr_parse(const char *in, struct reply *r)
{
	struct reply_parser	 p;
	size_t			 used, len = strlen(in);

	memset(r, 0, sizeof(*r));
	reply_init(&p, 0);
	return reply_feed(&p, in, len, &used, r) == REPLY_DONE;
}

static const struct {
	const char	*line;
	int		 ok;
} vr_lines[] = {
	{ "RCPT 550 5.7.1 \"no such user!\" mailbox_missing", 1 },
	{ "RCPT,MAIL 5xx * * policy_block", 1 },
	{ "* * - \"frobnicated\" temp_failure", 1 },
	{ "RCPT 554 5.2. \"a|b c\" rate_limited", 1 },
	{ "RCPT 550 5.7.1 \"x\"", 0 },			/* 4 fields */
	{ "RCPT 550 5.7.1 \"x\" mailbox_missing extra", 0 },
	{ "RCPY 550 5.7.1 \"x\" mailbox_missing", 0 },	/* stage */
	{ "RCPT, 550 5.7.1 \"x\" mailbox_missing", 0 },
	{ "RCPT 650 5.7.1 \"x\" mailbox_missing", 0 },	/* code */
	{ "RCPT 55 5.7.1 \"x\" mailbox_missing", 0 },
	{ "RCPT 6xx 5.7.1 \"x\" mailbox_missing", 0 },
	{ "RCPT 550 5.a.1 \"x\" mailbox_missing", 0 },	/* ecode */
	{ "RCPT 550 5.1.1.1 \"x\" mailbox_missing", 0 },
	{ "RCPT 550 5.1111 \"x\" mailbox_missing", 0 },
	{ "RCPT 550 5.1.1 x mailbox_missing", 0 },	/* keywords */
	{ "RCPT 550 5.1.1 \"x mailbox_missing", 0 },
	{ "RCPT 550 5.1.1 \"\" mailbox_missing", 0 },
	{ "RCPT 550 5.1.1 \"a||b\" mailbox_missing", 0 },
	{ "RCPT 550 5.1.1 \"|a\" mailbox_missing", 0 },
	{ "RCPT 550 5.1.1 \"a\\b\" mailbox_missing", 0 },
	{ "RCPT 550 5.1.1 \"x\"y mailbox_missing", 0 },
	{ "RCPT 550 5.1.1 \"x\" catch_all", 0 },	/* reason */
	{ "RCPT 550 5.1.1 \"x\" syntax", 0 },
	{ "RCPT 550 5.1.1 \"x\" nonsense", 0 },
	{ NULL, 0 }
};

/* write text (len bytes) to a fresh file; returns its name */
static const char *
vr_file(const char *text, size_t len)
{
	static char	 name[64];
	FILE		*f;

	snprintf(name, sizeof(name), "/tmp/mxp-vr-%ld.rules", (long)getpid());
	f = fopen(name, "wb");
	if (f == NULL) {
		return NULL;
	}
	fwrite(text, 1, len, f);
	fclose(f);
	return name;
}

static void
vr_load(const char *text, size_t len, int want_ok, const char *want_err)
{
	const char	*name = vr_file(text, len);
	char		 err[256];
	int		 rc;

	T_CHECK(name != NULL);
	if (name == NULL) {
		return;
	}
	err[0] = '\0';
	rc = verdict_rules_load(name, err, sizeof(err));
	T_CHECKF((rc == 0) == want_ok, "load: rc %d err %s", rc, err);
	if (want_err != NULL) {
		T_CHECKF(strstr(err, want_err) != NULL, "err \"%s\", want "
		    "\"%s\"", err, want_err);
		T_CHECKF(strncmp(err, name, strlen(name)) == 0,
		    "err names the file: %s", err);
	}
	unlink(name);
}

#define VR_LOAD(lit, ok, e)	vr_load((lit), sizeof(lit) - 1, (ok), (e))

void
test_verdict_rules(void)
{
	struct reply	 r;
	char		 err[256], big[2048];
	size_t		 i;

	for (i = 0; vr_lines[i].line != NULL; i++) {
		verdict_rules_clear();
		err[0] = '\0';
		T_CHECKF((verdict_rule_add(vr_lines[i].line, err,
		    sizeof(err)) == 0) == vr_lines[i].ok, "line %zu: %s: %s",
		    i, vr_lines[i].line, err);
		T_CHECKF(vr_lines[i].ok || err[0] != '\0', "line %zu: no "
		    "error text", i);
	}

	/* a user row is tried before the table */
	verdict_rules_clear();
	T_CHECK(vr_parse("550 5.7.1 No such user!\r\n", &r));
	T_INTEQ(verdict_smtp(STAGE_RCPT, &r), R_MAILBOX_MISSING);
	T_CHECK(verdict_rule_add("RCPT 550 5.7.1 \"no such user!\" "
	    "policy_block", err, sizeof(err)) == 0);
	T_INTEQ(verdict_smtp(STAGE_RCPT, &r), R_POLICY_BLOCK);
	T_INTEQ(verdict_row(STAGE_RCPT, &r), -1);
	/* ... only where it matches */
	T_CHECK(vr_parse("550 5.7.1 Relay access denied\r\n", &r));
	T_INTEQ(verdict_smtp(STAGE_RCPT, &r), R_POLICY_BLOCK);
	T_CHECK(vr_parse("550 5.7.1 No such user!\r\n", &r));
	T_INTEQ(verdict_smtp(STAGE_MAIL, &r), R_POLICY_BLOCK);
	/* "-": no enhanced code; keywords are case-insensitive */
	verdict_rules_clear();
	T_CHECK(verdict_rule_add("RCPT 5xx - \"ACCOUNT ON HOLD\" disabled",
	    err, sizeof(err)) == 0);
	T_CHECK(vr_parse("550 Account on hold\r\n", &r));
	T_INTEQ(verdict_smtp(STAGE_RCPT, &r), R_DISABLED);
	T_CHECK(vr_parse("550 5.0.0 Account on hold\r\n", &r));
	T_INTEQ(verdict_smtp(STAGE_RCPT, &r), R_REJECTED_UNCLEAR);

	/* too many rows */
	verdict_rules_clear();
	for (i = 0; i < VT_USER_MAX; i++) {
		T_CHECK(verdict_rule_add("RCPT 550 * * mailbox_missing", err,
		    sizeof(err)) == 0);
	}
	T_CHECK(verdict_rule_add("RCPT 550 * * mailbox_missing", err,
	    sizeof(err)) < 0);
	T_CHECK(strstr(err, "too many") != NULL);
	verdict_rules_clear();

	/* files */
	VR_LOAD("# a comment\n\n  \t\nRCPT 550 5.7.1 \"no such user!\" "
	    "mailbox_missing\r\n", 1, NULL);
	VR_LOAD("RCPT 550 5.7.1 \"x\" mailbox_missing\nRCPT 650 * * "
	    "mailbox_missing\n", 0, ":2: bad code");
	VR_LOAD("RCPT 550 5.7.1 \"x\" mailbox_missing\nRCPT 550 * \"tru",
	    0, ":2: last line has no newline");
	VR_LOAD("RCPT 550 * \"a\0b\" mailbox_missing\n", 0,
	    ":1: NUL byte");
	memset(big, 'a', sizeof(big));
	memcpy(big, "RCPT 550 * \"", 12);
	big[sizeof(big) - 1] = '\n';
	vr_load(big, sizeof(big), 0, ":1: line longer than 512");
	/* 255 keyword bytes pass, 256 do not */
	memset(big, 'k', sizeof(big));
	memcpy(big, "RCPT 550 * \"", 12);
	memcpy(big + 12 + 255, "\" mailbox_missing\n", 18);
	vr_load(big, 12 + 255 + 18, 1, NULL);
	memset(big, 'k', sizeof(big));
	memcpy(big, "RCPT 550 * \"", 12);
	memcpy(big + 12 + 256, "\" mailbox_missing\n", 18);
	vr_load(big, 12 + 256 + 18, 0, ":1: bad keywords");
	VR_LOAD("", 1, NULL);
	T_CHECK(verdict_rules_load("/nonexistent/mxp.rules", err,
	    sizeof(err)) < 0);
	T_CHECK(strstr(err, "/nonexistent/mxp.rules:0: cannot open") != NULL);
	/* a failed load leaves no rows behind */
	T_CHECK(vr_parse("550 5.7.1 No such user!\r\n", &r));
	T_INTEQ(verdict_smtp(STAGE_RCPT, &r), R_MAILBOX_MISSING);
	verdict_rules_clear();
}
