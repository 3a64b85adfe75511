/*
 * tls.h - the TLS adapter: mbedTLS behind a small, non-blocking,
 * fd-free interface (built only with TLS=1).
 *
 * The adapter owns no file descriptor and never waits: the caller hands
 * it send/recv callbacks over its own socket and asks what it needs next
 * (read, write, done, failed), then sets poll() events from that.
 *
 * Memory: tls_init() sets up the process-wide part once (PSA, the client
 * configuration, the CA bundle when verifying); tls_slots() allocates
 * n session contexts up front, each with its 16 KiB input and 4 KiB
 * output record buffers, and they are only ever reset and reused.
 */
#ifndef MXP_TLS_H
#define MXP_TLS_H

#include <stddef.h>
#include <sys/types.h>

struct tls;

enum tls_rc {
	TLS_DONE = 0,		/* finished; for read/write: n bytes moved */
	TLS_WANT_READ,		/* wait for POLLIN, then call again */
	TLS_WANT_WRITE,		/* wait for POLLOUT, then call again */
	TLS_EOF,		/* peer closed */
	TLS_FAIL		/* fatal; tls_error() says why */
};

/* I/O callbacks over the caller's socket: like send()/recv(), with
 * -1 and errno EAGAIN for "would block" */
typedef ssize_t tls_io_fn(void *ctx, void *buf, size_t len);

/*
 * Process-wide set-up.  verify: check the chain against ca_file and the
 * host name.  Returns 0, or -1 with a message in err.
 */
int	tls_init(int verify, const char *ca_file, char *err, size_t errcap);

/* allocate n session contexts; 0 or -1 */
int	tls_slots(size_t n);

/* a free context, or NULL when all n are in use */
struct tls *tls_get(void);
void	tls_put(struct tls *t);

/*
 * Start a client handshake to host (SNI and, when verifying, the name
 * checked against the certificate) over the callbacks.
 */
int	tls_start(struct tls *t, const char *host, tls_io_fn *send_fn,
	    tls_io_fn *recv_fn, void *ctx);

/* drive the handshake one step */
enum tls_rc tls_handshake(struct tls *t);

/* move application data; *n is set to the bytes moved on TLS_DONE */
enum tls_rc tls_read(struct tls *t, void *buf, size_t len, size_t *n);
enum tls_rc tls_write(struct tls *t, const void *buf, size_t len,
	    size_t *n);

/* bytes decrypted and waiting inside the context (poll() cannot see) */
size_t	tls_pending(struct tls *t);

/*
 * After the handshake: "TLSv1.3 TLS1-3-AES-256-GCM-SHA384 verified" or
 * "... unverified: <why>", appended to out (NUL-terminated, bounded).
 */
void	tls_describe(struct tls *t, char *out, size_t cap);

/* the last mbedTLS error of this context as text ("-0x7780 ...") */
void	tls_error(struct tls *t, char *out, size_t cap);

#endif
