/*
 * test_hostlim.c - --limits FILE: every malformed line refused with its
 * file:line, good rules found by host name (file first, then built-in).
 */
#include <string.h>

#include "hostlim.h"
#include "t.h"
#include "tests.h"

void
test_hostlim(void)
{
	static const struct {
		const char	*text;
		const char	*err;	/* NULL: accepted */
	} cases[] = {
		{ "", NULL },
		{ "# only a comment\n\n   \n", NULL },
		{ "mx.example.com sessions=1 batch=3\n", NULL },
		{ "*.example.net conn=10 rcpt=100 # comment\r\n", NULL },
		{ "* conn=30\n", NULL },
		{ "mx.example.com\n", "t:1: a pattern without limits" },
		{ "\nmx.example.com sessions=0\n", "t:2: want sessions=N" },
		{ "mx.example.com sessions=65\n", "t:1: want sessions=N" },
		{ "mx.example.com batch=33\n", "t:1: want sessions=N" },
		{ "mx.example.com conn=\n", "t:1: want sessions=N" },
		{ "mx.example.com conn=-1\n", "t:1: want sessions=N" },
		{ "mx.example.com conn=1x\n", "t:1: want sessions=N" },
		{ "mx.example.com speed=3\n", "t:1: want sessions=N" },
		{ "mx.example.com sessions\n", "t:1: want sessions=N" },
		{ "mx.example.com rcpt=99999999999999999999\n",
		    "t:1: want sessions=N" },
		{ "*example.com sessions=1\n", "t:1: not a host name pattern" },
		{ "mx..example.com sessions=1\n",
		    "t:1: not a host name pattern" },
		{ ".example.com sessions=1\n", "t:1: not a host name pattern" },
		{ "mx.example.com. sessions=1\n",
		    "t:1: not a host name pattern" },
		{ "mx/example sessions=1\n", "t:1: not a host name pattern" },
		{ "*. sessions=1\n", "t:1: not a host name pattern" },
		{ "a sessions=1\nb sessions=1\nc\xff sessions=1\n",
		    "t:3: not a host name pattern" },
		{ NULL, NULL }
	};
	char		 err[256], big[700];
	const struct hostlim *l;
	size_t		 i;
	int		 rc;

	for (i = 0; cases[i].text != NULL; i++) {
		err[0] = '\0';
		rc = hostlim_parse(cases[i].text, strlen(cases[i].text), "t",
		    err, sizeof(err));
		if (cases[i].err == NULL) {
			T_CHECKF(rc == 0, "case %zu: %s", i, err);
		} else {
			T_CHECKF(rc == -1 && strncmp(err, cases[i].err,
			    strlen(cases[i].err)) == 0, "case %zu: got \"%s\"",
			    i, err);
		}
	}
	/* a NUL inside, an over-long line */
	rc = hostlim_parse("a sessions=1\0\n", 14, "t", err, sizeof(err));
	T_CHECK(rc == -1 && strcmp(err, "t:1: NUL byte") == 0);
	memset(big, 'a', sizeof(big));
	rc = hostlim_parse(big, sizeof(big), "t", err, sizeof(err));
	T_CHECK(rc == -1 && strcmp(err, "t:1: line over 512 bytes") == 0);

	/* lookups: the file first, case-insensitive, then built-in */
	{
		static const char good[] = "MX.Example.com sessions=1 batch=3\n"
		    "*.example.net conn=10 rcpt=100\n"
		    "*.google.com sessions=2\n";

		T_CHECK(hostlim_parse(good, sizeof(good) - 1, "t", err,
		    sizeof(err)) == 0);
	}
	l = hostlim_find("mx.example.COM");
	T_CHECK(l != NULL && l->sessions == 1 && l->batch == 3 &&
	    l->conn_min == 0);
	l = hostlim_find("a.b.example.net");
	T_CHECK(l != NULL && l->conn_min == 10 && l->rcpt_min == 100);
	T_CHECK(hostlim_find("example.net") == NULL);
	T_CHECK(hostlim_find("xexample.net") == NULL);
	l = hostlim_find("aspmx.l.google.com");
	T_CHECK(l != NULL && l->sessions == 2);
	l = hostlim_find("mx1.mail.icloud.com");
	T_CHECK(l != NULL && l->sessions == 1 && l->batch == 5);
	T_CHECK(hostlim_find("") == NULL);
	T_CHECK(hostlim_parse("", 0, "t", err, sizeof(err)) == 0);
	l = hostlim_find("aspmx.l.google.com");
	T_CHECK(l != NULL && l->sessions == 1 && l->batch == 5);
}
