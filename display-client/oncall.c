/* oncall.c: the --on-call command of torg-display. For each call and recall it runs
 * `/bin/sh -c CMD` with uv_spawn and the call in the environment (TORG_NUMBER,
 * TORG_COUNTER, TORG_COUNTER_NAME, TORG_SERVICE, TORG_SERVICE_NAME, TORG_RECALL=0/1),
 * never waiting for it: at most DISPLAY_ONCALL_MAX children run at once, later calls
 * wait in a bounded queue (the oldest is dropped with a log line when it is full), and
 * every child is reaped by libuv's exit callback. It owns the children and the queue. */
#include "display.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* Duplicates s ("" for NULL) or aborts. */
static char *dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

/* Frees what a job owns. */
static void job_clear(struct display_oncall_job *j)
{
	free(j->number);
	free(j->counter);
	free(j->counter_name);
	free(j->service);
	free(j->service_name);
	memset(j, 0, sizeof(*j));
}

/* Returns "NAME=value" as a new string. */
static char *env_pair(const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *s = xmalloc(n);
	snprintf(s, n, "%s=%s", name, value);
	return s;
}

/* Returns true when the environment entry e sets one of our TORG_ variables. */
static bool ours(const char *e)
{
	static const char *const names[] = {
	    "TORG_NUMBER=",  "TORG_COUNTER=",	   "TORG_COUNTER_NAME=",
	    "TORG_SERVICE=", "TORG_SERVICE_NAME=", "TORG_RECALL="};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strncmp(e, names[i], strlen(names[i])))
			return true;
	return false;
}

/* The child's handle is closed: free it. */
static void child_closed_cb(uv_handle_t *h)
{
	free(h->data);
}

static void start_next(struct display *d);

/* A child exited: unlink it, close its handle, start a queued call. */
static void child_exit_cb(uv_process_t *p, int64_t status, int sig)
{
	struct display_child *c = p->data, **pp;
	struct display *d = c->d;
	for (pp = &d->children; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			d->nchildren--;
			break;
		}
	if (status != 0 || sig != 0)
		display_log(d, "--on-call command exited with %s %d", sig ? "signal" : "status",
			    sig ? sig : (int)status);
	uv_close((uv_handle_t *)p, child_closed_cb);
	start_next(d);
}

/* Starts one child for job j (consumed). */
static void spawn(struct display *d, struct display_oncall_job *j)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = xcalloc(n + 7, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!ours(environ[i]))
			env[k++] = environ[i];
	size_t first = k;
	env[k++] = env_pair("TORG_NUMBER", j->number);
	env[k++] = env_pair("TORG_COUNTER", j->counter);
	env[k++] = env_pair("TORG_COUNTER_NAME", j->counter_name);
	env[k++] = env_pair("TORG_SERVICE", j->service);
	env[k++] = env_pair("TORG_SERVICE_NAME", j->service_name);
	env[k++] = env_pair("TORG_RECALL", j->recall ? "1" : "0");
	char *args[] = {"/bin/sh", "-c", d->on_call, NULL};
	uv_stdio_container_t stdio[3];
	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_IGNORE;
	int errfd = d->log_fd >= 0 ? d->log_fd : (!d->fullscreen ? STDERR_FILENO : -1);
	if (errfd >= 0) {
		stdio[2].flags = UV_INHERIT_FD;
		stdio[2].data.fd = errfd;
	} else {
		stdio[2].flags = UV_IGNORE;
	}
	uv_process_options_t opt;
	memset(&opt, 0, sizeof(opt));
	opt.file = "/bin/sh";
	opt.args = args;
	opt.env = env;
	opt.exit_cb = child_exit_cb;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	struct display_child *c = xcalloc(1, sizeof(*c));
	c->d = d;
	c->proc.data = c;
	int rc = uv_spawn(&d->loop, &c->proc, &opt);
	if (rc != 0) {
		display_log(d, "--on-call: cannot start /bin/sh: %s", uv_strerror(rc));
		uv_close((uv_handle_t *)&c->proc, child_closed_cb);
	} else {
		c->next = d->children;
		d->children = c;
		d->nchildren++;
	}
	for (size_t i = first; i < k; i++)
		free(env[i]);
	free(env);
	job_clear(j);
}

/* Starts queued calls while child slots are free. */
static void start_next(struct display *d)
{
	while (!d->stopping && d->nqueue && d->nchildren < DISPLAY_ONCALL_MAX) {
		struct display_oncall_job j = d->queue[0];
		memmove(&d->queue[0], &d->queue[1], (d->nqueue - 1) * sizeof(d->queue[0]));
		d->nqueue--;
		spawn(d, &j);
	}
}

void oncall_run(struct display *d, const struct proto_board_call *call)
{
	if (!d->on_call || d->stopping)
		return;
	if (d->nqueue == DISPLAY_ONCALL_QUEUE) {
		display_log(d, "--on-call is behind: %s not announced", d->queue[0].number);
		job_clear(&d->queue[0]);
		memmove(&d->queue[0], &d->queue[1], (d->nqueue - 1) * sizeof(d->queue[0]));
		d->nqueue--;
	}
	const char *lang = render_lang(d);
	const struct proto_board_counter *c =
	    call->counter ? proto_board_counter(&d->board, call->counter) : NULL;
	const struct proto_board_service *s = proto_board_service(&d->board, call->service);
	struct display_oncall_job *j = &d->queue[d->nqueue++];
	j->number = dup_or_empty(call->number);
	j->counter = dup_or_empty(call->counter);
	j->counter_name =
	    dup_or_empty(c ? proto_board_name(&c->name, lang, call->counter) : call->counter);
	j->service = dup_or_empty(call->service);
	j->service_name =
	    dup_or_empty(s ? proto_board_name(&s->name, lang, call->service) : call->service);
	j->recall = call->recall;
	start_next(d);
}

void oncall_stop(struct display *d)
{
	for (size_t i = 0; i < d->nqueue; i++)
		job_clear(&d->queue[i]);
	d->nqueue = 0;
	while (d->children) {
		struct display_child *c = d->children;
		d->children = c->next;
		uv_process_kill(&c->proc, SIGTERM);
		uv_close((uv_handle_t *)&c->proc, child_closed_cb);
	}
	d->nchildren = 0;
}
