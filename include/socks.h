/*
 * socks.h - SOCKS version 5 messages (RFC 1928) and username/password
 * authentication (RFC 1929): pure builders and parsers, no I/O, so they
 * can be fuzzed (tests/fuzz/fuzz_socks.c) and the session machine
 * (sess.c) drives the handshake on its own poll loop.
 *
 * mxprobe only ever asks a proxy to CONNECT to an address it resolved
 * itself (ATYP 1 or 4, never a name): DNS, its cache and the private
 * address filter stay mxprobe's.
 *
 * Conventions: builders write into caller memory and return the length
 * written, 0 when it does not fit or a field is out of range.  Parsers
 * take the bytes received so far and return SOCKS_OK (a whole message,
 * *need is its length), SOCKS_MORE (*need is the total length needed to
 * go on; read exactly that much more, so no byte of the tunnel that
 * follows is ever consumed here) or an error token.
 */
#ifndef MXP_SOCKS_H
#define MXP_SOCKS_H

#include <stddef.h>
#include <stdint.h>

#define SOCKS_PORT	1080	/* RFC 1928 3: the default port */
#define SOCKS_CRED_MAX	255	/* RFC 1929 2: one length octet each */
#define SOCKS_HOST_MAX	255
/* the longest message we build: RFC 1929 request, 1+1+255+1+255 */
#define SOCKS_REQ_MAX	513
/* the longest reply we read: VER REP RSV ATYP, name of 255, port */
#define SOCKS_REPLY_MAX	262

/* RFC 1928 3 METHOD values */
#define SOCKS_M_NONE	0x00
#define SOCKS_M_USERPASS 0x02
#define SOCKS_M_REFUSED	0xff	/* no acceptable methods */

enum socks_rc {
	SOCKS_OK = 0,
	SOCKS_MORE,
	SOCKS_E_VERSION,	/* VER is not 5 (1 for RFC 1929) */
	SOCKS_E_METHOD,		/* a method we did not offer */
	SOCKS_E_ATYP,		/* bound address of an unknown type */
	SOCKS__COUNT
};

/* a proxy as given by --proxy socks5://[USER:PASS@]HOST[:PORT] */
struct socks_url {
	char		 host[SOCKS_HOST_MAX + 1];	/* no brackets */
	uint16_t	 port;
	uint8_t		 auth;		/* USER:PASS given */
	uint8_t		 ulen, plen;
	char		 user[SOCKS_CRED_MAX + 1];
	char		 pass[SOCKS_CRED_MAX + 1];
};

/*
 * Parse s[0..n): "socks5://" (also "socks5h://", which mxprobe treats
 * the same: it never sends names), optional USER:PASS@ (percent-escapes
 * %XX decoded, each 1..255 octets), HOST (a name, an IPv4 address or an
 * IPv6 address in brackets), optional :PORT (1..65535, default 1080).
 * 0, or -1 with *why set to a constant text.
 */
int	socks_url_parse(const char *s, size_t n, struct socks_url *u,
	    const char **why);

/* RFC 1928 3: the greeting; offers user/password only when auth */
size_t	socks_hello(uint8_t *out, size_t cap, int auth);

/*
 * The method selection reply (VER METHOD).  *method is the method the
 * proxy chose, SOCKS_M_REFUSED included (the caller says what it means);
 * a method not offered (user/password without auth) is SOCKS_E_METHOD.
 */
enum socks_rc socks_hello_reply(const uint8_t *p, size_t n, int auth,
	    size_t *need, uint8_t *method);

/* RFC 1929 2: the username/password request */
size_t	socks_auth(uint8_t *out, size_t cap, const struct socks_url *u);

/*
 * The username/password reply (VER STATUS); *status 0 is success.  VER
 * 1 is the RFC's; 5 is accepted as well (some proxies echo the SOCKS
 * version there).
 */
enum socks_rc socks_auth_reply(const uint8_t *p, size_t n, size_t *need,
	    uint8_t *status);

/* RFC 1928 4: CONNECT to family 4 (4 bytes) or 6 (16 bytes), port */
size_t	socks_connect(uint8_t *out, size_t cap, int family,
	    const uint8_t *a, uint16_t port);

/* what the proxy says it connected from (RFC 1928 6 BND.ADDR) */
struct socks_bound {
	uint8_t		 family;	/* 4, 6, or 0 (a name, not kept) */
	uint8_t		 a[16];
	uint16_t	 port;
};

/*
 * The CONNECT reply (VER REP RSV ATYP BND.ADDR BND.PORT).  *rep is the
 * reply code (0 succeeded; the caller maps the others with
 * socks_rep_info()).  RSV is not checked (RFC 1928 says "reserved").
 */
enum socks_rc socks_connect_reply(const uint8_t *p, size_t n, size_t *need,
	    uint8_t *rep, struct socks_bound *b);

/* a short text for an error token ("bad version byte", ...) */
const char *socks_rc_text(enum socks_rc rc);

/* who a failed CONNECT reply is about */
enum socks_scope {
	SOCKS_S_DEST,		/* this destination: try the next address */
	SOCKS_S_PROXY		/* the proxy as a whole: back it off */
};

/*
 * What reply code rep means: *reason (enum reason of verdict.h:
 * R_CONNECT_FAILED or R_PROXY_FAILED), *scope, and a text ("connection
 * refused by destination"); unassigned codes (0x09..0xff) are
 * R_PROXY_FAILED "unassigned reply code".  rep 0 is not a failure and
 * gives R_NONE.
 */
const char *socks_rep_info(uint8_t rep, int *reason, enum socks_scope *scope);

#endif
