/*
 * util.c - allocation, buffers, logging, small string and time helpers.
 * Thread-safe: logging takes a lock; everything else keeps no state.
 */
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static void
oom(void)
{
	fputs("mentorbot: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom();
	return q;
}

char *
xstrdup(const char *s)
{
	return s ? xstrndup(s, strlen(s)) : NULL;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return buf_detach(&b);
}

static void
buf_grow(struct buf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + more + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void
buf_add(struct buf *b, const void *data, size_t len)
{
	buf_grow(b, len);
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

char *
buf_detach(struct buf *b)
{
	char *p = b->p ? b->p : xstrdup("");
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* ---- logging ---- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_syslog;
static int log_journal = -1; /* stderr is the journal's stream; -1: not looked at yet */
static enum log_level log_max = LOG_LVL_INFO;

int
log_stderr_is_journal(void)
{
	/* systemd's documented check (systemd.exec(5), $JOURNAL_STREAM): "DEVICE:INODE" of the
	 * stream it connected stdout/stderr to; a redirected stderr no longer matches */
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
log_open(int use_syslog, enum log_level level)
{
	log_syslog = use_syslog;
	log_max = level;
	log_journal = log_stderr_is_journal();
	if (use_syslog)
		openlog("mentorbot", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
log_enabled(enum log_level lvl)
{
	return lvl <= log_max;
}

void
log_reopen(void)
{
	if (log_syslog) {
		closelog();
		openlog("mentorbot", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *names[] = {"error", "warning", "info", "debug"};
	/* syslog(3)'s priorities; for the journal the same numbers in sd-daemon(3)'s "<N>" prefix */
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	if (lvl > log_max)
		return;
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* never let a logged value break the line structure */
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	pthread_mutex_lock(&log_lock);
	if (log_journal < 0)
		log_journal = log_stderr_is_journal();
	if (log_syslog) {
		syslog(prio[lvl], "%s", line);
	} else if (log_journal) {
		/* the journal stamps time, name and pid itself */
		fprintf(stderr, "<%d>%s\n", prio[lvl], line);
	} else {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ mentorbot[%d] %s: %s\n", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
			(int)getpid(), names[lvl], line);
	}
	pthread_mutex_unlock(&log_lock);
}

void
fatal(const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	log_err("%s", line);
	if (log_syslog)
		fprintf(stderr, "mentorbot: %s\n", line);
	exit(1);
}

/* ---- strings ---- */

char *
str_trim(char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

void
str_lower_ascii(char *s)
{
	for (; s && *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

int
str_casecmp_prefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

int
is_loopback_host(const char *host)
{
	if (!host)
		return 0;
	if (strcasecmp(host, "localhost") == 0)
		return 1;
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

int
ct_memeq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/* ---- test hooks ---- */

void
test_crash_point(const char *text)
{
	const char *w = getenv("MENTORBOT_TEST_CRASH");
	if (w && strlen(w) >= 8 && text && strstr(text, w)) {
		log_err("MENTORBOT_TEST_CRASH: crashing on purpose");
		abort();
	}
}

/* ---- time ---- */

int64_t
now_s(void)
{
	const char *f = getenv("MENTORBOT_TEST_CLOCK");
	if (f && *f) {
		FILE *fp = fopen(f, "r");
		if (fp) {
			long long v = 0;
			int ok = fscanf(fp, "%lld", &v) == 1;
			fclose(fp);
			if (ok)
				return v;
		}
	}
	return (int64_t)time(NULL);
}

int64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
random_bytes(void *p, size_t n)
{
	unsigned char *c = p;
	while (n) {
		ssize_t r = getrandom(c, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fatal("getrandom: %s", strerror(errno));
		}
		c += r;
		n -= (size_t)r;
	}
}

void
sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char d[32];
	static const char hx[] = "0123456789abcdef";
	gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, d);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[64] = '\0';
}

char *
str_one_line(const char *s, size_t max)
{
	char *c = xstrdup(s ? s : "");
	for (char *p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	char *t = str_trim(c);
	size_t n = strlen(t);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80)
			n--;
	}
	char *r = xstrndup(t, n);
	free(c);
	return r;
}

char *
str_first_line(const char *text, const char *fallback)
{
	for (const char *p = text ? text : ""; *p;) {
		size_t n = strcspn(p, "\n");
		char *l = xstrndup(p, n);
		char *t = str_trim(l);
		if (*t) {
			char *r = xstrdup(t);
			free(l);
			return r;
		}
		free(l);
		p += n;
		p += *p == '\n';
	}
	return xstrdup(fallback ? fallback : "");
}

int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const char *
str_skip_words(const char *s, int n)
{
	const char *p = s ? s : "";
	for (int i = 0; i < n; i++) {
		while (*p && isspace((unsigned char)*p))
			p++;
		while (*p && !isspace((unsigned char)*p))
			p++;
	}
	while (*p && isspace((unsigned char)*p))
		p++;
	return p;
}

int
write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = xasprintf("%s.tmp", path);
	int rc = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd >= 0) {
		rc = fchmod(fd, mode); /* the umask does not decide */
		ssize_t w = rc == 0 ? write(fd, data, len) : -1;
		rc = w == (ssize_t)len ? 0 : -1;
		if (close(fd) < 0)
			rc = -1;
		if (rc == 0 && rename(tmp, path) < 0)
			rc = -1;
		if (rc < 0) {
			int saved = errno;
			unlink(tmp);
			errno = saved;
		}
	}
	free(tmp);
	return rc;
}
