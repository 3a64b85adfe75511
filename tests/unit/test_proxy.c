/*
 * test_proxy.c - the proxy table (proxy.c): a domain's proxy is the
 * --shard hash modulo the count, stable; a backed-off proxy hands its
 * domains to the next one in the list until its back-off ends; with all
 * backed off there is none; names for details carry no credentials.
 */
#include <string.h>

#include "config.h"
#include "proxy.h"
#include "result.h"
#include "t.h"

void	test_proxy(void);

void
test_proxy(void)
{
	static const char *const doms[] = { "example.com", "example.org",
	    "gmail.com", "a.test", "b.test", "c.test", "d.test", NULL };
	struct config		 c;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 i, p, pin, p2;
	int64_t			 now = 1000000;

	memset(&c, 0, sizeof(c));
	c.proxy[0] = "socks5://u:secret@192.0.2.1:1080";
	c.proxy[1] = "socks5://[2001:db8::1]";
	c.proxy[2] = "socks5h://198.51.100.7:9050";
	c.nproxy = 3;
	proxy_init(&c);
	T_INTEQ(proxy_count(), 3);
	T_STREQ(proxy_name(0), "192.0.2.1:1080");
	T_STREQ(proxy_name(1), "[2001:db8::1]:1080");
	T_STREQ(proxy_name(2), "198.51.100.7:9050");
	T_INTEQ(proxy_url(0)->auth, 1);
	proxy_addr(1, &ss, &sl);
	T_INTEQ(ss.ss_family, AF_INET6);
	for (i = 0; doms[i] != NULL; i++) {
		p = proxy_pick(doms[i], now, &pin);
		T_INTEQ(p, pin);
		T_INTEQ(p, (int)(res_fnv1a(doms[i], strlen(doms[i]), 0) % 3));
		T_INTEQ(proxy_pick(doms[i], now + 5, &pin), p);
	}
	/* back off a domain's proxy: the next one, until the back-off ends */
	p = proxy_pick("example.com", now, &pin);
	proxy_back_off(p, now);
	p2 = proxy_pick("example.com", now + 1, &pin);
	T_INTEQ(pin, p);
	T_INTEQ(p2, (p + 1) % 3);
	T_INTEQ(proxy_pick("example.com", now + PROXY_BACKOFF_MS, &pin), p);
	/* every proxy backed off: none */
	for (i = 0; i < 3; i++) {
		proxy_back_off(i, now);
	}
	T_INTEQ(proxy_pick("example.org", now + 1, &pin), -1);
	T_CHECK(pin >= 0 && pin < 3);
	T_CHECK(proxy_pick("example.org", now + PROXY_BACKOFF_MS, &pin) >= 0);
	/* leave the table empty for the other tests */
	c.nproxy = 0;
	proxy_init(&c);
	T_INTEQ(proxy_count(), 0);
	T_INTEQ(proxy_pick("example.com", now, &pin), -1);
}
