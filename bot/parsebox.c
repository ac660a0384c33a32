/*
 * parsebox.c - untrusted mail parsed in a separate, limited process (see
 * parsebox.h), the way OpenSMTPD and Dovecot keep parsing away from the
 * process that holds the state.
 *
 * Parent side (any thread, serialised by pb->lock): start the worker with
 * posix_spawn (nothing but exec happens in the child of a multi-threaded
 * daemon), send one length-prefixed request, read one length-prefixed
 * answer under a wall-clock deadline (poll), validate it field by field.
 * The worker's stderr is a third pipe whose bytes the parent copies to its
 * own stderr: the worker itself may not write any file (RLIMIT_FSIZE 0).
 * Worker side (bot/main.c runs parsebox_worker_main for "parse-worker"):
 * rlimits, charset modules loaded, seccomp filter, then a loop of
 * request -> mime_parse() -> answer on its pipes.
 *
 * Wire format, integers in host order (both ends are the same binary):
 *   request: u32 "MBQ1", u32 mode, u64 max_size, i32 max_depth, i32 max_parts, u64 len, len bytes
 *   answer:  u32 "MBA1", u64 body length, body
 *   body:    i32 rc, i32 text_from_html, is_auto, is_bounce, nparts, from_count,
 *            then every string of struct parsed_mail in str_fields[] order as
 *            u32 length (STR_NULL for NULL) + bytes, then u32 "END!"
 */
#include "parsebox.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define PB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PB_ASAN 1
#endif
#endif
#ifndef PB_ASAN
#define PB_ASAN 0
#endif

extern char **environ;

#define REQ_MAGIC 0x3151424du /* "MBQ1" */
#define ANS_MAGIC 0x3141424du /* "MBA1" */
#define END_MAGIC 0x21444e45u /* "END!" */
#define STR_NULL 0xffffffffu
#define REQ_HEAD 32 /* bytes before the mail in a request */
#define HEADERS_MAX (4u * 1024 * 1024)
#define EXIT_NO_SANDBOX 3       /* the worker could not limit itself: it serves nothing */
#define RELAY_MAX (256u * 1024) /* bytes of a worker's stderr copied to the daemon's */

enum { MODE_PARSE = 0, MODE_HEADERS = 1, MODE_TEST = 100 };

/* Every string of struct parsed_mail, in wire order. */
static const size_t str_fields[] = {
	offsetof(struct parsed_mail, from_addr),
	offsetof(struct parsed_mail, from_name),
	offsetof(struct parsed_mail, reply_to),
	offsetof(struct parsed_mail, to_addr),
	offsetof(struct parsed_mail, rcpt_addrs),
	offsetof(struct parsed_mail, return_path),
	offsetof(struct parsed_mail, subject),
	offsetof(struct parsed_mail, message_id),
	offsetof(struct parsed_mail, in_reply_to),
	offsetof(struct parsed_mail, references),
	offsetof(struct parsed_mail, auth_results),
	offsetof(struct parsed_mail, date),
	offsetof(struct parsed_mail, content_language),
	offsetof(struct parsed_mail, text),
	offsetof(struct parsed_mail, calendar),
	offsetof(struct parsed_mail, calendar_method),
	offsetof(struct parsed_mail, auto_reason),
	offsetof(struct parsed_mail, bounce_rcpt),
	offsetof(struct parsed_mail, error),
};
#define NSTR ARRAY_LEN(str_fields)

static char **
str_at(struct parsed_mail *m, size_t i)
{
	return (char **)((char *)m + str_fields[i]);
}

static void
put32(struct buf *b, uint32_t v)
{
	buf_add(b, (const char *)&v, sizeof v);
}

static void
put64(struct buf *b, uint64_t v)
{
	buf_add(b, (const char *)&v, sizeof v);
}

/* ==== worker ============================================================== */

/* Charsets bot/charset.c hands to iconv that occur in real mail.  Their gconv
 * modules are loaded before the filter forbids open(), and the descriptors
 * stay open so glibc keeps the modules; a charset not listed here fails to
 * open in the worker and is read like unlabelled text. */
static const char *const preload_charsets[] = {
	"ISO-2022-JP",  "ISO-2022-JP-2", "ISO-2022-JP-3", "SHIFT_JIS",    "CP932",        "EUC-JP",
	"EUC-JP-MS",    "EUC-KR",        "CP949",         "ISO-2022-KR",  "GB2312",       "GBK",
	"GB18030",      "BIG5",          "BIG5-HKSCS",    "EUC-TW",       "ISO-2022-CN",  "KOI8-R",
	"KOI8-U",       "ISO-8859-2",    "ISO-8859-3",    "ISO-8859-4",   "ISO-8859-5",   "ISO-8859-6",
	"ISO-8859-7",   "ISO-8859-8",    "ISO-8859-9",    "ISO-8859-10",  "ISO-8859-11",  "ISO-8859-13",
	"ISO-8859-14",  "ISO-8859-16",   "WINDOWS-1250",  "WINDOWS-1251", "WINDOWS-1253", "WINDOWS-1254",
	"WINDOWS-1255", "WINDOWS-1256",  "WINDOWS-1257",  "WINDOWS-1258", "UTF-7",        "UTF-16",
	"UTF-32",       "TIS-620",       "CP874",         "CP866",        "CP850",        "IBM437",
	"MACINTOSH",    "VISCII",
};

static void
preload_charsets_now(void)
{
	for (size_t i = 0; i < ARRAY_LEN(preload_charsets); i++)
		(void)iconv_open("UTF-8", preload_charsets[i]); /* kept open on purpose */
}

static void
limit(int res, rlim_t soft, rlim_t hard)
{
	struct rlimit rl = {soft, hard};
	if (setrlimit(res, &rl) < 0) {
		/* never raise a limit that is already lower */
		struct rlimit cur;
		if (getrlimit(res, &cur) == 0 && cur.rlim_max != RLIM_INFINITY && cur.rlim_max < hard) {
			rl.rlim_max = cur.rlim_max;
			rl.rlim_cur = soft < cur.rlim_max ? soft : cur.rlim_max;
			setrlimit(res, &rl);
		}
	}
}

static void
worker_limits(size_t memory, long cpu_s)
{
#if !PB_ASAN
	/* ASan reserves terabytes of address space: the parent watches the
	 * worker's resident memory instead (and ASan caps one allocation) */
	if (memory)
		limit(RLIMIT_AS, memory, memory);
#else
	(void)memory;
#endif
	limit(RLIMIT_CPU, (rlim_t)cpu_s, (rlim_t)cpu_s + 10);
	limit(RLIMIT_STACK, 8u * 1024 * 1024, 8u * 1024 * 1024);
	limit(RLIMIT_FSIZE, 0, 0);
	limit(RLIMIT_CORE, 0, 0);
	limit(RLIMIT_NPROC, 0, 0);
	limit(RLIMIT_NOFILE, 64, 64);
}

static int
allow(scmp_filter_ctx ctx, int nr)
{
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

/*
 * What the parser needs after it has its input: read fd 0, write fds 1
 * and 2, memory without PROT_EXEC, clocks, futexes, signals to itself (an
 * abort() must still end it), exit.  open/openat fail with EPERM (iconv of a
 * charset that was not preloaded fails softly); anything else kills the
 * worker - under ASan it fails with EPERM instead, so the sanitizer runtime
 * can still write its report to stderr.
 */
static int
worker_seccomp(void)
{
	scmp_filter_ctx ctx = seccomp_init(PB_ASAN ? SCMP_ACT_ERRNO(EPERM) : SCMP_ACT_KILL_PROCESS);
	static const int plain[] = {
		SCMP_SYS(munmap),       SCMP_SYS(mremap),     SCMP_SYS(brk),           SCMP_SYS(madvise),
		SCMP_SYS(exit),         SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn),  SCMP_SYS(rt_sigprocmask),
		SCMP_SYS(rt_sigaction), SCMP_SYS(futex),      SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
		SCMP_SYS(getrusage),    SCMP_SYS(getpid),     SCMP_SYS(gettid),        SCMP_SYS(getrandom),
		SCMP_SYS(fstat),        SCMP_SYS(newfstatat), SCMP_SYS(sched_yield),   SCMP_SYS(close),
	};
	int rc = 0;
	if (!ctx)
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(plain) && rc == 0; i++)
		rc = allow(ctx, plain[i]);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 1, SCMP_A0(SCMP_CMP_EQ, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_EQ, 1));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_EQ, 2));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	/* (under ASan that is the default action, which libseccomp does not take as a rule) */
	if (rc == 0 && !PB_ASAN)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(open), 0);
	if (rc == 0 && !PB_ASAN)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(openat), 0);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc == 0 ? 0 : -1;
}

static int
read_full(int fd, void *p, size_t n)
{
	char *c = p;
	while (n) {
		ssize_t r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
write_full(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t r = write(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static void
answer_build(struct buf *b, int rc, struct parsed_mail *m)
{
	struct buf body = BUF_INIT;
	int32_t ints[6] = {rc, m->text_from_html, m->is_auto, m->is_bounce, m->nparts, m->from_count};
	buf_add(&body, (const char *)ints, sizeof ints);
	for (size_t i = 0; i < NSTR; i++) {
		const char *s = *str_at(m, i);
		put32(&body, s ? (uint32_t)strlen(s) : STR_NULL);
		if (s)
			buf_add(&body, s, strlen(s));
	}
	put32(&body, END_MAGIC);
	put32(b, ANS_MAGIC);
	put64(b, body.len);
	buf_add(b, body.p, body.len);
	buf_free(&body);
}

static void
worker_test(int what, struct parsed_mail *m)
{
	memset(m, 0, sizeof *m);
	m->subject = xstrdup("");
	m->text = xstrdup("");
	if (what == PARSEBOX_TEST_OPEN) {
		int fd = open("/etc/hostname", O_RDONLY);
		if (fd >= 0) {
			m->error = xstrdup("open: allowed");
			close(fd);
		} else {
			m->error = xasprintf("open: blocked (%s)", strerror(errno));
		}
	} else if (what == PARSEBOX_TEST_SPIN) {
		for (volatile unsigned long i = 0;; i++)
			;
	} else if (what == PARSEBOX_TEST_CRASH) {
		volatile int *volatile null = NULL;
		*null = 1;
	}
}

int
parsebox_worker_main(int argc, char **argv)
{
	size_t memory = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 0;
	long cpu_s = argc > 3 ? atol(argv[3]) : 600;
	struct rusage ru;

	if (cpu_s < 10)
		cpu_s = 10;
	worker_limits(memory, cpu_s);
	preload_charsets_now();
	if (worker_seccomp() < 0) {
		fputs("mentorbot parse-worker: cannot install the seccomp filter\n", stderr);
		return EXIT_NO_SANDBOX;
	}
	for (;;) {
		unsigned char head[REQ_HEAD];
		uint32_t magic, mode;
		uint64_t max_size, len;
		int32_t depth, parts;
		struct mail_caps caps;
		struct parsed_mail m;
		struct buf ans = BUF_INIT;
		char *raw;
		int rc;

		if (read_full(0, head, sizeof head) < 0)
			return 0; /* the daemon closed the pipe */
		memcpy(&magic, head, 4);
		memcpy(&mode, head + 4, 4);
		memcpy(&max_size, head + 8, 8);
		memcpy(&depth, head + 16, 4);
		memcpy(&parts, head + 20, 4);
		memcpy(&len, head + 24, 8);
		if (magic != REQ_MAGIC || len > SIZE_MAX / 2)
			return 2;
		raw = xmalloc((size_t)len + 1);
		if (read_full(0, raw, (size_t)len) < 0)
			return 2;
		caps.max_size = (size_t)max_size;
		caps.max_depth = depth;
		caps.max_parts = parts;
		if (mode == MODE_PARSE)
			rc = mime_parse(raw, (size_t)len, &caps, &m);
		else if (mode == MODE_HEADERS)
			rc = mime_parse_headers(raw, (size_t)len, &m);
		else {
			worker_test((int)(mode - MODE_TEST), &m);
			rc = 0;
		}
		free(raw);
		if (mode == MODE_TEST + PARSEBOX_TEST_GARBAGE) {
			put32(&ans, ANS_MAGIC);
			put64(&ans, 16);
			buf_add(&ans, "\x01\x00\x00\x00 not an answer", 16);
		} else {
			answer_build(&ans, rc, &m);
		}
		parsed_mail_free(&m);
		if (write_full(1, ans.p, ans.len) < 0)
			return 2;
		buf_free(&ans);
		/* RLIMIT_CPU counts the worker's whole life: step aside well before it
		 * (one mail takes at most the wall-clock timeout); the daemon starts
		 * a fresh worker on the next mail */
		if (getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_utime.tv_sec + ru.ru_stime.tv_sec > cpu_s / 2)
			return 0;
	}
}

/* ==== parent ============================================================== */

struct parsebox {
	pthread_mutex_t lock;
	char *exe;
	struct parsebox_limits lim;
	pid_t pid;
	int to_fd;      /* the worker's stdin */
	int from_fd;    /* the worker's stdout */
	int err_fd;     /* the worker's stderr: relayed to ours (it may write no file itself) */
	int cpu;        /* the CPU the worker is bound to, or -1 */
	size_t relayed; /* bytes of it relayed from this worker */
	int at_bol;     /* the relay is at the start of a line */
};

struct parsebox *
parsebox_new(const char *exe, const struct parsebox_limits *lim)
{
	struct parsebox *pb = xcalloc(1, sizeof *pb);
	struct parsebox_limits dflt = PARSEBOX_LIMITS_DEFAULT;
	struct sigaction sa;
	pthread_mutex_init(&pb->lock, NULL);
	pb->exe = xstrdup(exe ? exe : "/proc/self/exe");
	pb->lim = lim ? *lim : dflt;
	if (pb->lim.timeout_ms < 100)
		pb->lim.timeout_ms = 100;
	pb->to_fd = pb->from_fd = pb->err_fd = -1;
	/* a worker that died leaves a pipe whose write raises SIGPIPE */
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	return pb;
}

/* CPU seconds for the worker's RLIMIT_CPU (it steps aside at half of it). */
static long
cpu_budget(const struct parsebox *pb)
{
	long s = 6L * (pb->lim.timeout_ms / 1000 + 1);
	return s < 60 ? 60 : s;
}

static int
fd_above_2(int fd)
{
	int n;
	if (fd > 2)
		return fd;
	n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return n;
}

/*
 * Copy what the worker wrote to its stderr (a sanitizer report, "out of
 * memory") to ours: each line marked "parse-worker: ", control characters
 * made harmless, at most RELAY_MAX bytes per worker (a hostile worker can
 * neither forge log lines nor fill the disk).
 */
static void
relay_stderr(struct parsebox *pb)
{
	char tmp[4096];
	ssize_t n;
	while (pb->err_fd >= 0 && (n = read(pb->err_fd, tmp, sizeof tmp)) != 0) {
		if (n < 0)
			return; /* nothing more for now */
		struct buf out = BUF_INIT;
		for (ssize_t i = 0; i < n && pb->relayed < RELAY_MAX; i++, pb->relayed++) {
			unsigned char c = (unsigned char)tmp[i];
			if (pb->at_bol)
				buf_adds(&out, "parse-worker: ");
			pb->at_bol = c == '\n';
			buf_addc(&out, (c < 32 && c != '\n' && c != '\t') || c == 127 ? '?' : (char)c);
		}
		if (out.len) {
			ssize_t w = write(2, out.p, out.len);
			(void)w;
		}
		buf_free(&out);
	}
	if (pb->err_fd >= 0) {
		/* the worker closed its stderr: stop polling it (poll skips a negative fd) */
		close(pb->err_fd);
		pb->err_fd = -1;
	}
}

static void
close_fds(struct parsebox *pb)
{
	relay_stderr(pb);
	close(pb->to_fd);
	close(pb->from_fd);
	if (pb->err_fd >= 0)
		close(pb->err_fd);
	pb->to_fd = pb->from_fd = pb->err_fd = -1;
	pb->pid = 0;
}

/* Wait for the worker to end (killing it after grace_ms) and describe how it ended. */
static char *
reap(struct parsebox *pb, int grace_ms, int *no_sandbox)
{
	int st = 0;
	pid_t r = 0;
	char *why;
	for (int waited = 0; (r = waitpid(pb->pid, &st, WNOHANG)) == 0 && waited < grace_ms; waited += 5) {
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (r == 0) {
		kill(pb->pid, SIGKILL);
		r = waitpid(pb->pid, &st, 0);
		why = xstrdup("parser answered malformed data");
	} else if (r < 0) {
		why = xstrdup("parser vanished");
	} else if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);
		why = sig == SIGXCPU ? xstrdup("parser used too much CPU time")
				     : xasprintf("parser crashed (signal %d%s)", sig,
						 sig == SIGSYS ? ", forbidden system call" : "");
	} else {
		if (no_sandbox && WEXITSTATUS(st) == EXIT_NO_SANDBOX)
			*no_sandbox = 1;
		why = xasprintf("parser stopped (exit status %d)", WEXITSTATUS(st));
	}
	close_fds(pb);
	return why;
}

static void
kill_worker(struct parsebox *pb)
{
	if (!pb->pid)
		return;
	kill(pb->pid, SIGKILL);
	free(reap(pb, 0, NULL));
}

/* The environment of the worker: nothing of the daemon's but what a sanitizer build needs. */
static char **
worker_env(const struct parsebox *pb)
{
	char **env = xcalloc(4, sizeof *env);
#if PB_ASAN
	size_t n = 0;
	const char *asan = getenv("ASAN_OPTIONS"), *ubsan = getenv("UBSAN_OPTIONS");
	/* RLIMIT_AS is replaced by the parent watching the worker's RSS (rss_over) and by
	 * ASan's cap on one allocation; NULL instead of a report when that is hit (xmalloc
	 * then aborts the worker); no leak check at exit (it needs ptrace) */
	env[n++] = xasprintf("ASAN_OPTIONS=%s%sdetect_leaks=0:allocator_may_return_null=1:max_allocation_size_mb=%zu:"
			     "quarantine_size_mb=16:handle_abort=0",
			     asan ? asan : "", asan && *asan ? ":" : "", pb->lim.memory / (1024 * 1024));
	if (ubsan)
		env[n++] = xasprintf("UBSAN_OPTIONS=%s", ubsan);
#else
	(void)pb;
#endif
	return env;
}

static void
env_free(char **env)
{
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
}

static int
start_worker(struct parsebox *pb)
{
	int req[2], ans[2], err[2], rc;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dflt;
	char mem[32], cpu[32];
	char *argv[] = {pb->exe, PARSEBOX_WORKER_CMD, mem, cpu, NULL};
	char **env;
	pid_t pid;

	if (pipe2(req, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(ans, O_CLOEXEC) < 0) {
		close(req[0]);
		close(req[1]);
		return -1;
	}
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(req[0]);
		close(req[1]);
		close(ans[0]);
		close(ans[1]);
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		req[i] = fd_above_2(req[i]);
		ans[i] = fd_above_2(ans[i]);
		err[i] = fd_above_2(err[i]);
	}
	snprintf(mem, sizeof mem, "%zu", pb->lim.memory);
	snprintf(cpu, sizeof cpu, "%ld", cpu_budget(pb));
	env = worker_env(pb);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, req[0], 0);
	posix_spawn_file_actions_adddup2(&fa, ans[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	/* no signal blocked or ignored because the calling thread had it so (SIGXCPU must end it) */
	sigemptyset(&none);
	sigfillset(&dflt);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dflt);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&pid, pb->exe, &fa, &at, argv, env);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	env_free(env);
	close(req[0]);
	close(ans[1]);
	close(err[1]);
	if (rc != 0) {
		log_err("parser: cannot start %s: %s", pb->exe, strerror(rc));
		close(req[1]);
		close(ans[0]);
		close(err[0]);
		return -1;
	}
	/* a 10 MB mail crosses in fewer turns with 1 MB pipes (the default maximum; best effort) */
	fcntl(req[1], F_SETPIPE_SZ, 1024 * 1024);
	fcntl(ans[0], F_SETPIPE_SZ, 1024 * 1024);
	fcntl(req[1], F_SETFL, O_NONBLOCK);
	fcntl(ans[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	pb->pid = pid;
	pb->to_fd = req[1];
	pb->from_fd = ans[0];
	pb->err_fd = err[0];
	pb->relayed = 0;
	pb->at_bol = 1;
	pb->cpu = -1;
	return 0;
}

enum { XFER_OK = 0, XFER_DIED = -1, XFER_TIMEOUT = -2, XFER_BAD = -3, XFER_MEMORY = -4 };

/* Under ASan, where RLIMIT_AS cannot be used: is the worker's resident memory over the limit? */
static int
rss_over(const struct parsebox *pb)
{
#if PB_ASAN
	char path[64];
	unsigned long size = 0, rss = 0;
	FILE *f;
	snprintf(path, sizeof path, "/proc/%d/statm", (int)pb->pid);
	if (!(f = fopen(path, "r")))
		return 0;
	if (fscanf(f, "%lu %lu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * (unsigned long)sysconf(_SC_PAGESIZE) > pb->lim.memory;
#else
	(void)pb;
	return 0;
#endif
}

/*
 * Send req and read one answer body into *body (at most cap bytes), both
 * under the deadline; reading starts at once, so a worker that answers
 * early cannot block the parent.
 */
static int
transact(struct parsebox *pb, const struct buf *req, size_t cap, int64_t deadline, struct buf *body)
{
	size_t sent = 0, need = 12, got = 0;
	unsigned char head[12];
	int in_head = 1;

	for (;;) {
		struct pollfd p[3] = {{pb->from_fd, POLLIN, 0}, {pb->err_fd, POLLIN, 0}, {pb->to_fd, POLLOUT, 0}};
		int64_t left = deadline - mono_ms();
		int np = sent < req->len ? 3 : 2, r;
		if (left <= 0)
			return XFER_TIMEOUT;
		if (PB_ASAN && left > 20)
			left = 20; /* look at its memory every 20 ms */
		if (rss_over(pb))
			return XFER_MEMORY;
		r = poll(p, (nfds_t)np, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return XFER_DIED;
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
			relay_stderr(pb);
		if (np == 3 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(pb->to_fd, req->p + sent, req->len - sent);
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				return XFER_DIED;
			if (w > 0)
				sent += (size_t)w;
		}
		if (p[0].revents & (POLLIN | POLLERR | POLLHUP)) {
			ssize_t n;
			if (in_head)
				n = read(pb->from_fd, head + got, need - got);
			else
				n = read(pb->from_fd, body->p + got, need - got);
			if (n == 0)
				return XFER_DIED;
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				return XFER_DIED;
			if (n > 0)
				got += (size_t)n;
			if (got == need && in_head) {
				uint32_t magic;
				uint64_t blen;
				memcpy(&magic, head, 4);
				memcpy(&blen, head + 4, 8);
				if (magic != ANS_MAGIC || blen > cap || blen < 4)
					return XFER_BAD;
				in_head = 0;
				need = (size_t)blen;
				got = 0;
				buf_free(body);
				body->p = xmalloc(need + 1);
				body->cap = need + 1;
			}
			if (!in_head && got == need) {
				body->len = need;
				return sent == req->len ? XFER_OK : XFER_BAD;
			}
		}
	}
}

/* Decode and check an answer body into *out.  Returns the parse rc, or XFER_BAD. */
static int
answer_decode(const struct buf *body, const struct mail_caps *caps, size_t len, struct parsed_mail *out)
{
	const char *p = body->p, *e = body->p + body->len;
	int32_t ints[6];
	uint32_t end;

	memset(out, 0, sizeof *out);
	if ((size_t)(e - p) < sizeof ints)
		return XFER_BAD;
	memcpy(ints, p, sizeof ints);
	p += sizeof ints;
	if ((ints[0] != 0 && ints[0] != -1) || (unsigned)ints[1] > 1 || (unsigned)ints[2] > 1 ||
	    (unsigned)ints[3] > 1 || ints[4] < 0 || ints[4] > caps->max_parts + 1 || ints[5] < 0 ||
	    (size_t)ints[5] > len)
		return XFER_BAD;
	for (size_t i = 0; i < NSTR; i++) {
		uint32_t n;
		if (e - p < 4)
			goto bad;
		memcpy(&n, p, 4);
		p += 4;
		if (n == STR_NULL)
			continue;
		if ((size_t)(e - p) < n || !utf8_valid(p, n))
			goto bad;
		*str_at(out, i) = xstrndup(p, n);
		p += n;
	}
	if (e - p != 4)
		goto bad;
	memcpy(&end, p, 4);
	if (end != END_MAGIC || !out->subject || !out->text)
		goto bad;
	out->text_from_html = ints[1];
	out->is_auto = ints[2];
	out->is_bounce = ints[3];
	out->nparts = ints[4];
	out->from_count = ints[5];
	return ints[0];
bad:
	parsed_mail_free(out);
	return XFER_BAD;
}

/*
 * Keep the worker on the CPU of the thread that asks: the asker sleeps while
 * the worker parses and the other way round, and a wake-up on the same CPU
 * is a plain context switch where one across CPUs costs tens of microseconds
 * in a VM (measured here: 7,600 vs 17,000 fixture mails per second).
 */
static void
follow_caller_cpu(struct parsebox *pb)
{
	int cpu = sched_getcpu();
	cpu_set_t set;
	if (cpu < 0 || cpu == pb->cpu || cpu >= CPU_SETSIZE)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(pb->pid, sizeof set, &set) == 0)
		pb->cpu = cpu;
}

static void
req_build(struct buf *b, uint32_t mode, const struct mail_caps *caps, const char *raw, size_t len)
{
	put32(b, REQ_MAGIC);
	put32(b, mode);
	put64(b, caps->max_size);
	put32(b, (uint32_t)caps->max_depth);
	put32(b, (uint32_t)caps->max_parts);
	put64(b, len);
	buf_add(b, raw ? raw : "", len);
}

/*
 * One request to a running (or freshly started) worker.  Returns the
 * parse rc, PARSEBOX_UNAVAILABLE, or PARSEBOX_FAILED with *why set.
 */
static int
request(struct parsebox *pb, uint32_t mode, const struct mail_caps *caps, const char *raw, size_t len,
	struct parsed_mail *out, char **why)
{
	struct buf req = BUF_INIT, body = BUF_INIT;
	/* every string is valid UTF-8 of at most 3 bytes per input byte, and no
	 * two of them hold the whole mail but text and calendar */
	size_t cap = 8 * len + 1024 * 1024;
	int rc, x, no_sandbox = 0;

	memset(out, 0, sizeof *out);
	*why = NULL;
	/* a worker that stepped aside (CPU budget) or died idle is simply replaced */
	if (pb->pid && waitpid(pb->pid, NULL, WNOHANG) != 0)
		close_fds(pb);
	if (!pb->pid && start_worker(pb) < 0)
		return PARSEBOX_UNAVAILABLE;
	follow_caller_cpu(pb);
	req_build(&req, mode, caps, raw, len);
	x = transact(pb, &req, cap, mono_ms() + pb->lim.timeout_ms, &body);
	buf_free(&req);
	if (x == XFER_OK) {
		rc = answer_decode(&body, caps, len, out);
		buf_free(&body);
		if (rc != XFER_BAD)
			return rc;
		x = XFER_BAD;
	}
	buf_free(&body);
	if (x == XFER_MEMORY) {
		kill_worker(pb);
		*why = xasprintf("parser used too much memory (more than %zu MB)", pb->lim.memory / (1024 * 1024));
	} else if (x == XFER_TIMEOUT) {
		kill_worker(pb);
		*why = xasprintf("parser timed out (%d s)", (pb->lim.timeout_ms + 999) / 1000);
	} else if (x == XFER_BAD) {
		kill_worker(pb);
		*why = xstrdup("parser answered malformed data");
	} else {
		*why = reap(pb, 500, &no_sandbox);
		if (no_sandbox) {
			log_err("parser: the worker cannot set up its sandbox (seccomp); no mail is parsed");
			free(*why);
			*why = NULL;
			return PARSEBOX_UNAVAILABLE;
		}
	}
	return PARSEBOX_FAILED;
}

/* The header block of a mail: up to the first empty line, at most HEADERS_MAX. */
static size_t
header_len(const char *raw, size_t len)
{
	for (size_t i = 0; i + 1 < len && i < HEADERS_MAX; i++)
		if (raw[i] == '\n' && (raw[i + 1] == '\n' || (raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n')))
			return i + 1;
	return len < HEADERS_MAX ? len : HEADERS_MAX;
}

int
parsebox_parse(struct parsebox *pb, const char *raw, size_t len, const struct mail_caps *caps, struct parsed_mail *out)
{
	struct mail_caps dflt = MAIL_CAPS_DEFAULT;
	char *why = NULL, *why2 = NULL;
	int rc;

	if (!caps)
		caps = &dflt;
	if (!raw)
		len = 0;
	pthread_mutex_lock(&pb->lock);
	if (len > caps->max_size) {
		/* as mime_parse(): only the headers of a mail over the cap are read, and the
		 * worker never gets its body */
		rc = request(pb, MODE_HEADERS, caps, raw, header_len(raw, len), out, &why);
		if (rc == 0) {
			free(out->error);
			out->error = mime_too_large(len, caps->max_size);
		}
	} else {
		rc = request(pb, MODE_PARSE, caps, raw, len, out, &why);
	}
	if (rc == PARSEBOX_FAILED) {
		log_warn("parser: a mail of %zu bytes was not parsed: %s; reading its headers alone", len, why);
		/* a fresh worker, and only the header block: enough to tell the sender */
		if (request(pb, MODE_HEADERS, caps, raw, header_len(raw, len), out, &why2) < 0) {
			log_warn("parser: its headers could not be read either: %s", why2 ? why2 : "no worker");
			parsed_mail_free(out);
		}
		free(out->error);
		out->error = why;
		why = NULL;
		if (!out->subject)
			out->subject = xstrdup("");
		if (!out->text)
			out->text = xstrdup("");
	} else if (rc == PARSEBOX_UNAVAILABLE) {
		parsed_mail_free(out);
		out->error = xstrdup("parser unavailable");
		out->subject = xstrdup("");
		out->text = xstrdup("");
	}
	pthread_mutex_unlock(&pb->lock);
	free(why);
	free(why2);
	return rc;
}

int
parsebox_test(struct parsebox *pb, enum parsebox_test what, struct parsed_mail *out)
{
	struct mail_caps caps = MAIL_CAPS_DEFAULT;
	char *why = NULL;
	int rc;
	pthread_mutex_lock(&pb->lock);
	rc = request(pb, MODE_TEST + (uint32_t)what, &caps, "", 0, out, &why);
	if (rc == PARSEBOX_FAILED) {
		parsed_mail_free(out);
		out->error = why;
		why = NULL;
	}
	pthread_mutex_unlock(&pb->lock);
	free(why);
	return rc;
}

pid_t
parsebox_worker_pid(struct parsebox *pb)
{
	/* read without the lock: a test asks while another thread waits for an answer */
	return __atomic_load_n(&pb->pid, __ATOMIC_SEQ_CST);
}

void
parsebox_free(struct parsebox *pb)
{
	if (!pb)
		return;
	kill_worker(pb);
	pthread_mutex_destroy(&pb->lock);
	free(pb->exe);
	free(pb);
}
