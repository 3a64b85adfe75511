/*
 * t.h - the smallest test harness that does the job.
 *
 * Each tests/unit/test_<module>.c defines one or more functions
 *	void test_<name>(void);
 * and tests/unit/tests.h lists them (run.c runs the list).  Inside a
 * test, T_CHECK() and friends count one check each; a failed check prints
 * file:line and what was expected, and the test goes on so a table-driven
 * test reports every bad row at once.
 */
#ifndef MXP_T_H
#define MXP_T_H

#include <stdio.h>
#include <string.h>

extern unsigned long t_pass, t_fail;
extern const char *t_name;

/* the process's one event loop (loop.h), set up once for every test that
 * needs it: 16 descriptors, 1024 timers; 0 or -1 */
int	t_loop(void);

#define T_CHECK(cond) do {						\
	if (cond) {							\
		t_pass++;						\
	} else {							\
		t_fail++;						\
		fprintf(stderr, "FAIL %s %s:%d: %s\n", t_name,		\
		    __FILE__, __LINE__, #cond);				\
	}								\
} while (0)

/* like T_CHECK, with a printf-style note for table rows */
#define T_CHECKF(cond, ...) do {					\
	if (cond) {							\
		t_pass++;						\
	} else {							\
		t_fail++;						\
		fprintf(stderr, "FAIL %s %s:%d: %s: ", t_name,		\
		    __FILE__, __LINE__, #cond);				\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

#define T_STREQ(a, b) T_CHECKF(strcmp((a), (b)) == 0,			\
	"got \"%s\", want \"%s\"", (a), (b))

#define T_INTEQ(a, b) T_CHECKF((long long)(a) == (long long)(b),	\
	"got %lld, want %lld", (long long)(a), (long long)(b))

#endif
