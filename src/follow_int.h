/* follow_int.h: what follow.c (the journal, through the fold) and
 * follow_output.c (the output files and tails) share. */
#ifndef DRC_FOLLOW_INT_H
#define DRC_FOLLOW_INT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto.h"
#include "follow.h"
#include "runstate.h"

/* An output file of one attempt (or rollback) of a step. */
struct follow_file {
	char	*rel;		/* relative to the incident directory */
	int	 rollback;
	off_t	 done;		/* bytes of complete lines taken in */
	off_t	 seen;		/* the size when last read to the end */
	int	 closed;	/* the journal says the attempt ended */
	int	 finished;	/* closed, and read to its end */
	struct follow_reader rd;	/* where done stands: a block may span reads */
	int	 cut;		/* the line at done is the rest of one taken cut */
};

struct follow {
	char	*dir;
	char	*jpath;
	int	 flags;
	struct runstate rs;	/* the fold of the lines read so far */
	int	*of_rs;		/* rs step k -> its index in steps */
	int	 nof_rs;
	struct follow_run run;
	struct follow_step *steps;
	int	 nsteps;
	int	 seeded;	/* steps came from the runbook */
	struct runbook *rb;	/* that runbook, kept for the view */
	follow_event_cb event_cb;
	void	*event_arg;
	int	 jknown;	/* jdev and jino are set */
	dev_t	 jdev;
	ino_t	 jino;
	off_t	 jdone;		/* bytes of complete journal lines read */
	off_t	 jseen;		/* the journal's size when read to the end */
	struct timespec jmtime;	/* and its modification time then */
	int64_t	 last_seq;
	char	 last_hash[CRYPTO_HEX_LEN];
	size_t	 budget;	/* output bytes this poll may still read */
	int	 behind;
	uint64_t gen;
};

/* Adds file rel (taken) to the step's, or reopens it (a rollback run
 * twice appends to its file). */
void follow_file_add(struct follow_step *st, char *rel, int rollback);
/* The attempt's (or rollback's) files are complete: read them to their
 * end. rel, when the journal names one not expected, is read too. */
void follow_file_close(struct follow_step *st, int rollback, const char *rel);
/* Reads up to want bytes of path from off into an allocated buffer. */
char *follow_read_at(const char *path, off_t off, size_t want, size_t *got);
/* Reads what is new in each step's files, within the poll's budget; 1 if
 * anything changed. */
int follow_read_outputs(struct follow *f);

#endif
