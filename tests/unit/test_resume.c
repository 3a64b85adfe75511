/*
 * test_resume.c - resume_parse(): one result line of each format to the
 * address it answers and whether that answer is final.
 */
#include <string.h>

#include "resume.h"
#include "t.h"
#include "tests.h"

static const struct {
	const char	*line;
	int		 keep;		/* --resume-keep-unknown */
	int		 ok;		/* a result line */
	const char	*key;
	int		 final;
} cases[] = {
	{ "a@b.test\tdeliverable\taccepted\t250 2.1.5 Ok", 0, 1, "a@b.test", 1 },
	{ "a@b.test\tunknown\tgreylisted\t", 0, 1, "a@b.test", 0 },
	{ "a@b.test\tunknown\tgreylisted\t", 1, 1, "a@b.test", 1 },
	{ "a@b.test\tunknown\ttimeout\t", 1, 1, "a@b.test", 1 },
	{ "a@b.test\tunknown\tinterrupted\tSIGTERM", 1, 1, "a@b.test", 0 },
	/* the proxy failed, not the address: asked again, keep or not */
	{ "a@b.test\tunknown\tproxy_failed\tvia proxy", 1, 1, "a@b.test", 0 },
	{ "a@b.test\tunknown\tpolicy_block\t", 0, 1, "a@b.test", 1 },
	{ "a\\\\b@c.test\tundeliverable\tsyntax\tx", 0, 1, "a\\b@c.test", 1 },
	{ "a\\x0db@c.test\tundeliverable\tsyntax\tx", 0, 1, "a\rb@c.test", 1 },
	{ "a\\xzzb@c.test\tundeliverable\tsyntax\tx", 0, 0, NULL, 0 },
	{ "a@b.test\tdeliv", 0, 0, NULL, 0 },
	{ "a@b.test\tnonsense\taccepted\t", 0, 0, NULL, 0 },
	{ "{\"address\":\"a@b.test\",\"verdict\":\"risky\",\"reason\":"
	    "\"catch_all\",\"detail\":null}", 0, 1, "a@b.test", 1 },
	{ "{\"address\":\"q\\\"x\\\"@b.test\",\"verdict\":\"unknown\","
	    "\"reason\":\"rate_limited\"}", 0, 1, "q\"x\"@b.test", 0 },
	{ "{\"address\":\"a\\u0001@b.test\",\"verdict\":\"undeliverable\","
	    "\"reason\":\"syntax\"}", 0, 1, "a\001@b.test", 1 },
	{ "{\"address\":\"a\\ufffd@b.test\",\"verdict\":\"undeliverable\","
	    "\"reason\":\"syntax\"}", 0, 0, NULL, 0 },
	{ "{\"address\":\"a@b.test\",\"verd", 0, 0, NULL, 0 },
	{ "address,verdict,reason,detail,domain", 0, 0, NULL, 0 },
	{ "a@b.test,undeliverable,mailbox_missing,\"550 5.1.1 no, such\"", 0,
	    1, "a@b.test", 1 },
	{ "\"a,\"\"b\"\"@c.test\",undeliverable,syntax,x", 0, 1,
	    "a,\"b\"@c.test", 1 },
	{ "\"unterminated,undeliverable,syntax", 0, 0, NULL, 0 },
	{ "", 0, 0, NULL, 0 },
	{ NULL, 0, 0, NULL, 0 }
};

void
test_resume(void)
{
	char	 key[400];
	size_t	 i, klen;
	int	 ok, final;

	for (i = 0; cases[i].line != NULL; i++) {
		klen = 0;
		final = -1;
		ok = resume_parse(cases[i].line, strlen(cases[i].line),
		    cases[i].keep, key, sizeof(key), &klen, &final);
		T_CHECKF(ok == cases[i].ok, "row %zu: ok %d", i, ok);
		if (!ok || !cases[i].ok) {
			continue;
		}
		T_CHECKF(klen == strlen(cases[i].key) &&
		    memcmp(key, cases[i].key, klen) == 0, "row %zu: key %.*s",
		    i, (int)klen, key);
		T_CHECKF(final == cases[i].final, "row %zu: final %d", i,
		    final);
	}
	T_CHECK(resume_hash("a", 1) != resume_hash("b", 1));
}
