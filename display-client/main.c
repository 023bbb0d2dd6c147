/* main.c: torg-display, the native wall-display client of torg. It owns the command
 * line, the program's life cycle (one libuv loop; signals SIGINT/SIGTERM to stop and
 * SIGWINCH to redraw, a 50 ms redraw coalescing timer, a clock timer, the --once
 * timeout), the terminal (alternate screen, hidden cursor, no echo; restored on every
 * exit path), the log (a file with --log, stderr when it is not the screen, else the
 * board's last line), and what is done with each frame from the server: applied to the
 * board through proto/board (which also follows a filtered display's skips), new calls
 * handed to --on-call, gaps and server errors turned into a reconnect (whose backoff keeps
 * growing while the gaps come back), and what a snapshot decides: the floor's time zone
 * for every time shown (TZ set from floor.timezone) and whether the floor has the
 * language asked for (exit 2 when it has not). The connection itself is conn.c; drawing
 * is render.c. */
#include "display.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static struct termios saved_termios;
static bool termios_saved, screen_entered;

/* Puts the terminal back as it was (alternate screen off, cursor on, echo on). */
static void term_restore(void)
{
	if (screen_entered) {
		static const char seq[] = "\x1b[0m\x1b[?7h\x1b[?25h\x1b[?1049l";
		ssize_t rc = write(STDOUT_FILENO, seq, sizeof(seq) - 1);
		(void)rc;
		screen_entered = false;
	}
	if (termios_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
		termios_saved = false;
	}
}

/* Enters the alternate screen, hides the cursor, turns off wrapping and input echo. */
static void term_enter(void)
{
	static const char seq[] = "\x1b[?1049h\x1b[?25l\x1b[?7l\x1b[2J";
	ssize_t rc = write(STDOUT_FILENO, seq, sizeof(seq) - 1);
	(void)rc;
	screen_entered = true;
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_termios) == 0) {
		struct termios t = saved_termios;
		t.c_lflag &= ~(tcflag_t)(ECHO | ICANON);
		termios_saved = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
	}
	atexit(term_restore);
}

/* Writes all of buf to fd (retrying short writes); errors are ignored. */
static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

void display_log(struct display *d, const char *fmt, ...)
{
	char msg[DISPLAY_LOG_LINE], line[DISPLAY_LOG_LINE + 48], stamp[32];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	time_t now = time(NULL);
	struct tm lt;
	localtime_r(&now, &lt);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &lt);
	int n = snprintf(line, sizeof(line), "%s torg-display: %s\n", stamp, msg);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	if (d->log_fd >= 0)
		write_all(d->log_fd, line, (size_t)n);
	else if (!d->fullscreen)
		write_all(STDERR_FILENO, line, (size_t)n);
	snprintf(d->log_line, sizeof(d->log_line), "%s", msg);
	if (d->fullscreen)
		display_dirty(d);
}

/* Reads the terminal size (falls back to COLUMNS/LINES, then 80x24). */
static void term_size(int *cols, int *rows)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
		return;
	}
	const char *c = getenv("COLUMNS"), *r = getenv("LINES");
	*cols = c && atoi(c) > 0 ? atoi(c) : 80;
	*rows = r && atoi(r) > 0 ? atoi(r) : 24;
}

/* Draws the board now. */
static void redraw(struct display *d)
{
	size_t len = 0;
	char *s;
	d->redraw_pending = false;
	d->last_redraw_ms = uv_now(&d->loop);
	if (d->fullscreen) {
		int cols, rows;
		term_size(&cols, &rows);
		s = render_board(d, cols, rows, &len);
	} else {
		if (!d->board.have_base)
			return;
		s = render_plain(d, &len);
		if (s) {
			s = xrealloc(s, len + 2);
			s[len++] = '\n';
		}
	}
	if (s)
		write_all(STDOUT_FILENO, s, len);
	free(s);
}

/* The redraw timer fired. */
static void redraw_cb(uv_timer_t *t)
{
	redraw(t->data);
}

void display_dirty(struct display *d)
{
	if (d->once || d->stopping || d->redraw_pending)
		return;
	d->redraw_pending = true;
	uint64_t now = uv_now(&d->loop), due = d->last_redraw_ms + DISPLAY_REDRAW_MS;
	uv_timer_start(&d->redraw_timer, redraw_cb, due > now ? due - now : 0, 0);
}

/* Once a second: redraw when the clock's minute changed. */
static void clock_cb(uv_timer_t *t)
{
	struct display *d = t->data;
	char now[8];
	time_t s = time(NULL);
	struct tm lt;
	localtime_r(&s, &lt);
	strftime(now, sizeof(now), "%H:%M", &lt);
	if (strcmp(now, d->last_clock) != 0 || render_notices_sig(d) != d->notices_sig)
		display_dirty(d);
}

/* Shows times in the floor's time zone from now on (TZ, as torgd itself does); a zone
 * this machine has no file for is logged and shows as UTC, and a name that is a path
 * (the server's word is not trusted with the files read) is logged and not used. */
static void use_timezone(struct display *d, const char *tz)
{
	if (!tz || (d->tz && !strcmp(d->tz, tz)))
		return;
	free(d->tz);
	d->tz = xstrdup(tz);
	if (!*tz || tz[0] == '/' || tz[0] == ':' || strstr(tz, "..")) {
		display_log(d, "time zone \"%s\" of the floor is not a zone name: not used", tz);
		return;
	}
	const char *dir = getenv("TZDIR") ? getenv("TZDIR") : "/usr/share/zoneinfo";
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, tz);
	if (access(path, R_OK) != 0)
		display_log(d,
			    "time zone %s of the floor is not on this machine (%s): times "
			    "show as UTC",
			    tz, dir);
	setenv("TZ", tz, 1);
	tzset();
	d->last_clock[0] = '\0';
}

/* After a snapshot: stops with exit code 2 when --lang names a language the floor (or
 * display) does not have. Returns true when it stopped. */
static bool refuse_language(struct display *d)
{
	if (!d->lang || !d->board.nlanguages)
		return false;
	char have[256] = "";
	size_t n = 0;
	for (size_t i = 0; i < d->board.nlanguages; i++) {
		if (!strcmp(d->board.languages[i], d->lang))
			return false;
		n += (size_t)snprintf(have + n, n < sizeof(have) ? sizeof(have) - n : 0, "%s%s",
				      i ? ", " : "", d->board.languages[i]);
		if (n >= sizeof(have))
			n = sizeof(have) - 1;
	}
	size_t len = strlen(d->lang) + strlen(have) + 128;
	d->refusal = xmalloc(len);
	snprintf(d->refusal, len, "--lang %s: the %s has no such language; it has %s", d->lang,
		 d->board.display_id ? "display" : "floor", have);
	display_stop(d, 2);
	return true;
}

int display_on_frame(struct display *d, const char *buf, size_t len)
{
	struct proto_board_result r;
	char *cause = NULL;
	if (proto_board_apply(&d->board, buf, len, &r, &cause) != 0) {
		display_log(d, "malformed frame of %zu bytes skipped: %s", len, cause);
		free(cause);
		return 0;
	}
	int rc = 0;
	if (r.error) {
		display_log(d, "server error: %s", r.error);
		if (d->once) {
			fprintf(stderr, "torg-display: %s: %s\n", d->url, r.error);
			display_stop(d, 1);
		}
		rc = -1;
	}
	if (r.flags & PROTO_BOARD_SNAPSHOT) {
		d->gap_strikes = 0;
		if (d->board.server_ms) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			d->skew_ms =
			    d->board.server_ms - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
		}
		use_timezone(d, d->board.timezone);
		if (refuse_language(d)) {
			proto_board_result_clear(&r);
			return -1;
		}
	}
	if (d->board.seq > d->gap_at)
		d->gap_strikes = 0;
	for (size_t i = 0; i < r.ncalls && !d->once; i++)
		oncall_run(d, &r.calls[i]);
	if (r.flags & PROTO_BOARD_GAP) {
		display_log(d, "events missing after seq %llu (got %llu): resuming",
			    (unsigned long long)d->board.seq, (unsigned long long)r.gap_seq);
		d->gap_strikes++;
		d->gap_at = d->board.seq;
		rc = -1;
	}
	if (r.flags & PROTO_BOARD_CHANGED)
		display_dirty(d);
	proto_board_result_clear(&r);
	if (d->once && d->board.have_base && !d->stopping) {
		size_t n = 0;
		char *s = render_plain(d, &n);
		write_all(STDOUT_FILENO, s, n);
		free(s);
		display_stop(d, 0);
	}
	return rc;
}

/* Closes one of our handles if it is not closing already. */
static void close_handle(uv_handle_t *h)
{
	if (h->loop && !uv_is_closing(h))
		uv_close(h, NULL);
}

void display_stop(struct display *d, int code)
{
	if (d->stopping)
		return;
	d->stopping = true;
	d->exit_code = code;
	conn_stop(d);
	oncall_stop(d);
	close_handle((uv_handle_t *)&d->sigint);
	close_handle((uv_handle_t *)&d->sigterm);
	close_handle((uv_handle_t *)&d->sighup);
	close_handle((uv_handle_t *)&d->sigwinch);
	close_handle((uv_handle_t *)&d->retry_timer);
	close_handle((uv_handle_t *)&d->redraw_timer);
	close_handle((uv_handle_t *)&d->clock_timer);
	close_handle((uv_handle_t *)&d->once_timer);
}

/* SIGINT / SIGTERM / SIGHUP (the terminal went away): stop; SIGWINCH: redraw. */
static void signal_cb(uv_signal_t *s, int signum)
{
	struct display *d = s->data;
	if (signum == SIGWINCH)
		display_dirty(d);
	else
		display_stop(d, 0);
}

/* --once did not get a board in time. */
static void once_timeout_cb(uv_timer_t *t)
{
	struct display *d = t->data;
	fprintf(stderr, "torg-display: no board from %s within %d ms: %s\n", d->url, d->timeout_ms,
		d->last_error ? d->last_error : "no answer");
	display_stop(d, 1);
}

/* Prints the usage text to f. */
static void usage(FILE *f)
{
	fprintf(
	    f, "Usage: torg-display --server ws://HOST:PORT[/PATH] | wss://HOST:PORT[/PATH]\n"
	       "                    [--display ID] [--services a,b] [--lang nb] [--ca FILE]\n"
	       "                    [--on-call CMD] [--log FILE] [--once [--timeout SECONDS]]\n"
	       "\n"
	       "Shows the board of a torg floor (torgd) full-screen on this terminal: the newest\n"
	       "call in large letters, the latest calls, and per service the number waiting and\n"
	       "the estimated wait. It reconnects by itself and never exits on a network error.\n"
	       "\n"
	       "  --server URL     torgd's WebSocket (path /ws unless given); wss:// uses TLS\n"
	       "  --display ID     a display configured on the floor (its services, languages)\n"
	       "  --services LIST  only these services (comma-separated ids)\n"
	       "  --lang TAG       language of the board, one the floor has (default: the\n"
	       "                   display's or floor's first); ar is drawn right to left\n"
	       "  --ca FILE        CA certificates (PEM) for wss:// instead of the system's store\n"
	       "  --on-call CMD    run /bin/sh -c CMD for each call and recall, with TORG_NUMBER,\n"
	       "                   TORG_COUNTER, TORG_COUNTER_NAME, TORG_SERVICE,\n"
	       "                   TORG_SERVICE_NAME and TORG_RECALL (0/1) in its environment\n"
	       "  --log FILE       append log lines to FILE (default: stderr unless it is the\n"
	       "                   screen; then the last line is shown at the bottom)\n"
	       "  --once           print the current board as plain text and exit (1 when the\n"
	       "                   server cannot be reached within --timeout, default 10 s)\n"
	       "  --version        print the version\n"
	       "  --help           print this text\n");
}

/* Splits "a,b" into d->services; returns -1 on an empty item. */
static int parse_services(struct display *d, const char *list)
{
	char *copy = xstrdup(list), *save = NULL;
	size_t n = 1;
	for (const char *p = list; *p; p++)
		n += *p == ',';
	d->services = xcalloc(n, sizeof(char *));
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		d->services[d->nservices++] = xstrdup(t);
	free(copy);
	return d->nservices == n ? 0 : -1;
}

/* Parses ws[s]://HOST[:PORT][/PATH] into d. Returns 0 or -1 with *cause set (static). */
static int parse_url(struct display *d, const char *url, const char **cause)
{
	const char *p;
	if (!strncmp(url, "ws://", 5)) {
		p = url + 5;
	} else if (!strncmp(url, "wss://", 6)) {
		p = url + 6;
		d->tls = true;
	} else {
		*cause = "the URL must start with ws:// or wss://";
		return -1;
	}
	const char *host_end, *host = p;
	if (*p == '[') {
		host = p + 1;
		host_end = strchr(host, ']');
		if (!host_end) {
			*cause = "missing ] after an IPv6 address";
			return -1;
		}
		p = host_end + 1;
	} else {
		host_end = p + strcspn(p, ":/");
		p = host_end;
	}
	if (host_end == host) {
		*cause = "no host in the URL";
		return -1;
	}
	d->host = xstrndup(host, (size_t)(host_end - host));
	d->port = d->tls ? 443 : 80;
	if (*p == ':') {
		char *end;
		long port = strtol(p + 1, &end, 10);
		if (end == p + 1 || port < 1 || port > 65535 || (*end && *end != '/')) {
			*cause = "bad port in the URL";
			return -1;
		}
		d->port = (int)port;
		p = end;
	}
	if (*p && *p != '/') {
		*cause = "unexpected text after the host";
		return -1;
	}
	d->path = xstrdup(*p ? p : "/ws");
	return 0;
}

/* Parses the command line into d. Returns -1 to exit 0 (help, version), 0 to run, or 2
 * for a usage error (message printed). */
static int parse_args(struct display *d, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"server", required_argument, NULL, 's'},	{"display", required_argument, NULL, 'd'},
	    {"services", required_argument, NULL, 'S'}, {"lang", required_argument, NULL, 'l'},
	    {"ca", required_argument, NULL, 'c'},	{"on-call", required_argument, NULL, 'o'},
	    {"once", no_argument, NULL, '1'},		{"timeout", required_argument, NULL, 't'},
	    {"log", required_argument, NULL, 'L'},	{"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},		{NULL, 0, NULL, 0},
	};
	int c;
	const char *cause = NULL;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			free(d->url);
			d->url = xstrdup(optarg);
			break;
		case 'd':
			free(d->display_id);
			d->display_id = xstrdup(optarg);
			break;
		case 'S':
			if (d->services || parse_services(d, optarg) != 0) {
				fprintf(stderr, "torg-display: --services: expected ids separated "
						"by commas, once\n");
				return 2;
			}
			break;
		case 'l':
			if (i18n_find(optarg) < 0) {
				char have[128];
				fprintf(stderr,
					"torg-display: --lang %s: not a language torg-display has "
					"(it has %s)\n",
					optarg, i18n_list(have, sizeof(have)));
				return 2;
			}
			free(d->lang);
			d->lang = xstrdup(optarg);
			break;
		case 'c':
			free(d->ca_file);
			d->ca_file = xstrdup(optarg);
			break;
		case 'o':
			free(d->on_call);
			d->on_call = xstrdup(optarg);
			break;
		case '1':
			d->once = true;
			break;
		case 't': {
			char *end;
			double s = strtod(optarg, &end);
			if (*end || !(s > 0 && s <= 3600)) {
				fprintf(stderr, "torg-display: --timeout: expected seconds "
						"(0 < s <= 3600)\n");
				return 2;
			}
			d->timeout_ms = (int)(s * 1000);
			break;
		}
		case 'L':
			free(d->log_path);
			d->log_path = xstrdup(optarg);
			break;
		case 'V':
			printf("torg-display %s (protocol %s)\n", TORG_VERSION, "torg.v1");
			return -1;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "torg-display: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	if (!d->url) {
		fprintf(stderr, "torg-display: --server ws://HOST:PORT is required\n");
		usage(stderr);
		return 2;
	}
	if (parse_url(d, d->url, &cause) != 0) {
		fprintf(stderr, "torg-display: --server %s: %s\n", d->url, cause);
		return 2;
	}
	if (d->ca_file && access(d->ca_file, R_OK) != 0) {
		fprintf(stderr, "torg-display: --ca %s: %s\n", d->ca_file, strerror(errno));
		return 2;
	}
	return 0;
}

/* Frees the options and the board. */
static void display_free(struct display *d)
{
	free(d->url);
	free(d->host);
	free(d->path);
	free(d->display_id);
	for (size_t i = 0; i < d->nservices; i++)
		free(d->services[i]);
	free(d->services);
	free(d->lang);
	free(d->ca_file);
	free(d->on_call);
	free(d->log_path);
	free(d->tz);
	free(d->refusal);
	proto_board_close(&d->board);
	if (d->log_fd >= 0)
		close(d->log_fd);
}

/* Decides how to draw: full-screen on a terminal, colours when it has them, UTF-8. */
static void choose_output(struct display *d)
{
	setlocale(LC_ALL, "");
	const char *cs = nl_langinfo(CODESET);
	d->utf8 = cs && !strcmp(cs, "UTF-8");
	if (!d->utf8 && setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, ""); /* keep the user's; we only draw ASCII then */
	d->fullscreen = !d->once && isatty(STDOUT_FILENO);
	const char *term = getenv("TERM");
	d->color = d->fullscreen && term && strcmp(term, "dumb") != 0 && !getenv("NO_COLOR");
}

/* Sets up the loop and runs it until stopped. Returns the exit code. */
static int run(struct display *d)
{
	if (uv_loop_init(&d->loop) != 0) {
		fprintf(stderr, "torg-display: cannot create the event loop\n");
		return 1;
	}
	uv_signal_init(&d->loop, &d->sigint);
	uv_signal_init(&d->loop, &d->sigterm);
	uv_signal_init(&d->loop, &d->sighup);
	uv_signal_init(&d->loop, &d->sigwinch);
	uv_timer_init(&d->loop, &d->retry_timer);
	uv_timer_init(&d->loop, &d->redraw_timer);
	uv_timer_init(&d->loop, &d->clock_timer);
	uv_timer_init(&d->loop, &d->once_timer);
	d->sigint.data = d->sigterm.data = d->sighup.data = d->sigwinch.data = d;
	d->redraw_timer.data = d->clock_timer.data = d->once_timer.data = d;
	uv_signal_start(&d->sigint, signal_cb, SIGINT);
	uv_signal_start(&d->sigterm, signal_cb, SIGTERM);
	uv_signal_start(&d->sighup, signal_cb, SIGHUP);
	if (d->fullscreen) {
		uv_signal_start(&d->sigwinch, signal_cb, SIGWINCH);
		uv_timer_start(&d->clock_timer, clock_cb, 1000, 1000);
		term_enter();
	}
	if (d->once)
		uv_timer_start(&d->once_timer, once_timeout_cb, (uint64_t)d->timeout_ms, 0);
	if (conn_start(d) != 0) {
		display_stop(d, 1);
	} else {
		display_dirty(d);
	}
	uv_run(&d->loop, UV_RUN_DEFAULT);
	conn_free(d);
	uv_run(&d->loop, UV_RUN_NOWAIT);
	int rc = uv_loop_close(&d->loop);
	term_restore();
	if (d->refusal)
		fprintf(stderr, "torg-display: %s\n", d->refusal);
	if (rc != 0) {
		fprintf(stderr, "torg-display: event loop still busy at exit (%s)\n",
			uv_strerror(rc));
		return 1;
	}
	return d->exit_code;
}

/* Runs torg-display. */
int main(int argc, char **argv)
{
	struct display d;
	memset(&d, 0, sizeof(d));
	d.log_fd = -1;
	d.timeout_ms = DISPLAY_ONCE_TIMEOUT;
	proto_board_init(&d.board);
	signal(SIGPIPE, SIG_IGN);
	int rc = parse_args(&d, argc, argv);
	if (rc != 0) {
		display_free(&d);
		return rc < 0 ? 0 : rc;
	}
	if (d.log_path) {
		d.log_fd = open(d.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (d.log_fd < 0) {
			fprintf(stderr, "torg-display: --log %s: %s\n", d.log_path,
				strerror(errno));
			display_free(&d);
			return 2;
		}
	}
	choose_output(&d);
	rc = run(&d);
	display_free(&d);
	return rc;
}
