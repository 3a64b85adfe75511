/*
 * hostlim.c - politeness limits by mail host name; see hostlim.h.
 *
 * The file table is allocated once, at start-up, for the rules the file
 * holds; lookups walk it and then the built-in table (a few dozen rules
 * at most: a linear walk per new session costs nothing next to a TCP
 * handshake).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostlim.h"
#include "util.h"

/*
 * Providers whose mail hosts throttle verification hard: fewer sessions
 * and recipients per transaction keep us out of their blocks.  Matched on
 * the best MX host's name.
 */
static const struct hostlim builtin[] = {
	{ "*.google.com",	1, 5, 0, 0 },
	{ "*.googlemail.com",	1, 5, 0, 0 },
	{ "*.outlook.com",	1, 5, 0, 0 },
	{ "*.yahoodns.net",	1, 3, 0, 0 },
	{ "*.mail.ru",		1, 5, 0, 0 },
	{ "*.icloud.com",	1, 5, 0, 0 },
};

static struct hostlim	*rules;
static size_t		 nrules;

#define FILE_MAX	65536
#define LINE_MAX_	512

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int
match(const char *pat, const char *host)
{
	size_t	 hn = strlen(host), pn;
	size_t	 i;

	if (strcmp(pat, "*") == 0) {
		return 1;
	}
	if (pat[0] == '*') {
		pn = strlen(pat + 1);	/* ".suffix" */
		if (hn <= pn) {
			return 0;
		}
		for (i = 0; i < pn; i++) {
			if (lower(host[hn - pn + i]) != pat[1 + i]) {
				return 0;
			}
		}
		return 1;
	}
	if (hn != strlen(pat)) {
		return 0;
	}
	for (i = 0; i < hn; i++) {
		if (lower(host[i]) != pat[i]) {
			return 0;
		}
	}
	return 1;
}

/* see hostlim.h */
const struct hostlim *
hostlim_find(const char *host)
{
	size_t	 i;

	if (host == NULL || host[0] == '\0') {
		return NULL;
	}
	for (i = 0; i < nrules; i++) {
		if (match(rules[i].pat, host)) {
			return &rules[i];
		}
	}
	for (i = 0; i < MXP_NELEM(builtin); i++) {
		if (match(builtin[i].pat, host)) {
			return &builtin[i];
		}
	}
	return NULL;
}

static int
fail(char *err, size_t cap, const char *name, unsigned line,
    const char *why, const char *what, size_t wn)
{
	struct buf	 b;

	buf_init(&b, err, cap - 1);
	buf_adds(&b, name);
	buf_addc(&b, ':');
	buf_addu(&b, line);
	buf_adds(&b, ": ");
	buf_adds(&b, why);
	if (what != NULL) {
		buf_adds(&b, " \"");
		buf_add(&b, what, wn > 40 ? 40 : wn);
		buf_adds(&b, wn > 40 ? "...\"" : "\"");
	}
	buf_nul(&b);
	return -1;
}

/* a host name pattern: "*", "*.labels" or "labels", letters digits - . */
static int
pat_ok(const char *p, size_t n)
{
	size_t	 i = 0;

	if (n == 1 && p[0] == '*') {
		return 1;
	}
	if (p[0] == '*') {
		if (n < 3 || p[1] != '.') {
			return 0;
		}
		i = 2;
	}
	if (n > HOSTLIM_PAT_MAX || p[i] == '.' || p[n - 1] == '.') {
		return 0;
	}
	for (; i < n; i++) {
		char c = lower(p[i]);

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_') ||
		    (c == '.' && p[i - 1] == '.')) {
			return 0;
		}
	}
	return 1;
}

/* one "key=value"; 0 or -1 */
static int
set_key(struct hostlim *r, const char *w, size_t n)
{
	static const struct {
		const char	*key;
		uint32_t	 max;
	} keys[] = {
		{ "sessions", 64 }, { "batch", 32 }, { "conn", 100000 },
		{ "rcpt", 1000000 },
	};
	const char	*eq = memchr(w, '=', n);
	char		 num[16];
	uint64_t	 v;
	size_t		 k, kn;

	if (eq == NULL) {
		return -1;
	}
	kn = (size_t)(eq - w);
	for (k = 0; k < MXP_NELEM(keys); k++) {
		if (strlen(keys[k].key) == kn && memcmp(w, keys[k].key, kn) == 0) {
			break;
		}
	}
	if (k == MXP_NELEM(keys) || n - kn - 1 == 0 ||
	    n - kn - 1 >= sizeof(num)) {
		return -1;
	}
	memcpy(num, eq + 1, n - kn - 1);
	num[n - kn - 1] = '\0';
	if (parse_u64(num, 1, keys[k].max, &v) != 0) {
		return -1;
	}
	switch (k) {
	case 0:
		r->sessions = (uint16_t)v;
		break;
	case 1:
		r->batch = (uint16_t)v;
		break;
	case 2:
		r->conn_min = (uint32_t)v;
		break;
	default:
		r->rcpt_min = (uint32_t)v;
		break;
	}
	return 0;
}

/* see hostlim.h */
int
hostlim_parse(const char *buf, size_t len, const char *name, char *err,
    size_t cap)
{
	struct hostlim	 tab[HOSTLIM_MAX];
	const char	*p = buf, *end = buf + len, *nl, *w, *le;
	unsigned	 line = 0;
	size_t		 n = 0, wn, i;

	while (p < end) {
		struct hostlim	 r;
		int		 first = 1, keys = 0;

		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		le = nl != NULL ? nl : end;
		if ((size_t)(le - p) > LINE_MAX_) {
			return fail(err, cap, name, line, "line over 512 bytes",
			    NULL, 0);
		}
		if (memchr(p, '\0', (size_t)(le - p)) != NULL) {
			return fail(err, cap, name, line, "NUL byte", NULL, 0);
		}
		memset(&r, 0, sizeof(r));
		for (w = p; w < le; w += wn) {
			while (w < le && (*w == ' ' || *w == '\t' ||
			    *w == '\r')) {
				w++;
			}
			if (w == le || *w == '#') {
				break;
			}
			for (wn = 0; w + wn < le && w[wn] != ' ' &&
			    w[wn] != '\t' && w[wn] != '\r'; wn++) {
				continue;
			}
			if (first) {
				if (!pat_ok(w, wn)) {
					return fail(err, cap, name, line, "not a "
					    "host name pattern", w, wn);
				}
				for (i = 0; i < wn; i++) {
					r.pat[i] = lower(w[i]);
				}
				first = 0;
				continue;
			}
			if (set_key(&r, w, wn) != 0) {
				return fail(err, cap, name, line, "want sessions=N, "
				    "batch=N, conn=N or rcpt=N (N from 1), not",
				    w, wn);
			}
			keys++;
		}
		if (!first && keys == 0) {
			return fail(err, cap, name, line, "a pattern without "
			    "limits", NULL, 0);
		}
		if (!first) {
			if (n == HOSTLIM_MAX) {
				return fail(err, cap, name, line, "more than 256 "
				    "rules", NULL, 0);
			}
			tab[n++] = r;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	free(rules);
	rules = NULL;
	nrules = 0;
	if (n > 0) {
		rules = calloc(n, sizeof(*rules));
		if (rules == NULL) {
			return fail(err, cap, name, line, "out of memory", NULL,
			    0);
		}
		memcpy(rules, tab, n * sizeof(*rules));
		nrules = n;
	}
	return 0;
}

/* see hostlim.h */
int
hostlim_load(const char *path, char *err, size_t cap)
{
	static char	 buf[FILE_MAX + 1];
	size_t		 len = 0;
	ssize_t		 r;
	int		 fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return fail(err, cap, path, 0, strerror(errno), NULL, 0);
	}
	while ((r = read(fd, buf + len, sizeof(buf) - len)) > 0 &&
	    len + (size_t)r < sizeof(buf)) {
		len += (size_t)r;
	}
	if (r < 0) {
		int e = errno;

		close(fd);
		return fail(err, cap, path, 0, strerror(e), NULL, 0);
	}
	close(fd);
	if (r > 0) {
		return fail(err, cap, path, 0, "over 64 KiB", NULL, 0);
	}
	return hostlim_parse(buf, len, path, err, cap);
}
