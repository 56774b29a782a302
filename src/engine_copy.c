/* engine_copy.c: a copy step's local file: its paths expanded, its bytes
 * read once and hashed (SHA-256, OpenSSL EVP through crypto.c), and how it
 * is shown. The sending is engine_remote.c's fan-out. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_copy.h"
#include "engine_int.h"
#include "ssh.h"
#include "xmalloc.h"

static char *
expand(struct engine *e, int i, const char *tmpl, char **cause)
{
	struct texpansion x;
	char *out;

	if (params_expand(e, i, tmpl, TMPL_RAW, &x, cause) != 0)
		return NULL;
	out = x.text;
	x.text = NULL;
	texpansion_free(&x);
	return out;
}

/* The whole of a regular file; never blocks on a FIFO or a device. */
static int
read_all(const char *path, struct copy_file *cf, char **cause)
{
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
		*cause = xprintf("copy: cannot read %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > SSH_COPY_MAX) {
		*cause = xprintf("copy: %s is %s", path, !S_ISREG(st.st_mode) ? "not a regular file" :
		    "larger than the 64 MiB a copy sends");
		close(fd);
		return -1;
	}
	cf->data = xmalloc((size_t)st.st_size + 1);
	while (cf->len < (size_t)st.st_size && ((n = read(fd, cf->data + cf->len, (size_t)st.st_size - cf->len)) > 0 ||
	    (n < 0 && errno == EINTR)))
		cf->len += n > 0 ? (size_t)n : 0;
	close(fd);
	return 0;
}

int
copy_file_read(struct engine *e, int i, struct copy_file *cf, char **cause)
{
	const struct step *s = &e->rb->steps[i];

	memset(cf, 0, sizeof *cf);
	cf->mode = s->copy.mode;
	if ((cf->src = expand(e, i, s->copy.src.s, cause)) == NULL ||
	    (cf->dest = expand(e, i, s->copy.dest.s, cause)) == NULL || read_all(cf->src, cf, cause) != 0) {
		copy_file_free(cf);
		return -1;
	}
	crypto_sha256_hex(cf->data, cf->len, cf->sha256);
	return 0;
}

void
copy_file_free(struct copy_file *cf)
{
	free(cf->src);
	free(cf->dest);
	free(cf->data);
	memset(cf, 0, sizeof *cf);
}

char *
copy_file_shown(const struct copy_file *cf)
{
	return xprintf("copy %s (%zu bytes, sha256 %s) to %s, mode %04o", cf->src, cf->len, cf->sha256,
	    cf->dest, (unsigned)cf->mode);
}

/* For a dry run and a confirmation: the file as it is now, or why not. */
char *
remote_copy_display(struct engine *e, int i)
{
	struct copy_file cf;
	char *cause = NULL, *out;

	if (copy_file_read(e, i, &cf, &cause) != 0) {
		out = xprintf("copy %s to %s, mode %04o (%s)", e->rb->steps[i].copy.src.s,
		    e->rb->steps[i].copy.dest.s, (unsigned)e->rb->steps[i].copy.mode, cause);
		free(cause);
		return out;
	}
	out = copy_file_shown(&cf);
	copy_file_free(&cf);
	return out;
}
