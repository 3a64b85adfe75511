/*
 * proxy.h - the SOCKS 5 proxies of --proxy / --proxy-file: where they
 * are, which one a domain uses, and which are backed off.
 *
 * Each domain is pinned to one proxy by a stable hash of its name
 * (FNV-1a, as --shard), so a greylisting server sees the same client
 * address when mxprobe asks again.  A proxy that refuses connections,
 * times out or answers garbage is backed off as a whole for
 * PROXY_BACKOFF_MS; meanwhile its domains use the next proxy in the
 * list (in the order given) that is not backed off.
 */
#ifndef MXP_PROXY_H
#define MXP_PROXY_H

#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "socks.h"

#define PROXY_MAX	32	/* proxies (--proxy and --proxy-file) */
#define PROXY_LINE_MAX	1024	/* a --proxy-file line */
#define PROXY_FILE_MAX	65536	/* a --proxy-file */
/* how long a failed proxy is left alone before it is tried again */
#define PROXY_BACKOFF_MS 30000

/*
 * Read cfg's --proxy URLs and --proxy-file, resolve each host (an
 * address, or a name once, blocking, through mx.h's resolver: start-up
 * only, after mx_init()).  A bad URL, file
 * or line is a usage error (exit 64) naming FILE:LINE.  Call once.
 */
void	proxy_init(const struct config *cfg);

/* proxies configured (0: connect directly) */
unsigned proxy_count(void);

/*
 * The proxy for domain now: its pinned one if not backed off, else the
 * next one that is not; -1 when every proxy is backed off.  *pinned is
 * the domain's own proxy, whatever its state.
 */
int	proxy_pick(const char *domain, int64_t now, int *pinned);

/* proxy i's URL (credentials included: never print them) */
const struct socks_url *proxy_url(int i);

/* "HOST:PORT" of proxy i, without credentials, for details and logs */
const char *proxy_name(int i);

/* the address to connect to for proxy i */
void	proxy_addr(int i, struct sockaddr_storage *ss, socklen_t *len);

/* back proxy i off until now + PROXY_BACKOFF_MS */
void	proxy_back_off(int i, int64_t now);

#endif
