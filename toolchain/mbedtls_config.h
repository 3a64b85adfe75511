/*
 * toolchain/mbedtls_config.h: mxprobe's whitelist configuration for
 * mbedTLS 3.6 (LTS). build-deps.sh installs it as
 * include/mbedtls/mbedtls_config.h, both for the library build and in the
 * sysroot, so the headers the application sees always match the library.
 *
 * Scope: a TLS client only (STARTTLS to MX hosts). TLS 1.2 and 1.3, ECDHE
 * with X25519 / P-256 / P-384, RSA and ECDSA certificate verification,
 * AES-GCM and ChaCha20-Poly1305, X.509 with SNI. No server, no DTLS, no
 * debug, no external PSK, no CBC, no renegotiation. Session tickets (client
 * side) for TLS 1.3 resumption.
 * Sizes: about 168 KB of a stripped x86_64 binary (232 KB on MIPS); the
 * upstream default config costs about twice that
 * (/work/shared/TOOLCHAIN-NOTES.md, section 5).
 *
 * Anything not listed here is off. Change a line, and the next build rebuilds
 * every sysroot (the file is part of the cache key).
 */
#ifndef MXP_MBEDTLS_CONFIG_H
#define MXP_MBEDTLS_CONFIG_H

/* ---- platform ------------------------------------------------------- */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
/* Certificate validity dates. On an RTC-less router this fails with
 * BADCERT_FUTURE until NTP has synced; the application handles that. */
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_C
/* mbedtls_platform_set_calloc_free(): lets the application count and
 * bound TLS memory. */
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_DEPRECATED_REMOVED
/* mbedtls_x509_crt_parse_file/path() for the CA bundle (about 4 KB). */
#define MBEDTLS_FS_IO
/* No ERROR_C (about 20 KB of strings): mbedtls_strerror() becomes a stub
 * and the application prints -0x hex codes. */
#define MBEDTLS_ERROR_STRERROR_DUMMY
/* mbedtls_version_get_string(): "mxprobe --version" prints the version of
 * the library actually linked (under 100 bytes). */
#define MBEDTLS_VERSION_C

/* ---- random numbers ------------------------------------------------- */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C
/* 3.6 uses getrandom() only with glibc; on musl it reads /dev/random,
 * which blocks on kernels < 5.6 (old routers) and needs /dev in a chroot.
 * So: no platform source, and the application must define
 *   int mbedtls_hardware_poll(void *data, unsigned char *out,
 *                             size_t len, size_t *olen);
 * with getrandom(out, len, 0). PSA's RNG uses the same source. Without
 * that function the link fails with an undefined reference (entropy.o). */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT

/* ---- PSA ------------------------------------------------------------ */
/* Required by TLS 1.3 (key schedule, ECDHE). Not MBEDTLS_USE_PSA_CRYPTO:
 * +12 KB for no gain here. */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_PSA_KEY_STORE_DYNAMIC
/* Without it PSA copies every input and output buffer: +16 KB heap per
 * session at the handshake peak (53.8 -> 41.5 KB with 16 KB records), and
 * 1.3 KB more text. Safe: PSA is not used across a trust boundary. */
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS

/* ---- symmetric ciphers ---------------------------------------------- */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
/* Tables in .rodata and only one of the four: saves RAM and ~6 KB. */
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C

/* ---- hashes --------------------------------------------------------- */
#define MBEDTLS_MD_C
/* Not for chains (the default X.509 profile still rejects SHA-1 there):
 * without it, ~30 of the 144 roots of ca-certificates.crt that are
 * self-signed with sha1WithRSA are silently skipped when the bundle is
 * loaded. About 6 KB. */
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
/* HKDF for the TLS 1.3 key schedule (via PSA). */
#define MBEDTLS_HKDF_C

/* ---- public keys ---------------------------------------------------- */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_OID_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
/* RSA-PSS: TLS 1.3 signs with rsa_pss_rsae_* only. */
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C

/* ---- X.509 ---------------------------------------------------------- */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
/* Not optional for a TLS 1.3 client: without it the default
 * signature_algorithms list has no rsa_pss_rsae_*, and TLS 1.3 to any
 * server with an RSA certificate fails (-0x7780). */
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT

/* ---- TLS ------------------------------------------------------------ */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
/* Required by TLS 1.3. The peer chain stays allocated for the session. */
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
/* TLS 1.3 on top of 1.2 costs 25-50 KB. */
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
/* Resumption (mxprobe keeps the last session per MX address): TLS 1.2
 * resumes by session ID without these; TLS 1.3 only by a ticket, which
 * needs SESSION_TICKETS and the PSK-ephemeral mode (resumption PSK +
 * fresh ECDHE; no external PSKs are configured). Measured cost, stripped
 * mxprobe: x86_64 +8.2 KB (271,688 -> 279,880), mipsel +5.9 KB (388,828 ->
 * 394,720); heap about 1.65 KB per kept session (peer chain + ticket). */
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
/* Deliberately NOT MBEDTLS_SSL_MAX_FRAGMENT_LENGTH: in a 1.2+1.3 client
 * the extension is not recorded as sent, OpenSSL echoes it in TLS 1.3
 * EncryptedExtensions and the handshake dies with -0x7500. */

/* Record buffers, allocated per session. IN stays at the protocol maximum:
 * servers send full 16 KiB records and certificate chains of 3-6 KB, and
 * a smaller IN breaks the handshake (-0x7100). OUT can be small because a
 * client without a certificate sends short handshake messages; the
 * application must loop on partial mbedtls_ssl_write(). 16K/4K: ~24-28 KB
 * per established session, ~30-31 KB peak (x86_64). */
#define MBEDTLS_SSL_IN_CONTENT_LEN  16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

#endif /* MXP_MBEDTLS_CONFIG_H */
