/*
 * fuzz_input.c - libFuzzer target for the line reader (input_next,
 * input_fill).
 *
 * Input: byte 0 picks the read sizes (bit 7: pieces of up to 4096
 * bytes, else up to 64; the sizes follow a generator seeded by bytes 0
 * and 1), byte 1 also says how often input_fill() is called when the
 * reader did not ask for it (after a line, on an empty pipe: EAGAIN);
 * the rest is the stream.  It goes through a non-blocking pipe, written
 * piece by piece, so the reader sees the reads the data chose.
 *
 * Every line that comes out is checked against a model that reads the
 * whole stream at once: same lines in the same order with the same line
 * numbers (increasing), at most INPUT_LINE_MAX bytes, too_long exactly
 * when the line (less the CR of its CRLF) is longer, and then full_len
 * over INPUT_LINE_MAX; the CR of a CRLF never at the end of a line; no
 * line lost or made up, and the reader ends with INPUT_EOF.  A failed
 * check aborts.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -iquote include
 *        src/input.c tests/fuzz/fuzz_input.c
 * Seeds: tests/fuzz/corpus/input/
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(x) do {						\
	if (!(x)) {							\
		abort();						\
	}								\
} while (0)

/* the model: the same rules as input.h, over the whole stream */
struct fz_model {
	const char	*s;
	size_t		 len;		/* stream left */
	uint64_t	 lineno;
};

static int
fz_blank(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] == '#') {
			return 1;
		}
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
			return 0;
		}
	}
	return 1;
}

/* next expected line: 1 found (*p, *n the whole line less its CR, *raw
 * its bytes before the LF), 0 none left */
static int
fz_expect(struct fz_model *m, const char **p, size_t *n, size_t *raw,
    uint64_t *lineno)
{
	const char	*nl;
	size_t		 k, look;

	while (m->len > 0) {
		nl = memchr(m->s, '\n', m->len);
		k = nl != NULL ? (size_t)(nl - m->s) : m->len;
		*p = m->s;
		*raw = k;
		m->s += k + (nl != NULL);
		m->len -= k + (nl != NULL);
		m->lineno++;
		*n = k > 0 && (*p)[k - 1] == '\r' ? k - 1 : k;
		/* an over-long line is judged by the bytes reported */
		look = *n > INPUT_LINE_MAX ? INPUT_LINE_MAX : *n;
		if (fz_blank(*p, look)) {
			continue;
		}
		*lineno = m->lineno;
		return 1;
	}
	return 0;
}

static uint32_t
fz_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input		 in;
	struct input_line	 l;
	struct fz_model		 m;
	enum input_rc		 rc;
	const char		*stream, *ep;
	size_t			 slen, wpos = 0, maxpiece, k, en, raw, spins = 0;
	uint64_t		 elineno, last = 0;
	uint32_t		 x;
	ssize_t			 w;
	int			 fds[2], extra, r;

	if (size < 2) {
		return 0;
	}
	maxpiece = (data[0] & 0x80) ? 4096 : 64;
	extra = data[1] & 7;		/* 0: never an unasked fill */
	x = 0x9e3779b9u ^ ((uint32_t)data[0] << 8) ^ data[1];
	stream = (const char *)data + 2;
	slen = size - 2;
	m.s = stream;
	m.len = slen;
	m.lineno = 0;

	FZ_CHECK(pipe(fds) == 0);
	FZ_CHECK(fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0);
	FZ_CHECK(fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0);
	FZ_CHECK(input_open_fd(&in, fds[0]) == 0);

	for (;;) {
		FZ_CHECK(++spins < 4 * slen + 1000);
		rc = input_next(&in, &l);
		if (rc == INPUT_LINE) {
			FZ_CHECK(fz_expect(&m, &ep, &en, &raw, &elineno));
			FZ_CHECK(l.lineno == elineno && l.lineno > last);
			last = l.lineno;
			FZ_CHECK(l.len <= INPUT_LINE_MAX);
			FZ_CHECK(l.too_long == (en > INPUT_LINE_MAX));
			if (l.too_long) {
				FZ_CHECK(l.len == INPUT_LINE_MAX);
				FZ_CHECK(l.full_len > INPUT_LINE_MAX &&
				    l.full_len <= raw);
			} else {
				/* en is the line less the CR of its CRLF:
				 * that CR is never left at the end */
				FZ_CHECK(l.len == en && l.full_len == en);
			}
			FZ_CHECK(memcmp(l.s, ep, l.len) == 0);
			if (extra != 0 && fz_rand(&x) % 8 < (uint32_t)extra) {
				/* a fill nobody asked for: never loses data */
				FZ_CHECK(input_fill(&in) >= 0);
			}
			continue;
		}
		if (rc == INPUT_EOF) {
			break;
		}
		FZ_CHECK(rc == INPUT_AGAIN);
		if (wpos < slen) {
			k = 1 + fz_rand(&x) % maxpiece;
			if (k > slen - wpos) {
				k = slen - wpos;
			}
			w = write(fds[1], stream + wpos, k);
			FZ_CHECK(w > 0 || (w < 0 && errno == EAGAIN));
			if (w > 0) {
				wpos += (size_t)w;
			}
			if (wpos == slen) {
				close(fds[1]);
				fds[1] = -1;
			}
		} else if (fds[1] >= 0) {
			close(fds[1]);
			fds[1] = -1;
		}
		r = input_fill(&in);
		FZ_CHECK(r >= 0);
		if (r == 0) {
			FZ_CHECK(wpos == slen && fds[1] < 0);
		}
	}
	/* nothing lost, nothing made up */
	FZ_CHECK(!fz_expect(&m, &ep, &en, &raw, &elineno));
	FZ_CHECK(wpos == slen);
	input_close(&in);
	close(fds[0]);
	if (fds[1] >= 0) {
		close(fds[1]);
	}
	return 0;
}
