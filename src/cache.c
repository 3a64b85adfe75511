/*
 * cache.c - bounded result cache for serve mode; see cache.h.
 *
 * Invariants: slot i is in exactly one hash chain when expires != 0;
 * the next slot to (over)write is `head`, going round the ring, so the
 * oldest entry is always the one replaced.  Lookups are O(chain); the
 * index has twice as many heads as slots.
 *
 * File format, one entry per line, fields separated by one space, the
 * text last (it may hold spaces; no control bytes are written):
 *   mxprobe-cache 1
 *   EXPIRES_UNIX VERDICT REASON CODE ECODE|- CATCHALL MX|- KEY TEXT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "result.h"
#include "util.h"
#include "verdict.h"

static struct cache_ent	*ents;
static uint32_t		*heads;
static size_t		 nents, nheads, head;
static uint64_t		 hits, misses;
/* TTLs per kind (ms): cache_ttls() sets them from --ttl-* before use */
static int64_t		 ttl_pos, ttl_neg, ttl_tmp;
static int		 owner_set;
static uid_t		 owner_uid;

/* see cache.h */
int
cache_init(size_t n)
{
	nents = n;
	if (n == 0) {
		return 0;
	}
	for (nheads = 1; nheads < 2 * n; nheads <<= 1) {
		continue;
	}
	ents = calloc(n, sizeof(*ents));
	heads = calloc(nheads, sizeof(*heads));
	return ents == NULL || heads == NULL ? -1 : 0;
}

static void
unlink_slot(size_t i)
{
	uint32_t	*pp = &heads[ents[i].hash & (nheads - 1)];

	while (*pp != 0) {
		if (*pp == i + 1) {
			*pp = ents[i].next;
			break;
		}
		pp = &ents[*pp - 1].next;
	}
	ents[i].expires = 0;
}

static struct cache_ent *
find(const char *key, size_t len, uint32_t h)
{
	uint32_t	 i;

	for (i = heads[h & (nheads - 1)]; i != 0; i = ents[i - 1].next) {
		struct cache_ent *e = &ents[i - 1];

		if (e->hash == h && e->key_len == len &&
		    memcmp(e->key, key, len) == 0) {
			return e;
		}
	}
	return NULL;
}

/* see cache.h */
const struct cache_ent *
cache_get(const char *key, size_t len, int64_t now)
{
	struct cache_ent	*e;

	if (nents == 0 || len > ADDR_PATH_MAX) {
		misses++;
		return NULL;
	}
	e = find(key, len, res_fnv1a(key, len, 0));
	if (e == NULL || e->expires <= now) {
		misses++;
		return NULL;
	}
	hits++;
	return e;
}

static void
copy_text(char *dst, size_t cap, const char *src)
{
	size_t	 i;

	for (i = 0; i + 1 < cap && src[i] != '\0'; i++) {
		/* stored on one line: controls become spaces */
		dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ?
		    ' ' : src[i];
	}
	dst[i] = '\0';
}

static struct cache_ent *
slot_for(const char *key, size_t len, uint32_t h)
{
	struct cache_ent	*e = find(key, len, h);
	size_t			 i;

	if (e != NULL) {
		i = (size_t)(e - ents);
		unlink_slot(i);
	} else {
		i = head;
		head = (head + 1) % nents;
		if (ents[i].expires != 0) {
			unlink_slot(i);
		}
		e = &ents[i];
	}
	memset(e, 0, sizeof(*e));
	e->hash = h;
	e->key_len = (uint16_t)len;
	memcpy(e->key, key, len);
	e->next = heads[h & (nheads - 1)];
	heads[h & (nheads - 1)] = (uint32_t)i + 1;
	return e;
}

/* see cache.h */
void
cache_put(const char *key, size_t len, const struct result *res,
    int64_t now, int64_t ttl_ms)
{
	struct cache_ent	*e;

	if (nents == 0 || ttl_ms <= 0 || len > ADDR_PATH_MAX) {
		return;
	}
	e = slot_for(key, len, res_fnv1a(key, len, 0));
	e->expires = now + ttl_ms;
	e->verdict = res->verdict;
	e->reason = res->reason;
	e->catch_all = res->catch_all;
	e->code = res->code;
	copy_text(e->ecode, sizeof(e->ecode), res->ecode);
	copy_text(e->text, sizeof(e->text), res->text[0] != '\0' ?
	    res->text : res->detail);
	copy_text(e->mx, sizeof(e->mx), res->mx);
}

/* see cache.h */
void
cache_fill(struct result *res, const struct cache_ent *e)
{
	res->verdict = e->verdict;
	res->reason = e->reason;
	res->catch_all = e->catch_all;
	res->code = e->code;
	str_copy(res->ecode, sizeof(res->ecode), e->ecode, strlen(e->ecode));
	str_copy(res->text, sizeof(res->text), e->text, strlen(e->text));
	str_copy(res->mx, sizeof(res->mx), e->mx, strlen(e->mx));
	STR_COPY_LIT(res->detail, sizeof(res->detail), "cached");
}

/* see cache.h */
void
cache_clear(void)
{
	size_t	 i;

	for (i = 0; i < nents; i++) {
		ents[i].expires = 0;
	}
	if (nheads > 0) {
		memset(heads, 0, nheads * sizeof(*heads));
	}
	head = 0;
}

/* see cache.h */
size_t
cache_live(int64_t now)
{
	size_t	 i, n = 0;

	for (i = 0; i < nents; i++) {
		n += ents[i].expires > now;
	}
	return n;
}

/* see cache.h */
uint64_t
cache_hits(void)
{
	return hits;
}

/* see cache.h */
uint64_t
cache_misses(void)
{
	return misses;
}

/* see cache.h */
void
cache_ttls(int64_t pos_ms, int64_t neg_ms, int64_t tmp_ms)
{
	ttl_pos = pos_ms;
	ttl_neg = neg_ms;
	ttl_tmp = tmp_ms;
}

/* see cache.h */
int64_t
cache_ttl_for(const struct result *r)
{
	switch (r->verdict) {
	case V_DELIVERABLE:
	case V_RISKY:
		return ttl_pos;
	case V_UNDELIVERABLE:
		return r->reason == R_SYNTAX ? 0 : ttl_neg;
	default:
		return r->reason == R_INTERRUPTED || r->reason == R_NONE ? 0 :
		    ttl_tmp;
	}
}

/* see cache.h */
void
cache_trust_uid(uid_t uid)
{
	owner_set = 1;
	owner_uid = uid;
}

static void
field(struct buf *b, const char *s)
{
	buf_adds(b, *s != '\0' ? s : "-");
}

/*
 * A new file next to path with an unpredictable name, created by us
 * (O_EXCL: never one somebody prepared, O_NOFOLLOW: never through a
 * link): fd, or -1.  tmp receives its name.
 */
static int
tmp_open(const char *path, char *tmp, size_t cap)
{
	static const char	 abc[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char		 rnd[12];
	struct buf		 b;
	size_t			 i;
	int			 fd, tries;

	for (tries = 0; tries < 8; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			return -1;
		}
		buf_init(&b, tmp, cap - 1);
		buf_adds(&b, path);
		buf_adds(&b, ".tmp-");
		for (i = 0; i < sizeof(rnd); i++) {
			buf_addc(&b, abc[rnd[i] % (sizeof(abc) - 1)]);
		}
		if (b.trunc) {
			errno = ENAMETOOLONG;
			return -1;
		}
		buf_nul(&b);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST) {
			return fd;
		}
	}
	return -1;
}

/* see cache.h */
int
cache_save(const char *path, int64_t now, int64_t now_wall)
{
	char		 tmp[4096 + 32], line[1024];
	struct buf	 b;
	size_t		 i, k;
	int		 fd, saved;

	if (strlen(path) > 4096) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = tmp_open(path, tmp, sizeof(tmp));
	if (fd < 0) {
		return -1;
	}
	if (write_all(fd, "mxprobe-cache 1\n", 16) != 0) {
		goto fail;
	}
	for (k = 0; k < nents; k++) {
		/* oldest first, so a reload keeps the same ring order */
		const struct cache_ent *e = &ents[(head + k) % nents];

		if (e->expires <= now) {
			continue;
		}
		buf_init(&b, line, sizeof(line) - 1);
		buf_addi(&b, now_wall + (e->expires - now) / 1000);
		buf_addc(&b, ' ');
		buf_addu(&b, e->verdict);
		buf_addc(&b, ' ');
		buf_addu(&b, e->reason);
		buf_addc(&b, ' ');
		buf_addu(&b, e->code);
		buf_addc(&b, ' ');
		field(&b, e->ecode);
		buf_addc(&b, ' ');
		buf_addi(&b, e->catch_all);
		buf_addc(&b, ' ');
		field(&b, e->mx);
		buf_addc(&b, ' ');
		for (i = 0; i < e->key_len; i++) {
			/* keys never hold controls (the parser refuses them) */
			buf_addc(&b, e->key[i] == ' ' ? '\x01' : e->key[i]);
		}
		buf_addc(&b, ' ');
		buf_adds(&b, e->text);
		buf_addc(&b, '\n');
		if (b.trunc || write_all(fd, b.p, b.len) != 0) {
			goto fail;
		}
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
fail:
	saved = errno;
	if (fd >= 0) {
		close(fd);
	}
	unlink(tmp);
	errno = saved;
	return -1;
}

/* next space-separated field of *p (in place); NULL at the end */
static char *
next_field(char **p)
{
	char	*s = *p, *e;

	if (s == NULL || *s == '\0') {
		return NULL;
	}
	e = strchr(s, ' ');
	if (e != NULL) {
		*e = '\0';
		*p = e + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

static int
num(const char *s, int64_t min, int64_t max, int64_t *out)
{
	uint64_t	 u;
	int		 neg = s != NULL && *s == '-';

	if (s == NULL || parse_u64(s + neg, 0, (uint64_t)INT64_MAX, &u) != 0) {
		return -1;
	}
	*out = neg ? -(int64_t)u : (int64_t)u;
	return *out < min || *out > max ? -1 : 0;
}

/*
 * Open the cache file to load: a regular file (not through a link),
 * owned by the daemon's user and writable by nobody else, or whoever
 * could write it would choose our answers.  FILE *, or NULL with errno
 * (ENOENT: no file yet; EPERM: not trusted).
 */
static FILE *
trusted_open(const char *path)
{
	struct stat	 sb;
	FILE		*f;
	int		 fd;
	uid_t		 uid = owner_set ? owner_uid : geteuid();

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		return NULL;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != uid ||
	    (sb.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		close(fd);
		errno = EPERM;
		return NULL;
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
	}
	return f;
}

/* see cache.h */
int
cache_load(const char *path, int64_t now, int64_t now_wall)
{
	FILE		*f;
	char		 line[1200], *p, *k;
	struct result	 r;
	struct addr	 a;
	int64_t		 exp, v, rs, code, ca, left, max;
	size_t		 n, i;

	if (nents == 0) {
		return 0;
	}
	f = trusted_open(path);
	if (f == NULL) {
		return errno == ENOENT ? 0 : -1;
	}
	if (fgets(line, sizeof(line), f) == NULL ||
	    strcmp(line, "mxprobe-cache 1\n") != 0) {
		fclose(f);
		errno = EINVAL;
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		n = strlen(line);
		if (n == 0 || line[n - 1] != '\n') {
			continue;	/* over-long or cut: skip */
		}
		line[n - 1] = '\0';
		p = line;
		memset(&r, 0, sizeof(r));
		if (num(next_field(&p), 0, INT64_MAX, &exp) != 0 ||
		    num(next_field(&p), 0, 3, &v) != 0 ||
		    num(next_field(&p), 1, R__COUNT - 1, &rs) != 0 ||
		    num(next_field(&p), 0, 599, &code) != 0) {
			continue;
		}
		k = next_field(&p);
		if (k == NULL || strlen(k) >= sizeof(r.ecode)) {
			continue;
		}
		str_copy(r.ecode, sizeof(r.ecode), k, strcmp(k, "-") == 0 ?
		    0 : strlen(k));
		if (num(next_field(&p), -1, 1, &ca) != 0) {
			continue;
		}
		k = next_field(&p);
		if (k == NULL) {
			continue;
		}
		str_copy(r.mx, sizeof(r.mx), k, strcmp(k, "-") == 0 ? 0 :
		    strlen(k));
		k = next_field(&p);
		if (k == NULL || exp <= now_wall || strlen(k) > ADDR_PATH_MAX) {
			continue;
		}
		for (i = 0; k[i] != '\0'; i++) {
			if (k[i] == '\x01') {
				k[i] = ' ';
			}
		}
		/* a key is an address as serve forms it, nothing else */
		if (addr_parse(k, strlen(k), &a) != ADDR_OK) {
			continue;
		}
		/* the verdict follows from the reason; a file cannot pair them */
		r.reason = (uint8_t)rs;
		r.verdict = (uint8_t)reason_verdict((enum reason)rs);
		(void)v;
		r.code = (uint16_t)code;
		r.catch_all = (int8_t)ca;
		str_copy(r.text, sizeof(r.text), p, strlen(p));
		/*
		 * No entry lives longer than its kind's TTL, whatever the file
		 * says (a forged year-2286 expiry); seconds are clamped
		 * before they become milliseconds, so nothing overflows.
		 */
		left = exp - (now_wall > 0 ? now_wall : 0);
		max = cache_ttl_for(&r) / 1000;
		if (left > max) {
			left = max;
		}
		cache_put(k, strlen(k), &r, now, left * 1000);
	}
	fclose(f);
	return 0;
}
