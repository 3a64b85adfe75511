/*
 * input.h - the incremental line reader: addresses from the command
 * line, stdin or a file.
 *
 * From a file or stdin: one address per line; LF or CRLF line ends; a
 * line that is empty, only spaces and tabs, or starts with "#" (after
 * optional spaces) is skipped.  A line longer than INPUT_LINE_MAX is not
 * cut silently: it comes out once, with too_long set and its first
 * INPUT_LINE_MAX bytes, and the rest of it is skipped (an over-long line
 * whose first INPUT_LINE_MAX bytes are blank or a comment is skipped
 * whole, whatever follows).  NUL and lone CR
 * bytes stay in the line for the address parser to refuse.
 * From arguments: each argument is one address, nothing skipped.
 *
 * The reader never blocks on its own: input_next() only looks at what is
 * buffered, input_fill() does one read() when the caller knows the fd is
 * readable (poll() said so, or it is a regular file).
 */
#ifndef MXP_INPUT_H
#define MXP_INPUT_H

#include <stddef.h>
#include <stdint.h>

#define INPUT_LINE_MAX	1024	/* far over any valid path (256) */
#define INPUT_BUF	16384

struct input_line {
	const char	*s;		/* valid until the next input_* call */
	size_t		 len;		/* bytes in s (at most INPUT_LINE_MAX) */
	size_t		 full_len;	/* length of the whole line */
	uint64_t	 lineno;	/* 1-based line or argument number */
	int		 too_long;
};

struct input {
	int		 fd;		/* -1: arguments */
	char *const	*argv;
	int		 argc;
	int		 argi;
	uint64_t	 lineno;
	int		 eof;		/* read() returned 0 */
	int		 err;		/* errno of a failed read, sticky */
	int		 skipping;	/* discarding the rest of a long line */
	size_t		 skipped;	/* bytes of it seen so far */
	size_t		 off;		/* start of unread data in buf */
	size_t		 len;		/* end of data in buf */
	char		*buf;		/* INPUT_BUF bytes */
};

enum input_rc {
	INPUT_LINE,	/* *line is filled */
	INPUT_AGAIN,	/* need input_fill() first */
	INPUT_EOF,	/* no more lines */
	INPUT_ERROR	/* read failed; in->err says why */
};

/* readers over fd (buffer allocated here, once) or over argv */
int		input_open_fd(struct input *in, int fd);
void		input_open_args(struct input *in, char *const *argv, int argc);
void		input_close(struct input *in);

enum input_rc	input_next(struct input *in, struct input_line *line);

/* one read(); 1 data, 0 EOF, -1 error (EAGAIN/EINTR count as data) */
int		input_fill(struct input *in);

/*
 * A regular file: back to its first line (lseek), line numbers from 1
 * again; 0, or -1 with errno (not seekable).
 */
int		input_rewind(struct input *in);

#endif
