/*
 * spf.c - SPF record syntax, RFC 7208 4.5 (selecting records), 4.6
 * (terms), 5 (mechanisms), 6 (modifiers), 7.1 (macros), 12 (ABNF); see
 * spf.h.  Names are case-insensitive.  The parser only checks and
 * indexes: it evaluates nothing and never looks anything up.
 */
#include <arpa/inet.h>
#include <string.h>

#include "spf.h"
#include "util.h"

static const struct {
	const char	*name;
	int		 lookup;	/* counts toward the 10 (4.6.4) */
	int		 arg;		/* 0 none, 1 optional ":", 2 required */
	int		 cidr;		/* dual-cidr-length allowed */
} kinds[SPF_KIND__COUNT] = {
	[SPF_ALL]	= { "all",	0, 0, 0 },
	[SPF_INCLUDE]	= { "include",	1, 2, 0 },
	[SPF_A]		= { "a",	1, 1, 1 },
	[SPF_MX]	= { "mx",	1, 1, 1 },
	[SPF_PTR]	= { "ptr",	1, 1, 0 },
	[SPF_IP4]	= { "ip4",	0, 2, 0 },
	[SPF_IP6]	= { "ip6",	0, 2, 0 },
	[SPF_EXISTS]	= { "exists",	1, 2, 0 },
	[SPF_REDIRECT]	= { "redirect",	1, 2, 0 },
	[SPF_EXP]	= { "exp",	0, 2, 0 },
	[SPF_UNKNOWN_MOD] = { "",	0, 0, 0 },
};

static const char *const err_text[SPF_E__COUNT] = {
	[SPF_OK]	= "ok",
	[SPF_E_VERSION]	= "does not start with \"v=spf1\" (RFC 7208 4.5)",
	[SPF_E_MECH]	= "unknown mechanism (RFC 7208 5)",
	[SPF_E_ARG]	= "bad or missing domain-spec (RFC 7208 4.6.1)",
	[SPF_E_MACRO]	= "bad macro (RFC 7208 7.1)",
	[SPF_E_IP4]	= "bad ip4 network (RFC 7208 5.6)",
	[SPF_E_IP6]	= "bad ip6 network (RFC 7208 5.6)",
	[SPF_E_CIDR]	= "bad CIDR length (RFC 7208 5.6)",
	[SPF_E_DUP_MOD]	= "redirect= or exp= appears twice (RFC 7208 6)",
	[SPF_E_TERMS]	= "too many terms",
};

/* see spf.h */
const char *
spf_err_text(enum spf_err e)
{
	return (unsigned)e < SPF_E__COUNT ? err_text[e] : "?";
}

/* see spf.h */
const char *
spf_kind_name(enum spf_kind k)
{
	return (unsigned)k < SPF_KIND__COUNT ? kinds[k].name : "?";
}

/* see spf.h */
int
spf_costs_lookup(enum spf_kind k)
{
	return (unsigned)k < SPF_KIND__COUNT && kinds[k].lookup;
}

static int
alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
digit(int c)
{
	return c >= '0' && c <= '9';
}

/* see spf.h */
int
spf_is(const char *s, size_t len)
{
	return len >= 6 && util_eq_lc(s, 6, "v=spf1") && (len == 6 || s[6] == ' ');
}

/*
 * macro-string (7.1): literals %x21-24 / %x26-7E and expansions
 * "%{" letter *DIGIT ["r"] *delim "}", "%%", "%_", "%-".  exp: the
 * letters c r t are allowed (only in exp= text, which we do not fetch).
 * Returns 0, or the error; *macro is set when an expansion was seen.
 */
static enum spf_err
macro_string(const char *s, size_t n, int exp, int *macro)
{
	size_t	 i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x21 || c > 0x7e) {
			return SPF_E_ARG;
		}
		if (c != '%') {
			i++;
			continue;
		}
		if (i + 1 >= n) {
			return SPF_E_MACRO;
		}
		c = (unsigned char)s[i + 1];
		if (c == '%' || c == '_' || c == '-') {
			i += 2;
			continue;
		}
		if (c != '{' || i + 3 >= n) {
			return SPF_E_MACRO;
		}
		i += 2;
		c = (unsigned char)util_lc((unsigned char)s[i]);
		if (c == '\0' || (strchr("sloidphv", c) == NULL &&
		    !(exp && strchr("crt", c) != NULL))) {
			return SPF_E_MACRO;
		}
		for (i++; i < n && digit((unsigned char)s[i]); i++) {
			continue;
		}
		if (i < n && util_lc((unsigned char)s[i]) == 'r') {
			i++;
		}
		for (; i < n && strchr(".-+,/_=", s[i]) != NULL &&
		    s[i] != '\0'; i++) {
			continue;
		}
		if (i >= n || s[i] != '}') {
			return SPF_E_MACRO;
		}
		i++;
		*macro = 1;
	}
	return SPF_OK;
}

/*
 * domain-spec = macro-string domain-end; domain-end = "." toplabel ["."]
 * / macro-expand.  toplabel: alphanumerics and inner "-", not all
 * digits (4.6.1, RFC 7208 12).
 */
static enum spf_err
domain_spec(const char *s, size_t n)
{
	enum spf_err	 e;
	int		 macro = 0, has_alpha = 0;
	size_t		 end, start;

	if (n == 0 || n > 253 + 1 + 200) {
		return SPF_E_ARG;
	}
	if ((e = macro_string(s, n, 0, &macro)) != SPF_OK) {
		return e;
	}
	if (s[n - 1] == '}') {
		return SPF_OK;		/* ends with a macro-expand */
	}
	end = n;
	if (s[end - 1] == '.') {
		end--;
	}
	for (start = end; start > 0 && s[start - 1] != '.'; start--) {
		continue;
	}
	if (start == 0 || start == end) {
		return SPF_E_ARG;	/* needs "." toplabel */
	}
	if (s[start] == '-' || s[end - 1] == '-') {
		return SPF_E_ARG;
	}
	for (; start < end; start++) {
		unsigned char c = (unsigned char)s[start];

		if (alpha(c)) {
			has_alpha = 1;
		} else if (!digit(c) && c != '-') {
			return SPF_E_ARG;
		}
	}
	return has_alpha ? SPF_OK : SPF_E_ARG;
}

/* "0" / %x31-39 0*N DIGIT, at most max */
static int
cidr_len(const char *s, size_t n, unsigned max)
{
	unsigned	 v = 0;
	size_t		 i;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0')) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!digit((unsigned char)s[i])) {
			return -1;
		}
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v <= max ? (int)v : -1;
}

/* ip4/ip6 network with an optional "/len" */
static enum spf_err
network(const char *s, size_t n, int six)
{
	char		 ip[48];
	uint8_t		 a[16];
	const char	*slash = memchr(s, '/', n);
	size_t		 an = slash != NULL ? (size_t)(slash - s) : n;

	if (an == 0 || an >= sizeof(ip)) {
		return six ? SPF_E_IP6 : SPF_E_IP4;
	}
	memcpy(ip, s, an);
	ip[an] = '\0';
	if (inet_pton(six ? AF_INET6 : AF_INET, ip, a) != 1) {
		return six ? SPF_E_IP6 : SPF_E_IP4;
	}
	if (slash != NULL && cidr_len(slash + 1, n - an - 1,
	    six ? 128 : 32) < 0) {
		return SPF_E_CIDR;
	}
	return SPF_OK;
}

/* a/mx: [domain-spec] ["/" ip4-len] ["//" ip6-len], from the ':' */
static enum spf_err
dual_cidr(const char *s, size_t n, size_t *dn)
{
	const char	*sl = memchr(s, '/', n);
	size_t		 rest;

	*dn = sl != NULL ? (size_t)(sl - s) : n;
	if (sl == NULL) {
		return SPF_OK;
	}
	rest = n - *dn;
	if (rest >= 2 && sl[1] == '/') {
		return cidr_len(sl + 2, rest - 2, 128) < 0 ? SPF_E_CIDR :
		    SPF_OK;
	}
	{
		const char	*d2 = memchr(sl + 1, '/', rest - 1);
		size_t		 l4 = d2 != NULL ? (size_t)(d2 - sl - 1) :
				    rest - 1;

		if (cidr_len(sl + 1, l4, 32) < 0) {
			return SPF_E_CIDR;
		}
		if (d2 == NULL) {
			return SPF_OK;
		}
		rest = (size_t)(s + n - d2);
		if (rest < 2 || d2[1] != '/' ||
		    cidr_len(d2 + 2, rest - 2, 128) < 0) {
			return SPF_E_CIDR;
		}
	}
	return SPF_OK;
}

static enum spf_err
term(struct spf_rec *r, const char *s, size_t n, size_t base)
{
	struct spf_term	*t;
	size_t		 i, nl, an = 0, dn;
	const char	*arg = NULL;
	char		 qual = '+';
	int		 k, macro = 0, modifier = 0, hq = 0;
	enum spf_err	 e = SPF_OK;

	if (r->nterm == SPF_TERMS_MAX) {
		return SPF_E_TERMS;
	}
	t = &r->term[r->nterm];
	t->toff = (uint16_t)base;
	t->tlen = (uint16_t)n;
	if (s[0] != '\0' && strchr("+-~?", s[0]) != NULL) {
		qual = s[0];
		hq = 1;
		s++;
		n--;
		base++;
	}
	/* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
	for (nl = 0; nl < n && (alpha((unsigned char)s[nl]) ||
	    (nl > 0 && (digit((unsigned char)s[nl]) || s[nl] == '-' ||
	    s[nl] == '_' || s[nl] == '.'))); nl++) {
		continue;
	}
	if (nl < n && s[nl] == '=' && nl > 0 && !hq) {
		modifier = 1;
	}
	if (nl == 0) {
		return SPF_E_MECH;
	}
	for (k = 0; k < SPF_UNKNOWN_MOD; k++) {
		int is_mod = k == SPF_REDIRECT || k == SPF_EXP;

		if (is_mod == modifier && util_eq_lc(s, nl, kinds[k].name)) {
			break;
		}
	}
	if (k == SPF_UNKNOWN_MOD && !modifier) {
		return SPF_E_MECH;
	}
	if (nl < n) {
		if (s[nl] == ':' || s[nl] == '=') {
			arg = s + nl + 1;
			an = n - nl - 1;
		} else if (s[nl] == '/' && kinds[k].cidr) {
			arg = s + nl;
			an = n - nl;
		} else {
			return SPF_E_MECH;
		}
	}
	t->kind = (uint8_t)k;
	t->qual = qual;
	t->off = (uint16_t)(arg != NULL ? base + (size_t)(arg - s) : 0);
	t->len = (uint16_t)an;
	switch (k) {
	case SPF_ALL:
		if (arg != NULL) {
			return SPF_E_ARG;
		}
		r->all = (int)r->nterm;
		break;
	case SPF_INCLUDE:
	case SPF_EXISTS:
	case SPF_REDIRECT:
		if (arg == NULL || (s[nl] == '/')) {
			return SPF_E_ARG;
		}
		e = domain_spec(arg, an);
		break;
	case SPF_A:
	case SPF_MX:
		if (arg == NULL) {
			break;
		}
		if (an == 0) {
			return SPF_E_ARG;	/* "a:" names nothing */
		}
		if ((e = dual_cidr(arg, an, &dn)) !=
		    SPF_OK) {
			break;
		}
		if (arg[0] == '/') {
			t->off = 0;
			t->len = 0;
			break;
		}
		t->len = (uint16_t)dn;
		e = domain_spec(arg, dn);
		break;
	case SPF_PTR:
		if (arg != NULL) {
			e = domain_spec(arg, an);
		}
		r->ptr = 1;
		break;
	case SPF_IP4:
	case SPF_IP6:
		if (arg == NULL) {
			return SPF_E_ARG;
		}
		e = network(arg, an, k == SPF_IP6);
		break;
	case SPF_EXP:
		if (arg == NULL) {
			return SPF_E_ARG;
		}
		e = domain_spec(arg, an);
		break;
	default:
		/* unknown-modifier = name "=" macro-string */
		for (i = 0; i < an; i++) {
			if (arg[i] == ' ') {
				return SPF_E_ARG;
			}
		}
		e = macro_string(arg, an, 0, &macro);
		break;
	}
	if (e != SPF_OK) {
		return e;
	}
	if (k == SPF_REDIRECT || k == SPF_EXP) {
		unsigned j;

		for (j = 0; j < r->nterm; j++) {
			if (r->term[j].kind == k) {
				return SPF_E_DUP_MOD;
			}
		}
		if (k == SPF_REDIRECT) {
			r->redirect = (int)r->nterm;
		}
	}
	if (kinds[k].lookup) {
		r->lookups++;
	}
	r->nterm++;
	return SPF_OK;
}

/* see spf.h */
enum spf_err
spf_parse(const char *s, size_t len, struct spf_rec *r)
{
	size_t		 i, j;
	enum spf_err	 e;

	memset(r, 0, offsetof(struct spf_rec, term));
	r->lookups = 0;
	r->ptr = 0;
	r->err_off = 0;
	r->all = -1;
	r->redirect = -1;
	if (!spf_is(s, len) || len > UINT16_MAX) {
		return SPF_E_VERSION;
	}
	for (i = 6; i < len; i = j) {
		while (i < len && s[i] == ' ') {
			i++;
		}
		for (j = i; j < len && s[j] != ' '; j++) {
			continue;
		}
		if (j == i) {
			break;
		}
		e = term(r, s + i, j - i, i);
		if (e != SPF_OK) {
			r->err_off = i;
			return e;
		}
	}
	return SPF_OK;
}
