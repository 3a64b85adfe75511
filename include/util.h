/*
 * util.h - bounded buffers, messages, the clock.
 *
 * mxprobe does not use printf: the float formatter would come with it
 * (MIPS routers have no FPU), and a bounded append that reports
 * truncation is all the formatting the program needs.
 */
#ifndef MXP_UTIL_H
#define MXP_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* exit statuses (docs/mxprobe.1, EXIT STATUS) */
#define EXIT_DELIVERABLE	0
#define EXIT_UNDELIVERABLE	1
#define EXIT_RISKY		2
#define EXIT_UNKNOWN		3
#define EXIT_USAGE		64	/* sysexits EX_USAGE */
#define EXIT_INTERNAL		70	/* sysexits EX_SOFTWARE */
#define EXIT_IOERR		74	/* sysexits EX_IOERR */

#define MXP_ASSERT(x) do {						\
	if (!(x)) {							\
		util_assert_fail(__FILE__, __LINE__, #x);		\
	}								\
} while (0)

#define MXP_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A caller-owned byte buffer.  Appends never write past cap; one that
 * does not fit sets trunc and appends nothing more, so a caller checks
 * trunc once at the end.  p is not NUL-terminated unless buf_nul() is
 * called (which needs one spare byte, counted in cap).
 */
struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 trunc;
};

void	buf_init(struct buf *b, char *mem, size_t cap);
void	buf_add(struct buf *b, const void *s, size_t n);
void	buf_adds(struct buf *b, const char *s);
void	buf_addc(struct buf *b, char c);
void	buf_addu(struct buf *b, uint64_t v);
void	buf_addi(struct buf *b, int64_t v);
/* NUL-terminate in place; returns b->p (the terminator is not in len) */
char	*buf_nul(struct buf *b);

/* s as a JSON string, quotes included: '"', '\\' and controls escaped
 * (mxprobe audit and selfcheck; out.c has its own for results) */
void	buf_json(struct buf *b, const char *s);

/* bounded copy; returns the length copied, truncating to cap - 1 */
size_t	str_copy(char *dst, size_t cap, const char *src, size_t n);

/*
 * A string literal's length comes from sizeof, never from counting by
 * hand (a miscounted length cuts a message or reads past it):
 * LIT_LEN("text") is its length without the NUL, STR_COPY_LIT(dst, cap,
 * "text") str_copy()s it.  The "" around lit makes anything but a
 * literal (a pointer, whose sizeof is not its length) fail to compile.
 */
#define LIT_LEN(lit)	(sizeof("" lit "") - 1)
#define STR_COPY_LIT(dst, cap, lit) \
	str_copy((dst), (cap), "" lit "", LIT_LEN(lit))

/* milliseconds on the monotonic clock */
int64_t	now_ms(void);

/* write all of s to fd, retrying on EINTR and short writes; 0 or -1 */
int	write_all(int fd, const void *s, size_t n);

/*
 * Messages to stderr, "mxprobe: " first.  The argument list is strings
 * ended by NULL.  die() exits with the given status: only start-up and
 * usage errors may use it.
 */
extern const char *util_progname;
void	msg(const char *s, ...);
void	die(int status, const char *s, ...);
void	util_assert_fail(const char *file, int line, const char *what);

/*
 * An IPv4 (family 4, 4 bytes) or IPv6 (6, 16 bytes) address as text:
 * dotted quad, or RFC 5952 (lower case, longest run of zero groups as
 * "::", IPv4-mapped as ::ffff:a.b.c.d).  out needs 46 bytes.  Written
 * here because libc's inet_ntop() brings printf (and float formatting,
 * which MIPS routers cannot run) into the static binary.
 */
void	ip_text(int family, const uint8_t *a, char *out, size_t cap);

/*
 * xorshift64* (Vigna): 32 random bits from *state, which must not be 0.
 * For choices that need no secrecy's strength but must replay under
 * --seed: MX shuffling, catch-all probe names.
 */
uint32_t util_rand(uint64_t *state);

/* ASCII lower case of c (an unsigned char value); other bytes as they are */
int	util_lc(int c);

/*
 * 1 if s[0..n) is the word w, ignoring ASCII case (w is lower case and
 * NUL-terminated; s need not be), else 0.  For record tags (SPF, DMARC).
 */
int	util_eq_lc(const char *s, size_t n, const char *w);

/* 1 if fd is a regular file (a list that can be read twice), else 0 */
int	util_is_regular(int fd);

/*
 * 1 if want is one of the n addresses at addrs (family 4: 4 bytes each,
 * 6: 16 bytes each, as udns's A and AAAA answers hold them), else 0.  The
 * check of forward-confirmed reverse DNS.
 */
int	util_addr_in(int family, const void *addrs, int n, const void *want);

/* decimal parsing with bounds; 0 on success, -1 on garbage or range */
int	parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
