/*
 * fuzz_mime.c - libFuzzer target: any bytes through mime_parse() with small
 * caps, then quote_strip(), lang_guess() and html_to_text() on the result.
 * Checks that every output string is valid UTF-8.  Seed corpus:
 * tests/fixtures/mail/.
 */
#include "mime.h"
#include "quote.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_utf8(const char *s)
{
	char *c;
	if (!s)
		return;
	c = utf8_sanitize(s, strlen(s));
	if (strcmp(c, s) != 0)
		abort();
	free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_caps caps = {1024 * 1024, 20, 500};
	struct parsed_mail m;
	char *v, *h;

	mime_parse((const char *)data, size, &caps, &m);
	check_utf8(m.from_addr);
	check_utf8(m.from_name);
	check_utf8(m.subject);
	check_utf8(m.text);
	check_utf8(m.references);
	check_utf8(m.bounce_rcpt);
	check_utf8(m.calendar);
	v = quote_strip(m.text);
	check_utf8(v);
	(void)lang_guess(v);
	free(v);
	parsed_mail_free(&m);

	/* the raw bytes as HTML and as a header value, too */
	h = html_to_text((const char *)data, size);
	check_utf8(h);
	v = quote_strip(h);
	check_utf8(v);
	free(v);
	free(h);
	if (size < 4096) {
		char *z = xstrndup((const char *)data, size), *d = rfc2047_decode(z);
		check_utf8(d);
		free(d);
		free(z);
	}
	return 0;
}
