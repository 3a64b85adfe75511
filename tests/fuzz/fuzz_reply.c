/*
 * fuzz_reply.c - libFuzzer target for reply_feed().
 *
 * Input: byte 0 sets the piece size (1 + byte % 64), bit 0 of byte 1
 * the EHLO flag, the rest is what the server sent.  The rest is fed in
 * pieces of that size, as the session would feed socket reads, and
 * every reply that comes out is checked: code 200..599, at least one
 * and at most REPLY_LINES_MAX lines, text and enhanced code
 * NUL-terminated within their arrays, an enhanced code of the reply's
 * class, capabilities only from a 2xx EHLO reply, *used within the
 * piece and never 0 on REPLY_DONE (so the loop ends).  The same bytes
 * fed in one piece must give the same replies in the same order (a
 * split never changes the result), and an error must stay put.  A
 * failed check aborts.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -iquote include
 *        src/reply.c tests/fuzz/fuzz_reply.c
 * Seeds: tests/fuzz/corpus/reply/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* an abort() that also works in builds with NDEBUG */
#define FZ_CHECK(x) do {						\
	if (!(x)) {							\
		abort();						\
	}								\
} while (0)

#define FZ_REPLIES	64	/* replies compared between the two runs */

struct fz_run {
	size_t		 n;		/* replies seen */
	enum reply_rc	 last;		/* MORE or ERROR at the end */
	enum reply_err	 err;
	size_t		 consumed;
	uint32_t	 sum[FZ_REPLIES];
};

static uint32_t
fz_hash(const struct reply *r)
{
	const unsigned char	*s;
	uint32_t		 h = 2166136261u;

	h = (h ^ r->code) * 16777619u;
	h = (h ^ r->nlines) * 16777619u;
	h = (h ^ r->caps) * 16777619u;
	h = (h ^ (uint32_t)r->size) * 16777619u;
	for (s = (const unsigned char *)r->ecode; *s != '\0'; s++) {
		h = (h ^ *s) * 16777619u;
	}
	h = (h ^ 0xff) * 16777619u;
	for (s = (const unsigned char *)r->text; *s != '\0'; s++) {
		h = (h ^ *s) * 16777619u;
	}
	return h;
}

static void
fz_check_reply(const struct reply *r, int ehlo)
{
	size_t	 n;

	FZ_CHECK(r->code >= 200 && r->code <= 599);
	FZ_CHECK(r->nlines >= 1 && r->nlines <= REPLY_LINES_MAX);
	n = strnlen(r->text, sizeof(r->text));
	FZ_CHECK(n <= REPLY_TEXT_MAX);
	FZ_CHECK(memchr(r->text, '\n', n) == NULL);
	n = strnlen(r->ecode, sizeof(r->ecode));
	FZ_CHECK(n < sizeof(r->ecode));
	if (n > 0) {
		FZ_CHECK(n >= 5 && r->ecode[0] == (char)('0' + r->code / 100));
		FZ_CHECK(r->ecode[1] == '.');
	}
	if (!ehlo || r->code / 100 != 2 || r->nlines < 2) {
		FZ_CHECK(r->caps == 0 && r->size == 0);
	}
	if (r->size != 0) {
		FZ_CHECK(r->caps & CAP_SIZE);
	}
}

static void
fz_run(const char *buf, size_t len, size_t piece, int ehlo,
    struct fz_run *run)
{
	struct reply_parser	 p;
	struct reply		 r;
	enum reply_rc		 rc = REPLY_MORE;
	size_t			 off = 0, n, used;

	memset(run, 0, sizeof(*run));
	reply_init(&p, ehlo);
	while (off < len && rc != REPLY_ERROR) {
		n = len - off < piece ? len - off : piece;
		while (n > 0) {
			used = (size_t)-1;
			rc = reply_feed(&p, buf + off, n, &used, &r);
			FZ_CHECK(used <= n);
			run->consumed += used;
			off += used;
			n -= used;
			if (rc == REPLY_MORE) {
				FZ_CHECK(n == 0);
				FZ_CHECK(p.len < REPLY_LINE_MAX);
			} else if (rc == REPLY_DONE) {
				FZ_CHECK(used > 0);
				FZ_CHECK(p.len == 0);
				fz_check_reply(&r, ehlo);
				if (run->n < FZ_REPLIES) {
					run->sum[run->n] = fz_hash(&r);
				}
				run->n++;
			} else {
				FZ_CHECK(rc == REPLY_ERROR);
				FZ_CHECK(used > 0);
				FZ_CHECK(p.err != REPLY_OK);
				FZ_CHECK(reply_err_token(p.err) != NULL);
				break;
			}
		}
	}
	run->last = rc == REPLY_DONE ? REPLY_MORE : rc;
	run->err = p.err;
	if (rc == REPLY_ERROR) {
		/* sticky: consumes nothing more */
		FZ_CHECK(reply_feed(&p, "250 OK\r\n", 8, &used, &r) ==
		    REPLY_ERROR && used == 0);
	} else {
		FZ_CHECK(run->consumed == len);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_run	 a, b;
	size_t		 piece, i;
	int		 ehlo;

	if (size < 2) {
		return 0;
	}
	piece = 1 + data[0] % 64;
	ehlo = data[1] & 1;
	fz_run((const char *)data + 2, size - 2, piece, ehlo, &a);
	fz_run((const char *)data + 2, size - 2, size, ehlo, &b);
	FZ_CHECK(a.n == b.n && a.last == b.last && a.err == b.err);
	FZ_CHECK(a.consumed == b.consumed);
	for (i = 0; i < a.n && i < FZ_REPLIES; i++) {
		FZ_CHECK(a.sum[i] == b.sum[i]);
	}
	return 0;
}
