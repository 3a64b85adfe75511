/*
 * addr.c - RFC 5321 Mailbox syntax for the SMTP envelope (see addr.h).
 *
 * Implements RFC 5321 4.1.2 (Mailbox, Local-part, Dot-string,
 * Quoted-string, Domain), 4.1.3 (address literals), 4.5.3.1 (size
 * limits), RFC 5322 3.2.3 (atext), RFC 6531 3.3 (UTF-8 in local parts),
 * RFC 3629 4 (strict UTF-8) and RFC 5890/5891/3492 (U-label to A-label).
 *
 * ERROR PRECEDENCE.  Each step runs over its whole span before the next
 * one starts; within a step the first offending byte (left to right) wins.
 *  1. EMPTY        the input has no bytes.
 *  2. NUL, CRLF, CTRL  anywhere, inside quotes too, by class and not by
 *                  position: any NUL beats any CR/LF, which beats any other
 *                  C0 control (not HT), DEL, or C1 control (U+0080-U+009F
 *                  encoded as UTF-8).  So an injection such as
 *                  "a@b\r\nRCPT TO:<x@y>" is always "crlf".
 *  3. Quoted-string, only if the first byte is DQUOTE: HT inside it is
 *                  CTRL (qtextSMTP has no controls); no closing DQUOTE
 *                  is QUOTE.
 *  4. SPACE        space or HT outside that quoted string.
 *  5. "@"          after a quoted string the next byte must be "@" (end
 *                  of input: NO_AT, anything else: QUOTE); a dot-string
 *                  ends at the first "@" (none: NO_AT); any further "@"
 *                  is MULTI_AT.
 *  6. Local part   LOCAL_EMPTY, LOCAL_LONG (octets, quotes included), then
 *                  the first bad byte: LOCAL_DOT, LOCAL_CHAR, QUOTE (a
 *                  DQUOTE inside a dot-string, or a bad quoted-pair), UTF8.
 *  7. Domain       DOMAIN_EMPTY; a domain starting with "[" is a literal
 *                  and any flaw in it is LITERAL; otherwise label by label,
 *                  left to right: DOMAIN_DOT (empty label: leading,
 *                  trailing or ".."), LABEL_CHAR or UTF8 (first bad byte),
 *                  LABEL_HYPHEN, IDNA, LABEL_LONG (after conversion); then
 *                  DOMAIN_LONG for the whole converted domain.
 *  8. PATH_LONG    "<" local "@" domain ">" over 256 octets.
 * ADDR_E_TOO_LONG is never returned here: it belongs to the line reader.
 *
 * IDNA.  A label with UTF-8 becomes "xn--" + Punycode (RFC 3492) of its
 * code points after ASCII letters, and Latin-1 capitals (U+00C0-U+00DE
 * but U+00D7), are lower-cased.  This is NOT full IDNA2008: there is no
 * NFC normalisation, no UTS 46 mapping, no Bidi or CONTEXTJ/CONTEXTO rules
 * (RFC 5892, 5893).  A few code points that are DISALLOWED and commonly
 * pasted by mistake are refused with IDNA (addr_idna_bad()), as is a
 * U-label with "--" in positions 3 and 4 (RFC 5891 4.2.3.1).  Existing
 * "xn--" labels are taken as given, lower-cased, and not decoded.
 *
 * Invariants: no allocation, no I/O, no global state; the only tables are
 * static const.  On success local[] and domain[] are NUL-terminated,
 * contain no byte below 0x20, and domain[] is lower-case ASCII unless it
 * is an address literal (kept as given).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"

/* byte classes */
#define CC_ATEXT	0x01	/* RFC 5322 3.2.3 atext (ASCII part) */
#define CC_LDH		0x02	/* RFC 5321 4.1.2 Let-dig / "-" */
#define CC_UPPER	0x04	/* "A".."Z" */
#define CC_QTEXT	0x08	/* RFC 5321 4.1.2 qtextSMTP (ASCII part) */
#define CC_CTRL		0x10	/* %d0-31 / %d127 */
#define CC_HIGH		0x20	/* >= 0x80: part of a UTF-8 sequence */

#define A	CC_ATEXT
#define L	CC_LDH
#define U	CC_UPPER
#define Q	CC_QTEXT
#define C	CC_CTRL
#define H	CC_HIGH
static const uint8_t addr_cc[256] = {
	/* 00 */ C, C, C, C, C, C, C, C,
	/* 08 */ C, C, C, C, C, C, C, C,
	/* 10 */ C, C, C, C, C, C, C, C,
	/* 18 */ C, C, C, C, C, C, C, C,
	/* 20 */ Q, A|Q, 0, A|Q, A|Q, A|Q, A|Q, A|Q,
	/* 28 */ Q, Q, A|Q, A|Q, Q, A|L|Q, Q, A|Q,
	/* 30 */ A|L|Q, A|L|Q, A|L|Q, A|L|Q, A|L|Q, A|L|Q, A|L|Q, A|L|Q,
	/* 38 */ A|L|Q, A|L|Q, Q, Q, Q, A|Q, Q, A|Q,
	/* 40 */ Q, A|L|U|Q, A|L|U|Q, A|L|U|Q, A|L|U|Q, A|L|U|Q, A|L|U|Q,
		 A|L|U|Q,
	/* 48 */ A|L|U|Q, A|L|U|Q, A|L|U|Q, A|L|U|Q, A|L|U|Q, A|L|U|Q,
		 A|L|U|Q, A|L|U|Q,
	/* 50 */ A|L|U|Q, A|L|U|Q, A|L|U|Q, A|L|U|Q, A|L|U|Q, A|L|U|Q,
		 A|L|U|Q, A|L|U|Q,
	/* 58 */ A|L|U|Q, A|L|U|Q, A|L|U|Q, Q, 0, Q, A|Q, A|Q,
	/* 60 */ A|Q, A|L|Q, A|L|Q, A|L|Q, A|L|Q, A|L|Q, A|L|Q, A|L|Q,
	/* 68 */ A|L|Q, A|L|Q, A|L|Q, A|L|Q, A|L|Q, A|L|Q, A|L|Q, A|L|Q,
	/* 70 */ A|L|Q, A|L|Q, A|L|Q, A|L|Q, A|L|Q, A|L|Q, A|L|Q, A|L|Q,
	/* 78 */ A|L|Q, A|L|Q, A|L|Q, A|Q, A|Q, A|Q, A|Q, C,
	/* 80 */ H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H,
	/* 90 */ H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H,
	/* a0 */ H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H,
	/* b0 */ H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H,
	/* c0 */ H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H,
	/* d0 */ H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H,
	/* e0 */ H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H,
	/* f0 */ H, H, H, H, H, H, H, H, H, H, H, H, H, H, H, H,
};
#undef A
#undef L
#undef U
#undef Q
#undef C
#undef H

/* one row per reason: stable token (for output formats) and text */
static const struct {
	const char	*token;
	const char	*text;
} addr_err_info[ADDR_E__COUNT] = {
	[ADDR_OK]		= { "ok", "The address is valid." },
	[ADDR_E_EMPTY]		= { "empty", "The address is empty." },
	[ADDR_E_NUL]		= { "nul", "The address contains a NUL byte." },
	[ADDR_E_CRLF]		= { "crlf",
	    "The address contains a carriage return or line feed." },
	[ADDR_E_CTRL]		= { "ctrl",
	    "The address contains a control character." },
	[ADDR_E_SPACE]		= { "space",
	    "The address contains a space or tab outside quotes." },
	[ADDR_E_NO_AT]		= { "no_at", "The address has no \"@\"." },
	[ADDR_E_MULTI_AT]	= { "multi_at",
	    "The address has more than one \"@\" outside quotes." },
	[ADDR_E_LOCAL_EMPTY]	= { "local_empty",
	    "The local part before \"@\" is empty." },
	[ADDR_E_LOCAL_LONG]	= { "local_long",
	    "The local part is longer than 64 octets." },
	[ADDR_E_LOCAL_CHAR]	= { "local_char",
	    "The local part contains a character not allowed there." },
	[ADDR_E_LOCAL_DOT]	= { "local_dot",
	    "The local part has a leading, trailing or double dot." },
	[ADDR_E_QUOTE]		= { "quote",
	    "The address has an unbalanced or misplaced quote or a bad "
	    "escape." },
	[ADDR_E_DOMAIN_EMPTY]	= { "domain_empty",
	    "The domain after \"@\" is empty." },
	[ADDR_E_DOMAIN_LONG]	= { "domain_long",
	    "The domain is longer than 255 octets." },
	[ADDR_E_DOMAIN_DOT]	= { "domain_dot",
	    "The domain has an empty label (leading, trailing or double "
	    "dot)." },
	[ADDR_E_LABEL_LONG]	= { "label_long",
	    "A domain label is longer than 63 octets." },
	[ADDR_E_LABEL_CHAR]	= { "label_char",
	    "A domain label contains a character not allowed there." },
	[ADDR_E_LABEL_HYPHEN]	= { "label_hyphen",
	    "A domain label starts or ends with a hyphen." },
	[ADDR_E_LITERAL]	= { "literal",
	    "The address literal is malformed or not IPv4/IPv6." },
	[ADDR_E_UTF8]		= { "utf8",
	    "The address contains invalid UTF-8." },
	[ADDR_E_IDNA]		= { "idna",
	    "An international domain label cannot be converted." },
	[ADDR_E_PATH_LONG]	= { "path_long",
	    "The address is longer than 254 octets (256 as a path)." },
	[ADDR_E_TOO_LONG]	= { "too_long",
	    "The input line is too long." },
	[ADDR_E_SINGLE_LABEL]	= { "single_label",
	    "The domain has a single label; SMTP wants a fully-qualified "
	    "domain name (RFC 5321 2.3.5)." },
};

/* --allow-single-label (addr_allow_single_label); read-only after start */
static int	addr_single_ok;

/* see addr.h */
void
addr_allow_single_label(int allow)
{
	addr_single_ok = allow != 0;
}

/* see addr.h */
const char *
addr_err_token(enum addr_err e)
{
	/* the cast also catches negative values forced into the enum */
	if ((unsigned)e >= ADDR_E__COUNT) {
		return "unknown";
	}
	return addr_err_info[e].token;
}

/* see addr.h */
const char *
addr_err_text(enum addr_err e)
{
	if ((unsigned)e >= ADDR_E__COUNT) {
		return "Unknown reason.";
	}
	return addr_err_info[e].text;
}

/*
 * Decode one UTF-8 sequence at s[0..len), s[0] >= 0x80.  Returns its
 * length (2..4) and sets *cp, or 0 if it is not well-formed: RFC 3629 4
 * (no overlong forms, no surrogates, nothing above U+10FFFF, no stray
 * continuation bytes, no truncated sequence).
 */
static size_t
addr_utf8(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t	c;
	size_t		n, i;

	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
		c = s[0] & 0x1Fu;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3;
		c = s[0] & 0x0Fu;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4;
		c = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (len < n) {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			return 0;
		}
		c = (c << 6) | (s[i] & 0x3Fu);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
		return 0;
	}
	*cp = c;
	return n;
}

/*
 * Step 2: NUL, then CR/LF, then other controls, over the whole input.
 * HT is left to steps 3 and 4.  C1 controls (U+0080-U+009F, "\xC2\x80"
 * to "\xC2\x9F") count as controls: NEL (U+0085) is a line break to some
 * software.
 */
static enum addr_err
addr_scan_ctrl(const unsigned char *s, size_t len)
{
	size_t		i;
	int		crlf = 0, ctrl = 0;

	for (i = 0; i < len; i++) {
		if (addr_cc[s[i]] & CC_CTRL) {
			if (s[i] == '\0') {
				return ADDR_E_NUL;
			}
			if (s[i] == '\r' || s[i] == '\n') {
				crlf = 1;
			} else if (s[i] != '\t') {
				ctrl = 1;
			}
		} else if (s[i] == 0xC2 && i + 1 < len && s[i + 1] >= 0x80 &&
		    s[i + 1] <= 0x9F) {
			ctrl = 1;
		}
	}
	if (crlf) {
		return ADDR_E_CRLF;
	}
	if (ctrl) {
		return ADDR_E_CTRL;
	}
	return ADDR_OK;
}

/* Step 6, dot-string: RFC 5321 4.1.2 Dot-string, RFC 6531 3.3 atext */
static enum addr_err
addr_dot_string(const unsigned char *s, size_t len, unsigned *flags)
{
	size_t		i, k;
	uint32_t	cp;

	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (i == 0 || s[i - 1] == '.' || i + 1 == len) {
				return ADDR_E_LOCAL_DOT;
			}
		} else if (addr_cc[s[i]] & CC_ATEXT) {
			continue;
		} else if (s[i] >= 0x80) {
			k = addr_utf8(s + i, len - i, &cp);
			if (k == 0) {
				return ADDR_E_UTF8;
			}
			*flags |= ADDR_F_UTF8;
			i += k - 1;
		} else if (s[i] == '"') {
			return ADDR_E_QUOTE;
		} else {
			return ADDR_E_LOCAL_CHAR;
		}
	}
	return ADDR_OK;
}

/*
 * Step 6, quoted string s[0..len), s[0] and s[len - 1] are the quotes
 * (step 3 found them).  RFC 5321 4.1.2 qtextSMTP and quoted-pairSMTP
 * (backslash + %d32-126, so no escaped UTF-8), RFC 6531 3.3 qtextSMTP.
 * An empty quoted string ("") is valid by the grammar and accepted.
 */
static enum addr_err
addr_quoted_string(const unsigned char *s, size_t len, unsigned *flags)
{
	size_t		i, k, end = len - 1;
	uint32_t	cp;

	for (i = 1; i < end; i++) {
		if (s[i] == '\\') {
			if (i + 1 >= end || s[i + 1] < 32 || s[i + 1] > 126) {
				return ADDR_E_QUOTE;
			}
			i++;
		} else if (addr_cc[s[i]] & CC_QTEXT) {
			continue;
		} else if (s[i] >= 0x80) {
			k = addr_utf8(s + i, end - i, &cp);
			if (k == 0) {
				return ADDR_E_UTF8;
			}
			*flags |= ADDR_F_UTF8;
			i += k - 1;
		} else {
			/* unreachable after steps 2 and 3; refuse anyway */
			return ADDR_E_QUOTE;
		}
	}
	*flags |= ADDR_F_QUOTED;
	return ADDR_OK;
}

/* RFC 1035 2.3.1 style dotted quad, each 0-255, no leading zeros */
static int
addr_ipv4(const unsigned char *s, size_t len, uint8_t out[4])
{
	size_t		i = 0, part, start;
	unsigned	v;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= len || s[i] != '.') {
				return -1;
			}
			i++;
		}
		start = i;
		v = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
		}
		/* "01" would read as octal to inet_aton(); refuse it */
		if (i == start || v > 255 ||
		    (s[start] == '0' && i - start > 1)) {
			return -1;
		}
		out[part] = (uint8_t)v;
	}
	return i == len ? 0 : -1;
}

static int
addr_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	c |= 0x20;
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	return -1;
}

/*
 * RFC 4291 2.2 text forms: eight groups of 1-4 hex digits, one "::" for
 * one or more zero groups, optionally an IPv4 dotted quad as the last 32
 * bits.  (RFC 5321 4.1.3 wants "::" to stand for at least two groups;
 * RFC 4291 and RFC 5952 4.2.2 writers may use it for one, so we accept.)
 */
static int
addr_ipv6(const unsigned char *s, size_t len, uint8_t out[16])
{
	uint16_t	g[8];
	size_t		i = 0, j, ng = 0, tok, k;
	int		gap = -1, h;
	unsigned	v;

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	}
	while (i < len) {
		for (tok = i; tok < len && s[tok] != ':'; tok++) {
			continue;
		}
		if (tok == i || ng == 8) {
			return -1;
		}
		if (memchr(s + i, '.', tok - i) != NULL) {
			/* embedded IPv4: only as the last 32 bits */
			uint8_t	v4[4];

			if (tok != len || ng > 6 ||
			    addr_ipv4(s + i, tok - i, v4) != 0) {
				return -1;
			}
			g[ng++] = (uint16_t)(v4[0] << 8 | v4[1]);
			g[ng++] = (uint16_t)(v4[2] << 8 | v4[3]);
			i = tok;
			break;
		}
		if (tok - i > 4) {
			return -1;
		}
		v = 0;
		for (j = i; j < tok; j++) {
			if ((h = addr_hexval(s[j])) < 0) {
				return -1;
			}
			v = v << 4 | (unsigned)h;
		}
		g[ng++] = (uint16_t)v;
		i = tok;
		if (i == len) {
			break;
		}
		i++;	/* the ":" */
		if (i < len && s[i] == ':') {
			if (gap >= 0) {
				return -1;
			}
			gap = (int)ng;
			i++;
		} else if (i == len) {
			return -1;	/* trailing single ":" */
		}
	}
	if (gap < 0 ? ng != 8 : ng > 7) {
		return -1;
	}
	memset(out, 0, 16);
	for (k = 0; k < ng; k++) {
		/* groups after "::" go to the end */
		j = (gap >= 0 && k >= (size_t)gap) ? k + 8 - ng : k;
		out[2 * j] = (uint8_t)(g[k] >> 8);
		out[2 * j + 1] = (uint8_t)(g[k] & 0xFF);
	}
	return 0;
}

/*
 * Step 7, address literal d[0..len), d[0] == '['.  RFC 5321 4.1.3:
 * IPv4-address-literal and IPv6-address-literal ("IPv6:" is matched
 * without regard to case, RFC 5234 2.3).  General-address-literal is
 * refused: no MTA routes it.
 */
static enum addr_err
addr_literal(const unsigned char *d, size_t len, struct addr *a)
{
	const unsigned char	*b = d + 1;
	size_t			 blen;

	if (len < 3 || d[len - 1] != ']' || len > ADDR_DOMAIN_MAX) {
		return ADDR_E_LITERAL;
	}
	blen = len - 2;
	if (blen > 5 && (b[0] | 0x20) == 'i' && (b[1] | 0x20) == 'p' &&
	    (b[2] | 0x20) == 'v' && b[3] == '6' && b[4] == ':') {
		if (addr_ipv6(b + 5, blen - 5, a->lit) != 0) {
			return ADDR_E_LITERAL;
		}
		a->flags |= ADDR_F_LITERAL | ADDR_F_IPV6;
	} else {
		/* a ":" here means a General-address-literal tag */
		if (addr_ipv4(b, blen, a->lit) != 0) {
			return ADDR_E_LITERAL;
		}
		a->flags |= ADDR_F_LITERAL;
	}
	memcpy(a->domain, d, len);
	a->domain[len] = '\0';
	a->domain_len = len;
	return ADDR_OK;
}

/*
 * Code points refused in a U-label although UTF-8 allows them: all are
 * DISALLOWED in IDNA2008 (RFC 5892) and are what copy and paste brings
 * in.  Not a full IDNA2008 table, see the top of this file.
 */
static int
addr_idna_bad(uint32_t c)
{
	return (c <= 0xA0) ||			/* C1 controls, NBSP */
	    c == 0xAD ||			/* soft hyphen */
	    c == 0x1680 ||			/* ogham space */
	    (c >= 0x2000 && c <= 0x200B) ||	/* spaces, ZWSP */
	    (c >= 0x2028 && c <= 0x202F) ||	/* separators, bidi */
	    (c >= 0x205F && c <= 0x2064) ||	/* spaces, invisibles */
	    c == 0x3000 ||			/* ideographic space */
	    c == 0x3002 || c == 0xFF0E || c == 0xFF61 || /* full stops */
	    (c >= 0xE000 && c <= 0xF8FF) ||	/* private use */
	    (c >= 0xFDD0 && c <= 0xFDEF) ||	/* noncharacters */
	    (c & 0xFFFE) == 0xFFFE ||		/* noncharacters */
	    c == 0xFEFF ||			/* byte order mark */
	    (c >= 0xFFF9 && c <= 0xFFFD) ||	/* specials */
	    (c >= 0xFF01 && c <= 0xFF5E) ||	/* fullwidth ASCII */
	    c >= 0xF0000;			/* private use planes */
}

/*
 * Step 7, one U-label lab[0..len) (valid UTF-8, LDH in its ASCII part,
 * no edge hyphen) to an A-label in out[0..ADDR_LABEL_MAX).  Returns
 * ADDR_OK and sets *olen, or IDNA or LABEL_LONG.
 */
static enum addr_err
addr_ulabel(const unsigned char *lab, size_t len, char *out, size_t *olen)
{
	/* an A-label of n code points has at least 4 + n octets */
	uint32_t	cp[ADDR_LABEL_MAX - 4];
	uint32_t	c;
	size_t		i, k, n = 0;
	int		r, toolong = 0;

	for (i = 0; i < len; ) {
		if (lab[i] < 0x80) {
			c = lab[i] | ((addr_cc[lab[i]] & CC_UPPER) ? 0x20 : 0);
			i++;
		} else {
			k = addr_utf8(lab + i, len - i, &c);
			if (k == 0) {
				/* addr_domain() checked it already */
				return ADDR_E_UTF8;
			}
			i += k;
			/* Latin-1 capitals, but U+00D7 (multiplication) */
			if (c >= 0xC0 && c <= 0xDE && c != 0xD7) {
				c += 0x20;
			}
			if (addr_idna_bad(c)) {
				return ADDR_E_IDNA;
			}
		}
		if (n < ADDR_LABEL_MAX - 4) {
			cp[n++] = c;
		} else {
			toolong = 1;
		}
	}
	/* RFC 5891 4.2.3.1: "--" in positions 3 and 4 is reserved */
	if (n >= 4 && cp[2] == '-' && cp[3] == '-') {
		return ADDR_E_IDNA;
	}
	if (toolong) {
		return ADDR_E_LABEL_LONG;
	}
	memcpy(out, "xn--", 4);
	r = punycode_encode(cp, n, out + 4, ADDR_LABEL_MAX - 4);
	if (r < 0) {
		return ADDR_E_LABEL_LONG;
	}
	*olen = 4 + (size_t)r;
	return ADDR_OK;
}

/*
 * Step 7, domain d[0..len): RFC 5321 4.1.2 Domain, sub-domain, Let-dig,
 * Ldh-str; RFC 1035 2.3.4 label and name sizes.  Writes the lower-cased,
 * converted name into a->domain.  Every label is checked before the total
 * length, so a bad label is reported even in an over-long name.
 */
static enum addr_err
addr_domain(const unsigned char *d, size_t len, struct addr *a)
{
	char		 ulab[ADDR_LABEL_MAX];
	const char	*src;
	size_t		 i = 0, start, n, k, j, olen = 0, need;
	uint32_t	 cp;
	int		 ascii, over = 0;
	enum addr_err	 e;

	for (;;) {
		start = i;
		ascii = 1;
		while (i < len && d[i] != '.') {
			if (addr_cc[d[i]] & CC_LDH) {
				i++;
			} else if (d[i] >= 0x80) {
				k = addr_utf8(d + i, len - i, &cp);
				if (k == 0) {
					return ADDR_E_UTF8;
				}
				ascii = 0;
				i += k;
			} else {
				return ADDR_E_LABEL_CHAR;
			}
		}
		n = i - start;
		if (n == 0) {
			return ADDR_E_DOMAIN_DOT;
		}
		/* RFC 5321 4.1.2 Ldh-str: ends in Let-dig; RFC 952 start */
		if (d[start] == '-' || d[i - 1] == '-') {
			return ADDR_E_LABEL_HYPHEN;
		}
		if (ascii) {
			if (n > ADDR_LABEL_MAX) {
				return ADDR_E_LABEL_LONG;
			}
			src = (const char *)d + start;
		} else {
			e = addr_ulabel(d + start, n, ulab, &n);
			if (e != ADDR_OK) {
				return e;
			}
			src = ulab;
			a->flags |= ADDR_F_IDN;
		}
		need = n + (olen > 0);
		if (over || olen + need > ADDR_DOMAIN_MAX) {
			over = 1;
		} else {
			if (olen > 0) {
				a->domain[olen++] = '.';
			}
			for (j = 0; j < n; j++) {
				unsigned char	c = (unsigned char)src[j];

				a->domain[olen++] = (char)((addr_cc[c] &
				    CC_UPPER) ? c | 0x20 : c);
			}
		}
		if (i == len) {
			break;
		}
		i++;	/* the dot; an empty label after it is DOMAIN_DOT */
	}
	if (over) {
		return ADDR_E_DOMAIN_LONG;
	}
	a->domain[olen] = '\0';
	a->domain_len = olen;
	return ADDR_OK;
}

/* see addr.h */
enum addr_err
addr_parse(const char *str, size_t len, struct addr *a)
{
	const unsigned char	*s = (const unsigned char *)str;
	const unsigned char	*p;
	size_t			 i, qend = 0, at, dlen;
	enum addr_err		 e;

	/* step 1 */
	if (len == 0) {
		return ADDR_E_EMPTY;
	}
	/* step 2 */
	if ((e = addr_scan_ctrl(s, len)) != ADDR_OK) {
		return e;
	}
	/* step 3: where a leading quoted string ends (qend: past its DQUOTE) */
	if (s[0] == '"') {
		for (i = 1; i < len; i++) {
			if (s[i] == '\\') {
				i++;
				if (i < len && s[i] == '\t') {
					return ADDR_E_CTRL;
				}
			} else if (s[i] == '\t') {
				return ADDR_E_CTRL;
			} else if (s[i] == '"') {
				break;
			}
		}
		if (i >= len) {
			return ADDR_E_QUOTE;
		}
		qend = i + 1;
	}
	/* step 4: RFC 5321 4.1.2 has no whitespace outside quotes */
	for (i = qend; i < len; i++) {
		if (s[i] == ' ' || s[i] == '\t') {
			return ADDR_E_SPACE;
		}
	}
	/* step 5 */
	if (qend > 0) {
		if (qend == len) {
			return ADDR_E_NO_AT;
		}
		if (s[qend] != '@') {
			return ADDR_E_QUOTE;
		}
		at = qend;
	} else {
		p = memchr(s, '@', len);
		if (p == NULL) {
			return ADDR_E_NO_AT;
		}
		at = (size_t)(p - s);
	}
	if (memchr(s + at + 1, '@', len - at - 1) != NULL) {
		return ADDR_E_MULTI_AT;
	}
	/* step 6: RFC 5321 4.5.3.1.1 */
	if (at == 0) {
		return ADDR_E_LOCAL_EMPTY;
	}
	if (at > ADDR_LOCAL_MAX) {
		return ADDR_E_LOCAL_LONG;
	}
	a->flags = 0;
	memset(a->lit, 0, sizeof(a->lit));
	e = qend > 0 ? addr_quoted_string(s, at, &a->flags) :
	    addr_dot_string(s, at, &a->flags);
	if (e != ADDR_OK) {
		return e;
	}
	memcpy(a->local, s, at);
	a->local[at] = '\0';
	a->local_len = at;
	/* step 7 */
	dlen = len - at - 1;
	if (dlen == 0) {
		return ADDR_E_DOMAIN_EMPTY;
	}
	if (s[at + 1] == '[') {
		e = addr_literal(s + at + 1, dlen, a);
	} else {
		e = addr_domain(s + at + 1, dlen, a);
	}
	if (e != ADDR_OK) {
		return e;
	}
	/* RFC 5321 2.3.5: a domain name in SMTP is fully qualified */
	if (s[at + 1] != '[' && !addr_single_ok &&
	    memchr(a->domain, '.', a->domain_len) == NULL) {
		return ADDR_E_SINGLE_LABEL;
	}
	/* step 8: RFC 5321 4.5.3.1.3, "<" local "@" domain ">" */
	if (a->local_len + a->domain_len + 3 > ADDR_PATH_MAX) {
		return ADDR_E_PATH_LONG;
	}
	return ADDR_OK;
}
