/*
 * fakedns - a small authoritative DNS responder for mxprobe tests.
 *
 * Serves one zone file on a loopback address over UDP and TCP, and can
 * misbehave per name (and per name + type): SERVFAIL, REFUSED, forced
 * NXDOMAIN, drop, delay, truncate, malformed answers, wrong query ID, answers
 * for another name.  tests/fakes/fakedns.md is the manual.
 *
 * Implementation notes:
 * - One poll() loop, non-blocking sockets, no threads.  Delayed answers are
 *   built at once and parked in a min-heap keyed on their due time; the loop
 *   sleeps until the earliest one.  Signals reach the loop via a self-pipe.
 * - The zone is parsed into flat arrays (nodes, records, faults) over one
 *   byte arena; names are lower-case wire format.  SIGHUP parses the file
 *   into a new zone and swaps it in only if the whole file parsed.
 * - Everything read from the network is bounds-checked: names in queries
 *   may be compressed, pointers must point backwards, a name is at most 255
 *   octets (RFC 1035 3.1, 4.1.4).  Anything unparseable is dropped or gets
 *   FORMERR; nothing in a packet can make the server exit.
 * - Answers: RFC 1034 4.3.2 (CNAME chains inside the zone), RFC 2308
 *   (negative answers carry the SOA), RFC 7505 (null MX), RFC 6891 (EDNS0
 *   UDP payload size), RFC 7766 (TCP framing), RFC 8020 (empty non-terminals
 *   exist).
 * - Only libc and POSIX.1-2008, so it builds with a musl cross compiler.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define NAME_WIRE_MAX	255	/* RFC 1035 3.1 */
#define LABEL_MAX	63
#define MSG_MAX		65535	/* TCP message; RFC 1035 4.2.2 */
#define UDP_PLAIN	512	/* without EDNS0; RFC 1035 4.2.1 */
#define UDP_EDNS_MAX	65507	/* largest UDP payload over IPv4 */
#define EDNS_ADVERTISE	4096	/* what our OPT RR says */
#define CHAIN_MAX	8	/* CNAME hops before we give up */
#define DICT_MAX	512	/* compression targets remembered */
#define ADDL_HOSTS_MAX	1024	/* MX hosts given additional records */
#define TCP_CONN_MAX	64
#define TCP_IDLE_MS	30000
#define TCP_OUT_MAX	(1024 * 1024)
#define PEND_MAX	65536	/* delayed answers in flight */
#define UDP_BATCH	256	/* datagrams per poll round */
#define MXRANGE_MAX	100000
#define TOK_MAX		300	/* tokens per zone line */

#define T_A		1
#define T_NS		2
#define T_CNAME		5
#define T_SOA		6
#define T_PTR		12
#define T_MX		15
#define T_TXT		16
#define T_AAAA		28
#define T_OPT		41
#define T_IXFR		251
#define T_AXFR		252
#define T_ANY		255

#define C_IN		1
#define C_ANY		255

#define RC_NOERROR	0
#define RC_FORMERR	1
#define RC_SERVFAIL	2
#define RC_NXDOMAIN	3
#define RC_NOTIMP	4
#define RC_REFUSED	5

#define F_QR		0x8000
#define F_AA		0x0400
#define F_TC		0x0200
#define F_RD		0x0100
#define F_RA		0x0080

static const struct {
	const char	*name;
	uint16_t	 type;
} type_tab[] = {
	{ "A",		T_A },
	{ "NS",		T_NS },
	{ "CNAME",	T_CNAME },
	{ "SOA",	T_SOA },
	{ "PTR",	T_PTR },
	{ "MX",		T_MX },
	{ "TXT",	T_TXT },
	{ "AAAA",	T_AAAA },
	{ "SRV",	33 },
	{ "OPT",	T_OPT },
	{ "DS",		43 },
	{ "RRSIG",	46 },
	{ "DNSKEY",	48 },
	{ "TLSA",	52 },
	{ "HTTPS",	65 },
	{ "IXFR",	T_IXFR },
	{ "AXFR",	T_AXFR },
	{ "ANY",	T_ANY },
	{ "CAA",	257 },
	{ NULL,		0 }
};

/* What a fault directive makes the server do; ACT_NONE answers normally. */
enum act {
	ACT_NONE, ACT_SERVFAIL, ACT_REFUSED, ACT_NXDOMAIN, ACT_DROP,
	ACT_TRUNCATE, ACT_MALFORM, ACT_WRONGID, ACT_OTHERNAME,
	ACT__COUNT
};

static const char *const act_kw[ACT__COUNT] = {
	[ACT_NONE]	= NULL,
	[ACT_SERVFAIL]	= "SERVFAIL",
	[ACT_REFUSED]	= "REFUSED",
	[ACT_NXDOMAIN]	= "NXDOMAIN",
	[ACT_DROP]	= "DROP",
	[ACT_TRUNCATE]	= "TRUNCATE",
	[ACT_MALFORM]	= "MALFORM",
	[ACT_WRONGID]	= "WRONGID",
	[ACT_OTHERNAME]	= "OTHERNAME",
};

enum malform {
	MAL_BADPTR,	/* owner is a pointer past the end of the message */
	MAL_LOOP,	/* owner is a pointer to itself */
	MAL_SHORT,	/* RDLENGTH runs past the end of the message */
	MAL__COUNT
};

static const char *const mal_kw[MAL__COUNT] = {
	[MAL_BADPTR]	= "BADPTR",
	[MAL_LOOP]	= "LOOP",
	[MAL_SHORT]	= "SHORT",
};

/* The name OTHERNAME answers for. */
static const uint8_t other_name[] = "\011othername\007invalid";

/* ---------------------------------------------------------------- zone */

struct node {
	uint32_t	 name_off;	/* lower-case wire name in arena */
	int32_t		 rec_head;
	int32_t		 rec_tail;
	int32_t		 fault_head;
	uint8_t		 exists;	/* owns records, or is their parent */
};

struct rec {
	uint32_t	 node;
	uint32_t	 ttl;
	uint32_t	 rd_off;
	int32_t		 next;
	uint16_t	 type;
	uint16_t	 rd_len;
};

struct fault {
	int32_t		 next;
	uint16_t	 qtype;		/* 0: every type */
	uint8_t		 act;
	uint8_t		 variant;
	uint8_t		 has_delay;
	uint32_t	 delay_ms;
};

struct zone {
	uint8_t		*arena;
	size_t		 alen, acap;
	struct node	*nodes;
	size_t		 nnodes, ncap;
	struct rec	*recs;
	size_t		 nrecs, rcap;
	struct fault	*faults;
	size_t		 nfaults, fcap;
	int32_t		*hash;		/* node index or -1 */
	size_t		 hcap;		/* power of two */
};

static size_t
wire_len(const uint8_t *n)
{
	size_t i = 0;

	while (n[i] != 0) {
		i += (size_t)n[i] + 1;
	}
	return i + 1;
}

static uint32_t
wire_hash(const uint8_t *n, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h = (h ^ n[i]) * 16777619u;
	}
	return h;
}

static void *
grow(void *p, size_t *cap, size_t need, size_t el)
{
	size_t ncap = *cap ? *cap : 16;
	void *np;

	if (need <= *cap) {
		return p;
	}
	while (ncap < need) {
		ncap *= 2;
	}
	np = realloc(p, ncap * el);
	if (np != NULL) {
		*cap = ncap;
	}
	return np;
}

static void
zone_free(struct zone *z)
{
	if (z == NULL) {
		return;
	}
	free(z->arena);
	free(z->nodes);
	free(z->recs);
	free(z->faults);
	free(z->hash);
	free(z);
}

static int32_t
zone_find(const struct zone *z, const uint8_t *name)
{
	size_t len = wire_len(name), i;
	const uint8_t *nn;
	int32_t k;

	if (z->hcap == 0) {
		return -1;
	}
	i = wire_hash(name, len) & (z->hcap - 1);
	while ((k = z->hash[i]) >= 0) {
		nn = z->arena + z->nodes[k].name_off;
		if (wire_len(nn) == len && memcmp(nn, name, len) == 0) {
			return k;
		}
		i = (i + 1) & (z->hcap - 1);
	}
	return -1;
}

static int
arena_add(struct zone *z, const void *p, size_t len, uint32_t *off)
{
	uint8_t *na;

	if (z->alen + len > UINT32_MAX) {
		return -1;
	}
	na = grow(z->arena, &z->acap, z->alen + len, 1);
	if (na == NULL) {
		return -1;
	}
	z->arena = na;
	memcpy(z->arena + z->alen, p, len);
	*off = (uint32_t)z->alen;
	z->alen += len;
	return 0;
}

static int
hash_insert(int32_t *h, size_t hcap, const struct zone *z, int32_t k)
{
	const uint8_t *n = z->arena + z->nodes[k].name_off;
	size_t i = wire_hash(n, wire_len(n)) & (hcap - 1);

	while (h[i] >= 0) {
		i = (i + 1) & (hcap - 1);
	}
	h[i] = k;
	return 0;
}

/* Find or create the node for a lower-case wire name. */
static int32_t
zone_node(struct zone *z, const uint8_t *name)
{
	int32_t k = zone_find(z, name);
	struct node *nn;
	int32_t *nh;
	size_t i, ncap;
	uint32_t off;

	if (k >= 0) {
		return k;
	}
	if ((z->nnodes + 1) * 2 > z->hcap) {
		ncap = z->hcap ? z->hcap * 2 : 64;
		nh = malloc(ncap * sizeof(*nh));
		if (nh == NULL) {
			return -1;
		}
		for (i = 0; i < ncap; i++) {
			nh[i] = -1;
		}
		for (i = 0; i < z->nnodes; i++) {
			hash_insert(nh, ncap, z, (int32_t)i);
		}
		free(z->hash);
		z->hash = nh;
		z->hcap = ncap;
	}
	nn = grow(z->nodes, &z->ncap, z->nnodes + 1, sizeof(*nn));
	if (nn == NULL) {
		return -1;
	}
	z->nodes = nn;
	if (arena_add(z, name, wire_len(name), &off) < 0) {
		return -1;
	}
	k = (int32_t)z->nnodes++;
	z->nodes[k].name_off = off;
	z->nodes[k].rec_head = -1;
	z->nodes[k].rec_tail = -1;
	z->nodes[k].fault_head = -1;
	z->nodes[k].exists = 0;
	hash_insert(z->hash, z->hcap, z, k);
	return k;
}

static int
zone_add_rec(struct zone *z, const uint8_t *owner, uint16_t type,
    uint32_t ttl, const uint8_t *rd, size_t rdlen)
{
	struct rec *nr;
	int32_t k, r, p;
	size_t i;

	if (rdlen > 65535) {
		return -1;
	}
	k = zone_node(z, owner);
	if (k < 0) {
		return -1;
	}
	nr = grow(z->recs, &z->rcap, z->nrecs + 1, sizeof(*nr));
	if (nr == NULL) {
		return -1;
	}
	z->recs = nr;
	r = (int32_t)z->nrecs;
	if (arena_add(z, rd, rdlen, &z->recs[r].rd_off) < 0) {
		return -1;
	}
	z->nrecs++;
	z->recs[r].node = (uint32_t)k;
	z->recs[r].ttl = ttl;
	z->recs[r].type = type;
	z->recs[r].rd_len = (uint16_t)rdlen;
	z->recs[r].next = -1;
	if (z->nodes[k].rec_tail >= 0) {
		z->recs[z->nodes[k].rec_tail].next = r;
	} else {
		z->nodes[k].rec_head = r;
	}
	z->nodes[k].rec_tail = r;
	z->nodes[k].exists = 1;
	/* RFC 8020: parents of an existing name exist (empty non-terminals) */
	for (i = 0; owner[i] != 0; i += (size_t)owner[i] + 1) {
		if (i == 0) {
			continue;
		}
		p = zone_node(z, owner + i);
		if (p < 0) {
			return -1;
		}
		z->nodes[p].exists = 1;
	}
	return 0;
}

/* The fault entry for (name, qtype), creating it. */
static struct fault *
zone_fault(struct zone *z, const uint8_t *owner, uint16_t qtype)
{
	struct fault *nf;
	int32_t k, f;

	k = zone_node(z, owner);
	if (k < 0) {
		return NULL;
	}
	for (f = z->nodes[k].fault_head; f >= 0; f = z->faults[f].next) {
		if (z->faults[f].qtype == qtype) {
			return &z->faults[f];
		}
	}
	nf = grow(z->faults, &z->fcap, z->nfaults + 1, sizeof(*nf));
	if (nf == NULL) {
		return NULL;
	}
	z->faults = nf;
	f = (int32_t)z->nfaults++;
	memset(&z->faults[f], 0, sizeof(z->faults[f]));
	z->faults[f].qtype = qtype;
	z->faults[f].next = z->nodes[k].fault_head;
	z->nodes[k].fault_head = f;
	return &z->faults[f];
}

/* ---------------------------------------------------------- zone parser */

struct tok {
	char	*s;
	size_t	 len;
	int	 quoted;
};

struct parse {
	const char	*path;
	unsigned long	 line;
	uint32_t	 default_ttl;
	char		 err[256];
};

static int
perr(struct parse *p, const char *msg, const char *arg)
{
	if (p->err[0] == '\0') {
		snprintf(p->err, sizeof(p->err), "%s:%lu: %s%s%s", p->path,
		    p->line, msg, arg ? ": " : "", arg ? arg : "");
	}
	return -1;
}

/*
 * Split a line into tokens in place.  Quoted strings may hold spaces, '#'
 * and ';', and the escapes \" \\ \DDD; '#' or ';' elsewhere starts a comment.
 */
static int
tokenize(struct parse *p, char *line, struct tok *t, size_t *nt)
{
	char *r = line, *w;
	unsigned v;
	int k;

	*nt = 0;
	for (;;) {
		while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n') {
			r++;
		}
		if (*r == '\0' || *r == '#' || *r == ';') {
			return 0;
		}
		if (*nt == TOK_MAX) {
			return perr(p, "too many tokens", NULL);
		}
		if (*r == '"') {
			w = ++r;
			t[*nt].s = w;
			t[*nt].quoted = 1;
			while (*r != '"') {
				if (*r == '\0') {
					return perr(p, "unterminated string",
					    NULL);
				}
				if (*r != '\\') {
					*w++ = *r++;
					continue;
				}
				r++;
				if (*r >= '0' && *r <= '9') {
					v = 0;
					for (k = 0; k < 3; k++) {
						if (r[k] < '0' || r[k] > '9') {
							return perr(p,
							    "bad \\DDD escape",
							    NULL);
						}
						v = v * 10 +
						    (unsigned)(r[k] - '0');
					}
					if (v > 255) {
						return perr(p,
						    "bad \\DDD escape", NULL);
					}
					*w++ = (char)v;
					r += 3;
				} else if (*r == '\0') {
					return perr(p, "unterminated string",
					    NULL);
				} else {
					*w++ = *r++;
				}
			}
			r++;
			t[*nt].len = (size_t)(w - t[*nt].s);
			*w = '\0';
			(*nt)++;
			continue;
		}
		t[*nt].s = r;
		t[*nt].quoted = 0;
		while (*r != '\0' && *r != ' ' && *r != '\t' && *r != '\r' &&
		    *r != '\n' && *r != '#' && *r != ';' && *r != '"') {
			r++;
		}
		t[*nt].len = (size_t)(r - t[*nt].s);
		(*nt)++;
		if (*r == '#' || *r == ';' || *r == '\0') {
			*r = '\0';
			return 0;
		}
		if (*r == '"') {
			return perr(p, "quote inside a word", NULL);
		}
		*r++ = '\0';
	}
}

/* Text name ("mx.Example.test." or ".") to lower-case wire format. */
static int
name_from_text(const char *s, size_t slen, uint8_t *out)
{
	size_t o = 0, lab, i;

	if (slen > 0 && s[slen - 1] == '.') {
		slen--;
	}
	if (slen == 0) {
		out[0] = 0;
		return 0;
	}
	i = 0;
	while (i <= slen) {
		lab = 0;
		while (i + lab < slen && s[i + lab] != '.') {
			lab++;
		}
		if (lab == 0 || lab > LABEL_MAX ||
		    o + 1 + lab + 1 > NAME_WIRE_MAX) {
			return -1;
		}
		out[o++] = (uint8_t)lab;
		for (; lab > 0; lab--, i++) {
			unsigned char c = (unsigned char)s[i];

			if (c <= ' ' || c == 0x7f) {
				return -1;
			}
			out[o++] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
		}
		i++;	/* the dot, or one past the end */
	}
	out[o] = 0;
	return 0;
}

static int
parse_u32(const char *s, uint32_t max, uint32_t *v)
{
	unsigned long long x = 0;

	if (*s == '\0') {
		return -1;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9') {
			return -1;
		}
		x = x * 10 + (unsigned)(*s - '0');
		if (x > max) {
			return -1;
		}
	}
	*v = (uint32_t)x;
	return 0;
}

static uint16_t
type_parse(const char *s)
{
	uint32_t v;
	size_t i;

	for (i = 0; type_tab[i].name != NULL; i++) {
		if (strcasecmp(s, type_tab[i].name) == 0) {
			return type_tab[i].type;
		}
	}
	if (strncasecmp(s, "TYPE", 4) == 0 && parse_u32(s + 4, 65535, &v) == 0
	    && v != 0) {
		return (uint16_t)v;
	}
	return 0;
}

static int
put_u16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

static int
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

static int
parse_name_tok(struct parse *p, const struct tok *t, uint8_t *out)
{
	if (t->quoted || name_from_text(t->s, t->len, out) < 0) {
		return perr(p, "bad name", t->s);
	}
	return 0;
}

/* Replace the one "%d" in fmt by i. */
static int
mxrange_name(const char *fmt, uint32_t i, uint8_t *out)
{
	char buf[1024], num[16];
	const char *pc = strchr(fmt, '%');
	size_t pre, nl, post;

	if (pc == NULL || pc[1] != 'd' || strchr(pc + 2, '%') != NULL) {
		return -1;
	}
	snprintf(num, sizeof(num), "%lu", (unsigned long)i);
	pre = (size_t)(pc - fmt);
	nl = strlen(num);
	post = strlen(pc + 2);
	if (pre + nl + post >= sizeof(buf)) {
		return -1;
	}
	memcpy(buf, fmt, pre);
	memcpy(buf + pre, num, nl);
	memcpy(buf + pre + nl, pc + 2, post + 1);
	return name_from_text(buf, pre + nl + post, out);
}

/* rdata for typed records: A AAAA MX CNAME NS PTR TXT SOA */
static int
parse_rdata(struct parse *p, uint16_t type, struct tok *t, size_t nt,
    uint8_t *rd, size_t *rdlen)
{
	uint32_t v, soa[5] = { 1, 3600, 600, 86400, 300 };
	size_t i, o, l;

	switch (type) {
	case T_A:
	case T_AAAA:
		if (nt != 1 || inet_pton(type == T_A ? AF_INET : AF_INET6,
		    t[0].s, rd) != 1) {
			return perr(p, "bad address", nt ? t[0].s : NULL);
		}
		*rdlen = type == T_A ? 4 : 16;
		return 0;
	case T_MX:
		if (nt != 2 || parse_u32(t[0].s, 65535, &v) < 0) {
			return perr(p, "MX wants: PREF HOST", NULL);
		}
		put_u16(rd, v);
		if (parse_name_tok(p, &t[1], rd + 2) < 0) {
			return -1;
		}
		*rdlen = 2 + wire_len(rd + 2);
		return 0;
	case T_CNAME:
	case T_NS:
	case T_PTR:
		if (nt != 1) {
			return perr(p, "wants one name", NULL);
		}
		if (parse_name_tok(p, &t[0], rd) < 0) {
			return -1;
		}
		*rdlen = wire_len(rd);
		return 0;
	case T_TXT:
		if (nt == 0) {
			return perr(p, "TXT wants strings", NULL);
		}
		for (o = 0, i = 0; i < nt; i++) {
			l = t[i].len;
			if (l > 255) {
				return perr(p, "TXT string over 255", NULL);
			}
			if (o + 1 + l > 65535) {
				return perr(p, "TXT too long", NULL);
			}
			rd[o++] = (uint8_t)l;
			memcpy(rd + o, t[i].s, l);
			o += l;
		}
		*rdlen = o;
		return 0;
	case T_SOA:
		if (nt != 2 && nt != 7) {
			return perr(p, "SOA wants: MNAME RNAME "
			    "[SERIAL REFRESH RETRY EXPIRE MINIMUM]", NULL);
		}
		if (parse_name_tok(p, &t[0], rd) < 0) {
			return -1;
		}
		o = wire_len(rd);
		if (parse_name_tok(p, &t[1], rd + o) < 0) {
			return -1;
		}
		o += wire_len(rd + o);
		for (i = 0; nt == 7 && i < 5; i++) {
			if (parse_u32(t[2 + i].s, UINT32_MAX, &soa[i]) < 0) {
				return perr(p, "bad SOA number", t[2 + i].s);
			}
		}
		for (i = 0; i < 5; i++) {
			o += (size_t)put_u32(rd + o, soa[i]);
		}
		*rdlen = o;
		return 0;
	default:
		return perr(p, "unsupported type", NULL);
	}
}

static int
parse_line(struct zone *z, struct parse *p, struct tok *t, size_t nt)
{
	static uint8_t rd[65536];
	uint8_t owner[NAME_WIRE_MAX + 1], host[NAME_WIRE_MAX + 1];
	uint32_t ttl, count, pref, ms;
	uint16_t type, ftype;
	struct fault *f;
	size_t i = 1, rdlen, a;
	int have_ttl = 0;
	const char *kw;

	if (nt == 0) {
		return 0;
	}
	if (strcasecmp(t[0].s, "$TTL") == 0) {
		if (nt != 2 || parse_u32(t[1].s, INT32_MAX, &ttl) < 0) {
			return perr(p, "$TTL wants a number", NULL);
		}
		p->default_ttl = ttl;
		return 0;
	}
	if (t[0].s[0] == '$') {
		return perr(p, "unknown directive", t[0].s);
	}
	if (parse_name_tok(p, &t[0], owner) < 0) {
		return -1;
	}
	ttl = p->default_ttl;
	if (i < nt && parse_u32(t[i].s, INT32_MAX, &ttl) == 0) {
		have_ttl = 1;
		i++;
	}
	if (i < nt && strcasecmp(t[i].s, "IN") == 0) {
		i++;
	}
	if (i >= nt) {
		return perr(p, "missing type or directive", NULL);
	}
	kw = t[i++].s;

	if (strcasecmp(kw, "NULLMX") == 0) {
		if (i != nt) {
			return perr(p, "NULLMX takes no arguments", NULL);
		}
		memcpy(rd, "\0\0\0", 3);	/* RFC 7505: MX 0 . */
		if (zone_add_rec(z, owner, T_MX, ttl, rd, 3) < 0) {
			return perr(p, "out of memory", NULL);
		}
		return 0;
	}
	if (strcasecmp(kw, "MXRANGE") == 0) {
		if (nt - i != 3 || parse_u32(t[i].s, MXRANGE_MAX, &count) < 0
		    || count == 0 || parse_u32(t[i + 1].s, 65535, &pref) < 0) {
			return perr(p, "MXRANGE wants: COUNT PREF HOSTFMT",
			    NULL);
		}
		for (a = 1; a <= count; a++) {
			if (mxrange_name(t[i + 2].s, (uint32_t)a, host) < 0) {
				return perr(p, "bad HOSTFMT (one %d, a name)",
				    t[i + 2].s);
			}
			put_u16(rd, pref);
			memcpy(rd + 2, host, wire_len(host));
			if (zone_add_rec(z, owner, T_MX, ttl, rd,
			    2 + wire_len(host)) < 0) {
				return perr(p, "out of memory", NULL);
			}
		}
		return 0;
	}
	if (strcasecmp(kw, "DELAY") == 0) {
		if (i >= nt || parse_u32(t[i].s, 3600000, &ms) < 0) {
			return perr(p, "DELAY wants milliseconds", NULL);
		}
		i++;
		ftype = 0;
		if (i < nt && (ftype = type_parse(t[i++].s)) == 0) {
			return perr(p, "bad type", t[i - 1].s);
		}
		if (i != nt) {
			return perr(p, "trailing words", t[i].s);
		}
		if ((f = zone_fault(z, owner, ftype)) == NULL) {
			return perr(p, "out of memory", NULL);
		}
		f->has_delay = 1;
		f->delay_ms = ms;
		return 0;
	}
	for (a = 1; a < ACT__COUNT; a++) {
		if (strcasecmp(kw, act_kw[a]) == 0) {
			break;
		}
	}
	if (a < ACT__COUNT) {
		size_t var = MAL_BADPTR, m;

		if (have_ttl) {
			return perr(p, "a fault takes no TTL", kw);
		}
		if (a == ACT_MALFORM && i < nt) {
			for (m = 0; m < MAL__COUNT; m++) {
				if (strcasecmp(t[i].s, mal_kw[m]) == 0) {
					var = m;
					i++;
					break;
				}
			}
		}
		ftype = 0;
		if (i < nt && (ftype = type_parse(t[i++].s)) == 0) {
			return perr(p, "bad type", t[i - 1].s);
		}
		if (i != nt) {
			return perr(p, "trailing words", t[i].s);
		}
		if ((f = zone_fault(z, owner, ftype)) == NULL) {
			return perr(p, "out of memory", NULL);
		}
		f->act = (uint8_t)a;
		f->variant = (uint8_t)var;
		return 0;
	}
	type = type_parse(kw);
	if (type == 0) {
		return perr(p, "unknown type or directive", kw);
	}
	if (parse_rdata(p, type, t + i, nt - i, rd, &rdlen) < 0) {
		return -1;
	}
	if (zone_add_rec(z, owner, type, ttl, rd, rdlen) < 0) {
		return perr(p, "out of memory", NULL);
	}
	return 0;
}

/* Parse a zone file; NULL and a message in err on failure. */
static struct zone *
zone_load(const char *path, char *err, size_t errcap)
{
	static struct tok toks[TOK_MAX];
	struct parse p;
	struct zone *z;
	char *line = NULL;
	size_t cap = 0, nt;
	ssize_t n;
	FILE *fp;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	p.path = path;
	p.default_ttl = 300;
	fp = fopen(path, "r");
	if (fp == NULL) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return NULL;
	}
	z = calloc(1, sizeof(*z));
	if (z == NULL) {
		fclose(fp);
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	while (rc == 0 && (n = getline(&line, &cap, fp)) >= 0) {
		p.line++;
		if ((size_t)n != strlen(line)) {
			rc = perr(&p, "NUL byte in line", NULL);
			break;
		}
		rc = tokenize(&p, line, toks, &nt);
		if (rc == 0) {
			rc = parse_line(z, &p, toks, nt);
		}
	}
	if (rc == 0 && ferror(fp)) {
		rc = perr(&p, "read error", strerror(errno));
	}
	free(line);
	fclose(fp);
	if (rc != 0) {
		snprintf(err, errcap, "%s", p.err);
		zone_free(z);
		return NULL;
	}
	return z;
}

/* ------------------------------------------------------------- queries */

struct query {
	int		 status;	/* QS_* */
	uint16_t	 id;
	uint16_t	 flags;
	uint16_t	 qtype;
	uint16_t	 qclass;
	uint16_t	 udp_size;	/* 0 without EDNS0 */
	size_t		 qlen;
	uint8_t		 qname[NAME_WIRE_MAX + 1];	/* lowered */
	uint8_t		 qorig[NAME_WIRE_MAX + 1];	/* as sent */
};

enum { QS_OK, QS_DROP, QS_FORMERR, QS_NOTIMP };

static uint16_t
get_u16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/*
 * Read a possibly compressed name at *pos into out (wire, as sent).
 * Pointers must point backwards and the name must stay within 255 octets,
 * so every loop ends.  Returns 0, or -1 for a broken name.
 */
static int
name_read(const uint8_t *m, size_t len, size_t *pos, uint8_t *out)
{
	size_t p = *pos, o = 0, end = 0, ptr;
	unsigned hops = 0;
	uint8_t c;

	for (;;) {
		if (p >= len) {
			return -1;
		}
		c = m[p];
		if ((c & 0xC0) == 0xC0) {
			if (p + 1 >= len || ++hops > 127) {
				return -1;
			}
			ptr = ((size_t)(c & 0x3F) << 8) | m[p + 1];
			if (ptr >= p) {
				return -1;
			}
			if (end == 0) {
				end = p + 2;
			}
			p = ptr;
			continue;
		}
		if (c & 0xC0) {
			return -1;	/* 0x40, 0x80: RFC 6891 9 */
		}
		if (c == 0) {
			out[o] = 0;
			break;
		}
		if (p + 1 + c > len || o + 1 + c + 1 > NAME_WIRE_MAX) {
			return -1;
		}
		memcpy(out + o, m + p, 1 + (size_t)c);
		o += 1 + (size_t)c;
		p += 1 + (size_t)c;
	}
	*pos = end ? end : p + 1;
	return 0;
}

static int
rr_skip(const uint8_t *m, size_t len, size_t *pos, uint16_t *type,
    uint16_t *klass, int *root)
{
	uint8_t tmp[NAME_WIRE_MAX + 1];
	size_t p = *pos;

	if (name_read(m, len, &p, tmp) < 0 || p + 10 > len) {
		return -1;
	}
	*root = tmp[0] == 0;
	*type = get_u16(m + p);
	*klass = get_u16(m + p + 2);
	p += 10 + get_u16(m + p + 8);
	if (p > len) {
		return -1;
	}
	*pos = p;
	return 0;
}

static void
query_parse(const uint8_t *m, size_t len, struct query *q)
{
	size_t pos = 12, i, n;
	uint16_t type, klass;
	int root;

	memset(q, 0, sizeof(*q));
	q->qlen = 0;
	if (len < 12) {
		q->status = QS_DROP;
		return;
	}
	q->id = get_u16(m);
	q->flags = get_u16(m + 2);
	if (q->flags & F_QR) {
		q->status = QS_DROP;	/* never answer an answer */
		return;
	}
	if (((q->flags >> 11) & 0xF) != 0) {
		q->status = QS_NOTIMP;
		return;
	}
	if (get_u16(m + 4) != 1 ||
	    name_read(m, len, &pos, q->qorig) < 0 || pos + 4 > len) {
		q->status = QS_FORMERR;
		return;
	}
	q->qtype = get_u16(m + pos);
	q->qclass = get_u16(m + pos + 2);
	pos += 4;
	q->qlen = wire_len(q->qorig);
	for (i = 0; i < q->qlen; i++) {
		uint8_t c = q->qorig[i];

		q->qname[i] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
	}
	/* look for an OPT RR; a broken tail only means "no EDNS" */
	n = (size_t)get_u16(m + 6) + get_u16(m + 8) + get_u16(m + 10);
	for (i = 0; i < n; i++) {
		if (rr_skip(m, len, &pos, &type, &klass, &root) < 0) {
			break;
		}
		if (type == T_OPT && root && i >= n - get_u16(m + 10)) {
			q->udp_size = klass < UDP_PLAIN ? UDP_PLAIN : klass;
			break;
		}
	}
	q->status = QS_OK;
}

/* ------------------------------------------------------------- answers */

struct wbuf {
	uint8_t		*b;
	size_t		 len, cap;
	int		 full;
	size_t		 ndict;
	struct {
		const uint8_t	*name;
		size_t		 len;
		uint16_t	 off;
	} dict[DICT_MAX];
};

static int
w_bytes(struct wbuf *w, const void *p, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = 1;
		return -1;
	}
	memcpy(w->b + w->len, p, n);
	w->len += n;
	return 0;
}

static int
w_u16(struct wbuf *w, uint32_t v)
{
	uint8_t b[2];

	put_u16(b, v);
	return w_bytes(w, b, 2);
}

static int
w_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4];

	put_u32(b, v);
	return w_bytes(w, b, 4);
}

/*
 * Write name, compressed against names written before.  key is the
 * lower-case form of name (same layout); it must outlive the wbuf use.
 */
static int
w_name(struct wbuf *w, const uint8_t *name, const uint8_t *key)
{
	size_t i, k, cut = 0, start = w->len, sl;
	int found = 0;
	uint16_t ptr = 0;

	for (i = 0; key[i] != 0 && !found; i += (size_t)key[i] + 1) {
		sl = wire_len(key + i);
		for (k = 0; k < w->ndict; k++) {
			if (w->dict[k].len == sl &&
			    memcmp(w->dict[k].name, key + i, sl) == 0) {
				found = 1;
				cut = i;
				ptr = w->dict[k].off;
				break;
			}
		}
	}
	if (!found) {
		cut = wire_len(name) - 1;
	}
	if (w_bytes(w, name, cut) < 0) {
		return -1;
	}
	if (found) {
		if (w_u16(w, 0xC000u | ptr) < 0) {
			return -1;
		}
	} else if (w_bytes(w, "", 1) < 0) {
		return -1;
	}
	for (i = 0; i < cut; i += (size_t)key[i] + 1) {
		if (w->ndict == DICT_MAX || start + i >= 0x4000) {
			break;
		}
		w->dict[w->ndict].name = key + i;
		w->dict[w->ndict].len = wire_len(key + i);
		w->dict[w->ndict].off = (uint16_t)(start + i);
		w->ndict++;
	}
	return 0;
}

/* Append one RR; on overflow the buffer is as before and -1 returned. */
static int
w_rr(struct wbuf *w, const struct zone *z, const uint8_t *owner,
    const struct rec *r)
{
	const uint8_t *rd = z->arena + r->rd_off, *n2;
	size_t save = w->len, nd = w->ndict, rdpos;

	w_name(w, owner, owner);
	w_u16(w, r->type);
	w_u16(w, C_IN);
	w_u32(w, r->ttl);
	rdpos = w->len;
	w_u16(w, 0);
	switch (r->type) {
	case T_MX:
		w_bytes(w, rd, 2);
		w_name(w, rd + 2, rd + 2);
		break;
	case T_CNAME:
	case T_NS:
	case T_PTR:
		w_name(w, rd, rd);
		break;
	case T_SOA:
		n2 = rd + wire_len(rd);
		w_name(w, rd, rd);
		w_name(w, n2, n2);
		w_bytes(w, n2 + wire_len(n2), 20);
		break;
	default:
		w_bytes(w, rd, r->rd_len);
		break;
	}
	if (w->full) {
		w->len = save;
		w->ndict = nd;
		w->full = 0;
		return -1;
	}
	put_u16(w->b + rdpos, (uint32_t)(w->len - rdpos - 2));
	return 0;
}

static void
w_header(struct wbuf *w, uint16_t id, uint16_t flags, unsigned qd,
    unsigned an, unsigned ns, unsigned ar)
{
	put_u16(w->b, id);
	put_u16(w->b + 2, flags);
	put_u16(w->b + 4, qd);
	put_u16(w->b + 6, an);
	put_u16(w->b + 8, ns);
	put_u16(w->b + 10, ar);
}

/* SOA of the closest enclosing name that has one, or -1. */
static int32_t
soa_find(const struct zone *z, const uint8_t *name, const uint8_t **owner)
{
	size_t i = 0;
	int32_t k, r;

	for (;;) {
		k = zone_find(z, name + i);
		if (k >= 0) {
			for (r = z->nodes[k].rec_head; r >= 0;
			    r = z->recs[r].next) {
				if (z->recs[r].type == T_SOA) {
					*owner = z->arena +
					    z->nodes[k].name_off;
					return r;
				}
			}
		}
		if (name[i] == 0) {
			return -1;
		}
		i += (size_t)name[i] + 1;
	}
}

struct srv;

struct outcome {
	const char	*what;		/* for the query log */
	uint32_t	 delay_ms;
	int		 drop;
};

static uint32_t
rng_next(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

/* Header-only reply (FORMERR, NOTIMP) for a query we could not read. */
static size_t
reply_bare(const struct query *q, const uint8_t *m, uint8_t *out, int rcode)
{
	uint16_t fl = (uint16_t)(F_QR | (get_u16(m + 2) & (0x7800 | F_RD)) |
	    F_RA | rcode);

	(void)q;
	memcpy(out, m, 2);
	put_u16(out + 2, fl);
	memset(out + 4, 0, 8);
	return 12;
}

static size_t
reply_malform(const struct query *q, struct wbuf *w, int variant)
{
	size_t pos;

	w->len = 12;
	w_header(w, q->id, (uint16_t)(F_QR | F_AA | (q->flags & F_RD) | F_RA),
	    1, 1, 0, 0);
	w_bytes(w, q->qorig, q->qlen);
	w_u16(w, q->qtype);
	w_u16(w, q->qclass);
	pos = w->len;
	switch (variant) {
	case MAL_LOOP:
		w_u16(w, 0xC000u | (uint32_t)pos);
		break;
	case MAL_SHORT:
		w_u16(w, 0xC00C);
		break;
	default:
		w_u16(w, 0xFFFF);	/* offset 16383: past the end */
		break;
	}
	w_u16(w, q->qtype);
	w_u16(w, C_IN);
	w_u32(w, 300);
	w_u16(w, variant == MAL_SHORT ? 100 : 4);
	w_bytes(w, "\177\0\0\1", 4);
	return w->len;
}

/*
 * Build the answer for q in out (cap bytes is the transport's limit).
 * Returns its length, 0 for no answer.
 */
static size_t
respond(const struct zone *z, uint32_t *rng, const struct query *q,
    const uint8_t *m, int tcp, uint8_t *out, struct outcome *oc)
{
	static struct wbuf w;
	static int32_t hosts[ADDL_HOSTS_MAX];
	const struct fault *f, *fall = NULL, *ftyp = NULL;
	const uint8_t *cur, *owner, *soa_owner, *target;
	int32_t k, r, visited[CHAIN_MAX + 1], soa;
	size_t nvisit = 0, nhosts = 0, limit, qend, i, j;
	unsigned an = 0, ns = 0, ar = 0;
	int rcode = RC_NOERROR, act = ACT_NONE, variant = 0, matched;
	int tc = 0, loop = 0;
	uint16_t flags;

	memset(oc, 0, sizeof(*oc));
	switch (q->status) {
	case QS_DROP:
		oc->what = "garbage";
		oc->drop = 1;
		return 0;
	case QS_FORMERR:
		oc->what = "formerr";
		return reply_bare(q, m, out, RC_FORMERR);
	case QS_NOTIMP:
		oc->what = "notimp";
		return reply_bare(q, m, out, RC_NOTIMP);
	default:
		break;
	}

	w.b = out;
	w.cap = tcp ? MSG_MAX : (q->udp_size ? q->udp_size : UDP_PLAIN);
	if (w.cap > (tcp ? MSG_MAX : UDP_EDNS_MAX)) {
		w.cap = tcp ? MSG_MAX : UDP_EDNS_MAX;
	}
	limit = w.cap - (q->udp_size ? 11 : 0);	/* room for our OPT */
	w.cap = limit;
	w.len = 12;
	w.full = 0;
	w.ndict = 0;

	/* faults: a name+type entry wins over a name entry, field by field */
	k = zone_find(z, q->qname);
	if (k >= 0) {
		for (r = z->nodes[k].fault_head; r >= 0;
		    r = z->faults[r].next) {
			f = &z->faults[r];
			if (f->qtype == 0) {
				fall = f;
			} else if (f->qtype == q->qtype) {
				ftyp = f;
			}
		}
	}
	if (ftyp != NULL && ftyp->act != ACT_NONE) {
		act = ftyp->act;
		variant = ftyp->variant;
	} else if (fall != NULL) {
		act = fall->act;
		variant = fall->variant;
	}
	if (ftyp != NULL && ftyp->has_delay) {
		oc->delay_ms = ftyp->delay_ms;
	} else if (fall != NULL && fall->has_delay) {
		oc->delay_ms = fall->delay_ms;
	}

	flags = (uint16_t)(F_QR | F_AA | (q->flags & F_RD) | F_RA);

	if (q->qclass != C_IN && q->qclass != C_ANY) {
		act = ACT_REFUSED;
	}
	if (q->qtype == T_AXFR || q->qtype == T_IXFR || q->qtype == T_OPT) {
		act = ACT_REFUSED;
	}
	switch (act) {
	case ACT_DROP:
		oc->what = "drop";
		oc->drop = 1;
		return 0;
	case ACT_MALFORM:
		oc->what = "malform";
		w.cap = MSG_MAX;
		return reply_malform(q, &w, variant);
	case ACT_TRUNCATE:
		if (!tcp) {
			tc = 1;
		}
		break;
	default:
		break;
	}

	if (act == ACT_OTHERNAME) {
		w_name(&w, other_name, other_name);
	} else {
		w_name(&w, q->qorig, q->qname);
	}
	w_u16(&w, q->qtype);
	w_u16(&w, q->qclass);
	if (w.full) {
		/* a 255-octet name cannot overflow 512; keep it safe anyway */
		oc->what = "formerr";
		return reply_bare(q, m, out, RC_FORMERR);
	}
	qend = w.len;

	if (act == ACT_SERVFAIL || act == ACT_REFUSED) {
		rcode = act == ACT_SERVFAIL ? RC_SERVFAIL : RC_REFUSED;
		flags &= (uint16_t)~F_AA;
		oc->what = act == ACT_SERVFAIL ? "servfail" : "refused";
		goto finish;
	}
	if (tc) {
		flags |= F_TC;
		oc->what = "truncate";
		goto finish;
	}
	if (act == ACT_NXDOMAIN) {
		rcode = RC_NXDOMAIN;
		cur = q->qname;
		oc->what = "nxdomain";
		goto negative;
	}

	/* RFC 1034 4.3.2: follow CNAMEs inside the zone */
	cur = q->qname;
	matched = 0;
	for (;;) {
		k = zone_find(z, cur);
		if (k < 0 || !z->nodes[k].exists) {
			rcode = RC_NXDOMAIN;
			break;
		}
		visited[nvisit++] = k;
		owner = (act == ACT_OTHERNAME && cur == q->qname) ?
		    other_name : z->arena + z->nodes[k].name_off;
		for (r = z->nodes[k].rec_head; r >= 0; r = z->recs[r].next) {
			const struct rec *rr = &z->recs[r];

			if (rr->type != q->qtype && q->qtype != T_ANY) {
				continue;
			}
			matched = 1;
			if (w_rr(&w, z, owner, rr) < 0) {
				goto toobig;
			}
			an++;
			if (rr->type == T_MX && nhosts < ADDL_HOSTS_MAX) {
				hosts[nhosts++] = r;
			}
		}
		if (matched) {
			break;
		}
		target = NULL;
		for (r = z->nodes[k].rec_head; r >= 0; r = z->recs[r].next) {
			if (z->recs[r].type == T_CNAME) {
				if (w_rr(&w, z, owner, &z->recs[r]) < 0) {
					goto toobig;
				}
				an++;
				target = z->arena + z->recs[r].rd_off;
				break;
			}
		}
		if (target == NULL) {
			break;
		}
		cur = target;
		k = zone_find(z, cur);
		for (i = 0; i < nvisit && k >= 0; i++) {
			if (visited[i] == k) {
				loop = 1;
			}
		}
		if (loop || nvisit == CHAIN_MAX) {
			loop = 1;
			break;
		}
	}
	if (loop) {
		oc->what = "cnameloop";
		goto finish;
	}
	if (matched) {
		oc->what = "answer";
		goto additional;
	}
	oc->what = rcode == RC_NXDOMAIN ? "nxdomain" : "nodata";

negative:
	/* RFC 2308 3: SOA in the authority section */
	soa = soa_find(z, cur, &soa_owner);
	if (soa >= 0) {
		/* RFC 2308 3: TTL is the smaller of the SOA TTL and MINIMUM */
		struct rec neg = z->recs[soa];
		const uint8_t *rd = z->arena + neg.rd_off;
		const uint8_t *mn = rd + wire_len(rd);
		uint32_t min;

		mn += wire_len(mn) + 16;
		min = ((uint32_t)mn[0] << 24) | ((uint32_t)mn[1] << 16) |
		    ((uint32_t)mn[2] << 8) | mn[3];
		if (min < neg.ttl) {
			neg.ttl = min;
		}
		if (w_rr(&w, z, soa_owner, &neg) == 0) {
			ns++;
		}
	}
	goto finish;

additional:
	/* MX targets' addresses, when they fit; no TC for these (RFC 2181 9) */
	for (i = 0; i < nhosts; i++) {
		const uint8_t *host = z->arena + z->recs[hosts[i]].rd_off + 2;
		const uint8_t *prev;
		int dup = 0;

		for (j = 0; j < i; j++) {
			prev = z->arena + z->recs[hosts[j]].rd_off + 2;
			if (wire_len(prev) == wire_len(host) &&
			    memcmp(host, prev, wire_len(host)) == 0) {
				dup = 1;
				break;
			}
		}
		k = host[0] == 0 || dup ? -1 : zone_find(z, host);
		if (k < 0) {
			continue;
		}
		for (r = z->nodes[k].rec_head; r >= 0; r = z->recs[r].next) {
			if (z->recs[r].type != T_A &&
			    z->recs[r].type != T_AAAA) {
				continue;
			}
			if (w_rr(&w, z, host, &z->recs[r]) < 0) {
				goto finish;
			}
			ar++;
		}
	}
	goto finish;

toobig:
	/* RFC 2181 9: the answer does not fit, say so with TC */
	w.len = qend;
	an = ns = ar = 0;
	flags |= F_TC;
	oc->what = "toobig";

finish:
	if (q->udp_size) {
		/* RFC 6891 6.1.1: OPT, owner root, class = our payload size */
		w.cap = limit + 11;
		w_bytes(&w, "\0\0\051", 3);
		w_u16(&w, EDNS_ADVERTISE);
		w_u32(&w, 0);
		w_u16(&w, 0);
		ar++;
	}
	w_header(&w, q->id, (uint16_t)(flags | rcode), 1, an, ns, ar);
	if (act == ACT_WRONGID) {
		put_u16(out, q->id ^ ((rng_next(rng) & 0xFFFF) | 1));
		oc->what = "wrongid";
	} else if (act == ACT_OTHERNAME) {
		oc->what = "othername";
	}
	return w.len;
}

/* -------------------------------------------------------------- server */

struct conn {
	int		 fd;
	uint32_t	 gen;
	int		 eof;
	int		 dead;
	unsigned	 npend;
	int64_t		 last_ms;
	struct sockaddr_storage peer;
	socklen_t	 plen;
	size_t		 inlen;
	uint8_t		*out;
	size_t		 outoff, outlen, outcap;
	uint8_t		 in[2 + MSG_MAX];
};

struct pend {
	int64_t		 due;
	uint64_t	 seq;
	int		 conn;		/* -1: UDP */
	uint32_t	 gen;
	struct sockaddr_storage peer;
	socklen_t	 plen;
	uint8_t		*buf;
	size_t		 len;
};

struct srv {
	struct zone	*zone;
	const char	*zone_path;
	int		 udp_fd;
	int		 tcp_fd;
	struct conn	*conns[TCP_CONN_MAX];
	uint32_t	 gen;
	struct pend	*heap;
	size_t		 nheap, heapcap;
	uint64_t	 seq;
	FILE		*log;
	int		 verbose;
	uint32_t	 rng;
	int64_t		 now;
};

static int sig_pipe[2] = { -1, -1 };

static void
on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int e = errno;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* pipe full: a signal of each kind is already queued */
	}
	errno = e;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		return -1;
	}
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void
fmt_peer(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, cap, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, cap, "%s:%u", a, ntohs(s4->sin_port));
	}
}

/* Lower-case text, no trailing dot, "." for the root; odd bytes as \DDD. */
static void
fmt_name(const uint8_t *n, char *buf, size_t cap)
{
	size_t i = 0, o = 0, l;
	uint8_t c;

	if (n[0] == 0) {
		snprintf(buf, cap, ".");
		return;
	}
	while (n[i] != 0 && o + 5 < cap) {
		if (i > 0) {
			buf[o++] = '.';
		}
		for (l = n[i++]; l > 0 && o + 5 < cap; l--) {
			c = n[i++];
			if (c > ' ' && c < 0x7f && c != '.' && c != '\\') {
				buf[o++] = (char)c;
			} else {
				o += (size_t)snprintf(buf + o, cap - o,
				    "\\%03u", c);
			}
		}
	}
	buf[o] = '\0';
}

static void
fmt_type(uint16_t t, char *buf, size_t cap)
{
	size_t i;

	for (i = 0; type_tab[i].name != NULL; i++) {
		if (type_tab[i].type == t) {
			snprintf(buf, cap, "%s", type_tab[i].name);
			return;
		}
	}
	snprintf(buf, cap, "TYPE%u", t);
}

static void
log_query(struct srv *s, const struct sockaddr_storage *peer,
    const struct query *q, const struct outcome *oc, int tcp)
{
	char pb[80], nb[4 * NAME_WIRE_MAX + 8], tb[16], line[1400];

	if (s->log == NULL && !s->verbose) {
		return;
	}
	fmt_peer(peer, pb, sizeof(pb));
	if (q->status == QS_OK) {
		fmt_name(q->qname, nb, sizeof(nb));
		fmt_type(q->qtype, tb, sizeof(tb));
	} else {
		snprintf(nb, sizeof(nb), "-");
		snprintf(tb, sizeof(tb), "-");
	}
	if (oc->delay_ms > 0 && !oc->drop) {
		snprintf(line, sizeof(line), "%lld %s %s %s delay%lu:%s %s\n",
		    (long long)s->now, pb, nb, tb, (unsigned long)oc->delay_ms,
		    oc->what, tcp ? "tcp" : "udp");
	} else {
		snprintf(line, sizeof(line), "%lld %s %s %s %s %s\n",
		    (long long)s->now, pb, nb, tb, oc->what,
		    tcp ? "tcp" : "udp");
	}
	if (s->log != NULL) {
		fputs(line, s->log);
		fflush(s->log);
	}
	if (s->verbose) {
		fputs(line, stderr);
	}
}

static void
conn_close(struct srv *s, int i)
{
	struct conn *c = s->conns[i];

	if (c == NULL) {
		return;
	}
	close(c->fd);
	free(c->out);
	free(c);
	s->conns[i] = NULL;
}

static void
conn_flush(struct conn *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				c->dead = 1;
			}
			return;
		}
		c->outoff += (size_t)n;
	}
	c->outoff = c->outlen = 0;
}

static void
conn_queue(struct conn *c, const uint8_t *msg, size_t len)
{
	uint8_t *no;

	if (c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	if (c->outlen + 2 + len > TCP_OUT_MAX) {
		c->dead = 1;	/* client does not read its answers */
		return;
	}
	no = grow(c->out, &c->outcap, c->outlen + 2 + len, 1);
	if (no == NULL) {
		c->dead = 1;
		return;
	}
	c->out = no;
	put_u16(c->out + c->outlen, (uint32_t)len);
	memcpy(c->out + c->outlen + 2, msg, len);
	c->outlen += 2 + len;
	conn_flush(c);
}

static void
send_reply(struct srv *s, int conn, uint32_t gen,
    const struct sockaddr_storage *peer, socklen_t plen,
    const uint8_t *msg, size_t len)
{
	struct conn *c;

	if (conn < 0) {
		/* UDP: a full socket buffer loses the answer, like a network */
		if (sendto(s->udp_fd, msg, len, 0, (const void *)peer,
		    plen) < 0 && s->verbose) {
			fprintf(stderr, "fakedns: sendto: %s\n",
			    strerror(errno));
		}
		return;
	}
	c = s->conns[conn];
	if (c == NULL || c->gen != gen || c->dead) {
		return;
	}
	conn_queue(c, msg, len);
}

static void
heap_swap(struct pend *a, struct pend *b)
{
	struct pend t = *a;

	*a = *b;
	*b = t;
}

static int
pend_less(const struct pend *a, const struct pend *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static int
pend_push(struct srv *s, int64_t due, int conn, uint32_t gen,
    const struct sockaddr_storage *peer, socklen_t plen,
    const uint8_t *msg, size_t len)
{
	struct pend *nh;
	size_t i;
	uint8_t *b;

	if (s->nheap == PEND_MAX) {
		return -1;
	}
	nh = grow(s->heap, &s->heapcap, s->nheap + 1, sizeof(*nh));
	if (nh == NULL) {
		return -1;
	}
	s->heap = nh;
	b = malloc(len);
	if (b == NULL) {
		return -1;
	}
	memcpy(b, msg, len);
	i = s->nheap++;
	s->heap[i].due = due;
	s->heap[i].seq = s->seq++;
	s->heap[i].conn = conn;
	s->heap[i].gen = gen;
	s->heap[i].peer = *peer;
	s->heap[i].plen = plen;
	s->heap[i].buf = b;
	s->heap[i].len = len;
	while (i > 0 && pend_less(&s->heap[i], &s->heap[(i - 1) / 2])) {
		heap_swap(&s->heap[i], &s->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	return 0;
}

static void
pend_pop(struct srv *s, struct pend *out)
{
	size_t i = 0, l, m;

	*out = s->heap[0];
	s->heap[0] = s->heap[--s->nheap];
	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < s->nheap && pend_less(&s->heap[l], &s->heap[m])) {
			m = l;
		}
		if (l + 1 < s->nheap && pend_less(&s->heap[l + 1],
		    &s->heap[m])) {
			m = l + 1;
		}
		if (m == i) {
			break;
		}
		heap_swap(&s->heap[i], &s->heap[m]);
		i = m;
	}
}

static void
handle_msg(struct srv *s, const uint8_t *m, size_t len, int conn,
    const struct sockaddr_storage *peer, socklen_t plen)
{
	static uint8_t out[MSG_MAX];
	struct outcome oc;
	struct query q;
	uint32_t gen = conn >= 0 ? s->conns[conn]->gen : 0;
	size_t n;

	query_parse(m, len, &q);
	n = respond(s->zone, &s->rng, &q, m, conn >= 0, out, &oc);
	if (n > 0 && oc.delay_ms > 0) {
		if (pend_push(s, s->now + oc.delay_ms, conn, gen, peer, plen,
		    out, n) < 0) {
			oc.what = "delayfull";
			oc.drop = 1;
		} else if (conn >= 0) {
			s->conns[conn]->npend++;
		}
		log_query(s, peer, &q, &oc, conn >= 0);
		return;
	}
	log_query(s, peer, &q, &oc, conn >= 0);
	if (n > 0) {
		send_reply(s, conn, gen, peer, plen, out, n);
	}
}

static void
fire_due(struct srv *s)
{
	struct pend p;
	struct conn *c;

	while (s->nheap > 0 && s->heap[0].due <= s->now) {
		pend_pop(s, &p);
		if (p.conn >= 0) {
			c = s->conns[p.conn];
			if (c != NULL && c->gen == p.gen && c->npend > 0) {
				c->npend--;
			}
		}
		send_reply(s, p.conn, p.gen, &p.peer, p.plen, p.buf, p.len);
		free(p.buf);
	}
}

static void
udp_read(struct srv *s)
{
	static uint8_t buf[MSG_MAX + 1];
	struct sockaddr_storage peer;
	socklen_t plen;
	ssize_t n;
	int i;

	for (i = 0; i < UDP_BATCH; i++) {
		plen = sizeof(peer);
		n = recvfrom(s->udp_fd, buf, sizeof(buf), 0, (void *)&peer,
		    &plen);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return;		/* EAGAIN, or an ICMP error */
		}
		handle_msg(s, buf, (size_t)n, -1, &peer, plen);
	}
}

static void
tcp_accept(struct srv *s)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	struct conn *c;
	int fd, i;

	fd = accept(s->tcp_fd, (void *)&peer, &plen);
	if (fd < 0) {
		return;
	}
	for (i = 0; i < TCP_CONN_MAX && s->conns[i] != NULL; i++) {
		continue;
	}
	if (i == TCP_CONN_MAX || set_nonblock(fd) < 0 ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->gen = ++s->gen;
	c->peer = peer;
	c->plen = plen;
	c->last_ms = s->now;
	s->conns[i] = c;
}

static void
tcp_read(struct srv *s, int i)
{
	struct conn *c = s->conns[i];
	size_t flen, used = 0;
	ssize_t n;

	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			c->dead = 1;
		}
		return;
	}
	if (n == 0) {
		c->eof = 1;
		return;
	}
	c->last_ms = s->now;
	c->inlen += (size_t)n;
	/* RFC 7766 8: two-octet length, then the message */
	while (c->inlen - used >= 2 && !c->dead) {
		flen = get_u16(c->in + used);
		if (c->inlen - used < 2 + flen) {
			break;
		}
		handle_msg(s, c->in + used + 2, flen, i, &c->peer, c->plen);
		used += 2 + flen;
	}
	memmove(c->in, c->in + used, c->inlen - used);
	c->inlen -= used;
}

static int
reload(struct srv *s)
{
	char err[512];
	struct zone *z = zone_load(s->zone_path, err, sizeof(err));

	if (z == NULL) {
		fprintf(stderr, "fakedns: reload failed, keeping old zone: "
		    "%s\n", err);
		return -1;
	}
	zone_free(s->zone);
	s->zone = z;
	if (s->verbose) {
		fprintf(stderr, "fakedns: reloaded %s: %lu records\n",
		    s->zone_path, (unsigned long)z->nrecs);
	}
	return 0;
}

static int
run(struct srv *s)
{
	struct pollfd pfd[3 + TCP_CONN_MAX];
	int idx[3 + TCP_CONN_MAX];
	unsigned char sb[64];
	int64_t wake;
	nfds_t n;
	ssize_t r;
	int i, timeout, quit = 0;
	struct conn *c;

	while (!quit) {
		s->now = now_ms();
		n = 0;
		pfd[n].fd = sig_pipe[0];
		pfd[n++].events = POLLIN;
		pfd[n].fd = s->udp_fd;
		pfd[n++].events = POLLIN;
		if (s->tcp_fd >= 0) {
			pfd[n].fd = s->tcp_fd;
			pfd[n++].events = POLLIN;
		}
		wake = s->nheap > 0 ? s->heap[0].due : -1;
		for (i = 0; i < TCP_CONN_MAX; i++) {
			if ((c = s->conns[i]) == NULL) {
				continue;
			}
			idx[n] = i;
			pfd[n].fd = c->fd;
			pfd[n].events = (short)((c->eof ? 0 : POLLIN) |
			    (c->outlen > c->outoff ? POLLOUT : 0));
			n++;
			if (wake < 0 || c->last_ms + TCP_IDLE_MS < wake) {
				wake = c->last_ms + TCP_IDLE_MS;
			}
		}
		timeout = -1;
		if (wake >= 0) {
			timeout = wake <= s->now ? 0 :
			    (wake - s->now > 60000 ? 60000 :
			    (int)(wake - s->now));
		}
		if (poll(pfd, n, timeout) < 0 && errno != EINTR) {
			fprintf(stderr, "fakedns: poll: %s\n", strerror(errno));
			return -1;
		}
		s->now = now_ms();
		if (pfd[0].revents & POLLIN) {
			while ((r = read(sig_pipe[0], sb, sizeof(sb))) > 0) {
				for (i = 0; i < r; i++) {
					if (sb[i] == SIGHUP) {
						reload(s);
					} else {
						quit = 1;
					}
				}
			}
		}
		if (pfd[1].revents & (POLLIN | POLLERR)) {
			udp_read(s);
		}
		if (s->tcp_fd >= 0 && (pfd[2].revents & POLLIN)) {
			tcp_accept(s);
		}
		for (i = s->tcp_fd >= 0 ? 3 : 2; i < (int)n; i++) {
			c = s->conns[idx[i]];
			if (c == NULL || pfd[i].fd != c->fd) {
				continue;
			}
			if (pfd[i].revents & POLLOUT) {
				conn_flush(c);
			}
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				tcp_read(s, idx[i]);
			}
		}
		fire_due(s);
		for (i = 0; i < TCP_CONN_MAX; i++) {
			if ((c = s->conns[i]) == NULL) {
				continue;
			}
			if (c->dead || c->last_ms + TCP_IDLE_MS <= s->now ||
			    (c->eof && c->outlen == c->outoff &&
			    c->npend == 0)) {
				conn_close(s, i);
			}
		}
	}
	return 0;
}

/*
 * Bind UDP and TCP on the same loopback port; TCP is best effort.
 * Returns 0, -1 for a system error, -2 for an address we refuse.
 */
static int
bind_sockets(struct srv *s, const char *addr, unsigned port,
    unsigned *bound)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	socklen_t sl;
	int fam, one = 1, attempt, buf = 1 << 20;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		if ((ntohl(s4->sin_addr.s_addr) >> 24) != 127) {
			fprintf(stderr, "fakedns: %s is not a loopback "
			    "address (127.0.0.0/8 or ::1)\n", addr);
			return -2;
		}
		fam = AF_INET;
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr)) {
			fprintf(stderr, "fakedns: %s is not a loopback "
			    "address (127.0.0.0/8 or ::1)\n", addr);
			return -2;
		}
		fam = AF_INET6;
		sl = sizeof(*s6);
	} else {
		fprintf(stderr, "fakedns: bad address: %s\n", addr);
		return -2;
	}
	ss.ss_family = (sa_family_t)fam;

	for (attempt = 0; attempt < 20; attempt++) {
		if (fam == AF_INET) {
			s4->sin_port = htons((uint16_t)port);
		} else {
			s6->sin6_port = htons((uint16_t)port);
		}
		s->udp_fd = socket(fam, SOCK_DGRAM, 0);
		if (s->udp_fd < 0 || set_nonblock(s->udp_fd) < 0) {
			fprintf(stderr, "fakedns: socket: %s\n",
			    strerror(errno));
			return -1;
		}
		if (fam == AF_INET6) {
			setsockopt(s->udp_fd, IPPROTO_IPV6, IPV6_V6ONLY,
			    &one, sizeof(one));
		}
		setsockopt(s->udp_fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		setsockopt(s->udp_fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
		if (bind(s->udp_fd, (void *)&ss, sl) < 0) {
			fprintf(stderr, "fakedns: bind udp %s port %u: %s\n",
			    addr, port, strerror(errno));
			return -1;
		}
		if (getsockname(s->udp_fd, (void *)&ss, &sl) < 0) {
			return -1;
		}
		*bound = ntohs(fam == AF_INET ? s4->sin_port : s6->sin6_port);

		s->tcp_fd = socket(fam, SOCK_STREAM, 0);
		if (s->tcp_fd >= 0 && set_nonblock(s->tcp_fd) == 0) {
			setsockopt(s->tcp_fd, SOL_SOCKET, SO_REUSEADDR, &one,
			    sizeof(one));
			if (fam == AF_INET6) {
				setsockopt(s->tcp_fd, IPPROTO_IPV6,
				    IPV6_V6ONLY, &one, sizeof(one));
			}
			if (bind(s->tcp_fd, (void *)&ss, sl) == 0 &&
			    listen(s->tcp_fd, 64) == 0) {
				return 0;
			}
		}
		if (s->tcp_fd >= 0) {
			close(s->tcp_fd);
			s->tcp_fd = -1;
		}
		if (port != 0) {
			break;
		}
		close(s->udp_fd);	/* port 0: try another free port */
		s->udp_fd = -1;
	}
	if (s->udp_fd < 0) {
		fprintf(stderr, "fakedns: no port free for both UDP and "
		    "TCP\n");
		return -1;
	}
	fprintf(stderr, "fakedns: warning: TCP port %u busy, UDP only\n",
	    *bound);
	return 0;
}

static int
write_ready(const char *path, unsigned port)
{
	char tmp[4096];
	FILE *fp;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path,
	    (long)getpid()) >= sizeof(tmp)) {
		fprintf(stderr, "fakedns: ready file name too long\n");
		return -1;
	}
	fp = fopen(tmp, "w");
	if (fp == NULL) {
		fprintf(stderr, "fakedns: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	fprintf(fp, "%u\n", port);
	if (fclose(fp) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "fakedns: %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: fakedns -z ZONEFILE [-a ADDR] [-p PORT] "
	    "[-r READYFILE] [-l QUERYLOG] [-s SEED] [-v]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	static struct srv s;
	const char *addr = "127.0.0.1", *ready = NULL, *logpath = NULL;
	char err[512];
	struct sigaction sa;
	uint32_t port = 0, seed = 1;
	unsigned bound = 0;
	int ch, i, rc;

	s.udp_fd = s.tcp_fd = -1;
	while ((ch = getopt(argc, argv, "z:a:p:r:l:s:vh")) != -1) {
		switch (ch) {
		case 'z':
			s.zone_path = optarg;
			break;
		case 'a':
			addr = optarg;
			break;
		case 'p':
			if (parse_u32(optarg, 65535, &port) < 0) {
				usage();
			}
			break;
		case 'r':
			ready = optarg;
			break;
		case 'l':
			logpath = optarg;
			break;
		case 's':
			if (parse_u32(optarg, UINT32_MAX, &seed) < 0) {
				usage();
			}
			break;
		case 'v':
			s.verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (s.zone_path == NULL || optind != argc) {
		usage();
	}
	s.rng = seed ? seed : 0x9E3779B9u;

	s.zone = zone_load(s.zone_path, err, sizeof(err));
	if (s.zone == NULL) {
		fprintf(stderr, "fakedns: %s\n", err);
		return 65;
	}
	if (logpath != NULL) {
		s.log = fopen(logpath, "a");
		if (s.log == NULL) {
			fprintf(stderr, "fakedns: %s: %s\n", logpath,
			    strerror(errno));
			return 70;
		}
		setvbuf(s.log, NULL, _IOLBF, 0);
	}
	if (pipe(sig_pipe) < 0 || set_nonblock(sig_pipe[0]) < 0 ||
	    set_nonblock(sig_pipe[1]) < 0) {
		fprintf(stderr, "fakedns: pipe: %s\n", strerror(errno));
		return 70;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	rc = bind_sockets(&s, addr, port, &bound);
	if (rc < 0) {
		return rc == -2 ? 64 : 70;
	}
	if (s.verbose) {
		fprintf(stderr, "fakedns: %s port %u (%s), %lu records\n",
		    addr, bound, s.tcp_fd >= 0 ? "udp+tcp" : "udp",
		    (unsigned long)s.zone->nrecs);
	}
	if (ready != NULL && write_ready(ready, bound) < 0) {
		return 70;
	}
	rc = run(&s);

	for (i = 0; i < TCP_CONN_MAX; i++) {
		conn_close(&s, i);
	}
	while (s.nheap > 0) {
		free(s.heap[--s.nheap].buf);
	}
	free(s.heap);
	close(s.udp_fd);
	if (s.tcp_fd >= 0) {
		close(s.tcp_fd);
	}
	if (ready != NULL) {
		unlink(ready);
	}
	if (s.log != NULL) {
		fclose(s.log);
	}
	zone_free(s.zone);
	return rc < 0 ? 70 : 0;
}
