/*
 * resume.c - the set of addresses an earlier run answered; see resume.h.
 *
 * Two passes over the file: the first counts newlines (the size of the
 * one allocation), the second parses each whole line and keeps the
 * hash of each address with a final result.  Then one sort; lookups
 * are a binary search.  The writers' escapes (out.c) are undone here:
 * text and CSV "\\" and "\xHH", CSV quoting (RFC 4180), JSON "\"",
 * "\\" and "\u00HH"; "\ufffd" stands for a byte that is lost, so such
 * an address never matches (it failed the syntax check anyway, and is
 * checked again at no cost to any server).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out.h"
#include "resume.h"
#include "ring.h"
#include "util.h"
#include "verdict.h"

static uint64_t		*keys;
static uint64_t		 nkeys;

/* see resume.h */
uint64_t
resume_hash(const char *s, size_t n)
{
	uint64_t	 h = 14695981039346656037ULL;
	size_t		 i;

	for (i = 0; i < n; i++) {
		h = (h ^ (uint8_t)s[i]) * 1099511628211ULL;
	}
	return h;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* undo text/CSV escaping of s[0..n) into key; -1 when malformed */
static int
unescape_text(const char *s, size_t n, char *key, size_t cap, size_t *klen)
{
	size_t	 i, k = 0;
	int	 h1, h2;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\') {
			if (i + 1 < n && s[i + 1] == '\\') {
				i++;
			} else if (i + 3 < n && s[i + 1] == 'x' &&
			    (h1 = hexval(s[i + 2])) >= 0 &&
			    (h2 = hexval(s[i + 3])) >= 0) {
				c = (char)(h1 << 4 | h2);
				i += 3;
			} else {
				return -1;
			}
		}
		if (k >= cap) {
			return -1;
		}
		key[k++] = c;
	}
	*klen = k;
	return 0;
}

/*
 * A JSON string starting at s[*i] (after its opening quote) into key;
 * *i ends after the closing quote.  -1 when malformed or lossy.
 */
static int
json_string(const char *s, size_t n, size_t *i, char *key, size_t cap,
    size_t *klen)
{
	size_t	 k = 0;
	int	 h[4], j;

	while (*i < n && s[*i] != '"') {
		char c = s[(*i)++];

		if (c == '\\') {
			if (*i >= n) {
				return -1;
			}
			c = s[(*i)++];
			if (c == 'u') {
				if (*i + 4 > n) {
					return -1;
				}
				for (j = 0; j < 4; j++) {
					h[j] = hexval(s[*i + (size_t)j]);
					if (h[j] < 0) {
						return -1;
					}
				}
				*i += 4;
				if (h[0] != 0 || h[1] != 0) {
					return -1;	/* \ufffd: lost */
				}
				c = (char)(h[2] << 4 | h[3]);
			} else if (c == 'n') {
				c = '\n';
			} else if (c == 't') {
				c = '\t';
			} else if (c == 'r') {
				c = '\r';
			} else if (c != '"' && c != '\\' && c != '/') {
				return -1;
			}
		}
		if (k >= cap) {
			return -1;
		}
		key[k++] = c;
	}
	if (*i >= n) {
		return -1;
	}
	(*i)++;
	*klen = k;
	return 0;
}

static int
token_of(const char *s, size_t n, int verdicts)
{
	int	 i, max = verdicts ? V__COUNT : R__COUNT;

	for (i = 0; i < max; i++) {
		const char *t = verdicts ? verdict_token((enum verdict)i) :
		    reason_token((enum reason)i);

		if (t != NULL && strlen(t) == n && memcmp(t, s, n) == 0) {
			return i;
		}
	}
	return -1;
}

/* the field s[*i..) up to sep (or the end); its length */
static size_t
upto(const char *s, size_t n, size_t *i, char sep)
{
	size_t	 b = *i;

	while (*i < n && s[*i] != sep) {
		(*i)++;
	}
	return *i - b;
}

/*
 * After the key "prefix" (from the previous value's closing quote on),
 * a verdict or reason token; its index, or -1.  *i ends on the closing
 * quote of the value.
 */
static int
json_token(const char *s, size_t n, size_t *i, const char *prefix,
    int verdicts)
{
	size_t	 b, pl = strlen(prefix);

	if (n - *i < pl || memcmp(s + *i, prefix, pl) != 0) {
		return -1;
	}
	*i += pl;
	b = *i;
	return token_of(s + b, upto(s, n, i, '"'), verdicts);
}

static int
is_final(int v, int r, int keep_unknown)
{
	if (v != V_UNKNOWN) {
		return 1;
	}
	switch (r) {
	case R_INTERRUPTED:
	case R_INTERNAL:
	case R_PROXY_FAILED:	/* the proxy's failure, not the address's */
		return 0;
	case R_GREYLISTED:
	case R_TIMEOUT:
	case R_DNS_TIMEOUT:
	case R_RATE_LIMITED:
	case R_TEMP_FAILURE:
		return keep_unknown;
	default:
		return 1;
	}
}

/* see resume.h */
int
resume_parse(const char *s, size_t n, int keep_unknown, char *key,
    size_t cap, size_t *klen, int *final)
{
	size_t	 i = 0, b, vl, rl;
	int	 v, r;
	char	 sep;
	static const char jv[] = "\",\"verdict\":\"";
	static const char jr[] = "\",\"reason\":\"";

	if (n > 0 && s[0] == '{') {
		static const char ja[] = "{\"address\":\"";

		if (n < sizeof(ja) - 1 || memcmp(s, ja, sizeof(ja) - 1) != 0) {
			return 0;
		}
		i = sizeof(ja) - 1;
		if (json_string(s, n, &i, key, cap, klen) != 0) {
			return 0;
		}
		/* json_string ate the closing quote: step back onto it */
		i--;
		v = json_token(s, n, &i, jv, 1);
		r = v < 0 ? -1 : json_token(s, n, &i, jr, 0);
	} else {
		char	 q[RES_ADDR_MAX + 8];
		size_t	 ql = 0;

		sep = memchr(s, '\t', n) != NULL ? '\t' : ',';
		if (sep == ',' && n > 0 && s[0] == '"') {
			/* RFC 4180 quoted field, quotes doubled */
			for (i = 1; i < n; i++) {
				if (s[i] == '"') {
					if (i + 1 < n && s[i + 1] == '"') {
						i++;
					} else {
						break;
					}
				}
				if (ql >= sizeof(q)) {
					return 0;
				}
				q[ql++] = s[i];
			}
			if (i >= n) {
				return 0;
			}
			i++;
			if (unescape_text(q, ql, key, cap, klen) != 0) {
				return 0;
			}
		} else {
			b = i;
			if (unescape_text(s, upto(s, n, &i, sep), key, cap,
			    klen) != 0 || b != 0) {
				return 0;
			}
		}
		if (i >= n || s[i] != sep) {
			return 0;
		}
		i++;
		b = i;
		vl = upto(s, n, &i, sep);
		v = token_of(s + b, vl, 1);
		if (i >= n) {
			return 0;
		}
		i++;
		b = i;
		rl = upto(s, n, &i, sep);
		r = token_of(s + b, rl, 0);
	}
	if (v < 0 || r <= 0 || *klen == 0 || *klen > RES_ADDR_MAX) {
		/* a header, garbage, or a cut address (longer, "...") */
		return 0;
	}
	*final = is_final(v, r, keep_unknown);
	return 1;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* newlines in fd, and the offset just past the last one */
static int
count_lines(int fd, uint64_t *lines, off_t *good)
{
	char	 buf[16384];
	ssize_t	 r, i;
	off_t	 pos = 0;

	*lines = 0;
	*good = 0;
	for (;;) {
		r = read(fd, buf, sizeof(buf));
		if (r < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -1;
		}
		if (r == 0) {
			return 0;
		}
		for (i = 0; i < r; i++) {
			if (buf[i] == '\n') {
				(*lines)++;
				*good = pos + i + 1;
			}
		}
		pos += r;
	}
}

/* see resume.h */
int
resume_load(const char *path, int keep_unknown, off_t *good_len,
    uint64_t *lines)
{
	FILE		*f;
	int		 fd, final, saved, skipping = 0;
	char		 line[OUT_LINE_MAX + 2], key[RES_ADDR_MAX + 4];
	size_t		 n, klen;
	uint64_t	 cap, i, j;

	*good_len = 0;
	*lines = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return errno == ENOENT ? 0 : -1;
	}
	if (count_lines(fd, lines, good_len) != 0 ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	cap = *lines > 0 ? *lines : 1;
	if (cap > SIZE_MAX / sizeof(*keys) ||
	    (keys = malloc((size_t)cap * sizeof(*keys))) == NULL) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	nkeys = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		n = strlen(line);
		if (n == 0 || line[n - 1] != '\n') {
			/* over-long (skip to its end) or the torn last line */
			skipping = 1;
			continue;
		}
		if (skipping) {
			skipping = 0;
			continue;
		}
		n--;
		if (n > 0 && line[n - 1] == '\r') {
			n--;
		}
		if (nkeys < cap && resume_parse(line, n, keep_unknown, key,
		    sizeof(key), &klen, &final) && final) {
			keys[nkeys++] = resume_hash(key, klen);
		}
	}
	saved = ferror(f) ? errno : 0;
	fclose(f);
	if (saved != 0) {
		errno = saved;
		return -1;
	}
	qsort(keys, (size_t)nkeys, sizeof(*keys), cmp_u64);
	for (i = j = 0; i < nkeys; i++) {
		if (j == 0 || keys[i] != keys[j - 1]) {
			keys[j++] = keys[i];
		}
	}
	nkeys = j;
	return 0;
}

/* see resume.h */
int
resume_done(const char *s, size_t n)
{
	uint64_t	 h, lo = 0, hi = nkeys;

	if (nkeys == 0) {
		return 0;
	}
	h = resume_hash(s, n);
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (keys[mid] < h) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo < nkeys && keys[lo] == h;
}

/* see resume.h */
uint64_t
resume_count(void)
{
	return nkeys;
}

/* see resume.h */
void
resume_free(void)
{
	free(keys);
	keys = NULL;
	nkeys = 0;
}
