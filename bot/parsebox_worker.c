/*
 * parsebox_worker.c - the worker side of parsebox (see parsebox.h and
 * parsebox.c): bot/main.c runs parsebox_worker_main for "parse-worker".
 * The process limits itself (rlimits), loads the charset modules it may
 * need, installs its seccomp filter, then loops: request on fd 0 ->
 * mime_parse() -> answer on fd 1, in the wire format of parsebox_int.h.
 * Single-threaded; it holds no state between mails.
 */
#include "parsebox.h"
#include "parsebox_int.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

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

/* Read (wr 0) or write (wr 1) all n bytes at p on fd.  0, or -1 on error or end of file. */
static int
io_full(int fd, void *p, size_t n, int wr)
{
	char *c = p;
	while (n) {
		ssize_t r = wr ? write(fd, c, n) : read(fd, c, n);
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
read_full(int fd, void *p, size_t n)
{
	return io_full(fd, p, n, 0);
}

static int
write_full(int fd, const void *p, size_t n)
{
	return io_full(fd, (void *)p, n, 1);
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
