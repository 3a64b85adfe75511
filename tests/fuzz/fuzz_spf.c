/*
 * fuzz_spf.c - libFuzzer target for spf_parse() and the DMARC parser.
 *
 * The input is one TXT record.  Checks: spf_parse() returns a known
 * reason; on success every term's argument and whole-term spans lie
 * inside the input, kinds and qualifiers are valid, the lookup count
 * equals the number of terms whose kind costs one, and the "all" and
 * "redirect" indexes point at terms of that kind; on failure err_off is
 * inside the input.  dmarc_parse() on the same bytes must return a known
 * reason.  The same bytes as a domain name: the DMARC tree walk asks at
 * most DMARC_WALK_MAX names, each a suffix of it, and its organisational
 * domain is one.  A failed check aborts.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -iquote include
 *        src/spf.c src/dmarc.c tests/fuzz/fuzz_spf.c
 * Seeds: tests/fuzz/corpus/spf/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "spf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(x) do {						\
	if (!(x)) {							\
		abort();						\
	}								\
} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct spf_rec	 r;
	struct dmarc_rec	 d;
	const char		*s = (const char *)data;
	enum spf_err		 e;
	unsigned		 i, look = 0;

	e = spf_parse(s, size, &r);
	FZ_CHECK((unsigned)e < SPF_E__COUNT);
	if (e == SPF_OK) {
		FZ_CHECK(spf_is(s, size));
		FZ_CHECK(r.nterm <= SPF_TERMS_MAX);
		for (i = 0; i < r.nterm; i++) {
			const struct spf_term *t = &r.term[i];

			FZ_CHECK(t->kind < SPF_KIND__COUNT);
			FZ_CHECK(strchr("+-~?", t->qual) != NULL &&
			    t->qual != '\0');
			FZ_CHECK((size_t)t->toff + t->tlen <= size);
			FZ_CHECK((size_t)t->off + t->len <= size);
			look += spf_costs_lookup((enum spf_kind)t->kind);
		}
		FZ_CHECK(look == r.lookups);
		FZ_CHECK(r.all < 0 || r.term[r.all].kind == SPF_ALL);
		FZ_CHECK(r.redirect < 0 ||
		    r.term[r.redirect].kind == SPF_REDIRECT);
	} else {
		FZ_CHECK(r.err_off <= size);
	}
	FZ_CHECK((unsigned)dmarc_parse(s, size, &d) < DMARC_E__COUNT);
	{
		struct dmarc_walk	 w;
		char			 name[256];
		const char		*t, *org;
		size_t			 n = size < sizeof(name) ? size :
					    sizeof(name) - 1;

		memcpy(name, s, n);
		name[n] = '\0';
		dmarc_walk_init(&w, name);
		for (i = 0; (t = dmarc_walk_target(&w)) != NULL; i++) {
			FZ_CHECK(i < DMARC_WALK_MAX);
			FZ_CHECK(t >= name && t <= name + strlen(name));
			/* none at the name, these bytes above it */
			dmarc_walk_answer(&w, i > 0, s, size);
		}
		(void)dmarc_walk_policy(&w, &org);
		FZ_CHECK(org >= name && org <= name + strlen(name));
	}
	return 0;
}
