/*
 * imap_driver.c - a small CLI over bot/imap.c, for tests against a real
 * server (the harness's Dovecot).
 *
 *   imap_driver URL USER PASS [CA_FILE] CMD [ARGS]...
 *
 * URL is imap://host[:port][/FOLDER] or imaps://...; FOLDER (default INBOX)
 * is selected before the first command that needs it.  CA_FILE is taken as
 * such when it contains a '/' or ends in ".pem" ("-" means none).  Commands
 * run in order on one connection:
 *
 *   select FOLDER          SELECT, print UIDVALIDITY and UIDNEXT
 *   create FOLDER          CREATE (existing is fine)
 *   limits MAX MAX_FETCH   limits for the following list-after/count-after
 *   list-after UID         print "uid UID len LEN" per message > UID
 *   count-after UID        fetch like list-after, print count and msgs/s only
 *   move UID[,UID..] FOLDER   (UID may be a range a:b)
 *   seen UID[,UID..]
 *   noop
 *   idle SECONDS [WAKE_MS] IDLE; with WAKE_MS a timerfd is the wake fd
 *   caps                   print idle=0/1
 *   sleep MS               pause without talking to the server
 *
 * Output: one line per result; the first failure prints
 * "ERR <code> <reason>" and exits 1 (2 for usage errors).
 */
#include "imap.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

static const char *
code_name(int rc)
{
	switch (rc) {
	case IMAP_OK: return "OK";
	case IMAP_ERR_MSG: return "IMAP_ERR_MSG";
	case IMAP_ERR_CONN: return "IMAP_ERR_CONN";
	case IMAP_ERR_TLS: return "IMAP_ERR_TLS";
	case IMAP_ERR_AUTH: return "IMAP_ERR_AUTH";
	default: return "?";
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: imap_driver URL USER PASS [CA_FILE] CMD [ARGS]...\n");
	exit(2);
}

struct list_ctx {
	int print;
	size_t bytes;
};

static int
on_msg(void *ud, uint32_t uid, const char *raw, size_t len)
{
	struct list_ctx *c = ud;

	c->bytes += raw ? len : 0;
	if (c->print)
		printf("uid %u len %zu%s\n", uid, len, raw ? "" : " (not fetched)");
	return 0;
}

/* "3,5:7,9" -> array (xmalloc'ed) */
static uint32_t *
parse_uids(const char *s, size_t *n)
{
	uint32_t *v = NULL;
	size_t cnt = 0, cap = 0;
	char *copy = xstrdup(s), *save = NULL;

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long a = strtoul(tok, NULL, 10), b = a;
		char *colon = strchr(tok, ':');
		if (colon)
			b = strtoul(colon + 1, NULL, 10);
		for (unsigned long u = a; u <= b; u++) {
			if (cnt == cap) {
				cap = cap ? cap * 2 : 16;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[cnt++] = (uint32_t)u;
		}
	}
	free(copy);
	*n = cnt;
	return v;
}

int
main(int argc, char **argv)
{
	struct imap_settings s = {0};
	struct imap *im = NULL;
	char err[512], *host, *folder = "INBOX", *p;
	const char *url;
	int i, rc = 0, selected = 0;
	size_t max = (size_t)-1, max_fetch = 64u << 20;

	signal(SIGPIPE, SIG_IGN);
	log_open(0, getenv("IMAP_DRIVER_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	if (argc < 5)
		usage();
	url = argv[1];
	if (strncmp(url, "imaps://", 8) == 0) {
		s.tls = 1;
		host = xstrdup(url + 8);
	} else if (strncmp(url, "imap://", 7) == 0) {
		host = xstrdup(url + 7);
	} else {
		usage();
	}
	if ((p = strchr(host, '/'))) {
		*p = '\0';
		if (p[1])
			folder = p + 1;
	}
	if ((p = strrchr(host, ':')) && !strchr(p, ']')) {
		*p = '\0';
		s.port = atoi(p + 1);
	}
	s.host = host;
	s.user = argv[2];
	s.password = argv[3];
	s.timeout_s = getenv("IMAP_DRIVER_TIMEOUT") ? atoi(getenv("IMAP_DRIVER_TIMEOUT")) : 10;
	i = 4;
	if (strcmp(argv[i], "-") == 0) {
		i++;
	} else if (strchr(argv[i], '/') || (strlen(argv[i]) > 4 &&
					    strcmp(argv[i] + strlen(argv[i]) - 4, ".pem") == 0)) {
		s.ca_file = argv[i++];
	}
	if (i >= argc)
		usage();

	int64_t t0 = mono_ms();
	rc = imap_open(&im, &s, err, sizeof(err));
	if (rc != IMAP_OK) {
		printf("ERR %s %s\n", code_name(rc), err);
		free(host);
		return 1;
	}
	printf("OK open %s in %lld ms idle=%d\n", s.host, (long long)(mono_ms() - t0),
	       imap_has_idle(im));

	while (i < argc && rc >= 0) {
		const char *cmd = argv[i++];
		const char *a1 = i < argc ? argv[i] : NULL;
		const char *a2 = i + 1 < argc ? argv[i + 1] : NULL;
		int needs_sel = strcmp(cmd, "list-after") == 0 || strcmp(cmd, "count-after") == 0 ||
				strcmp(cmd, "move") == 0 || strcmp(cmd, "seen") == 0 ||
				strcmp(cmd, "idle") == 0 || strcmp(cmd, "noop") == 0;

		if (needs_sel && !selected) {
			uint32_t uv = 0, un = 0;
			rc = imap_select(im, folder, &uv, &un);
			if (rc < 0)
				break;
			selected = 1;
			printf("OK select %s uidvalidity %u uidnext %u\n", folder, uv, un);
		}
		if (strcmp(cmd, "select") == 0 && a1) {
			uint32_t uv = 0, un = 0;
			rc = imap_select(im, a1, &uv, &un);
			if (rc >= 0)
				printf("OK select %s uidvalidity %u uidnext %u\n", a1, uv, un);
			selected = 1;
			i++;
		} else if (strcmp(cmd, "create") == 0 && a1) {
			rc = imap_create(im, a1);
			if (rc >= 0)
				printf("OK create %s\n", a1);
			i++;
		} else if (strcmp(cmd, "limits") == 0 && a1 && a2) {
			max = strtoull(a1, NULL, 10);
			max_fetch = strtoull(a2, NULL, 10);
			i += 2;
		} else if ((strcmp(cmd, "list-after") == 0 || strcmp(cmd, "count-after") == 0) &&
			   a1) {
			struct list_ctx c = {cmd[0] == 'l', 0};
			int64_t t = mono_ms();
			rc = imap_fetch_after(im, (uint32_t)strtoul(a1, NULL, 10), max, max_fetch,
					      on_msg, &c);
			int64_t dt = mono_ms() - t;
			if (rc >= 0)
				printf("OK fetched %d msgs (%zu bytes) in %lld ms = %.0f msgs/s\n", rc,
				       c.bytes, (long long)dt, dt > 0 ? rc * 1000.0 / dt : 0.0);
			i++;
		} else if (strcmp(cmd, "move") == 0 && a1 && a2) {
			size_t n;
			uint32_t *v = parse_uids(a1, &n);
			rc = imap_move(im, v, n, a2);
			if (rc >= 0)
				printf("OK move %zu to %s\n", n, a2);
			free(v);
			i += 2;
		} else if (strcmp(cmd, "seen") == 0 && a1) {
			size_t n;
			uint32_t *v = parse_uids(a1, &n);
			rc = imap_flag_seen(im, v, n);
			if (rc >= 0)
				printf("OK seen %zu\n", n);
			free(v);
			i++;
		} else if (strcmp(cmd, "noop") == 0) {
			rc = imap_noop(im);
			if (rc >= 0)
				printf("OK noop news=%d\n", rc);
		} else if (strcmp(cmd, "idle") == 0 && a1) {
			int wake = -1;
			if (a2 && strspn(a2, "0123456789") == strlen(a2)) {
				long ms = atol(a2);
				struct itimerspec its = {{0, 0}, {ms / 1000, (ms % 1000) * 1000000}};
				wake = timerfd_create(CLOCK_MONOTONIC, 0);
				timerfd_settime(wake, 0, &its, NULL);
				i++;
			}
			int64_t t = mono_ms();
			printf("idling\n");
			fflush(stdout);
			rc = imap_idle(im, atoi(a1) * 1000, wake);
			if (rc >= 0)
				printf("OK idle -> %d after %lld ms\n", rc, (long long)(mono_ms() - t));
			else
				printf("idle failed after %lld ms\n", (long long)(mono_ms() - t));
			if (wake >= 0)
				close(wake);
			i++;
		} else if (strcmp(cmd, "sleep") == 0 && a1) {
			usleep((useconds_t)atol(a1) * 1000);
			i++;
		} else if (strcmp(cmd, "caps") == 0) {
			printf("OK idle=%d\n", imap_has_idle(im));
		} else {
			fprintf(stderr, "bad command or missing argument: %s\n", cmd);
			imap_close(im);
			free(host);
			return 2;
		}
		fflush(stdout);
	}
	if (rc < 0)
		printf("ERR %s %s\n", code_name(rc), imap_last_response(im));
	imap_close(im);
	free(host);
	return rc < 0 ? 1 : 0;
}
