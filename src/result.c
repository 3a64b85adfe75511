/*
 * result.c - helpers that fill a struct result; see result.h.
 */
#include <string.h>

#include "result.h"
#include "util.h"

/* see result.h */
void
res_input(struct result *res, const struct input_line *line)
{
	size_t	 n = line->len;

	if (n > RES_ADDR_MAX) {
		n = RES_ADDR_MAX;
	}
	memcpy(res->addr, line->s, n);
	res->addr_len = (uint16_t)n;
	res->addr_full_len = line->full_len > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)line->full_len;
	if (n < line->full_len) {
		res->flags |= RES_F_CUT;
	}
	res->line = line->lineno;
}

/* see result.h */
void
res_reason(struct result *res, enum reason r, const char *detail)
{
	res->reason = (uint8_t)r;
	res->verdict = (uint8_t)reason_verdict(r);
	if (detail != NULL) {
		str_copy(res->detail, sizeof(res->detail), detail,
		    strlen(detail));
	}
}

/* see result.h */
void
res_syntax(struct result *res, enum addr_err e)
{
	struct buf	 b;

	buf_init(&b, res->detail, sizeof(res->detail) - 1);
	buf_adds(&b, addr_err_token(e));
	buf_adds(&b, ": ");
	buf_adds(&b, addr_err_text(e));
	if (e == ADDR_E_TOO_LONG) {
		buf_adds(&b, " (");
		buf_addu(&b, res->addr_full_len);
		buf_adds(&b, " bytes)");
	}
	buf_nul(&b);
	res_reason(res, R_SYNTAX, NULL);
}

/*
 * Role accounts: mailboxes of a function, not a person.  RFC 2142 names
 * plus the common ones list cleaners flag.  Compared case-insensitively
 * on the whole local part; sorted for the eye, searched linearly (the
 * list is short and this runs once per address).
 */
static const char *const roles[] = {
	"abuse", "admin", "administrator", "billing", "contact", "help",
	"hostmaster", "info", "mail", "marketing", "news", "noc",
	"no-reply", "noreply", "office", "postmaster", "root", "sales",
	"security", "support", "sysadmin", "team", "usenet", "uucp",
	"webmaster", "www",
};

/* see result.h */
int
res_is_role(const struct addr *a)
{
	size_t	 i, j, n;

	if (a->flags & ADDR_F_QUOTED) {
		return 0;
	}
	for (i = 0; i < MXP_NELEM(roles); i++) {
		n = strlen(roles[i]);
		if (n != a->local_len) {
			continue;
		}
		for (j = 0; j < n; j++) {
			char c = a->local[j];

			if (c >= 'A' && c <= 'Z') {
				c = (char)(c - 'A' + 'a');
			}
			if (c != roles[i][j]) {
				break;
			}
		}
		if (j == n) {
			return 1;
		}
	}
	return 0;
}

/* see result.h */
uint32_t
res_fnv1a(const char *s, size_t n, int lower)
{
	uint32_t	 h = 2166136261u;
	size_t		 i;
	char		 c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (lower && c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
		}
		h = (h ^ (uint8_t)c) * 16777619u;
	}
	return h;
}

/* see result.h */
int
res_shard_mine(uint32_t k, uint32_t n, const struct addr *a, const char *s,
    size_t len)
{
	const char	*at;
	uint32_t	 h;

	if (n <= 1) {
		return 1;
	}
	if (a != NULL) {
		h = res_fnv1a(a->domain, a->domain_len, 0);
	} else {
		for (at = s + len; at > s && at[-1] != '@'; at--) {
			continue;
		}
		h = at > s ? res_fnv1a(at, len - (size_t)(at - s), 1) :
		    res_fnv1a(s, len, 1);
	}
	return h % n == k;
}
