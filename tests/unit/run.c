/*
 * run.c - unit test runner: "test_unit" runs every test, "test_unit
 * NAME..." the named ones.  Prints one line per test and, last,
 * "unit: N passed, N failed" (checks, not tests).
 */
#include <stdio.h>
#include <string.h>

#include "loop.h"
#include "t.h"
#include "tests.h"

unsigned long t_pass, t_fail;
const char *t_name = "";

/* see t.h */
int
t_loop(void)
{
	static int	 ready;

	if (!ready && loop_init(16, 1024) != 0) {
		return -1;
	}
	ready = 1;
	return 0;
}

static const struct {
	const char	*name;
	void		(*fn)(void);
} tests[] = {
#define T(name) { #name, test_##name },
	MXP_UNIT_TESTS
#undef T
};

int
main(int argc, char **argv)
{
	size_t		 i;
	int		 j, run;
	unsigned long	 f0;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		run = argc < 2;
		for (j = 1; j < argc; j++) {
			if (strcmp(argv[j], tests[i].name) == 0) {
				run = 1;
			}
		}
		if (!run) {
			continue;
		}
		t_name = tests[i].name;
		f0 = t_fail;
		tests[i].fn();
		printf("%s %s\n", t_fail == f0 ? "ok  " : "FAIL", t_name);
	}
	printf("unit: %lu passed, %lu failed\n", t_pass, t_fail);
	return t_fail != 0;
}
