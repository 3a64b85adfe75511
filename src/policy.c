/*
 * policy.c - Postfix policy delegation request parser; see policy.h.
 * Attribute names are compared exactly (Postfix sends them lower-case).
 */
#include <string.h>

#include "policy.h"

static const struct {
	const char	*name;
	size_t		 off;
} attrs[] = {
	{ "request",		offsetof(struct policy_req, request) },
	{ "protocol_state",	offsetof(struct policy_req, protocol_state) },
	{ "recipient",		offsetof(struct policy_req, recipient) },
	{ "sender",		offsetof(struct policy_req, sender) },
	{ "client_address",	offsetof(struct policy_req, client_address) },
};

/* see policy.h */
enum policy_err
policy_parse(const char *buf, size_t len, struct policy_req *req)
{
	const char	*p = buf, *end = buf + len, *nl, *eq;
	size_t		 i, n;

	memset(req, 0, sizeof(*req));
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			nl = end;
		}
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL ||
		    memchr(p, '\r', (size_t)(nl - p)) != NULL) {
			return POLICY_E_BYTE;
		}
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq == NULL) {
			return POLICY_E_LINE;
		}
		if (eq == p) {
			return POLICY_E_NAME;
		}
		for (i = 0; p + i < eq; i++) {
			if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f) {
				return POLICY_E_NAME;
			}
		}
		n = (size_t)(eq - p);
		for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
			if (strlen(attrs[i].name) == n &&
			    memcmp(attrs[i].name, p, n) == 0) {
				struct policy_val *v = (struct policy_val *)
				    (void *)((char *)req + attrs[i].off);

				v->s = eq + 1;
				v->len = (size_t)(nl - eq - 1);
			}
		}
		req->nattr++;
		p = nl + 1;
	}
	return req->nattr == 0 ? POLICY_E_EMPTY : POLICY_OK;
}

/* see policy.h */
const char *
policy_err_token(enum policy_err e)
{
	switch (e) {
	case POLICY_OK:
		return "ok";
	case POLICY_E_LINE:
		return "no_equals";
	case POLICY_E_NAME:
		return "bad_name";
	case POLICY_E_BYTE:
		return "bad_byte";
	case POLICY_E_EMPTY:
		return "empty";
	}
	return "unknown";
}
