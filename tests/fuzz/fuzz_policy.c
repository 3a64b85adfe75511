/*
 * fuzz_policy.c - libFuzzer target for the Postfix policy request
 * parser (src/policy.c): any bytes, no crash, and every value found
 * lies inside the input.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
inside(const struct policy_val *v, const char *b, size_t n)
{
	if (v->s != NULL) {
		assert(v->s >= b && v->s + v->len <= b + n);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_req	 r;
	const char		*b = (const char *)data;

	if (policy_parse(b, size, &r) == POLICY_OK) {
		assert(r.nattr > 0);
		inside(&r.request, b, size);
		inside(&r.protocol_state, b, size);
		inside(&r.recipient, b, size);
		inside(&r.sender, b, size);
		inside(&r.client_address, b, size);
	}
	(void)policy_err_token(policy_parse(b, size, &r));
	return 0;
}
