/*
 * proxy.c - the configured SOCKS 5 proxies; see proxy.h.
 *
 * A fixed table filled once at start-up.  The hash that pins a domain to
 * a proxy is the --shard hash (result.h), so the choice is the same run
 * after run and on every host given the same list.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <udns.h>

#include "mx.h"
#include "proxy.h"
#include "result.h"
#include "util.h"

struct proxy {
	struct socks_url	 url;
	char			 name[SOCKS_HOST_MAX + 9];
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int64_t			 off_until;	/* backed off before this */
};

static struct proxy	 px[PROXY_MAX];
static unsigned		 npx;

/* resolve u's host into p (start-up only: may block on a name) */
static const char *
resolve(struct proxy *p)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&p->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&p->ss;
	struct dns_rr_a4	*a4;
	struct dns_rr_a6	*a6;

	memset(&p->ss, 0, sizeof(p->ss));
	if (inet_pton(AF_INET, p->url.host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p->url.port);
		p->len = sizeof(*sin);
		return NULL;
	}
	if (inet_pton(AF_INET6, p->url.host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p->url.port);
		p->len = sizeof(*sin6);
		return NULL;
	}
	/* a name: once, at start-up, on mxprobe's resolver (--dns) */
	a4 = dns_resolve_a4(mx_dns(), p->url.host, DNS_NOSRCH);
	if (a4 != NULL && a4->dnsa4_nrr > 0) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p->url.port);
		memcpy(&sin->sin_addr, &a4->dnsa4_addr[0], 4);
		p->len = sizeof(*sin);
		free(a4);
		return NULL;
	}
	free(a4);
	a6 = dns_resolve_a6(mx_dns(), p->url.host, DNS_NOSRCH);
	if (a6 != NULL && a6->dnsa6_nrr > 0) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p->url.port);
		memcpy(&sin6->sin6_addr, &a6->dnsa6_addr[0], 16);
		p->len = sizeof(*sin6);
		free(a6);
		return NULL;
	}
	free(a6);
	return "cannot resolve the proxy host";
}

/* add one URL; NULL, or why not */
static const char *
add(const char *s, size_t n)
{
	struct proxy	*p;
	const char	*why;
	struct buf	 b;

	if (npx == PROXY_MAX) {
		return "too many proxies (at most 32)";
	}
	p = &px[npx];
	if (socks_url_parse(s, n, &p->url, &why) != 0) {
		return why;
	}
	if ((why = resolve(p)) != NULL) {
		return why;
	}
	buf_init(&b, p->name, sizeof(p->name) - 1);
	if (strchr(p->url.host, ':') != NULL) {
		buf_addc(&b, '[');
		buf_adds(&b, p->url.host);
		buf_addc(&b, ']');
	} else {
		buf_adds(&b, p->url.host);
	}
	buf_addc(&b, ':');
	buf_addu(&b, p->url.port);
	buf_nul(&b);
	npx++;
	return NULL;
}

/* --proxy-file: one URL a line; blank lines and # comments skipped */
static void
load_file(const char *file)
{
	static char	 mem[PROXY_FILE_MAX + 1];
	size_t		 len = 0, lineno = 0, i, start;
	ssize_t		 r;
	int		 fd;
	char		 ln[24];
	struct buf	 b;
	const char	*why;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		die(EXIT_USAGE, "--proxy-file ", file, ": ", strerror(errno),
		    NULL);
	}
	while ((r = read(fd, mem + len, sizeof(mem) - len)) > 0) {
		len += (size_t)r;
		if (len == sizeof(mem)) {
			close(fd);
			die(EXIT_USAGE, "--proxy-file ", file, ": over 64 KiB",
			    NULL);
		}
	}
	close(fd);
	if (r < 0) {
		die(EXIT_USAGE, "--proxy-file ", file, ": ", strerror(errno),
		    NULL);
	}
	for (start = 0; start < len; start = i + 1) {
		size_t	 a, e;

		for (i = start; i < len && mem[i] != '\n'; i++) {
			continue;
		}
		lineno++;
		buf_init(&b, ln, sizeof(ln) - 1);
		buf_addu(&b, lineno);
		buf_nul(&b);
		if (i - start > PROXY_LINE_MAX) {
			die(EXIT_USAGE, file, ":", ln, ": line over 1024 "
			    "octets", NULL);
		}
		for (a = start; a < i && (mem[a] == ' ' || mem[a] == '\t');
		    a++) {
			continue;
		}
		for (e = i; e > a && (mem[e - 1] == ' ' ||
		    mem[e - 1] == '\t' || mem[e - 1] == '\r'); e--) {
			continue;
		}
		if (a == e || mem[a] == '#') {
			continue;
		}
		if (memchr(mem + a, '\0', e - a) != NULL) {
			die(EXIT_USAGE, file, ":", ln, ": NUL byte", NULL);
		}
		if ((why = add(mem + a, e - a)) != NULL) {
			die(EXIT_USAGE, file, ":", ln, ": ", why, NULL);
		}
	}
	if (npx == 0) {
		die(EXIT_USAGE, "--proxy-file ", file, ": no proxy in it",
		    NULL);
	}
}

/* see proxy.h */
void
proxy_init(const struct config *cfg)
{
	const char	*why;
	int		 i;

	npx = 0;
	for (i = 0; i < cfg->nproxy; i++) {
		if ((why = add(cfg->proxy[i], strlen(cfg->proxy[i]))) != NULL) {
			/* the URL may hold a password: name the option only */
			die(EXIT_USAGE, "--proxy: ", why, NULL);
		}
	}
	if (cfg->proxy_file != NULL) {
		load_file(cfg->proxy_file);
	}
}

/* see proxy.h */
unsigned
proxy_count(void)
{
	return npx;
}

/* see proxy.h */
int
proxy_pick(const char *domain, int64_t now, int *pinned)
{
	unsigned	 h, i;

	*pinned = -1;
	if (npx == 0) {
		return -1;
	}
	h = res_fnv1a(domain, strlen(domain), 0) % npx;
	*pinned = (int)h;
	for (i = 0; i < npx; i++) {
		if (px[(h + i) % npx].off_until <= now) {
			return (int)((h + i) % npx);
		}
	}
	return -1;
}

/* see proxy.h */
const struct socks_url *
proxy_url(int i)
{
	return &px[i].url;
}

/* see proxy.h */
const char *
proxy_name(int i)
{
	return px[i].name;
}

/* see proxy.h */
void
proxy_addr(int i, struct sockaddr_storage *ss, socklen_t *len)
{
	*ss = px[i].ss;
	*len = px[i].len;
}

/* see proxy.h */
void
proxy_back_off(int i, int64_t now)
{
	px[i].off_until = now + PROXY_BACKOFF_MS;
}
