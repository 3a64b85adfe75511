/*
 * fuzz_addr.c - libFuzzer target for addr_parse().
 *
 * Feeds the raw input (any bytes, NUL included) to addr_parse() and, when
 * it says ADDR_OK, checks what the SMTP command builder relies on: no
 * byte below 0x20, no DEL, no space or "@" outside the quoted local part,
 * lengths within RFC 5321 4.5.3.1, NUL-terminated outputs whose lengths
 * match, a lower-case ASCII domain (or a literal in brackets), and that
 * the wire form parses again to the same domain.  Any parse must also
 * return a reason with a token.  A failed check aborts.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -iquote include
 *        src/addr.c src/punycode.c tests/fuzz/fuzz_addr.c
 * Seeds: tests/fuzz/corpus/addr/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* an abort() that also works in builds with NDEBUG */
#define FZ_CHECK(x) do {						\
	if (!(x)) {							\
		abort();						\
	}								\
} while (0)

static void
fz_check_ok(const struct addr *a)
{
	struct addr	b;
	char		buf[ADDR_LOCAL_MAX + 1 + ADDR_DOMAIN_MAX + 1];
	size_t		i, n;
	int		quoted = (a->flags & ADDR_F_QUOTED) != 0;

	FZ_CHECK(a->local_len > 0 && a->local_len <= ADDR_LOCAL_MAX);
	FZ_CHECK(a->local[a->local_len] == '\0');
	FZ_CHECK(strlen(a->local) == a->local_len);
	FZ_CHECK(a->domain_len > 0 && a->domain_len <= ADDR_DOMAIN_MAX);
	FZ_CHECK(a->domain[a->domain_len] == '\0');
	FZ_CHECK(strlen(a->domain) == a->domain_len);
	FZ_CHECK(a->local_len + a->domain_len + 3 <= ADDR_PATH_MAX);
	FZ_CHECK(quoted == (a->local[0] == '"'));

	for (i = 0; i < a->local_len; i++) {
		unsigned char	c = (unsigned char)a->local[i];

		FZ_CHECK(c >= 0x20 && c != 0x7F);
		if (!quoted) {
			FZ_CHECK(c != ' ' && c != '"' && c != '@' &&
			    c != '<' && c != '>' && c != '\\');
		}
		if (c >= 0x80) {
			FZ_CHECK(a->flags & ADDR_F_UTF8);
		}
	}
	for (i = 0; i < a->domain_len; i++) {
		unsigned char	c = (unsigned char)a->domain[i];

		FZ_CHECK(c > 0x20 && c < 0x7F && c != '@' && c != '<' &&
		    c != '>' && c != '"');
		if (!(a->flags & ADDR_F_LITERAL)) {
			FZ_CHECK((c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '.');
		}
	}
	if (a->flags & ADDR_F_LITERAL) {
		FZ_CHECK(a->domain[0] == '[' &&
		    a->domain[a->domain_len - 1] == ']');
	} else {
		FZ_CHECK(a->domain[0] != '.' && a->domain[0] != '-');
		FZ_CHECK(a->domain[a->domain_len - 1] != '.' &&
		    a->domain[a->domain_len - 1] != '-');
		FZ_CHECK(strstr(a->domain, "..") == NULL);
		FZ_CHECK(!(a->flags & ADDR_F_IPV6));
	}
	if (a->flags & ADDR_F_IPV6) {
		FZ_CHECK(a->flags & ADDR_F_LITERAL);
	}

	/* the wire form is itself a valid address with the same domain */
	n = 0;
	memcpy(buf, a->local, a->local_len);
	n += a->local_len;
	buf[n++] = '@';
	memcpy(buf + n, a->domain, a->domain_len);
	n += a->domain_len;
	FZ_CHECK(addr_parse(buf, n, &b) == ADDR_OK);
	FZ_CHECK(b.domain_len == a->domain_len &&
	    memcmp(b.domain, a->domain, a->domain_len) == 0);
	FZ_CHECK(b.local_len == a->local_len &&
	    memcmp(b.local, a->local, a->local_len) == 0);
	FZ_CHECK(b.flags == (a->flags & ~(unsigned)ADDR_F_IDN));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr	a;
	enum addr_err	r;

	r = addr_parse((const char *)data, size, &a);
	FZ_CHECK((unsigned)r < ADDR_E__COUNT && r != ADDR_E_TOO_LONG);
	FZ_CHECK(addr_err_token(r) != NULL && addr_err_text(r) != NULL);
	if (r == ADDR_OK) {
		/* a valid address never holds these, even in quotes */
		FZ_CHECK(memchr(data, '\0', size) == NULL);
		FZ_CHECK(memchr(data, '\r', size) == NULL);
		FZ_CHECK(memchr(data, '\n', size) == NULL);
		fz_check_ok(&a);
	}
	return 0;
}
