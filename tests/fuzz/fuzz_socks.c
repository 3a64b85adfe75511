/*
 * fuzz_socks.c - libFuzzer target for the SOCKS 5 parsers (socks.c).
 *
 * Input: byte 0 picks the parser (0 method reply, 1 method reply with
 * user/password offered, 2 user/password reply, 3 CONNECT reply, 4 the
 * proxy URL), the rest is what the proxy sent (or the URL).  Replies are
 * read the way the session reads them: exactly the bytes the parser
 * asks for, never more.  Checked: *need grows, stays within
 * SOCKS_REPLY_MAX and is never below what was read; an OK message is
 * exactly *need bytes; every reply code has a meaning; a parsed URL has
 * a NUL-terminated host, a port and credentials within their lengths.
 * A failed check aborts.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -iquote include
 *        src/socks.c src/verdict.c tests/fuzz/fuzz_socks.c
 * Seeds: tests/fuzz/corpus/socks/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "socks.h"
#include "verdict.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(x) do {						\
	if (!(x)) {							\
		abort();						\
	}								\
} while (0)

static void
fz_url(const uint8_t *p, size_t n)
{
	struct socks_url	 u;
	const char		*why = NULL;

	if (socks_url_parse((const char *)p, n, &u, &why) != 0) {
		FZ_CHECK(why != NULL);
		return;
	}
	FZ_CHECK(strnlen(u.host, sizeof(u.host)) < sizeof(u.host));
	FZ_CHECK(u.host[0] != '\0' && u.port != 0);
	FZ_CHECK(!u.auth || (u.ulen > 0 && u.plen > 0));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t			 buf[SOCKS_REPLY_MAX];
	struct socks_bound	 b;
	enum socks_rc		 rc = SOCKS_MORE;
	enum socks_scope	 scope;
	size_t			 have = 0, need = 0, prev = 0, off;
	uint8_t			 v = 0;
	int			 kind, reason;

	if (size < 1) {
		return 0;
	}
	kind = data[0] % 5;
	if (kind == 4) {
		fz_url(data + 1, size - 1);
		return 0;
	}
	off = 1;
	for (;;) {
		switch (kind) {
		case 0:
		case 1:
			rc = socks_hello_reply(buf, have, kind, &need, &v);
			break;
		case 2:
			rc = socks_auth_reply(buf, have, &need, &v);
			break;
		default:
			rc = socks_connect_reply(buf, have, &need, &v, &b);
			break;
		}
		FZ_CHECK(need <= SOCKS_REPLY_MAX && need >= prev);
		prev = need;
		if (rc != SOCKS_MORE) {
			break;
		}
		FZ_CHECK(need > have);
		if (off == size) {
			return 0;	/* truncated: the session waits */
		}
		buf[have++] = data[off++];	/* one byte per read */
	}
	FZ_CHECK(rc < SOCKS__COUNT && socks_rc_text(rc) != NULL);
	if (rc == SOCKS_OK) {
		FZ_CHECK(have == need);
		if (kind == 3) {
			const char *t = socks_rep_info(v, &reason, &scope);

			FZ_CHECK(t != NULL);
			FZ_CHECK(v == 0 ? reason == R_NONE :
			    reason == R_CONNECT_FAILED ||
			    reason == R_PROXY_FAILED);
			FZ_CHECK(b.family == 0 || b.family == 4 ||
			    b.family == 6);
		}
	}
	return 0;
}
