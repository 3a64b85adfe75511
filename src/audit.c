/*
 * audit.c - "mxprobe audit": a second front end on the engine's loop,
 * resolver (mx.c, udns) and session machine (sess.c); see audit.h and
 * docs/audit.md, which lists every check with its RFC section.
 *
 * One slot per domain in progress (a fixed pool), each holding every
 * lookup and session it started; a slot counts what is outstanding in
 * `pending` and is done at 0.  Findings are facts judged on arrival,
 * kept in the slot (bounded) and written sorted by check, domains in
 * input order.  SPF includes and redirects are followed with the loop's
 * own TXT lookups: at most AUD_SPF_NODES records per domain, a loop is
 * an include of a name already on the path.  Sessions greet only: a
 * session without recipients (sess.h) to the first address of each MX
 * host, started with this file's own callback table: its `closed`
 * report hands over what the session saw (struct hello).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <udns.h>

#include "audit.h"
#include "dmarc.h"
#include "engine.h"
#include "features.h"
#include "loop.h"
#include "sess.h"
#include "spf.h"
#include "util.h"

#define AUD_FIND_MAX	48	/* findings kept per domain */
#define AUD_DETAIL_MAX	240
#define AUD_SPF_NODES	16	/* SPF records fetched per domain */
#define AUD_SLOTS_MAX	64	/* domains at once */
#define AUD_Q_MAX	(AUD_SPF_NODES + DMARC_WALK_MAX + 4 + 3 * MX_HOSTS_MAX)

/* checks, in output order; the names are the output's second field */
enum chk { CK_DOMAIN, CK_MX, CK_MX_HOST, CK_SPF, CK_DMARC, CK_MTA_STS,
	CK_TLS_RPT, CK_SMTP, CK_STARTTLS, CK_TLS, CK_CERT, CK_FCRDNS,
	CK__COUNT };
static const char *const chk_name[CK__COUNT] = {
	[CK_DOMAIN] = "domain", [CK_MX] = "mx", [CK_MX_HOST] = "mx-host",
	[CK_SPF] = "spf", [CK_DMARC] = "dmarc", [CK_MTA_STS] = "mta-sts",
	[CK_TLS_RPT] = "tls-rpt", [CK_SMTP] = "smtp",
	[CK_STARTTLS] = "starttls", [CK_TLS] = "tls",
	[CK_CERT] = "cert-name", [CK_FCRDNS] = "fcrdns",
};

enum st { ST_OK, ST_WARN, ST_FAIL };
static const char *const st_name[] = { "ok", "warn", "fail" };

enum qk { QK_SPF, QK_DMARC, QK_STS, QK_RPT, QK_PTR, QK_FWD4, QK_FWD6 };

struct finding {
	uint8_t		 chk, st;
	uint16_t	 seq;
	char		 detail[AUD_DETAIL_MAX + 1];
};

struct aud;

struct aq {			/* one lookup in flight */
	struct aud	*au;
	uint8_t		 kind;	/* enum qk */
	uint8_t		 idx;	/* SPF node or MX host */
};

struct ahost {			/* one MX host probed */
	struct aud	*au;
	/* what its session is given: this host's name, one address */
	char		 name[ADDR_DOMAIN_MAX + 1];
	struct mx_res	 mx;
	uint8_t		 waiting;	/* for a free session */
	uint8_t		 fwd_left;	/* forward lookups of PTR names */
	uint8_t		 fwd_ok;
	char		 ip[48];
	char		 ptr[256];
};

struct spf_node {
	char		 name[256];
	int		 parent;
};

struct aud {
	int		 used, done;
	uint64_t	 seq;
	char		 name[ADDR_DOMAIN_MAX + 1];
	struct dmarc_walk dw;		/* the DMARC tree walk from name */
	int		 dmarc_bad;	/* name's own _dmarc set reported */
	unsigned	 pending;
	struct mx_res	 mx;
	struct aq	 q[AUD_Q_MAX];
	unsigned	 nq;
	struct spf_node	 spf[AUD_SPF_NODES];
	unsigned	 nspf, spf_lookups, spf_left;
	int		 spf_bad;	/* a permerror already reported */
	char		 spf_text[AUD_DETAIL_MAX + 1];
	struct ahost	 host[MX_HOSTS_MAX];
	struct finding	 f[AUD_FIND_MAX];
	unsigned	 nf;
};

static const struct config *cfg;
static struct aud	*slots;
static size_t		 nslots;
static uint64_t		 next_seq, next_out;
static int		 worst_fail, worst_warn;
static struct dns_ctx	*dctx;

static void	one_done(struct aud *au);
static void	spf_fetch(struct aud *au, const char *name, int parent);

/* ---- findings ---- */

static void
add(struct aud *au, enum chk c, enum st s, ...)
{
	struct finding	*f;
	struct buf	 b;
	const char	*p;
	va_list		 ap;

	if (au->nf == AUD_FIND_MAX) {
		return;
	}
	f = &au->f[au->nf];
	f->chk = (uint8_t)c;
	f->st = (uint8_t)s;
	f->seq = (uint16_t)au->nf++;
	buf_init(&b, f->detail, sizeof(f->detail) - 1);
	va_start(ap, s);
	while ((p = va_arg(ap, const char *)) != NULL) {
		buf_adds(&b, p);
	}
	va_end(ap);
	if (b.trunc) {
		b.trunc = 0;
		b.len = sizeof(f->detail) - 4;
		buf_adds(&b, "...");
	}
	buf_nul(&b);
}

/* ---- lookups ---- */

static struct aq *
aq_new(struct aud *au, enum qk k, unsigned idx)
{
	struct aq	*q;

	if (au->nq == AUD_Q_MAX) {
		return NULL;
	}
	q = &au->q[au->nq++];
	q->au = au;
	q->kind = (uint8_t)k;
	q->idx = (uint8_t)idx;
	return q;
}

static void on_txt(struct dns_ctx *, struct dns_rr_txt *, void *);

static void
txt(struct aud *au, enum qk k, unsigned idx, const char *name)
{
	struct aq	*q = aq_new(au, k, idx);

	if (q == NULL || dns_submit_txt(dctx, name, DNS_C_IN, DNS_NOSRCH,
	    on_txt, q) == NULL) {
		add(au, k == QK_SPF ? CK_SPF : CK_DOMAIN, ST_WARN,
		    "lookup not sent: ", name, (char *)NULL);
		if (k == QK_SPF) {
			au->spf_left++;	/* balanced in spf_node_done */
			au->pending++;
			one_done(au);
		}
		return;
	}
	mx_dns_sent();
	au->pending++;
}

static const char *
dns_why(int status)
{
	switch (status) {
	case DNS_E_NXDOMAIN:
		return "NXDOMAIN";
	case DNS_E_NODATA:
		return "no record";
	case DNS_E_TEMPFAIL:
		return "DNS error or timeout";
	default:
		return "bad DNS answer";
	}
}

/* the records of rr that start like want (spf_is / dmarc_is / prefix) */
static unsigned
pick(const struct dns_rr_txt *rr, int (*is)(const char *, size_t),
    const char *prefix, int *which)
{
	unsigned	 n = 0;
	int		 i;

	for (i = 0; rr != NULL && i < rr->dnstxt_nrr; i++) {
		const char *t = (const char *)rr->dnstxt_txt[i].txt;
		size_t tl = (size_t)rr->dnstxt_txt[i].len;
		int yes = is != NULL ? is(t, tl) : (tl >= strlen(prefix) &&
		    strncasecmp(t, prefix, strlen(prefix)) == 0);

		if (yes) {
			if (n++ == 0) {
				*which = i;
			}
		}
	}
	return n;
}

/* a printable copy of a record for details */
static void
quote(struct buf *b, const char *s, size_t n)
{
	size_t	 i;

	buf_addc(b, '"');
	for (i = 0; i < n && i < 160; i++) {
		buf_addc(b, s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
	}
	if (n > 160) {
		buf_adds(b, "...");
	}
	buf_addc(b, '"');
}

/* ---- SPF (RFC 7208) ---- */

static void
spf_node_done(struct aud *au)
{
	char	 num[24];
	struct buf b;

	unsigned i;

	if (--au->spf_left > 0 || au->spf_bad) {
		return;
	}
	for (i = 0; i < au->nf; i++) {
		if (au->f[i].chk == CK_SPF && au->f[i].st == ST_FAIL) {
			return;		/* +all said it already */
		}
	}
	buf_init(&b, num, sizeof(num) - 1);
	buf_addu(&b, au->spf_lookups);
	buf_nul(&b);
	add(au, CK_SPF, ST_OK, au->spf_text, " (", num, " DNS lookups)",
	    (char *)NULL);
}

static void
spf_record(struct aud *au, unsigned node, const char *t, size_t tl)
{
	struct spf_rec	 r;
	enum spf_err	 e;
	unsigned	 i, j;
	char		 tgt[256], num[24];
	struct buf	 b;
	int		 p;

	e = spf_parse(t, tl, &r);
	if (e != SPF_OK) {
		size_t	 k = r.err_off, end = k;

		while (end < tl && t[end] != ' ') {
			end++;
		}
		buf_init(&b, tgt, sizeof(tgt) - 1);
		quote(&b, t + k, end - k);
		buf_nul(&b);
		add(au, CK_SPF, ST_FAIL, "permerror: ", spf_err_text(e), " at ",
		    tgt, node > 0 ? " in " : "", node > 0 ?
		    au->spf[node].name : "", (char *)NULL);
		au->spf_bad = 1;
		return;
	}
	if (node == 0) {
		buf_init(&b, au->spf_text, sizeof(au->spf_text) - 1);
		quote(&b, t, tl);
		buf_nul(&b);
		if (r.all >= 0 && r.term[r.all].qual == '+') {
			add(au, CK_SPF, ST_FAIL, "+all: any host may send for "
			    "the domain (RFC 7208 5.1)", (char *)NULL);
		} else if (r.all >= 0 && r.term[r.all].qual == '?') {
			add(au, CK_SPF, ST_WARN, "?all: neutral, protects "
			    "nothing (RFC 7208 8.2)", (char *)NULL);
		} else if (r.all < 0 && r.redirect < 0) {
			add(au, CK_SPF, ST_WARN, "no \"all\" and no redirect=: "
			    "the default result is neutral (RFC 7208 4.7)",
			    (char *)NULL);
		}
	}
	if (r.ptr) {
		add(au, CK_SPF, ST_WARN, "\"ptr\" in ", au->spf[node].name,
		    " (RFC 7208 5.5: SHOULD NOT be used)", (char *)NULL);
	}
	au->spf_lookups += r.lookups;
	if (au->spf_lookups > SPF_LOOKUPS_MAX) {
		if (!au->spf_bad) {
			buf_init(&b, num, sizeof(num) - 1);
			buf_addu(&b, au->spf_lookups);
			buf_nul(&b);
			add(au, CK_SPF, ST_FAIL, "at least ", num,
			    " DNS lookups (RFC 7208 4.6.4: max 10), "
			    "permerror", (char *)NULL);
		}
		au->spf_bad = 1;
		return;
	}
	for (i = 0; i < r.nterm; i++) {
		const struct spf_term *m = &r.term[i];

		if (m->kind != SPF_INCLUDE && !(m->kind == SPF_REDIRECT &&
		    r.all < 0)) {
			continue;
		}
		if (memchr(t + m->off, '%', m->len) != NULL || m->len == 0 ||
		    m->len >= sizeof(tgt)) {
			continue;	/* a macro: known only when evaluating */
		}
		for (j = 0; j < m->len; j++) {
			char c = t[m->off + j];

			tgt[j] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
		}
		tgt[j] = '\0';
		if (j > 0 && tgt[j - 1] == '.') {
			tgt[j - 1] = '\0';
		}
		/* a loop: the target is on the path from the root here */
		for (p = (int)node; p >= 0; p = au->spf[p].parent) {
			if (strcmp(au->spf[p].name, tgt) == 0) {
				break;
			}
		}
		if (p >= 0) {
			add(au, CK_SPF, ST_FAIL, "include loop: ",
			    au->spf[node].name, " includes ", tgt,
			    " again (RFC 7208 4.6.4), permerror",
			    (char *)NULL);
			au->spf_bad = 1;
			return;
		}
		if (au->nspf == AUD_SPF_NODES) {
			continue;
		}
		spf_fetch(au, tgt, (int)node);
	}
}

static void
spf_fetch(struct aud *au, const char *name, int parent)
{
	unsigned	 k = au->nspf++;

	str_copy(au->spf[k].name, sizeof(au->spf[k].name), name,
	    strlen(name));
	au->spf[k].parent = parent;
	au->spf_left++;
	txt(au, QK_SPF, k, name);
}

static void
on_spf(struct aud *au, unsigned node, const struct dns_rr_txt *rr,
    int status)
{
	int		 w = -1;
	unsigned	 n = pick(rr, spf_is, NULL, &w);
	char		 num[24];
	struct buf	 b;

	if (au->spf_bad) {
		/* already a permerror: nothing more to say */
	} else if (rr == NULL && status != DNS_E_NXDOMAIN &&
	    status != DNS_E_NODATA) {
		add(au, CK_SPF, ST_WARN, "temperror: ", dns_why(status),
		    " for ", au->spf[node].name, (char *)NULL);
		au->spf_bad = 1;
	} else if (n == 0) {
		if (node == 0) {
			add(au, CK_SPF, ST_FAIL, "no SPF record (\"v=spf1\" "
			    "TXT, RFC 7208 4.5)", (char *)NULL);
		} else {
			add(au, CK_SPF, ST_FAIL, au->spf[node].name, " has no "
			    "SPF record: include/redirect gives permerror "
			    "(RFC 7208 5.2, 6.1)", (char *)NULL);
		}
		au->spf_bad = 1;
	} else if (n > 1) {
		buf_init(&b, num, sizeof(num) - 1);
		buf_addu(&b, n);
		buf_nul(&b);
		add(au, CK_SPF, ST_FAIL, num, " SPF records at ",
		    au->spf[node].name, ": permerror (RFC 7208 4.5)",
		    (char *)NULL);
		au->spf_bad = 1;
	} else {
		spf_record(au, node, (const char *)rr->dnstxt_txt[w].txt,
		    (size_t)rr->dnstxt_txt[w].len);
	}
	spf_node_done(au);
}

/* ---- DMARC (RFC 7489), MTA-STS (RFC 8461), TLS-RPT (RFC 8460) ---- */

/* the walk is over: the record that applies, or that there is none */
static void
dmarc_report(struct aud *au)
{
	const struct dmarc_found *f;
	const struct dmarc_rec	*d;
	const char		*org, *at;
	char			 det[AUD_DETAIL_MAX];
	struct buf		 b;
	enum st			 s = ST_OK;
	enum dmarc_pol		 p;

	f = dmarc_walk_policy(&au->dw, &org);
	if (f == NULL) {
		if (!au->dmarc_bad) {
			buf_init(&b, det, sizeof(det) - 1);
			buf_addu(&b, au->dw.nq);
			add(au, CK_DMARC, ST_WARN, "no DMARC record at _dmarc.",
			    au->name, " nor above it (", buf_nul(&b),
			    " queries, DMARCbis DNS tree walk)", (char *)NULL);
		}
		return;
	}
	at = au->dw.name + f->off;
	if (f->err != DMARC_OK) {
		add(au, CK_DMARC, ST_FAIL, dmarc_err_text((enum dmarc_err)
		    f->err), f->off > 0 ? " (at _dmarc." : "", f->off > 0 ?
		    at : "", f->off > 0 ? ")" : "", (char *)NULL);
		return;
	}
	d = &f->rec;
	p = f->off > 0 && d->sp != DMARC_P_UNSET ? (enum dmarc_pol)d->sp :
	    (enum dmarc_pol)d->p;
	buf_init(&b, det, sizeof(det) - 1);
	buf_adds(&b, "p=");
	buf_adds(&b, dmarc_pol_name(p));
	if (p == DMARC_P_NONE) {
		buf_adds(&b, " (monitoring only)");
		s = ST_WARN;
	}
	if (d->pct >= 0 && d->pct < 100) {
		buf_adds(&b, ", pct=");
		buf_addu(&b, (uint64_t)d->pct);
		buf_adds(&b, " (partly applied)");
		s = ST_WARN;
	}
	buf_adds(&b, d->rua ? ", rua" : ", no rua (no aggregate reports)");
	if (!d->rua) {
		s = ST_WARN;
	}
	if (d->ruf) {
		buf_adds(&b, ", ruf");
	}
	if (f->off > 0 && d->psd == DMARC_PSD_Y) {
		/* the owner publishes nothing: a registry's policy applies */
		buf_adds(&b, " (from the public suffix domain ");
		buf_adds(&b, at);
		buf_adds(&b, ", psd=y: the organisational domain ");
		buf_adds(&b, org);
		buf_adds(&b, " has none");
		s = ST_WARN;
	} else if (f->off > 0) {
		buf_adds(&b, " (at the organisational domain ");
		buf_adds(&b, at);
	}
	if (f->off > 0) {
		buf_adds(&b, d->sp != DMARC_P_UNSET ? ", sp=" : ", p=");
		buf_adds(&b, "applies)");
	}
	add(au, CK_DMARC, s, buf_nul(&b), (char *)NULL);
}

/* one answer of the DMARCbis DNS tree walk */
static void
on_dmarc(struct aud *au, const struct dns_rr_txt *rr, int status)
{
	int		 w = -1, own = au->dw.nq == 0;
	unsigned	 n = pick(rr, dmarc_is, NULL, &w);
	const char	*at = dmarc_walk_target(&au->dw);
	char		 name[ADDR_DOMAIN_MAX + 8];
	struct buf	 b;

	if (rr == NULL && status != DNS_E_NXDOMAIN &&
	    status != DNS_E_NODATA) {
		add(au, CK_DMARC, ST_WARN, "temperror: ", dns_why(status),
		    " for _dmarc.", at, ": the DNS tree walk stopped",
		    (char *)NULL);
		return;
	}
	if (own && n > 1) {
		add(au, CK_DMARC, ST_FAIL, "several DMARC records at _dmarc.",
		    au->name, ": all discarded (RFC 7489 6.6.3)",
		    (char *)NULL);
		au->dmarc_bad = 1;
	} else if (own && n == 0 && pick(rr, NULL, "p=", &w) +
	    pick(rr, NULL, " ", &w) + pick(rr, NULL, "v=dmarc", &w) > 0) {
		/* v=DMARC1 not first, or misspelt: discarded (6.6.3) */
		add(au, CK_DMARC, ST_FAIL, "a record at _dmarc.", au->name,
		    " that is not DMARC: ", dmarc_err_text(DMARC_E_VERSION),
		    (char *)NULL);
		au->dmarc_bad = 1;
	}
	dmarc_walk_answer(&au->dw, n, n == 1 ? (const char *)
	    rr->dnstxt_txt[w].txt : NULL, n == 1 ?
	    (size_t)rr->dnstxt_txt[w].len : 0);
	at = dmarc_walk_target(&au->dw);
	if (at == NULL) {
		dmarc_report(au);
		return;
	}
	buf_init(&b, name, sizeof(name) - 1);
	buf_adds(&b, "_dmarc.");
	buf_adds(&b, at);
	txt(au, QK_DMARC, 0, buf_nul(&b));
}

/* "v=STSv1; id=..." (RFC 8461 3.1): id is 1-32 alphanumerics */
static void
on_sts(struct aud *au, const struct dns_rr_txt *rr)
{
	int		 w = -1;
	unsigned	 n = pick(rr, NULL, "v=STSv1", &w);
	const char	*t, *id;
	size_t		 tl, i = 0;
	char		 idc[40];

	if (n == 0) {
		add(au, CK_MTA_STS, ST_WARN, "no _mta-sts TXT record "
		    "(RFC 8461 3.1): no MTA-STS", (char *)NULL);
		return;
	}
	if (n > 1) {
		add(au, CK_MTA_STS, ST_FAIL, "several v=STSv1 records "
		    "(RFC 8461 3.1: treated as none)", (char *)NULL);
		return;
	}
	t = (const char *)rr->dnstxt_txt[w].txt;
	tl = (size_t)rr->dnstxt_txt[w].len;
	id = NULL;
	for (i = 0; i + 3 <= tl; i++) {
		if ((i == 0 || t[i - 1] == ';' || t[i - 1] == ' ') &&
		    strncmp(t + i, "id=", LIT_LEN("id=")) == 0) {
			id = t + i + LIT_LEN("id=");
			break;
		}
	}
	for (i = 0; id != NULL && id + i < t + tl && i < 33 &&
	    ((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'z') ||
	    (id[i] >= 'A' && id[i] <= 'Z')); i++) {
		continue;
	}
	if (id == NULL || i == 0 || i > 32 || (id + i < t + tl &&
	    id[i] != ';' && id[i] != ' ')) {
		add(au, CK_MTA_STS, ST_FAIL, "v=STSv1 without a valid id= "
		    "(1-32 alphanumerics, RFC 8461 3.1)", (char *)NULL);
		return;
	}
	str_copy(idc, sizeof(idc), id, i);
	add(au, CK_MTA_STS, ST_OK, "id=", idc, "; the HTTPS policy is not "
	    "fetched", (char *)NULL);
}

/* "v=TLSRPTv1; rua=mailto:...|https://..." (RFC 8460 3) */
static void
on_rpt(struct aud *au, const struct dns_rr_txt *rr)
{
	int		 w = -1;
	unsigned	 n = pick(rr, NULL, "v=TLSRPTv1", &w);
	const char	*t;
	size_t		 tl, i;
	int		 ok = 0;

	if (n == 0) {
		add(au, CK_TLS_RPT, ST_WARN, "no _smtp._tls TXT record "
		    "(RFC 8460 3): no TLS reports", (char *)NULL);
		return;
	}
	if (n > 1) {
		add(au, CK_TLS_RPT, ST_FAIL, "several v=TLSRPTv1 records "
		    "(RFC 8460 3)", (char *)NULL);
		return;
	}
	t = (const char *)rr->dnstxt_txt[w].txt;
	tl = (size_t)rr->dnstxt_txt[w].len;
	for (i = 0; i + LIT_LEN("rua=") <= tl; i++) {
		if (strncmp(t + i, "rua=", LIT_LEN("rua=")) == 0 &&
		    i + LIT_LEN("rua=mailto:") <= tl &&
		    (strncmp(t + i + LIT_LEN("rua="), "mailto:",
		    LIT_LEN("mailto:")) == 0 || strncmp(t + i +
		    LIT_LEN("rua="), "https:", LIT_LEN("https:")) == 0)) {
			ok = 1;
		}
	}
	add(au, CK_TLS_RPT, ok ? ST_OK : ST_FAIL, ok ? "v=TLSRPTv1 with rua" :
	    "v=TLSRPTv1 without a mailto: or https: rua= (RFC 8460 3)",
	    (char *)NULL);
}

static void
on_txt(struct dns_ctx *c, struct dns_rr_txt *rr, void *data)
{
	struct aq	*q = data;
	struct aud	*au = q->au;
	int		 status = dns_status(c);

	switch (q->kind) {
	case QK_SPF:
		on_spf(au, q->idx, rr, status);
		break;
	case QK_DMARC:
		on_dmarc(au, rr, status);
		break;
	case QK_STS:
		on_sts(au, rr);
		break;
	case QK_RPT:
		on_rpt(au, rr);
		break;
	}
	free(rr);
	one_done(au);
}

/* ---- forward-confirmed reverse DNS of each probed address ---- */

static void
fwd_done(struct aud *au, struct ahost *h)
{
	if (h->fwd_left == 0 || --h->fwd_left > 0) {
		return;
	}
	if (h->fwd_ok) {
		add(au, CK_FCRDNS, ST_OK, h->name, " ", h->ip, ": PTR ",
		    h->ptr, " resolves back", (char *)NULL);
	} else {
		add(au, CK_FCRDNS, ST_FAIL, h->name, " ", h->ip, ": PTR ",
		    h->ptr, " does not resolve back to it "
		    "(forward-confirmed reverse DNS)", (char *)NULL);
	}
}

/* an A or AAAA answer for the PTR name: does it hold the probed address? */
static void
fwd_check(struct aq *q, int fam, const void *addrs, int n, void *rr)
{
	struct ahost	*h = &q->au->host[q->idx];

	if (h->mx.addr[0].family == fam &&
	    util_addr_in(fam, addrs, n, h->mx.addr[0].a)) {
		h->fwd_ok = 1;
	}
	free(rr);
	fwd_done(q->au, h);
	one_done(q->au);
}

static void
on_fwd4(struct dns_ctx *c, struct dns_rr_a4 *rr, void *data)
{
	(void)c;
	fwd_check(data, 4, rr != NULL ? (const void *)rr->dnsa4_addr : NULL,
	    rr != NULL ? rr->dnsa4_nrr : 0, rr);
}

static void
on_fwd6(struct dns_ctx *c, struct dns_rr_a6 *rr, void *data)
{
	(void)c;
	fwd_check(data, 6, rr != NULL ? (const void *)rr->dnsa6_addr : NULL,
	    rr != NULL ? rr->dnsa6_nrr : 0, rr);
}

static void
on_ptr(struct dns_ctx *c, struct dns_rr_ptr *rr, void *data)
{
	struct aq	*q = data;
	struct aud	*au = q->au;
	struct ahost	*h = &au->host[q->idx];
	struct aq	*f;
	int		 fam = h->mx.addr[0].family;

	if (rr == NULL || rr->dnsptr_nrr == 0) {
		add(au, CK_FCRDNS, ST_FAIL, h->name, " ", h->ip, ": no PTR "
		    "record (", dns_why(dns_status(c)), ")", (char *)NULL);
	} else {
		str_copy(h->ptr, sizeof(h->ptr), rr->dnsptr_ptr[0],
		    strlen(rr->dnsptr_ptr[0]));
		f = aq_new(au, fam == 4 ? QK_FWD4 : QK_FWD6, q->idx);
		if (f != NULL && (fam == 4 ? dns_submit_a4(dctx, h->ptr,
		    DNS_NOSRCH, on_fwd4, f) : dns_submit_a6(dctx, h->ptr,
		    DNS_NOSRCH, on_fwd6, f)) != NULL) {
			mx_dns_sent();
			au->pending++;
			h->fwd_left = 1;
		}
	}
	free(rr);
	one_done(au);
}

/* ---- SMTP: one greeting session per MX host ---- */

static void
caps_text(struct buf *b, unsigned caps)
{
	static const struct { unsigned cap; const char *name; } t[] = {
		{ CAP_PIPELINING, " PIPELINING" }, { CAP_STARTTLS, " STARTTLS" },
		{ CAP_SMTPUTF8, " SMTPUTF8" }, { CAP_8BITMIME, " 8BITMIME" },
		{ CAP_SIZE, " SIZE" }, { CAP_ENHANCED, " ENHANCEDSTATUSCODES" },
		{ CAP_CHUNKING, " CHUNKING" },
	};
	size_t	 i;

	for (i = 0; i < MXP_NELEM(t); i++) {
		if (caps & t[i].cap) {
			buf_adds(b, t[i].name);
		}
	}
}

/* sess.h: the probe session of host arg ended; hl is what it saw */
static void
on_closed(void *arg, struct sess *s, void *const *tags, unsigned n,
    const struct fact *fail, const struct hello *hl)
{
	struct ahost	*h = arg;
	struct aud	*au = h->au;
	char		 det[AUD_DETAIL_MAX];
	struct buf	 b;

	(void)s;
	(void)tags;
	(void)n;
	if (hl->ai < 0) {
		buf_init(&b, det, sizeof(det) - 1);
		buf_addu(&b, cfg->port);
		add(au, CK_SMTP, ST_FAIL, h->name, " ", h->ip, " port ",
		    buf_nul(&b), ": ", fail->detail[0] != '\0' ? fail->detail :
		    reason_token((enum reason)fail->reason), (char *)NULL);
		one_done(au);
		return;
	}
	buf_init(&b, det, sizeof(det) - 1);
	buf_adds(&b, h->name);
	buf_addc(&b, ' ');
	buf_adds(&b, h->ip);
	buf_adds(&b, ": banner ");
	buf_addu(&b, hl->banner_code);
	buf_addc(&b, ' ');
	quote(&b, hl->banner, strcspn(hl->banner, " "));
	buf_adds(&b, hl->ehlo_ok ? ", EHLO" : ", HELO only");
	caps_text(&b, hl->caps);
	add(au, CK_SMTP, hl->ehlo_ok ? ST_OK : ST_WARN, buf_nul(&b),
	    (char *)NULL);
	if (cfg->tls == TLSM_NO) {
		one_done(au);
		return;
	}
	if (!(hl->caps & CAP_STARTTLS)) {
		add(au, CK_STARTTLS, ST_FAIL, h->name, ": STARTTLS not offered "
		    "(RFC 3207; needed by RFC 8461)", (char *)NULL);
	} else if (!hl->tls_on) {
		add(au, CK_STARTTLS, ST_OK, h->name, ": offered", (char *)NULL);
		add(au, CK_TLS, ST_FAIL, h->name, ": ", hl->tls[0] != '\0' ?
		    hl->tls : "handshake failed", (char *)NULL);
	} else {
		add(au, CK_STARTTLS, ST_OK, h->name, ": offered", (char *)NULL);
		add(au, CK_TLS, ST_OK, h->name, ": ", hl->tls, ", subject ",
		    hl->tlsi.subject, ", expires ", hl->tlsi.not_after,
		    (char *)NULL);
		add(au, hl->name_ok == 1 ? CK_CERT : CK_CERT,
		    hl->name_ok == 1 ? ST_OK : ST_FAIL, h->name,
		    hl->name_ok == 1 ? ": the certificate names the host" :
		    ": the certificate does not name the host (RFC 6125 "
		    "6.4; RFC 7672 3.2.3 / RFC 8461 4.2 would fail)",
		    (char *)NULL);
	}
	one_done(au);
}

/* a probe session reports only its end */
static const struct sess_ops probe_ops = {
	.closed = on_closed
};

static void
host_start(struct aud *au, unsigned hi)
{
	struct ahost	*h = &au->host[hi];
	struct sess	*s = sess_get();

	if (s == NULL) {
		h->waiting = 1;
		return;
	}
	h->waiting = 0;
	sess_start(s, h->name, &h->mx, NULL, 0, NULL, &probe_ops, h);
}

/* ---- MX (RFC 5321 5.1, RFC 7505, RFC 2181 10.3) ---- */

static void
on_mx(void *arg, struct mx_res *res)
{
	struct aud	*au = arg;
	char		 list[AUD_DETAIL_MAX], name[256], other[256];
	struct buf	 b;
	unsigned	 h, i, j;

	switch (res->reason) {
	case R_NO_DOMAIN:
		add(au, CK_MX, ST_FAIL, "the domain does not exist (NXDOMAIN)",
		    (char *)NULL);
		break;
	case R_NULL_MX:
		add(au, CK_MX, ST_WARN, "null MX: the domain takes no mail "
		    "(RFC 7505)", (char *)NULL);
		break;
	case R_NO_MAIL_HOST:
		add(au, CK_MX, ST_FAIL, "no MX and no address: no mail host "
		    "(RFC 5321 5.1)", (char *)NULL);
		break;
	case R_DNS_ERROR:
	case R_DNS_TIMEOUT:
		add(au, CK_MX, ST_FAIL, "MX lookup failed: ",
		    reason_token((enum reason)res->reason), (char *)NULL);
		break;
	default:
		buf_init(&b, list, sizeof(list) - 1);
		mx_list_text(res, &b);
		if (res->flags & MX_F_IMPLICIT) {
			add(au, CK_MX, ST_WARN, "no MX record: implicit MX, the "
			    "domain's own address (RFC 5321 5.1): ",
			    buf_nul(&b), (char *)NULL);
		} else {
			add(au, CK_MX, ST_OK, buf_nul(&b), (char *)NULL);
		}
		break;
	}
	if (res->flags & MX_F_CUT) {
		add(au, CK_MX, ST_WARN, "more MX hosts or addresses than "
		    "checked", (char *)NULL);
	}
	for (h = 0; h < res->nhost; h++) {
		const struct mx_host *mh = &res->host[h];

		mx_host_name(res, h, name, sizeof(name));
		for (j = 0; j < h; j++) {
			mx_host_name(res, j, other, sizeof(other));
			if (strcmp(name, other) == 0) {
				add(au, CK_MX_HOST, ST_WARN, name, ": listed "
				    "twice", (char *)NULL);
			}
		}
		if (mh->flags & MXH_LITERAL) {
			add(au, CK_MX_HOST, ST_FAIL, name, ": an IP address, "
			    "not a host name (RFC 5321 5.1)", (char *)NULL);
		}
		if (mh->flags & MXH_CNAME) {
			add(au, CK_MX_HOST, ST_FAIL, name, ": an alias (CNAME) "
			    "(RFC 2181 10.3, RFC 5321 5.1)", (char *)NULL);
		}
		if ((mh->flags & MXH_PRIVATE) && !cfg->allow_private) {
			add(au, CK_MX_HOST, ST_WARN, name, ": private or "
			    "loopback address, not probed", (char *)NULL);
		}
		if (mh->naddr == 0 && !(mh->flags & MXH_PRIVATE)) {
			add(au, CK_MX_HOST, ST_FAIL, name, ": no A/AAAA "
			    "record", (char *)NULL);
		}
		/* its first usable address: SMTP, then reverse DNS */
		for (i = 0; i < res->naddr && res->addr[i].host != h; i++) {
			continue;
		}
		if (i == res->naddr || cfg->mode != MODE_AUDIT) {
			continue;
		}
		{
			struct ahost	*ah = &au->host[h];
			struct mx_res	*m = &ah->mx;
			struct aq	*q;
			size_t		 nl = strlen(name);

			memset(ah, 0, sizeof(*ah));
			ah->au = au;
			str_copy(ah->name, sizeof(ah->name), name, nl);
			m->nhost = 1;
			m->host[0].name_len = (uint8_t)nl;
			m->host[0].naddr = 1;
			memcpy(m->names, name, nl < MX_NAMES_MAX ? nl :
			    MX_NAMES_MAX);
			m->addr[0] = res->addr[i];
			m->addr[0].host = 0;
			m->naddr = 1;
			mx_addr_text(&m->addr[0], ah->ip, sizeof(ah->ip));
			au->pending++;
			host_start(au, h);
			q = aq_new(au, QK_PTR, h);
			if (q != NULL && (m->addr[0].family == 4 ?
			    dns_submit_a4ptr(dctx, (const struct in_addr *)
			    (const void *)m->addr[0].a, on_ptr, q) :
			    dns_submit_a6ptr(dctx, (const struct in6_addr *)
			    (const void *)m->addr[0].a, on_ptr, q)) != NULL) {
				mx_dns_sent();
				au->pending++;
			}
		}
	}
	one_done(au);
}

/* ---- domains: admission, output ---- */

static void
one_done(struct aud *au)
{
	MXP_ASSERT(au->pending > 0);
	if (--au->pending == 0) {
		au->done = 1;
	}
}

static void
aud_start(struct aud *au)
{
	char		 q[ADDR_DOMAIN_MAX + 16];
	struct buf	 b;

	au->pending = 1;	/* held while starting */
	dmarc_walk_init(&au->dw, au->name);
	au->pending++;
	mx_resolve(&au->mx, au->name, on_mx, au);
	spf_fetch(au, au->name, -1);
	buf_init(&b, q, sizeof(q) - 1);
	buf_adds(&b, "_dmarc.");
	buf_adds(&b, au->name);
	txt(au, QK_DMARC, 0, buf_nul(&b));
	buf_init(&b, q, sizeof(q) - 1);
	buf_adds(&b, "_mta-sts.");
	buf_adds(&b, au->name);
	txt(au, QK_STS, 0, buf_nul(&b));
	buf_init(&b, q, sizeof(q) - 1);
	buf_adds(&b, "_smtp._tls.");
	buf_adds(&b, au->name);
	txt(au, QK_RPT, 0, buf_nul(&b));
	one_done(au);
}

static void
emit(struct aud *au)
{
	static char	 mem[AUD_FIND_MAX * (AUD_DETAIL_MAX * 6 + 600)];
	struct buf	 b;
	unsigned	 i, j, worst = ST_OK;
	struct finding	 t;

	/* stable insertion sort by check */
	for (i = 1; i < au->nf; i++) {
		t = au->f[i];
		for (j = i; j > 0 && au->f[j - 1].chk > t.chk; j--) {
			au->f[j] = au->f[j - 1];
		}
		au->f[j] = t;
	}
	for (i = 0; i < au->nf; i++) {
		if (au->f[i].st > worst) {
			worst = au->f[i].st;
		}
	}
	worst_fail |= worst == ST_FAIL;
	worst_warn |= worst == ST_WARN;
	buf_init(&b, mem, sizeof(mem));
	if (cfg->fmt == OUT_JSON) {
		buf_adds(&b, "{\"domain\":");
		buf_json(&b, au->name);
		buf_adds(&b, ",\"status\":\"");
		buf_adds(&b, st_name[worst]);
		buf_adds(&b, "\",\"findings\":[");
		for (i = 0; i < au->nf; i++) {
			buf_adds(&b, i > 0 ? ",{\"check\":\"" : "{\"check\":\"");
			buf_adds(&b, chk_name[au->f[i].chk]);
			buf_adds(&b, "\",\"status\":\"");
			buf_adds(&b, st_name[au->f[i].st]);
			buf_adds(&b, "\",\"detail\":");
			buf_json(&b, au->f[i].detail);
			buf_addc(&b, '}');
		}
		buf_adds(&b, "]}\n");
	} else {
		for (i = 0; i < au->nf; i++) {
			const char *p;

			buf_adds(&b, au->name);
			buf_addc(&b, '\t');
			buf_adds(&b, chk_name[au->f[i].chk]);
			buf_addc(&b, '\t');
			buf_adds(&b, st_name[au->f[i].st]);
			buf_addc(&b, '\t');
			for (p = au->f[i].detail; *p != '\0'; p++) {
				buf_addc(&b, (unsigned char)*p < 0x20 ? '?' :
				    *p);
			}
			buf_addc(&b, '\n');
		}
	}
	MXP_ASSERT(!b.trunc);
	if (write_all(1, b.p, b.len) != 0) {
		die(EXIT_IOERR, "writing results failed", NULL);
	}
}

/* the next domain of the input into a free slot; 0 at the end */
static int
admit(struct input *in, struct aud *au)
{
	struct input_line	 l;
	struct addr		 a;
	char			 tmp[INPUT_LINE_MAX + 16];
	struct buf		 b;
	enum addr_err		 e;

	for (;;) {
		switch (input_next(in, &l)) {
		case INPUT_AGAIN:
			if (input_fill(in) < 0) {
				return 0;
			}
			continue;
		case INPUT_EOF:
		case INPUT_ERROR:
			return 0;
		case INPUT_LINE:
			break;
		}
		while (l.len > 0 && (l.s[l.len - 1] == '.' ||
		    l.s[l.len - 1] == ' ')) {
			l.len--;
		}
		if (l.len == 0) {
			continue;
		}
		memset(au, 0, sizeof(*au));
		au->used = 1;
		au->seq = next_seq++;
		/* the address parser checks and converts the domain */
		buf_init(&b, tmp, sizeof(tmp) - 1);
		buf_adds(&b, "postmaster@");
		buf_add(&b, l.s, l.len);
		e = b.trunc ? ADDR_E_DOMAIN_LONG : addr_parse(b.p, b.len, &a);
		if (e == ADDR_OK && !(a.flags & ADDR_F_LITERAL)) {
			str_copy(au->name, sizeof(au->name), a.domain,
			    a.domain_len);
			aud_start(au);
			return 1;
		}
		str_copy(au->name, sizeof(au->name), l.s, l.len);
		add(au, CK_DOMAIN, ST_FAIL, "not a domain name: ", e == ADDR_OK ?
		    "address literal" : addr_err_text(e), (char *)NULL);
		au->done = 1;
		return 1;
	}
}

/* see audit.h */
int
audit_run(const struct config *c, struct input *in)
{
	size_t		 i;
	int		 eof = 0, busy;
	unsigned	 h;

	cfg = c;
	eng_setup(c, 0, NULL);
	dctx = mx_dns();
	nslots = c->concurrency / 2 + 1;
	if (nslots > AUD_SLOTS_MAX) {
		nslots = AUD_SLOTS_MAX;
	}
	slots = calloc(nslots, sizeof(*slots));
	if (slots == NULL) {
		die(EXIT_INTERNAL, "out of memory", NULL);
	}
	for (;;) {
		busy = 0;
		for (i = 0; i < nslots; i++) {
			struct aud *au = &slots[i];

			if (!au->used && !eof) {
				eof = !admit(in, au);
			}
			for (h = 0; au->used && !au->done && h < MX_HOSTS_MAX;
			    h++) {
				if (au->host[h].waiting) {
					host_start(au, h);
				}
			}
		}
		/* write finished domains in input order */
		h = 0;
		for (i = 0; i < nslots; i++) {
			struct aud *au = &slots[i];

			if (au->used && au->done && au->seq == next_out) {
				emit(au);
				au->used = 0;
				next_out++;
				i = (size_t)-1;
				h = 1;
			}
		}
		if (h && !eof) {
			continue;	/* free slots: admit more first */
		}
		for (i = 0; i < nslots; i++) {
			busy |= slots[i].used;
		}
		if (!busy && eof) {
			break;
		}
		if (loop_signal() != 0) {
			free(slots);
			return 128 + loop_signal();
		}
		if (loop_once(-1) != 0) {
			die(EXIT_INTERNAL, "poll failed", NULL);
		}
	}
	free(slots);
	return worst_fail ? 1 : worst_warn ? 2 : 0;
}
