/*
 * test_dmarc.c - the DMARCbis DNS tree walk (dmarc.h) against a table
 * of zones: a fake TXT lookup answers from the table, and each row says
 * which names the walk must ask, in order, which record applies and
 * what the organisational domain is.  Also the psd= tag of the parser.
 */
#include <string.h>

#include "t.h"
#include "tests.h"

#if MXP_AUDIT
#include "dmarc.h"
#include "util.h"

/* one zone: _dmarc names (without the prefix) and their TXT records */
struct ztxt {
	const char	*name;
	const char	*txt;
};

static const struct ztxt zone[] = {
	{ "deep.test",		"v=DMARC1; p=reject" },
	{ "mid.tree.test",	"v=DMARC1; p=none" },
	{ "tree.test",		"v=DMARC1; p=quarantine" },
	{ "own.cut.test",	"v=DMARC1; p=reject; psd=n" },
	{ "cut.test",		"v=DMARC1; p=none" },
	{ "psd.test",		"v=DMARC1; p=reject; psd=y" },
	{ "owner.psd.test",	"v=DMARC1; p=quarantine" },
	{ "self.psd.test",	"v=DMARC1; p=none; psd=y" },
	{ "b.c.d.e.f.g.h.i.long.test", "v=DMARC1; p=none" },
	{ "long.test",		"v=DMARC1; p=reject" },
	{ "two.test",		"v=DMARC1; p=reject" },
	{ "two.test",		"v=DMARC1; p=none" },
	{ "two.test",		"not dmarc at all" },
	{ "sub.two.test",	"spf1 and other things" },
	{ "bad.test",		"v=DMARC1; p=maybe" },
	{ "x.badpsd.test",	"v=DMARC1; p=none; psd=maybe" },
	{ "tld",		"v=DMARC1; p=reject; psd=y" },
};

/* the fake lookup: the v=DMARC1 records at name, the first in *rec */
static unsigned
lookup(const char *name, const char **rec)
{
	unsigned	 i, n = 0;

	for (i = 0; i < MXP_NELEM(zone); i++) {
		if (strcmp(zone[i].name, name) == 0 &&
		    dmarc_is(zone[i].txt, strlen(zone[i].txt))) {
			if (n++ == 0) {
				*rec = zone[i].txt;
			}
		}
	}
	return n;
}

static const struct {
	const char	*name;		/* walked from */
	const char	*asked;		/* the names asked, " "-separated */
	const char	*policy;	/* where the record applying is */
	const char	*org;		/* the organisational domain */
} rows[] = {
	/* the domain's own record: one query, nothing more */
	{ "deep.test", "deep.test", "deep.test", "deep.test" },
	/* climbing one label at a time to the top-level label */
	{ "a.b.deep.test", "a.b.deep.test b.deep.test deep.test test",
	    "deep.test", "deep.test" },
	{ "nothing.test", "nothing.test test", NULL, "nothing.test" },
	{ "test", "test", NULL, "test" },
	/* no psd=: the record with the fewest labels is the organisation */
	{ "x.mid.tree.test", "x.mid.tree.test mid.tree.test tree.test test",
	    "tree.test", "tree.test" },
	/* psd=n ends the walk at the organisation */
	{ "a.x.own.cut.test", "a.x.own.cut.test x.own.cut.test own.cut.test",
	    "own.cut.test", "own.cut.test" },
	/* psd=y: one label below is the organisation; its record applies,
	 * or the public suffix domain's when it has none */
	{ "shop.brand.psd.test", "shop.brand.psd.test brand.psd.test psd.test",
	    "psd.test", "brand.psd.test" },
	{ "mail.owner.psd.test", "mail.owner.psd.test owner.psd.test psd.test",
	    "owner.psd.test", "owner.psd.test" },
	{ "brand.psd.test", "brand.psd.test psd.test", "psd.test",
	    "brand.psd.test" },
	/* psd=y on the domain's own record: it applies to itself */
	{ "self.psd.test", "self.psd.test", "self.psd.test", "self.psd.test" },
	/* a public suffix record at the top-level label */
	{ "a.b.tld", "a.b.tld b.tld tld", "tld", "b.tld" },
	/* more than 8 labels: straight to the last 7, 8 queries in all */
	{ "a.b.c.d.e.f.g.h.i.long.test", "a.b.c.d.e.f.g.h.i.long.test "
	    "e.f.g.h.i.long.test f.g.h.i.long.test g.h.i.long.test "
	    "h.i.long.test i.long.test long.test test", "long.test",
	    "long.test" },
	{ "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.none.test",
	    "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.none.test "
	    "12.13.14.15.16.none.test 13.14.15.16.none.test "
	    "14.15.16.none.test 15.16.none.test 16.none.test none.test test",
	    NULL,
	    "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.none.test" },
	/* exactly 8 labels: 7 next, as one label off would give */
	{ "a.b.c.d.e.f.g.test", "a.b.c.d.e.f.g.test b.c.d.e.f.g.test "
	    "c.d.e.f.g.test d.e.f.g.test e.f.g.test f.g.test g.test test",
	    NULL, "a.b.c.d.e.f.g.test" },
	/* several records at a name count as none there */
	{ "two.test", "two.test test", NULL, "two.test" },
	{ "sub.two.test", "sub.two.test two.test test", NULL, "sub.two.test" },
	/* a broken own record still applies (and is reported) */
	{ "bad.test", "bad.test", "bad.test", "bad.test" },
	/* above the domain, a broken record is still a record found */
	{ "a.x.badpsd.test", "a.x.badpsd.test x.badpsd.test badpsd.test test",
	    "x.badpsd.test", "x.badpsd.test" },
};

void
test_dmarc_walk(void)
{
	struct dmarc_walk	 w;
	const struct dmarc_found *f;
	const char		*t, *rec, *org;
	char			 asked[512];
	size_t			 i, len;
	unsigned		 n, q;

	for (i = 0; i < MXP_NELEM(rows); i++) {
		dmarc_walk_init(&w, rows[i].name);
		asked[0] = '\0';
		len = 0;
		for (q = 0; (t = dmarc_walk_target(&w)) != NULL; q++) {
			T_CHECKF(q < DMARC_WALK_MAX, "%s: query %u", rows[i].name,
			    q + 1);
			if (q >= DMARC_WALK_MAX + 2) {
				break;
			}
			if (len + strlen(t) + 2 < sizeof(asked)) {
				if (len > 0) {
					asked[len++] = ' ';
				}
				memcpy(asked + len, t, strlen(t) + 1);
				len += strlen(t);
			}
			rec = NULL;
			n = lookup(t, &rec);
			dmarc_walk_answer(&w, n, rec, rec != NULL ?
			    strlen(rec) : 0);
		}
		T_CHECKF(strcmp(asked, rows[i].asked) == 0,
		    "%s: asked \"%s\", want \"%s\"", rows[i].name, asked,
		    rows[i].asked);
		f = dmarc_walk_policy(&w, &org);
		if (rows[i].policy == NULL) {
			T_CHECKF(f == NULL, "%s: a policy at %s", rows[i].name,
			    w.name + f->off);
		} else {
			T_CHECKF(f != NULL && strcmp(w.name + f->off,
			    rows[i].policy) == 0, "%s: policy at %s, want %s",
			    rows[i].name, f != NULL ? w.name + f->off : "none",
			    rows[i].policy);
		}
		T_CHECKF(strcmp(org, rows[i].org) == 0, "%s: org %s, want %s",
		    rows[i].name, org, rows[i].org);
	}

	/* the parent of a name, as the walk climbs */
	T_CHECK(dmarc_walk_up("test") == NULL);
	T_CHECK(dmarc_walk_up("") == NULL);
	T_STREQ(dmarc_walk_up("a.test"), "test");
	T_STREQ(dmarc_walk_up("a.b.c.d.e.f.g.h"), "b.c.d.e.f.g.h");
	T_STREQ(dmarc_walk_up("x.a.b.c.d.e.f.g.h"), "b.c.d.e.f.g.h");

	/* the walk says nothing more once over */
	dmarc_walk_init(&w, "deep.test");
	dmarc_walk_answer(&w, 1, zone[0].txt, strlen(zone[0].txt));
	T_CHECK(dmarc_walk_target(&w) == NULL);
	dmarc_walk_answer(&w, 0, NULL, 0);
	T_INTEQ(w.nq, 1);
	f = dmarc_walk_policy(&w, NULL);
	T_CHECK(f != NULL && f->err == DMARC_OK &&
	    f->rec.p == DMARC_P_REJECT);
}

void
test_dmarc_psd(void)
{
	static const struct {
		const char	*rec;
		enum dmarc_err	 err;
		enum dmarc_psd	 psd;
	} t[] = {
		{ "v=DMARC1; p=none", DMARC_OK, DMARC_PSD_U },
		{ "v=DMARC1; p=none; psd=y", DMARC_OK, DMARC_PSD_Y },
		{ "v=DMARC1; p=none; PSD = N ", DMARC_OK, DMARC_PSD_N },
		{ "v=DMARC1; p=none; psd=u", DMARC_OK, DMARC_PSD_U },
		{ "v=DMARC1; p=none; psd=yes", DMARC_E_PSD, DMARC_PSD_U },
		{ "v=DMARC1; p=none; psd=", DMARC_E_PSD, DMARC_PSD_U },
		{ "v=DMARC1; psd=y; p=none; psd=n", DMARC_E_DUP, DMARC_PSD_Y },
	};
	struct dmarc_rec	 r;
	size_t			 i;

	for (i = 0; i < MXP_NELEM(t); i++) {
		T_CHECKF(dmarc_parse(t[i].rec, strlen(t[i].rec), &r) ==
		    t[i].err, "%s", t[i].rec);
		T_CHECKF(r.psd == t[i].psd, "%s: psd %u", t[i].rec, r.psd);
	}
	T_CHECK(strstr(dmarc_err_text(DMARC_E_PSD), "psd=") != NULL);
}

#else	/* AUDIT=0: dmarc.c is not built */

void
test_dmarc_walk(void)
{
}

void
test_dmarc_psd(void)
{
}

#endif
