/*
 * tls_mbedtls.c - the TLS adapter over mbedTLS 3.6; see tls.h.
 *
 * What the toolchain builds found (docs/hacking.md section 9), and this
 * file relies on:
 *  - entropy comes from getrandom() through mbedtls_hardware_poll()
 *    (MBEDTLS_ENTROPY_HARDWARE_ALT): musl builds of mbedTLS would
 *    otherwise read /dev/random, which blocks on old router kernels;
 *  - psa_crypto_init() is called once, first; the RNG handed to TLS is
 *    PSA's, which is fork-safe;
 *  - mbedtls_ssl_set_hostname() is always called (3.6.3+ refuses to
 *    verify without it), with the MX host name;
 *  - no max-fragment-length: it breaks TLS 1.3 in a dual 1.2/1.3 client.
 * Verification: the mbedTLS mode is always OPTIONAL, so the handshake
 * goes on and the result is recorded; with --tls-verify a bad result
 * then fails the handshake here (tls_handshake), with the reasons.
 * Resumption: after a full handshake the session is copied into a small
 * table keyed by MX address and name; TLS 1.2 resumes by session ID,
 * TLS 1.3 by the ticket that arrives after the handshake
 * (MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET in tls_read).
 * Whether a handshake was abbreviated has no API in 3.6: it is seen from
 * the states the handshake passes (a full one reads the server's
 * Certificate or, in 1.3, CertificateRequest).
 * Memory: every allocation goes through a counting calloc/free
 * (MBEDTLS_PLATFORM_MEMORY) so the heap cost per session is measured.
 * No printf: subject and issuer are formatted here, not with
 * mbedtls_x509_dn_gets(), which would link vfprintf (and float
 * formatting, which MIPS routers cannot run).
 */
#include <errno.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/oid.h>
#include <mbedtls/platform.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#include "tls.h"
#include "util.h"

struct tls {
	mbedtls_ssl_context	 ssl;
	tls_io_fn		*send_fn;
	tls_io_fn		*recv_fn;
	void			*ctx;
	int			 last;		/* last mbedTLS error */
	uint32_t		 vflags;	/* verification failed: why */
	int			 used;
	int			 offered;	/* a kept session was offered */
	int			 full;		/* saw the server's certificate */
	int			 hs_done;
	int			 ce;		/* cache entry, -1 none */
	uint8_t			 key[16];	/* cache key: address ... */
	uint32_t		 khash;		/* ... and name (hash, */
	char			 name[256];	/* the whole name) */
};

/* resumption: the last session per MX address and name */
static struct tls_cache {
	uint8_t			 key[16];
	uint32_t		 khash;
	char			 name[256];	/* compared whole: a hash collision
						 * must not resume another name's
						 * verified session */
	int			 used;
	uint64_t		 stamp;		/* LRU */
	mbedtls_ssl_session	 sess;
} cache[TLS_CACHE_MAX];
static uint64_t			 cache_clock;

static mbedtls_ssl_config	 conf;
static mbedtls_x509_crt		 ca;
static int			 verifying;
/*
 * The slots: slots[0..nready) have their context set up (buffers
 * allocated), done on first use and then kept and recycled; a run that
 * meets no STARTTLS never pays for them.
 */
static struct tls		*slots;
static size_t			 nslots, nready;

/* heap counters (tls_stats) */
static struct {
	size_t	 cur, peak;		/* all of mbedTLS and PSA */
	size_t	 shared;		/* PSA + conf + CA, after tls_init */
	size_t	 setup;			/* per context, mbedtls_ssl_setup */
	size_t	 hs_mark, hs_top;	/* this handshake: start, highest */
	size_t	 est_max, peak_max;	/* per session, over the run */
	size_t	 cache_bytes;
	unsigned long full, resumed, failed;
} st;

/* 16 bytes in front of each block keep its size (and 16-byte alignment) */
#define HDR	16

static void *
cnt_calloc(size_t n, size_t size)
{
	unsigned char	*p;
	size_t		 len;

	if (size != 0 && n > (SIZE_MAX - HDR) / size) {
		return NULL;
	}
	len = n * size;
	p = calloc(1, len + HDR);
	if (p == NULL) {
		return NULL;
	}
	memcpy(p, &len, sizeof(len));
	st.cur += len;
	if (st.cur > st.peak) {
		st.peak = st.cur;
	}
	if (st.cur > st.hs_top) {
		st.hs_top = st.cur;
	}
	return p + HDR;
}

static void
cnt_free(void *q)
{
	unsigned char	*p = q;
	size_t		 len;

	if (p == NULL) {
		return;
	}
	p -= HDR;
	memcpy(&len, p, sizeof(len));
	st.cur -= len;
	free(p);
}

/*
 * The entropy source mbedTLS asks for (MBEDTLS_ENTROPY_HARDWARE_ALT).
 * getrandom() blocks only until the kernel's CRNG is first seeded.
 */
int mbedtls_hardware_poll(void *data, unsigned char *out, size_t len,
    size_t *olen);

int
mbedtls_hardware_poll(void *data, unsigned char *out, size_t len,
    size_t *olen)
{
	ssize_t	 r;
	size_t	 got = 0;

	(void)data;
	while (got < len) {
		r = getrandom(out + got, len - got, 0);
		if (r < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -1;
		}
		got += (size_t)r;
	}
	*olen = got;
	return 0;
}

static void
hexerr(struct buf *b, int e)
{
	static const char hex[] = "0123456789abcdef";
	unsigned	 u = (unsigned)(e < 0 ? -e : e);
	char		 h[8];
	int		 i;

	for (i = 7; i >= 0; i--) {
		h[i] = hex[u & 15];
		u >>= 4;
	}
	buf_adds(b, e < 0 ? "-0x" : "0x");
	for (i = 0; i < 7 && h[i] == '0'; i++) {
		continue;
	}
	buf_add(b, h + i, (size_t)(8 - i));
}

/*
 * Without a CA file nothing can fail for a reason the user must hear
 * at start-up, so the set-up waits for the first STARTTLS: a run that
 * meets none never touches PSA, the configuration or mbedTLS' code.
 */
static int	 deferred;	/* 1: set up at the first tls_get() */

static int	 init_now(int verify, const char *ca_file, char *err,
		    size_t errcap);

/* see tls.h */
int
tls_init(int verify, const char *ca_file, char *err, size_t errcap)
{
	if (!verify && ca_file == NULL) {
		deferred = 1;
		return 0;
	}
	return init_now(verify, ca_file, err, errcap);
}

static int
init_now(int verify, const char *ca_file, char *err, size_t errcap)
{
	struct buf	 b;
	int		 rc;

	buf_init(&b, err, errcap - 1);
	mbedtls_platform_set_calloc_free(cnt_calloc, cnt_free);
	if (psa_crypto_init() != PSA_SUCCESS) {
		buf_adds(&b, "TLS: cannot initialise PSA (no entropy?)");
		buf_nul(&b);
		return -1;
	}
	mbedtls_ssl_config_init(&conf);
	mbedtls_x509_crt_init(&ca);
	rc = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
	    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc != 0) {
		buf_adds(&b, "TLS: configuration failed: ");
		hexerr(&b, rc);
		buf_nul(&b);
		return -1;
	}
	mbedtls_ssl_conf_rng(&conf, mbedtls_psa_get_random,
	    MBEDTLS_PSA_RANDOM_STATE);
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
	/* TLS 1.2 and 1.3 tickets; 1.3 tickets are handed to tls_read() */
	mbedtls_ssl_conf_session_tickets(&conf,
	    MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
	mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(&conf,
	    MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
#endif
	verifying = verify;
	if (ca_file != NULL) {
		/*
		 * A positive return counts certificates that did not parse;
		 * a bundle with a few odd ones is still usable.
		 */
		rc = mbedtls_x509_crt_parse_file(&ca, ca_file);
		if (rc < 0 || ca.version == 0) {
			buf_adds(&b, "TLS: cannot load CA file ");
			buf_adds(&b, ca_file);
			buf_adds(&b, ": ");
			hexerr(&b, rc);
			buf_nul(&b);
			return -1;
		}
		mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
	}
	mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
	st.shared = st.cur;
	return 0;
}

/* see tls.h */
int
tls_slots(size_t n)
{
	slots = calloc(n, sizeof(*slots));
	if (slots == NULL) {
		return -1;
	}
	nslots = n;
	nready = 0;
	return 0;
}

/* see tls.h */
struct tls *
tls_get(void)
{
	size_t	 i, before;
	char	 err[160];

	if (deferred) {
		deferred = 0;
		if (init_now(0, NULL, err, sizeof(err)) != 0) {
			msg(err, ": no STARTTLS in this run", NULL);
			nslots = 0;
		}
	}
	before = st.cur;
	for (i = 0; i < nready; i++) {
		if (!slots[i].used) {
			slots[i].used = 1;
			return &slots[i];
		}
	}
	if (nready == nslots) {
		return NULL;
	}
	mbedtls_ssl_init(&slots[nready].ssl);
	slots[nready].ce = -1;
	if (mbedtls_ssl_setup(&slots[nready].ssl, &conf) != 0) {
		/* out of memory: make do with the slots there are */
		mbedtls_ssl_free(&slots[nready].ssl);
		nslots = nready;
		return NULL;
	}
	if (nready == 0) {
		st.setup = st.cur - before;
	}
	slots[nready].used = 1;
	return &slots[nready++];
}

/* see tls.h */
void
tls_put(struct tls *t)
{
	if (t != NULL) {
		t->used = 0;
	}
}

static int
bio_send(void *p, const unsigned char *buf, size_t len)
{
	struct tls	*t = p;
	ssize_t		 n;

	n = t->send_fn(t->ctx, (void *)(uintptr_t)buf, len);
	if (n < 0) {
		return errno == EAGAIN || errno == EINTR ?
		    MBEDTLS_ERR_SSL_WANT_WRITE : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	}
	return (int)n;
}

static int
bio_recv(void *p, unsigned char *buf, size_t len)
{
	struct tls	*t = p;
	ssize_t		 n;

	n = t->recv_fn(t->ctx, buf, len);
	if (n < 0) {
		return errno == EAGAIN || errno == EINTR ?
		    MBEDTLS_ERR_SSL_WANT_READ : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	}
	return (int)n;
}

static uint32_t
fnv(const char *s)
{
	uint32_t	 h = 2166136261u;

	for (; s != NULL && *s != '\0'; s++) {
		h = (h ^ (uint8_t)*s) * 16777619u;
	}
	return h;
}

/* the entry kept for t's key, or -1 */
static int
cache_find(const struct tls *t)
{
	int	 i;

	for (i = 0; i < TLS_CACHE_MAX; i++) {
		if (cache[i].used && cache[i].khash == t->khash &&
		    memcmp(cache[i].key, t->key, sizeof(t->key)) == 0 &&
		    strcmp(cache[i].name, t->name) == 0) {
			return i;
		}
	}
	return -1;
}

static void
cache_drop(int i)
{
	size_t	 before = st.cur;

	if (i >= 0 && cache[i].used) {
		mbedtls_ssl_session_free(&cache[i].sess);
		cache[i].used = 0;
		st.cache_bytes -= before - st.cur;
	}
}

/* keep t's current session for the next handshake to the same host */
static void
cache_save(struct tls *t)
{
	int	 i, old = 0;
	size_t	 before;

	i = cache_find(t);
	if (i < 0) {
		for (i = 0; i < TLS_CACHE_MAX; i++) {
			if (!cache[i].used) {
				break;
			}
			if (cache[i].stamp < cache[old].stamp) {
				old = i;
			}
		}
		if (i == TLS_CACHE_MAX) {
			i = old;
		}
	}
	cache_drop(i);
	before = st.cur;
	mbedtls_ssl_session_init(&cache[i].sess);
	if (mbedtls_ssl_get_session(&t->ssl, &cache[i].sess) != 0) {
		mbedtls_ssl_session_free(&cache[i].sess);
		return;
	}
	memcpy(cache[i].key, t->key, sizeof(t->key));
	cache[i].khash = t->khash;
	memcpy(cache[i].name, t->name, sizeof(t->name));
	cache[i].stamp = ++cache_clock;
	cache[i].used = 1;
	st.cache_bytes += st.cur - before;
}

/* see tls.h */
int
tls_start(struct tls *t, const char *host, const void *peer,
    size_t peerlen, tls_io_fn *send_fn, tls_io_fn *recv_fn, void *ctx)
{
	char	 ip[INET6_ADDRSTRLEN];

	t->offered = t->full = t->hs_done = 0;
	t->vflags = 0;
	t->last = mbedtls_ssl_session_reset(&t->ssl);
	if (t->last != 0) {
		return -1;
	}
	if (host == NULL && verifying && (peerlen == 4 || peerlen == 16)) {
		/* ip_text, not inet_ntop: no printf in the binary (util.h) */
		ip_text(peerlen == 4 ? 4 : 6, peer, ip, sizeof(ip));
		/*
		 * An address literal has no name: with --tls-verify the
		 * certificate must name the address (an IP SAN, which
		 * mbedTLS checks for a host that parses as an address).
		 * Only then: RFC 6066 keeps addresses out of SNI.
		 */
		host = ip;
	}
	t->last = mbedtls_ssl_set_hostname(&t->ssl, host);
	if (t->last != 0) {
		return -1;
	}
	str_copy(t->name, sizeof(t->name), host != NULL ? host : "",
	    host != NULL ? strlen(host) : 0);
	memset(t->key, 0, sizeof(t->key));
	memcpy(t->key, peer, peerlen < sizeof(t->key) ? peerlen :
	    sizeof(t->key));
	t->khash = fnv(host);
	t->ce = cache_find(t);
	if (t->ce >= 0) {
		cache[t->ce].stamp = ++cache_clock;
		/* a session the server does not know just means a full one */
		t->offered = mbedtls_ssl_set_session(&t->ssl,
		    &cache[t->ce].sess) == 0;
	}
	st.hs_mark = st.hs_top = st.cur;
	t->send_fn = send_fn;
	t->recv_fn = recv_fn;
	t->ctx = ctx;
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
	return 0;
}

static enum tls_rc
map(struct tls *t, int rc)
{
	switch (rc) {
	case MBEDTLS_ERR_SSL_WANT_READ:
		return TLS_WANT_READ;
	case MBEDTLS_ERR_SSL_WANT_WRITE:
		return TLS_WANT_WRITE;
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
	case 0:
		return TLS_EOF;
	default:
		t->last = rc;
		return TLS_FAIL;
	}
}

/* the handshake is over: count, check, keep the session */
static enum tls_rc
hs_done(struct tls *t)
{
	size_t	 est = st.cur - st.hs_mark, top = st.hs_top - st.hs_mark;

	t->hs_done = 1;
	if (est > st.est_max) {
		st.est_max = est;
	}
	if (top > st.peak_max) {
		st.peak_max = top;
	}
	t->vflags = mbedtls_ssl_get_verify_result(&t->ssl);
	if (verifying && t->vflags != 0) {
		t->last = MBEDTLS_ERR_X509_CERT_VERIFY_FAILED;
		cache_drop(t->ce);
		st.failed++;
		return TLS_FAIL;
	}
	if (t->offered && !t->full) {
		st.resumed++;
	} else {
		st.full++;
	}
	/* TLS 1.3 sessions are kept when their ticket arrives */
	if (mbedtls_ssl_get_version_number(&t->ssl) ==
	    MBEDTLS_SSL_VERSION_TLS1_2 && (t->full || !t->offered)) {
		cache_save(t);
	}
	return TLS_DONE;
}

/* see tls.h */
enum tls_rc
tls_handshake(struct tls *t)
{
	int	 rc = 0, state;

	/* mbedtls_ssl_handshake() step by step, watching the states */
	while (!mbedtls_ssl_is_handshake_over(&t->ssl)) {
		rc = mbedtls_ssl_handshake_step(&t->ssl);
		state = t->ssl.MBEDTLS_PRIVATE(state);
		if (state == MBEDTLS_SSL_SERVER_CERTIFICATE ||
		    state == MBEDTLS_SSL_CERTIFICATE_REQUEST) {
			t->full = 1;
		}
		if (rc != 0) {
			break;
		}
	}
	if (rc == 0) {
		return hs_done(t);
	}
	if (rc != MBEDTLS_ERR_SSL_WANT_READ &&
	    rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
		/* a kept session may be what the server choked on */
		cache_drop(t->ce);
		st.failed++;
	}
	return rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ? TLS_FAIL : map(t, rc);
}

/* see tls.h */
enum tls_rc
tls_read(struct tls *t, void *buf, size_t len, size_t *n)
{
	int	 rc;

	for (;;) {
		rc = mbedtls_ssl_read(&t->ssl, buf, len);
		/* TLS 1.3 tickets arrive as records of their own */
		if (rc != MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
			break;
		}
		if (!verifying || t->vflags == 0) {
			cache_save(t);
		}
	}
	if (rc > 0) {
		*n = (size_t)rc;
		return TLS_DONE;
	}
	return map(t, rc);
}

/* see tls.h */
enum tls_rc
tls_write(struct tls *t, const void *buf, size_t len, size_t *n)
{
	int	 rc = mbedtls_ssl_write(&t->ssl, buf, len);

	if (rc >= 0) {
		*n = (size_t)rc;
		return TLS_DONE;
	}
	return map(t, rc);
}

/* see tls.h */
size_t
tls_pending(struct tls *t)
{
	return mbedtls_ssl_get_bytes_avail(&t->ssl);
}

static const struct {
	uint32_t	 flag;
	const char	*text;
} badcert[] = {
	{ MBEDTLS_X509_BADCERT_EXPIRED,		"expired" },
	{ MBEDTLS_X509_BADCERT_FUTURE,		"not yet valid" },
	{ MBEDTLS_X509_BADCERT_CN_MISMATCH,	"name mismatch" },
	{ MBEDTLS_X509_BADCERT_NOT_TRUSTED,	"not trusted" },
	{ MBEDTLS_X509_BADCERT_REVOKED,		"revoked" },
	{ MBEDTLS_X509_BADCERT_BAD_KEY,		"weak key" },
	{ MBEDTLS_X509_BADCERT_BAD_MD,		"weak hash" },
	{ MBEDTLS_X509_BADCERT_KEY_USAGE,	"key usage" },
	{ MBEDTLS_X509_BADCERT_EXT_KEY_USAGE,	"extended key usage" },
};

static void
add2(struct buf *b, int v, char sep)
{
	buf_addc(b, (char)('0' + v / 10 % 10));
	buf_addc(b, (char)('0' + v % 10));
	if (sep != '\0') {
		buf_addc(b, sep);
	}
}

/* "O=mxprobe test, CN=mx.example.test": what mbedtls_x509_dn_gets()
 * gives, without its snprintf; bytes outside printable ASCII as '?' */
static void
dn_text(const mbedtls_x509_name *n, char *out, size_t cap)
{
	struct buf	 b;
	const char	*sn;
	size_t		 i;

	buf_init(&b, out, cap - 1);
	for (; n != NULL; n = n->next) {
		if (n->oid.p == NULL) {
			continue;
		}
		if (b.len > 0) {
			buf_adds(&b, n->MBEDTLS_PRIVATE(next_merged) ? " + " : ", ");
		}
		if (mbedtls_oid_get_attr_short_name(&n->oid, &sn) != 0) {
			sn = "?";
		}
		buf_adds(&b, sn);
		buf_addc(&b, '=');
		for (i = 0; i < n->val.len; i++) {
			unsigned char c = n->val.p[i];

			buf_addc(&b, c >= 0x20 && c < 0x7f ? (char)c : '?');
		}
	}
	if (b.trunc) {
		/* cut: keep what fits, marked */
		b.trunc = 0;
		b.len = cap > 4 ? cap - 4 : 0;
		buf_adds(&b, "...");
	}
	buf_nul(&b);
}

static void
str_set(char *dst, size_t cap, const char *s)
{
	str_copy(dst, cap, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

/* see tls.h */
void
tls_info(struct tls *t, struct res_tls *ti, char *out, size_t cap)
{
	const mbedtls_x509_crt	*crt;
	struct buf		 b, v;
	uint32_t		 flags = t->vflags;
	size_t			 i;
	const char		*sep = "";

	memset(ti, 0, sizeof(*ti));
	ti->flags = RES_TLS_ON;
	str_set(ti->version, sizeof(ti->version),
	    mbedtls_ssl_get_version(&t->ssl));
	str_set(ti->cipher, sizeof(ti->cipher),
	    mbedtls_ssl_get_ciphersuite(&t->ssl));
	if (t->offered && !t->full) {
		ti->flags |= RES_TLS_RESUMED;
	}
	buf_init(&v, ti->verify_error, sizeof(ti->verify_error) - 1);
	if (flags == 0 && ca.version != 0) {
		ti->flags |= RES_TLS_VERIFIED;
	} else if (flags == 0) {
		buf_adds(&v, "no CA file");
	}
	for (i = 0; i < MXP_NELEM(badcert); i++) {
		if (flags & badcert[i].flag) {
			buf_adds(&v, sep);
			buf_adds(&v, badcert[i].text);
			sep = ", ";
		}
	}
	if (flags != 0 && v.len == 0) {
		buf_adds(&v, "other");
	}
	buf_nul(&v);
	crt = mbedtls_ssl_get_peer_cert(&t->ssl);
	if (crt != NULL) {
		const mbedtls_x509_time *e = &crt->valid_to;

		dn_text(&crt->subject, ti->subject, sizeof(ti->subject));
		dn_text(&crt->issuer, ti->issuer, sizeof(ti->issuer));
		buf_init(&b, ti->not_after, sizeof(ti->not_after) - 1);
		add2(&b, e->year / 100, '\0');
		add2(&b, e->year % 100, '-');
		add2(&b, e->mon, '-');
		add2(&b, e->day, 'T');
		add2(&b, e->hour, ':');
		add2(&b, e->min, ':');
		add2(&b, e->sec, 'Z');
		buf_nul(&b);
	}

	buf_init(&b, out, cap - 1);
	buf_adds(&b, ti->version);
	buf_addc(&b, ' ');
	buf_adds(&b, ti->cipher);
	if (ti->flags & RES_TLS_RESUMED) {
		buf_adds(&b, " resumed");
	}
	if (ti->flags & RES_TLS_VERIFIED) {
		buf_adds(&b, " verified");
	} else {
		buf_adds(&b, " unverified: ");
		buf_adds(&b, ti->verify_error);
	}
	buf_nul(&b);
}

/* one certificate name (p, n) against host, RFC 6125 6.4.3 */
static int
name_is(const unsigned char *p, size_t n, const char *host)
{
	size_t	 hl = strlen(host), i;
	const char *dot;

	if (n >= 2 && p[0] == '*' && p[1] == '.') {
		dot = strchr(host, '.');
		if (dot == NULL || dot == host) {
			return 0;
		}
		p++;
		n--;
		hl -= (size_t)(dot - host);
		host = dot;
	}
	if (n != hl) {
		return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned char a = p[i], b = (unsigned char)host[i];

		if (a >= 'A' && a <= 'Z') {
			a = (unsigned char)(a - 'A' + 'a');
		}
		if (b >= 'A' && b <= 'Z') {
			b = (unsigned char)(b - 'A' + 'a');
		}
		if (a != b) {
			return 0;
		}
	}
	return 1;
}

/* see tls.h */
int
tls_name_match(struct tls *t, const char *host)
{
	const mbedtls_x509_crt		*crt;
	const mbedtls_x509_sequence	*san;
	const mbedtls_x509_name		*n;
	int				 dns = 0;

	crt = mbedtls_ssl_get_peer_cert(&t->ssl);
	if (crt == NULL) {
		return -1;
	}
	for (san = &crt->subject_alt_names; san != NULL; san = san->next) {
		if (san->buf.p == NULL || san->buf.tag !=
		    (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_DNS_NAME)) {
			continue;
		}
		dns = 1;
		if (name_is(san->buf.p, san->buf.len, host)) {
			return 1;
		}
	}
	if (dns) {
		return 0;
	}
	for (n = &crt->subject; n != NULL; n = n->next) {
		if (n->oid.p != NULL && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN,
		    &n->oid) == 0 && name_is(n->val.p, n->val.len, host)) {
			return 1;
		}
	}
	return 0;
}

/* see tls.h */
void
tls_error(struct tls *t, char *out, size_t cap)
{
	struct buf	 b;

	buf_init(&b, out, cap - 1);
	hexerr(&b, t->last);
	switch (t->last) {
	case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
		buf_adds(&b, " fatal alert from the server");
		break;
	case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED: {
		const char	*sep = ": ";
		size_t		 i;

		buf_adds(&b, " certificate verification failed");
		for (i = 0; i < MXP_NELEM(badcert); i++) {
			if (t->vflags & badcert[i].flag) {
				buf_adds(&b, sep);
				buf_adds(&b, badcert[i].text);
				sep = ", ";
			}
		}
		break;
	}
	case MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE:
		buf_adds(&b, " handshake failure");
		break;
	case MBEDTLS_ERR_SSL_INVALID_RECORD:
	case MBEDTLS_ERR_SSL_DECODE_ERROR:
		buf_adds(&b, " malformed TLS data");
		break;
	case MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER:
		buf_adds(&b, " illegal parameter");
		break;
	case MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION:
		buf_adds(&b, " no common protocol version");
		break;
	default:
		break;
	}
	buf_nul(&b);
}

static void
stat_line(int fd, const char *what, uint64_t v)
{
	char		 line[96];
	struct buf	 b;

	buf_init(&b, line, sizeof(line));
	buf_adds(&b, "mxprobe: tls ");
	buf_adds(&b, what);
	buf_adds(&b, " ");
	buf_addu(&b, v);
	buf_addc(&b, '\n');
	if (!b.trunc) {
		write_all(fd, b.p, b.len);
	}
}

/* see tls.h */
void
tls_stats(int fd)
{
	stat_line(fd, "heap_shared", st.shared);
	stat_line(fd, "heap_per_context_setup", st.setup);
	stat_line(fd, "heap_per_session_established", st.setup + st.est_max);
	stat_line(fd, "heap_per_session_handshake_peak",
	    st.setup + st.peak_max);
	stat_line(fd, "heap_session_cache", st.cache_bytes);
	stat_line(fd, "heap_now", st.cur);
	stat_line(fd, "heap_peak", st.peak);
	stat_line(fd, "handshakes_full", st.full);
	stat_line(fd, "handshakes_resumed", st.resumed);
	stat_line(fd, "handshakes_failed", st.failed);
}

/* see tls.h */
void
tls_free(void)
{
	size_t	 i;

	for (i = 0; i < TLS_CACHE_MAX; i++) {
		cache_drop((int)i);
	}
	for (i = 0; i < nready; i++) {
		mbedtls_ssl_free(&slots[i].ssl);
	}
	free(slots);
	slots = NULL;
	nslots = nready = 0;
	mbedtls_ssl_config_free(&conf);
	mbedtls_x509_crt_free(&ca);
	mbedtls_psa_crypto_free();
}
