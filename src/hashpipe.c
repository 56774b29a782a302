/* hashpipe.c: a hashing helper thread fed through a small queue.
 *
 * The only thread in drconsole, and deliberately dull: it owns the digest
 * once started and touches nothing else, takes buffers from a queue under
 * one mutex, and gives them back to a free list. It blocks every signal, so
 * the event loop's signal handling stays on the main thread, and it never
 * allocates, so a fork from the main thread cannot inherit a held malloc
 * lock from it. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashpipe.h"
#include "log.h"
#include "xmalloc.h"

/* Hash in line below this: a thread per small output is not worth it. */
#define HASHPIPE_THREAD_AFTER (4 * 1024 * 1024)
/* Buffers the helper may be behind by: 1 MiB. */
#define HASHPIPE_POOL 4

struct hashpipe_item {
	char	*buf;
	size_t	 len;
};

struct hashpipe {
	struct crypto_hasher	*hash;
	uint64_t		 fed;
	int			 threaded;
	int			 no_thread;	/* pthread_create failed once */
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 work;		/* the queue has an item */
	pthread_cond_t		 room;		/* the free list has a buffer */
	/* Every buffer but the writer's is in the queue or the free list. */
	struct hashpipe_item	 queue[HASHPIPE_POOL + 1];
	size_t			 qhead, qcount;
	char			*free[HASHPIPE_POOL + 1];
	size_t			 nfree;
	int			 closing;
};

struct hashpipe *
hashpipe_new(void)
{
	struct hashpipe *hp = xcalloc(1, sizeof *hp);

	hp->hash = crypto_hasher_new(NULL);
	return hp;
}

static void *
hashpipe_main(void *arg)
{
	struct hashpipe *hp = arg;
	struct hashpipe_item it;

	pthread_mutex_lock(&hp->mu);
	for (;;) {
		while (hp->qcount == 0 && !hp->closing)
			pthread_cond_wait(&hp->work, &hp->mu);
		if (hp->qcount == 0)
			break;	/* closing, and all of it hashed */
		it = hp->queue[hp->qhead];
		hp->qhead = (hp->qhead + 1) % (HASHPIPE_POOL + 1);
		hp->qcount--;
		pthread_mutex_unlock(&hp->mu);
		crypto_hasher_update(hp->hash, it.buf, it.len);
		pthread_mutex_lock(&hp->mu);
		hp->free[hp->nfree++] = it.buf;
		pthread_cond_signal(&hp->room);
	}
	pthread_mutex_unlock(&hp->mu);
	return NULL;
}

/* Frees the pool (all of it back in the free list) and the sync objects. */
static void
hashpipe_release(struct hashpipe *hp)
{
	while (hp->nfree > 0)
		free(hp->free[--hp->nfree]);
	pthread_cond_destroy(&hp->room);
	pthread_cond_destroy(&hp->work);
	pthread_mutex_destroy(&hp->mu);
}

/* Starts the helper with a full free list; on failure hashing stays in
 * line, which is slower but just as right. */
static void
hashpipe_start(struct hashpipe *hp)
{
	sigset_t all, old;
	int rc;

	pthread_mutex_init(&hp->mu, NULL);
	pthread_cond_init(&hp->work, NULL);
	pthread_cond_init(&hp->room, NULL);
	for (hp->nfree = 0; hp->nfree < HASHPIPE_POOL; hp->nfree++)
		hp->free[hp->nfree] = xmalloc(HASHPIPE_BUFSIZE);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&hp->thread, NULL, hashpipe_main, hp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0) {
		hp->threaded = 1;
		return;
	}
	log_debug("hashpipe: no helper thread (%s): hashing in line", strerror(rc));
	hashpipe_release(hp);
	hp->no_thread = 1;
}

/* 1 when the bytes go to the helper from now on. */
static int
hashpipe_threaded(struct hashpipe *hp, size_t more)
{
	hp->fed += more;
	if (!hp->threaded && !hp->no_thread && hp->fed >= HASHPIPE_THREAD_AFTER)
		hashpipe_start(hp);
	return hp->threaded;
}

/* With the mutex held: queues len bytes of buf for the helper. */
static void
hashpipe_push_locked(struct hashpipe *hp, char *buf, size_t len)
{
	size_t at = (hp->qhead + hp->qcount) % (HASHPIPE_POOL + 1);

	hp->queue[at] = (struct hashpipe_item){ buf, len };
	hp->qcount++;
	pthread_cond_signal(&hp->work);
}

/* With the mutex held: a free buffer, once the helper has given one back. */
static char *
hashpipe_take_locked(struct hashpipe *hp)
{
	while (hp->nfree == 0)
		pthread_cond_wait(&hp->room, &hp->mu);
	return hp->free[--hp->nfree];
}

char *
hashpipe_give(struct hashpipe *hp, char *buf, size_t len)
{
	char *next;

	if (len == 0)
		return buf;	/* an empty flush: no need to wait for the helper */
	if (!hashpipe_threaded(hp, len)) {
		crypto_hasher_update(hp->hash, buf, len);
		return buf;
	}
	pthread_mutex_lock(&hp->mu);
	hashpipe_push_locked(hp, buf, len);
	next = hashpipe_take_locked(hp);
	pthread_mutex_unlock(&hp->mu);
	return next;
}

void
hashpipe_update(struct hashpipe *hp, const void *data, size_t len)
{
	const char *p = data;
	char *buf;
	size_t n;

	if (!hashpipe_threaded(hp, len)) {
		crypto_hasher_update(hp->hash, data, len);
		return;
	}
	for (; len > 0; p += n, len -= n) {
		n = len < HASHPIPE_BUFSIZE ? len : HASHPIPE_BUFSIZE;
		pthread_mutex_lock(&hp->mu);
		buf = hashpipe_take_locked(hp);
		pthread_mutex_unlock(&hp->mu);
		memcpy(buf, p, n);
		pthread_mutex_lock(&hp->mu);
		hashpipe_push_locked(hp, buf, n);
		pthread_mutex_unlock(&hp->mu);
	}
}

int
hashpipe_helping(const struct hashpipe *hp)
{
	return hp->threaded;
}

/* Lets the helper finish what is queued, then frees its buffers. */
static void
hashpipe_stop(struct hashpipe *hp)
{
	if (!hp->threaded)
		return;
	pthread_mutex_lock(&hp->mu);
	hp->closing = 1;
	pthread_cond_signal(&hp->work);
	pthread_mutex_unlock(&hp->mu);
	pthread_join(hp->thread, NULL);
	hashpipe_release(hp);
	hp->threaded = 0;
}

void
hashpipe_final_hex(struct hashpipe *hp, char hex[CRYPTO_HEX_LEN])
{
	hashpipe_stop(hp);
	crypto_hasher_final_hex(hp->hash, hex);
	free(hp);
}

void
hashpipe_free(struct hashpipe *hp)
{
	if (hp == NULL)
		return;
	hashpipe_stop(hp);
	crypto_hasher_free(hp->hash);
	free(hp);
}
