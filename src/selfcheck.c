/*
 * selfcheck.c - "mxprobe selfcheck"; see selfcheck.h.
 *
 * Three phases on the engine's loop, each a count of what is still
 * outstanding (sc.pending; a phase ends at 0):
 *   1. DNS: the NXDOMAIN probe and the MX lookup of each DOMAIN; each
 *      MX host found gets one greeting session (sess.h, no recipients);
 *   2. the world address is known (an EHLO reply that echoes it, or
 *      --source): its PTR and the forward lookup of that name, the EHLO
 *      name's addresses, one DNSBL query per zone;
 *   3. the findings, sorted by check, and the verdict line.
 * Everything is bounded: SC_DOMS_MAX domains, SC_HOSTS_MAX hosts,
 * SC_FIND_MAX findings; more are said to be left out.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <udns.h>

#include "engine.h"
#include "loop.h"
#include "proxy.h"
#include "selfcheck.h"
#include "sess.h"
#include "util.h"

#define SC_DOMS_MAX	8
#define SC_HOSTS_MAX	16
#define SC_FIND_MAX	64
#define SC_DETAIL_MAX	240
/* a greeting slower than this is "slow": most servers answer in < 1 s */
#define SC_SLOW_MS	5000

enum sck { SC_DNS, SC_PORT25, SC_ADDRESS, SC_PTR, SC_FCRDNS, SC_HELO,
	SC_DNSBL, SC_VERDICT, SC__COUNT };
static const char *const sck_name[SC__COUNT] = {
	"dns", "port25", "address", "ptr", "fcrdns", "helo", "dnsbl", "verdict"
};
enum st { ST_OK, ST_WARN, ST_FAIL };
static const char *const st_name[] = { "ok", "warn", "fail" };

/*
 * Default DNSBL zones (--dnsbl replaces them): the lists most receiving
 * servers consult, each free for low-volume queries from one's own
 * resolver.  Meanings of their 127.0.0.x answers as each documents.
 */
static const char *const bl_default[] = {
	"zen.spamhaus.org",	/* SBL, CSS, XBL, PBL together */
	"bl.spamcop.net",	/* user-reported spam sources */
	"psbl.surriel.com",	/* spam-trap hits */
};
static const struct {
	const char	*zone;
	uint8_t		 last;		/* 127.0.0.last; 0: any */
	const char	*meaning;
} bl_meaning[] = {
	{ "zen.spamhaus.org", 2, "SBL: a known spam source" },
	{ "zen.spamhaus.org", 3, "SBL CSS: a snowshoe spam source" },
	{ "zen.spamhaus.org", 4, "XBL: exploited or infected host" },
	{ "zen.spamhaus.org", 9, "DROP: hijacked network" },
	{ "zen.spamhaus.org", 10, "policy list (PBL): dynamic or end-user "
	    "address, the provider says it should not send mail directly" },
	{ "zen.spamhaus.org", 11, "policy list (PBL): dynamic or end-user "
	    "address" },
	{ "bl.spamcop.net", 2, "listed: reported as a spam source" },
	{ "psbl.surriel.com", 2, "listed: sent to spam traps" },
};

struct finding {
	uint8_t		 chk, st;
	char		 detail[SC_DETAIL_MAX + 1];
};

struct schost {
	/* what its session is given: the host's name, one address */
	char		 name[ADDR_DOMAIN_MAX + 1];
	struct mx_res	 mx;
	char		 ip[48];
	int64_t		 t0;
	uint8_t		 waiting;	/* for a free session */
};

static struct {
	const struct config	*cfg;
	struct dns_ctx		*ctx;
	unsigned		 pending;
	int			 phase;
	struct finding		 f[SC_FIND_MAX];
	unsigned		 nf, lost;
	char			 dom[SC_DOMS_MAX][ADDR_DOMAIN_MAX + 1];
	struct mx_res		 mx[SC_DOMS_MAX];
	unsigned		 ndom;
	struct schost		 host[SC_HOSTS_MAX];
	unsigned		 nhost, hosts_ok, hosts_blocked;
	uint8_t			 wfam;		/* world address: 4, 6, 0 */
	uint8_t			 wa[16];
	char			 wip[48];
	char			 ptr[256];
	int8_t			 fcr, helo_ok;	/* -1 not known, 0, 1 */
	char			 nxname[ADDR_DOMAIN_MAX + 40];
} sc;

static void	phase_next(void);
static const struct sess_ops probe_ops;

/* a finding from the NULL-terminated list of parts */
static void
add(enum sck c, enum st s, ...)
{
	struct finding	*f;
	const char	*p;
	struct buf	 b;
	va_list		 ap;

	if (sc.nf == SC_FIND_MAX) {
		sc.lost++;
		return;
	}
	f = &sc.f[sc.nf++];
	f->chk = (uint8_t)c;
	f->st = (uint8_t)s;
	buf_init(&b, f->detail, sizeof(f->detail) - 1);
	va_start(ap, s);
	while ((p = va_arg(ap, const char *)) != NULL) {
		buf_adds(&b, p);
	}
	va_end(ap);
	buf_nul(&b);
}

static void
done1(void)
{
	MXP_ASSERT(sc.pending > 0);
	if (--sc.pending == 0) {
		phase_next();
	}
}

static const char *
dns_why(int status)
{
	switch (status) {
	case DNS_E_NXDOMAIN:
		return "NXDOMAIN";
	case DNS_E_NODATA:
		return "no record of that type";
	case DNS_E_TEMPFAIL:
		return "no answer in time, or SERVFAIL";
	default:
		return "a bad answer";
	}
}

/* the queries of this module all carry a small integer */
#define ARG(i)	((void *)(uintptr_t)((i) + 1))
#define IDX(p)	((unsigned)((uintptr_t)(p) - 1))

static int
sent(void *q)
{
	if (q == NULL) {
		return 0;
	}
	mx_dns_sent();
	sc.pending++;
	return 1;
}

/* ---- phase 1: DNS, then port 25 ---- */

static void
on_nx(struct dns_ctx *c, struct dns_rr_a4 *rr, void *data)
{
	char	 ip[48];
	int	 status = dns_status(c);

	(void)data;
	if (rr != NULL && rr->dnsa4_nrr > 0) {
		ip_text(4, (const uint8_t *)&rr->dnsa4_addr[0], ip, sizeof(ip));
		add(SC_DNS, ST_FAIL, "the resolver rewrites answers: ",
		    sc.nxname, " (which cannot exist) gave ", ip, "; use "
		    "another resolver (--dns)", (char *)NULL);
	} else if (status == DNS_E_NXDOMAIN) {
		add(SC_DNS, ST_OK, "the resolver answers; a name that cannot "
		    "exist is NXDOMAIN", (char *)NULL);
	} else if (status == DNS_E_NODATA) {
		add(SC_DNS, ST_WARN, "the resolver says ", sc.nxname, " (which "
		    "cannot exist) exists without an address", (char *)NULL);
	} else {
		add(SC_DNS, ST_FAIL, "the resolver does not answer (",
		    dns_why(status), "): nothing can be checked", (char *)NULL);
	}
	free(rr);
	done1();
}

static void
host_start(struct schost *h)
{
	struct sess	*s = sess_get();

	if (s == NULL) {
		h->waiting = 1;
		return;
	}
	h->waiting = 0;
	h->t0 = loop_now();
	sess_start(s, h->name, &h->mx, NULL, 0, NULL, &probe_ops, h);
}

static void
on_mx(void *arg, struct mx_res *res)
{
	unsigned	 di = IDX(arg), hi, i;
	char		 list[SC_DETAIL_MAX], name[256];
	struct buf	 b;

	if (res->reason != R_NONE) {
		add(SC_DNS, res->reason == R_DNS_ERROR ||
		    res->reason == R_DNS_TIMEOUT ? ST_FAIL : ST_WARN,
		    sc.dom[di], ": MX lookup: ",
		    reason_token((enum reason)res->reason), (char *)NULL);
		done1();
		return;
	}
	buf_init(&b, list, sizeof(list) - 1);
	mx_list_text(res, &b);
	add(SC_DNS, ST_OK, sc.dom[di], ": MX ", buf_nul(&b), (char *)NULL);
	for (hi = 0; hi < res->nhost; hi++) {
		struct schost	*h;
		struct mx_res	*m;
		size_t		 nl;

		for (i = 0; i < res->naddr && res->addr[i].host != hi; i++) {
			continue;
		}
		if (i == res->naddr) {
			continue;
		}
		if (sc.nhost == SC_HOSTS_MAX) {
			sc.lost++;
			break;
		}
		h = &sc.host[sc.nhost++];
		m = &h->mx;
		mx_host_name(res, hi, name, sizeof(name));
		nl = strlen(name);
		memset(h, 0, sizeof(*h));
		str_copy(h->name, sizeof(h->name), name, nl);
		m->nhost = 1;
		m->host[0].name_len = (uint8_t)(nl < MX_NAMES_MAX ? nl :
		    MX_NAMES_MAX);
		m->host[0].naddr = 1;
		memcpy(m->names, name, m->host[0].name_len);
		m->addr[0] = res->addr[i];
		m->addr[0].host = 0;
		m->naddr = 1;
		mx_addr_text(&m->addr[0], h->ip, sizeof(h->ip));
		sc.pending++;
		host_start(h);
	}
	done1();
}

/* "[192.0.2.1]" or "[IPv6:2001:db8::1]" in an EHLO reply: the client */
static int
echoed(const char *t, uint8_t *fam, uint8_t *a)
{
	const char	*o, *e;
	char		 ip[64];
	size_t		 n;

	for (o = strchr(t, '['); o != NULL; o = strchr(o + 1, '[')) {
		e = strchr(o, ']');
		if (e == NULL) {
			return 0;
		}
		n = (size_t)(e - o - 1);
		if (n >= 5 && strncmp(o + 1, "IPv6:", 5) == 0) {
			o += 5;
			n -= 5;
		}
		if (n == 0 || n >= sizeof(ip)) {
			continue;
		}
		memcpy(ip, o + 1, n);
		ip[n] = '\0';
		if (inet_pton(AF_INET, ip, a) == 1) {
			*fam = 4;
			return 1;
		}
		if (inet_pton(AF_INET6, ip, a) == 1) {
			*fam = 6;
			return 1;
		}
	}
	return 0;
}

/* sess.h: the probe session of host arg ended; hl is what it saw */
static void
on_closed(void *arg, struct sess *s, void *const *tags, unsigned n,
    const struct fact *fail, const struct hello *hl)
{
	struct schost	*h = arg;
	char		 ms[24];
	const char	*via = proxy_count() > 0 ? " (through the proxy)" : "";
	struct buf	 b;
	int64_t		 t = loop_now() - h->t0;

	(void)s;
	(void)tags;
	(void)n;
	buf_init(&b, ms, sizeof(ms) - 1);
	buf_addu(&b, (uint64_t)(t > 0 ? t : 0));
	buf_adds(&b, " ms");
	buf_nul(&b);
	if (hl->ai < 0) {
		const char *what = fail->detail[0] != '\0' ? fail->detail :
		    reason_token((enum reason)fail->reason);

		if (fail->reason == R_TIMEOUT && fail->stage == STAGE_CONNECT) {
			sc.hosts_blocked++;
			add(SC_PORT25, ST_FAIL, h->name, " ", h->ip, ": blocked, "
			    "no answer to the connection in ", ms, via, " (a "
			    "firewall drops port 25?)", (char *)NULL);
		} else if (fail->reason == R_CONNECT_FAILED) {
			add(SC_PORT25, ST_FAIL, h->name, " ", h->ip, ": refused "
			    "in ", ms, via, ": ", what, (char *)NULL);
		} else if (fail->reason == R_TIMEOUT) {
			add(SC_PORT25, ST_FAIL, h->name, " ", h->ip, ": connected "
			    "but silent, no banner in ", ms, via, " (port 25 "
			    "intercepted?)", (char *)NULL);
		} else {
			add(SC_PORT25, ST_FAIL, h->name, " ", h->ip, ": ",
			    reason_token((enum reason)fail->reason), " in ", ms,
			    via, ": ", what, (char *)NULL);
		}
		done1();
		return;
	}
	sc.hosts_ok++;
	buf_init(&b, ms, sizeof(ms) - 1);
	buf_addu(&b, hl->banner_code);
	buf_nul(&b);
	{
		char	 t2[24];
		struct buf tb;

		buf_init(&tb, t2, sizeof(t2) - 1);
		buf_addu(&tb, (uint64_t)(t > 0 ? t : 0));
		buf_adds(&tb, " ms");
		add(SC_PORT25, t > SC_SLOW_MS ? ST_WARN : ST_OK, h->name, " ",
		    h->ip, ": banner ", ms, t > SC_SLOW_MS ? ", slow: " :
		    " in ", buf_nul(&tb), via, (char *)NULL);
	}
	if (sc.wfam == 0 && echoed(hl->ehlo, &sc.wfam, sc.wa)) {
		ip_text(sc.wfam, sc.wa, sc.wip, sizeof(sc.wip));
		add(SC_ADDRESS, ST_OK, sc.wip, " (as ", h->name, " saw it in "
		    "its EHLO reply)", (char *)NULL);
	}
	done1();
}

/* a probe session reports only its end */
static const struct sess_ops probe_ops = {
	.closed = on_closed
};

/* ---- phase 2: what the world sees of this address ---- */

/*
 * An A (fam 4) or AAAA (6) answer for a name of the world address: does
 * it hold that address?  which (data): 0 the PTR name, 1 the EHLO name.
 */
static void
fwd_answer(int fam, const void *addrs, int n, void *rr, void *data)
{
	int	 hit = sc.wfam == fam && util_addr_in(fam, addrs, n, sc.wa);

	if (IDX(data) == 0) {
		sc.fcr = (int8_t)hit;
		/* TODO(issue 22): the IPv6 line lacks the note; kept as it was */
		add(SC_FCRDNS, hit ? ST_OK : ST_FAIL, sc.ptr, hit ? " resolves "
		    "back to " : " does not resolve back to ", sc.wip,
		    hit || fam != 4 ? "" : " (no forward-confirmed reverse "
		    "DNS: many servers refuse such clients)", (char *)NULL);
	} else {
		sc.helo_ok = (int8_t)hit;
	}
	free(rr);
	done1();
}

static void
on_fwd4(struct dns_ctx *c, struct dns_rr_a4 *rr, void *data)
{
	(void)c;
	fwd_answer(4, rr != NULL ? (const void *)rr->dnsa4_addr : NULL,
	    rr != NULL ? rr->dnsa4_nrr : 0, rr, data);
}

static void
on_fwd6(struct dns_ctx *c, struct dns_rr_a6 *rr, void *data)
{
	(void)c;
	fwd_answer(6, rr != NULL ? (const void *)rr->dnsa6_addr : NULL,
	    rr != NULL ? rr->dnsa6_nrr : 0, rr, data);
}

/* forward lookup of name for the world address; which: 0 PTR, 1 EHLO */
static void
forward(const char *name, unsigned which)
{
	if (sc.wfam == 4) {
		(void)sent(dns_submit_a4(sc.ctx, name, DNS_NOSRCH, on_fwd4,
		    ARG(which)));
	} else {
		(void)sent(dns_submit_a6(sc.ctx, name, DNS_NOSRCH, on_fwd6,
		    ARG(which)));
	}
}

static void
on_ptr(struct dns_ctx *c, struct dns_rr_ptr *rr, void *data)
{
	(void)data;
	if (rr == NULL || rr->dnsptr_nrr == 0) {
		add(SC_PTR, ST_FAIL, sc.wip, " has no PTR record (",
		    dns_why(dns_status(c)), "): many servers refuse such "
		    "clients; ask whoever owns the address", (char *)NULL);
		sc.fcr = 0;
	} else {
		str_copy(sc.ptr, sizeof(sc.ptr), rr->dnsptr_ptr[0],
		    strlen(rr->dnsptr_ptr[0]));
		add(SC_PTR, ST_OK, sc.wip, " is ", sc.ptr, (char *)NULL);
		forward(sc.ptr, 0);
	}
	free(rr);
	done1();
}

static void
on_bl(struct dns_ctx *c, struct dns_rr_a4 *rr, void *data)
{
	const char	*zone = sc.cfg->ndnsbl > 0 ? sc.cfg->dnsbl[IDX(data)] :
			    bl_default[IDX(data)];
	const uint8_t	*a;
	const char	*m = NULL;
	char		 ip[48];
	size_t		 i;

	if (rr == NULL || rr->dnsa4_nrr == 0) {
		int status = dns_status(c);

		if (status == DNS_E_NXDOMAIN || status == DNS_E_NODATA) {
			add(SC_DNSBL, ST_OK, "not listed on ", zone,
			    (char *)NULL);
		} else {
			add(SC_DNSBL, ST_WARN, zone, ": ", dns_why(status),
			    (char *)NULL);
		}
		free(rr);
		done1();
		return;
	}
	a = (const uint8_t *)&rr->dnsa4_addr[0];
	ip_text(4, a, ip, sizeof(ip));
	if (a[0] == 127 && a[1] == 255 && a[2] == 255) {
		/* Spamhaus: 127.255.255.252..255 are errors, not listings */
		add(SC_DNSBL, ST_WARN, zone, " refused the query (", ip, "): "
		    "it does not answer public or shared resolvers; ask it "
		    "from your own", (char *)NULL);
	} else {
		for (i = 0; i < MXP_NELEM(bl_meaning); i++) {
			if (strcmp(bl_meaning[i].zone, zone) == 0 &&
			    bl_meaning[i].last == a[3]) {
				m = bl_meaning[i].meaning;
			}
		}
		add(SC_DNSBL, ST_FAIL, sc.wip, " is listed on ", zone, " (", ip,
		    m != NULL ? ": " : "", m != NULL ? m : "", ")",
		    (char *)NULL);
	}
	free(rr);
	done1();
}

static void
phase2(void)
{
	char		 q[ADDR_DOMAIN_MAX + 20];
	struct buf	 b;
	unsigned	 i, nz;
	const char	*helo = eng_helo();

	if (sc.wfam == 0 && sc.cfg->source != NULL) {
		if (inet_pton(AF_INET, sc.cfg->source, sc.wa) == 1) {
			sc.wfam = 4;
		} else if (inet_pton(AF_INET6, sc.cfg->source, sc.wa) == 1) {
			sc.wfam = 6;
		}
		if (sc.wfam != 0) {
			ip_text(sc.wfam, sc.wa, sc.wip, sizeof(sc.wip));
			add(SC_ADDRESS, ST_OK, sc.wip, " (--source)",
			    (char *)NULL);
		}
	}
	if (sc.wfam == 0) {
		add(SC_ADDRESS, ST_WARN, "not learned: no mail server echoed "
		    "it in its EHLO reply", sc.ndom == 0 ? " (give the DOMAINs "
		    "you will probe)" : "", "; PTR, EHLO name and DNSBLs not "
		    "checked (or give --source)", (char *)NULL);
		return;
	}
	(void)sent(sc.wfam == 4 ? dns_submit_a4ptr(sc.ctx,
	    (const struct in_addr *)(const void *)sc.wa, on_ptr, NULL) :
	    dns_submit_a6ptr(sc.ctx, (const struct in6_addr *)(const void *)
	    sc.wa, on_ptr, NULL));
	if (helo[0] != '\0') {
		forward(helo, 1);
	}
	if (sc.wfam != 4) {
		add(SC_DNSBL, ST_OK, "not checked: an IPv6 address",
		    (char *)NULL);
		return;
	}
	nz = sc.cfg->ndnsbl > 0 ? (unsigned)sc.cfg->ndnsbl :
	    (unsigned)MXP_NELEM(bl_default);
	for (i = 0; i < nz; i++) {
		buf_init(&b, q, sizeof(q) - 1);
		buf_addu(&b, sc.wa[3]);
		buf_addc(&b, '.');
		buf_addu(&b, sc.wa[2]);
		buf_addc(&b, '.');
		buf_addu(&b, sc.wa[1]);
		buf_addc(&b, '.');
		buf_addu(&b, sc.wa[0]);
		buf_addc(&b, '.');
		buf_adds(&b, sc.cfg->ndnsbl > 0 ? sc.cfg->dnsbl[i] :
		    bl_default[i]);
		if (b.trunc) {
			continue;
		}
		(void)sent(dns_submit_a4(sc.ctx, buf_nul(&b), DNS_NOSRCH, on_bl,
		    ARG(i)));
	}
}

/* ---- phase 3: the EHLO name, the verdict, the output ---- */

static void
helo_finding(void)
{
	const char	*helo = eng_helo();

	if (helo[0] != '\0') {
		if (sc.wfam == 0) {
			add(SC_HELO, ST_WARN, "EHLO ", helo, ": not compared (the "
			    "address is not known)", (char *)NULL);
		} else {
			add(SC_HELO, sc.helo_ok == 1 ? ST_OK : ST_FAIL, "EHLO ",
			    helo, sc.helo_ok == 1 ? " resolves to " :
			    " does not resolve to ", sc.wip, (char *)NULL);
		}
		return;
	}
	add(SC_HELO, ST_WARN, "this host's name is not fully qualified: "
	    "EHLO says the address literal; set --helo NAME", sc.fcr == 1 ?
	    " (" : "", sc.fcr == 1 ? sc.ptr : "", sc.fcr == 1 ? " would do)" :
	    " (a name whose address and PTR match)", (char *)NULL);
}

static int
finish(void)
{
	static char	 mem[(SC_FIND_MAX + 2) * (SC_DETAIL_MAX * 6 + 64)];
	struct finding	 t;
	struct buf	 b;
	unsigned	 i, j, worst = ST_OK;
	const struct finding *first = NULL;
	const char	*p;

	helo_finding();
	if (sc.ndom == 0) {
		add(SC_PORT25, ST_WARN, "not tested: give the DOMAINs you will "
		    "probe (none are built in)", (char *)NULL);
	}
	for (i = 1; i < sc.nf; i++) {
		t = sc.f[i];
		for (j = i; j > 0 && sc.f[j - 1].chk > t.chk; j--) {
			sc.f[j] = sc.f[j - 1];
		}
		sc.f[j] = t;
	}
	for (i = 0; i < sc.nf; i++) {
		if (sc.f[i].st > worst) {
			worst = sc.f[i].st;
		}
		if (first == NULL && sc.f[i].st == ST_FAIL) {
			first = &sc.f[i];
		}
	}
	if (first == NULL) {
		add(SC_VERDICT, worst, worst == ST_OK && proxy_count() > 0 ?
		    "ready via proxy" : worst == ST_OK ? "ready" : sc.ndom == 0 ?
		    "not known: give a DOMAIN" : "ready, with warnings",
		    (char *)NULL);
	} else if (first->chk == SC_PORT25 && sc.hosts_ok == 0 &&
	    proxy_count() == 0) {
		add(SC_VERDICT, ST_FAIL, "fix first: outbound port 25 does not "
		    "work from here (", first->detail, "); use a SOCKS 5 proxy "
		    "on a host that may send on port 25 (--proxy)", (char *)NULL);
	} else {
		add(SC_VERDICT, ST_FAIL, "fix first: ", sck_name[first->chk],
		    ": ", first->detail, (char *)NULL);
	}
	if (sc.lost > 0) {
		add(SC_VERDICT, ST_WARN, "some hosts or findings left out "
		    "(bounds)", (char *)NULL);
	}
	buf_init(&b, mem, sizeof(mem));
	for (i = 0; i < sc.nf; i++) {
		if (sc.cfg->fmt == OUT_JSON) {
			buf_adds(&b, "{\"check\":\"");
			buf_adds(&b, sck_name[sc.f[i].chk]);
			buf_adds(&b, "\",\"status\":\"");
			buf_adds(&b, st_name[sc.f[i].st]);
			buf_adds(&b, "\",\"detail\":");
			buf_json(&b, sc.f[i].detail);
			buf_adds(&b, "}\n");
			continue;
		}
		buf_adds(&b, sck_name[sc.f[i].chk]);
		buf_addc(&b, '\t');
		buf_adds(&b, st_name[sc.f[i].st]);
		buf_addc(&b, '\t');
		for (p = sc.f[i].detail; *p != '\0'; p++) {
			buf_addc(&b, (unsigned char)*p < 0x20 ||
			    *p == 0x7f ? '?' : *p);
		}
		buf_addc(&b, '\n');
	}
	MXP_ASSERT(!b.trunc);
	if (write_all(1, b.p, b.len) != 0) {
		die(EXIT_IOERR, "writing results failed", NULL);
	}
	return worst == ST_FAIL ? 1 : worst == ST_WARN ? 2 : 0;
}

static void
phase_next(void)
{
	sc.phase++;
	if (sc.phase == 2) {
		sc.pending = 1;		/* held while starting */
		phase2();
		done1();
	}
}

/* see selfcheck.h */
int
selfcheck_run(const struct config *c)
{
	uint32_t	 r[2] = { 0, 0 };
	struct buf	 b;
	struct addr	 a;
	char		 tmp[ADDR_PATH_MAX + 16];
	unsigned	 i;
	int		 k;

	memset(&sc, 0, sizeof(sc));
	sc.cfg = c;
	sc.fcr = sc.helo_ok = -1;
	eng_setup(c, 0, NULL);
	sc.ctx = mx_dns();
	for (k = 0; k < c->nargs; k++) {
		buf_init(&b, tmp, sizeof(tmp) - 1);
		buf_adds(&b, "postmaster@");
		buf_adds(&b, c->args[k]);
		if (b.trunc || addr_parse(b.p, b.len, &a) != ADDR_OK ||
		    (a.flags & ADDR_F_LITERAL)) {
			die(EXIT_USAGE, "selfcheck: not a domain name: \"",
			    c->args[k], "\"", NULL);
		}
		if (sc.ndom == SC_DOMS_MAX) {
			die(EXIT_USAGE, "selfcheck: at most 8 domains", NULL);
		}
		str_copy(sc.dom[sc.ndom++], sizeof(sc.dom[0]), a.domain,
		    a.domain_len);
	}
	sc.phase = 1;
	sc.pending = 1;		/* held while starting */
	/* a random label: no resolver can have it cached or configured */
	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		r[0] = (uint32_t)now_ms();
		r[1] = (uint32_t)(uintptr_t)&sc;
	}
	buf_init(&b, sc.nxname, sizeof(sc.nxname) - 1);
	buf_adds(&b, "mxprobe-selfcheck-");
	buf_addu(&b, r[0]);
	buf_addu(&b, r[1]);
	buf_addc(&b, '.');
	/* RFC 6761 6.4: .invalid never exists; a given domain tests more */
	buf_adds(&b, sc.ndom > 0 ? sc.dom[0] : "invalid");
	(void)sent(dns_submit_a4(sc.ctx, buf_nul(&b), DNS_NOSRCH, on_nx, NULL));
	for (i = 0; i < sc.ndom; i++) {
		sc.pending++;
		mx_resolve(&sc.mx[i], sc.dom[i], on_mx, ARG(i));
	}
	done1();
	while (sc.phase < 3) {
		if (loop_signal() != 0) {
			return 128 + loop_signal();
		}
		if (loop_once(-1) != 0) {
			die(EXIT_INTERNAL, "poll failed", NULL);
		}
		for (i = 0; i < sc.nhost; i++) {
			if (sc.host[i].waiting) {
				host_start(&sc.host[i]);
			}
		}
	}
	return finish();
}
