/*
 * test_input.c - the line reader: line ends, skipped lines, over-long
 * lines, NUL bytes, a last line without newline, arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "t.h"
#include "tests.h"

struct got {
	char		 s[64];
	size_t		 len, full_len;
	unsigned long	 lineno;
	int		 too_long;
};

/* read everything from a file holding data; returns the line count */
static int
read_all(const char *data, size_t n, struct got *g, int max)
{
	char			 path[] = "/tmp/mxp-input-XXXXXX";
	struct input		 in;
	struct input_line	 l;
	enum input_rc		 rc;
	int			 fd, k = 0;

	fd = mkstemp(path);
	if (fd < 0) {
		return -1;
	}
	unlink(path);
	if (write(fd, data, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0 ||
	    input_open_fd(&in, fd) != 0) {
		close(fd);
		return -1;
	}
	for (;;) {
		rc = input_next(&in, &l);
		if (rc == INPUT_AGAIN) {
			if (input_fill(&in) < 0) {
				break;
			}
			continue;
		}
		if (rc != INPUT_LINE || k == max) {
			break;
		}
		memset(&g[k], 0, sizeof(g[k]));
		memcpy(g[k].s, l.s, l.len < 63 ? l.len : 63);
		g[k].len = l.len;
		g[k].full_len = l.full_len;
		g[k].lineno = (unsigned long)l.lineno;
		g[k].too_long = l.too_long;
		k++;
	}
	input_close(&in);
	close(fd);
	return rc == INPUT_EOF ? k : -1;
}

void
test_input(void)
{
	struct got	 g[8];
	char		*big;
	size_t		 n;
	struct input	 in;
	struct input_line l;
	char		*argv[] = { "a@b", "", "# not a comment here" };

	T_INTEQ(read_all("a@b\r\nc@d\n", 9, g, 8), 2);
	T_STREQ(g[0].s, "a@b");
	T_STREQ(g[1].s, "c@d");
	T_INTEQ(g[1].lineno, 2);

	/* blanks and comments skipped, line numbers still counted */
	T_INTEQ(read_all("\n  \t\n# c\n  # d\r\nx@y\n\r\n", 22, g, 8), 1);
	T_STREQ(g[0].s, "x@y");
	T_INTEQ(g[0].lineno, 5);

	/* last line without newline; a CR in the middle stays */
	T_INTEQ(read_all("a@b\nc\rd@e", 9, g, 8), 2);
	T_STREQ(g[1].s, "c\rd@e");

	/* NUL is data: the parser refuses it, the reader keeps it */
	T_INTEQ(read_all("a\0b@c\n", 6, g, 8), 1);
	T_INTEQ(g[0].len, 5);
	T_CHECK(memcmp(g[0].s, "a\0b@c", 5) == 0);

	/* an over-long line is reported once, then reading goes on */
	n = 3000;
	big = malloc(n + 16);
	memset(big, 'x', n);
	memcpy(big + n, "\nq@r\n", 5);
	T_INTEQ(read_all(big, n + 5, g, 8), 2);
	T_CHECK(g[0].too_long);
	T_INTEQ(g[0].len, INPUT_LINE_MAX);
	T_INTEQ(g[0].full_len, 3000);
	T_STREQ(g[1].s, "q@r");
	T_INTEQ(g[1].lineno, 2);
	free(big);

	/* longer than the whole buffer, and a long comment is skipped */
	n = 3 * INPUT_BUF;
	big = malloc(n + 16);
	memset(big, 'y', n);
	big[0] = '#';
	memcpy(big + n, "\nq@r", 4);
	T_INTEQ(read_all(big, n + 4, g, 8), 1);
	T_STREQ(g[0].s, "q@r");
	T_INTEQ(g[0].lineno, 2);
	big[0] = 'y';
	T_INTEQ(read_all(big, n + 4, g, 8), 2);
	T_CHECK(g[0].too_long);
	T_CHECK(!g[1].too_long);
	free(big);

	/* arguments: one address each, nothing skipped */
	input_open_args(&in, argv, 3);
	T_CHECK(input_next(&in, &l) == INPUT_LINE && l.len == 3);
	T_CHECK(input_next(&in, &l) == INPUT_LINE && l.len == 0);
	T_CHECK(input_next(&in, &l) == INPUT_LINE && l.lineno == 3);
	T_CHECK(input_next(&in, &l) == INPUT_EOF);
}
