/*
 * tls_mbedtls.c - the TLS adapter over mbedTLS 3.6; see tls.h.
 *
 * What ../shared/TOOLCHAIN-NOTES.md measured, and this file relies on:
 *  - entropy comes from getrandom() through mbedtls_hardware_poll()
 *    (MBEDTLS_ENTROPY_HARDWARE_ALT): musl builds of mbedTLS would
 *    otherwise read /dev/random, which blocks on old router kernels;
 *  - psa_crypto_init() is called once, first; the RNG handed to TLS is
 *    PSA's, which is fork-safe;
 *  - mbedtls_ssl_set_hostname() is always called (3.6.3+ refuses to
 *    verify without it), with the MX host name;
 *  - no max-fragment-length: it breaks TLS 1.3 in a dual 1.2/1.3 client.
 * Verification: without --tls-verify the mode is OPTIONAL, so the
 * handshake goes on and the verification result is still recorded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

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
	int			 used;
};

static mbedtls_ssl_config	 conf;
static mbedtls_x509_crt		 ca;
static int			 verifying;
static struct tls		*slots;
static size_t			 nslots;

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

/* see tls.h */
int
tls_init(int verify, const char *ca_file, char *err, size_t errcap)
{
	struct buf	 b;
	int		 rc;

	buf_init(&b, err, errcap - 1);
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
	mbedtls_ssl_conf_authmode(&conf, verify ? MBEDTLS_SSL_VERIFY_REQUIRED :
	    MBEDTLS_SSL_VERIFY_OPTIONAL);
	return 0;
}

/* see tls.h */
int
tls_slots(size_t n)
{
	size_t	 i;

	slots = calloc(n, sizeof(*slots));
	if (slots == NULL) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		mbedtls_ssl_init(&slots[i].ssl);
		if (mbedtls_ssl_setup(&slots[i].ssl, &conf) != 0) {
			return -1;
		}
	}
	nslots = n;
	return 0;
}

/* see tls.h */
struct tls *
tls_get(void)
{
	size_t	 i;

	for (i = 0; i < nslots; i++) {
		if (!slots[i].used) {
			slots[i].used = 1;
			return &slots[i];
		}
	}
	return NULL;
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

/* see tls.h */
int
tls_start(struct tls *t, const char *host, tls_io_fn *send_fn,
    tls_io_fn *recv_fn, void *ctx)
{
	t->last = mbedtls_ssl_session_reset(&t->ssl);
	if (t->last != 0) {
		return -1;
	}
	t->last = mbedtls_ssl_set_hostname(&t->ssl, host);
	if (t->last != 0) {
		return -1;
	}
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

/* see tls.h */
enum tls_rc
tls_handshake(struct tls *t)
{
	int	 rc = mbedtls_ssl_handshake(&t->ssl);

	if (rc == 0) {
		return TLS_DONE;
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

/* see tls.h */
void
tls_describe(struct tls *t, char *out, size_t cap)
{
	struct buf	 b;
	uint32_t	 flags;
	size_t		 i;
	const char	*sep = ": ";

	buf_init(&b, out, cap - 1);
	buf_adds(&b, mbedtls_ssl_get_version(&t->ssl));
	buf_addc(&b, ' ');
	buf_adds(&b, mbedtls_ssl_get_ciphersuite(&t->ssl));
	flags = mbedtls_ssl_get_verify_result(&t->ssl);
	if (flags == 0 && ca.version != 0) {
		buf_adds(&b, " verified");
	} else {
		buf_adds(&b, " unverified");
		for (i = 0; i < MXP_NELEM(badcert); i++) {
			if (flags & badcert[i].flag) {
				buf_adds(&b, sep);
				buf_adds(&b, badcert[i].text);
				sep = ", ";
			}
		}
	}
	buf_nul(&b);
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
	case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
		buf_adds(&b, " certificate verification failed");
		break;
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
