/*
 * fakesocks: a scripted, optionally hostile SOCKS 5 proxy (RFC 1928,
 * RFC 1929) for mxprobe's tests.
 *
 *   fakesocks -r READYFILE [-b ADDR] [-p PORT] [-m MODE] [-a USER:PASS]
 *             [-R ADDR=CODE]... [-l LOG]
 *
 * It listens on ADDR (default 127.0.0.1) and PORT (default: a free one),
 * writes the port into READYFILE when it accepts connections, and serves
 * each client in a child process (fork): greeting, optional
 * user/password (-a: required), CONNECT.  A CONNECT to an address given
 * with -R is answered with that reply code; any other is really
 * connected and relayed both ways until either side closes, so SMTP and
 * STARTTLS run through it end to end.
 *
 * MODE makes the proxy hostile:
 *   ok          (default) as above
 *   badver      the method reply has version 4
 *   trunc-hello one byte of the method reply, then close
 *   trunc-conn  four bytes of the CONNECT reply, then close
 *   badatyp     the CONNECT reply has address type 9
 *   drip        every reply byte by byte, 100 ms apart (then relays)
 *   stall       accepts, never answers
 *   noauth      answers the greeting with 0xFF (no acceptable method)
 *   hangup      closes after reading the CONNECT request
 *   stall-conn  reads the CONNECT request, never answers it
 *
 * LOG gets one line per event: "hello", "auth ok USER" / "auth bad
 * USER", "connect ADDR PORT", "reply CODE"; appended with O_APPEND by
 * each child, so lines never mix.
 *
 * C99 + POSIX.1-2008; a test tool, simple over clever.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RULES_MAX	32

static const char	*mode = "ok";
static const char	*auth;		/* USER:PASS, or NULL */
static int		 logfd = -1;
static struct {
	int		 family;
	unsigned char	 a[16];
	int		 code;
} rules[RULES_MAX];
static int		 nrules;

static void
die(const char *what)
{
	fprintf(stderr, "fakesocks: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
logf_(const char *fmt, ...)
{
	char	 line[512];
	int	 len;
	va_list	 ap;

	if (logfd < 0) {
		return;
	}
	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len > 0 && (size_t)len < sizeof(line)) {
		(void)!write(logfd, line, (size_t)len);
	}
}

static void
nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
		continue;
	}
}

/* read exactly n bytes; 0, or -1 when the client went away */
static int
get(int fd, unsigned char *p, size_t n)
{
	ssize_t	 r;

	while (n > 0) {
		r = read(fd, p, n);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int	 dripping;	/* the SOCKS replies, not the tunnel */

static int
put(int fd, const unsigned char *p, size_t n)
{
	ssize_t	 w;
	size_t	 i;

	if (dripping) {
		for (i = 0; i < n; i++) {
			nap(100);
			if (write(fd, p + i, 1) != 1) {
				return -1;
			}
		}
		return 0;
	}
	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* copy both ways until either side closes */
static void
relay(int a, int b)
{
	struct pollfd	 pf[2];
	char		 buf[16384];
	ssize_t		 n;
	int		 i;

	pf[0].fd = a;
	pf[1].fd = b;
	pf[0].events = pf[1].events = POLLIN;
	for (;;) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR) {
				continue;
			}
			return;
		}
		for (i = 0; i < 2; i++) {
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) {
				continue;
			}
			n = read(pf[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				return;
			}
			if (put(pf[1 - i].fd, (unsigned char *)buf,
			    (size_t)n) != 0) {
				return;
			}
		}
	}
}

static void
serve(int c)
{
	unsigned char	 h[2], m[256], req[22], rep[22];
	unsigned char	 u[256], p[256], ul, pl;
	char		 text[64], cred[520];
	int		 i, want_auth, fam, code = 0, d;
	size_t		 al;
	uint16_t	 port;
	struct sockaddr_storage ss;
	socklen_t	 sl;

	if (get(c, h, 2) != 0 || h[0] != 5 || get(c, m, h[1]) != 0) {
		return;
	}
	logf_("hello\n");
	if (strcmp(mode, "stall") == 0) {
		nap(600000);
		return;
	}
	if (strcmp(mode, "badver") == 0) {
		put(c, (const unsigned char *)"\4\0", 2);
		nap(200);
		return;
	}
	if (strcmp(mode, "trunc-hello") == 0) {
		put(c, (const unsigned char *)"\5", 1);
		return;
	}
	if (strcmp(mode, "noauth") == 0) {
		put(c, (const unsigned char *)"\5\377", 2);
		nap(200);
		return;
	}
	want_auth = auth != NULL;
	if (want_auth) {
		for (i = 0; i < h[1] && m[i] != 2; i++) {
			continue;
		}
		if (i == h[1]) {
			put(c, (const unsigned char *)"\5\377", 2);
			return;
		}
		put(c, (const unsigned char *)"\5\2", 2);
		if (get(c, h, 2) != 0 || h[0] != 1 || get(c, u, h[1]) != 0 ||
		    get(c, &pl, 1) != 0 || get(c, p, pl) != 0) {
			return;
		}
		ul = h[1];
		snprintf(cred, sizeof(cred), "%.*s:%.*s", (int)ul, (char *)u,
		    (int)pl, (char *)p);
		if (strcmp(cred, auth) != 0) {
			logf_("auth bad %.*s\n", (int)ul, (char *)u);
			put(c, (const unsigned char *)"\1\1", 2);
			return;
		}
		logf_("auth ok %.*s\n", (int)ul, (char *)u);
		put(c, (const unsigned char *)"\1\0", 2);
	} else {
		put(c, (const unsigned char *)"\5\0", 2);
	}
	if (get(c, req, 4) != 0 || req[0] != 5 || req[1] != 1 ||
	    (req[3] != 1 && req[3] != 4)) {
		return;
	}
	al = req[3] == 1 ? 4 : 16;
	fam = req[3] == 1 ? AF_INET : AF_INET6;
	if (get(c, req + 4, al + 2) != 0) {
		return;
	}
	port = (uint16_t)(req[4 + al] << 8 | req[5 + al]);
	inet_ntop(fam, req + 4, text, sizeof(text));
	logf_("connect %s %u\n", text, (unsigned)port);
	if (strcmp(mode, "hangup") == 0) {
		return;
	}
	if (strcmp(mode, "stall-conn") == 0) {
		nap(600000);
		return;
	}
	for (i = 0; i < nrules; i++) {
		if (rules[i].family == fam &&
		    memcmp(rules[i].a, req + 4, al) == 0) {
			code = rules[i].code;
		}
	}
	d = -1;
	memset(&ss, 0, sizeof(ss));
	if (code == 0) {
		if (fam == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			memcpy(&s4->sin_addr, req + 4, 4);
			s4->sin_port = htons(port);
			sl = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			memcpy(&s6->sin6_addr, req + 4, 16);
			s6->sin6_port = htons(port);
			sl = sizeof(*s6);
		}
		d = socket(fam, SOCK_STREAM, 0);
		if (d >= 0) {
			int one = 1;

			/* relayed commands must not wait for delayed ACKs */
			setsockopt(d, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
		}
		if (d < 0 || connect(d, (struct sockaddr *)&ss, sl) != 0) {
			code = errno == ECONNREFUSED ? 5 : 4;
		}
	}
	/* BND.ADDR: the address the proxy connected from (IPv4 here) */
	memset(rep, 0, sizeof(rep));
	rep[0] = 5;
	rep[1] = (unsigned char)code;
	rep[3] = strcmp(mode, "badatyp") == 0 ? 9 : 1;
	if (d >= 0 && code == 0) {
		struct sockaddr_storage	 me;
		socklen_t		 ml = sizeof(me);

		if (getsockname(d, (struct sockaddr *)&me, &ml) == 0 &&
		    me.ss_family == AF_INET) {
			memcpy(rep + 4, &((struct sockaddr_in *)&me)->sin_addr,
			    4);
		}
	}
	logf_("reply %d\n", code);
	if (strcmp(mode, "trunc-conn") == 0) {
		put(c, rep, 4);
		return;
	}
	if (put(c, rep, 10) != 0 || code != 0) {
		return;
	}
	dripping = 0;
	relay(c, d);
}

int
main(int argc, char **argv)
{
	const char		*ready = NULL, *bind_to = "127.0.0.1";
	int			 opt, ls, c, port = 0, one = 1;
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	FILE			*f;
	char			*eq;

	while ((opt = getopt(argc, argv, "r:b:p:m:a:R:l:")) != -1) {
		switch (opt) {
		case 'r':
			ready = optarg;
			break;
		case 'b':
			bind_to = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'm':
			mode = optarg;
			break;
		case 'a':
			auth = optarg;
			break;
		case 'R':
			eq = strchr(optarg, '=');
			if (eq == NULL || nrules == RULES_MAX) {
				fprintf(stderr, "fakesocks: -R ADDR=CODE\n");
				return 2;
			}
			*eq = '\0';
			rules[nrules].family = strchr(optarg, ':') != NULL ?
			    AF_INET6 : AF_INET;
			if (inet_pton(rules[nrules].family, optarg,
			    rules[nrules].a) != 1) {
				fprintf(stderr, "fakesocks: bad -R address\n");
				return 2;
			}
			rules[nrules++].code = atoi(eq + 1);
			break;
		case 'l':
			logfd = open(optarg, O_WRONLY | O_CREAT | O_APPEND, 0644);
			if (logfd < 0) {
				die(optarg);
			}
			break;
		default:
			fprintf(stderr, "usage: fakesocks -r READY [-b ADDR] "
			    "[-p PORT] [-m MODE] [-a USER:PASS] [-R ADDR=CODE] "
			    "[-l LOG]\n");
			return 2;
		}
	}
	signal(SIGCHLD, SIG_IGN);	/* children reap themselves */
	signal(SIGPIPE, SIG_IGN);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0) {
		die("socket");
	}
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, bind_to, &sin.sin_addr) != 1) {
		fprintf(stderr, "fakesocks: bad -b address\n");
		return 2;
	}
	if (bind(ls, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(ls, 64) != 0 ||
	    getsockname(ls, (struct sockaddr *)&sin, &sl) != 0) {
		die("bind/listen");
	}
	if (ready != NULL) {
		char tmp[4096];

		snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
		f = fopen(tmp, "w");
		if (f == NULL) {
			die(ready);
		}
		fprintf(f, "%d\n", ntohs(sin.sin_port));
		fclose(f);
		rename(tmp, ready);
	}
	for (;;) {
		c = accept(ls, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED) {
				continue;
			}
			die("accept");
		}
		switch (fork()) {
		case 0:
			close(ls);
			/* no child outlives the test that killed us */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			dripping = strcmp(mode, "drip") == 0;
			setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
			serve(c);
			_exit(0);
		case -1:
			close(c);
			break;
		default:
			close(c);
			break;
		}
	}
}
