/*
 * input.c - incremental line reader; see input.h for the rules.
 *
 * Invariants: off <= len <= INPUT_BUF; when input_next() returns AGAIN
 * the unread tail has been moved to the front and is at most
 * INPUT_LINE_MAX + 1 bytes (a full line and its CR), so input_fill()
 * always has room to read into.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

int
input_open_fd(struct input *in, int fd)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->buf = malloc(INPUT_BUF);
	return in->buf == NULL ? -1 : 0;
}

void
input_open_args(struct input *in, char *const *argv, int argc)
{
	memset(in, 0, sizeof(*in));
	in->fd = -1;
	in->argv = argv;
	in->argc = argc;
}

void
input_close(struct input *in)
{
	free(in->buf);
	in->buf = NULL;
}

/* blank (only spaces/tabs) or a comment ("#" after optional blanks) */
static int
skippable(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] == '#') {
			return 1;
		}
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
			return 0;
		}
	}
	return 1;
}

static enum input_rc
next_arg(struct input *in, struct input_line *line)
{
	const char	*s;
	size_t		 n;

	if (in->argi >= in->argc) {
		return INPUT_EOF;
	}
	s = in->argv[in->argi++];
	n = strlen(s);
	line->s = s;
	line->full_len = n;
	line->lineno = ++in->lineno;
	line->too_long = n > INPUT_LINE_MAX;
	line->len = line->too_long ? INPUT_LINE_MAX : n;
	return INPUT_LINE;
}

/* see input.h */
enum input_rc
input_next(struct input *in, struct input_line *line)
{
	char	*p, *nl;
	size_t	 avail, n;

	if (in->fd < 0) {
		return next_arg(in, line);
	}
	for (;;) {
		p = in->buf + in->off;
		avail = in->len - in->off;
		nl = avail > 0 ? memchr(p, '\n', avail) : NULL;
		if (nl == NULL) {
			if (in->skipping) {
				in->skipped += avail;
				in->off = in->len = 0;
				if (in->eof) {
					in->skipping = 0;
					return INPUT_EOF;
				}
				return in->err ? INPUT_ERROR : INPUT_AGAIN;
			}
			if (avail > INPUT_LINE_MAX + 1) {
				/*
				 * over-long even less a CR: report it now,
				 * skip the rest; judged blank by the bytes
				 * reported, however the reads fell
				 */
				in->skipping = 1;
				in->skipped = avail;
				in->off = in->len = 0;
				in->lineno++;
				if (skippable(p, INPUT_LINE_MAX)) {
					continue;
				}
				line->s = p;
				line->len = INPUT_LINE_MAX;
				line->full_len = avail;
				line->too_long = 1;
				line->lineno = in->lineno;
				return INPUT_LINE;
			}
			if (!in->eof) {
				if (in->off > 0) {
					memmove(in->buf, p, avail);
					in->off = 0;
					in->len = avail;
				}
				return in->err ? INPUT_ERROR : INPUT_AGAIN;
			}
			if (avail == 0) {
				return INPUT_EOF;
			}
			/* last line without a newline */
			nl = p + avail;
		}
		n = (size_t)(nl - p);
		in->off += n + (nl < in->buf + in->len ? 1 : 0);
		if (in->skipping) {
			/* the end of a line already reported */
			in->skipping = 0;
			continue;
		}
		in->lineno++;
		if (n > 0 && p[n - 1] == '\r') {
			n--;
		}
		if (skippable(p, n > INPUT_LINE_MAX ? INPUT_LINE_MAX : n)) {
			continue;
		}
		line->s = p;
		line->full_len = n;
		line->too_long = n > INPUT_LINE_MAX;
		line->len = line->too_long ? INPUT_LINE_MAX : n;
		line->lineno = in->lineno;
		return INPUT_LINE;
	}
}

/* see input.h */
int
input_fill(struct input *in)
{
	ssize_t	 r;

	if (in->fd < 0 || in->eof) {
		return 0;
	}
	if (in->off > 0) {
		memmove(in->buf, in->buf + in->off, in->len - in->off);
		in->len -= in->off;
		in->off = 0;
	}
	r = read(in->fd, in->buf + in->len, INPUT_BUF - in->len);
	if (r < 0) {
		if (errno == EINTR || errno == EAGAIN) {
			return 1;
		}
		in->err = errno;
		return -1;
	}
	if (r == 0) {
		in->eof = 1;
		return 0;
	}
	in->len += (size_t)r;
	return 1;
}

/* see input.h */
int
input_rewind(struct input *in)
{
	if (in->fd < 0 || lseek(in->fd, 0, SEEK_SET) != 0) {
		return -1;
	}
	in->lineno = 0;
	in->eof = 0;
	in->err = 0;
	in->skipping = 0;
	in->skipped = 0;
	in->off = in->len = 0;
	return 0;
}
