/*
 * version.h - what this binary is: version, target, build switches and
 * the versions of the libraries linked in.
 */
#ifndef MXP_VERSION_H
#define MXP_VERSION_H

#include "util.h"

/* append the --version text (several lines, each ending in "\n") */
void	version_text(struct buf *b);

#endif
