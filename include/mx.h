/*
 * mx.h - mail routing for a domain (RFC 5321 5.1) through udns, on the
 * shared loop.
 *
 * mx_resolve() starts the resolution of one domain into a caller-owned
 * struct mx_res and calls back once when it is complete: the MX records
 * sorted by preference (equal preferences in random order), or the
 * implicit MX (the domain's own A/AAAA) when there is no MX, and the
 * addresses of each host.  The outcome is a reason (verdict.h): R_NONE
 * when there is at least one address to connect to, else R_NO_DOMAIN,
 * R_NULL_MX, R_NO_MAIL_HOST, R_MX_UNRESOLVABLE, R_PRIVATE_MX,
 * R_DNS_ERROR or R_DNS_TIMEOUT.
 *
 * At most --dns-inflight domains resolve at once; more wait in a FIFO
 * inside this module, which holds a pointer to the caller's struct (and
 * to its domain string) until the callback or mx_cancel().  udns
 * allocates one query per submit and one answer per reply; answers are
 * copied into the mx_res and freed in the callback.
 */
#ifndef MXP_MX_H
#define MXP_MX_H

#include <stdint.h>

#include "config.h"
#include "util.h"

#define MX_HOSTS_MAX	8	/* MX hosts kept, best preference first */
#define MX_ADDRS_MAX	16	/* addresses kept over all hosts */
#define MX_NAMES_MAX	384	/* bytes of host names kept */

/* flags of a result */
#define MX_F_IMPLICIT	0x01	/* no MX: the domain's own address */
#define MX_F_PRIVATE	0x02	/* some address was private/loopback */
#define MX_F_LITERAL	0x04	/* some MX was an IP literal (RFC 5321 5.1) */
#define MX_F_CUT	0x08	/* more hosts or addresses than kept */
#define MX_F_NOADDR	0x10	/* some MX host had no address */
#define MX_F_ADDR_LIT	0x20	/* the domain is an address literal */

/* flags of an address */
#define MXA_PRIVATE	0x01

/* flags of a host (mxprobe audit reports them) */
#define MXH_CNAME	0x01	/* the name is an alias (RFC 2181 10.3) */
#define MXH_PRIVATE	0x02	/* some address private/loopback */
#define MXH_LITERAL	0x04	/* the "name" is an IP literal */

struct mx_addr {
	uint8_t		 family;	/* 4 or 6 */
	uint8_t		 host;		/* index into host[] */
	uint8_t		 flags;		/* MXA_* */
	uint8_t		 a[16];		/* network order */
};

struct mx_host {
	uint16_t	 pref;
	uint16_t	 name_off;	/* into names[] */
	uint8_t		 name_len;
	uint8_t		 naddr;
	uint8_t		 flags;		/* MXH_* */
};

struct mx_job;

struct mx_res {
	/* the outcome, filled before the callback */
	uint8_t		 reason;	/* enum reason; R_NONE: usable */
	uint8_t		 flags;		/* MX_F_* */
	uint8_t		 nhost;
	uint8_t		 naddr;		/* usable (after the private check) */
	uint32_t	 ttl_s;		/* for caching, clamped */
	struct mx_host	 host[MX_HOSTS_MAX];
	/* usable addresses in connection order: host order, IPv4 first */
	struct mx_addr	 addr[MX_ADDRS_MAX];
	char		 names[MX_NAMES_MAX];

	/* private to mx.c while resolving */
	const char	*domain;
	void		(*cb)(void *arg, struct mx_res *res);
	void		*arg;
	struct mx_res	*next;		/* waiting FIFO */
	struct mx_job	*job;
	int		 queued;
};

typedef void mx_done_fn(void *arg, struct mx_res *res);

/*
 * Set up udns from cfg (--dns servers or /etc/resolv.conf, timeouts,
 * tries, -4/-6) and register its socket with the loop.  0, or -1 with a
 * message in err.
 */
int	mx_init(const struct config *cfg, char *err, size_t errcap);

/* start resolving domain (lower-case A-label, no trailing dot) */
void	mx_resolve(struct mx_res *res, const char *domain, mx_done_fn *cb,
	    void *arg);

/* an address literal domain: fill res at once, no DNS (no callback) */
void	mx_literal(struct mx_res *res, int family, const uint8_t *a);

/*
 * serve --backend: every domain's mail host is this one.  init resolves
 * host (an address, or a name, once, blocking) after mx_init(); then
 * mx_backend() fills res with it and returns 1 (0 without a backend).
 */
int	mx_backend_init(const char *host, char *err, size_t errcap);
int	mx_backend(struct mx_res *res);

/* forget a resolution in progress; no callback will come */
void	mx_cancel(struct mx_res *res);

/* the host name of an address, NUL-terminated into out */
void	mx_host_name(const struct mx_res *res, unsigned host, char *out,
	    size_t cap);

/* address as text into out (INET6_ADDRSTRLEN) */
void	mx_addr_text(const struct mx_addr *a, char *out, size_t cap);

/*
 * The compact list used in results: "PREF HOST ADDR ADDR;PREF HOST..."
 * (hosts with no usable address show none).  Bounded; cut at a host.
 */
void	mx_list_text(const struct mx_res *res, struct buf *b);

/*
 * Not a public unicast address (loopback, private, link-local, CGN,
 * ULA, documentation, benchmarking, multicast, ...)?  For IPv6 with an
 * embedded IPv4 address (mapped, NAT64 64:ff9b::/96, 6to4) the IPv4
 * address decides; other translation prefixes are private outright.
 */
int	mx_addr_private(int family, const uint8_t *a);

/*
 * serve: open a new resolver socket (new source port) when the current
 * one has sent enough queries or is old enough and none is in flight;
 * called before each query.  Nothing in the other modes.
 */
void	mx_dns_refresh(void);

/* queries sent since start (for tests and benchmarks) */
uint64_t mx_queries(void);

/*
 * Other lookups on the same resolver (mxprobe audit: TXT, PTR, A):
 * mx_dns() is the udns context; after each dns_submit_*() that did not
 * return NULL, call mx_dns_sent() (counts it, arms the resolver timer).
 */
struct dns_ctx;
struct dns_ctx *mx_dns(void);
void	mx_dns_sent(void);

#endif
