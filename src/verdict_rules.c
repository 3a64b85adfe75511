/*
 * verdict_rules.c - --verdict-rules FILE: read the user's rows, line by
 * line, into the verdict table (verdict_rule_add(), verdict_table.c).
 * The file is read once, at start-up; every error names FILE:LINE.
 */
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "verdict.h"

static int
vr_fail(char *err, size_t errlen, const char *path, unsigned long line,
    const char *msg)
{
	struct buf	 b;

	/* not snprintf: it would link vfprintf (MIPS: docs/hacking.md) */
	if (errlen > 0) {
		buf_init(&b, err, errlen - 1);
		buf_adds(&b, path);
		buf_addc(&b, ':');
		buf_addu(&b, line);
		buf_adds(&b, ": ");
		buf_adds(&b, msg);
		buf_nul(&b);
	}
	return -1;
}

/* see verdict.h */
int
verdict_rules_load(const char *path, char *err, size_t errlen)
{
	FILE		*f;
	char		 buf[VT_LINE_MAX + 2], why[160];
	unsigned long	 line = 0;
	size_t		 n, i;
	int		 rc = 0;

	verdict_rules_clear();
	f = fopen(path, "r");
	if (f == NULL) {
		return vr_fail(err, errlen, path, 0, "cannot open");
	}
	while (fgets(buf, sizeof(buf), f) != NULL) {
		line++;
		n = strlen(buf);
		/* fgets stops at a NUL too: find one before the newline */
		for (i = 0; i < n && buf[i] != '\n'; i++) {
			continue;
		}
		if (n == 0 || buf[n - 1] != '\n') {
			if (n > VT_LINE_MAX) {
				rc = vr_fail(err, errlen, path, line,
				    "line longer than 512 bytes");
			} else if (feof(f)) {
				rc = vr_fail(err, errlen, path, line,
				    "last line has no newline (truncated?)");
			} else {
				rc = vr_fail(err, errlen, path, line,
				    "NUL byte in the line");
			}
			break;
		}
		buf[--n] = '\0';
		if (n > 0 && buf[n - 1] == '\r') {
			buf[--n] = '\0';
		}
		for (i = 0; buf[i] == ' ' || buf[i] == '\t'; i++) {
			continue;
		}
		if (buf[i] == '\0' || buf[i] == '#') {
			continue;
		}
		if (verdict_rule_add(buf + i, why, sizeof(why)) < 0) {
			rc = vr_fail(err, errlen, path, line, why);
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		rc = vr_fail(err, errlen, path, line, "read error");
	}
	fclose(f);
	if (rc < 0) {
		verdict_rules_clear();
	}
	return rc;
}
