/*
 * fuzz_rules.c - libFuzzer target for verdict_rule_add(), the parser of
 * --verdict-rules rows, and for the table lookups with the rows it
 * accepted.
 *
 * Input: lines separated by "\n" (at most VT_LINE_MAX bytes each, as
 * verdict_rules_load() would pass them; NULs end a line early, as they
 * would in C strings).  Every line is offered to verdict_rule_add(); an
 * error must come with a message, at most VT_USER_MAX rows are kept.
 * Then a few replies are looked up at every stage: the reason must be a
 * real one.  A failed check aborts.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -iquote include
 *        src/verdict_table.c src/verdict.c tests/fuzz/fuzz_rules.c
 * Seeds: tests/fuzz/corpus/rules/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "verdict.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(x) do {						\
	if (!(x)) {							\
		abort();						\
	}								\
} while (0)

static const struct {
	uint16_t	 code;
	const char	*ecode;
	const char	*text;
} fz_replies[] = {
	{ 550, "5.1.1", "<bob@example.com>: User unknown" },
	{ 550, "5.7.1", "No such user!" },
	{ 554, "", "delivery error: dd This user doesn't have an account" },
	{ 452, "4.2.2", "Mailbox full" },
	{ 250, "2.1.5", "Ok" },
	{ 421, "", "Too many connections" },
	{ 553, "", "<a|b>: account on hold" },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 line[VT_LINE_MAX + 1], err[256];
	struct reply	 r;
	size_t		 i, n, added = 0;
	int		 s;
	enum reason	 got;

	verdict_rules_clear();
	while (size > 0) {
		for (n = 0; n < size && n < VT_LINE_MAX && data[n] != '\n';
		    n++) {
			continue;
		}
		memcpy(line, data, n);
		line[n] = '\0';
		err[0] = '\0';
		if (verdict_rule_add(line, err, sizeof(err)) == 0) {
			added++;
		} else {
			FZ_CHECK(err[0] != '\0');
		}
		FZ_CHECK(added <= VT_USER_MAX);
		if (n < size && data[n] == '\n') {
			n++;
		}
		data += n;
		size -= n;
	}
	for (i = 0; i < sizeof(fz_replies) / sizeof(fz_replies[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.code = fz_replies[i].code;
		r.nlines = 1;
		memcpy(r.ecode, fz_replies[i].ecode,
		    strlen(fz_replies[i].ecode) + 1);
		memcpy(r.text, fz_replies[i].text,
		    strlen(fz_replies[i].text) + 1);
		for (s = STAGE_BANNER; s < STAGE__COUNT; s++) {
			got = verdict_smtp((enum smtp_stage)s, &r);
			FZ_CHECK((unsigned)got < R__COUNT);
		}
	}
	verdict_rules_clear();
	return 0;
}
