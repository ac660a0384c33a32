/*
 * test_log.c - the log's daemon conventions: with stderr connected to the
 * journal ($JOURNAL_STREAM names fd 2) a line is "<N>text" with the syslog
 * priority and without our own time stamp; otherwise "TIME mentorbot[PID]
 * LEVEL: text"; and key=value values are quoted when they must be.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bot/logkv.h"
#include "bot/util.h"
#include "t.h"

/* Point fd 2 at a new temporary file; its path in path (64 bytes).  Returns the saved fd 2. */
static int
stderr_to_file(char *path)
{
	snprintf(path, 64, "/tmp/mentorbot-test-log-%d.XXXXXX", (int)getpid());
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	return saved;
}

/* Put fd 2 back and return what was written to the file (caller frees). */
static char *
stderr_back(int saved, const char *path)
{
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 4096);
	if (f) {
		size_t n = fread(s, 1, 4095, f);
		s[n] = '\0';
		fclose(f);
	}
	unlink(path);
	return s;
}

/* $JOURNAL_STREAM naming fd 2: "<3>" etc. and the text alone */
static void
journal_lines_carry_the_priority_prefix(void)
{
	char path[64];
	int saved = stderr_to_file(path);
	struct stat st;
	CHECK(fstat(STDERR_FILENO, &st) == 0);
	char js[64];
	snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	log_open(0, LOG_LVL_INFO);
	CHECK(log_stderr_is_journal());
	log_err("event=a x=1");
	log_warn("event=b");
	log_info("event=c\nd"); /* a control character never breaks the line */
	log_debug("event=hidden");
	char *s = stderr_back(saved, path);
	CHECK_STR(s, "<3>event=a x=1\n<4>event=b\n<6>event=c d\n");
	free(s);
	unsetenv("JOURNAL_STREAM");
}

/* a JOURNAL_STREAM of another file (stderr redirected by the operator) or none: our own format */
static void
other_stderr_keeps_time_and_pid(void)
{
	const char *env[] = {"1:1", NULL};
	for (size_t i = 0; i < 2; i++) {
		if (env[i])
			setenv("JOURNAL_STREAM", env[i], 1);
		else
			unsetenv("JOURNAL_STREAM");
		char path[64];
		int saved = stderr_to_file(path);
		log_open(0, LOG_LVL_INFO);
		CHECK(!log_stderr_is_journal());
		log_warn("event=b");
		char *s = stderr_back(saved, path);
		char *want = xasprintf(" mentorbot[%d] warning: event=b\n", (int)getpid());
		CHECK(s[0] == '2' && strlen(s) > strlen(want) && strcmp(s + strlen(s) - strlen(want), want) == 0);
		CHECK(strchr(s, '<') == NULL);
		free(want);
		free(s);
	}
	unsetenv("JOURNAL_STREAM");
}

/* plain values as they are; empty ones and those with space, quote, '=' or '\' in quotes */
static void
values_are_quoted_when_they_must_be(void)
{
	CHECK_STR(LOG_KV("join"), "join");
	CHECK_STR(LOG_KV("a:3kq7zz2m"), "a:3kq7zz2m");
	CHECK_STR(LOG_KV(NULL), "-");
	CHECK_STR(LOG_KV(""), "\"\"");
	CHECK_STR(LOG_KV("my data"), "\"my data\"");
	CHECK_STR(LOG_KV("a=b"), "\"a=b\"");
	CHECK_STR(LOG_KV("say \"hi\""), "\"say \\\"hi\\\"\"");
	CHECK_STR(LOG_KV("c:\\x y"), "\"c:\\\\x y\"");
	/* too long for the buffer: cut, still closed */
	char big[600];
	memset(big, 'x', sizeof big - 1);
	big[0] = ' ';
	big[sizeof big - 1] = '\0';
	const char *q = LOG_KV(big);
	CHECK(strlen(q) < LOG_KV_LEN && q[0] == '"' && q[strlen(q) - 1] == '"');
}

int
main(void)
{
	RUN(journal_lines_carry_the_priority_prefix);
	RUN(other_stderr_keeps_time_and_pid);
	RUN(values_are_quoted_when_they_must_be);
	return t_done();
}
