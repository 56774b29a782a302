/* srcpos.h: where something stands in a source file, and how a scalar was
 * written there. Base: diagnostics, the YAML tree and the runbook model all
 * use it, and it depends on nothing. */
#ifndef DRC_SRCPOS_H
#define DRC_SRCPOS_H

struct srcpos {
	int line;		/* 1-based */
	int col;		/* 1-based */
};

/* How a scalar was written: a string's style (struct rstr, struct ynode). */
#define RSTR_PLAIN 0
#define RSTR_QUOTED 1
#define RSTR_BLOCK 2

#endif
