/*
 * opt.c - command-line options: one table gives each option its name,
 * its field in struct config, its default and its bounds.
 *
 * Accepted forms: "--name value", "--name=value", "-x value", "-xvalue"
 * for options with a short letter, "--" ends the options.  A value out
 * of bounds, an unknown option or a missing value is a usage error
 * (exit 64) that names the option: never silently clamped.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "features.h"
#include "util.h"
#include "version.h"

enum okind {
	OK_FLAG,	/* int field = min */
	OK_U32,		/* uint32_t field, min..max */
	OK_STR,		/* const char * field */
	OK_FN		/* handled by a function */
};

struct opt;
typedef void opt_fn(struct config *, const struct opt *, const char *);

struct opt {
	const char	*name;
	char		 letter;
	enum okind	 kind;
	size_t		 off;
	uint32_t	 min, max;
	opt_fn		*fn;
	const char	*arg;	/* name of the value, for --help */
	const char	*help;
};

static opt_fn set_mode, set_fmt, set_order, set_seed, show_help,
    show_version;

#define F(field) offsetof(struct config, field)

static const struct opt opts[] = {
	{ "file", 'f', OK_STR, F(file), 0, 0, NULL, "FILE",
	    "read addresses from FILE, one per line (- is stdin)" },
	{ "syntax-only", 0, OK_FN, 0, MODE_SYNTAX, 0, set_mode, NULL,
	    "check the address syntax only" },
	{ "json", 0, OK_FN, 0, OUT_JSON, 0, set_fmt, NULL,
	    "one JSON object per line" },
	{ "csv", 0, OK_FN, 0, OUT_CSV, 0, set_fmt, NULL,
	    "CSV with a header line" },
	{ "text", 0, OK_FN, 0, OUT_TEXT, 0, set_fmt, NULL,
	    "address, verdict, reason, detail; TAB-separated (default)" },
	{ "order", 0, OK_FN, 0, 0, 0, set_order, "input|completion",
	    "order of the results (default completion)" },
	{ "ring", 0, OK_U32, F(ring), 1, 1u << 20, NULL, "N",
	    "result ring slots (default 256)" },
	{ "seed", 0, OK_FN, 0, 0, 0, set_seed, "N",
	    "fix all randomness, for reproducible runs" },
	{ "verbose", 'v', OK_FLAG, F(verbose), 1, 0, NULL, NULL,
	    "say more on stderr (twice: trace every state change)" },
	{ "version", 'V', OK_FN, 0, 0, 0, show_version, NULL,
	    "print version and build options" },
	{ "help", 'h', OK_FN, 0, 0, 0, show_help, NULL,
	    "print this help" },
};

static void
defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = MODE_PROBE;
	c->fmt = OUT_TEXT;
	c->ring = 256;
}

static void
set_mode(struct config *c, const struct opt *o, const char *v)
{
	(void)v;
	c->mode = (enum mode)o->min;
}

static void
set_fmt(struct config *c, const struct opt *o, const char *v)
{
	(void)v;
	c->fmt = (enum out_fmt)o->min;
}

static void
set_order(struct config *c, const struct opt *o, const char *v)
{
	(void)o;
	if (strcmp(v, "input") == 0) {
		c->ordered = 1;
	} else if (strcmp(v, "completion") == 0) {
		c->ordered = 0;
	} else {
		die(EXIT_USAGE, "--order: want input or completion, not \"",
		    v, "\"", NULL);
	}
}

static void
set_seed(struct config *c, const struct opt *o, const char *v)
{
	(void)o;
	if (parse_u64(v, 1, UINT64_MAX, &c->seed) != 0) {
		die(EXIT_USAGE, "--seed: want a number from 1, not \"", v,
		    "\"", NULL);
	}
}

static void
show_help(struct config *c, const struct opt *o, const char *v)
{
	char		 mem[8192];
	struct buf	 b;
	size_t		 i, col;

	(void)c;
	(void)o;
	(void)v;
	buf_init(&b, mem, sizeof(mem));
	buf_adds(&b, "usage: mxprobe [options] [address ...]\n"
	    "       mxprobe [options] -f FILE\n"
	    "Check whether mailboxes exist, without sending mail.\n"
	    "Addresses come from the arguments, -f FILE, or stdin.\n\n");
	for (i = 0; i < MXP_NELEM(opts); i++) {
		col = b.len;
		if (opts[i].letter != 0) {
			buf_adds(&b, "  -");
			buf_addc(&b, opts[i].letter);
			buf_adds(&b, ", --");
		} else {
			buf_adds(&b, "      --");
		}
		buf_adds(&b, opts[i].name);
		if (opts[i].arg != NULL) {
			buf_addc(&b, ' ');
			buf_adds(&b, opts[i].arg);
		}
		do {
			buf_addc(&b, ' ');
		} while (b.len - col < 32);
		buf_adds(&b, opts[i].help);
		buf_addc(&b, '\n');
	}
	buf_adds(&b, "\nExit status: 0 all deliverable, 1 some undeliverable, "
	    "2 some risky,\n3 some unknown (the highest wins), 64 usage, "
	    "70 internal error.\nSee mxprobe(1).\n");
	(void)write_all(1, b.p, b.len);
	exit(0);
}

static void
show_version(struct config *c, const struct opt *o, const char *v)
{
	char		 mem[512];
	struct buf	 b;

	(void)c;
	(void)o;
	(void)v;
	buf_init(&b, mem, sizeof(mem));
	version_text(&b);
	(void)write_all(1, b.p, b.len);
	exit(0);
}

static const struct opt *
find_long(const char *name, size_t n)
{
	size_t	 i;

	for (i = 0; i < MXP_NELEM(opts); i++) {
		if (strlen(opts[i].name) == n &&
		    memcmp(opts[i].name, name, n) == 0) {
			return &opts[i];
		}
	}
	return NULL;
}

static const struct opt *
find_short(char letter)
{
	size_t	 i;

	for (i = 0; i < MXP_NELEM(opts); i++) {
		if (opts[i].letter == letter) {
			return &opts[i];
		}
	}
	return NULL;
}

static int
takes_value(const struct opt *o)
{
	return o->kind == OK_U32 || o->kind == OK_STR || o->arg != NULL;
}

static void
apply(struct config *c, const struct opt *o, const char *v)
{
	char		 num[24];
	struct buf	 b;
	uint64_t	 u;

	switch (o->kind) {
	case OK_FLAG:
		*(int *)(void *)((char *)c + o->off) += (int)o->min;
		break;
	case OK_U32:
		if (parse_u64(v, o->min, o->max, &u) != 0) {
			buf_init(&b, num, sizeof(num));
			buf_addu(&b, o->min);
			buf_adds(&b, "..");
			buf_addu(&b, o->max);
			die(EXIT_USAGE, "--", o->name, ": want a whole number in ",
			    buf_nul(&b), ", not \"", v, "\"", NULL);
		}
		*(uint32_t *)(void *)((char *)c + o->off) = (uint32_t)u;
		break;
	case OK_STR:
		if (*v == '\0') {
			die(EXIT_USAGE, "--", o->name, ": empty value", NULL);
		}
		*(const char **)(void *)((char *)c + o->off) = v;
		break;
	case OK_FN:
		o->fn(c, o, v);
		break;
	}
}

static void
check(struct config *c)
{
	if (c->file != NULL && c->nargs > 0) {
		die(EXIT_USAGE, "give addresses as arguments or with -f, "
		    "not both", NULL);
	}
}

/* see config.h */
void
opt_parse(struct config *c, int argc, char **argv)
{
	const struct opt	*o;
	const char		*a, *v, *eq;
	int			 i;
	char			 letter[2] = { 0, 0 };

	defaults(c);
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			break;
		}
		v = NULL;
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			o = find_long(a + 2, eq != NULL ? (size_t)(eq - a - 2) :
			    strlen(a + 2));
			if (o == NULL) {
				die(EXIT_USAGE, "unknown option ", a,
				    " (see --help)", NULL);
			}
			if (eq != NULL) {
				if (!takes_value(o)) {
					die(EXIT_USAGE, "--", o->name,
					    " takes no value", NULL);
				}
				v = eq + 1;
			}
		} else {
			letter[0] = a[1];
			o = find_short(a[1]);
			if (o == NULL) {
				die(EXIT_USAGE, "unknown option -", letter,
				    " (see --help)", NULL);
			}
			if (a[2] != '\0') {
				if (!takes_value(o)) {
					die(EXIT_USAGE, "-", letter,
					    " takes no value (give short "
					    "options one by one)", NULL);
				}
				v = a + 2;
			}
		}
		if (takes_value(o) && v == NULL) {
			if (i + 1 >= argc) {
				die(EXIT_USAGE, "--", o->name, " needs a value",
				    NULL);
			}
			v = argv[++i];
		}
		apply(c, o, v);
	}
	c->args = argv + i;
	c->nargs = argc - i;
	check(c);
}
