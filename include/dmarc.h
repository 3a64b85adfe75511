/*
 * dmarc.h - DMARC (RFC 7489) record parser and the DMARCbis DNS tree
 * walk that finds the record applying to a domain and its organisational
 * domain (draft-ietf-dmarc-dmarcbis, "DNS Tree Walk", replacing RFC 7489's
 * public suffix list).  Pure: no I/O, no allocation, caller memory only
 * (fuzzable); the caller does the TXT lookups the walk asks for.
 */
#ifndef MXP_DMARC_H
#define MXP_DMARC_H

#include <stddef.h>
#include <stdint.h>

enum dmarc_err {
	DMARC_OK = 0,
	DMARC_E_VERSION,	/* "v=DMARC1" is not the first tag (6.4) */
	DMARC_E_SYNTAX,		/* a part that is not tag=value */
	DMARC_E_NO_P,		/* no p= tag (6.3: required) */
	DMARC_E_P,		/* p= or sp= not none/quarantine/reject */
	DMARC_E_PCT,		/* pct= not 0..100 */
	DMARC_E_URI,		/* rua=/ruf= entry not a mailto: URI */
	DMARC_E_ALIGN,		/* adkim=/aspf= not r or s */
	DMARC_E_DUP,		/* a tag given twice */
	DMARC_E_PSD,		/* psd= not y, n or u (DMARCbis) */
	DMARC_E__COUNT
};

enum dmarc_pol { DMARC_P_UNSET, DMARC_P_NONE, DMARC_P_QUARANTINE,
	DMARC_P_REJECT };

/* DMARCbis psd=: u (not given, the default), y (a public suffix), n */
enum dmarc_psd { DMARC_PSD_U, DMARC_PSD_Y, DMARC_PSD_N };

struct dmarc_rec {
	uint8_t		 p, sp;		/* enum dmarc_pol */
	uint8_t		 psd;		/* enum dmarc_psd */
	int16_t		 pct;		/* -1: not given (100) */
	uint8_t		 rua, ruf;	/* URIs given */
	size_t		 err_off;	/* where the first error is */
};

/* is s[0..len) a DMARC record at all ("v=DMARC1" first, 6.6.3)? */
int		dmarc_is(const char *s, size_t len);

/* parse one record; DMARC_OK or the first error (*r filled so far) */
enum dmarc_err	dmarc_parse(const char *s, size_t len, struct dmarc_rec *r);

const char	*dmarc_err_text(enum dmarc_err e);
const char	*dmarc_pol_name(enum dmarc_pol p);

/*
 * The DNS tree walk (DMARCbis): which _dmarc names to query, one at a
 * time, and which record applies.  The caller starts it on the domain
 * (lower-case A-labels, no trailing dot; the walk keeps a pointer to it),
 * queries TXT at "_dmarc." + dmarc_walk_target(), gives each answer to
 * dmarc_walk_answer() and stops when the target is NULL: after at most
 * DMARC_WALK_MAX queries whatever the number of labels.
 *
 *   - the domain's own record, if it has exactly one, applies (p=);
 *   - otherwise the walk climbs: one label off, but straight to the last
 *     7 labels from a longer name, down to the top-level label; it stops
 *     early at a record with psd=y or psd=n;
 *   - of the records found above the domain, the organisational domain is
 *     the one with psd=n; else one label below a psd=y record (a public
 *     suffix domain); else the highest one found.  Its record applies
 *     (then sp=); if it has none, the public suffix domain's does.
 * A set of several v=DMARC1 records at one name counts as none there.
 */
#define DMARC_WALK_MAX	8

struct dmarc_found {			/* one name with a single record */
	uint16_t	 off;		/* the name is walk->name + off */
	uint8_t		 err;		/* enum dmarc_err of its parse */
	struct dmarc_rec rec;
};

struct dmarc_walk {
	const char	*name;		/* the domain walked from */
	int		 next;		/* the next target's offset; -1 done */
	uint8_t		 nq, nfound;	/* queries answered, records kept */
	struct dmarc_found found[DMARC_WALK_MAX];
};

void		 dmarc_walk_init(struct dmarc_walk *w, const char *name);

/* the name to query next (without "_dmarc."), or NULL: the walk is over */
const char	*dmarc_walk_target(const struct dmarc_walk *w);

/*
 * The answer for the current target: n records that start with
 * v=DMARC1 (dmarc_is), the first of them rec[0..len).  Not found and
 * NXDOMAIN are both n = 0; the caller decides what a DNS error means.
 */
void		 dmarc_walk_answer(struct dmarc_walk *w, unsigned n,
		    const char *rec, size_t len);

/*
 * After the walk: the record that applies (NULL: none anywhere), and in
 * *org (if not NULL) the organisational domain, a pointer into the name
 * walked from (the name itself when it has its own record or when none
 * was found).
 */
const struct dmarc_found *dmarc_walk_policy(const struct dmarc_walk *w,
		    const char **org);

/* the parent target of s in a walk: DMARCbis steps 3-4; NULL at one label */
const char	*dmarc_walk_up(const char *s);

#endif
