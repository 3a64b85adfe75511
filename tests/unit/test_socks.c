/*
 * test_socks.c - table-driven tests for the SOCKS 5 messages (socks.c):
 * proxy URLs, the three replies (whole, cut at every byte, hostile),
 * the builders, and that every reply code has a meaning.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "socks.h"
#include "t.h"
#include "verdict.h"

void	test_socks(void);

static const struct url_case {
	const char	*in;
	int		 ok;
	const char	*host;
	unsigned	 port;
	const char	*user, *pass;
} url_cases[] = {
	{ "socks5://127.0.0.1", 1, "127.0.0.1", 1080, NULL, NULL },
	{ "socks5://127.0.0.1:9050", 1, "127.0.0.1", 9050, NULL, NULL },
	{ "socks5h://proxy.example:1", 1, "proxy.example", 1, NULL, NULL },
	{ "socks5://[::1]:1081", 1, "::1", 1081, NULL, NULL },
	{ "socks5://[::1]", 1, "::1", 1080, NULL, NULL },
	{ "socks5://u:p@h", 1, "h", 1080, "u", "p" },
	{ "socks5://us%3Aer:p@ss@h:2", 1, "h", 2, "us:er", "p@ss" },
	{ "socks5://u:%41%62@h", 1, "h", 1080, "u", "Ab" },
	{ "socks4://h", 0, NULL, 0, NULL, NULL },
	{ "http://h:1", 0, NULL, 0, NULL, NULL },
	{ "socks5://", 0, NULL, 0, NULL, NULL },
	{ "socks5://h:", 0, NULL, 0, NULL, NULL },
	{ "socks5://h:0", 0, NULL, 0, NULL, NULL },
	{ "socks5://h:65536", 0, NULL, 0, NULL, NULL },
	{ "socks5://h:12x", 0, NULL, 0, NULL, NULL },
	{ "socks5://h/path", 0, NULL, 0, NULL, NULL },
	{ "socks5://[::1", 0, NULL, 0, NULL, NULL },
	{ "socks5://[::1]x", 0, NULL, 0, NULL, NULL },
	{ "socks5://u@h", 0, NULL, 0, NULL, NULL },
	{ "socks5://:p@h", 0, NULL, 0, NULL, NULL },
	{ "socks5://u:@h", 0, NULL, 0, NULL, NULL },
	{ "socks5://u:%4@h", 0, NULL, 0, NULL, NULL },
	{ "socks5://u:%zz@h", 0, NULL, 0, NULL, NULL },
	{ "socks5://h o", 0, NULL, 0, NULL, NULL },
	{ "socks5://h\r", 0, NULL, 0, NULL, NULL },
	{ NULL, 0, NULL, 0, NULL, NULL }
};

static void
urls(void)
{
	const struct url_case	*c;
	struct socks_url	 u;
	const char		*why;
	int			 rc;

	for (c = url_cases; c->in != NULL; c++) {
		why = NULL;
		rc = socks_url_parse(c->in, strlen(c->in), &u, &why);
		T_CHECKF((rc == 0) == c->ok, "%s", c->in);
		if (rc != 0) {
			T_CHECKF(why != NULL, "%s: no reason", c->in);
			continue;
		}
		T_STREQ(u.host, c->host);
		T_INTEQ(u.port, c->port);
		T_INTEQ(u.auth, c->user != NULL);
		if (c->user != NULL) {
			T_CHECKF(u.ulen == strlen(c->user) &&
			    memcmp(u.user, c->user, u.ulen) == 0, "%s", c->in);
			T_CHECKF(u.plen == strlen(c->pass) &&
			    memcmp(u.pass, c->pass, u.plen) == 0, "%s", c->in);
		}
	}
	{
		/* 256-octet user name: refused */
		char	 big[300];

		memcpy(big, "socks5://", 9);
		memset(big + 9, 'a', 256);
		memcpy(big + 265, ":p@h", 5);
		T_INTEQ(socks_url_parse(big, strlen(big), &u, &why), -1);
	}
}

enum kind { K_HELLO, K_HELLO_AUTH, K_AUTH, K_CONN };

static const struct reply_case {
	enum kind	 kind;
	const char	*in;
	size_t		 len;
	enum socks_rc	 rc;
	size_t		 need;		/* on OK: the message length */
	unsigned	 val;		/* method, status or REP */
	unsigned	 family;	/* CONNECT: BND family */
} reply_cases[] = {
#define R(k, s, rc, need, val, fam) { k, s, sizeof(s) - 1, rc, need, val, fam }
	R(K_HELLO, "\5\0", SOCKS_OK, 2, 0, 0),
	R(K_HELLO, "\5\377", SOCKS_OK, 2, 0xff, 0),
	R(K_HELLO, "\5\2", SOCKS_E_METHOD, 2, 0, 0),
	R(K_HELLO_AUTH, "\5\2", SOCKS_OK, 2, 2, 0),
	R(K_HELLO, "\5\1", SOCKS_E_METHOD, 2, 0, 0),
	R(K_HELLO, "\4\0", SOCKS_E_VERSION, 2, 0, 0),
	R(K_HELLO, "\4", SOCKS_E_VERSION, 2, 0, 0),
	R(K_HELLO, "HTTP/1.0 400", SOCKS_E_VERSION, 2, 0, 0),
	R(K_AUTH, "\1\0", SOCKS_OK, 2, 0, 0),
	R(K_AUTH, "\1\1", SOCKS_OK, 2, 1, 0),
	R(K_AUTH, "\5\0", SOCKS_OK, 2, 0, 0),
	R(K_AUTH, "\2\0", SOCKS_E_VERSION, 2, 0, 0),
	R(K_CONN, "\5\0\0\1\300\0\2\1\0\31", SOCKS_OK, 10, 0, 4),
	R(K_CONN, "\5\5\0\1\0\0\0\0\0\31", SOCKS_OK, 10, 5, 4),
	R(K_CONN, "\5\0\0\4" "0123456789abcdef" "\0\31", SOCKS_OK, 22, 0, 6),
	R(K_CONN, "\5\0\0\3\3abc\0\31", SOCKS_OK, 10, 0, 0),
	R(K_CONN, "\5\0\0\3\0\0\31", SOCKS_OK, 7, 0, 0),
	R(K_CONN, "\5\0\0\11\0\0\0\0\0\0", SOCKS_E_ATYP, 5, 0, 0),
	R(K_CONN, "\5\0\0\0", SOCKS_E_ATYP, 5, 0, 0),
	R(K_CONN, "\4\0\0\1\0\0\0\0\0\0", SOCKS_E_VERSION, 5, 0, 0),
	R(K_CONN, "\0", SOCKS_E_VERSION, 5, 0, 0),
	/* the SMTP banner right after a reply is never consumed */
	R(K_CONN, "\5\0\0\1\1\2\3\4\0\31" "220 hi\r\n", SOCKS_OK, 10, 0, 4),
#undef R
	{ K_HELLO, NULL, 0, SOCKS_OK, 0, 0, 0 }
};

static enum socks_rc
feed(const struct reply_case *c, size_t n, size_t *need, unsigned *val,
    struct socks_bound *b)
{
	const uint8_t	*p = (const uint8_t *)c->in;
	uint8_t		 v = 0;
	enum socks_rc	 rc;

	switch (c->kind) {
	case K_HELLO:
	case K_HELLO_AUTH:
		rc = socks_hello_reply(p, n, c->kind == K_HELLO_AUTH, need, &v);
		break;
	case K_AUTH:
		rc = socks_auth_reply(p, n, need, &v);
		break;
	default:
		rc = socks_connect_reply(p, n, need, &v, b);
		break;
	}
	*val = v;
	return rc;
}

static void
replies(void)
{
	const struct reply_case	*c;
	struct socks_bound	 b;
	enum socks_rc		 rc;
	size_t			 need, n;
	unsigned		 val;

	for (c = reply_cases; c->in != NULL; c++) {
		rc = feed(c, c->len, &need, &val, &b);
		T_CHECKF(rc == c->rc, "row %d: rc %d want %d",
		    (int)(c - reply_cases), rc, c->rc);
		if (rc != SOCKS_OK) {
			continue;
		}
		T_CHECKF(need == c->need, "row %d: need %zu",
		    (int)(c - reply_cases), need);
		T_CHECKF(val == c->val, "row %d: val %u",
		    (int)(c - reply_cases), val);
		if (c->kind == K_CONN) {
			T_INTEQ(b.family, c->family);
			T_INTEQ(b.port, 25);
		}
		/*
		 * Read the way the session does: exactly what need says,
		 * one byte at a time; never past the message.
		 */
		n = 0;
		for (;;) {
			rc = feed(c, n, &need, &val, &b);
			if (rc != SOCKS_MORE) {
				break;
			}
			T_CHECKF(need > n && need <= c->need, "row %d at %zu",
			    (int)(c - reply_cases), n);
			n++;
		}
		T_CHECKF(rc == SOCKS_OK && n == c->need, "row %d cut",
		    (int)(c - reply_cases));
	}
}

static void
builders(void)
{
	uint8_t			 out[SOCKS_REQ_MAX];
	struct socks_url	 u;
	const char		*why;
	static const uint8_t	 v4[4] = { 192, 0, 2, 1 };
	static const uint8_t	 v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	T_INTEQ(socks_hello(out, sizeof(out), 0), 3);
	T_CHECK(memcmp(out, "\5\1\0", 3) == 0);
	T_INTEQ(socks_hello(out, sizeof(out), 1), 4);
	T_CHECK(memcmp(out, "\5\2\0\2", 4) == 0);
	T_INTEQ(socks_hello(out, 3, 1), 0);
	T_INTEQ(socks_connect(out, sizeof(out), 4, v4, 25), 10);
	T_CHECK(memcmp(out, "\5\1\0\1\300\0\2\1\0\31", 10) == 0);
	T_INTEQ(socks_connect(out, sizeof(out), 6, v6, 2525), 22);
	T_CHECK(out[3] == 4 && out[20] == 2525 >> 8 && out[21] == (2525 & 255));
	T_INTEQ(socks_connect(out, 9, 4, v4, 25), 0);
	T_INTEQ(socks_connect(out, sizeof(out), 5, v4, 25), 0);
	T_INTEQ(socks_url_parse("socks5://bob:s3cret@h", 21, &u, &why), 0);
	T_INTEQ(socks_auth(out, sizeof(out), &u), 12);
	T_CHECK(memcmp(out, "\1\3bob\6s3cret", 12) == 0);
	T_INTEQ(socks_auth(out, 11, &u), 0);
	T_INTEQ(socks_url_parse("socks5://h", 10, &u, &why), 0);
	T_INTEQ(socks_auth(out, sizeof(out), &u), 0);
}

static void
codes(void)
{
	unsigned		 rep;
	int			 reason;
	enum socks_scope	 scope;
	const char		*t;

	t = socks_rep_info(0, &reason, &scope);
	T_INTEQ(reason, R_NONE);
	for (rep = 1; rep < 256; rep++) {
		t = socks_rep_info((uint8_t)rep, &reason, &scope);
		T_CHECKF(t != NULL && t[0] != '\0', "code %u", rep);
		T_CHECKF(reason == R_CONNECT_FAILED || reason == R_PROXY_FAILED,
		    "code %u", rep);
	}
	t = socks_rep_info(5, &reason, &scope);
	T_STREQ(t, "connection refused by destination");
	T_INTEQ(reason, R_CONNECT_FAILED);
	T_INTEQ(scope, SOCKS_S_DEST);
	t = socks_rep_info(2, &reason, &scope);
	T_INTEQ(reason, R_PROXY_FAILED);
	t = socks_rep_info(7, &reason, &scope);
	T_INTEQ(scope, SOCKS_S_PROXY);
	T_STREQ(reason_token(R_PROXY_FAILED), "proxy_failed");
	T_INTEQ(reason_verdict(R_PROXY_FAILED), V_UNKNOWN);
	for (rep = 0; rep < SOCKS__COUNT + 1; rep++) {
		T_CHECK(socks_rc_text((enum socks_rc)rep) != NULL);
	}
}

void
test_socks(void)
{
	urls();
	replies();
	builders();
	codes();
}
