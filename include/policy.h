/*
 * policy.h - the Postfix SMTP access policy delegation protocol
 * (http://www.postfix.org/SMTPD_POLICY_README.html): a request is
 * "name=value" lines ended by an empty line; the answer is
 * "action=..." and an empty line.  Pure parser: no I/O, no allocation.
 */
#ifndef MXP_POLICY_H
#define MXP_POLICY_H

#include <stddef.h>

struct policy_val {
	const char	*s;		/* into the caller's buffer, or NULL */
	size_t		 len;
};

struct policy_req {
	struct policy_val request;	 /* "smtpd_access_policy" */
	struct policy_val protocol_state; /* "RCPT", ... */
	struct policy_val recipient;
	struct policy_val sender;
	struct policy_val client_address;
	unsigned	 nattr;		/* attribute lines seen */
};

enum policy_err {
	POLICY_OK = 0,
	POLICY_E_LINE,		/* a line without "=" */
	POLICY_E_NAME,		/* empty or non-printable attribute name */
	POLICY_E_BYTE,		/* NUL or CR inside a line */
	POLICY_E_EMPTY		/* no attribute at all */
};

/*
 * Parse one request: buf[0..len) holds its lines, each ending in "\n",
 * without the terminating empty line.  Unknown attributes are ignored;
 * a repeated one keeps its last value.  Fills *req (pointers into buf).
 */
enum policy_err	policy_parse(const char *buf, size_t len,
		    struct policy_req *req);

/* stable token of an error ("no_equals", ...) */
const char	*policy_err_token(enum policy_err e);

#endif
