/*
 * test_logaddr.c - log_who(): a keyed 8-character tag at the default level,
 * the address itself with -v, never the address before the key is known.
 */
#include <string.h>

#include "bot/keyed.h"
#include "bot/logaddr.h"
#include "bot/util.h"
#include "t.h"

static unsigned char key1[KEYED_KEY_LEN], key2[KEYED_KEY_LEN];

static int
is_tag(const char *s)
{
	if (strlen(s) != 2 + LOG_WHO_TAG || strncmp(s, "a:", 2) != 0)
		return 0;
	for (const char *p = s + 2; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '2' && *p <= '7')))
			return 0;
	return 1;
}

static void
test_no_key_hides_the_address(void)
{
	char b[LOG_WHO_LEN];
	log_open(0, LOG_LVL_INFO);
	CHECK_STR(log_who("anna@example.test", b), "(address)");
	CHECK_STR(log_who(NULL, b), "-");
	CHECK_STR(log_who("", b), "-");
}

static void
test_default_level_gives_the_keyed_tag(void)
{
	char b[LOG_WHO_LEN], c[LOG_WHO_LEN], want[LOG_WHO_TAG + 1];
	log_open(0, LOG_LVL_INFO);
	log_who_key(key1);
	const char *w = log_who("Anna@Example.TEST", b);
	CHECK(is_tag(w));
	CHECK(strstr(w, "anna") == NULL);
	keyed_tag(key1, "log", "anna@example.test", want, LOG_WHO_TAG);
	CHECK(strcmp(w + 2, want) == 0);
	/* the same address in any case gives the same tag; another address another one */
	CHECK_STR(log_who("anna@example.test", c), w);
	CHECK(strcmp(log_who("bert@example.test", c), w) != 0);
	CHECK(is_tag(LOG_WHO("@bert:example.test")));
}

static void
test_another_key_another_tag(void)
{
	char b[LOG_WHO_LEN], c[LOG_WHO_LEN];
	log_open(0, LOG_LVL_INFO);
	log_who_key(key1);
	log_who("anna@example.test", b);
	log_who_key(key2);
	CHECK(strcmp(log_who("anna@example.test", c), b) != 0);
}

static void
test_verbose_shows_the_address(void)
{
	char b[LOG_WHO_LEN];
	log_open(0, LOG_LVL_DEBUG);
	log_who_key(key1);
	CHECK_STR(log_who("anna@example.test", b), "anna@example.test");
	CHECK_STR(LOG_WHO("room@muc.example.test/Anna"), "room@muc.example.test/Anna");
	log_open(0, LOG_LVL_INFO);
	CHECK(is_tag(LOG_WHO("room@muc.example.test/Anna")));
}

int
main(void)
{
	memset(key1, 0x11, sizeof key1);
	memset(key2, 0x22, sizeof key2);
	RUN(test_no_key_hides_the_address);
	RUN(test_default_level_gives_the_keyed_tag);
	RUN(test_another_key_another_tag);
	RUN(test_verbose_shows_the_address);
	return t_done();
}
