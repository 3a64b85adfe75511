/*
 * mx.c - mail routing resolution with udns; see mx.h.
 *
 * RFC 5321 5.1: MX records sorted by preference, equal preferences in
 * random order; no MX at all (NODATA) means the domain itself is the
 * implicit MX; RFC 7505: a sole "0 ." record is a null MX, "this domain
 * takes no mail".  An MX target that is an IP literal violates 5.1 but
 * is seen in the wild: it is used, and flagged.
 *
 * udns reports timeouts and SERVFAIL alike (DNS_E_TEMPFAIL).  Its debug
 * hook is called for every reply matched to a query, so a query that saw
 * no reply at all is a timeout (dns_timeout) and one that saw SERVFAIL,
 * REFUSED or a truncated reply is an error (dns_error).
 *
 * Per domain at most 1 + 2 * MX_HOSTS_MAX queries are in flight; at most
 * cfg->dns_inflight domains resolve at once, the rest wait in a FIFO.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <udns.h>

#include "loop.h"
#include "mx.h"
#include "verdict.h"

enum qkind { Q_MX, Q_A, Q_AAAA };

#define MX_Q_MAX	(1 + 2 * MX_HOSTS_MAX)
#define HOST_ADDRS	4	/* per host and family, before ordering */

struct mx_q {
	struct mx_job		*job;
	struct dns_query	*q;
	uint8_t			 kind;
	uint8_t			 host;
	uint8_t			 replied;	/* some reply was matched */
	uint8_t			 rcode;		/* of the last reply */
};

struct mx_job {
	struct mx_res	*res;
	struct mx_q	 q[MX_Q_MAX];
	int		 nq;
	int		 pending;
	int		 errors;	/* queries that failed: error */
	int		 timeouts;	/* ... that failed: no reply */
	uint32_t	 ttl;
	uint8_t		 n4[MX_HOSTS_MAX], n6[MX_HOSTS_MAX];
	uint8_t		 a4[MX_HOSTS_MAX][HOST_ADDRS][4];
	uint8_t		 a6[MX_HOSTS_MAX][HOST_ADDRS][16];
	int		 used;
};

static struct dns_ctx	*ctx;
static struct mx_job	*jobs;
static size_t		 njobs;
static struct mx_res	*wait_head, *wait_tail;
static struct timer	 dns_timer;
static const struct config *cfg;
static uint64_t		 nqueries;
/* xorshift64* (util_rand): equal-preference shuffling only, --seed */
static uint64_t		 rng_state;
static int		 dns_h = -1;		/* the socket's loop handle */
static uint64_t		 open_q;		/* nqueries at dns_open() */
static int64_t		 open_ms;		/* loop_now() at dns_open() */

/*
 * serve runs for months: a fresh resolver socket (so a fresh random
 * source port) after this many queries or this long, whichever first,
 * at a moment with no query in flight (dns_close() drops them).
 */
#define DNS_REOPEN_QUERIES	256
#define DNS_REOPEN_MS		60000

static void start(struct mx_res *res, struct mx_job *job);

/*
 * udns keeps deadlines in whole units of the clock it is given.  With
 * time(NULL) (seconds) a query sent at 12.999 s with --dns-timeout 1 was
 * due at 13 s, and any other answer processed from then on failed it
 * after 1 ms: a slow (emulated, loaded) run lost answers that came in
 * time.  udns is given a clock of DNS_TICK_MS ticks instead, read fresh
 * at each call (never 0: udns reads 0 as "ask time()"), and the timeout
 * in ticks plus one, so a query waits at least --dns-timeout and at most
 * a tick more.  The tick is also udns's wait before it asks the next
 * name server as well (was 1 s).
 */
#define DNS_TICK_MS	250

static time_t
dns_now(void)
{
	return (time_t)(now_ms() / DNS_TICK_MS) + 1;
}

static void
rearm(void)
{
	time_t	 tick = dns_now();
	int	 t = dns_timeouts(ctx, -1, tick);

	if (t < 0) {
		timer_stop(&dns_timer);
	} else if (t == 0) {
		timer_set(&dns_timer, loop_now() + 10);
	} else {
		/* the start of tick "tick + t", when udns sees it due */
		timer_set(&dns_timer, ((int64_t)tick + t - 1) * DNS_TICK_MS);
	}
}

static void
on_dns_timer(void *arg)
{
	(void)arg;
	rearm();
}

static void
on_dns_io(void *arg, int revents)
{
	(void)arg;
	(void)revents;
	dns_ioevent(ctx, dns_now());
	rearm();
}

/* udns debug hook: code 0 is "a reply was matched to query q" */
static void
on_dns_dbg(int code, const struct sockaddr *sa, unsigned salen,
    const unsigned char *pkt, int plen, const struct dns_query *q,
    void *data)
{
	struct mx_q	*mq = data;

	(void)sa;
	(void)salen;
	if (code != 0 || q == NULL || mq == NULL) {
		return;
	}
	/* other modules' queries (audit: TXT, PTR) carry their own data */
	if ((uintptr_t)data < (uintptr_t)jobs ||
	    (uintptr_t)data >= (uintptr_t)(jobs + njobs)) {
		return;
	}
	mq->replied = 1;
	if (plen >= 4) {
		mq->rcode = pkt[3] & 0x0f;
	}
}

static int
add_server(const char *spec, char *err, size_t errcap)
{
	struct sockaddr_in	 s4;
	struct sockaddr_in6	 s6;
	char			 host[64];
	const char		*port = NULL, *p;
	uint64_t		 pn = 53;
	size_t			 n;
	struct buf		 b;

	/* ADDR, ADDR:PORT, [V6ADDR]:PORT, or a bare V6ADDR */
	if (spec[0] == '[') {
		p = strchr(spec, ']');
		if (p == NULL) {
			goto bad;
		}
		n = (size_t)(p - spec - 1);
		memcpy(host, spec + 1, n < sizeof(host) ? n : 0);
		if (p[1] == ':') {
			port = p + 2;
		} else if (p[1] != '\0') {
			goto bad;
		}
	} else {
		p = strchr(spec, ':');
		if (p != NULL && strchr(p + 1, ':') == NULL) {
			n = (size_t)(p - spec);
			port = p + 1;
		} else {
			n = strlen(spec);
		}
		memcpy(host, spec, n < sizeof(host) ? n : 0);
	}
	if (n == 0 || n >= sizeof(host)) {
		goto bad;
	}
	host[n] = '\0';
	if (port != NULL && parse_u64(port, 1, 65535, &pn) != 0) {
		goto bad;
	}
	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (inet_pton(AF_INET, host, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		s4.sin_port = htons((uint16_t)pn);
		if (dns_add_serv_s(ctx, (struct sockaddr *)&s4) < 0) {
			goto bad;
		}
	} else if (inet_pton(AF_INET6, host, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons((uint16_t)pn);
		if (dns_add_serv_s(ctx, (struct sockaddr *)&s6) < 0) {
			goto bad;
		}
	} else {
		goto bad;
	}
	return 0;
bad:
	buf_init(&b, err, errcap - 1);
	buf_adds(&b, "--dns: want ADDR, ADDR:PORT or [ADDR6]:PORT (at most "
	    "3 servers), not \"");
	buf_adds(&b, spec);
	buf_adds(&b, "\"");
	buf_nul(&b);
	return -1;
}

/* the resolver's UDP socket, on the loop: fd, -1 (udns), -2 (loop) */
static int
dns_sock_open(void)
{
	int	 fd, rcv = 1 << 20;

	fd = dns_open(ctx);
	if (fd < 0) {
		return -1;
	}
	/*
	 * Answers to a burst of queries arrive together; the default
	 * buffer (about 200 KB) drops some under load on loopback.
	 * The kernel caps this at net.core.rmem_max.
	 */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	dns_h = loop_add(fd, POLLIN, on_dns_io, NULL);
	if (dns_h < 0) {
		dns_close(ctx);
		return -2;
	}
	open_q = nqueries;
	open_ms = loop_now();
	return fd;
}

/* see mx.h */
int
mx_init(const struct config *c, char *err, size_t errcap)
{
	struct buf	 b;
	int		 i, fd;

	cfg = c;
	rng_state = c->seed != 0 ? c->seed : (uint64_t)now_ms() ^
	    ((uint64_t)time(NULL) << 20) ^ 0x9e3779b97f4a7c15ULL;
	njobs = c->dns_inflight;
	jobs = calloc(njobs, sizeof(*jobs));
	if (jobs == NULL) {
		return -1;
	}
	ctx = &dns_defctx;
	if (dns_init(ctx, 0) < 0) {
		buf_init(&b, err, errcap - 1);
		buf_adds(&b, "cannot set up the resolver (/etc/resolv.conf)");
		buf_nul(&b);
		return -1;
	}
	if (c->ndns > 0) {
		dns_add_serv(ctx, NULL);
		for (i = 0; i < c->ndns; i++) {
			if (add_server(c->dns[i], err, errcap) != 0) {
				return -1;
			}
		}
	}
	dns_set_opt(ctx, DNS_OPT_TIMEOUT,
	    (int)c->dns_timeout_s * (1000 / DNS_TICK_MS) + 1);
	dns_set_opt(ctx, DNS_OPT_NTRIES, (int)c->dns_tries);
	/* room for large MX sets: udns cannot fall back to TCP */
	dns_set_opt(ctx, DNS_OPT_UDPSIZE, 16384);
	dns_set_dbgfn(ctx, on_dns_dbg);
	timer_init(&dns_timer, on_dns_timer, NULL);
	fd = dns_sock_open();
	if (fd < 0) {
		buf_init(&b, err, errcap - 1);
		buf_adds(&b, fd == -1 ? "cannot open the resolver socket (no "
		    "name server?)" : "out of descriptor slots");
		buf_nul(&b);
		return -1;
	}
	return 0;
}

/* see mx.h */
void
mx_dns_refresh(void)
{
	if (cfg == NULL || cfg->mode != MODE_SERVE || dns_active(ctx) != 0) {
		return;
	}
	if (dns_h >= 0) {
		if (nqueries - open_q < DNS_REOPEN_QUERIES &&
		    loop_now() - open_ms < DNS_REOPEN_MS) {
			return;
		}
		loop_del(dns_h);
		dns_h = -1;
		dns_close(ctx);
	}
	if (dns_sock_open() < 0) {
		/* queries fail (errors, not answers) until the next try */
		msg("cannot reopen the resolver socket", NULL);
	}
}

static struct mx_job *
job_get(void)
{
	size_t	 i;

	for (i = 0; i < njobs; i++) {
		if (!jobs[i].used) {
			memset(&jobs[i], 0, sizeof(jobs[i]));
			jobs[i].used = 1;
			jobs[i].ttl = UINT32_MAX;
			return &jobs[i];
		}
	}
	return NULL;
}

static void
ttl_min(struct mx_job *job, unsigned ttl)
{
	if (ttl < job->ttl) {
		job->ttl = ttl;
	}
}

static void on_mx(struct dns_ctx *, struct dns_rr_mx *, void *);
static void on_a4(struct dns_ctx *, struct dns_rr_a4 *, void *);
static void on_a6(struct dns_ctx *, struct dns_rr_a6 *, void *);

static int
submit(struct mx_job *job, enum qkind kind, unsigned host, const char *name)
{
	struct mx_q	*q;

	MXP_ASSERT(job->nq < MX_Q_MAX);
	mx_dns_refresh();
	q = &job->q[job->nq++];
	q->job = job;
	q->kind = (uint8_t)kind;
	q->host = (uint8_t)host;
	switch (kind) {
	case Q_MX:
		q->q = dns_submit_mx(ctx, name, DNS_NOSRCH, on_mx, q);
		break;
	case Q_A:
		q->q = dns_submit_a4(ctx, name, DNS_NOSRCH, on_a4, q);
		break;
	case Q_AAAA:
		q->q = dns_submit_a6(ctx, name, DNS_NOSRCH, on_a6, q);
		break;
	}
	if (q->q == NULL) {
		job->errors++;
		return -1;
	}
	nqueries++;
	job->pending++;
	if (!timer_armed(&dns_timer)) {
		timer_set(&dns_timer, loop_now());
	}
	return 0;
}

/* count a failed query as an error or a timeout */
static void
failed(struct mx_q *q, int status)
{
	if (status == DNS_E_TEMPFAIL && !q->replied) {
		q->job->timeouts++;
	} else {
		q->job->errors++;
	}
}

/* is name an IPv4 or IPv6 literal?  fills a */
static int
literal(const char *name, struct mx_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, name, a->a) == 1) {
		a->family = 4;
		return 1;
	}
	if (inet_pton(AF_INET6, name, a->a) == 1) {
		a->family = 6;
		return 1;
	}
	return 0;
}

static void
finish(struct mx_job *job)
{
	struct mx_res	*res = job->res;
	struct mx_addr	*a;
	unsigned	 h, i, usable = 0, private = 0;
	int		 fam;
	uint32_t	 ttl;

	res->naddr = 0;
	for (h = 0; h < res->nhost; h++) {
		res->host[h].naddr = 0;
		for (fam = 4; fam <= 6; fam += 2) {
			unsigned n = fam == 4 ? job->n4[h] : job->n6[h];

			for (i = 0; i < n; i++) {
				if (res->naddr == MX_ADDRS_MAX) {
					res->flags |= MX_F_CUT;
					break;
				}
				a = &res->addr[res->naddr];
				a->family = (uint8_t)fam;
				a->host = (uint8_t)h;
				a->flags = 0;
				memcpy(a->a, fam == 4 ? job->a4[h][i] :
				    job->a6[h][i], fam == 4 ? 4 : 16);
				if (mx_addr_private(fam, a->a)) {
					a->flags |= MXA_PRIVATE;
					res->flags |= MX_F_PRIVATE;
					res->host[h].flags |= MXH_PRIVATE;
					private++;
					if (!cfg->allow_private) {
						continue;
					}
				}
				res->host[h].naddr++;
				res->naddr++;
				usable++;
			}
		}
		if (job->n4[h] + job->n6[h] == 0) {
			res->flags |= MX_F_NOADDR;
		}
	}
	if (res->reason != R_NONE) {
		/* decided on the MX answer */
	} else if (usable > 0) {
		res->reason = R_NONE;
	} else if (private > 0) {
		res->reason = R_PRIVATE_MX;
	} else if (job->timeouts > 0 && job->errors == 0) {
		res->reason = R_DNS_TIMEOUT;
	} else if (job->errors > 0 || job->timeouts > 0) {
		res->reason = res->flags & MX_F_IMPLICIT ? R_DNS_ERROR :
		    R_MX_UNRESOLVABLE;
	} else {
		res->reason = res->flags & MX_F_IMPLICIT ? R_NO_MAIL_HOST :
		    R_MX_UNRESOLVABLE;
	}
	ttl = job->ttl == UINT32_MAX ? cfg->ttl_min_s : job->ttl;
	if (res->reason == R_DNS_ERROR || res->reason == R_DNS_TIMEOUT ||
	    ttl < cfg->ttl_min_s) {
		ttl = cfg->ttl_min_s;
	}
	res->ttl_s = ttl > cfg->ttl_max_s ? cfg->ttl_max_s : ttl;
	res->job = NULL;
	job->used = 0;
	/* a free job: start the next waiting domain before calling back */
	if (wait_head != NULL) {
		struct mx_res *next = wait_head;

		wait_head = next->next;
		if (wait_head == NULL) {
			wait_tail = NULL;
		}
		next->queued = 0;
		start(next, job_get());
	}
	res->cb(res->arg, res);
}

static void
done_one(struct mx_job *job)
{
	MXP_ASSERT(job->pending > 0);
	if (--job->pending == 0) {
		finish(job);
	}
}

/* add a host name to the result; returns its index or -1 when full */
static int
add_host(struct mx_res *res, const char *name, unsigned pref)
{
	size_t	 n = strlen(name), off = 0, i;
	struct mx_host *h;

	if (n > 0 && name[n - 1] == '.') {
		n--;
	}
	if (res->nhost > 0) {
		h = &res->host[res->nhost - 1];
		off = (size_t)h->name_off + h->name_len;
	}
	if (res->nhost == MX_HOSTS_MAX || n > 255 ||
	    off + n > MX_NAMES_MAX) {
		res->flags |= MX_F_CUT;
		return -1;
	}
	h = &res->host[res->nhost];
	h->pref = (uint16_t)pref;
	h->name_off = (uint16_t)off;
	h->name_len = (uint8_t)n;
	h->naddr = 0;
	h->flags = 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		res->names[off + i] = c >= 'A' && c <= 'Z' ?
		    (char)(c - 'A' + 'a') : c;
	}
	return res->nhost++;
}

static void
lookup_host(struct mx_job *job, unsigned h)
{
	char		 name[256];
	struct mx_addr	 lit;

	mx_host_name(job->res, h, name, sizeof(name));
	if (literal(name, &lit)) {
		job->res->flags |= MX_F_LITERAL;
		job->res->host[h].flags |= MXH_LITERAL;
		if (lit.family == 4) {
			memcpy(job->a4[h][job->n4[h]++], lit.a, 4);
		} else {
			memcpy(job->a6[h][job->n6[h]++], lit.a, 16);
		}
		return;
	}
	if (cfg->family != 6) {
		submit(job, Q_A, h, name);
	}
	if (cfg->family != 4) {
		submit(job, Q_AAAA, h, name);
	}
}

static void
on_mx(struct dns_ctx *c, struct dns_rr_mx *rr, void *data)
{
	struct mx_q	*q = data;
	struct mx_job	*job = q->job;
	struct mx_res	*res = job->res;
	int		 status = dns_status(c), i, k, best, ties, nnull = 0;
	unsigned	 h;

	q->q = NULL;
	if (rr == NULL) {
		switch (status) {
		case DNS_E_NXDOMAIN:
			res->reason = R_NO_DOMAIN;
			break;
		case DNS_E_NODATA:
			/* RFC 5321 5.1: the domain is its own mail host */
			res->flags |= MX_F_IMPLICIT;
			if (add_host(res, res->domain, 0) == 0) {
				lookup_host(job, 0);
			}
			break;
		default:
			failed(q, status);
			res->reason = job->timeouts > 0 && job->errors == 0 ?
			    R_DNS_TIMEOUT : R_DNS_ERROR;
			break;
		}
		done_one(job);
		return;
	}
	ttl_min(job, rr->dnsmx_ttl);
	for (i = 0; i < rr->dnsmx_nrr; i++) {
		const char *n = rr->dnsmx_mx[i].name;

		if (n[0] == '\0' || strcmp(n, ".") == 0) {
			nnull++;
			rr->dnsmx_mx[i].priority = -1;	/* never chosen */
		}
	}
	if (nnull > 0 && nnull == rr->dnsmx_nrr) {
		res->reason = R_NULL_MX;	/* RFC 7505 */
		free(rr);
		done_one(job);
		return;
	}
	/*
	 * Pick the best MX_HOSTS_MAX in preference order; among equal
	 * preferences each candidate is equally likely (reservoir choice),
	 * so load spreads as RFC 5321 5.1 asks.  O(MX_HOSTS_MAX * nrr),
	 * fine for the 500-record sets of hostile zones.
	 */
	for (k = 0; k < MX_HOSTS_MAX; k++) {
		best = -1;
		ties = 0;
		for (i = 0; i < rr->dnsmx_nrr; i++) {
			int p = rr->dnsmx_mx[i].priority;

			if (p < 0) {
				continue;
			}
			if (best < 0 || p < rr->dnsmx_mx[best].priority) {
				best = i;
				ties = 1;
			} else if (p == rr->dnsmx_mx[best].priority &&
			    util_rand(&rng_state) % (unsigned)++ties == 0) {
				best = i;
			}
		}
		if (best < 0) {
			break;
		}
		if (add_host(res, rr->dnsmx_mx[best].name,
		    (unsigned)rr->dnsmx_mx[best].priority) < 0) {
			break;
		}
		rr->dnsmx_mx[best].priority = -1;
	}
	if (rr->dnsmx_nrr - nnull > res->nhost) {
		res->flags |= MX_F_CUT;
	}
	free(rr);
	for (h = 0; h < res->nhost; h++) {
		lookup_host(job, h);
	}
	done_one(job);
}

/*
 * An A or AAAA answer (or its failure) for one host: rr is the udns
 * result to free, NULL on failure; the other fields are its members.
 */
static void
on_addrs(struct dns_ctx *c, struct mx_q *q, void *rr, const char *cname,
    const char *qname, unsigned ttl, int nrr, const uint8_t *addrs, int fam)
{
	struct mx_job	*job = q->job;
	size_t		 alen = fam == 4 ? 4 : 16;
	uint8_t		*n = fam == 4 ? &job->n4[q->host] : &job->n6[q->host];
	int		 i;

	q->q = NULL;
	if (rr == NULL) {
		if (dns_status(c) != DNS_E_NXDOMAIN &&
		    dns_status(c) != DNS_E_NODATA) {
			failed(q, dns_status(c));
		}
		done_one(job);
		return;
	}
	ttl_min(job, ttl);
	/* RFC 2181 10.3: an MX must not name an alias */
	if (strcasecmp(cname, qname) != 0) {
		job->res->host[q->host].flags |= MXH_CNAME;
	}
	for (i = 0; i < nrr; i++) {
		if (*n == HOST_ADDRS) {
			job->res->flags |= MX_F_CUT;
			break;
		}
		memcpy(fam == 4 ? job->a4[q->host][*n] : job->a6[q->host][*n],
		    addrs + (size_t)i * alen, alen);
		(*n)++;
	}
	free(rr);
	done_one(job);
}

static void
on_a4(struct dns_ctx *c, struct dns_rr_a4 *rr, void *data)
{
	if (rr == NULL) {
		on_addrs(c, data, NULL, NULL, NULL, 0, 0, NULL, 4);
	} else {
		on_addrs(c, data, rr, rr->dnsa4_cname, rr->dnsa4_qname,
		    rr->dnsa4_ttl, rr->dnsa4_nrr,
		    (const uint8_t *)rr->dnsa4_addr, 4);
	}
}

static void
on_a6(struct dns_ctx *c, struct dns_rr_a6 *rr, void *data)
{
	if (rr == NULL) {
		on_addrs(c, data, NULL, NULL, NULL, 0, 0, NULL, 6);
	} else {
		on_addrs(c, data, rr, rr->dnsa6_cname, rr->dnsa6_qname,
		    rr->dnsa6_ttl, rr->dnsa6_nrr,
		    (const uint8_t *)rr->dnsa6_addr, 6);
	}
}

static void
start(struct mx_res *res, struct mx_job *job)
{
	MXP_ASSERT(job != NULL);
	job->res = res;
	res->job = job;
	/*
	 * Hold a reference while submitting: a query that fails at once
	 * must not finish the job before the others are submitted.
	 */
	job->pending = 1;
	submit(job, Q_MX, 0, res->domain);
	done_one(job);
}

/* see mx.h */
void
mx_resolve(struct mx_res *res, const char *domain, mx_done_fn *cb,
    void *arg)
{
	struct mx_job	*job;

	memset(res, 0, offsetof(struct mx_res, domain));
	res->reason = R_NONE;
	res->domain = domain;
	res->cb = cb;
	res->arg = arg;
	res->next = NULL;
	res->job = NULL;
	res->queued = 0;
	job = job_get();
	if (job == NULL) {
		res->queued = 1;
		if (wait_tail != NULL) {
			wait_tail->next = res;
		} else {
			wait_head = res;
		}
		wait_tail = res;
		return;
	}
	start(res, job);
}

/* see mx.h */
void
mx_literal(struct mx_res *res, int family, const uint8_t *a)
{
	memset(res, 0, sizeof(*res));
	res->flags = MX_F_ADDR_LIT;
	res->nhost = 1;
	res->host[0].naddr = 1;
	res->addr[0].family = (uint8_t)family;
	memcpy(res->addr[0].a, a, family == 4 ? 4 : 16);
	res->ttl_s = UINT32_MAX;
	res->naddr = 1;
	if (mx_addr_private(family, a)) {
		res->flags |= MX_F_PRIVATE;
		res->addr[0].flags = MXA_PRIVATE;
		if (!cfg->allow_private) {
			res->naddr = 0;
			res->host[0].naddr = 0;
			res->reason = R_PRIVATE_MX;
		}
	}
	if (cfg->family != 0 && cfg->family != family) {
		res->naddr = 0;
		res->host[0].naddr = 0;
		res->reason = R_NO_MAIL_HOST;
	}
}

/* see mx.h */
void
mx_cancel(struct mx_res *res)
{
	struct mx_res	**pp;
	struct mx_job	*job = res->job;
	int		 i;

	if (res->queued) {
		for (pp = &wait_head; *pp != NULL; pp = &(*pp)->next) {
			if (*pp == res) {
				*pp = res->next;
				break;
			}
		}
		wait_tail = NULL;
		for (pp = &wait_head; *pp != NULL; pp = &(*pp)->next) {
			wait_tail = *pp;
		}
		res->queued = 0;
		return;
	}
	if (job == NULL) {
		return;
	}
	for (i = 0; i < job->nq; i++) {
		if (job->q[i].q != NULL) {
			/* udns 0.4 dns_cancel() unlinks but never frees */
			dns_cancel(ctx, job->q[i].q);
			free(job->q[i].q);
			job->q[i].q = NULL;
		}
	}
	job->used = 0;
	res->job = NULL;
	if (wait_head != NULL) {
		struct mx_res *next = wait_head;

		wait_head = next->next;
		if (wait_head == NULL) {
			wait_tail = NULL;
		}
		next->queued = 0;
		start(next, job_get());
	}
}

/* see mx.h */
void
mx_host_name(const struct mx_res *res, unsigned host, char *out, size_t cap)
{
	if (host >= res->nhost) {
		STR_COPY_LIT(out, cap, "");
		return;
	}
	str_copy(out, cap, res->names + res->host[host].name_off,
	    res->host[host].name_len);
}

/* see mx.h */
void
mx_addr_text(const struct mx_addr *a, char *out, size_t cap)
{
	ip_text(a->family, a->a, out, cap);
}

/* see mx.h */
void
mx_list_text(const struct mx_res *res, struct buf *b)
{
	char		 ip[INET6_ADDRSTRLEN];
	size_t		 mark;
	unsigned	 h, i;

	for (h = 0; h < res->nhost; h++) {
		mark = b->len;
		if (h > 0) {
			buf_addc(b, ';');
		}
		buf_addu(b, res->host[h].pref);
		buf_addc(b, ' ');
		buf_add(b, res->names + res->host[h].name_off,
		    res->host[h].name_len);
		for (i = 0; i < res->naddr; i++) {
			if (res->addr[i].host != h) {
				continue;
			}
			mx_addr_text(&res->addr[i], ip, sizeof(ip));
			buf_addc(b, ' ');
			buf_adds(b, ip);
		}
		if (b->trunc) {
			/* cut at a whole host */
			b->trunc = 0;
			b->len = mark;
			return;
		}
	}
}

/*
 * Ranges never probed without --allow-private (IANA special-purpose
 * registries, RFC 6890 and successors): prefix bytes and length in
 * bits.  Translation prefixes whose embedded IPv4 address we can find
 * are not here: mx_addr_private() judges the IPv4 address inside.
 */
static const struct {
	uint8_t		 p[16];
	uint8_t		 bits;
} priv4[] = {
	{ { 0 }, 8 },				/* "this network" */
	{ { 10 }, 8 },
	{ { 100, 64 }, 10 },			/* CGN, RFC 6598 */
	{ { 127 }, 8 },
	{ { 169, 254 }, 16 },
	{ { 172, 16 }, 12 },
	{ { 192, 0, 0 }, 24 },			/* IETF protocol assignments */
	{ { 192, 0, 2 }, 24 },			/* TEST-NET-1 */
	{ { 192, 88, 99 }, 24 },		/* 6to4 relay anycast */
	{ { 192, 168 }, 16 },
	{ { 198, 18 }, 15 },			/* benchmarking */
	{ { 198, 51, 100 }, 24 },		/* TEST-NET-2 */
	{ { 203, 0, 113 }, 24 },		/* TEST-NET-3 */
	{ { 224 }, 3 },				/* multicast, reserved, bcast */
}, priv6[] = {
	{ { 0 }, 96 },				/* ::, ::1, IPv4-compatible */
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 96 },	/* SIIT ::ffff:0:0:0 */
	{ { 0, 0x64, 0xff, 0x9b, 0, 1 }, 48 },	/* NAT64 local use, RFC 8215 */
	{ { 0x01 }, 64 },			/* discard-only 100::/64 */
	{ { 0x20, 0x01, 0, 0 }, 32 },		/* Teredo (IPv4 obfuscated) */
	{ { 0x20, 0x01, 0, 0x02, 0, 0 }, 48 },	/* benchmarking */
	{ { 0x20, 0x01, 0, 0x10 }, 28 },	/* ORCHID */
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32 },	/* documentation */
	{ { 0x3f, 0xff }, 20 },			/* documentation, RFC 9637 */
	{ { 0xfc }, 7 },			/* ULA */
	{ { 0xfe, 0x80 }, 10 },			/* link-local */
	{ { 0xfe, 0xc0 }, 10 },			/* site-local (deprecated) */
	{ { 0xff }, 8 },			/* multicast */
};

static int
in_prefix(const uint8_t *a, const uint8_t *p, unsigned bits)
{
	unsigned	 n = bits / 8, r = bits % 8;

	return memcmp(a, p, n) == 0 && (r == 0 ||
	    ((a[n] ^ p[n]) & (0xff00 >> r)) == 0);
}

/* see mx.h */
int
mx_addr_private(int family, const uint8_t *a)
{
	static const uint8_t	 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };
	static const uint8_t	 nat64[12] = { 0, 0x64, 0xff, 0x9b };
	size_t			 i;

	if (family == 4) {
		for (i = 0; i < sizeof(priv4) / sizeof(priv4[0]); i++) {
			if (in_prefix(a, priv4[i].p, priv4[i].bits)) {
				return 1;
			}
		}
		return 0;
	}
	/*
	 * Where an IPv4 address rides inside (mapped ::ffff:a.b.c.d, NAT64
	 * 64:ff9b::a.b.c.d, 6to4 2002:aabb:ccdd::), that address decides:
	 * with DNS64/NAT64 on the router, 64:ff9b::10.0.0.1 is 10.0.0.1.
	 */
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0) {
		return mx_addr_private(4, a + 12);
	}
	if (a[0] == 0x20 && a[1] == 0x02) {
		return mx_addr_private(4, a + 2);
	}
	for (i = 0; i < sizeof(priv6) / sizeof(priv6[0]); i++) {
		if (in_prefix(a, priv6[i].p, priv6[i].bits)) {
			return 1;
		}
	}
	return 0;
}

/* see mx.h */
uint64_t
mx_queries(void)
{
	return nqueries;
}

/* see mx.h */
struct dns_ctx *
mx_dns(void)
{
	return ctx;
}

/* see mx.h */
void
mx_dns_sent(void)
{
	nqueries++;
	if (!timer_armed(&dns_timer)) {
		timer_set(&dns_timer, loop_now());
	}
}

static struct mx_res	 backend;
static int		 have_backend;

/* see mx.h */
int
mx_backend_init(const char *host, char *err, size_t errcap)
{
	struct dns_rr_a4	*a4;
	struct dns_rr_a6	*a6;
	struct mx_addr		 lit;
	struct buf		 b;
	int			 i;

	memset(&backend, 0, sizeof(backend));
	if (add_host(&backend, host, 0) != 0) {
		goto bad;
	}
	if (literal(host, &lit)) {
		backend.addr[0] = lit;
		backend.naddr = 1;
	} else {
		/* once, at start-up: blocking is fine here */
		a4 = cfg->family == 6 ? NULL :
		    dns_resolve_a4(ctx, host, DNS_NOSRCH);
		for (i = 0; a4 != NULL && i < a4->dnsa4_nrr &&
		    backend.naddr < MX_ADDRS_MAX; i++) {
			backend.addr[backend.naddr].family = 4;
			memcpy(backend.addr[backend.naddr++].a,
			    &a4->dnsa4_addr[i], 4);
		}
		free(a4);
		a6 = cfg->family == 4 ? NULL :
		    dns_resolve_a6(ctx, host, DNS_NOSRCH);
		for (i = 0; a6 != NULL && i < a6->dnsa6_nrr &&
		    backend.naddr < MX_ADDRS_MAX; i++) {
			backend.addr[backend.naddr].family = 6;
			memcpy(backend.addr[backend.naddr++].a,
			    &a6->dnsa6_addr[i], 16);
		}
		free(a6);
	}
	if (backend.naddr == 0) {
		goto bad;
	}
	backend.host[0].naddr = backend.naddr;
	backend.ttl_s = UINT32_MAX;
	have_backend = 1;
	return 0;
bad:
	buf_init(&b, err, errcap - 1);
	buf_adds(&b, "--backend: cannot resolve \"");
	buf_adds(&b, host);
	buf_adds(&b, "\"");
	buf_nul(&b);
	return -1;
}

/* see mx.h */
int
mx_backend(struct mx_res *res)
{
	if (!have_backend) {
		return 0;
	}
	memcpy(res, &backend, offsetof(struct mx_res, domain));
	res->reason = R_NONE;
	return 1;
}
