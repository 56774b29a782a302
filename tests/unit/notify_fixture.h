/* notify_fixture.h: what the notify tests share: the Python HTTP server
 * (tests/e2e/http_server.py) and SMTP sink on loopback, one per test
 * binary, and a runner that sends one notification to its end and keeps
 * its outcome (struct result, action_result.h). */
#ifndef DRC_TEST_NOTIFY_FIXTURE_H
#define DRC_TEST_NOTIFY_FIXTURE_H

#include <jansson.h>

#include "action_result.h"
#include "httpstep.h"
#include "loop.h"
#include "notify.h"
#include "pyserver.h"

/* 2023-11-14T22:13:20Z: pins Date, sent_at and the Message-ID stamp. */
#define FAKE_NOW	"1700000000000"

extern struct pyserver web, smtp;

struct fixture {
	struct loop		*loop;
	struct httpctx		*ctx;
	struct notifystep	*ns;
	struct result		 r;
};

/* cmocka group and test setup/teardown. */
int group_setup(void **state);
int group_teardown(void **state);
int setup(void **state);
int teardown(void **state);

/* Removes a state file of s (its logs). */
void remove_state(const struct pyserver *s, const char *name);
/* A log of JSON lines as an array; empty when there is no log. */
json_t *read_jsonl(const struct pyserver *s, const char *name);
/* http://127.0.0.1:PORT/path on the web server; smtp://... on the sink. */
char *web_url(const char *path);
char *smtp_url(void);
/* Starts req: the cause when it did not start. */
char *try_start(struct fixture *fx, const struct notify_request *req);
/* Sends req and runs it to the end. */
void run_notify(struct fixture *fx, const struct notify_request *req);
/* The one line webhook.log holds, as JSON. */
json_t *hook_body(void);
const char *jget(json_t *j, const char *key);

#endif
