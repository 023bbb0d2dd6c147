/*
 * sdnotify.c — systemd's notification protocol, spoken directly. Why not libsystemd:
 * the protocol is one datagram of "VAR=value" lines sent to the AF_UNIX socket named
 * by $NOTIFY_SOCKET (an abstract one when the name starts with '@'), documented as
 * stable in sd_notify(3); the ~60 lines below are all of it that torgd uses, and
 * linking libsystemd (with its own dependencies) for them would add a library to
 * build, package and audit on every machine, systemd or not. The socket is
 * non-blocking: a busy systemd makes torgd drop a ping, never stall its loop.
 */
#include "sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static int notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t notify_len;
static uint64_t watchdog_usec;
static int last_error; /* the errno last logged, so that a failing ping logs once */

/* Fills notify_addr from $NOTIFY_SOCKET; returns 0, or -1 with a warning. */
static int notify_address(const char *name)
{
	size_t len = strlen(name);
	if ((name[0] != '/' && name[0] != '@') || len < 2 || len >= sizeof(notify_addr.sun_path)) {
		log_warn("NOTIFY_SOCKET \"%s\" is neither an absolute path nor an @abstract "
			 "name that fits a unix socket address; not notifying systemd",
			 name);
		return -1;
	}
	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, name, len);
	if (name[0] == '@')
		notify_addr.sun_path[0] = '\0'; /* abstract: the length, not a NUL, ends it */
	notify_len =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (name[0] == '/' ? 1 : 0));
	return 0;
}

/* The watchdog interval systemd asked for, when it asked this process. */
static uint64_t watchdog_from_env(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	if (!usec || !*usec)
		return 0;
	char *end;
	if (pid && *pid) {
		long p = strtol(pid, &end, 10);
		if (*end != '\0' || p != (long)getpid())
			return 0; /* meant for another process (we were started by one) */
	}
	errno = 0;
	unsigned long long v = strtoull(usec, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || usec[0] < '0' || usec[0] > '9') {
		log_warn("WATCHDOG_USEC \"%s\" is not a positive number of µs; no watchdog pings",
			 usec);
		return 0;
	}
	return v;
}

void sdnotify_init(void)
{
	const char *name = getenv("NOTIFY_SOCKET");
	if (!name || !*name || notify_address(name) != 0)
		return;
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (notify_fd < 0) {
		log_warn("cannot open a socket to notify systemd: %s", strerror(errno));
		return;
	}
	watchdog_usec = watchdog_from_env();
}

int sdnotify_send(const char *state)
{
	if (notify_fd < 0)
		return 0;
	ssize_t n;
	do
		n = sendto(notify_fd, state, strlen(state), MSG_NOSIGNAL,
			   (const struct sockaddr *)&notify_addr, notify_len);
	while (n < 0 && errno == EINTR);
	if (n >= 0) {
		last_error = 0;
		return 0;
	}
	int err = errno;
	if (err != last_error)
		log_warn("cannot notify systemd (%.*s): %s", (int)strcspn(state, "\n"), state,
			 strerror(err));
	last_error = err;
	return -err;
}

void sdnotify_ready(const char *status)
{
	char msg[512];
	snprintf(msg, sizeof(msg), "READY=1%s%s", status ? "\nSTATUS=" : "", status ? status : "");
	sdnotify_send(msg);
}

void sdnotify_reloading(void)
{
	/* MONOTONIC_USEC lets Type=notify-reload tell this reload from an older one. */
	char msg[64];
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000u + (unsigned long long)ts.tv_nsec / 1000);
	sdnotify_send(msg);
}

void sdnotify_stopping(void)
{
	sdnotify_send("STOPPING=1");
}

uint64_t sdnotify_watchdog_usec(void)
{
	return notify_fd >= 0 ? watchdog_usec : 0;
}

/* Watchdog timer: the loop is turning, so tell systemd. */
static void watchdog_cb(uv_timer_t *t)
{
	(void)t;
	sdnotify_send("WATCHDOG=1");
}

int sdnotify_watchdog_start(uv_loop_t *loop, uv_timer_t *timer)
{
	int rc = uv_timer_init(loop, timer);
	uint64_t usec = sdnotify_watchdog_usec();
	if (rc != 0 || usec == 0)
		return rc;
	/* half the interval, as sd_watchdog_enabled(3) advises, and at least 1 ms */
	uint64_t ms = usec / 2000 ? usec / 2000 : 1;
	sdnotify_send("WATCHDOG=1");
	return uv_timer_start(timer, watchdog_cb, ms, ms);
}
