/*
 * util.c - bounded buffers, messages, the monotonic clock.
 *
 * Invariant of struct buf: len <= cap always; once trunc is set the
 * buffer does not change until it is reset by buf_init().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

const char *util_progname = "mxprobe";

void
buf_init(struct buf *b, char *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->trunc = 0;
}

void
buf_add(struct buf *b, const void *s, size_t n)
{
	if (b->trunc || n > b->cap - b->len) {
		b->trunc = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	if (b->trunc || b->len == b->cap) {
		b->trunc = 1;
		return;
	}
	b->p[b->len++] = c;
}

void
buf_addu(struct buf *b, uint64_t v)
{
	char	 tmp[20];
	size_t	 i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	buf_add(b, tmp + i, sizeof(tmp) - i);
}

void
buf_addi(struct buf *b, int64_t v)
{
	if (v < 0) {
		buf_addc(b, '-');
		buf_addu(b, (uint64_t)0 - (uint64_t)v);
	} else {
		buf_addu(b, (uint64_t)v);
	}
}

char *
buf_nul(struct buf *b)
{
	if (b->len < b->cap) {
		b->p[b->len] = '\0';
	} else if (b->cap > 0) {
		b->trunc = 1;
		b->p[--b->len] = '\0';
	}
	return b->p;
}

/* see util.h */
void
buf_json(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)c);
		} else if (c < 0x20 || c == 0x7f) {
			buf_adds(b, "\\u00");
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		} else {
			buf_addc(b, (char)c);
		}
	}
	buf_addc(b, '"');
}

size_t
str_copy(char *dst, size_t cap, const char *src, size_t n)
{
	if (cap == 0) {
		return 0;
	}
	if (n > cap - 1) {
		n = cap - 1;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
write_all(int fd, const void *s, size_t n)
{
	const char	*p = s;
	ssize_t		 w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
vmsg(const char *s, va_list ap)
{
	char		 mem[1024];
	struct buf	 b;

	buf_init(&b, mem, sizeof(mem) - 1);
	buf_adds(&b, util_progname);
	buf_adds(&b, ": ");
	for (; s != NULL; s = va_arg(ap, const char *)) {
		buf_adds(&b, s);
	}
	if (b.trunc) {
		b.trunc = 0;
		b.len = b.cap - 4;
		buf_adds(&b, "...");
	}
	b.cap++;
	buf_addc(&b, '\n');
	(void)write_all(2, b.p, b.len);
}

void
msg(const char *s, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, s);
	vmsg(s, ap);
	va_end(ap);
	errno = saved;
}

void
die(int status, const char *s, ...)
{
	va_list	 ap;

	va_start(ap, s);
	vmsg(s, ap);
	va_end(ap);
	exit(status);
}

void
util_assert_fail(const char *file, int line, const char *what)
{
	char		 mem[32];
	struct buf	 b;

	buf_init(&b, mem, sizeof(mem) - 1);
	buf_addi(&b, line);
	msg("internal error: assertion failed at ", file, ":", buf_nul(&b),
	    ": ", what, NULL);
	abort();
}

int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t	 v = 0;

	if (s == NULL || *s == '\0') {
		return -1;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9') {
			return -1;
		}
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10) {
			return -1;
		}
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < min || v > max) {
		return -1;
	}
	*out = v;
	return 0;
}

/* see util.h */
void
ip_text(int family, const uint8_t *a, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	struct buf	 b;
	unsigned	 g[8], i, best = 8, bestn = 0, run, n;

	buf_init(&b, out, cap - 1);
	if (family == 4) {
		for (i = 0; i < 4; i++) {
			if (i > 0) {
				buf_addc(&b, '.');
			}
			buf_addu(&b, a[i]);
		}
		buf_nul(&b);
		return;
	}
	for (i = 0; i < 8; i++) {
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	}
	if (g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 &&
	    g[5] == 0xffff) {
		buf_adds(&b, "::ffff:");
		ip_text(4, a + 12, b.p + b.len, cap - b.len);
		return;
	}
	/* RFC 5952 4.2: the longest run of two or more zero groups */
	for (i = 0; i < 8; i += run > 0 ? run : 1) {
		for (run = 0; i + run < 8 && g[i + run] == 0; run++) {
			continue;
		}
		if (run >= 2 && run > bestn) {
			best = i;
			bestn = run;
		}
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			buf_adds(&b, "::");
			i += bestn - 1;
			continue;
		}
		if (i > 0 && i != best + bestn) {
			buf_addc(&b, ':');
		}
		for (n = 12;; n -= 4) {
			if ((g[i] >> n) != 0 || n == 0) {
				break;
			}
		}
		for (;; n -= 4) {
			buf_addc(&b, hex[(g[i] >> n) & 15]);
			if (n == 0) {
				break;
			}
		}
	}
	buf_nul(&b);
}

/* see util.h */
int
util_lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* see util.h */
int
util_eq_lc(const char *s, size_t n, const char *w)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (w[i] == '\0' || util_lc((unsigned char)s[i]) != w[i]) {
			return 0;
		}
	}
	return w[n] == '\0';
}

/* see util.h */
int
util_is_regular(int fd)
{
	struct stat	 st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* see util.h */
int
util_addr_in(int family, const void *addrs, int n, const void *want)
{
	size_t	 len = family == 4 ? 4 : 16;
	int	 i;

	for (i = 0; i < n; i++) {
		if (memcmp((const char *)addrs + (size_t)i * len, want,
		    len) == 0) {
			return 1;
		}
	}
	return 0;
}

/* see util.h */
uint32_t
util_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545F4914F6CDD1DULL) >> 32);
}
