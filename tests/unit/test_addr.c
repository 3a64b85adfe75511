/*
 * test_addr.c - table-driven tests for addr_parse() (addr.c) and
 * punycode_encode() (punycode.c).
 *
 * Each row gives the input with its exact length (IN() uses sizeof, so
 * rows may hold NUL bytes), the reason addr_parse() must return, and for
 * ADDR_OK the wire form of the domain and the flags.  For every ADDR_OK
 * row the local part must also come back exactly as given (case kept).
 * The expected A-labels were checked against RFC 3492 7.1 and Python's
 * "punycode" codec.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"
#include "t.h"

void	test_addr(void);
void	test_punycode(void);

#define IN(s)	s, sizeof(s) - 1

/* building blocks for the limit rows: Lnn is nn octets */
#define L10	"abcdefghij"
#define L60	L10 L10 L10 L10 L10 L10
#define L61	L60 "k"
#define L62	L60 "kl"
#define L63	L60 "klm"
#define L64	L63 "n"
#define L65	L64 "o"
#define D189	L63 "." L63 "." L61
#define D190	L63 "." L63 "." L62
#define D252	L63 "." L63 "." L63 "." L60
#define D255	L63 "." L63 "." L63 "." L63
#define D256	"ab." L63 "." L63 "." L63 "." L61
/* quoted local parts of 64 and 65 octets, quotes included */
#define Q64	"\"" L60 " b" "\""
#define Q65	"\"" L60 " bc" "\""
/* "例" (U+4F8B) 57 times: 171 octets, A-label of exactly 63 */
#define R1	"例"
#define R10	R1 R1 R1 R1 R1 R1 R1 R1 R1 R1
#define R57	R10 R10 R10 R10 R10 R1 R1 R1 R1 R1 R1 R1
#define R57A	"xn--fsqaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaa"
/* "ü" 60 times: more code points than any 63-octet A-label holds */
#define U10	"üüüüüüüüüü"
#define U60	U10 U10 U10 U10 U10 U10
/* 55 "a" and one "ü": A-label of exactly 63, one more "a" makes 64 */
#define A55	L10 L10 L10 L10 L10 "abcde"

#define F_Q	ADDR_F_QUOTED
#define F_U	ADDR_F_UTF8
#define F_L	ADDR_F_LITERAL
#define F_6	(ADDR_F_LITERAL | ADDR_F_IPV6)
#define F_I	ADDR_F_IDN

struct addr_case {
	const char	*in;
	size_t		 len;
	enum addr_err	 want;
	const char	*domain;	/* for ADDR_OK */
	unsigned	 flags;		/* for ADDR_OK */
};

static const struct addr_case addr_cases[] = {
	/* plain dot-atoms; the domain is lower-cased, the local part not */
	{ IN("a@b.example"),		ADDR_OK, "b.example", 0 },
	{ IN("user@example.com"),	ADDR_OK, "example.com", 0 },
	{ IN("first.last@example.com"), ADDR_OK, "example.com", 0 },
	{ IN("a.b.c.d@example.com"),	ADDR_OK, "example.com", 0 },
	{ IN("MiXeD.Case@ExAmPle.COM"), ADDR_OK, "example.com", 0 },
	{ IN("USER@EXAMPLE.ORG"),	ADDR_OK, "example.org", 0 },
	/* issue 17: RFC 5321 2.3.5 wants an FQDN (--allow-single-label) */
	{ IN("a@localhost"),		ADDR_E_SINGLE_LABEL, NULL, 0 },
	{ IN("a@b"),			ADDR_E_SINGLE_LABEL, NULL, 0 },
	{ IN("alice@ok"),		ADDR_E_SINGLE_LABEL, NULL, 0 },
	{ IN("a@b."),			ADDR_E_DOMAIN_DOT, NULL, 0 },
	{ IN("0@1.2.3.4"),		ADDR_OK, "1.2.3.4", 0 },
	{ IN("a@123.example"),		ADDR_OK, "123.example", 0 },
	{ IN("a@a-b.example"),		ADDR_OK, "a-b.example", 0 },
	{ IN("a@a--b.example"),		ADDR_OK, "a--b.example", 0 },
	{ IN("a@b.c.d.e.f.example"),	ADDR_OK, "b.c.d.e.f.example", 0 },
	{ IN("Z9@x.example"),		ADDR_OK, "x.example", 0 },
	/* every RFC 5322 3.2.3 atext special */
	{ IN("a!b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a#b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a$b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a%b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a&b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a'b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a*b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a+tag@x.example"),	ADDR_OK, "x.example", 0 },
	{ IN("a-b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a/b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a=b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a?b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a^b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a_b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a`b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a{b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a|b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a}b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("a~b@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN("!#$%&'*+-/=?^_`{|}~@x.example"), ADDR_OK, "x.example", 0 },
	{ IN("-@x.example"),		ADDR_OK, "x.example", 0 },
	/* RFC 5321 4.1.2 specials are not atext */
	{ IN("a(b@x.example"),		ADDR_E_LOCAL_CHAR, NULL, 0 },
	{ IN("a)b@x.example"),		ADDR_E_LOCAL_CHAR, NULL, 0 },
	{ IN("a,b@x.example"),		ADDR_E_LOCAL_CHAR, NULL, 0 },
	{ IN("a:b@x.example"),		ADDR_E_LOCAL_CHAR, NULL, 0 },
	{ IN("a;b@x.example"),		ADDR_E_LOCAL_CHAR, NULL, 0 },
	{ IN("a<b@x.example"),		ADDR_E_LOCAL_CHAR, NULL, 0 },
	{ IN("a>b@x.example"),		ADDR_E_LOCAL_CHAR, NULL, 0 },
	{ IN("a[b@x.example"),		ADDR_E_LOCAL_CHAR, NULL, 0 },
	{ IN("a]b@x.example"),		ADDR_E_LOCAL_CHAR, NULL, 0 },
	{ IN("a\\b@x.example"),		ADDR_E_LOCAL_CHAR, NULL, 0 },
	{ IN("<a@b.example>"),		ADDR_E_LOCAL_CHAR, NULL, 0 },
	{ IN("a\"b@x.example"),		ADDR_E_QUOTE, NULL, 0 },
	{ IN("a\"b\"@x.example"),	ADDR_E_QUOTE, NULL, 0 },
	/* dots in a dot-string */
	{ IN(".a@x.example"),		ADDR_E_LOCAL_DOT, NULL, 0 },
	{ IN("a.@x.example"),		ADDR_E_LOCAL_DOT, NULL, 0 },
	{ IN("a..b@x.example"),		ADDR_E_LOCAL_DOT, NULL, 0 },
	{ IN(".@x.example"),		ADDR_E_LOCAL_DOT, NULL, 0 },
	{ IN(".a(b@x.example"),		ADDR_E_LOCAL_DOT, NULL, 0 },
	{ IN("a(b.@x.example"),		ADDR_E_LOCAL_CHAR, NULL, 0 },
	/* quoted strings, RFC 5321 4.1.2 */
	{ IN("\"a\"@b.example"),	ADDR_OK, "b.example", F_Q },
	{ IN("\"a b\"@b.example"),	ADDR_OK, "b.example", F_Q },
	{ IN("\"a@b\"@c.example"),	ADDR_OK, "c.example", F_Q },
	{ IN("\"\"@b.example"),		ADDR_OK, "b.example", F_Q },
	{ IN("\"a\\\"b\"@c.example"),	ADDR_OK, "c.example", F_Q },
	{ IN("\"a\\\\b\"@c.example"),	ADDR_OK, "c.example", F_Q },
	{ IN("\"a\\ b\"@c.example"),	ADDR_OK, "c.example", F_Q },
	{ IN("\"a\\xb\"@c.example"),	ADDR_OK, "c.example", F_Q },
	{ IN("\"john..doe\"@x.example"), ADDR_OK, "x.example", F_Q },
	{ IN("\".a.\"@x.example"),	ADDR_OK, "x.example", F_Q },
	{ IN("\"(),:;<>[]\"@X.Example"), ADDR_OK, "x.example", F_Q },
	{ IN("\"   \"@x.example"),	ADDR_OK, "x.example", F_Q },
	{ IN("\"jos\xc3\xa9\"@x.example"), ADDR_OK, "x.example", F_Q | F_U },
	{ IN("\"a\\"),			ADDR_E_QUOTE, NULL, 0 },
	{ IN("\"abc@x.example"),	ADDR_E_QUOTE, NULL, 0 },
	{ IN("\"a\\\"@x.example"),	ADDR_E_QUOTE, NULL, 0 },
	{ IN("\""),			ADDR_E_QUOTE, NULL, 0 },
	{ IN("\"a\"b@x.example"),	ADDR_E_QUOTE, NULL, 0 },
	{ IN("\"a\"\"b\"@x.example"),	ADDR_E_QUOTE, NULL, 0 },
	{ IN("\"a\".b@x.example"),	ADDR_E_QUOTE, NULL, 0 },
	{ IN("\"a\""),			ADDR_E_NO_AT, NULL, 0 },
	{ IN("\"a\"@"),			ADDR_E_DOMAIN_EMPTY, NULL, 0 },
	{ IN("\"a\"@b@c"),		ADDR_E_MULTI_AT, NULL, 0 },
	{ IN("\"a\" @b.example"),	ADDR_E_SPACE, NULL, 0 },
	{ IN("\"a\\\xc3\xa9\"@x.example"), ADDR_E_QUOTE, NULL, 0 },
	{ IN("\"a\xc3\"@x.example"),	ADDR_E_UTF8, NULL, 0 },
	/* RFC 5321 qtextSMTP has no controls: HT, DEL, C0 inside quotes */
	{ IN("\"a\tb\"@x.example"),	ADDR_E_CTRL, NULL, 0 },
	{ IN("\"a\\\tb\"@x.example"),	ADDR_E_CTRL, NULL, 0 },
	{ IN("\"a\x01" "b\"@x.example"), ADDR_E_CTRL, NULL, 0 },
	{ IN("\"a\x7f\"@x.example"),	ADDR_E_CTRL, NULL, 0 },
	{ IN("\"a\r\nb\"@x.example"),	ADDR_E_CRLF, NULL, 0 },
	{ IN("\"a\0b\"@x.example"),	ADDR_E_NUL, NULL, 0 },
	{ IN("\"a\r\nRCPT TO:<x@y>\"@b.example"), ADDR_E_CRLF, NULL, 0 },
	/* UTF-8 local parts, RFC 6531 3.3 */
	{ IN("jos\xc3\xa9@example.com"), ADDR_OK, "example.com", F_U },
	{ IN("\xc3\xb1@x.example"),	ADDR_OK, "x.example", F_U },
	{ IN("\xe7\x94\xa8\xe6\x88\xb7@x.example"), ADDR_OK, "x.example",
	    F_U },
	{ IN("\xf0\x9f\x98\x80@x.example"), ADDR_OK, "x.example", F_U },
	{ IN("\xf4\x8f\xbf\xbf@x.example"), ADDR_OK, "x.example", F_U },
	{ IN("\xc2\xa0@x.example"),	ADDR_OK, "x.example", F_U },
	{ IN("a.\xc3\xa9.b@x.example"),	ADDR_OK, "x.example", F_U },
	{ IN("\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90."
	    "\xe5\xb9\xbf\xe5\x91\x8a"), ADDR_OK, "xn--fsqu00a.xn--4rr70v",
	    F_U | F_I },
	/* strict UTF-8, RFC 3629 4 */
	{ IN("a\xc3@x.example"),	ADDR_E_UTF8, NULL, 0 },
	{ IN("a\xc3(@x.example"),	ADDR_E_UTF8, NULL, 0 },
	{ IN("\xc0\xaf@x.example"),	ADDR_E_UTF8, NULL, 0 },
	{ IN("\xc1\xbf@x.example"),	ADDR_E_UTF8, NULL, 0 },
	{ IN("\xe0\x80\xaf@x.example"),	ADDR_E_UTF8, NULL, 0 },
	{ IN("\xe0\x9f\xbf@x.example"),	ADDR_E_UTF8, NULL, 0 },
	{ IN("\xf0\x80\x80\xaf@x.example"), ADDR_E_UTF8, NULL, 0 },
	{ IN("\xf0\x8f\xbf\xbf@x.example"), ADDR_E_UTF8, NULL, 0 },
	{ IN("\xed\xa0\x80@x.example"),	ADDR_E_UTF8, NULL, 0 },
	{ IN("\xed\xbf\xbf@x.example"),	ADDR_E_UTF8, NULL, 0 },
	{ IN("\xf4\x90\x80\x80@x.example"), ADDR_E_UTF8, NULL, 0 },
	{ IN("\xf5\x80\x80\x80@x.example"), ADDR_E_UTF8, NULL, 0 },
	{ IN("\x80@x.example"),		ADDR_E_UTF8, NULL, 0 },
	{ IN("\xbf" "a@x.example"),	ADDR_E_UTF8, NULL, 0 },
	{ IN("\xfe@x.example"),		ADDR_E_UTF8, NULL, 0 },
	{ IN("\xff@x.example"),		ADDR_E_UTF8, NULL, 0 },
	{ IN("\xe2\x82@x.example"),	ADDR_E_UTF8, NULL, 0 },
	{ IN("a@x\xc3"),		ADDR_E_UTF8, NULL, 0 },
	{ IN("a@\xed\xa0\x80.example"),	ADDR_E_UTF8, NULL, 0 },
	{ IN("a@\xc0\xae.example"),	ADDR_E_UTF8, NULL, 0 },
	{ IN("a@\xf0\x9f\x98.example"),	ADDR_E_UTF8, NULL, 0 },
	/* C1 controls encoded in UTF-8 count as controls (NEL, CSI) */
	{ IN("a\xc2\x85@x.example"),	ADDR_E_CTRL, NULL, 0 },
	{ IN("a@x.example\xc2\x9b"),	ADDR_E_CTRL, NULL, 0 },
	{ IN("\"\xc2\x80\"@x.example"),	ADDR_E_CTRL, NULL, 0 },
	/* IDN: U-labels become A-labels, RFC 3492, RFC 5891 */
	{ IN("a@m\xc3\xbc" "nchen.de"),	ADDR_OK, "xn--mnchen-3ya.de", F_I },
	{ IN("a@M\xc3\x9c" "NCHEN.DE"),	ADDR_OK, "xn--mnchen-3ya.de", F_I },
	{ IN("a@b\xc3\xbc" "cher.example"), ADDR_OK, "xn--bcher-kva.example",
	    F_I },
	{ IN("a@例え.jp"),		ADDR_OK, "xn--r8jz45g.jp", F_I },
	{ IN("a@例え.テスト"),		ADDR_OK,
	    "xn--r8jz45g.xn--zckzah", F_I },
	{ IN("a@παράδειγμα.δοκιμή"),	ADDR_OK,
	    "xn--hxajbheg2az3al.xn--jxalpdlp", F_I },
	{ IN("a@пример.испытание"),	ADDR_OK,
	    "xn--e1afmkfd.xn--80akhbyknj4f", F_I },
	{ IN("a@中国.cn"),		ADDR_OK, "xn--fiqs8s.cn", F_I },
	{ IN("a@日本語.jp"),		ADDR_OK, "xn--wgv71a119e.jp", F_I },
	{ IN("a@españa.com"),		ADDR_OK, "xn--espaa-rta.com", F_I },
	{ IN("a@ESPAÑA.COM"),		ADDR_OK, "xn--espaa-rta.com", F_I },
	{ IN("a@fa\xc3\x9f.de"),	ADDR_OK, "xn--fa-hia.de", F_I },
	{ IN("a@\xc3\x9f.de"),		ADDR_OK, "xn--zca.de", F_I },
	{ IN("Jos\xc3\xa9@B\xc3\xbc" "cher.Example"), ADDR_OK,
	    "xn--bcher-kva.example", F_U | F_I },
	{ IN("a@xn--mnchen-3ya.de"),	ADDR_OK, "xn--mnchen-3ya.de", 0 },
	{ IN("a@XN--MNCHEN-3YA.DE"),	ADDR_OK, "xn--mnchen-3ya.de", 0 },
	{ IN("a@-m\xc3\xbc" "nchen.de"), ADDR_E_LABEL_HYPHEN, NULL, 0 },
	{ IN("a@m\xc3\xbc" "nchen-.de"), ADDR_E_LABEL_HYPHEN, NULL, 0 },
	{ IN("a@m\xc3\xbc" "n_chen.de"), ADDR_E_LABEL_CHAR, NULL, 0 },
	{ IN("a@ab--\xc3\xbc.de"),	ADDR_E_IDNA, NULL, 0 },
	{ IN("a@xn--\xc3\xbc.de"),	ADDR_E_IDNA, NULL, 0 },
	{ IN("a@例え。jp"),		ADDR_E_IDNA, NULL, 0 },
	{ IN("a@ｅｘａｍｐｌｅ.com"),	ADDR_E_IDNA, NULL, 0 },
	{ IN("a@a\xc2\xa0" "b.de"),	ADDR_E_IDNA, NULL, 0 },
	{ IN("a@a\xc2\xad" "b.de"),	ADDR_E_IDNA, NULL, 0 },
	{ IN("a@a\xe2\x80\x8b" "b.de"),	ADDR_E_IDNA, NULL, 0 },
	{ IN("a@a\xe2\x80\xae" "b.de"),	ADDR_E_IDNA, NULL, 0 },
	{ IN("a@\xef\xbb\xbf" "b.de"),	ADDR_E_IDNA, NULL, 0 },
	{ IN("a@\xef\xbf\xbe.de"),	ADDR_E_IDNA, NULL, 0 },
	{ IN("a@\xee\x80\x80.de"),	ADDR_E_IDNA, NULL, 0 },
	{ IN("a@\xf3\xb0\x80\x80.de"),	ADDR_E_IDNA, NULL, 0 },
	/* IDN limits apply after conversion */
	{ IN("a@" A55 "\xc3\xbc.de"),	ADDR_OK, "xn--" A55 "-8yf.de", F_I },
	{ IN("a@" A55 "z\xc3\xbc.de"),	ADDR_E_LABEL_LONG, NULL, 0 },
	{ IN("a@" R57 ".de"),		ADDR_OK, R57A ".de", F_I },
	{ IN("a@" R57 R1 ".de"),	ADDR_E_LABEL_LONG, NULL, 0 },
	{ IN("a@" U60 ".de"),		ADDR_E_LABEL_LONG, NULL, 0 },
	{ IN("a@" R57 "." R57 "." R57),	ADDR_OK, R57A "." R57A "." R57A, F_I },
	{ IN("a@" R57 "." R57 "." R57 "." R57 ".a"), ADDR_E_DOMAIN_LONG,
	    NULL, 0 },
	{ IN("a@" U60 "_.de"),		ADDR_E_LABEL_CHAR, NULL, 0 },
	/* structure: "@" */
	{ IN(""),			ADDR_E_EMPTY, NULL, 0 },
	{ IN("@"),			ADDR_E_LOCAL_EMPTY, NULL, 0 },
	{ IN("@b.example"),		ADDR_E_LOCAL_EMPTY, NULL, 0 },
	{ IN("a@"),			ADDR_E_DOMAIN_EMPTY, NULL, 0 },
	{ IN("abc"),			ADDR_E_NO_AT, NULL, 0 },
	{ IN("a.example.com"),		ADDR_E_NO_AT, NULL, 0 },
	{ IN("a@b@c"),			ADDR_E_MULTI_AT, NULL, 0 },
	{ IN("a@@b"),			ADDR_E_MULTI_AT, NULL, 0 },
	{ IN("@@"),			ADDR_E_MULTI_AT, NULL, 0 },
	{ IN("a@b%c@d.example"),	ADDR_E_MULTI_AT, NULL, 0 },
	{ IN("a@[1.2.3.4]@b"),		ADDR_E_MULTI_AT, NULL, 0 },
	/* whitespace outside quotes, RFC 5321 4.1.2 */
	{ IN("a b@x.example"),		ADDR_E_SPACE, NULL, 0 },
	{ IN(" a@x.example"),		ADDR_E_SPACE, NULL, 0 },
	{ IN("a@x.example "),		ADDR_E_SPACE, NULL, 0 },
	{ IN("a\t@x.example"),		ADDR_E_SPACE, NULL, 0 },
	{ IN("a@x\t.example"),		ADDR_E_SPACE, NULL, 0 },
	{ IN("a b"),			ADDR_E_SPACE, NULL, 0 },
	{ IN("a @b@c"),			ADDR_E_SPACE, NULL, 0 },
	{ IN("John Smith <a@b.example>"), ADDR_E_SPACE, NULL, 0 },
	{ IN("a@b.example NOTIFY=NEVER"), ADDR_E_SPACE, NULL, 0 },
	{ IN("a@b.example> SIZE=1"),	ADDR_E_SPACE, NULL, 0 },
	{ IN("a@[ 1.2.3.4]"),		ADDR_E_SPACE, NULL, 0 },
	/* NUL, CR, LF, controls anywhere: they win, NUL first */
	{ IN("a\0@b.example"),		ADDR_E_NUL, NULL, 0 },
	{ IN("\0"),			ADDR_E_NUL, NULL, 0 },
	{ IN("a@b.example\0"),		ADDR_E_NUL, NULL, 0 },
	{ IN("a@b.example\0\r\nDATA"),	ADDR_E_NUL, NULL, 0 },
	{ IN("a\r\n@b\0"),		ADDR_E_NUL, NULL, 0 },
	{ IN("a@b.example\r\nRCPT TO:<x@y>"), ADDR_E_CRLF, NULL, 0 },
	{ IN("a@b>\r\nDATA"),		ADDR_E_CRLF, NULL, 0 },
	{ IN("a@b.example\r\n.\r\nQUIT"), ADDR_E_CRLF, NULL, 0 },
	{ IN("a@b.example>\nMAIL FROM:<>"), ADDR_E_CRLF, NULL, 0 },
	{ IN("a\r@b.example"),		ADDR_E_CRLF, NULL, 0 },
	{ IN("a@b.example\n"),		ADDR_E_CRLF, NULL, 0 },
	{ IN("\r\n"),			ADDR_E_CRLF, NULL, 0 },
	{ IN("\r"),			ADDR_E_CRLF, NULL, 0 },
	{ IN("a\x01@b.example\r"),	ADDR_E_CRLF, NULL, 0 },
	{ IN("a b\n@c"),		ADDR_E_CRLF, NULL, 0 },
	{ IN("a\x01@b.example"),	ADDR_E_CTRL, NULL, 0 },
	{ IN("a@b.example\x1b[31m"),	ADDR_E_CTRL, NULL, 0 },
	{ IN("a\x7f@b.example"),	ADDR_E_CTRL, NULL, 0 },
	{ IN("a\x0b@b.example"),	ADDR_E_CTRL, NULL, 0 },
	{ IN("a\x0c@b.example"),	ADDR_E_CTRL, NULL, 0 },
	{ IN("a@b\x08.example"),	ADDR_E_CTRL, NULL, 0 },
	{ IN("\x1f"),			ADDR_E_CTRL, NULL, 0 },
	{ IN("a b\x01@c"),		ADDR_E_CTRL, NULL, 0 },
	/* domains: LDH labels, RFC 5321 4.1.2, RFC 1035 2.3.1 */
	{ IN("a@.b.example"),		ADDR_E_DOMAIN_DOT, NULL, 0 },
	{ IN("a@b..example"),		ADDR_E_DOMAIN_DOT, NULL, 0 },
	{ IN("a@b.example."),		ADDR_E_DOMAIN_DOT, NULL, 0 },
	{ IN("a@."),			ADDR_E_DOMAIN_DOT, NULL, 0 },
	{ IN("a@.."),			ADDR_E_DOMAIN_DOT, NULL, 0 },
	{ IN("a@-b.example"),		ADDR_E_LABEL_HYPHEN, NULL, 0 },
	{ IN("a@b-.example"),		ADDR_E_LABEL_HYPHEN, NULL, 0 },
	{ IN("a@b.-example"),		ADDR_E_LABEL_HYPHEN, NULL, 0 },
	{ IN("a@b.example-"),		ADDR_E_LABEL_HYPHEN, NULL, 0 },
	{ IN("a@-"),			ADDR_E_LABEL_HYPHEN, NULL, 0 },
	{ IN("a@b_c.example"),		ADDR_E_LABEL_CHAR, NULL, 0 },
	{ IN("a@b!c.example"),		ADDR_E_LABEL_CHAR, NULL, 0 },
	{ IN("a@b.example>"),		ADDR_E_LABEL_CHAR, NULL, 0 },
	{ IN("a@b\"c"),			ADDR_E_LABEL_CHAR, NULL, 0 },
	{ IN("a@b/c"),			ADDR_E_LABEL_CHAR, NULL, 0 },
	{ IN("a@b]"),			ADDR_E_LABEL_CHAR, NULL, 0 },
	{ IN("a@b[1.2.3.4]"),		ADDR_E_LABEL_CHAR, NULL, 0 },
	{ IN("a@b,c"),			ADDR_E_LABEL_CHAR, NULL, 0 },
	{ IN("a@b_c..d"),		ADDR_E_LABEL_CHAR, NULL, 0 },
	{ IN("a@b..c_d"),		ADDR_E_DOMAIN_DOT, NULL, 0 },
	{ IN("a@-b..c"),		ADDR_E_LABEL_HYPHEN, NULL, 0 },
	{ IN("a@b.-c_d"),		ADDR_E_LABEL_CHAR, NULL, 0 },
	/* IPv4 address literals, RFC 5321 4.1.3 */
	{ IN("a@[192.0.2.1]"),		ADDR_OK, "[192.0.2.1]", F_L },
	{ IN("a@[0.0.0.0]"),		ADDR_OK, "[0.0.0.0]", F_L },
	{ IN("a@[255.255.255.255]"),	ADDR_OK, "[255.255.255.255]", F_L },
	{ IN("a@[10.0.100.9]"),		ADDR_OK, "[10.0.100.9]", F_L },
	{ IN("a@[256.1.1.1]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[1.2.3.256]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[01.2.3.4]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[1.2.3.00]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[1234.1.1.1]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[1.2.3]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[1.2.3.4.5]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[1.2.3.]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[1..3.4]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[1.2.3.4"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[1.2.3.4]x"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[1.2.3.4]]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[[1.2.3.4]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[]"),			ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@["),			ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[0x1.2.3.4]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[-1.2.3.4]"),		ADDR_E_LITERAL, NULL, 0 },
	/* IPv6 address literals, RFC 5321 4.1.3, RFC 4291 2.2 */
	{ IN("a@[IPv6:2001:db8::1]"),	ADDR_OK, "[IPv6:2001:db8::1]", F_6 },
	{ IN("a@[ipv6:2001:DB8::1]"),	ADDR_OK, "[ipv6:2001:DB8::1]", F_6 },
	{ IN("a@[IPv6:::1]"),		ADDR_OK, "[IPv6:::1]", F_6 },
	{ IN("a@[IPv6:::]"),		ADDR_OK, "[IPv6:::]", F_6 },
	{ IN("a@[IPv6:1:2:3:4:5:6:7:8]"), ADDR_OK, "[IPv6:1:2:3:4:5:6:7:8]",
	    F_6 },
	{ IN("a@[IPv6:1:2:3:4:5:6:7::]"), ADDR_OK, "[IPv6:1:2:3:4:5:6:7::]",
	    F_6 },
	{ IN("a@[IPv6:::2:3:4:5:6:7:8]"), ADDR_OK, "[IPv6:::2:3:4:5:6:7:8]",
	    F_6 },
	{ IN("a@[IPv6:fe80::]"),	ADDR_OK, "[IPv6:fe80::]", F_6 },
	{ IN("a@[IPv6:::ffff:192.0.2.1]"), ADDR_OK,
	    "[IPv6:::ffff:192.0.2.1]", F_6 },
	{ IN("a@[IPv6:1:2:3:4:5:6:192.0.2.1]"), ADDR_OK,
	    "[IPv6:1:2:3:4:5:6:192.0.2.1]", F_6 },
	{ IN("a@[IPv6:1:2:3:4:5:6:7:8:9]"), ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[IPv6:1:2:3:4:5:6:7]"),	ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[IPv6:1:2:3:4:5:6:7:8::]"), ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[IPv6:1::2::3]"),	ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[IPv6:1:::2]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[IPv6:12345::1]"),	ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[IPv6:g::1]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[IPv6:1:]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[IPv6::1]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[IPv6:]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[IPv6:1:2:3:4:5:6:7:192.0.2.1]"), ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[IPv6:::192.0.2.256]"),	ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[IPv6:::1.2.3.4:5]"),	ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[IPv6:1.2.3.4]"),	ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[IPv6:2001:db8::1"),	ADDR_E_LITERAL, NULL, 0 },
	/* General-address-literals and untagged IPv6 are refused */
	{ IN("a@[tag:foo]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[x400:bar]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[::1]"),		ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[IPv4:1.2.3.4]"),	ADDR_E_LITERAL, NULL, 0 },
	{ IN("a@[IPv7:::1]"),		ADDR_E_LITERAL, NULL, 0 },
	/* limits, RFC 5321 4.5.3.1: at the limit and one over */
	{ IN(L64 "@x.example"),		ADDR_OK, "x.example", 0 },
	{ IN(L65 "@x.example"),		ADDR_E_LOCAL_LONG, NULL, 0 },
	{ IN(L64 "(@x.example"),	ADDR_E_LOCAL_LONG, NULL, 0 },
	{ IN(Q64 "@x.example"),		ADDR_OK, "x.example", F_Q },
	{ IN(Q65 "@x.example"),		ADDR_E_LOCAL_LONG, NULL, 0 },
	{ IN("a@" L63 ".example"),	ADDR_OK, L63 ".example", 0 },
	{ IN("a@" L64 ".example"),	ADDR_E_LABEL_LONG, NULL, 0 },
	{ IN("a@" L63),			ADDR_E_SINGLE_LABEL, NULL, 0 },
	{ IN("a@" L64),			ADDR_E_LABEL_LONG, NULL, 0 },
	{ IN("a@" D252),		ADDR_OK, D252, 0 },
	{ IN("ab@" D252),		ADDR_E_PATH_LONG, NULL, 0 },
	{ IN(L64 "@" D189),		ADDR_OK, D189, 0 },
	{ IN(L64 "@" D190),		ADDR_E_PATH_LONG, NULL, 0 },
	{ IN("a@" D255),		ADDR_E_PATH_LONG, NULL, 0 },
	{ IN("a@" D256),		ADDR_E_DOMAIN_LONG, NULL, 0 },
	{ IN("a@" D256 ".b_c"),		ADDR_E_LABEL_CHAR, NULL, 0 },
	{ IN("a@" D256 "."),		ADDR_E_DOMAIN_DOT, NULL, 0 },
	{ IN("a@" L64 ".b_c"),		ADDR_E_LABEL_LONG, NULL, 0 },
	{ IN(L65 "@" D256),		ADDR_E_LOCAL_LONG, NULL, 0 },
	{ NULL, 0, ADDR_OK, NULL, 0 }
};

/*
 * RFC 3492 7.1 sample strings.  The encoder does not produce mixed-case
 * annotations, so (I), whose sample output has an upper-case "D" as an
 * annotation, is expected in lower case; the basic code points of (D),
 * (J), (K), (L)... keep the case they are given in.
 */
struct puny_case {
	const uint32_t	*cp;
	size_t		 n;
	const char	*out;
};

/* RFC 3492 7.1 (A) */
static const uint32_t puny_a[] = {
	0x0644, 0x064A, 0x0647, 0x0645, 0x0627, 0x0628, 0x062A, 0x0643,
	0x0644, 0x0645, 0x0648, 0x0634, 0x0639, 0x0631, 0x0628, 0x064A,
	0x061F
};
/* RFC 3492 7.1 (B) */
static const uint32_t puny_b[] = {
	0x4ED6, 0x4EEC, 0x4E3A, 0x4EC0, 0x4E48, 0x4E0D, 0x8BF4, 0x4E2D,
	0x6587
};
/* RFC 3492 7.1 (C) */
static const uint32_t puny_c[] = {
	0x4ED6, 0x5011, 0x7232, 0x4EC0, 0x9EBD, 0x4E0D, 0x8AAA, 0x4E2D,
	0x6587
};
/* RFC 3492 7.1 (D) */
static const uint32_t puny_d[] = {
	0x0050, 0x0072, 0x006F, 0x010D, 0x0070, 0x0072, 0x006F, 0x0073,
	0x0074, 0x011B, 0x006E, 0x0065, 0x006D, 0x006C, 0x0075, 0x0076,
	0x00ED, 0x010D, 0x0065, 0x0073, 0x006B, 0x0079
};
/* RFC 3492 7.1 (E) */
static const uint32_t puny_e[] = {
	0x05DC, 0x05DE, 0x05D4, 0x05D4, 0x05DD, 0x05E4, 0x05E9, 0x05D5,
	0x05D8, 0x05DC, 0x05D0, 0x05DE, 0x05D3, 0x05D1, 0x05E8, 0x05D9,
	0x05DD, 0x05E2, 0x05D1, 0x05E8, 0x05D9, 0x05EA
};
/* RFC 3492 7.1 (F) */
static const uint32_t puny_f[] = {
	0x092F, 0x0939, 0x0932, 0x094B, 0x0917, 0x0939, 0x093F, 0x0928,
	0x094D, 0x0926, 0x0940, 0x0915, 0x094D, 0x092F, 0x094B, 0x0902,
	0x0928, 0x0939, 0x0940, 0x0902, 0x092C, 0x094B, 0x0932, 0x0938,
	0x0915, 0x0924, 0x0947, 0x0939, 0x0948, 0x0902
};
/* RFC 3492 7.1 (G) */
static const uint32_t puny_g[] = {
	0x306A, 0x305C, 0x307F, 0x3093, 0x306A, 0x65E5, 0x672C, 0x8A9E,
	0x3092, 0x8A71, 0x3057, 0x3066, 0x304F, 0x308C, 0x306A, 0x3044,
	0x306E, 0x304B
};
/* RFC 3492 7.1 (H) */
static const uint32_t puny_h[] = {
	0xC138, 0xACC4, 0xC758, 0xBAA8, 0xB4E0, 0xC0AC, 0xB78C, 0xB4E4,
	0xC774, 0xD55C, 0xAD6D, 0xC5B4, 0xB97C, 0xC774, 0xD574, 0xD55C,
	0xB2E4, 0xBA74, 0xC5BC, 0xB9C8, 0xB098, 0xC88B, 0xC744, 0xAE4C
};
/* RFC 3492 7.1 (I) */
static const uint32_t puny_i[] = {
	0x043F, 0x043E, 0x0447, 0x0435, 0x043C, 0x0443, 0x0436, 0x0435,
	0x043E, 0x043D, 0x0438, 0x043D, 0x0435, 0x0433, 0x043E, 0x0432,
	0x043E, 0x0440, 0x044F, 0x0442, 0x043F, 0x043E, 0x0440, 0x0443,
	0x0441, 0x0441, 0x043A, 0x0438
};
/* RFC 3492 7.1 (J) */
static const uint32_t puny_j[] = {
	0x0050, 0x006F, 0x0072, 0x0071, 0x0075, 0x00E9, 0x006E, 0x006F,
	0x0070, 0x0075, 0x0065, 0x0064, 0x0065, 0x006E, 0x0073, 0x0069,
	0x006D, 0x0070, 0x006C, 0x0065, 0x006D, 0x0065, 0x006E, 0x0074,
	0x0065, 0x0068, 0x0061, 0x0062, 0x006C, 0x0061, 0x0072, 0x0065,
	0x006E, 0x0045, 0x0073, 0x0070, 0x0061, 0x00F1, 0x006F, 0x006C
};
/* RFC 3492 7.1 (K) */
static const uint32_t puny_k[] = {
	0x0054, 0x1EA1, 0x0069, 0x0073, 0x0061, 0x006F, 0x0068, 0x1ECD,
	0x006B, 0x0068, 0x00F4, 0x006E, 0x0067, 0x0074, 0x0068, 0x1EC3,
	0x0063, 0x0068, 0x1EC9, 0x006E, 0x00F3, 0x0069, 0x0074, 0x0069,
	0x1EBF, 0x006E, 0x0067, 0x0056, 0x0069, 0x1EC7, 0x0074
};
/* RFC 3492 7.1 (L) */
static const uint32_t puny_l[] = {
	0x0033, 0x5E74, 0x0042, 0x7D44, 0x91D1, 0x516B, 0x5148, 0x751F
};
/* RFC 3492 7.1 (M) */
static const uint32_t puny_m[] = {
	0x5B89, 0x5BA4, 0x5948, 0x7F8E, 0x6075, 0x002D, 0x0077, 0x0069,
	0x0074, 0x0068, 0x002D, 0x0053, 0x0055, 0x0050, 0x0045, 0x0052,
	0x002D, 0x004D, 0x004F, 0x004E, 0x004B, 0x0045, 0x0059, 0x0053
};
/* RFC 3492 7.1 (N) */
static const uint32_t puny_n[] = {
	0x0048, 0x0065, 0x006C, 0x006C, 0x006F, 0x002D, 0x0041, 0x006E,
	0x006F, 0x0074, 0x0068, 0x0065, 0x0072, 0x002D, 0x0057, 0x0061,
	0x0079, 0x002D, 0x305D, 0x308C, 0x305E, 0x308C, 0x306E, 0x5834,
	0x6240
};
/* RFC 3492 7.1 (O) */
static const uint32_t puny_o[] = {
	0x3072, 0x3068, 0x3064, 0x5C4B, 0x6839, 0x306E, 0x4E0B, 0x0032
};
/* RFC 3492 7.1 (P) */
static const uint32_t puny_p[] = {
	0x004D, 0x0061, 0x006A, 0x0069, 0x3067, 0x004B, 0x006F, 0x0069,
	0x3059, 0x308B, 0x0035, 0x79D2, 0x524D
};
/* RFC 3492 7.1 (Q) */
static const uint32_t puny_q[] = {
	0x30D1, 0x30D5, 0x30A3, 0x30FC, 0x0064, 0x0065, 0x30EB, 0x30F3,
	0x30D0
};
/* RFC 3492 7.1 (R) */
static const uint32_t puny_r[] = {
	0x305D, 0x306E, 0x30B9, 0x30D4, 0x30FC, 0x30C9, 0x3067
};
/* RFC 3492 7.1 (S) */
static const uint32_t puny_s[] = {
	0x002D, 0x003E, 0x0020, 0x0024, 0x0031, 0x002E, 0x0030, 0x0030,
	0x0020, 0x003C, 0x002D
};
static const struct puny_case puny_cases[] = {
	{ puny_a, sizeof(puny_a) / sizeof(puny_a[0]),
	    "egbpdaj6bu4bxfgehfvwxn" },
	{ puny_b, sizeof(puny_b) / sizeof(puny_b[0]),
	    "ihqwcrb4cv8a8dqg056pqjye" },
	{ puny_c, sizeof(puny_c) / sizeof(puny_c[0]),
	    "ihqwctvzc91f659drss3x8bo0yb" },
	{ puny_d, sizeof(puny_d) / sizeof(puny_d[0]),
	    "Proprostnemluvesky-uyb24dma41a" },
	{ puny_e, sizeof(puny_e) / sizeof(puny_e[0]),
	    "4dbcagdahymbxekheh6e0a7fei0b" },
	{ puny_f, sizeof(puny_f) / sizeof(puny_f[0]),
	    "i1baa7eci9glrd9b2ae1bj0hfcgg6iyaf8o0a1dig0cd" },
	{ puny_g, sizeof(puny_g) / sizeof(puny_g[0]),
	    "n8jok5ay5dzabd5bym9f0cm5685rrjetr6pdxa" },
	{ puny_h, sizeof(puny_h) / sizeof(puny_h[0]),
	    "989aomsvi5e83db1d2a355cv1e0vak1dwrv93d5xbh15a0dt30a5"
	    "jpsd879ccm6fea98c" },
	{ puny_i, sizeof(puny_i) / sizeof(puny_i[0]),
	    "b1abfaaepdrnnbgefbadotcwatmq2g4l" },
	{ puny_j, sizeof(puny_j) / sizeof(puny_j[0]),
	    "PorqunopuedensimplementehablarenEspaol-fmd56a" },
	{ puny_k, sizeof(puny_k) / sizeof(puny_k[0]),
	    "TisaohkhngthchnitingVit-kjcr8268qyxafd2f1b9g" },
	{ puny_l, sizeof(puny_l) / sizeof(puny_l[0]),
	    "3B-ww4c5e180e575a65lsy2b" },
	{ puny_m, sizeof(puny_m) / sizeof(puny_m[0]),
	    "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n" },
	{ puny_n, sizeof(puny_n) / sizeof(puny_n[0]),
	    "Hello-Another-Way--fc4qua05auwb3674vfr0b" },
	{ puny_o, sizeof(puny_o) / sizeof(puny_o[0]),
	    "2-u9tlzr9756bt3uc0v" },
	{ puny_p, sizeof(puny_p) / sizeof(puny_p[0]),
	    "MajiKoi5-783gue6qz075azm5e" },
	{ puny_q, sizeof(puny_q) / sizeof(puny_q[0]),
	    "de-jg4avhby1noc0d" },
	{ puny_r, sizeof(puny_r) / sizeof(puny_r[0]),
	    "d9juau41awczczp" },
	{ puny_s, sizeof(puny_s) / sizeof(puny_s[0]),
	    "-> $1.00 <--" },
	{ NULL, 0, NULL }
};

/* the binary form of a few literals */
static const struct {
	const char	*in;
	uint8_t		 lit[16];
} addr_lit_cases[] = {
	{ "a@[192.0.2.1]", { 192, 0, 2, 1 } },
	{ "a@[0.0.0.0]", { 0 } },
	{ "a@[255.255.255.255]", { 255, 255, 255, 255 } },
	{ "a@[IPv6:2001:db8::1]",
	    { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } },
	{ "a@[IPv6:::1]", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } },
	{ "a@[IPv6:::]", { 0 } },
	{ "a@[IPv6:1:2:3:4:5:6:7::]",
	    { 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0 } },
	{ "a@[IPv6:::2:3:4:5:6:7:8]",
	    { 0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8 } },
	{ "a@[IPv6:fe80::]",
	    { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },
	{ "a@[IPv6:ABCD:ef01:2345:6789:aBcD:EF01:2345:6789]",
	    { 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89,
	      0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89 } },
	{ "a@[IPv6:::ffff:192.0.2.1]",
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1 } },
	{ "a@[IPv6:1:2:3:4:5:6:192.0.2.1]",
	    { 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 192, 0, 2, 1 } },
	{ "a@[IPv6:1::8]",
	    { 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8 } },
	{ NULL, { 0 } }
};

/* the tokens are part of the output formats: they must never change */
static const char *const addr_tokens[] = {
	"ok", "empty", "nul", "crlf", "ctrl", "space", "no_at", "multi_at",
	"local_empty", "local_long", "local_char", "local_dot", "quote",
	"domain_empty", "domain_long", "domain_dot", "label_long",
	"label_char", "label_hyphen", "literal", "utf8", "idna", "path_long",
	"too_long", "single_label", NULL
};

static int
addr_is_lower_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80 || (*s >= 'A' && *s <= 'Z')) {
			return 0;
		}
	}
	return 1;
}

void
test_addr(void)
{
	const struct addr_case	*c;
	struct addr		 a, b;
	enum addr_err		 r;
	char			 buf[ADDR_LOCAL_MAX + 1 + ADDR_DOMAIN_MAX + 1];
	size_t			 i, n;
	int			 e;

	for (c = addr_cases; c->in != NULL; c++) {
		memset(&a, 0xA5, sizeof(a));
		r = addr_parse(c->in, c->len, &a);
		T_CHECKF(r == c->want, "row %d \"%.40s\": got %s, want %s",
		    (int)(c - addr_cases), c->in, addr_err_token(r),
		    addr_err_token(c->want));
		if (r != ADDR_OK || c->want != ADDR_OK) {
			continue;
		}
		T_STREQ(a.domain, c->domain);
		T_INTEQ(a.domain_len, strlen(c->domain));
		T_CHECKF(a.flags == c->flags, "row %d \"%.40s\": flags %#x, "
		    "want %#x", (int)(c - addr_cases), c->in, a.flags,
		    c->flags);
		/* the local part comes back exactly as given, case kept */
		T_INTEQ(a.local_len, strlen(a.local));
		T_CHECK(a.local_len < c->len && c->in[a.local_len] == '@' &&
		    memcmp(a.local, c->in, a.local_len) == 0);
		if (!(a.flags & ADDR_F_LITERAL)) {
			T_CHECK(addr_is_lower_ascii(a.domain));
		}
		/* what we put on the wire parses again to the same thing */
		n = 0;
		memcpy(buf, a.local, a.local_len);
		n += a.local_len;
		buf[n++] = '@';
		memcpy(buf + n, a.domain, a.domain_len);
		n += a.domain_len;
		r = addr_parse(buf, n, &b);
		T_INTEQ(r, ADDR_OK);
		if (r == ADDR_OK) {
			T_STREQ(b.domain, a.domain);
			T_INTEQ(b.flags, a.flags & ~(unsigned)ADDR_F_IDN);
		}
	}

	/* the input need not be NUL-terminated: only len counts */
	r = addr_parse("a@B.example@x y\r\n", 11, &a);
	T_INTEQ(r, ADDR_OK);
	T_STREQ(a.domain, "b.example");
	T_STREQ(a.local, "a");
	r = addr_parse("a@b.example", 2, &a);
	T_INTEQ(r, ADDR_E_DOMAIN_EMPTY);

	for (i = 0; addr_lit_cases[i].in != NULL; i++) {
		memset(&a, 0xA5, sizeof(a));
		r = addr_parse(addr_lit_cases[i].in,
		    strlen(addr_lit_cases[i].in), &a);
		T_INTEQ(r, ADDR_OK);
		n = (a.flags & ADDR_F_IPV6) ? 16 : 4;
		T_CHECKF(memcmp(a.lit, addr_lit_cases[i].lit, n) == 0,
		    "%s", addr_lit_cases[i].in);
	}

	/* --allow-single-label: dotless domains pass; literals always did */
	addr_allow_single_label(1);
	T_INTEQ(addr_parse("alice@ok", 8, &a), ADDR_OK);
	T_STREQ(a.domain, "ok");
	T_INTEQ(addr_parse("a@Localhost", 11, &a), ADDR_OK);
	T_STREQ(a.domain, "localhost");
	addr_allow_single_label(0);
	T_INTEQ(addr_parse("alice@ok", 8, &a), ADDR_E_SINGLE_LABEL);
	T_INTEQ(addr_parse("a@[192.0.2.1]", 13, &a), ADDR_OK);

	/* tokens are stable and texts exist; out of range does not crash */
	for (e = 0; e < ADDR_E__COUNT; e++) {
		T_CHECK(addr_tokens[e] != NULL);
		if (addr_tokens[e] != NULL) {
			T_STREQ(addr_err_token((enum addr_err)e),
			    addr_tokens[e]);
		}
		T_CHECK(addr_err_text((enum addr_err)e) != NULL &&
		    addr_err_text((enum addr_err)e)[0] != '\0');
	}
	T_CHECK(addr_tokens[ADDR_E__COUNT] == NULL);
	T_STREQ(addr_err_token(ADDR_E__COUNT), "unknown");
	T_STREQ(addr_err_token((enum addr_err)-1), "unknown");
	T_STREQ(addr_err_token((enum addr_err)1000), "unknown");
	T_CHECK(addr_err_text(ADDR_E__COUNT) != NULL);
	T_CHECK(addr_err_text((enum addr_err)-1) != NULL);
}

void
test_punycode(void)
{
	static const uint32_t muenchen[] = {
		'm', 0xFC, 'n', 'c', 'h', 'e', 'n'
	};
	static const uint32_t bad[] = { 'a', 0x110000 };
	static uint32_t		 big[4001];
	static char		 huge[8192];
	const struct puny_case	*c;
	char			 out[128];
	size_t			 i;
	int			 r;

	for (c = puny_cases; c->cp != NULL; c++) {
		memset(out, 0, sizeof(out));
		r = punycode_encode(c->cp, c->n, out, sizeof(out) - 1);
		T_CHECKF(r >= 0 && (size_t)r == strlen(c->out) &&
		    memcmp(out, c->out, (size_t)r) == 0,
		    "row %d: got %d \"%s\", want \"%s\"",
		    (int)(c - puny_cases), r, out, c->out);
		/* one octet short must fail, not truncate */
		if (r > 0) {
			T_INTEQ(punycode_encode(c->cp, c->n, out,
			    (size_t)r - 1), -1);
			T_INTEQ(punycode_encode(c->cp, c->n, out, (size_t)r),
			    r);
		}
	}
	r = punycode_encode(muenchen, 7, out, sizeof(out));
	T_INTEQ(r, 10);
	T_CHECK(r == 10 && memcmp(out, "mnchen-3ya", 10) == 0);
	T_INTEQ(punycode_encode(muenchen, 0, out, sizeof(out)), 0);
	T_INTEQ(punycode_encode(muenchen, 7, out, 0), -1);
	T_INTEQ(punycode_encode(bad, 2, out, sizeof(out)), -1);

	/* RFC 3492 6.4: (0x10FFFF - 0x80) * 4001 overflows 32 bits */
	for (i = 0; i < sizeof(big) / sizeof(big[0]) - 1; i++) {
		big[i] = 'a';
	}
	big[i] = 0x10FFFF;
	T_INTEQ(punycode_encode(big, sizeof(big) / sizeof(big[0]), huge,
	    sizeof(huge)), -1);
}
