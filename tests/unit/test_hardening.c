/*
 * test_hardening.c - issue 19: the private-address filter, escaping of
 * untrusted bytes in text/CSV/JSON output, and the cache file loader
 * (forged expiries and verdicts, untrusted files).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "mx.h"
#include "out.h"
#include "result.h"
#include "t.h"
#include "tests.h"
#include "verdict.h"

void
test_mxpriv(void)
{
	static const struct {
		const char	*ip;
		int		 priv;
	} rows[] = {
		{ "8.8.8.8", 0 },
		{ "10.1.2.3", 1 },
		{ "192.0.0.8", 1 },		/* IETF protocol assignments */
		{ "192.0.2.1", 1 },		/* TEST-NET-1 */
		{ "198.51.100.7", 1 },
		{ "203.0.113.9", 1 },
		{ "192.88.99.1", 1 },
		{ "100.64.0.1", 1 },
		{ "100.128.0.1", 0 },
		{ "172.15.0.1", 0 },
		{ "172.31.255.1", 1 },
		{ "255.255.255.255", 1 },
		{ "2a00:1450::1", 0 },
		{ "::", 1 },
		{ "::1", 1 },
		{ "::10.0.0.1", 1 },		/* IPv4-compatible */
		{ "::8.8.8.8", 1 },
		{ "::ffff:10.0.0.1", 1 },
		{ "::ffff:8.8.8.8", 0 },
		{ "::ffff:0:10.0.0.1", 1 },	/* SIIT */
		{ "64:ff9b::10.0.0.1", 1 },	/* NAT64 to an inside host */
		{ "64:ff9b::127.0.0.1", 1 },
		{ "64:ff9b::8.8.8.8", 0 },	/* NAT64 to the world: fine */
		{ "64:ff9b:1::8.8.8.8", 1 },	/* local-use NAT64 */
		{ "2002:0a00:0001::1", 1 },	/* 6to4 of 10.0.0.1 */
		{ "2002:c0a8:0101::1", 1 },	/* 6to4 of 192.168.1.1 */
		{ "2002:0808:0808::1", 0 },	/* 6to4 of 8.8.8.8 */
		{ "2001:0::1", 1 },		/* Teredo */
		{ "2001:db8::25", 1 },
		{ "3fff::1", 1 },
		{ "fec0::1", 1 },
		{ "fe80::1", 1 },
		{ "fd00::1", 1 },
		{ "ff02::1", 1 },
		{ "100::1", 1 },
	};
	uint8_t		 a[16];
	size_t		 i;
	int		 fam;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fam = strchr(rows[i].ip, ':') != NULL ? 6 : 4;
		T_CHECKF(inet_pton(fam == 6 ? AF_INET6 : AF_INET, rows[i].ip,
		    a) == 1, "%s", rows[i].ip);
		T_CHECKF(mx_addr_private(fam, a) == rows[i].priv, "%s: want %d",
		    rows[i].ip, rows[i].priv);
	}
}

static const char *
fmt1(enum out_fmt f, const char *addr, const char *text)
{
	static char	 mem[OUT_LINE_MAX];
	struct result	 r;
	size_t		 n;

	memset(&r, 0, sizeof(r));
	r.catch_all = -1;
	r.addr_len = (uint16_t)strlen(addr);
	memcpy(r.addr, addr, r.addr_len);
	r.verdict = V_UNDELIVERABLE;
	r.reason = R_MAILBOX_MISSING;
	r.code = 550;
	snprintf(r.text, sizeof(r.text), "%s", text);
	n = out_format(f, &r, mem, sizeof(mem) - 1);
	mem[n] = '\0';
	return mem;
}

void
test_outesc(void)
{
	/* C1 controls (as UTF-8 and raw) and invalid UTF-8: escaped */
	T_CHECK(strstr(fmt1(OUT_TEXT, "a@b.test", "x\xc2\x9b" "31my"),
	    "x\\xc2\\x9b31my") != NULL);
	T_CHECK(strstr(fmt1(OUT_TEXT, "a@b.test", "x\x9b" "31my"),
	    "x\\x9b31my") != NULL);
	T_CHECK(strstr(fmt1(OUT_TEXT, "a\xff@b.test", ""), "a\\xff@b.test") !=
	    NULL);
	/* valid UTF-8 passes, NBSP (C2 A0) and é included */
	T_CHECK(strstr(fmt1(OUT_TEXT, "a@b.test", "caf\xc3\xa9\xc2\xa0!"),
	    "caf\xc3\xa9\xc2\xa0!") != NULL);
	T_CHECK(strstr(fmt1(OUT_CSV, "a@b.test", "x\xc2\x85y"),
	    "x\\xc2\\x85y") != NULL);
	T_CHECK(strstr(fmt1(OUT_JSON, "a@b.test", "x\xc2\x9by"),
	    "x\\u009by") != NULL);
	/* CSV formula injection: a leading ' and quotes (OWASP) */
	T_CHECK(strncmp(fmt1(OUT_CSV, "=1+2@b.test", ""),
	    "\"'=1+2@b.test\",", 15) == 0);
	T_CHECK(strstr(fmt1(OUT_CSV, "a@b.test", "@SUM(A1)"),
	    ",\"'@SUM(A1)\",") != NULL);
	T_CHECK(strstr(fmt1(OUT_CSV, "a@b.test", "-2+3"), ",\"'-2+3\",") !=
	    NULL);
	T_CHECK(strstr(fmt1(OUT_CSV, "a@b.test", "+x"), ",\"'+x\",") != NULL);
	T_CHECK(strncmp(fmt1(OUT_CSV, "a@b.test", ""), "a@b.test,", 9) == 0);
}

static void
write_file(const char *path, const char *s, mode_t mode)
{
	FILE	*f = fopen(path, "w");

	if (f != NULL) {
		fputs(s, f);
		fclose(f);
	}
	chmod(path, mode);
}

void
test_cachefile(void)
{
	char			 path[] = "/tmp/mxp-unit-cache.XXXXXX";
	char			 text[512];
	const struct cache_ent	*e;
	int			 fd;
	int64_t			 now = 1000, wall = 1700000000;

	fd = mkstemp(path);
	T_CHECK(fd >= 0);
	close(fd);
	T_CHECK(cache_init(16) == 0);
	cache_ttls(60000, 30000, 10000);
	/* verdict 0 with mailbox_missing; expiries 2286 and INT64_MAX */
	snprintf(text, sizeof(text), "mxprobe-cache 1\n"
	    "9999999999 0 %d 550 5.1.1 -1 - a@x.test no such user\n"
	    "9223372036854775807 0 %d 250 - -1 - b@x.test ok\n"
	    "9999999999 0 %d 250 - -1 - not-an-address ok\n",
	    R_MAILBOX_MISSING, R_ACCEPTED, R_ACCEPTED);
	write_file(path, text, 0600);
	T_CHECK(cache_load(path, now, wall) == 0);
	e = cache_get("a@x.test", 8, now);
	T_CHECK(e != NULL && e->verdict == V_UNDELIVERABLE);
	T_CHECK(e != NULL && e->expires == now + 30000);
	e = cache_get("b@x.test", 8, now);
	T_CHECK(e != NULL && e->verdict == V_DELIVERABLE);
	T_CHECK(e != NULL && e->expires == now + 60000);
	T_CHECK(cache_get("not-an-address", 14, now) == NULL);
	/* others may write it: not trusted */
	cache_clear();
	write_file(path, text, 0666);
	errno = 0;
	T_CHECK(cache_load(path, now, wall) == -1 && errno == EPERM);
	T_CHECK(cache_get("a@x.test", 8, now) == NULL);
	/* a symbolic link is not followed */
	chmod(path, 0600);
	{
		char	 link[64];

		snprintf(link, sizeof(link), "%s.lnk", path);
		T_CHECK(symlink(path, link) == 0);
		T_CHECK(cache_load(link, now, wall) == -1);
		unlink(link);
	}
	unlink(path);
	cache_clear();
}
