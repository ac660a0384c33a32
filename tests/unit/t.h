/*
 * t.h - the whole unit-test helper.  A test file defines test functions,
 * lists them in main() with RUN(), and ends with t_done().  Each test
 * prints "PASS name" or "FAIL name: file:line: expression"; tests/run.sh
 * counts those lines.
 */
#ifndef MB_T_H
#define MB_T_H
#include <stdio.h>
#include <string.h>

static int t_failed_now, t_pass, t_fail;
static const char *t_name;

#define CHECK(e)                                                                                                       \
	do {                                                                                                           \
		if (!(e)) {                                                                                            \
			if (!t_failed_now)                                                                             \
				printf("FAIL %s: %s:%d: %s\n", t_name, __FILE__, __LINE__, #e);                        \
			t_failed_now = 1;                                                                              \
		}                                                                                                      \
	} while (0)
#define CHECK_STR(a, b)                                                                                                \
	do {                                                                                                           \
		const char *a_ = (a), *b_ = (b);                                                                       \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                                               \
			if (!t_failed_now)                                                                             \
				printf("FAIL %s: %s:%d: %s == \"%s\", expected \"%s\"\n", t_name, __FILE__, __LINE__,  \
				       #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                    \
			t_failed_now = 1;                                                                              \
		}                                                                                                      \
	} while (0)
#define RUN(fn)                                                                                                        \
	do {                                                                                                           \
		t_name = #fn;                                                                                          \
		t_failed_now = 0;                                                                                      \
		fn();                                                                                                  \
		if (t_failed_now)                                                                                      \
			t_fail++;                                                                                      \
		else {                                                                                                 \
			t_pass++;                                                                                      \
			printf("PASS %s\n", #fn);                                                                      \
		}                                                                                                      \
		fflush(stdout);                                                                                        \
	} while (0)
static inline int
t_done(void)
{
	return t_fail ? 1 : 0;
}

/* T_ASAN: 1 in the AddressSanitizer build (some limits work differently there) */
#if defined(__SANITIZE_ADDRESS__)
#define T_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_ASAN 1
#endif
#endif
#ifndef T_ASAN
#define T_ASAN 0
#endif
#endif
