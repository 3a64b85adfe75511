/*
 * tests.h - the list of unit tests; each T(name) is a function
 * void test_name(void) in one of the tests/unit/test_*.c files.
 */
#ifndef MXP_TESTS_H
#define MXP_TESTS_H

#define MXP_UNIT_TESTS \
	T(addr) \
	T(punycode) \
	T(util) \
	T(opt_defaults) \
	T(opt_modes) \
	T(opt_absurd) \
	T(verdict) \
	T(reply) \
	T(verdict_table) \
	T(corpus) \
	T(verdict_rules) \
	T(ring) \
	T(input) \
	T(out) \
	T(mxpriv) \
	T(outesc) \
	T(cachefile) \
	T(dmarc_walk) \
	T(dmarc_psd) \
	T(sess_table) \
	T(sess_script) \
	T(timer_heap) \
	T(socks) \
	T(proxy) \
	T(resume) \
	T(gov) \
	T(hostlim) \
	T(early_signal)

#define T(name) void test_##name(void);
MXP_UNIT_TESTS
#undef T

#endif
