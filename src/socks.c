/*
 * socks.c - SOCKS 5 messages; see socks.h.
 *
 * RFC 1928 3 (method selection), 4 (requests), 5 (addressing), 6
 * (replies); RFC 1929 2 (username/password).  Pure: bytes in, structs
 * out, caller memory only.  Every length read from the wire is checked
 * against what has arrived before it is used.
 */
#include <string.h>

#include "socks.h"
#include "verdict.h"

/* see socks.h */
int
socks_url_parse(const char *s, size_t n, struct socks_url *u,
    const char **why)
{
	const char	*p = s, *end = s + n, *at, *hend, *colon;
	size_t		 i, hl;
	unsigned	 port = 0;

	memset(u, 0, sizeof(*u));
	u->port = SOCKS_PORT;
	if (n >= 9 && memcmp(p, "socks5://", 9) == 0) {
		p += 9;
	} else if (n >= 10 && memcmp(p, "socks5h://", 10) == 0) {
		p += 10;
	} else {
		*why = "want socks5://[USER:PASS@]HOST[:PORT]";
		return -1;
	}
	for (i = 0; i < n; i++) {
		/* a control byte or a space would end up in messages */
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f) {
			*why = "control character or space in the proxy URL";
			return -1;
		}
	}
	at = NULL;
	for (i = 0; p + i < end; i++) {
		if (p[i] == '@') {
			at = p + i;	/* the last one: a password may hold '@' */
		}
	}
	if (at != NULL) {
		const char	*c = memchr(p, ':', (size_t)(at - p));
		const char	*q;
		char		*dst;
		uint8_t		*len;
		int		 field;

		if (c == NULL) {
			*why = "credentials must be USER:PASS";
			return -1;
		}
		for (field = 0; field < 2; field++) {
			const char *b = field == 0 ? p : c + 1;
			const char *e = field == 0 ? c : at;

			dst = field == 0 ? u->user : u->pass;
			len = field == 0 ? &u->ulen : &u->plen;
			for (q = b, i = 0; q < e; q++) {
				unsigned char ch = (unsigned char)*q;

				if (ch == '%') {
					unsigned hi, lo;

					if (e - q < 3) {
						*why = "bad percent-escape in the "
						    "credentials";
						return -1;
					}
					hi = (unsigned char)q[1];
					lo = (unsigned char)q[2];
					hi = hi >= '0' && hi <= '9' ? hi - '0' :
					    (hi | 0x20) >= 'a' && (hi | 0x20) <=
					    'f' ? (hi | 0x20) - 'a' + 10 : 16;
					lo = lo >= '0' && lo <= '9' ? lo - '0' :
					    (lo | 0x20) >= 'a' && (lo | 0x20) <=
					    'f' ? (lo | 0x20) - 'a' + 10 : 16;
					if (hi > 15 || lo > 15) {
						*why = "bad percent-escape in the "
						    "credentials";
						return -1;
					}
					ch = (unsigned char)(hi * 16 + lo);
					q += 2;
				}
				if (i == SOCKS_CRED_MAX) {
					*why = "user name or password over 255 "
					    "octets";
					return -1;
				}
				dst[i++] = (char)ch;
			}
			if (i == 0) {
				*why = "empty user name or password";
				return -1;
			}
			*len = (uint8_t)i;
		}
		u->auth = 1;
		p = at + 1;
	}
	if (p < end && *p == '[') {
		hend = memchr(p, ']', (size_t)(end - p));
		if (hend == NULL) {
			*why = "unclosed [ in the proxy host";
			return -1;
		}
		hl = (size_t)(hend - p - 1);
		memcpy(u->host, p + 1, hl < SOCKS_HOST_MAX ? hl : 0);
		colon = hend + 1 < end ? hend + 1 : NULL;
		if (colon != NULL && *colon != ':') {
			*why = "want [IPV6]:PORT";
			return -1;
		}
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		hend = colon != NULL ? colon : end;
		hl = (size_t)(hend - p);
		if (memchr(p, '/', hl) != NULL) {
			*why = "no path after the proxy host";
			return -1;
		}
		if (hl < SOCKS_HOST_MAX) {
			memcpy(u->host, p, hl);
		}
	}
	if (hl == 0 || hl >= SOCKS_HOST_MAX) {
		*why = "no proxy host, or a host over 254 octets";
		return -1;
	}
	if (colon != NULL) {
		const char *q;

		if (colon + 1 == end || end - colon > 6) {
			*why = "bad proxy port";
			return -1;
		}
		for (q = colon + 1; q < end; q++) {
			if (*q < '0' || *q > '9') {
				*why = "bad proxy port";
				return -1;
			}
			port = port * 10 + (unsigned)(*q - '0');
		}
		if (port == 0 || port > 65535) {
			*why = "proxy port out of 1..65535";
			return -1;
		}
		u->port = (uint16_t)port;
	}
	return 0;
}

/* see socks.h */
size_t
socks_hello(uint8_t *out, size_t cap, int auth)
{
	size_t	 n = auth ? 4 : 3;

	if (cap < n) {
		return 0;
	}
	out[0] = 5;
	out[1] = (uint8_t)(n - 2);
	out[2] = SOCKS_M_NONE;
	if (auth) {
		out[3] = SOCKS_M_USERPASS;
	}
	return n;
}

/* see socks.h */
enum socks_rc
socks_hello_reply(const uint8_t *p, size_t n, int auth, size_t *need,
    uint8_t *method)
{
	*need = 2;
	if (n >= 1 && p[0] != 5) {
		return SOCKS_E_VERSION;
	}
	if (n < 2) {
		return SOCKS_MORE;
	}
	*method = p[1];
	if (p[1] == SOCKS_M_NONE || p[1] == SOCKS_M_REFUSED ||
	    (p[1] == SOCKS_M_USERPASS && auth)) {
		return SOCKS_OK;
	}
	return SOCKS_E_METHOD;
}

/* see socks.h */
size_t
socks_auth(uint8_t *out, size_t cap, const struct socks_url *u)
{
	size_t	 n = 3 + (size_t)u->ulen + u->plen;

	if (!u->auth || u->ulen == 0 || u->plen == 0 || cap < n) {
		return 0;
	}
	out[0] = 1;
	out[1] = u->ulen;
	memcpy(out + 2, u->user, u->ulen);
	out[2 + u->ulen] = u->plen;
	memcpy(out + 3 + u->ulen, u->pass, u->plen);
	return n;
}

/* see socks.h */
enum socks_rc
socks_auth_reply(const uint8_t *p, size_t n, size_t *need, uint8_t *status)
{
	*need = 2;
	if (n >= 1 && p[0] != 1 && p[0] != 5) {
		return SOCKS_E_VERSION;
	}
	if (n < 2) {
		return SOCKS_MORE;
	}
	*status = p[1];
	return SOCKS_OK;
}

/* see socks.h */
size_t
socks_connect(uint8_t *out, size_t cap, int family, const uint8_t *a,
    uint16_t port)
{
	size_t	 al = family == 4 ? 4 : 16;

	if ((family != 4 && family != 6) || cap < 6 + al) {
		return 0;
	}
	out[0] = 5;
	out[1] = 1;		/* CONNECT */
	out[2] = 0;
	out[3] = family == 4 ? 1 : 4;
	memcpy(out + 4, a, al);
	out[4 + al] = (uint8_t)(port >> 8);
	out[5 + al] = (uint8_t)port;
	return 6 + al;
}

/* see socks.h */
enum socks_rc
socks_connect_reply(const uint8_t *p, size_t n, size_t *need, uint8_t *rep,
    struct socks_bound *b)
{
	size_t	 al;

	*need = 5;	/* up to the name length octet of ATYP 3 */
	if (n >= 1 && p[0] != 5) {
		return SOCKS_E_VERSION;
	}
	if (n < 4) {
		return SOCKS_MORE;
	}
	switch (p[3]) {
	case 1:
		al = 4;
		break;
	case 4:
		al = 16;
		break;
	case 3:
		if (n < 5) {
			return SOCKS_MORE;
		}
		al = 1 + (size_t)p[4];
		break;
	default:
		return SOCKS_E_ATYP;
	}
	*need = 4 + al + 2;
	if (n < *need) {
		return SOCKS_MORE;
	}
	*rep = p[1];
	memset(b, 0, sizeof(*b));
	if (p[3] != 3) {
		b->family = p[3] == 1 ? 4 : 6;
		memcpy(b->a, p + 4, al);
	}
	b->port = (uint16_t)(p[4 + al] << 8 | p[5 + al]);
	return SOCKS_OK;
}

/* see socks.h */
const char *
socks_rc_text(enum socks_rc rc)
{
	static const char *const text[SOCKS__COUNT] = {
		[SOCKS_OK]		= "ok",
		[SOCKS_MORE]		= "truncated reply",
		[SOCKS_E_VERSION]	= "bad version byte",
		[SOCKS_E_METHOD]	= "chose a method we did not offer",
		[SOCKS_E_ATYP]		= "bad address type in the reply",
	};

	return (unsigned)rc < SOCKS__COUNT ? text[rc] : "bad reply";
}

/*
 * RFC 1928 6, one row per reply code.  Refusals about the destination
 * are connect_failed, as if mxprobe had connected itself; the rest says
 * nothing about the mail host and is proxy_failed (unknown either way).
 */
static const struct {
	uint8_t		 reason;
	uint8_t		 scope;
	const char	*text;
} reps[] = {
	[0] = { R_NONE, SOCKS_S_DEST, "succeeded" },
	[1] = { R_PROXY_FAILED, SOCKS_S_DEST, "general SOCKS server failure" },
	[2] = { R_PROXY_FAILED, SOCKS_S_DEST, "connection not allowed by "
	    "ruleset" },
	[3] = { R_CONNECT_FAILED, SOCKS_S_DEST, "network unreachable" },
	[4] = { R_CONNECT_FAILED, SOCKS_S_DEST, "host unreachable" },
	[5] = { R_CONNECT_FAILED, SOCKS_S_DEST, "connection refused by "
	    "destination" },
	[6] = { R_PROXY_FAILED, SOCKS_S_DEST, "TTL expired" },
	[7] = { R_PROXY_FAILED, SOCKS_S_PROXY, "command not supported" },
	[8] = { R_PROXY_FAILED, SOCKS_S_DEST, "address type not supported" },
};

/* see socks.h */
const char *
socks_rep_info(uint8_t rep, int *reason, enum socks_scope *scope)
{
	if (rep >= sizeof(reps) / sizeof(reps[0])) {
		*reason = R_PROXY_FAILED;
		*scope = SOCKS_S_DEST;
		return "unassigned reply code";
	}
	*reason = reps[rep].reason;
	*scope = (enum socks_scope)reps[rep].scope;
	return reps[rep].text;
}
