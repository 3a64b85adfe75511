/*
 * test_util.c - bounded buffers and number parsing.
 */
#include <stdint.h>
#include <string.h>

#include "t.h"
#include "tests.h"
#include "util.h"

static void
t_buf(void)
{
	char		 mem[8];
	struct buf	 b;

	buf_init(&b, mem, sizeof(mem));
	buf_adds(&b, "abc");
	buf_addu(&b, 1234);
	T_INTEQ(b.len, 7);
	T_CHECK(!b.trunc);
	buf_adds(&b, "xy");		/* does not fit: nothing written */
	T_CHECK(b.trunc);
	T_INTEQ(b.len, 7);
	buf_addc(&b, 'z');		/* sticky: even though it would fit */
	T_INTEQ(b.len, 7);
	T_CHECK(memcmp(mem, "abc1234", 7) == 0);

	buf_init(&b, mem, sizeof(mem));
	buf_addi(&b, -42);
	buf_addu(&b, 0);
	T_STREQ(buf_nul(&b), "-420");

	buf_init(&b, mem, 3);
	buf_adds(&b, "abc");
	T_STREQ(buf_nul(&b), "ab");	/* no room for the NUL: cut */
	T_CHECK(b.trunc);
}

static void
t_str_copy(void)
{
	char	 d[4];

	T_INTEQ(str_copy(d, sizeof(d), "abcdef", 6), 3);
	T_STREQ(d, "abc");
	T_INTEQ(str_copy(d, sizeof(d), "a", 1), 1);
	T_STREQ(d, "a");
	T_INTEQ(str_copy(d, 0, "a", 1), 0);
	/* literals: the whole of it, by sizeof, and the same bound */
	T_INTEQ(LIT_LEN("command refused by the builder"), 30);
	T_INTEQ(LIT_LEN(""), 0);
	T_INTEQ(STR_COPY_LIT(d, sizeof(d), "xyz"), 3);
	T_STREQ(d, "xyz");
	T_INTEQ(STR_COPY_LIT(d, sizeof(d), "abcdef"), 3);
	T_STREQ(d, "abc");
}

static void
t_parse(void)
{
	static const struct {
		const char	*s;
		uint64_t	 min, max;
		int		 rc;
		uint64_t	 v;
	} c[] = {
		{ "0", 0, 10, 0, 0 },
		{ "10", 0, 10, 0, 10 },
		{ "11", 0, 10, -1, 0 },
		{ "5", 6, 10, -1, 0 },
		{ "", 0, 10, -1, 0 },
		{ "-1", 0, 10, -1, 0 },
		{ "1x", 0, 10, -1, 0 },
		{ " 1", 0, 10, -1, 0 },
		{ "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX },
		{ "18446744073709551616", 0, UINT64_MAX, -1, 0 },
		{ "99999999999999999999999", 0, UINT64_MAX, -1, 0 },
		{ NULL, 0, 0, 0, 0 }
	};
	size_t		 i;
	uint64_t	 v;

	for (i = 0; c[i].s != NULL; i++) {
		v = 0;
		T_CHECKF(parse_u64(c[i].s, c[i].min, c[i].max, &v) == c[i].rc,
		    "row %zu \"%s\"", i, c[i].s);
		if (c[i].rc == 0) {
			T_CHECKF(v == c[i].v, "row %zu", i);
		}
	}
}

static void
t_ip(void)
{
	static const struct {
		int		 family;
		uint8_t		 a[16];
		const char	*want;
	} c[] = {
		{ 4, { 127, 0, 0, 1 }, "127.0.0.1" },
		{ 4, { 255, 255, 255, 255 }, "255.255.255.255" },
		{ 4, { 0, 0, 0, 0 }, "0.0.0.0" },
		{ 6, { 0 }, "::" },
		{ 6, { [15] = 1 }, "::1" },
		{ 6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, "2001:db8::1" },
		{ 6, { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		    0, 1 }, "2001:db8:0:1::1" },	/* longest run wins */
		{ 6, { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1,
		    0, 1 }, "2001:db8:0:1:1:1:1:1" },	/* one zero: no :: */
		{ 6, { 0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1 },
		    "2001::1:0:0:1:1" },		/* first of equal runs */
		{ 6, { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 },
		    "::ffff:192.0.2.1" },
		{ 6, { 0xfe, 0x80, [8] = 0xab, 0xcd, [15] = 0x10 },
		    "fe80::abcd:0:0:10" },
		{ 6, { 0x12, 0x34, 0xab, 0xcd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		    0, 0 }, "1234:abcd::" },
		{ 0, { 0 }, NULL }
	};
	char	 out[46];
	size_t	 i;

	for (i = 0; c[i].want != NULL; i++) {
		ip_text(c[i].family, c[i].a, out, sizeof(out));
		T_CHECKF(strcmp(out, c[i].want) == 0, "row %zu: got %s, want %s",
		    i, out, c[i].want);
	}
}

/* util_lc, util_eq_lc, util_addr_in */
static void
t_small(void)
{
	static const uint8_t	 a4[3][4] = { { 192, 0, 2, 1 },
		{ 198, 51, 100, 7 }, { 203, 0, 113, 9 } };
	static const uint8_t	 a6[2][16] = { { 0x20, 0x01, 0x0d, 0xb8 },
		{ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	static const uint8_t	 w4[4] = { 198, 51, 100, 7 };
	static const uint8_t	 w6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	T_INTEQ(util_lc('Q'), 'q');
	T_INTEQ(util_lc('q'), 'q');
	T_INTEQ(util_lc('@'), '@');
	T_INTEQ(util_lc(0xc4), 0xc4);
	T_INTEQ(util_eq_lc("V=DMARC1", 1, "v"), 1);
	T_INTEQ(util_eq_lc("Include", 7, "include"), 1);
	T_INTEQ(util_eq_lc("Include", 6, "include"), 0);
	T_INTEQ(util_eq_lc("includes", 8, "include"), 0);
	T_INTEQ(util_eq_lc("", 0, ""), 1);
	T_INTEQ(util_addr_in(4, a4, 3, w4), 1);
	T_INTEQ(util_addr_in(4, a4, 1, w4), 0);
	T_INTEQ(util_addr_in(4, NULL, 0, w4), 0);
	T_INTEQ(util_addr_in(6, a6, 2, w6), 1);
	T_INTEQ(util_addr_in(6, a6, 1, w6), 0);
}

void
test_util(void)
{
	t_ip();
	t_buf();
	t_str_copy();
	t_parse();
	t_small();
}
