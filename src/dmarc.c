/*
 * dmarc.c - DMARC record syntax (RFC 7489 6.3, 6.4, DMARCbis psd=) and
 * the DMARCbis DNS tree walk; see dmarc.h.
 *
 * A record is "tag=value" parts separated by ";", blanks around each
 * allowed; v=DMARC1 must come first (6.4); unknown tags are ignored
 * (6.3).  Everything here is pure so the parser can be fuzzed and the
 * walk tested against a table of zones.
 */
#include <string.h>

#include "dmarc.h"
#include "util.h"

static const char *const err_text[DMARC_E__COUNT] = {
	[DMARC_OK]		= "ok",
	[DMARC_E_VERSION]	= "v=DMARC1 is not the first tag (RFC 7489 6.4)",
	[DMARC_E_SYNTAX]	= "a part is not tag=value (RFC 7489 6.4)",
	[DMARC_E_NO_P]		= "no p= tag (RFC 7489 6.3: required)",
	[DMARC_E_P]		= "p=/sp= is not none, quarantine or reject "
				  "(RFC 7489 6.3)",
	[DMARC_E_PCT]		= "pct= is not 0..100 (RFC 7489 6.3)",
	[DMARC_E_URI]		= "rua=/ruf= has a URI that is not mailto: "
				  "(RFC 7489 6.2)",
	[DMARC_E_ALIGN]		= "adkim=/aspf= is not r or s (RFC 7489 6.3)",
	[DMARC_E_DUP]		= "a tag appears twice (RFC 7489 6.4)",
	[DMARC_E_PSD]		= "psd= is not y, n or u (DMARCbis)",
};

/* the words of the values; their indexes are the enums' values */
static const char *const pol_name[] = { "unset", "none", "quarantine",
	"reject", NULL };
static const char *const psd_word[] = { "u", "y", "n", NULL };
static const char *const align_word[] = { "r", "s", NULL };

/* the tags known (RFC 7489 6.3, DMARCbis psd=); unknown ones are ignored */
enum tag { T_V, T_P, T_SP, T_PCT, T_RUA, T_RUF, T_ADKIM, T_ASPF, T_FO,
	T_RF, T_RI, T_PSD };
static const char *const tags[] = { "v", "p", "sp", "pct", "rua", "ruf",
	"adkim", "aspf", "fo", "rf", "ri", "psd", NULL };

/* see dmarc.h */
const char *
dmarc_err_text(enum dmarc_err e)
{
	return (unsigned)e < DMARC_E__COUNT ? err_text[e] : "?";
}

/* see dmarc.h */
const char *
dmarc_pol_name(enum dmarc_pol p)
{
	return (unsigned)p < 4 ? pol_name[p] : "?";
}

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

/* trim blanks off [*s, *s + *n) */
static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && blank((*s)[*n - 1])) {
		(*n)--;
	}
}

/* see dmarc.h */
int
dmarc_is(const char *s, size_t len)
{
	const char	*semi = memchr(s, ';', len);
	size_t		 n = semi != NULL ? (size_t)(semi - s) : len;
	const char	*e;

	trim(&s, &n);
	e = memchr(s, '=', n);
	if (e == NULL) {
		return 0;
	}
	{
		const char	*t = s, *v = e + 1;
		size_t		 tn = (size_t)(e - s);
		size_t		 vn = n - tn - 1;

		trim(&t, &tn);
		trim(&v, &vn);
		/* the value is case-sensitive: "DMARC1" (6.4) */
		return util_eq_lc(t, tn, "v") && vn == LIT_LEN("DMARC1") &&
		    memcmp(v, "DMARC1", LIT_LEN("DMARC1")) == 0;
	}
}

/* the index of v[0..n) in the NULL-ended list w, any case; -1: none */
static int
word(const char *v, size_t n, const char *const *w)
{
	int	 i;

	for (i = 0; w[i] != NULL; i++) {
		if (util_eq_lc(v, n, w[i])) {
			return i;
		}
	}
	return -1;
}

/* "mailto:a@b[!size]" entries separated by "," (6.2, 6.3) */
static int
uris_ok(const char *v, size_t n)
{
	size_t	 i = 0, j;

	while (i <= n) {
		const char	*u = v + i;
		size_t		 un;

		for (j = i; j < n && v[j] != ','; j++) {
			continue;
		}
		un = j - i;
		trim(&u, &un);
		if (un < 8 || !util_eq_lc(u, 7, "mailto:") ||
		    memchr(u + 7, '@', un - 7) == NULL) {
			return 0;
		}
		i = j + 1;
	}
	return 1;
}

/* see dmarc.h */
enum dmarc_err
dmarc_parse(const char *s, size_t len, struct dmarc_rec *r)
{
	size_t		 i = 0, j;
	unsigned	 seen = 0;

	memset(r, 0, sizeof(*r));
	r->pct = -1;
	if (!dmarc_is(s, len)) {
		return DMARC_E_VERSION;
	}
	for (; i < len; i = j + 1) {
		const char	*t = s + i, *v, *e;
		size_t		 tn, vn, n, d;
		int		 x, w;

		for (j = i; j < len && s[j] != ';'; j++) {
			continue;
		}
		n = j - i;
		trim(&t, &n);
		r->err_off = i;
		if (n == 0) {
			continue;	/* "p=none;" ends with an empty part */
		}
		e = memchr(t, '=', n);
		if (e == NULL) {
			return DMARC_E_SYNTAX;
		}
		tn = (size_t)(e - t);
		v = e + 1;
		vn = n - tn - 1;
		trim(&t, &tn);
		trim(&v, &vn);
		if (tn == 0) {
			return DMARC_E_SYNTAX;
		}
		x = word(t, tn, tags);
		if (x >= 0 && (seen & (1u << x))) {
			return DMARC_E_DUP;
		}
		if (x >= 0) {
			seen |= 1u << x;
		}
		switch (x) {
		case T_P:
		case T_SP:
			w = word(v, vn, pol_name + 1);
			if (w < 0) {
				return DMARC_E_P;
			}
			if (x == T_P) {
				r->p = (uint8_t)(w + 1);
			} else {
				r->sp = (uint8_t)(w + 1);
			}
			break;
		case T_PCT:
			if (vn == 0 || vn > 3) {
				return DMARC_E_PCT;
			}
			for (d = 0, w = 0; d < vn; d++) {
				if (v[d] < '0' || v[d] > '9') {
					return DMARC_E_PCT;
				}
				w = w * 10 + (v[d] - '0');
			}
			if (w > 100) {
				return DMARC_E_PCT;
			}
			r->pct = (int16_t)w;
			break;
		case T_RUA:
		case T_RUF:
			if (!uris_ok(v, vn)) {
				return DMARC_E_URI;
			}
			if (x == T_RUA) {
				r->rua = 1;
			} else {
				r->ruf = 1;
			}
			break;
		case T_ADKIM:
		case T_ASPF:
			if (word(v, vn, align_word) < 0) {
				return DMARC_E_ALIGN;
			}
			break;
		case T_PSD:
			w = word(v, vn, psd_word);
			if (w < 0) {
				return DMARC_E_PSD;
			}
			r->psd = (uint8_t)w;
			break;
		default:
			break;
		}
	}
	r->err_off = 0;
	if (r->p == DMARC_P_UNSET) {
		return DMARC_E_NO_P;
	}
	return DMARC_OK;
}

/* see dmarc.h */
const char *
dmarc_walk_up(const char *s)
{
	const char	*p;
	unsigned	 dots = 0;

	for (p = s; *p != '\0'; p++) {
		dots += *p == '.';
	}
	if (dots == 0) {
		return NULL;
	}
	if (dots + 1 < 8) {
		return strchr(s, '.') + 1;
	}
	/* eight labels or more: straight to the last seven */
	for (dots = 0; p > s; p--) {
		if (p[-1] == '.' && ++dots == 7) {
			break;
		}
	}
	return p;
}

/* see dmarc.h */
void
dmarc_walk_init(struct dmarc_walk *w, const char *name)
{
	memset(w, 0, sizeof(*w));
	w->name = name;
	w->next = 0;
}

/* see dmarc.h */
const char *
dmarc_walk_target(const struct dmarc_walk *w)
{
	return w->next >= 0 ? w->name + w->next : NULL;
}

/* see dmarc.h */
void
dmarc_walk_answer(struct dmarc_walk *w, unsigned n, const char *rec,
    size_t len)
{
	const char		*up;
	struct dmarc_found	*f;
	int			 stop = 0;

	if (w->next < 0) {
		return;
	}
	w->nq++;
	if (n == 1 && w->nfound < DMARC_WALK_MAX) {
		f = &w->found[w->nfound++];
		f->off = (uint16_t)w->next;
		f->err = (uint8_t)dmarc_parse(rec, len, &f->rec);
		/* the domain's own record applies; above it, psd= decides */
		stop = w->next == 0 || f->rec.psd != DMARC_PSD_U;
	}
	up = dmarc_walk_up(w->name + w->next);
	w->next = stop || up == NULL || w->nq >= DMARC_WALK_MAX ? -1 :
	    (int)(up - w->name);
}

/* see dmarc.h */
const struct dmarc_found *
dmarc_walk_policy(const struct dmarc_walk *w, const char **org)
{
	const struct dmarc_found *f = NULL;
	const char		*o = w->name;
	unsigned		 i;
	size_t			 j;

	if (w->nfound > 0) {
		f = &w->found[w->nfound - 1];
		o = w->name + f->off;
	}
	if (f != NULL && f->off > 0 && f->rec.psd == DMARC_PSD_Y) {
		/* a public suffix domain: the organisation is one below */
		for (j = (size_t)f->off - 1; j > 0 && w->name[j - 1] != '.';
		    j--) {
			continue;
		}
		o = w->name + j;
		for (i = 0; i + 1 < w->nfound; i++) {
			if (w->found[i].off == j) {
				f = &w->found[i];
			}
		}
	}
	if (org != NULL) {
		*org = o;
	}
	return f;
}
