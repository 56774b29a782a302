/* fuzz_loader.c: libFuzzer target for the runbook loader. Any bytes must
 * give either a runbook or at least one error, never a crash, a hang or a
 * leak, and every diagnostic must point inside the input. Build and run it
 * with tests/fuzz/run.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Lines in the input, counting a last line without a newline. */
static int
count_lines(const uint8_t *data, size_t size)
{
	int n = 1;

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

static void
check_diags(const struct diags *d, int lines)
{
	int errors = 0, warnings = 0;

	for (int i = 0; i < d->count; i++) {
		const struct diag *dg = &d->list[i];
		char *s = diag_format(dg);

		/* A diagnostic has no position (the whole file) or a real one. */
		if ((dg->pos.line == 0) != (dg->pos.col == 0) || dg->pos.line < 0 ||
		    dg->pos.col < 0 || dg->pos.line > lines + 1)
			abort();
		if (strcmp(dg->file, "fuzz.yaml") != 0 || dg->message[0] == '\0')
			abort();
		errors += dg->severity == DIAG_ERROR;
		warnings += dg->severity == DIAG_WARNING;
		free(s);
	}
	if (errors != d->errors || warnings != d->warnings)
		abort();
}

/* What callers rely on in a runbook that loaded. */
static void
check_runbook(const struct runbook *rb)
{
	if (rb->id == NULL || rb->title.s == NULL || rb->nsteps < 1)
		abort();
	for (int i = 0; i < rb->nsteps; i++) {
		const struct step *s = &rb->steps[i];

		if (s->id == NULL || s->title.s == NULL || s->action == ACTION_NONE)
			abort();
		if (runbook_find_step(rb, s->id) != i)
			abort();
		(void)runbook_step_phase(rb, i);
	}
	for (int i = 0; i < rb->nparams; i++) {
		if (rb->params[i].name == NULL || runbook_find_param(rb, rb->params[i].name) != &rb->params[i])
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = { 0 };
	struct runbook *rb = loader_load_buffer("fuzz.yaml", data, size, &d);

	check_diags(&d, count_lines(data, size));
	if ((rb == NULL) != (d.errors > 0))
		abort();
	if (rb != NULL)
		check_runbook(rb);
	runbook_free(rb);
	diags_clear(&d);
	return 0;
}
