/*
 * spf.h - SPF record parser (RFC 7208 4.5, 4.6, 12): bytes of one TXT
 * record in, terms out.  Pure: no I/O, no allocation (fuzzable).
 */
#ifndef MXP_SPF_H
#define MXP_SPF_H

#include <stddef.h>
#include <stdint.h>

#define SPF_TERMS_MAX	48	/* terms kept; more is SPF_E_TERMS */
#define SPF_LOOKUPS_MAX	10	/* RFC 7208 4.6.4 */

enum spf_kind {
	SPF_ALL, SPF_INCLUDE, SPF_A, SPF_MX, SPF_PTR, SPF_IP4, SPF_IP6,
	SPF_EXISTS,		/* mechanisms, 5.1-5.7 */
	SPF_REDIRECT, SPF_EXP,	/* modifiers, 6.1, 6.2 */
	SPF_UNKNOWN_MOD,	/* name=value, ignored (6) */
	SPF_KIND__COUNT
};

enum spf_err {
	SPF_OK = 0,
	SPF_E_VERSION,		/* not "v=spf1" then a space or the end */
	SPF_E_MECH,		/* unknown mechanism */
	SPF_E_ARG,		/* missing, extra or bad domain-spec */
	SPF_E_MACRO,		/* bad macro (7.1) */
	SPF_E_IP4,		/* bad ip4 network */
	SPF_E_IP6,		/* bad ip6 network */
	SPF_E_CIDR,		/* bad CIDR length */
	SPF_E_DUP_MOD,		/* redirect= or exp= twice (6) */
	SPF_E_TERMS,		/* over SPF_TERMS_MAX terms */
	SPF_E__COUNT
};

struct spf_term {
	uint8_t		 kind;		/* enum spf_kind */
	char		 qual;		/* '+' '-' '~' '?' */
	uint16_t	 off, len;	/* the argument (domain-spec, ip) */
	uint16_t	 toff;		/* the whole term */
	uint16_t	 tlen;
};

struct spf_rec {
	unsigned	 nterm;
	struct spf_term	 term[SPF_TERMS_MAX];
	unsigned	 lookups;	/* this record's DNS mechanisms (4.6.4) */
	int		 all;		/* index of "all", -1 none */
	int		 redirect;	/* index of redirect=, -1 none */
	int		 ptr;		/* some "ptr" (5.5: SHOULD NOT) */
	size_t		 err_off;	/* the term at fault */
};

/* is s[0..len) an SPF record at all (4.5: "v=spf1" and SP or end)? */
int		spf_is(const char *s, size_t len);

/* parse one record; SPF_OK or the first error (err_off says where) */
enum spf_err	spf_parse(const char *s, size_t len, struct spf_rec *r);

const char	*spf_err_text(enum spf_err e);
const char	*spf_kind_name(enum spf_kind k);

/* does a mechanism of this kind cost a DNS lookup (4.6.4)? */
int		spf_costs_lookup(enum spf_kind k);

#endif
