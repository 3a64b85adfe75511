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
 * Sessions for resumption: the last session of a full handshake to each
 * MX address (and name) is kept in a fixed table of TLS_CACHE_MAX
 * entries, least recently used replaced; each holds the peer's chain
 * (about 1-2 KB) and, for TLS 1.3, a ticket.
 *
 * Verification: the chain and name are always checked against the CA
 * file when one is loaded; only with verify set does a bad result fail
 * the handshake.  Otherwise it is recorded (tls_info).
 */
#ifndef MXP_TLS_H
#define MXP_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include "ring.h"

#define TLS_CACHE_MAX	64	/* MX addresses with a session kept */

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
 * checked against the certificate) over the callbacks.  peer (peerlen
 * bytes, e.g. the MX address) keys the resumption cache: a session kept
 * for (peer, host) is offered.  0, or -1 (tls_error() says why).
 */
int	tls_start(struct tls *t, const char *host, const void *peer,
	    size_t peerlen, tls_io_fn *send_fn, tls_io_fn *recv_fn,
	    void *ctx);

/* drive the handshake one step */
enum tls_rc tls_handshake(struct tls *t);

/* move application data; *n is set to the bytes moved on TLS_DONE */
enum tls_rc tls_read(struct tls *t, void *buf, size_t len, size_t *n);
enum tls_rc tls_write(struct tls *t, const void *buf, size_t len,
	    size_t *n);

/* bytes decrypted and waiting inside the context (poll() cannot see) */
size_t	tls_pending(struct tls *t);

/*
 * After the handshake: the details into *ti, and the summary
 * "TLSv1.3 TLS1-3-AES-256-GCM-SHA384 [resumed ]verified" or
 * "... unverified: <why>" into out (NUL-terminated, bounded).
 */
void	tls_info(struct tls *t, struct res_tls *ti, char *out, size_t cap);

/*
 * After the handshake: does the peer certificate name host?  Its DNS
 * subjectAltNames (the CN only when there are none), a "*" only as the
 * whole left-most label (RFC 6125 6.4.3), case-insensitive; the chain
 * is not looked at.  1 yes, 0 no, -1 no certificate.
 */
int	tls_name_match(struct tls *t, const char *host);

/* the last mbedTLS error of this context as text ("-0x7780 ...") */
void	tls_error(struct tls *t, char *out, size_t cap);

/*
 * Heap counters (every mbedTLS allocation goes through a counting
 * calloc/free): written to fd as one line per figure.  Per-session
 * figures are exact when one TLS session runs at a time (--tls-max 1).
 */
void	tls_stats(int fd);

/* free everything tls_init() and tls_slots() set up (at exit) */
void	tls_free(void);

#endif
