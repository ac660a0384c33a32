/*
 * util.h - small helpers every module uses: checked allocation, growable
 * buffers, logging.  Allocation failure aborts (there is nothing sensible a
 * daemon can do half-way through building a reply without memory).
 */
#ifndef MB_UTIL_H
#define MB_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation: never return NULL; abort with a log line instead. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s); /* xstrdup(NULL) returns NULL */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Growable byte buffer, always NUL-terminated after the first add.
 * Owner frees with buf_free() or takes the memory with buf_detach(). */
struct buf {
	char *p;
	size_t len;
	size_t cap;
};
#define BUF_INIT                                                                                                       \
	{                                                                                                              \
		NULL, 0, 0                                                                                             \
	}
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
char *buf_detach(struct buf *b); /* returns "" (allocated) for an empty buffer */
void buf_free(struct buf *b);

/* Logging: to stderr (default) or syslog ([bot] log = syslog), one line per
 * event with key=value fields (logkv.h).  On stderr a line is
 * "TIME mentorbot[PID] LEVEL: text", or, when stderr is the journal's stream
 * (log_stderr_is_journal), "<N>text" with N the syslog priority (sd-daemon(3)):
 * journald adds time and pid.  log_open looks again.  Never log secrets,
 * message bodies, subjects, names or command text: log ids and reasons, and
 * addresses only through log_who() (logaddr.h), which hides them at the
 * default level. */
enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };
void log_open(int use_syslog, enum log_level level);
void log_reopen(void);
/* 1 when fd 2 is the stream $JOURNAL_STREAM names (systemd connected it to the journal). */
int log_stderr_is_journal(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int log_enabled(enum log_level lvl); /* 1 when lines of level lvl are written */
#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
/* For start-up failures and broken invariants only. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Strings */
/* Replace path with data: written to "path.tmp" (mode), then renamed over it, so a reader sees
 * the old file or the whole new one.  0, or -1 with errno (the temporary file is removed). */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
char *str_trim(char *s);                                   /* in place; returns s advanced past leading space */
void str_lower_ascii(char *s);                             /* in place */
int str_casecmp_prefix(const char *s, const char *prefix); /* 1 if s starts with prefix, ASCII case-insensitive */
int is_loopback_host(const char *host);                    /* 127.0.0.0/8, ::1, localhost */
int ct_memeq(const void *a, const void *b, size_t n);      /* constant-time compare, 1 if equal */

/* Test hook: when the environment names a word of at least 8 characters in
 * MENTORBOT_TEST_CRASH and text contains it, the process aborts here, as a handler
 * bug would kill it (the tests of journal recovery use it).  Otherwise nothing. */
void test_crash_point(const char *text);

/* Time: wall-clock seconds, overridable for tests with MENTORBOT_TEST_CLOCK
 * (a file holding epoch seconds, re-read on each call) */
int64_t now_s(void);
int64_t mono_ms(void);

/* Random bytes from getrandom(2). */
void random_bytes(void *p, size_t n);
/* Hex of SHA-256 of data into out[65]. */
void sha256_hex(const void *data, size_t len, char out[65]);

/* Copy of s on one line (controls become spaces), trimmed, at most max bytes without
 * cutting a UTF-8 sequence.  Caller frees. */
char *str_one_line(const char *s, size_t max);
/* The text after the first n words of s (leading space skipped). */
const char *str_skip_words(const char *s, int n);
/* The first line of text that is not blank, trimmed, or a copy of fallback ("" for NULL)
 * when there is none.  Caller frees. */
char *str_first_line(const char *text, const char *fallback);
/* The value of a hex digit (either case), or -1. */
int hex_value(int c);

#endif
