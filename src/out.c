/*
 * out.c - text, JSON-lines and CSV writers; see out.h, docs/formats.md.
 *
 * Escaping, so one result is always one line:
 *  - text and CSV: bytes 0x00-0x1f and 0x7f, the C1 controls (UTF-8
 *    C2 80-C2 9F) and bytes that are not valid UTF-8 become \xHH, a
 *    backslash becomes \\ (so the escaping can be undone); CSV then
 *    quotes a field holding a comma or a double quote (RFC 4180, quotes
 *    doubled), and neutralises a field that starts like a formula;
 *  - JSON (RFC 8259): ", \ and controls (C0, DEL, C1) escaped; a byte
 *    sequence that is not valid UTF-8 becomes U+FFFD, so the line is
 *    always valid JSON.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "out.h"
#include "util.h"
#include "verdict.h"

static const char hex[] = "0123456789abcdef";

#define CSV_HEADER "address,verdict,reason,detail,domain,mx,ip,code,ecode," \
	"text,catch_all,role,tls,attempts,elapsed_ms,line,mx_hosts\n"

int
out_init(struct out *o, int fd, enum out_fmt fmt)
{
	struct stat	 st;

	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->fmt = fmt;
	o->is_reg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	o->buf = malloc(OUT_BUF);
	if (o->buf == NULL) {
		return -1;
	}
	if (fmt == OUT_CSV) {
		memcpy(o->buf, CSV_HEADER, sizeof(CSV_HEADER) - 1);
		o->len = sizeof(CSV_HEADER) - 1;
	}
	return 0;
}

void
out_free(struct out *o)
{
	free(o->buf);
	o->buf = NULL;
}

int
out_room(struct out *o)
{
	if (OUT_BUF - o->len < OUT_LINE_MAX && o->off > 0) {
		memmove(o->buf, o->buf + o->off, o->len - o->off);
		o->len -= o->off;
		o->off = 0;
	}
	return OUT_BUF - o->len >= OUT_LINE_MAX;
}

/* length of the valid UTF-8 sequence at s (n > 0 bytes left), or 0 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	uint32_t	 cp;
	size_t		 len, i;

	if (s[0] < 0x80) {
		return 1;
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n) {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			return 0;
		}
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
		return 0;
	}
	return len;
}

/*
 * Bytes a terminal or a log reader could act on: C0 controls, DEL, the
 * C1 controls U+0080-U+009F (as UTF-8, C2 80-C2 9F) and any byte that
 * is not part of valid UTF-8 (a raw 0x9b is an 8-bit CSI).  Returns how
 * many bytes at s to escape (0: none, the next k bytes are fine, *ok).
 */
static size_t
unsafe_len(const unsigned char *s, size_t n, size_t *ok)
{
	size_t	 k;

	*ok = 1;
	if (s[0] < 0x20 || s[0] == 0x7f || s[0] == '\\') {
		return 1;
	}
	if (s[0] < 0x80) {
		return 0;
	}
	k = utf8_len(s, n);
	if (k == 0) {
		return 1;
	}
	if (k == 2 && s[0] == 0xc2 && s[1] < 0xa0) {
		return 2;
	}
	*ok = k;
	return 0;
}

/* see out.h: text and CSV field escaping, also for logs */
void
out_esc(struct buf *b, const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, run = 0, k, ok, j;

	while (i < n) {
		k = unsafe_len(u + i, n - i, &ok);
		if (k == 0) {
			i += ok;
			continue;
		}
		buf_add(b, s + run, i - run);
		for (j = i; j < i + k; j++) {
			if (u[j] == '\\') {
				buf_add(b, "\\\\", 2);
			} else {
				char e[4] = { '\\', 'x', hex[u[j] >> 4],
				    hex[u[j] & 15] };
				buf_add(b, e, 4);
			}
		}
		i += k;
		run = i;
	}
	buf_add(b, s + run, n - run);
}

#define esc_text out_esc

static void
json_str(struct buf *b, const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, k;

	buf_addc(b, '"');
	while (i < n) {
		if (u[i] == '"' || u[i] == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)u[i++]);
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			char e[6] = { '\\', 'u', '0', '0',
			    hex[u[i] >> 4], hex[u[i] & 15] };
			buf_add(b, e, 6);
			i++;
		} else if ((k = utf8_len(u + i, n - i)) == 0) {
			buf_adds(b, "\\ufffd");
			i++;
		} else if (k == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0) {
			/* a C1 control (U+0080-U+009F), as text and CSV do */
			char e[6] = { '\\', 'u', '0', '0',
			    hex[u[i + 1] >> 4], hex[u[i + 1] & 15] };
			buf_add(b, e, 6);
			i += 2;
		} else {
			buf_add(b, u + i, k);
			i += k;
		}
	}
	buf_addc(b, '"');
}

static void
json_strz(struct buf *b, const char *s)
{
	if (*s == '\0') {
		buf_adds(b, "null");
	} else {
		json_str(b, s, strlen(s));
	}
}

static void
json_key(struct buf *b, const char *key)
{
	buf_addc(b, ',');
	buf_addc(b, '"');
	buf_adds(b, key);
	buf_adds(b, "\":");
}

/*
 * JSON "tls": null without TLS, else the object of docs/formats.md;
 * "tls_note": why TLS was not used (handshake failed, STARTTLS refused)
 */
static void
json_tls(struct buf *b, const struct result *r)
{
	const struct res_tls	*t = &r->tlsi;

	json_key(b, "tls");
	if (!(t->flags & RES_TLS_ON)) {
		buf_adds(b, "null");
		json_key(b, "tls_note");
		json_strz(b, r->tls);
		return;
	}
	buf_adds(b, "{\"version\":");
	json_strz(b, t->version);
	json_key(b, "cipher");
	json_strz(b, t->cipher);
	json_key(b, "verified");
	buf_adds(b, t->flags & RES_TLS_VERIFIED ? "true" : "false");
	json_key(b, "verify_error");
	json_strz(b, t->verify_error);
	json_key(b, "subject");
	json_strz(b, t->subject);
	json_key(b, "issuer");
	json_strz(b, t->issuer);
	json_key(b, "not_after");
	json_strz(b, t->not_after);
	json_key(b, "resumed");
	buf_adds(b, t->flags & RES_TLS_RESUMED ? "true" : "false");
	buf_addc(b, '}');
	json_key(b, "tls_note");
	buf_adds(b, "null");
}

/* the free-text detail column of text and CSV output */
static void
detail_text(struct buf *b, const struct result *r)
{
	const char	*sep = "";

	if (r->detail[0] != '\0') {
		esc_text(b, r->detail, strlen(r->detail));
		sep = "; ";
	}
	if (r->code != 0) {
		buf_adds(b, sep);
		buf_addu(b, r->code);
		if (r->ecode[0] != '\0') {
			buf_addc(b, ' ');
			buf_adds(b, r->ecode);
		}
		if (r->text[0] != '\0') {
			buf_addc(b, ' ');
			esc_text(b, r->text, strlen(r->text));
		}
		sep = "; ";
	}
	if (r->mx[0] != '\0' && r->mxlist[0] == '\0') {
		buf_adds(b, sep);
		buf_adds(b, "via ");
		esc_text(b, r->mx, strlen(r->mx));
		if (r->ip[0] != '\0') {
			buf_adds(b, " [");
			buf_adds(b, r->ip);
			buf_addc(b, ']');
		}
		sep = "; ";
	}
	if (r->mxlist[0] != '\0') {
		const char *p;

		buf_adds(b, sep);
		buf_adds(b, "mx ");
		for (p = r->mxlist; *p != '\0'; p++) {
			if (*p == ';') {
				buf_adds(b, ", ");
			} else {
				buf_addc(b, *p);
			}
		}
		sep = "; ";
	}
	if (r->tls[0] != '\0') {
		buf_adds(b, sep);
		buf_adds(b, "tls ");
		esc_text(b, r->tls, strlen(r->tls));
		sep = "; ";
	}
	if (r->flags & RES_F_ROLE) {
		buf_adds(b, sep);
		buf_adds(b, "role account");
		sep = "; ";
	}
	if (r->flags & RES_F_DUP) {
		buf_adds(b, sep);
		buf_adds(b, "duplicate");
	}
}

static void
addr_field(struct buf *b, const struct result *r)
{
	esc_text(b, r->addr, r->addr_len);
	if (r->flags & RES_F_CUT) {
		buf_adds(b, "...");
	}
}

static void
fmt_text(struct buf *b, const struct result *r)
{
	addr_field(b, r);
	buf_addc(b, '\t');
	buf_adds(b, verdict_token(r->verdict));
	buf_addc(b, '\t');
	buf_adds(b, reason_token(r->reason));
	buf_addc(b, '\t');
	detail_text(b, r);
	buf_addc(b, '\n');
}

/*
 * The compact MX list of mx.h ("PREF HOST ADDR...;PREF HOST ...") as a
 * JSON array of {"pref":N,"host":"...","addrs":["..."]}, or null.
 */
static void
json_mxlist(struct buf *b, const char *s)
{
	const char	*e, *t;
	int		 n;

	if (*s == '\0') {
		buf_adds(b, "null");
		return;
	}
	buf_addc(b, '[');
	for (; *s != '\0'; s = *e == ';' ? e + 1 : e) {
		e = strchr(s, ';');
		if (e == NULL) {
			e = s + strlen(s);
		}
		if (b->len > 0 && b->p[b->len - 1] == '}') {
			buf_addc(b, ',');
		}
		buf_adds(b, "{\"pref\":");
		for (n = 0; s < e && *s != ' '; s++, n++) {
			buf_addc(b, *s);
		}
		buf_adds(b, n == 0 ? "0,\"host\":" : ",\"host\":");
		s += s < e;
		t = s;
		while (s < e && *s != ' ') {
			s++;
		}
		json_str(b, t, (size_t)(s - t));
		buf_adds(b, ",\"addrs\":[");
		for (n = 0; s < e; n++) {
			s++;
			t = s;
			while (s < e && *s != ' ') {
				s++;
			}
			if (n > 0) {
				buf_addc(b, ',');
			}
			json_str(b, t, (size_t)(s - t));
		}
		buf_adds(b, "]}");
	}
	buf_addc(b, ']');
}

static void
fmt_json(struct buf *b, const struct result *r)
{
	char		 mem[RES_ADDR_MAX + 3];
	struct buf	 a;

	buf_init(&a, mem, sizeof(mem));
	buf_add(&a, r->addr, r->addr_len);
	if (r->flags & RES_F_CUT) {
		buf_adds(&a, "...");
	}
	buf_adds(b, "{\"address\":");
	json_str(b, a.p, a.len);
	json_key(b, "verdict");
	json_strz(b, verdict_token(r->verdict));
	json_key(b, "reason");
	json_strz(b, reason_token(r->reason));
	json_key(b, "detail");
	json_strz(b, r->detail);
	json_key(b, "domain");
	json_strz(b, r->domain);
	json_key(b, "mx");
	json_strz(b, r->mx);
	json_key(b, "ip");
	json_strz(b, r->ip);
	json_key(b, "code");
	if (r->code != 0) {
		buf_addu(b, r->code);
	} else {
		buf_adds(b, "null");
	}
	json_key(b, "ecode");
	json_strz(b, r->ecode);
	json_key(b, "text");
	json_strz(b, r->text);
	json_key(b, "catch_all");
	buf_adds(b, r->catch_all < 0 ? "null" :
	    r->catch_all ? "true" : "false");
	json_key(b, "role");
	buf_adds(b, r->flags & RES_F_ROLE ? "true" : "false");
	json_key(b, "duplicate");
	buf_adds(b, r->flags & RES_F_DUP ? "true" : "false");
	json_tls(b, r);
	json_key(b, "attempts");
	buf_addu(b, r->attempts);
	json_key(b, "elapsed_ms");
	buf_addu(b, r->elapsed_ms);
	json_key(b, "line");
	buf_addu(b, r->line);
	json_key(b, "mx_hosts");
	json_mxlist(b, r->mxlist);
	buf_adds(b, "}\n");
}

/*
 * RFC 4180: quote (doubling quotes) when the field needs it.  A cell
 * that starts like a spreadsheet formula (= + - @, OWASP "CSV
 * injection") gets a leading ' and quotes, so it is shown, not run.
 */
static void
csv_quote(struct buf *b, const char *p, size_t n)
{
	size_t	 i;
	int	 formula = n > 0 && p[0] != '\0' &&
	    strchr("=+-@", p[0]) != NULL;

	if (!formula && memchr(p, ',', n) == NULL &&
	    memchr(p, '"', n) == NULL) {
		buf_add(b, p, n);
		return;
	}
	buf_addc(b, '"');
	if (formula) {
		buf_addc(b, '\'');
	}
	for (i = 0; i < n; i++) {
		if (p[i] == '"') {
			buf_addc(b, '"');
		}
		buf_addc(b, p[i]);
	}
	buf_addc(b, '"');
}

/* one CSV field: escaped as text, then quoted if it needs it */
static void
csv_field(struct buf *b, const char *s, size_t n, int last)
{
	char		 mem[OUT_LINE_MAX / 2];
	struct buf	 t;

	buf_init(&t, mem, sizeof(mem));
	esc_text(&t, s, n);
	csv_quote(b, t.p, t.len);
	buf_addc(b, last ? '\n' : ',');
}

static void
csv_fieldz(struct buf *b, const char *s)
{
	csv_field(b, s, strlen(s), 0);
}

static void
csv_num(struct buf *b, uint64_t v, int present, int last)
{
	if (present) {
		buf_addu(b, v);
	}
	buf_addc(b, last ? '\n' : ',');
}

static void
fmt_csv(struct buf *b, const struct result *r)
{
	char		 mem[OUT_LINE_MAX / 2];
	struct buf	 t;

	buf_init(&t, mem, sizeof(mem));
	buf_add(&t, r->addr, r->addr_len);
	if (r->flags & RES_F_CUT) {
		buf_adds(&t, "...");
	}
	csv_field(b, t.p, t.len, 0);
	csv_fieldz(b, verdict_token(r->verdict));
	csv_fieldz(b, reason_token(r->reason));
	buf_init(&t, mem, sizeof(mem));
	/* the detail column is already escaped: quote it only */
	detail_text(&t, r);
	csv_quote(b, t.p, t.len);
	buf_addc(b, ',');
	csv_fieldz(b, r->domain);
	csv_fieldz(b, r->mx);
	csv_fieldz(b, r->ip);
	csv_num(b, r->code, r->code != 0, 0);
	csv_fieldz(b, r->ecode);
	csv_fieldz(b, r->text);
	buf_adds(b, r->catch_all < 0 ? "," :
	    r->catch_all ? "true," : "false,");
	buf_adds(b, r->flags & RES_F_ROLE ? "true," : "false,");
	csv_fieldz(b, r->tls);
	csv_num(b, r->attempts, 1, 0);
	csv_num(b, r->elapsed_ms, 1, 0);
	csv_num(b, r->line, 1, 0);
	csv_field(b, r->mxlist, strlen(r->mxlist), 1);
}


/* see out.h */
size_t
out_format(enum out_fmt fmt, const struct result *res, char *mem, size_t cap)
{
	struct buf	 b;

	buf_init(&b, mem, cap);
	switch (fmt) {
	case OUT_JSON:
		fmt_json(&b, res);
		break;
	case OUT_CSV:
		fmt_csv(&b, res);
		break;
	default:
		fmt_text(&b, res);
		break;
	}
	return b.trunc ? 0 : b.len;
}

void
out_result(struct out *o, const struct result *res)
{
	size_t	 n;

	n = out_format(o->fmt, res, o->buf + o->len, OUT_BUF - o->len);
	MXP_ASSERT(n > 0);
	o->len += n;
}

int
out_flush(struct out *o, int block)
{
	size_t	 n;
	ssize_t	 w;

	if (o->err) {
		return -1;
	}
	while (o->off < o->len) {
		n = o->len - o->off;
		if (!block && !o->is_reg && n > PIPE_BUF) {
			n = PIPE_BUF;
		}
		w = write(o->fd, o->buf + o->off, n);
		if (w < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno == EAGAIN && !block) {
				return 0;
			}
			o->err = errno;
			return -1;
		}
		o->off += (size_t)w;
		if (!block) {
			break;
		}
	}
	if (o->off == o->len) {
		o->off = o->len = 0;
	}
	return 0;
}
