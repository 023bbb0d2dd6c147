/*
 * sdnotify.h — telling systemd how torgd is doing (sd_notify(3)'s protocol, spoken
 * without libsystemd): READY=1 once it serves, the watchdog's WATCHDOG=1 from a timer
 * on the loop (so a stuck loop stops the pings and systemd restarts torgd),
 * RELOADING=1 around a reload and STOPPING=1 at shutdown. Every call does nothing
 * when $NOTIFY_SOCKET is unset (not run by systemd, or not Type=notify). Loop thread
 * only; the socket is the module's one piece of state, like util's log level.
 */
#ifndef TORG_SDNOTIFY_H
#define TORG_SDNOTIFY_H

#include <stdint.h>

#include <uv.h>

/** Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID and opens the datagram socket;
 *  call once before the others. A bad $NOTIFY_SOCKET is logged and notifications stay
 *  off. */
void sdnotify_init(void);
/** Sends one notification (newline-separated VAR=value lines); returns 0, or a negative
 *  errno when it could not be sent (also 0 when notifications are off). */
int sdnotify_send(const char *state);
/** READY=1 with STATUS=status (NULL for none): torgd is serving. */
void sdnotify_ready(const char *status);
/** RELOADING=1 (with MONOTONIC_USEC): a reload (e.g. SIGHUP re-reading the TLS
 *  certificates) begins; call sdnotify_ready when it is done. */
void sdnotify_reloading(void);
/** STOPPING=1: the shutdown has begun. */
void sdnotify_stopping(void);
/** The watchdog's interval in µs that systemd asked this process for, or 0 when none. */
uint64_t sdnotify_watchdog_usec(void);
/** Initialises *timer on loop and, when systemd asked for a watchdog, starts it to send
 *  WATCHDOG=1 every half interval. The caller owns the timer and uv_close()s it at
 *  shutdown either way. Returns 0 or a uv error code. */
int sdnotify_watchdog_start(uv_loop_t *loop, uv_timer_t *timer);

#endif
