/*
 * test_verdict.c - every reason has a distinct token and a verdict.
 */
#include <string.h>

#include "t.h"
#include "tests.h"
#include "verdict.h"

void
test_verdict(void)
{
	int	 i, j;

	for (i = 0; i < R__COUNT; i++) {
		const char *t = reason_token((enum reason)i);

		T_CHECKF(t != NULL && *t != '\0', "reason %d has no token", i);
		T_CHECKF(reason_verdict((enum reason)i) < V__COUNT,
		    "reason %d", i);
		for (j = 0; j < i; j++) {
			T_CHECKF(strcmp(t, reason_token((enum reason)j)) != 0,
			    "reasons %d and %d share \"%s\"", i, j, t);
		}
	}
	T_STREQ(reason_token(R_MAILBOX_MISSING), "mailbox_missing");
	T_STREQ(reason_token((enum reason)R__COUNT), "internal");
	T_STREQ(verdict_token(V_RISKY), "risky");
	T_STREQ(verdict_token((enum verdict)99), "unknown");
	/* the exit status relies on this order */
	T_CHECK(V_DELIVERABLE < V_UNDELIVERABLE);
	T_CHECK(V_UNDELIVERABLE < V_RISKY && V_RISKY < V_UNKNOWN);
	T_INTEQ(reason_verdict(R_POLICY_BLOCK), V_UNKNOWN);
	T_INTEQ(reason_verdict(R_CATCH_ALL), V_RISKY);
	T_INTEQ(reason_verdict(R_NO_DOMAIN), V_UNDELIVERABLE);
}
