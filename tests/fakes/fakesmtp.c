/*
 * fakesmtp: a scripted SMTP server for mxprobe's tests.
 *
 * It reads a scenario file that describes several mail hosts, binds each
 * one on its own loopback address (all on the same port), answers SMTP
 * the way the scenario says and writes a transcript of everything that
 * happened, so that tests can assert on what the client sent.  See
 * fakesmtp.md for the scenario language and the transcript format.
 *
 * Design:
 * - One thread, one poll() loop, non-blocking sockets.  Time-driven work
 *   (reply delays, drip-feeding, endless replies) goes through a min-heap
 *   of wake-up times with lazy deletion: each connection has one wake
 *   time; heap entries that no longer match it are ignored when popped.
 * - A connection answers one command at a time, in order: the next
 *   command is taken from the input buffer only once the previous reply
 *   has been queued.  Pipelined input (RFC 2920) therefore gets its
 *   replies in order, each after its own delay.
 * - Input is bounded (IN_CAP bytes per line, RFC 5321 4.5.3.1.4 says 512;
 *   we accept up to 4096 and flag anything over 512).  Output is bounded
 *   by a high-water mark: above it no further command is processed.
 * - Unlike mxprobe itself this test tool allocates per connection; it is
 *   simple and the memory is bounded by the connection count.
 * - Everything the client sends is logged before it is acted on; every
 *   violation of the rules mxprobe promises to follow (never DATA, CRLF
 *   only, no pipelining unless advertised...) is logged with a "!".
 *
 * C99 + POSIX.1-2008.  The only Linux-specific item is POLLRDHUP, used to
 * notice that a client went away from a connection we never read from.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#if defined(__linux__) && !defined(POLLRDHUP)
#define POLLRDHUP	0x2000	/* Linux value; glibc hides it without _GNU_SOURCE */
#endif
#ifndef POLLRDHUP
#define POLLRDHUP	0	/* elsewhere: never read means never notice EOF */
#endif

#define IN_CAP		4096		/* longest command line we buffer */
#define SMTP_CMD_MAX	512		/* RFC 5321 4.5.3.1.4, incl. CRLF */
#define OUT_HIGH	(256 * 1024)	/* stop answering above this backlog */
#define ENDLESS_MS	10		/* one "endless" line this often */
#define ENDLESS_HIGH	(64 * 1024)	/* ...unless this much is unsent */
#define REPLY_MAX	16384		/* one expanded reply, all lines */
#define MAX_CAPS	32		/* EHLO keywords per host */
#define LONG_LINE_MAX	(16L * 1024 * 1024)
#define MANY_LINES_MAX	1000000L
#define GREY_BUCKETS	4096
#define LISTEN_BACKLOG	4096
#define BIND_TRIES	20		/* port 0: retries if a later bind fails */

/* Exit codes, sysexits style as in mxprobe. */
#define EX_USAGE_	64
#define EX_SOFT_	70

/* ------------------------------------------------------------------ */
/* Stages                                                               */

enum stage {
	STG_BANNER, STG_EHLO, STG_HELO, STG_MAIL, STG_RCPT, STG_RSET,
	STG_QUIT, STG_STARTTLS, STG_DATA, STG_NOOP, STG_OTHER,
	STG__COUNT
};

/*
 * One row per stage: its name in scenarios and transcripts, the command
 * verb that selects it and the default reply.  "%h" is the host name,
 * "%a" the address argument of the command.
 */
static const struct {
	const char	*name;
	const char	*verb;
	const char	*reply;
	int		 ends_group;	/* RFC 2920 3.1: must be last in a batch */
} stage_info[STG__COUNT] = {
	[STG_BANNER]	= { "banner",	NULL,	"220 %h ESMTP fakesmtp", 0 },
	[STG_EHLO]	= { "ehlo",	"EHLO",	"250 %h", 1 },
	[STG_HELO]	= { "helo",	"HELO",	"250 %h", 1 },
	[STG_MAIL]	= { "mail",	"MAIL",	"250 2.1.0 Ok", 0 },
	[STG_RCPT]	= { "rcpt",	"RCPT",	"250 2.1.5 Ok", 0 },
	[STG_RSET]	= { "rset",	"RSET",	"250 2.0.0 Ok", 0 },
	[STG_QUIT]	= { "quit",	"QUIT",	"221 2.0.0 Bye", 1 },
	[STG_STARTTLS]	= { "starttls",	"STARTTLS",
	    "454 4.7.0 TLS not available", 1 },
	[STG_DATA]	= { "data",	"DATA",
	    "554 5.5.1 Error: DATA is never expected from mxprobe", 1 },
	[STG_NOOP]	= { "noop",	"NOOP",	"250 2.0.0 Ok", 1 },
	[STG_OTHER]	= { "other",	NULL,
	    "502 5.5.2 Error: command not recognized", 0 },
};

/*
 * Reply shapes: how the reply at one stage is put on the wire.  To add a
 * hostile behaviour, add a shape here, a row in the directive table and a
 * case in conn_emit().
 */
enum shape {
	SHAPE_NORMAL, SHAPE_LONG_LINE, SHAPE_MANY_LINES, SHAPE_ENDLESS,
	SHAPE_NUL, SHAPE_RAW, SHAPE_ECHO
};

enum action {
	ACT_NONE, ACT_CLOSE, ACT_RST
};

struct stage_cfg {
	char		*reply;		/* \n-separated full lines, or NULL */
	enum shape	 shape;
	long		 shape_n;	/* long-line bytes, many-lines count */
	char		*raw;		/* raw bytes for SHAPE_RAW */
	size_t		 raw_len;
	enum action	 action;
	int		 close_after;	/* close once this reply is sent */
};

/* connection times of one client address at one host (conn-rate) */
struct rate_ip {
	struct rate_ip	*next;
	char		 ip[INET6_ADDRSTRLEN];
	int64_t		*t;		/* ring of the last conn_rate times */
	long		 n, head;
};

struct rcpt_rule {
	char		*addr;
	char		*reply;
};

struct host {
	char		 addr[INET6_ADDRSTRLEN];
	char		 name[256];
	struct sockaddr_storage ss;
	socklen_t	 sslen;
	int		 lfd;
	int64_t		 paused_until;	/* accept paused after EMFILE */

	int64_t		 delay_ms;	/* -1: use -d */
	int64_t		 banner_delay_ms;	/* -1: use delay */
	int		 refuse;
	int		 blackhole;
	int		 no_read;
	int		 early_talk;
	char		*early_line;
	long		 drip_bps;
	char		*caps[MAX_CAPS];
	int		 ncaps;
	int		 pipelining;	/* -1 as caps say, 0 off, 1 on */
	struct stage_cfg stg[STG__COUNT];
	struct rcpt_rule *rcpts;
	size_t		 nrcpts;
	char		*rcpt_default;
	int		 catch_all;
	int64_t		 grey_ms;	/* 0: no greylisting */
	char		*grey_reply;
	long		 max_rcpt;	/* 0: unlimited */
	long		 max_conn;
	long		 max_sessions;
	/* Postfix smtpd_soft/hard_error_limit; -1: as -e says, 0: off */
	long		 soft_errors, hard_errors;
	long		 error_sleep_ms;	/* smtpd_error_sleep_time */
	/* Postfix smtpd_client_connection_rate_limit per 60 s; -1: -c */
	long		 conn_rate;
	struct rate_ip	*rate_ips;

	long		 cur_conns;
	long		 sessions;

	/* STARTTLS (tls* and require-tls directives) */
	int		 tls_kind;	/* TLSK_*: what follows a 220 */
	char		*tls_cert, *tls_key, *tls_sigalgs;
	int		 tls_version;	/* 0 any, 12, 13 */
	int		 require_tls;	/* 530 to MAIL before TLS */
	SSL_CTX		*tls_ctx;
};

/* what a host does with STARTTLS */
enum { TLSK_NONE, TLSK_REAL, TLSK_REJECT, TLSK_GARBAGE, TLSK_STALL };

/* where a connection is in STARTTLS */
enum { TLSC_OFF, TLSC_START, TLSC_HS, TLSC_GARBAGE, TLSC_STALL, TLSC_ON };

enum mode {
	MODE_NORMAL, MODE_BLACKHOLE, MODE_NOREAD
};

enum pend {
	PEND_NONE, PEND_BANNER, PEND_CMD, PEND_TOOLONG
};

struct conn {
	int		 fd;
	unsigned long	 id;
	struct host	*h;
	char		 peer[INET6_ADDRSTRLEN + 8];
	char		 ip[INET6_ADDRSTRLEN];
	enum mode	 mode;

	char		 in[IN_CAP];
	size_t		 in_len;
	size_t		 scan_off;	/* start of the first unlogged line */
	int		 discarding;	/* inside an over-long line */
	size_t		 discard_len;
	int		 toolong_pending;

	char		 cmd[IN_CAP + 1];
	size_t		 cmd_len;
	enum pend	 pend;
	int64_t		 due_ms;

	char		*out;
	size_t		 out_off, out_len, out_cap;
	int64_t		 drip_ms;	/* interval, 0 = no drip */
	size_t		 drip_chunk;
	int64_t		 drip_next;

	int		 endless;
	char		 endless_code[4];
	long		 endless_i;
	int64_t		 endless_next;

	const char	*closing;	/* close once flushed, with this note */

	int		 greeted;	/* 0, STG_EHLO or STG_HELO */
	int		 pipelining_ok;
	int		 in_txn;
	char		 sender[IN_CAP];
	long		 accepted;
	long		 errors;	/* 4xx/5xx replies, as Postfix counts */
	int		 rate_refused;	/* over conn-rate: 421 at the banner */
	long		 unanswered;	/* complete lines not yet answered */
	int		 last_ends_group;
	enum stage	 last_stage;

	int64_t		 wake_ms;

	SSL		*ssl;
	int		 tls;		/* TLSC_* */
	int		 ssl_want_write;	/* OpenSSL needs POLLOUT */
	int		 garbage_sent;
};

struct tmr {
	int64_t		 when;
	int		 fd;
	unsigned long	 id;
};

struct grey {
	struct grey	*next;
	char		*key;
	int64_t		 first_ms;
};

/* ------------------------------------------------------------------ */
/* Globals: this is a one-shot test program.                            */

static struct host	*hosts;
static size_t		 nhosts;
static struct conn	**conns;	/* indexed by fd */
static int		 conns_cap;
static int		 conn_hi = -1;
static unsigned long	 conn_seq;
static struct tmr	*heap;
static size_t		 heap_len, heap_cap;
static struct grey	*grey_tab[GREY_BUCKETS];
static FILE		*tr;
static int64_t		 t0_ms;
static int64_t		 now_ms;
static int		 sig_pipe[2] = { -1, -1 };
static int64_t		 opt_delay_ms;
/* -e SOFT:HARD and -c N: defaults of error-limits and conn-rate */
static long		 opt_soft_errors, opt_hard_errors, opt_conn_rate;
/* -n: TCP_NODELAY on accepted connections (tests/bench/tls-hs.sh): with
 * Nagle, a TLS 1.3 server's reply waits behind its unacknowledged
 * NewSessionTicket segment for the client's delayed ACK (~40 ms) */
static int		 opt_nodelay;
static const char	*scen_path;
static int		 scen_line;

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

static void
die(int code, const char *fmt, ...)
{
	va_list	 ap;

	fputs("fakesmtp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void
scen_die(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "fakesmtp: %s:%d: ", scen_path, scen_line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EX_USAGE_);
}

static void *
xmalloc(size_t n)
{
	void	*p;

	p = malloc(n == 0 ? 1 : n);
	if (p == NULL) {
		die(EX_SOFT_, "out of memory");
	}
	return p;
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n == 0 ? 1 : n);
	if (p == NULL) {
		die(EX_SOFT_, "out of memory");
	}
	return p;
}

static char *
xstrdup(const char *s)
{
	size_t	 n;
	char	*p;

	n = strlen(s) + 1;
	p = xmalloc(n);
	memcpy(p, s, n);
	return p;
}

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Bounded append into a fixed buffer; returns -1 when it did not fit. */
static int
bappend(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
	if (*len + n >= cap) {
		return -1;
	}
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
	return 0;
}

/* Escape bytes for the transcript: \r \n \0 \t \\ \xHH. */
static void
escape(char *dst, size_t cap, const char *s, size_t n)
{
	size_t	 i, len;
	char	 tmp[8];
	unsigned char u;

	len = 0;
	dst[0] = '\0';
	for (i = 0; i < n; i++) {
		u = (unsigned char)s[i];
		if (u == '\r') {
			memcpy(tmp, "\\r", 3);
		} else if (u == '\n') {
			memcpy(tmp, "\\n", 3);
		} else if (u == '\0') {
			memcpy(tmp, "\\0", 3);
		} else if (u == '\t') {
			memcpy(tmp, "\\t", 3);
		} else if (u == '\\') {
			memcpy(tmp, "\\\\", 3);
		} else if (u < 0x20 || u >= 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02X", u);
		} else {
			tmp[0] = (char)u;
			tmp[1] = '\0';
		}
		if (bappend(dst, cap, &len, tmp, strlen(tmp)) == -1) {
			len = cap > 4 ? cap - 4 : 0;
			dst[len] = '\0';
			bappend(dst, cap, &len, "...", 3);
			return;
		}
	}
}

/* One transcript line; flushed at once so tests can read it live. */
static void
tlog(const struct conn *c, const struct host *h, char dir,
    const char *fmt, ...)
{
	va_list	 ap;

	if (tr == NULL) {
		return;
	}
	if (c != NULL) {
		fprintf(tr, "%lld %s c%lu %c ", (long long)(mono_ms() - t0_ms),
		    c->h->addr, c->id, dir);
	} else {
		fprintf(tr, "%lld %s - %c ", (long long)(mono_ms() - t0_ms),
		    h != NULL ? h->addr : "-", dir);
	}
	va_start(ap, fmt);
	vfprintf(tr, fmt, ap);
	va_end(ap);
	fputc('\n', tr);
	fflush(tr);
}

static void
tlog_bytes(const struct conn *c, char dir, const char *s, size_t n)
{
	static char	 esc[IN_CAP * 4 + 64];

	escape(esc, sizeof(esc), s, n);
	tlog(c, NULL, dir, "%s", esc);
}

/* ------------------------------------------------------------------ */
/* Timer heap (min-heap on .when, lazy deletion)                        */

static void
heap_push(int64_t when, int fd, unsigned long id)
{
	size_t		 i, p;
	struct tmr	 t;

	if (heap_len == heap_cap) {
		heap_cap = heap_cap ? heap_cap * 2 : 1024;
		heap = xrealloc(heap, heap_cap * sizeof(*heap));
	}
	t.when = when;
	t.fd = fd;
	t.id = id;
	i = heap_len++;
	while (i > 0) {
		p = (i - 1) / 2;
		if (heap[p].when <= when) {
			break;
		}
		heap[i] = heap[p];
		i = p;
	}
	heap[i] = t;
}

static struct tmr
heap_pop(void)
{
	struct tmr	 top, last;
	size_t		 i, k;

	top = heap[0];
	last = heap[--heap_len];
	i = 0;
	for (;;) {
		k = 2 * i + 1;
		if (k >= heap_len) {
			break;
		}
		if (k + 1 < heap_len && heap[k + 1].when < heap[k].when) {
			k++;
		}
		if (heap[k].when >= last.when) {
			break;
		}
		heap[i] = heap[k];
		i = k;
	}
	if (heap_len > 0) {
		heap[i] = last;
	}
	return top;
}

/* ------------------------------------------------------------------ */
/* Scenario parsing                                                     */

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t') {
		p++;
	}
	return p;
}

/* Copies the next word into buf; returns the rest or NULL if none. */
static const char *
next_word(const char *p, char *buf, size_t cap)
{
	size_t	 n;

	p = skip_ws(p);
	n = 0;
	while (*p != '\0' && *p != ' ' && *p != '\t') {
		if (n + 1 < cap) {
			buf[n++] = *p;
		}
		p++;
	}
	buf[n] = '\0';
	if (n == 0) {
		return NULL;
	}
	return skip_ws(p);
}

static long
parse_num(const char *s, long min, long max, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		scen_die("%s: expected a number in %ld..%ld, got \"%s\"",
		    what, min, max, s);
	}
	return v;
}

static enum stage
parse_stage(const char *s)
{
	int	 i;

	for (i = 0; i < STG__COUNT; i++) {
		if (strcasecmp(s, stage_info[i].name) == 0) {
			return (enum stage)i;
		}
	}
	scen_die("unknown stage \"%s\"", s);
	return STG_OTHER;
}

/*
 * "CODE TEXT" into wire lines: the two characters \n in TEXT start a new
 * line; all but the last get "CODE-", the last "CODE ".
 */
static char *
make_reply(const char *rest, const char *what)
{
	char		 code[8];
	const char	*text, *nl;
	char		*buf;
	size_t		 cap, len;

	text = next_word(rest, code, sizeof(code));
	if (text == NULL || strlen(code) != 3 ||
	    !isdigit((unsigned char)code[0]) ||
	    !isdigit((unsigned char)code[1]) ||
	    !isdigit((unsigned char)code[2])) {
		scen_die("%s: expected CODE TEXT with a 3-digit CODE", what);
	}
	cap = strlen(text) * 2 + 64;
	buf = xmalloc(cap);
	len = 0;
	buf[0] = '\0';
	for (;;) {
		nl = strstr(text, "\\n");
		bappend(buf, cap, &len, code, 3);
		bappend(buf, cap, &len, nl != NULL ? "-" : " ", 1);
		if (nl == NULL) {
			bappend(buf, cap, &len, text, strlen(text));
			break;
		}
		bappend(buf, cap, &len, text, (size_t)(nl - text));
		bappend(buf, cap, &len, "\n", 1);
		text = nl + 2;
	}
	return buf;
}

/* C escapes \r \n \t \0 \\ \xHH into bytes. */
static char *
unescape(const char *s, size_t *outlen)
{
	char		*buf;
	size_t		 n;
	unsigned int	 v;
	int		 i, d;

	buf = xmalloc(strlen(s) + 1);
	n = 0;
	while (*s != '\0') {
		if (*s != '\\' || s[1] == '\0') {
			buf[n++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'r':
			buf[n++] = '\r';
			s++;
			break;
		case 'n':
			buf[n++] = '\n';
			s++;
			break;
		case 't':
			buf[n++] = '\t';
			s++;
			break;
		case '0':
			buf[n++] = '\0';
			s++;
			break;
		case 'x':
			s++;
			v = 0;
			for (i = 0; i < 2; i++) {
				if (!isxdigit((unsigned char)*s)) {
					scen_die("\\x needs two hex digits");
				}
				d = isdigit((unsigned char)*s) ? *s - '0' :
				    tolower((unsigned char)*s) - 'a' + 10;
				v = v * 16 + (unsigned int)d;
				s++;
			}
			buf[n++] = (char)v;
			break;
		default:
			buf[n++] = *s++;
			break;
		}
	}
	buf[n] = '\0';	/* callers may treat it as a string too */
	*outlen = n;
	return buf;
}

static void
need_nothing(const char *rest, const char *what)
{
	if (*skip_ws(rest) != '\0') {
		scen_die("%s takes no arguments", what);
	}
}

static const char *
need_word(const char *rest, char *buf, size_t cap, const char *what)
{
	const char	*p;

	p = next_word(rest, buf, cap);
	if (p == NULL) {
		scen_die("%s: missing argument", what);
	}
	return p;
}

static void
add_cap(struct host *h, const char *s)
{
	if (h->ncaps == MAX_CAPS) {
		scen_die("too many capabilities (max %d)", MAX_CAPS);
	}
	h->caps[h->ncaps++] = xstrdup(s);
}

static void
free_caps(struct host *h)
{
	int	 i;

	for (i = 0; i < h->ncaps; i++) {
		free(h->caps[i]);
	}
	h->ncaps = 0;
}

/* Directive handlers: one per scenario keyword. */

static void
d_banner(struct host *h, const char *rest)
{
	char		*p;
	size_t		 n;

	/* the whole line(s), code included; \n separates lines */
	p = unescape(rest, &n);
	if (memchr(p, '\0', n) != NULL || n == 0) {
		scen_die("banner: empty or contains NUL (use raw banner)");
	}
	free(h->stg[STG_BANNER].reply);
	h->stg[STG_BANNER].reply = p;
}

static void
d_banner_delay(struct host *h, const char *rest)
{
	h->banner_delay_ms = parse_num(rest, 0, 86400000L, "banner-delay");
}

static void
d_delay(struct host *h, const char *rest)
{
	h->delay_ms = parse_num(rest, 0, 86400000L, "delay");
}

static void
d_refuse(struct host *h, const char *rest)
{
	need_nothing(rest, "refuse");
	h->refuse = 1;
}

static void
d_blackhole(struct host *h, const char *rest)
{
	need_nothing(rest, "blackhole");
	h->blackhole = 1;
}

static void
d_no_read(struct host *h, const char *rest)
{
	need_nothing(rest, "no-read");
	h->no_read = 1;
}

static void
d_early_talk(struct host *h, const char *rest)
{
	h->early_talk = 1;
	free(h->early_line);
	h->early_line = xstrdup(*rest != '\0' ? rest :
	    "250 2.0.0 unsolicited early talk");
}

static void
d_caps(struct host *h, const char *rest)
{
	char		 w[256];
	const char	*p;
	char		*prev, *joined;
	size_t		 n;

	/* an all-digit word is a parameter of the keyword before it */
	free_caps(h);
	p = rest;
	while ((p = next_word(p, w, sizeof(w))) != NULL) {
		if (strspn(w, "0123456789") == strlen(w) && h->ncaps > 0) {
			prev = h->caps[h->ncaps - 1];
			n = strlen(prev) + strlen(w) + 2;
			joined = xmalloc(n);
			snprintf(joined, n, "%s %s", prev, w);
			free(prev);
			h->caps[h->ncaps - 1] = joined;
		} else {
			add_cap(h, w);
		}
	}
}

static void
d_cap(struct host *h, const char *rest)
{
	if (*rest == '\0') {
		scen_die("cap: missing text");
	}
	add_cap(h, rest);
}

static void
d_ehlo_reject(struct host *h, const char *rest)
{
	free(h->stg[STG_EHLO].reply);
	h->stg[STG_EHLO].reply = make_reply(*rest != '\0' ? rest :
	    "502 5.5.1 Error: command not implemented", "ehlo-reject");
}

static void
d_helo_reject(struct host *h, const char *rest)
{
	free(h->stg[STG_HELO].reply);
	h->stg[STG_HELO].reply = make_reply(*rest != '\0' ? rest :
	    "502 5.5.1 Error: command not implemented", "helo-reject");
}

static void
d_reply(struct host *h, const char *rest)
{
	char		 w[32];
	enum stage	 st;

	rest = need_word(rest, w, sizeof(w), "reply");
	st = parse_stage(w);
	free(h->stg[st].reply);
	h->stg[st].reply = make_reply(rest, "reply");
}

static void
d_close_at(struct host *h, const char *rest)
{
	char	 w[32];

	need_nothing(need_word(rest, w, sizeof(w), "close-at"), "close-at STAGE");
	h->stg[parse_stage(w)].action = ACT_CLOSE;
}

static void
d_rst_at(struct host *h, const char *rest)
{
	char	 w[32];

	need_nothing(need_word(rest, w, sizeof(w), "rst-at"), "rst-at STAGE");
	h->stg[parse_stage(w)].action = ACT_RST;
}

static void
d_close_after(struct host *h, const char *rest)
{
	char	 w[32];

	need_nothing(need_word(rest, w, sizeof(w), "close-after"),
	    "close-after STAGE");
	h->stg[parse_stage(w)].close_after = 1;
}

static void
d_rcpt(struct host *h, const char *rest)
{
	char	 w[IN_CAP];

	rest = need_word(rest, w, sizeof(w), "rcpt");
	h->rcpts = xrealloc(h->rcpts, (h->nrcpts + 1) * sizeof(*h->rcpts));
	h->rcpts[h->nrcpts].addr = xstrdup(w);
	h->rcpts[h->nrcpts].reply = make_reply(rest, "rcpt");
	h->nrcpts++;
}

static void
d_rcpt_default(struct host *h, const char *rest)
{
	free(h->rcpt_default);
	h->rcpt_default = make_reply(rest, "rcpt-default");
}

static void
d_catch_all(struct host *h, const char *rest)
{
	need_nothing(rest, "catch-all");
	h->catch_all = 1;
}

static void
d_greylist(struct host *h, const char *rest)
{
	char	 w[32];

	rest = need_word(rest, w, sizeof(w), "greylist");
	h->grey_ms = parse_num(w, 1, 86400000L, "greylist");
	free(h->grey_reply);
	h->grey_reply = make_reply(*rest != '\0' ? rest :
	    "450 4.7.1 Greylisted, try again later", "greylist");
}

static void
d_max_rcpt(struct host *h, const char *rest)
{
	h->max_rcpt = parse_num(rest, 1, LONG_MAX, "max-rcpt");
}

static void
d_max_conn(struct host *h, const char *rest)
{
	h->max_conn = parse_num(rest, 1, LONG_MAX, "max-conn");
}

static void
d_max_sessions(struct host *h, const char *rest)
{
	h->max_sessions = parse_num(rest, 1, LONG_MAX, "max-sessions");
}

static void
d_error_limits(struct host *h, const char *rest)
{
	char	*end;

	h->soft_errors = strtol(rest, &end, 10);
	h->hard_errors = strtol(end, &end, 10);
	if (*end == ' ') {
		h->error_sleep_ms = strtol(end, &end, 10);
	}
	if (*skip_ws(end) != '\0' || h->soft_errors < 0 ||
	    h->hard_errors < 0 || h->error_sleep_ms < 0 ||
	    h->error_sleep_ms > 86400000L) {
		die(EX_USAGE_, "%s:%d: error-limits: want SOFT HARD [SLEEP_MS]",
		    scen_path, scen_line);
	}
}

static void
d_conn_rate(struct host *h, const char *rest)
{
	h->conn_rate = parse_num(rest, 0, 100000, "conn-rate");
}

static void
d_pipelining(struct host *h, const char *rest)
{
	if (strcmp(rest, "on") == 0) {
		h->pipelining = 1;
	} else if (strcmp(rest, "off") == 0) {
		h->pipelining = 0;
	} else {
		scen_die("pipelining: expected on or off");
	}
}

static void
d_drip(struct host *h, const char *rest)
{
	h->drip_bps = parse_num(rest, 1, 1000000L, "drip");
}

static int	has_cap(const struct host *, const char *);

/* STARTTLS: a real handshake with this certificate and key */
static void
d_tls(struct host *h, const char *rest)
{
	char	 w[PATH_MAX];

	rest = need_word(rest, w, sizeof(w), "tls");
	free(h->tls_cert);
	h->tls_cert = xstrdup(w);
	rest = need_word(rest, w, sizeof(w), "tls CERTFILE KEYFILE");
	need_nothing(rest, "tls CERTFILE KEYFILE");
	free(h->tls_key);
	h->tls_key = xstrdup(w);
	h->tls_kind = TLSK_REAL;
	if (!has_cap(h, "STARTTLS")) {
		add_cap(h, "STARTTLS");
	}
}

static void
d_tls_version(struct host *h, const char *rest)
{
	if (strcmp(rest, "1.2") == 0) {
		h->tls_version = 12;
	} else if (strcmp(rest, "1.3") == 0) {
		h->tls_version = 13;
	} else {
		scen_die("tls-version: expected 1.2 or 1.3");
	}
}

static void
d_tls_sigalgs(struct host *h, const char *rest)
{
	if (*rest == '\0') {
		scen_die("tls-sigalgs: missing list");
	}
	free(h->tls_sigalgs);
	h->tls_sigalgs = xstrdup(rest);
}

static void
tls_kind(struct host *h, const char *rest, int kind, const char *what)
{
	need_nothing(rest, what);
	h->tls_kind = kind;
	if (!has_cap(h, "STARTTLS")) {
		add_cap(h, "STARTTLS");
	}
}

static void
d_tls_reject(struct host *h, const char *rest)
{
	tls_kind(h, rest, TLSK_REJECT, "tls-reject");
}

static void
d_tls_garbage(struct host *h, const char *rest)
{
	tls_kind(h, rest, TLSK_GARBAGE, "tls-garbage");
}

static void
d_tls_stall(struct host *h, const char *rest)
{
	tls_kind(h, rest, TLSK_STALL, "tls-stall");
}

static void
d_require_tls(struct host *h, const char *rest)
{
	need_nothing(rest, "require-tls");
	h->require_tls = 1;
}

/* Stage-shaped replies share one parser. */
static void
set_shape(struct host *h, const char *rest, enum shape sh, const char *what)
{
	char		 w[32];
	struct stage_cfg *sc;

	rest = need_word(rest, w, sizeof(w), what);
	sc = &h->stg[parse_stage(w)];
	sc->shape = sh;
	free(sc->raw);
	sc->raw = NULL;
	switch (sh) {
	case SHAPE_LONG_LINE:
		sc->shape_n = parse_num(rest, 8, LONG_LINE_MAX, what);
		break;
	case SHAPE_MANY_LINES:
		sc->shape_n = parse_num(rest, 1, MANY_LINES_MAX, what);
		break;
	case SHAPE_RAW:
		if (*rest == '\0') {
			scen_die("raw: missing bytes");
		}
		sc->raw = unescape(rest, &sc->raw_len);
		break;
	default:
		need_nothing(rest, what);
		break;
	}
}

static void
d_long_line(struct host *h, const char *rest)
{
	set_shape(h, rest, SHAPE_LONG_LINE, "long-line");
}

static void
d_many_lines(struct host *h, const char *rest)
{
	set_shape(h, rest, SHAPE_MANY_LINES, "many-lines");
}

static void
d_endless(struct host *h, const char *rest)
{
	set_shape(h, rest, SHAPE_ENDLESS, "endless");
}

static void
d_nul(struct host *h, const char *rest)
{
	set_shape(h, rest, SHAPE_NUL, "nul");
}

static void
d_raw(struct host *h, const char *rest)
{
	set_shape(h, rest, SHAPE_RAW, "raw");
}

static void
d_echo(struct host *h, const char *rest)
{
	set_shape(h, rest, SHAPE_ECHO, "echo");
}

/* The scenario language: one row per directive, see fakesmtp.md. */
static const struct {
	const char	*name;
	void		(*fn)(struct host *, const char *);
} directives[] = {
	{ "banner",		d_banner },
	{ "banner-delay",	d_banner_delay },
	{ "delay",		d_delay },
	{ "refuse",		d_refuse },
	{ "blackhole",		d_blackhole },
	{ "no-read",		d_no_read },
	{ "early-talk",		d_early_talk },
	{ "caps",		d_caps },
	{ "cap",		d_cap },
	{ "ehlo-reject",	d_ehlo_reject },
	{ "helo-reject",	d_helo_reject },
	{ "reply",		d_reply },
	{ "close-at",		d_close_at },
	{ "rst-at",		d_rst_at },
	{ "close-after",	d_close_after },
	{ "rcpt",		d_rcpt },
	{ "rcpt-default",	d_rcpt_default },
	{ "catch-all",		d_catch_all },
	{ "greylist",		d_greylist },
	{ "max-rcpt",		d_max_rcpt },
	{ "max-conn",		d_max_conn },
	{ "max-sessions",	d_max_sessions },
	{ "error-limits",	d_error_limits },
	{ "conn-rate",		d_conn_rate },
	{ "pipelining",		d_pipelining },
	{ "drip",		d_drip },
	{ "long-line",		d_long_line },
	{ "many-lines",		d_many_lines },
	{ "endless",		d_endless },
	{ "nul",		d_nul },
	{ "raw",		d_raw },
	{ "echo",		d_echo },
	{ "tls",		d_tls },
	{ "tls-version",	d_tls_version },
	{ "tls-sigalgs",	d_tls_sigalgs },
	{ "tls-reject",		d_tls_reject },
	{ "tls-garbage",	d_tls_garbage },
	{ "tls-stall",		d_tls_stall },
	{ "require-tls",	d_require_tls },
	{ NULL,			NULL }
};

static int
is_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*s4;
	const struct sockaddr_in6	*s6;

	if (ss->ss_family == AF_INET) {
		s4 = (const struct sockaddr_in *)ss;
		return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)ss;
		return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
	}
	return 0;
}

static void
host_start(const char *rest)
{
	struct host		*h;
	struct sockaddr_in	*s4;
	struct sockaddr_in6	*s6;
	char			 a[128];
	size_t			 i;

	rest = need_word(rest, a, sizeof(a), "host");
	hosts = xrealloc(hosts, (nhosts + 1) * sizeof(*hosts));
	h = &hosts[nhosts];
	memset(h, 0, sizeof(*h));
	h->lfd = -1;
	h->delay_ms = -1;
	h->banner_delay_ms = -1;
	h->soft_errors = h->hard_errors = h->conn_rate = -1;
	h->error_sleep_ms = 1000;
	h->pipelining = -1;
	s4 = (struct sockaddr_in *)&h->ss;
	s6 = (struct sockaddr_in6 *)&h->ss;
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		h->sslen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		h->sslen = sizeof(*s6);
	} else {
		scen_die("host: \"%s\" is not an IP address", a);
	}
	if (!is_loopback(&h->ss)) {
		scen_die("host: %s is not a loopback address; refusing", a);
	}
	/* canonical spelling, so the transcript is stable */
	if (h->ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, h->addr, sizeof(h->addr));
	} else {
		inet_ntop(AF_INET6, &s6->sin6_addr, h->addr, sizeof(h->addr));
	}
	for (i = 0; i < nhosts; i++) {
		if (strcmp(hosts[i].addr, h->addr) == 0) {
			scen_die("host %s defined twice", a);
		}
	}
	if (next_word(rest, h->name, sizeof(h->name)) == NULL) {
		snprintf(h->name, sizeof(h->name), "%s", a);
	}
	add_cap(h, "PIPELINING");
	add_cap(h, "8BITMIME");
	add_cap(h, "SIZE");
	nhosts++;
}

static void
scenario_load(const char *path)
{
	FILE		*f;
	char		 line[8192], w[64];
	const char	*p, *rest;
	size_t		 n;
	int		 i;

	scen_path = path;
	f = fopen(path, "r");
	if (f == NULL) {
		die(EX_USAGE_, "%s: %s", path, strerror(errno));
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		scen_line++;
		n = strlen(line);
		if (n > 0 && line[n - 1] != '\n' && !feof(f)) {
			scen_die("line too long");
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
		    line[n - 1] == ' ' || line[n - 1] == '\t')) {
			line[--n] = '\0';
		}
		p = skip_ws(line);
		if (*p == '\0' || *p == '#') {
			continue;
		}
		rest = next_word(p, w, sizeof(w));
		if (strcmp(w, "host") == 0) {
			host_start(rest);
			continue;
		}
		if (nhosts == 0) {
			scen_die("\"%s\" before the first host line", w);
		}
		for (i = 0; directives[i].name != NULL; i++) {
			if (strcmp(directives[i].name, w) == 0) {
				break;
			}
		}
		if (directives[i].name == NULL) {
			scen_die("unknown directive \"%s\"", w);
		}
		directives[i].fn(&hosts[nhosts - 1], rest);
	}
	fclose(f);
	if (nhosts == 0) {
		die(EX_USAGE_, "%s: no host defined", path);
	}
}

/* ------------------------------------------------------------------ */
/* Host queries                                                         */

static int
has_cap(const struct host *h, const char *kw)
{
	int	 i;
	size_t	 n;

	n = strlen(kw);
	for (i = 0; i < h->ncaps; i++) {
		if (strncasecmp(h->caps[i], kw, n) == 0 &&
		    (h->caps[i][n] == '\0' || h->caps[i][n] == ' ')) {
			return 1;
		}
	}
	return 0;
}

static int
advertises_pipelining(const struct host *h)
{
	if (h->pipelining != -1) {
		return h->pipelining;
	}
	return has_cap(h, "PIPELINING");
}

static int64_t
host_delay(const struct host *h)
{
	return h->delay_ms >= 0 ? h->delay_ms : opt_delay_ms;
}

static long
host_soft_errors(const struct host *h)
{
	return h->soft_errors >= 0 ? h->soft_errors : opt_soft_errors;
}

static long
host_hard_errors(const struct host *h)
{
	return h->hard_errors >= 0 ? h->hard_errors : opt_hard_errors;
}

/*
 * Counts a new connection of ip at h; 1 when it is over the host's rate
 * (more than conn_rate in the last 60 s, this one included), as Postfix
 * anvil counts every connection, refused ones too.
 */
static int
conn_rate_over(struct host *h, const char *ip)
{
	long		 lim = h->conn_rate >= 0 ? h->conn_rate : opt_conn_rate;
	struct rate_ip	*r;
	int64_t		 oldest;

	if (lim <= 0) {
		return 0;
	}
	for (r = h->rate_ips; r != NULL; r = r->next) {
		if (strcmp(r->ip, ip) == 0) {
			break;
		}
	}
	if (r == NULL) {
		r = xmalloc(sizeof(*r));
		memset(r, 0, sizeof(*r));
		snprintf(r->ip, sizeof(r->ip), "%s", ip);
		r->t = xmalloc((size_t)lim * sizeof(*r->t));
		r->next = h->rate_ips;
		h->rate_ips = r;
	}
	/* the ring holds the last lim times; the oldest is at head */
	oldest = r->n == lim ? r->t[r->head] : INT64_MIN;
	r->t[r->head] = now_ms;
	r->head = (r->head + 1) % lim;
	if (r->n < lim) {
		r->n++;
	}
	return oldest != INT64_MIN && now_ms - oldest < 60000;
}

/* ------------------------------------------------------------------ */
/* Connections: output                                                  */

static void
out_add(struct conn *c, const char *s, size_t n)
{
	if (c->out_off > 0 && c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
	}
	if (c->out_len + n > c->out_cap) {
		if (c->out_off > 0) {
			memmove(c->out, c->out + c->out_off,
			    c->out_len - c->out_off);
			c->out_len -= c->out_off;
			c->out_off = 0;
		}
		if (c->out_len + n > c->out_cap) {
			c->out_cap = (c->out_len + n) * 2;
			c->out = xrealloc(c->out, c->out_cap);
		}
	}
	memcpy(c->out + c->out_len, s, n);
	c->out_len += n;
}

static void
out_line(struct conn *c, const char *s, size_t n)
{
	out_add(c, s, n);
	out_add(c, "\r\n", 2);
}

static void	conn_close(struct conn *, int, const char *, ...);
static void	tls_begin(struct conn *);

/* send() or SSL_write(); -1 with errno EAGAIN when it would block */
static ssize_t
conn_send(struct conn *c, const void *p, size_t n)
{
	int	 r;

	if (c->tls != TLSC_ON) {
		return send(c->fd, p, n, MSG_NOSIGNAL);
	}
	r = SSL_write(c->ssl, p, n > INT_MAX ? INT_MAX : (int)n);
	if (r > 0) {
		return r;
	}
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_WRITE:
		c->ssl_want_write = 1;
		/* FALLTHROUGH */
	case SSL_ERROR_WANT_READ:
		errno = EAGAIN;
		return -1;
	default:
		ERR_clear_error();
		errno = ECONNRESET;
		return -1;
	}
}

/* recv() or SSL_read(); 0 at EOF, -1 with errno EAGAIN when empty */
static ssize_t
conn_recv(struct conn *c, void *p, size_t n)
{
	int	 r;

	if (c->tls != TLSC_ON) {
		return recv(c->fd, p, n, 0);
	}
	r = SSL_read(c->ssl, p, n > INT_MAX ? INT_MAX : (int)n);
	if (r > 0) {
		return r;
	}
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_WRITE:
		c->ssl_want_write = 1;
		/* FALLTHROUGH */
	case SSL_ERROR_WANT_READ:
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		if (errno == 0) {
			return 0;	/* EOF without close_notify */
		}
		return -1;
	default:
		ERR_clear_error();
		errno = EPROTO;
		return -1;
	}
}

/* Sends what is queued (or one drip's worth); 0, or -1 if c was closed. */
static int
conn_flush(struct conn *c)
{
	size_t		 n;
	ssize_t		 w;

	while (c->out_off < c->out_len) {
		n = c->out_len - c->out_off;
		if (c->drip_ms > 0) {
			if (now_ms < c->drip_next) {
				return 0;
			}
			if (n > c->drip_chunk) {
				n = c->drip_chunk;
			}
		}
		w = conn_send(c, c->out + c->out_off, n);
		if (w < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				return 0;
			}
			conn_close(c, 0, "error on send: %s", strerror(errno));
			return -1;
		}
		c->out_off += (size_t)w;
		if (c->drip_ms > 0) {
			c->drip_next = now_ms + c->drip_ms;
			return 0;
		}
	}
	c->out_off = c->out_len = 0;
	if (c->closing != NULL) {
		conn_close(c, 0, "%s", c->closing);
		return -1;
	}
	if (c->tls == TLSC_START) {
		/* the 220 to STARTTLS is out: now the handshake */
		tls_begin(c);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Connections: lifecycle                                               */

static void
conn_close(struct conn *c, int rst, const char *fmt, ...)
{
	struct linger	 lg;
	va_list		 ap;
	char		 why[256];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	tlog(c, NULL, '-', "%s", why);
	if (rst) {
		lg.l_onoff = 1;
		lg.l_linger = 0;
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	if (c->ssl != NULL) {
		if (c->tls == TLSC_ON && !rst) {
			SSL_shutdown(c->ssl);	/* close_notify, best effort */
		}
		SSL_free(c->ssl);
		ERR_clear_error();
	}
	close(c->fd);
	conns[c->fd] = NULL;
	while (conn_hi >= 0 && conns[conn_hi] == NULL) {
		conn_hi--;
	}
	c->h->cur_conns--;
	free(c->out);
	free(c);
}

/* Recomputes the connection's wake time and queues a timer for it. */
static void
conn_schedule(struct conn *c)
{
	int64_t	 w;

	w = INT64_MAX;
	if (c->pend != PEND_NONE && c->due_ms < w) {
		w = c->due_ms;
	}
	if (c->drip_ms > 0 && c->out_off < c->out_len && c->drip_next < w) {
		w = c->drip_next;
	}
	if (c->endless && c->endless_next < w) {
		w = c->endless_next;
	}
	if (w != INT64_MAX && w != c->wake_ms) {
		heap_push(w, c->fd, c->id);
	}
	c->wake_ms = w;
}

/* ------------------------------------------------------------------ */
/* Reply construction                                                   */

/* Expands %h, %a and %% in a configured reply. */
static void
expand(char *dst, size_t cap, const char *tmpl, const struct conn *c,
    const char *arg)
{
	size_t		 len;
	const char	*s;

	len = 0;
	dst[0] = '\0';
	for (s = tmpl; *s != '\0'; s++) {
		if (*s == '%' && s[1] == 'h') {
			bappend(dst, cap, &len, c->h->name, strlen(c->h->name));
			s++;
		} else if (*s == '%' && s[1] == 'a') {
			bappend(dst, cap, &len, arg, strlen(arg));
			s++;
		} else if (*s == '%' && s[1] == '%') {
			bappend(dst, cap, &len, "%", 1);
			s++;
		} else {
			bappend(dst, cap, &len, s, 1);
		}
	}
}

/* Code of the last line of a \n-separated reply ("" if none). */
static int
reply_code(const char *r)
{
	const char	*last;

	last = strrchr(r, '\n');
	last = last != NULL ? last + 1 : r;
	if (isdigit((unsigned char)last[0]) &&
	    isdigit((unsigned char)last[1]) &&
	    isdigit((unsigned char)last[2])) {
		return (last[0] - '0') * 100 + (last[1] - '0') * 10 +
		    (last[2] - '0');
	}
	return 0;
}

/* Sends the \n-separated lines in r[0..len) with CRLF each. */
static void
emit_nlines(struct conn *c, const char *r, size_t len)
{
	const char	*nl, *end;
	size_t		 n;

	end = r + len;
	for (;;) {
		nl = memchr(r, '\n', (size_t)(end - r));
		n = nl != NULL ? (size_t)(nl - r) : (size_t)(end - r);
		tlog_bytes(c, '<', r, n);
		out_line(c, r, n);
		if (nl == NULL) {
			break;
		}
		r = nl + 1;
	}
}

static void
emit_lines(struct conn *c, const char *r)
{
	emit_nlines(c, r, strlen(r));
}

/*
 * Puts the reply r (expanded, \n-separated) for stage st on the wire in
 * the shape the scenario asks for.  cmd is the client's line (for echo).
 */
static void
conn_emit(struct conn *c, enum stage st, const char *r, const char *cmd)
{
	const struct stage_cfg	*sc;
	char			 code[4], buf[IN_CAP + 64];
	const char		*last;
	char			*big;
	size_t			 n, mid;
	long			 i;
	int			 len;

	sc = &c->h->stg[st];
	snprintf(code, sizeof(code), "%03d", reply_code(r));
	switch (sc->shape) {
	case SHAPE_NORMAL:
		emit_lines(c, r);
		break;
	case SHAPE_LONG_LINE:
		n = (size_t)sc->shape_n;
		big = xmalloc(n);
		memset(big, 'x', n);
		len = snprintf(buf, sizeof(buf), "%s long-line ", code);
		memcpy(big, buf, (size_t)len < n - 2 ? (size_t)len : n - 2);
		big[n - 2] = '\r';
		big[n - 1] = '\n';
		out_add(c, big, n);
		tlog(c, NULL, '<', "%sxxx... [long-line %zu bytes]", buf, n);
		free(big);
		break;
	case SHAPE_MANY_LINES:
		for (i = 0; i < sc->shape_n; i++) {
			len = snprintf(buf, sizeof(buf), "%s-filler line %ld",
			    code, i + 1);
			out_line(c, buf, (size_t)len);
		}
		tlog(c, NULL, '<', "%s-filler line 1... [many-lines %ld]",
		    code, sc->shape_n);
		emit_lines(c, r);
		break;
	case SHAPE_ENDLESS:
		memcpy(c->endless_code, code, sizeof(c->endless_code));
		c->endless = 1;
		c->endless_i = 0;
		c->endless_next = now_ms;
		tlog(c, NULL, '<', "%s-endless line 1... [endless]", code);
		break;
	case SHAPE_NUL:
		/* NUL in the middle of the last line's text */
		last = strrchr(r, '\n');
		if (last != NULL) {
			emit_nlines(c, r, (size_t)(last - r));
			last++;
		} else {
			last = r;
		}
		n = strlen(last);
		if (n > IN_CAP) {
			n = IN_CAP;
		}
		mid = n > 4 ? 4 + (n - 4) / 2 : n;
		memcpy(buf, last, mid);
		buf[mid] = '\0';
		memcpy(buf + mid + 1, last + mid, n - mid);
		out_line(c, buf, n + 1);
		tlog_bytes(c, '<', buf, n + 1);
		break;
	case SHAPE_RAW:
		out_add(c, sc->raw, sc->raw_len);
		tlog_bytes(c, '<', sc->raw, sc->raw_len);
		break;
	case SHAPE_ECHO:
		len = snprintf(buf, sizeof(buf), "%s %s", code, cmd);
		out_line(c, buf, (size_t)len);
		tlog_bytes(c, '<', buf, (size_t)len);
		break;
	}
	if (sc->close_after) {
		c->closing = "server closed after its reply";
	}
}

/* ------------------------------------------------------------------ */
/* Command parsing                                                      */

static enum stage
stage_of(const char *cmd)
{
	size_t	 n;
	int	 i;

	for (i = 0; i < STG__COUNT; i++) {
		if (stage_info[i].verb == NULL) {
			continue;
		}
		n = strlen(stage_info[i].verb);
		if (strncasecmp(cmd, stage_info[i].verb, n) == 0 &&
		    (cmd[n] == '\0' || cmd[n] == ' ')) {
			return (enum stage)i;
		}
	}
	return STG_OTHER;
}

static int	parse_mailbox(const char *, size_t, char *, size_t);

/*
 * Parses "<path> [params]" after "FROM:" or "TO:" (RFC 5321 4.1.2).
 * Copies the mailbox into out.  Returns 0 if well formed, -1 if not.
 * The checks are modest: they catch what a test needs to see rejected
 * (missing brackets, spaces, control bytes, no domain), not every RFC
 * nuance.
 */
static int
parse_path(const char *s, int allow_null, char *out, size_t cap)
{
	const char	*p, *end, *box;
	size_t		 n;

	if (*s != '<') {
		return -1;
	}
	end = strchr(s, '>');
	if (end == NULL) {
		return -1;
	}
	box = s + 1;
	n = (size_t)(end - box);
	out[0] = '\0';
	if (n == 0 && !allow_null) {
		return -1;
	}
	if (n > 0 && parse_mailbox(box, n, out, cap) == -1) {
		return -1;
	}
	p = end + 1;
	if (*p == '\0') {
		return 0;
	}
	if (*p != ' ') {
		return -1;
	}
	for (; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			return -1;
		}
	}
	return 0;
}

/* The mailbox between the brackets; 0 if it looks like one, else -1. */
static int
parse_mailbox(const char *box, size_t n, char *out, size_t cap)
{
	const char	*p, *at;
	int		 quoted;

	if (*box == '@') {
		/* source route "@a,@b:" is obsolete but legal; skip it */
		p = memchr(box, ':', n);
		if (p == NULL) {
			return -1;
		}
		n -= (size_t)(p + 1 - box);
		box = p + 1;
	}
	if (n >= cap || n > 256) {
		return -1;
	}
	at = NULL;
	quoted = 0;
	for (p = box; p < box + n; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			return -1;
		}
		if (*p == '"') {
			quoted = !quoted;
		} else if (*p == '\\' && quoted && p + 1 < box + n) {
			p++;
		} else if (!quoted && (*p == ' ' || *p == '<')) {
			return -1;
		} else if (!quoted && *p == '@') {
			if (at != NULL) {
				return -1;
			}
			at = p;
		}
	}
	if (quoted) {
		return -1;
	}
	if (at == NULL) {
		/* only "postmaster" may lack a domain (RFC 5321 4.5.1) */
		if (n != 10 || strncasecmp(box, "postmaster", 10) != 0) {
			return -1;
		}
	} else if (at == box || at == box + n - 1 || at - box > 64) {
		return -1;
	}
	memcpy(out, box, n);
	out[n] = '\0';
	return 0;
}

/* Recipient lookup: local part as given, domain case-insensitive. */
static const struct rcpt_rule *
rcpt_find(const struct host *h, const char *addr)
{
	const char	*at, *rat;
	size_t		 i, ln;

	at = strrchr(addr, '@');
	for (i = 0; i < h->nrcpts; i++) {
		rat = strrchr(h->rcpts[i].addr, '@');
		if (at == NULL || rat == NULL) {
			if (strcasecmp(addr, h->rcpts[i].addr) == 0) {
				return &h->rcpts[i];
			}
			continue;
		}
		ln = (size_t)(at - addr);
		if (ln == (size_t)(rat - h->rcpts[i].addr) &&
		    memcmp(addr, h->rcpts[i].addr, ln) == 0 &&
		    strcasecmp(at + 1, rat + 1) == 0) {
			return &h->rcpts[i];
		}
	}
	return NULL;
}

/*
 * Greylisting like postgrey: the triplet (sender, recipient, client IP)
 * is refused until grey_ms after its first attempt.  Returns 1 while the
 * triplet is still greylisted.
 */
static int
greylisted(const struct conn *c, const char *rcpt)
{
	char		 key[IN_CAP * 2 + 128];
	struct grey	*g;
	uint32_t	 hv;
	size_t		 i;

	snprintf(key, sizeof(key), "%s|%s|%s|%s", c->h->addr, c->sender,
	    rcpt, c->ip);
	hv = 2166136261u;
	for (i = 0; key[i] != '\0'; i++) {
		key[i] = (char)tolower((unsigned char)key[i]);
		hv = (hv ^ (unsigned char)key[i]) * 16777619u;
	}
	hv %= GREY_BUCKETS;
	for (g = grey_tab[hv]; g != NULL; g = g->next) {
		if (strcmp(g->key, key) == 0) {
			return now_ms < g->first_ms + c->h->grey_ms;
		}
	}
	g = xmalloc(sizeof(*g));
	g->key = xstrdup(key);
	g->first_ms = now_ms;
	g->next = grey_tab[hv];
	grey_tab[hv] = g;
	return 1;
}

/* Builds the EHLO reply from the host's capabilities. */
static void
ehlo_reply(const struct conn *c, char *r, size_t cap)
{
	const struct host	*h;
	const char		*kw[MAX_CAPS + 1];
	size_t			 len;
	int			 i, n, pl;

	h = c->h;
	n = 0;
	pl = advertises_pipelining(h);
	/* keep the scenario's order; "pipelining" adds or removes one */
	for (i = 0; i < h->ncaps; i++) {
		if (strcasecmp(h->caps[i], "PIPELINING") == 0 && !pl) {
			continue;
		}
		/* RFC 3207 4.2: not again once TLS is on */
		if (strcasecmp(h->caps[i], "STARTTLS") == 0 &&
		    c->tls == TLSC_ON) {
			continue;
		}
		kw[n++] = h->caps[i];
	}
	if (pl && !has_cap(h, "PIPELINING")) {
		kw[n++] = "PIPELINING";
	}
	len = 0;
	r[0] = '\0';
	bappend(r, cap, &len, "250", 3);
	bappend(r, cap, &len, n > 0 ? "-" : " ", 1);
	bappend(r, cap, &len, h->name, strlen(h->name));
	for (i = 0; i < n; i++) {
		bappend(r, cap, &len, "\n250", 4);
		bappend(r, cap, &len, i + 1 < n ? "-" : " ", 1);
		bappend(r, cap, &len, kw[i], strlen(kw[i]));
	}
}

/* ------------------------------------------------------------------ */
/* TLS hook                                                             */

/*
 * TLS HOOK: called after "220" was queued in reply to STARTTLS.  The
 * handshake starts once that 220 is on the wire (conn_flush ->
 * tls_begin); until then no further command is taken.  Returns 0 if TLS
 * is under way, -1 if the host has no tls/tls-garbage/tls-stall line.
 */
static int
tls_hook_start(struct conn *c)
{
	if (c->h->tls_kind == TLSK_NONE || c->h->tls_kind == TLSK_REJECT) {
		return -1;
	}
	c->tls = TLSC_START;
	return 0;
}

/* the 220 is out: start what the host does instead of plain SMTP */
static void
tls_begin(struct conn *c)
{
	if (c->in_len > 0) {
		/* RFC 3207 5: bytes sent before the handshake */
		tlog(c, NULL, '!', "data after STARTTLS before the handshake "
		    "(%zu bytes)", c->in_len);
		c->in_len = c->scan_off = 0;
	}
	/* RFC 3207 4.2: forget everything the client said before TLS */
	c->greeted = 0;
	c->pipelining_ok = 0;
	c->in_txn = 0;
	c->accepted = 0;
	c->unanswered = 0;
	switch (c->h->tls_kind) {
	case TLSK_GARBAGE:
		c->tls = TLSC_GARBAGE;
		tlog(c, NULL, '=', "tls garbage: waiting for the ClientHello");
		return;
	case TLSK_STALL:
		c->tls = TLSC_STALL;
		tlog(c, NULL, '=', "tls stall: the ClientHello stays unanswered");
		return;
	default:
		break;
	}
	c->ssl = SSL_new(c->h->tls_ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
		die(EX_SOFT_, "SSL_new failed");
	}
	SSL_set_app_data(c->ssl, c);	/* for tls_hello_cb */
	c->tls = TLSC_HS;
	tlog(c, NULL, '=', "tls handshake");
}

static int	conn_read(struct conn *);

/*
 * Drives a connection that is between the 220 to STARTTLS and TLS
 * application data.  Returns -1 if the connection was closed.
 */
static int
tls_drive(struct conn *c)
{
	static const char junk[] = "HTTP/1.0 400 this is not a TLS record\r\n"
	    "\x15\x03\x01garbage garbage garbage\r\n";
	char		 buf[4096], err[256];
	ssize_t		 r;
	int		 rc;
	unsigned long	 e;

	if (c->tls == TLSC_GARBAGE || c->tls == TLSC_STALL) {
		if (c->out_off < c->out_len && conn_flush(c) == -1) {
			return -1;
		}
		r = recv(c->fd, buf, sizeof(buf), 0);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(c, 0, "client closed");
			return -1;
		}
		if (r > 0 && c->tls == TLSC_GARBAGE && !c->garbage_sent) {
			c->garbage_sent = 1;
			tlog(c, NULL, '=', "tls garbage sent after %zd bytes "
			    "of ClientHello", r);
			out_add(c, junk, sizeof(junk) - 1);
			return conn_flush(c);
		}
		return 0;
	}
	c->ssl_want_write = 0;
	rc = SSL_accept(c->ssl);
	if (rc == 1) {
		c->tls = TLSC_ON;
		tlog(c, NULL, '=', "tls %s %s %s", SSL_get_version(c->ssl),
		    SSL_get_cipher_name(c->ssl),
		    SSL_session_reused(c->ssl) ? "resumed" : "full");
		/* the client may have sent EHLO with its Finished */
		return conn_read(c);
	}
	switch (SSL_get_error(c->ssl, rc)) {
	case SSL_ERROR_WANT_WRITE:
		c->ssl_want_write = 1;
		return 0;
	case SSL_ERROR_WANT_READ:
		return 0;
	default:
		e = ERR_get_error();
		if (e != 0) {
			ERR_error_string_n(e, err, sizeof(err));
		} else {
			snprintf(err, sizeof(err), "%s", rc == 0 ?
			    "EOF" : strerror(errno));
		}
		ERR_clear_error();
		tlog(c, NULL, '=', "tls handshake failed: %s", err);
		conn_close(c, 0, "client closed during the handshake");
		return -1;
	}
}

/*
 * Does the ClientHello carry an extension of this type, non-empty if
 * nonempty is set?
 */
static int
hello_has_ext(SSL *s, unsigned type, int nonempty)
{
	const unsigned char	*p;
	size_t			 n;

	if (SSL_client_hello_get0_ext(s, type, &p, &n) != 1) {
		return 0;
	}
	return !nonempty || n > 0;
}

/*
 * Logs what the client offers before the server decides anything, so a
 * test sees the client's resumption offer whether or not OpenSSL then
 * accepts it (e.g. a session offered under another SNI).  An offer is a TLS
 * 1.3 pre_shared_key (41), a non-empty TLS 1.2 session ticket (35), or a
 * legacy session ID from a client that does not offer TLS 1.3 (with
 * supported_versions (43), the ID may be the random middlebox-compat one
 * of RFC 8446 D.4 and says nothing).
 */
static int
tls_hello_cb(SSL *s, int *alert, void *arg)
{
	struct conn		*c = SSL_get_app_data(s);
	const unsigned char	*sid, *p;
	char			 name[256];
	size_t			 nsid, n, nl;
	int			 resume;

	(void)alert;
	(void)arg;
	nsid = SSL_client_hello_get0_session_id(s, &sid);
	resume = hello_has_ext(s, 41, 0) || hello_has_ext(s, 35, 1) ||
	    (nsid > 0 && !hello_has_ext(s, 43, 0));
	/* server_name: list length, type 0 host_name, length, name */
	snprintf(name, sizeof(name), "-");
	if (SSL_client_hello_get0_ext(s, TLSEXT_TYPE_server_name, &p,
	    &n) == 1 && n >= 5 && p[2] == 0) {
		nl = (size_t)p[3] << 8 | p[4];
		if (nl > 0 && nl <= n - 5) {
			escape(name, sizeof(name), (const char *)p + 5, nl);
		}
	}
	tlog(c, NULL, '=', "tls offer: %s %s", resume ? "resume" : "new",
	    name);
	return SSL_CLIENT_HELLO_SUCCESS;
}

/* per host: the SSL_CTX the scenario asks for */
static void
tls_setup(void)
{
	struct host	*h;
	size_t		 i;

	for (i = 0; i < nhosts; i++) {
		h = &hosts[i];
		if (h->tls_kind != TLSK_REAL) {
			continue;
		}
		h->tls_ctx = SSL_CTX_new(TLS_server_method());
		if (h->tls_ctx == NULL ||
		    SSL_CTX_use_certificate_chain_file(h->tls_ctx,
		    h->tls_cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(h->tls_ctx, h->tls_key,
		    SSL_FILETYPE_PEM) != 1) {
			die(EX_USAGE_, "host %s: cannot load %s / %s",
			    h->addr, h->tls_cert, h->tls_key);
		}
		if (h->tls_version != 0) {
			int v = h->tls_version == 12 ? TLS1_2_VERSION :
			    TLS1_3_VERSION;

			SSL_CTX_set_min_proto_version(h->tls_ctx, v);
			SSL_CTX_set_max_proto_version(h->tls_ctx, v);
		}
		if (h->tls_sigalgs != NULL &&
		    SSL_CTX_set1_sigalgs_list(h->tls_ctx,
		    h->tls_sigalgs) != 1) {
			die(EX_USAGE_, "host %s: bad tls-sigalgs %s",
			    h->addr, h->tls_sigalgs);
		}
		/* TLS 1.2 session IDs need a context; 1.3 uses tickets */
		SSL_CTX_set_session_id_context(h->tls_ctx,
		    (const unsigned char *)h->addr, (unsigned)strlen(h->addr));
		SSL_CTX_set_mode(h->tls_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
		    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
		SSL_CTX_set_client_hello_cb(h->tls_ctx, tls_hello_cb, NULL);
	}
}

/* ------------------------------------------------------------------ */
/* Command execution                                                    */

/* Answers c->cmd; updates the session state from the reply's code. */
static void
conn_exec_cmd(struct conn *c)
{
	struct host		*h;
	const struct rcpt_rule	*rr;
	enum stage		 st;
	const char		*tmpl, *p;
	char			 r[REPLY_MAX], tmp[REPLY_MAX];
	char			 addr[IN_CAP];
	int			 code, overridden;

	h = c->h;
	st = stage_of(c->cmd);
	tmpl = h->stg[st].reply;
	overridden = tmpl != NULL;
	addr[0] = '\0';
	r[0] = '\0';

	switch (st) {
	case STG_EHLO:
	case STG_HELO:
		p = c->cmd + 4;
		if (*skip_ws(p) == '\0') {
			tmpl = st == STG_EHLO ? "501 5.5.4 Syntax: EHLO hostname" :
			    "501 5.5.4 Syntax: HELO hostname";
		} else if (!overridden && st == STG_EHLO) {
			ehlo_reply(c, tmp, sizeof(tmp));
			tmpl = tmp;
		}
		break;
	case STG_MAIL:
		if (strncasecmp(c->cmd, "MAIL FROM:", 10) != 0) {
			tmpl = "501 5.5.4 Syntax: MAIL FROM:<address>";
			break;
		}
		p = c->cmd + 10;
		if (*p == ' ') {
			tlog(c, NULL, '!', "space after MAIL FROM:");
			p = skip_ws(p);
		}
		if (parse_path(p, 1, addr, sizeof(addr)) == -1) {
			tmpl = "501 5.1.7 Bad sender address syntax";
		} else if (!c->greeted) {
			tmpl = "503 5.5.1 Error: send HELO/EHLO first";
		} else if (c->in_txn) {
			tmpl = "503 5.5.1 Error: nested MAIL command";
		} else if (h->require_tls && c->tls != TLSC_ON) {
			tmpl = "530 5.7.0 Must issue a STARTTLS command first";
		}
		break;
	case STG_RCPT:
		if (strncasecmp(c->cmd, "RCPT TO:", 8) != 0) {
			tmpl = "501 5.5.4 Syntax: RCPT TO:<address>";
			break;
		}
		p = c->cmd + 8;
		if (*p == ' ') {
			tlog(c, NULL, '!', "space after RCPT TO:");
			p = skip_ws(p);
		}
		if (parse_path(p, 0, addr, sizeof(addr)) == -1) {
			tmpl = "501 5.1.3 Bad recipient address syntax";
		} else if (!c->in_txn) {
			tmpl = "503 5.5.1 Error: need MAIL command";
		} else if (overridden) {
			break;
		} else if (h->max_rcpt > 0 && c->accepted >= h->max_rcpt) {
			tmpl = "452 4.5.3 Too many recipients";
		} else if (h->grey_ms > 0 && greylisted(c, addr)) {
			tmpl = h->grey_reply;
		} else if ((rr = rcpt_find(h, addr)) != NULL) {
			tmpl = rr->reply;
		} else if (h->catch_all) {
			tmpl = stage_info[STG_RCPT].reply;
		} else if (h->rcpt_default != NULL) {
			tmpl = h->rcpt_default;
		} else {
			tmpl = "550 5.1.1 <%a>: Recipient address rejected: "
			    "User unknown";
		}
		break;
	case STG_STARTTLS:
		if (!overridden && (c->greeted != STG_EHLO ||
		    !has_cap(h, "STARTTLS"))) {
			tlog(c, NULL, '!', "STARTTLS without capability");
			tmpl = "502 5.5.1 Error: command not implemented";
		} else if (!overridden && c->tls == TLSC_ON) {
			tlog(c, NULL, '!', "STARTTLS inside TLS");
			tmpl = "503 5.5.1 Error: TLS already active";
		} else if (!overridden && h->tls_kind != TLSK_NONE &&
		    h->tls_kind != TLSK_REJECT) {
			tmpl = "220 2.0.0 Ready to start TLS";
		}
		break;
	default:
		break;
	}
	if (tmpl == NULL) {
		tmpl = stage_info[st].reply;
	}
	expand(r, sizeof(r), tmpl, c, addr);
	code = reply_code(r);
	conn_emit(c, st, r, c->cmd);
	if (code >= 400) {
		c->errors++;
	}

	switch (st) {
	case STG_EHLO:
	case STG_HELO:
		if (code / 100 == 2) {
			c->greeted = (int)st;
			c->pipelining_ok = st == STG_EHLO && !overridden &&
			    advertises_pipelining(h);
			c->in_txn = 0;
			c->accepted = 0;
		}
		break;
	case STG_MAIL:
		if (code / 100 == 2) {
			c->in_txn = 1;
			c->accepted = 0;
			snprintf(c->sender, sizeof(c->sender), "%s", addr);
		}
		break;
	case STG_RCPT:
		if (code / 100 == 2) {
			c->accepted++;
		}
		break;
	case STG_RSET:
		if (code / 100 == 2) {
			c->in_txn = 0;
			c->accepted = 0;
		}
		break;
	case STG_QUIT:
		c->closing = "server closed after QUIT";
		break;
	case STG_STARTTLS:
		if (code == 220 && tls_hook_start(c) == -1) {
			tlog(c, NULL, '!', "TLS not built into fakesmtp");
			c->closing = "server closed: no TLS";
		}
		break;
	default:
		break;
	}
}

static void
conn_exec(struct conn *c)
{
	char		 r[REPLY_MAX];
	const char	*tmpl;
	struct host	*h;

	h = c->h;
	switch (c->pend) {
	case PEND_BANNER:
		c->pend = PEND_NONE;
		if ((h->max_conn > 0 && h->cur_conns > h->max_conn) ||
		    (h->max_sessions > 0 && h->sessions > h->max_sessions)) {
			emit_lines(c, "421 4.7.0 Too many connections");
			c->closing = "server closed after 421";
			break;
		}
		if (c->rate_refused) {
			/* Postfix anvil: smtpd_client_connection_rate_limit */
			snprintf(r, sizeof(r), "421 4.7.0 %s Error: too many "
			    "connections from %s", h->name, c->ip);
			emit_lines(c, r);
			c->closing = "server closed after 421";
			break;
		}
		tmpl = h->stg[STG_BANNER].reply;
		expand(r, sizeof(r), tmpl != NULL ? tmpl :
		    stage_info[STG_BANNER].reply, c, "");
		conn_emit(c, STG_BANNER, r, "");
		if (reply_code(r) / 100 != 2 &&
		    h->stg[STG_BANNER].shape == SHAPE_NORMAL) {
			c->closing = "server closed after banner";
		}
		if (h->early_talk) {
			emit_lines(c, h->early_line);
		}
		break;
	case PEND_TOOLONG:
		c->pend = PEND_NONE;
		emit_lines(c, "500 5.5.2 Line too long");
		break;
	case PEND_CMD:
		c->pend = PEND_NONE;
		if (host_hard_errors(h) > 0 &&
		    c->errors >= host_hard_errors(h)) {
			/* Postfix smtpd.c: checked before each command */
			snprintf(r, sizeof(r), "421 4.7.0 %s Error: too many "
			    "errors", h->name);
			emit_lines(c, r);
			tlog(c, NULL, '=', "hard error limit (%ld errors)",
			    c->errors);
			c->closing = "server closed after 421";
			break;
		}
		conn_exec_cmd(c);
		break;
	case PEND_NONE:
		break;
	}
	c->unanswered--;
}

/*
 * Takes the next command, if the previous one is answered and the output
 * is not backed up, and answers it now or after the delay.
 * Returns -1 if the connection was closed.
 */
static int
conn_advance(struct conn *c)
{
	const struct stage_cfg	*sc;
	char			*nl;
	size_t			 n, take;
	enum stage		 st;

	for (;;) {
		if (c->pend != PEND_NONE || c->closing != NULL ||
		    c->endless || c->out_len - c->out_off > OUT_HIGH ||
		    (c->tls != TLSC_OFF && c->tls != TLSC_ON)) {
			return 0;
		}
		if (c->toolong_pending) {
			c->toolong_pending = 0;
			c->pend = PEND_TOOLONG;
		} else {
			nl = memchr(c->in, '\n', c->scan_off);
			if (nl == NULL) {
				return 0;
			}
			take = (size_t)(nl - c->in) + 1;
			n = take - 1;
			if (n > 0 && c->in[n - 1] == '\r') {
				n--;
			}
			memcpy(c->cmd, c->in, n);
			c->cmd[n] = '\0';
			c->cmd_len = n;
			memmove(c->in, c->in + take, c->in_len - take);
			c->in_len -= take;
			c->scan_off -= take;
			c->pend = PEND_CMD;
			st = stage_of(c->cmd);
			sc = &c->h->stg[st];
			if (sc->action != ACT_NONE) {
				conn_close(c, sc->action == ACT_RST,
				    "server %s at %s",
				    sc->action == ACT_RST ? "reset" : "closed",
				    stage_info[st].name);
				return -1;
			}
		}
		c->due_ms = now_ms + host_delay(c->h);
		if (host_soft_errors(c->h) > 0 &&
		    c->errors >= host_soft_errors(c->h)) {
			/* Postfix: smtpd_error_sleep_time before each reply */
			c->due_ms += c->h->error_sleep_ms;
		}
		if (c->due_ms > now_ms) {
			return 0;
		}
		conn_exec(c);
	}
}

/* ------------------------------------------------------------------ */
/* Connections: input                                                   */

/* Logs one complete line the client sent and any rule it broke. */
static void
conn_log_line(struct conn *c, const char *s, size_t n)
{
	size_t		 body;
	enum stage	 st;
	char		 verb[IN_CAP + 1];

	body = n - 1;
	if (body > 0 && s[body - 1] == '\r') {
		body--;
	}
	tlog_bytes(c, '>', s, body);
	if (body == n - 1) {
		tlog(c, NULL, '!', "bare LF");
	}
	if (memchr(s, '\r', body) != NULL) {
		tlog(c, NULL, '!', "CR inside command");
	}
	if (memchr(s, '\0', body) != NULL) {
		tlog(c, NULL, '!', "NUL in command");
	}
	if (n > SMTP_CMD_MAX) {
		tlog(c, NULL, '!', "command line over %d octets (%zu)",
		    SMTP_CMD_MAX, n);
	}
	memcpy(verb, s, body);
	verb[body] = '\0';
	st = stage_of(verb);
	if (c->unanswered > 0 && !c->pipelining_ok) {
		tlog(c, NULL, '!', "pipelined without PIPELINING");
	} else if (c->unanswered > 0 && c->last_ends_group) {
		/* RFC 2920 3.1 */
		tlog(c, NULL, '!', "command pipelined after %s",
		    stage_info[c->last_stage].verb);
	}
	if (st == STG_DATA) {
		tlog(c, NULL, '!', "DATA sent");
	} else if (st == STG_OTHER) {
		tlog(c, NULL, '!', "unknown command");
	}
	c->last_ends_group = stage_info[st].ends_group;
	c->last_stage = st;
	c->unanswered++;
}

/* Reads what is there; returns -1 if the connection was closed. */
static int
conn_read(struct conn *c)
{
	char		 buf[IN_CAP];
	ssize_t		 r;
	size_t		 room, i, start, ncmd;
	char		*nl;

	room = c->discarding ? sizeof(buf) : IN_CAP - c->in_len;
	if (room == 0) {
		return 0;
	}
	r = conn_recv(c, buf, room);
	if (r < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
			return 0;
		}
		conn_close(c, 0, "error on recv: %s", strerror(errno));
		return -1;
	}
	if (r == 0) {
		conn_close(c, 0, "client closed");
		return -1;
	}
	start = 0;
	ncmd = 0;
	if (c->discarding) {
		nl = memchr(buf, '\n', (size_t)r);
		if (nl == NULL) {
			c->discard_len += (size_t)r;
			return 0;
		}
		start = (size_t)(nl - buf) + 1;
		c->discard_len += start;
		c->discarding = 0;
		c->toolong_pending = 1;
		tlog(c, NULL, '=', "discarded line of %zu bytes",
		    c->discard_len);
		ncmd++;
		c->last_ends_group = 0;
		c->unanswered++;
	}
	memcpy(c->in + c->in_len, buf + start, (size_t)r - start);
	i = c->in_len;
	c->in_len += (size_t)r - start;
	/* count first, so the "= write" note precedes the lines */
	for (; i < c->in_len; i++) {
		if (c->in[i] == '\n') {
			ncmd++;
		}
	}
	if (ncmd > 0) {
		tlog(c, NULL, '=', "write %zu cmds", ncmd);
	}
	for (i = c->scan_off; i < c->in_len; i++) {
		if (c->in[i] == '\n') {
			conn_log_line(c, c->in + c->scan_off,
			    i + 1 - c->scan_off);
			c->scan_off = i + 1;
		}
	}
	if (c->in_len == IN_CAP && c->scan_off == 0) {
		tlog_bytes(c, '>', c->in, 80);
		tlog(c, NULL, '!', "line too long (over %d bytes)", IN_CAP);
		c->discarding = 1;
		c->discard_len = c->in_len;
		c->in_len = 0;
	}
	if (conn_advance(c) == -1) {
		return -1;
	}
	/* decrypted bytes poll() cannot see */
	if (c->tls == TLSC_ON && SSL_pending(c->ssl) > 0 &&
	    (c->discarding || c->in_len < IN_CAP)) {
		return conn_read(c);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Connections: time                                                    */

static void
conn_tick(struct conn *c)
{
	char	 buf[64];
	int	 n;

	if (c->pend != PEND_NONE && now_ms >= c->due_ms) {
		conn_exec(c);
		if (conn_advance(c) == -1) {
			return;
		}
	}
	if (c->endless && now_ms >= c->endless_next) {
		if (c->out_len - c->out_off < ENDLESS_HIGH) {
			n = snprintf(buf, sizeof(buf), "%s-endless line %ld",
			    c->endless_code, ++c->endless_i);
			out_line(c, buf, (size_t)n);
		}
		c->endless_next = now_ms + ENDLESS_MS;
	}
	if ((c->out_off < c->out_len || c->closing != NULL) &&
	    conn_flush(c) == -1) {
		return;
	}
	conn_schedule(c);
}

/* ------------------------------------------------------------------ */
/* Listeners                                                            */

static void
set_nonblock(int fd)
{
	int	 fl;

	fl = fcntl(fd, F_GETFL);
	if (fl != -1) {
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void
set_port(struct host *h, unsigned int port)
{
	if (h->ss.ss_family == AF_INET) {
		((struct sockaddr_in *)&h->ss)->sin_port = htons(port);
	} else {
		((struct sockaddr_in6 *)&h->ss)->sin6_port = htons(port);
	}
}

static unsigned int
get_port(int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;

	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		return 0;
	}
	if (ss.ss_family == AF_INET) {
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* Binds one host; returns 0, or -1 with errno set. */
static int
host_bind(struct host *h, unsigned int port)
{
	int	 fd, on, e;

	set_port(h, port);
	fd = socket(h->ss.ss_family, SOCK_STREAM, 0);
	if (fd == -1) {
		return -1;
	}
	on = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (h->ss.ss_family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	}
	if (bind(fd, (struct sockaddr *)&h->ss, h->sslen) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	set_nonblock(fd);
	h->lfd = fd;
	return 0;
}

static void
hosts_unbind(void)
{
	size_t	 i;

	for (i = 0; i < nhosts; i++) {
		if (hosts[i].lfd != -1) {
			close(hosts[i].lfd);
			hosts[i].lfd = -1;
		}
	}
}

/* Binds every host on one port; returns the port. */
static unsigned int
hosts_bind(unsigned int want)
{
	unsigned int	 port;
	size_t		 i;
	int		 try;

	for (try = 0; try < BIND_TRIES; try++) {
		port = want;
		for (i = 0; i < nhosts; i++) {
			if (hosts[i].refuse) {
				continue;
			}
			if (host_bind(&hosts[i], port) == -1) {
				break;
			}
			if (port == 0) {
				port = get_port(hosts[i].lfd);
			}
		}
		if (i == nhosts) {
			return port;
		}
		if (want != 0 || errno != EADDRINUSE) {
			die(EX_SOFT_, "bind %s port %u: %s", hosts[i].addr,
			    port, strerror(errno));
		}
		hosts_unbind();
	}
	die(EX_SOFT_, "no port free on all hosts after %d tries", BIND_TRIES);
	return 0;
}

static void
peer_name(struct conn *c, const struct sockaddr_storage *ss)
{
	unsigned int	 port;

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
		    c->ip, sizeof(c->ip));
		port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
		snprintf(c->peer, sizeof(c->peer), "%s:%u", c->ip, port);
	} else {
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)ss)->sin6_addr,
		    c->ip, sizeof(c->ip));
		port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
		snprintf(c->peer, sizeof(c->peer), "[%s]:%u", c->ip, port);
	}
}

static void
host_accept(struct host *h)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	struct conn		*c;
	int			 fd, i;
	enum action		 act;

	for (i = 0; i < 64; i++) {
		len = sizeof(ss);
		fd = accept(h->lfd, (struct sockaddr *)&ss, &len);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				tlog(NULL, h, '!', "accept: %s; pausing",
				    strerror(errno));
				h->paused_until = now_ms + 100;
			}
			return;
		}
		if (fd >= conns_cap) {
			tlog(NULL, h, '!', "fd %d over table size", fd);
			close(fd);
			continue;
		}
		set_nonblock(fd);
		if (opt_nodelay) {
			int	 on = 1;

			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
			    sizeof(on));
		}
		c = xmalloc(sizeof(*c));
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->id = ++conn_seq;
		c->h = h;
		c->wake_ms = INT64_MAX;
		peer_name(c, &ss);
		conns[fd] = c;
		if (fd > conn_hi) {
			conn_hi = fd;
		}
		h->cur_conns++;
		h->sessions++;
		tlog(c, NULL, '+', "%s", c->peer);
		c->rate_refused = conn_rate_over(h, c->ip);
		if (h->drip_bps > 0) {
			/* one byte at a time up to 100 B/s, then bursts */
			if (h->drip_bps <= 100) {
				c->drip_ms = 1000 / h->drip_bps;
				c->drip_chunk = 1;
			} else {
				c->drip_ms = 10;
				c->drip_chunk = (size_t)h->drip_bps / 100;
			}
		}
		act = h->stg[STG_BANNER].action;
		if (act != ACT_NONE) {
			conn_close(c, act == ACT_RST, "server %s at banner",
			    act == ACT_RST ? "reset" : "closed");
			continue;
		}
		if (h->blackhole) {
			c->mode = MODE_BLACKHOLE;
			continue;
		}
		if (h->no_read) {
			c->mode = MODE_NOREAD;
		}
		c->pend = PEND_BANNER;
		c->unanswered = 1;
		c->due_ms = now_ms + (h->banner_delay_ms >= 0 ?
		    h->banner_delay_ms : host_delay(h));
		conn_tick(c);
	}
}

/* ------------------------------------------------------------------ */
/* Main loop                                                            */

static void
on_signal(int sig)
{
	int	 e;

	e = errno;
	if (write(sig_pipe[1], &sig, 1) == -1) {
		/* nothing to do: the pipe is full, one byte is enough */
	}
	errno = e;
}

static void
write_ready(const char *path, unsigned int port)
{
	char	 tmp[PATH_MAX];
	FILE	*f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (f == NULL) {
		die(EX_SOFT_, "%s: %s", tmp, strerror(errno));
	}
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		die(EX_SOFT_, "%s: %s", path, strerror(errno));
	}
}

static void
usage(void)
{
	fputs("usage: fakesmtp -s SCENARIO [-p PORT] [-r READYFILE] "
	    "[-t TRANSCRIPT] [-d DELAY_MS] [-n] [-e SOFT:HARD] [-c N]\n",
	    stderr);
	exit(EX_USAGE_);
}

static void
loop(void)
{
	struct pollfd	*pfd;
	unsigned long	*pid;
	size_t		 cap, n, i, nlisten;
	struct conn	*c;
	struct tmr	 t;
	int64_t		 next;
	int		 fd, timeout, paused;
	short		 ev;
	char		 sb[16];

	cap = (size_t)conns_cap + nhosts + 1;
	pfd = xmalloc(cap * sizeof(*pfd));
	pid = xmalloc(cap * sizeof(*pid));
	for (;;) {
		now_ms = mono_ms();
		while (heap_len > 0 && heap[0].when <= now_ms) {
			t = heap_pop();
			c = conns[t.fd];
			if (c == NULL || c->id != t.id || c->wake_ms != t.when) {
				continue;
			}
			c->wake_ms = INT64_MAX;
			conn_tick(c);
			now_ms = mono_ms();
		}
		n = 0;
		pfd[n].fd = sig_pipe[0];
		pfd[n].events = POLLIN;
		pid[n++] = 0;
		paused = 0;
		nlisten = 0;
		for (i = 0; i < nhosts; i++) {
			if (hosts[i].lfd == -1) {
				continue;
			}
			if (hosts[i].paused_until > now_ms) {
				paused = 1;
				continue;
			}
			pfd[n].fd = hosts[i].lfd;
			pfd[n].events = POLLIN;
			pid[n++] = i;
			nlisten++;
		}
		for (fd = 0; fd <= conn_hi; fd++) {
			c = conns[fd];
			if (c == NULL) {
				continue;
			}
			ev = 0;
			if (c->mode != MODE_NORMAL) {
				ev |= POLLRDHUP;
			} else if (c->closing == NULL &&
			    (c->discarding || c->in_len < IN_CAP)) {
				ev |= POLLIN;
			}
			if ((c->out_off < c->out_len && c->drip_ms == 0) ||
			    c->ssl_want_write) {
				ev |= POLLOUT;
			}
			if (c->tls == TLSC_HS || c->tls == TLSC_GARBAGE ||
			    c->tls == TLSC_STALL) {
				ev |= POLLIN;
			}
			pfd[n].fd = fd;
			pfd[n].events = ev;
			pid[n++] = c->id;
		}
		timeout = -1;
		if (heap_len > 0) {
			next = heap[0].when - now_ms;
			timeout = next < 0 ? 0 : next > 60000 ? 60000 : (int)next;
		}
		if (paused && (timeout == -1 || timeout > 100)) {
			timeout = 100;
		}
		if (poll(pfd, (nfds_t)n, timeout) == -1) {
			if (errno == EINTR) {
				continue;
			}
			die(EX_SOFT_, "poll: %s", strerror(errno));
		}
		now_ms = mono_ms();
		if (pfd[0].revents != 0) {
			if (read(sig_pipe[0], sb, sizeof(sb)) > 0) {
				break;
			}
		}
		for (i = 1; i < n; i++) {
			if (pfd[i].revents == 0) {
				continue;
			}
			if (i <= nlisten) {
				host_accept(&hosts[pid[i]]);
				continue;
			}
			c = conns[pfd[i].fd];
			if (c == NULL || c->id != pid[i]) {
				continue;
			}
			if (c->mode != MODE_NORMAL &&
			    (pfd[i].revents & (POLLRDHUP | POLLHUP | POLLERR))) {
				conn_close(c, 0, "client closed");
				continue;
			}
			if (c->tls == TLSC_HS || c->tls == TLSC_GARBAGE ||
			    c->tls == TLSC_STALL) {
				if (tls_drive(c) == 0) {
					conn_schedule(c);
				}
				continue;
			}
			if (c->ssl_want_write && (pfd[i].revents & POLLOUT)) {
				c->ssl_want_write = 0;
				if (conn_read(c) == -1) {
					continue;
				}
			}
			if ((pfd[i].revents & POLLOUT) && conn_flush(c) == -1) {
				continue;
			}
			if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    c->mode == MODE_NORMAL && conn_read(c) == -1) {
				continue;
			}
			/* reset while our input is full: do not spin on it */
			if ((pfd[i].revents & (POLLHUP | POLLERR)) &&
			    c->mode == MODE_NORMAL && !c->discarding &&
			    c->in_len == IN_CAP) {
				conn_close(c, 0, "client hung up");
				continue;
			}
			conn_schedule(c);
		}
	}
	tlog(NULL, NULL, '-', "fakesmtp exiting");
	free(pfd);
	free(pid);
}

int
main(int argc, char **argv)
{
	struct rlimit		 rl;
	struct sigaction	 sa;
	const char		*scen, *ready, *trpath;
	unsigned int		 port;
	int			 ch, i;
	long			 v;
	char			*end;

	scen = ready = trpath = NULL;
	rl.rlim_cur = rl.rlim_max = 1024;
	port = 0;
	while ((ch = getopt(argc, argv, "s:p:r:t:d:ne:c:")) != -1) {
		switch (ch) {
		case 's':
			scen = optarg;
			break;
		case 'p':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 0 || v > 65535) {
				usage();
			}
			port = (unsigned int)v;
			break;
		case 'r':
			ready = optarg;
			break;
		case 't':
			trpath = optarg;
			break;
		case 'd':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 0 || v > 86400000L) {
				usage();
			}
			opt_delay_ms = v;
			break;
		case 'n':
			opt_nodelay = 1;
			break;
		case 'e':
			opt_soft_errors = strtol(optarg, &end, 10);
			if (*end != ':') {
				usage();
			}
			opt_hard_errors = strtol(end + 1, &end, 10);
			if (*end != '\0' || opt_soft_errors < 0 ||
			    opt_hard_errors < 0) {
				usage();
			}
			break;
		case 'c':
			opt_conn_rate = strtol(optarg, &end, 10);
			if (*end != '\0' || opt_conn_rate < 0 ||
			    opt_conn_rate > 100000) {
				usage();
			}
			break;
		default:
			usage();
		}
	}
	if (scen == NULL || optind != argc) {
		usage();
	}
	t0_ms = mono_ms();
	scenario_load(scen);
	tls_setup();

	if (trpath != NULL) {
		tr = strcmp(trpath, "-") == 0 ? stdout : fopen(trpath, "a");
		if (tr == NULL) {
			die(EX_SOFT_, "%s: %s", trpath, strerror(errno));
		}
	}

	/* 2,000+ concurrent clients need more than the usual 1024 fds */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	conns_cap = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1048576 ?
	    1048576 : (int)rl.rlim_cur;
	conns = calloc((size_t)conns_cap, sizeof(*conns));
	if (conns == NULL) {
		die(EX_SOFT_, "out of memory");
	}

	if (pipe(sig_pipe) == -1) {
		die(EX_SOFT_, "pipe: %s", strerror(errno));
	}
	for (i = 0; i < 2; i++) {
		set_nonblock(sig_pipe[i]);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	port = hosts_bind(port);
	for (i = 0; i < (int)nhosts; i++) {
		tlog(NULL, &hosts[i], '=', "%s port %u%s", hosts[i].refuse ?
		    "refusing" : "listening", port,
		    hosts[i].blackhole ? " blackhole" : "");
	}
	if (ready != NULL) {
		write_ready(ready, port);
	}
	loop();
	for (i = 0; i <= conn_hi; i++) {
		if (conns[i] != NULL) {
			conn_close(conns[i], 0, "server shutdown");
		}
	}
	hosts_unbind();
	if (tr != NULL && tr != stdout) {
		fclose(tr);
	}
	return 0;
}
