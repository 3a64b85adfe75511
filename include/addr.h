/*
 * addr.h - RFC 5321 Mailbox syntax for the SMTP envelope.
 *
 * addr_parse() takes one address exactly as it came from the input (no
 * surrounding whitespace, no angle brackets, no line ending) and either
 * fills a struct addr with the forms mxprobe will put on the wire, or
 * returns the first reason it cannot.  It does no I/O and no allocation;
 * it is pure so it can be fuzzed.
 *
 * Grammar (RFC 5321 4.1.2, 4.1.3; RFC 6531 3.3 for UTF-8):
 *   Mailbox       = Local-part "@" ( Domain / address-literal )
 *   Local-part    = Dot-string / Quoted-string
 *   Dot-string    = Atom *("." Atom)        atext of RFC 5322, plus UTF-8
 *   Quoted-string = DQUOTE *QcontentSMTP DQUOTE
 *   Domain        = sub-domain *("." sub-domain), LDH labels, UTF-8 labels
 *                   are converted to A-labels (RFC 3492, RFC 5890)
 *   address-literal = "[" ( IPv4 / "IPv6:" IPv6 ) "]"   (General literals
 *                   are refused: nobody can route them.)
 * Limits (RFC 5321 4.5.3.1): local part 64 octets, domain 255, label 63,
 * path ("<" local "@" domain ">") 256.
 *
 * Anything that could change the meaning of an SMTP command line (CR, LF,
 * NUL, other controls, spaces outside quotes, "<" ">" outside quotes) is
 * refused here, and the command builder refuses CR/LF/NUL again.
 */
#ifndef MXP_ADDR_H
#define MXP_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define ADDR_LOCAL_MAX	64	/* RFC 5321 4.5.3.1.1 */
#define ADDR_DOMAIN_MAX	255	/* RFC 5321 4.5.3.1.2 */
#define ADDR_LABEL_MAX	63	/* RFC 1035 2.3.4 */
#define ADDR_PATH_MAX	256	/* RFC 5321 4.5.3.1.3, counts "<" and ">" */

/* Reasons.  0 is success; every other value has a stable token. */
enum addr_err {
	ADDR_OK = 0,
	ADDR_E_EMPTY,		/* nothing at all */
	ADDR_E_NUL,		/* NUL byte */
	ADDR_E_CRLF,		/* CR or LF */
	ADDR_E_CTRL,		/* other control character, or DEL */
	ADDR_E_SPACE,		/* space or tab outside quotes */
	ADDR_E_NO_AT,		/* no "@" */
	ADDR_E_MULTI_AT,	/* "@" outside quotes more than once */
	ADDR_E_LOCAL_EMPTY,	/* nothing before "@" */
	ADDR_E_LOCAL_LONG,	/* local part over 64 octets */
	ADDR_E_LOCAL_CHAR,	/* character not allowed in a dot-string */
	ADDR_E_LOCAL_DOT,	/* leading, trailing or consecutive dot */
	ADDR_E_QUOTE,		/* unbalanced or misplaced quote, bad escape */
	ADDR_E_DOMAIN_EMPTY,	/* nothing after "@" */
	ADDR_E_DOMAIN_LONG,	/* domain over 255 octets (after conversion) */
	ADDR_E_DOMAIN_DOT,	/* empty label: leading, trailing, ".." */
	ADDR_E_LABEL_LONG,	/* a label over 63 octets (after conversion) */
	ADDR_E_LABEL_CHAR,	/* a character not allowed in a label */
	ADDR_E_LABEL_HYPHEN,	/* label starting or ending with "-" */
	ADDR_E_LITERAL,		/* malformed or unbalanced address literal */
	ADDR_E_UTF8,		/* invalid UTF-8 sequence */
	ADDR_E_IDNA,		/* UTF-8 label that cannot become an A-label */
	ADDR_E_PATH_LONG,	/* whole path over 256 octets */
	ADDR_E_TOO_LONG,	/* input line longer than the reader's limit */
	ADDR_E_SINGLE_LABEL,	/* domain without a dot (RFC 5321 2.3.5 FQDN) */
	ADDR_E__COUNT
};

/* flags of a parsed address */
#define ADDR_F_QUOTED	0x01	/* local part is a quoted string */
#define ADDR_F_UTF8	0x02	/* local part has UTF-8: needs SMTPUTF8 */
#define ADDR_F_LITERAL	0x04	/* domain is an address literal */
#define ADDR_F_IPV6	0x08	/* ... and it is an IPv6 literal */
#define ADDR_F_IDN	0x10	/* domain had U-labels, converted */

struct addr {
	/* local part exactly as given (quotes kept), NUL-terminated */
	char		local[ADDR_LOCAL_MAX + 1];
	size_t		local_len;
	/*
	 * domain as it goes on the wire and into DNS: lower-cased ASCII,
	 * U-labels converted to "xn--" A-labels; for a literal, the
	 * bracketed text as given ("[192.0.2.1]", "[IPv6:2001:db8::1]").
	 */
	char		domain[ADDR_DOMAIN_MAX + 1];
	size_t		domain_len;
	unsigned	flags;		/* ADDR_F_* */
	uint8_t		lit[16];	/* literal in network order: 4 or 16 */
};

/*
 * Parse s[0..len) (need not be NUL-terminated; a NUL inside is an error).
 * Returns ADDR_OK and fills *a, or a reason; *a is then unspecified.
 */
enum addr_err	addr_parse(const char *s, size_t len, struct addr *a);

/*
 * Allow single-label domains ("alice@ok") from now on, for a closed
 * network (--allow-single-label).  Off by default: RFC 5321 2.3.5 wants
 * fully-qualified names in SMTP, and dotless names do not exist on the
 * public internet, so addr_parse() says ADDR_E_SINGLE_LABEL.  Set once at
 * start-up, before any address is parsed.
 */
void		addr_allow_single_label(int allow);

/* stable lower-case token for a reason, e.g. "crlf", "local_dot" */
const char	*addr_err_token(enum addr_err e);

/* one-line English explanation for a reason */
const char	*addr_err_text(enum addr_err e);

/*
 * Punycode (RFC 3492) encoder for one label of Unicode code points.
 * Writes the ASCII form (without the "xn--" prefix) into out[0..cap) and
 * returns its length, or -1 if it does not fit or overflows.
 */
int		punycode_encode(const uint32_t *cp, size_t n, char *out,
		    size_t cap);

#endif
