/*
 * test_out.c - the three formats, their escaping, one line per result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out.h"
#include "result.h"
#include "t.h"
#include "tests.h"

/* format res in fmt and return the text (static buffer) */
static const char *
fmt(enum out_fmt f, const struct result *res)
{
	static char	 text[OUT_BUF + 1];
	struct out	 o;
	int		 p[2];
	ssize_t		 n;

	if (pipe(p) != 0 || out_init(&o, p[1], f) != 0) {
		return "";
	}
	out_result(&o, res);
	out_flush(&o, 1);
	close(p[1]);
	n = read(p[0], text, OUT_BUF);
	close(p[0]);
	out_free(&o);
	text[n > 0 ? n : 0] = '\0';
	return text;
}

static void
mk(struct result *r, const char *addr, size_t n)
{
	struct input_line	 l;

	memset(r, 0, sizeof(*r));
	r->catch_all = -1;
	l.s = addr;
	l.len = n;
	l.full_len = n;
	l.lineno = 7;
	l.too_long = 0;
	res_input(r, &l);
}

void
test_out(void)
{
	struct result	 r;

	mk(&r, "a@b.example", 11);
	res_reason(&r, R_MAILBOX_MISSING, NULL);
	r.code = 550;
	strcpy(r.ecode, "5.1.1");
	strcpy(r.text, "User unknown");
	strcpy(r.mx, "mx.b.example");
	strcpy(r.ip, "192.0.2.1");
	T_STREQ(fmt(OUT_TEXT, &r), "a@b.example\tundeliverable\t"
	    "mailbox_missing\t550 5.1.1 User unknown; via mx.b.example "
	    "[192.0.2.1]\n");
	T_STREQ(fmt(OUT_JSON, &r), "{\"address\":\"a@b.example\","
	    "\"verdict\":\"undeliverable\",\"reason\":\"mailbox_missing\","
	    "\"detail\":null,\"domain\":null,\"mx\":\"mx.b.example\","
	    "\"ip\":\"192.0.2.1\",\"code\":550,\"ecode\":\"5.1.1\","
	    "\"text\":\"User unknown\",\"catch_all\":null,\"role\":false,"
	    "\"duplicate\":false,\"tls\":null,\"tls_note\":null,\"attempts\":0,"
	    "\"elapsed_ms\":0,\"line\":7,\"mx_hosts\":null}\n");
	T_STREQ(fmt(OUT_CSV, &r), "address,verdict,reason,detail,domain,mx,"
	    "ip,code,ecode,text,catch_all,role,tls,attempts,elapsed_ms,line,"
	    "mx_hosts\n"
	    "a@b.example,undeliverable,mailbox_missing,550 5.1.1 User "
	    "unknown; via mx.b.example [192.0.2.1],,mx.b.example,192.0.2.1,"
	    "550,5.1.1,User unknown,,false,,0,0,7,\n");

	/* hostile bytes: one line whatever the input held */
	mk(&r, "a\tb\r\n\"x,y\"\\\x7f\0@c", 15);
	res_reason(&r, R_SYNTAX, "crlf: CR or LF in the address");
	T_STREQ(fmt(OUT_TEXT, &r), "a\\x09b\\x0d\\x0a\"x,y\"\\\\\\x7f\\x00@c"
	    "\tundeliverable\tsyntax\tcrlf: CR or LF in the address\n");
	T_STREQ(fmt(OUT_CSV, &r) + 112, "\"a\\x09b\\x0d\\x0a\"\"x,y\"\""
	    "\\\\\\x7f\\x00@c\",undeliverable,syntax,crlf: CR or LF in the "
	    "address,,,,,,,,false,,0,0,7,\n");
	/* JSON: controls as \u00XX, invalid UTF-8 as U+FFFD */
	mk(&r, "\xc3\xa9\xff\x01\"@c", 7);
	res_reason(&r, R_SYNTAX, NULL);
	T_CHECK(strncmp(fmt(OUT_JSON, &r), "{\"address\":\"\xc3\xa9\\ufffd"
	    "\\u0001\\\"@c\"", 29) == 0);

	/* --mx-only's list of hosts */
	mk(&r, "a@b", 3);
	res_reason(&r, R_MX_OK, NULL);
	strcpy(r.mxlist, "10 mx1.b 192.0.2.1 2001:db8::1;20 mx2.b");
	T_STREQ(fmt(OUT_TEXT, &r), "a@b\tdeliverable\tmx_ok\tmx 10 mx1.b "
	    "192.0.2.1 2001:db8::1, 20 mx2.b\n");
	T_CHECK(strstr(fmt(OUT_JSON, &r), "\"mx_hosts\":[{\"pref\":10,"
	    "\"host\":\"mx1.b\",\"addrs\":[\"192.0.2.1\",\"2001:db8::1\"]},"
	    "{\"pref\":20,\"host\":\"mx2.b\",\"addrs\":[]}]}") != NULL);

	/* a cut input is marked, the flags show */
	mk(&r, "abc", 3);
	r.flags |= RES_F_CUT | RES_F_ROLE;
	r.catch_all = 1;
	res_reason(&r, R_CATCH_ALL, NULL);
	T_STREQ(fmt(OUT_TEXT, &r), "abc...\trisky\tcatch_all\trole account\n");
	T_CHECK(strstr(fmt(OUT_JSON, &r), "\"catch_all\":true,\"role\":true")
	    != NULL);
}
