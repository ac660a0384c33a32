/*
 * test_quote_rules.c - every rule of bot/quote_rules.c matches its own test
 * line, alone and through the compiled lookup; every language's Outlook
 * header block is cut below new text, and read as a forward when its subject
 * says so; the tables cover the languages the issue asks for.
 */
#include "quote.h"
#include "quote_rules.h"
#include "t.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static void
test_each_rule_matches_its_test_line(void)
{
	size_t n;
	const struct quote_rule *r = quote_rules(&n);
	CHECK(n > 200);
	for (size_t i = 0; i < n; i++) {
		const char *t = r[i].test;
		CHECK(t && *t);
		if (!qr_rule_matches(&r[i], t, strlen(t)) || !qr_match(r[i].kind, t, strlen(t))) {
			printf("  rule %zu (%s, %s) does not match its test line \"%s\"\n", i,
			       quote_family_name(r[i].family), r[i].lang, t);
			CHECK(0);
		}
	}
}

/* The attribution and separator test lines cut what follows them. */
static void
test_each_cutting_rule_cuts(void)
{
	size_t n;
	const struct quote_rule *r = quote_rules(&n);
	for (size_t i = 0; i < n; i++) {
		struct buf b = BUF_INIT;
		char *v;
		unsigned fl;
		if (r[i].kind == QR_ATTR_PRE)
			continue;
		buf_adds(&b, "new text\n\n");
		buf_adds(&b, r[i].test);
		buf_adds(&b, "\nold text\n");
		v = quote_strip_flags(b.p, &fl);
		if (strcmp(v, "new text\n") != 0) {
			printf("  rule %zu (%s): \"%s\" gave \"%s\"\n", i, r[i].lang, r[i].test, v);
			CHECK(0);
		}
		CHECK(fl & QUOTE_CUT || r[i].kind == QR_MOBILE || r[i].kind == QR_SIG_IN);
		free(v);
		buf_free(&b);
	}
}

/* First alternative of "a|b|c". */
static void
add_first(struct buf *b, const char *alts)
{
	buf_add(b, alts, strcspn(alts, "|"));
}

static void
block(struct buf *b, const struct quote_header *h, const char *subject)
{
	buf_adds(b, "\n");
	add_first(b, h->from);
	buf_adds(b, ": Office <office@example.org>\n");
	add_first(b, h->sent);
	buf_adds(b, ": 5.1.2021 09:12\n");
	add_first(b, h->to);
	buf_adds(b, ": Ann <ann@example.org>\n");
	add_first(b, h->subject);
	buf_adds(b, ": ");
	buf_adds(b, subject);
	buf_adds(b, "\n\nforwarded body\n");
}

static void
test_each_header_block_cuts_and_forwards(void)
{
	size_t n;
	const struct quote_header *h = quote_headers(&n);
	CHECK(n >= 30);
	for (size_t i = 0; i < n; i++) {
		struct buf b = BUF_INIT, f = BUF_INIT;
		char fwd[64], *v;
		unsigned fl;
		buf_adds(&b, "rsvp yes\n");
		block(&b, &h[i], "Workshop");
		v = quote_strip(b.p);
		if (strcmp(v, "rsvp yes\n") != 0) {
			printf("  header block %s gave \"%s\"\n", h[i].lang, v);
			CHECK(0);
		}
		free(v);
		/* the same block alone, with a forward subject: its body is the text */
		snprintf(fwd, sizeof(fwd), "%.*s: Workshop", (int)strcspn(h[i].fwd, "|"), h[i].fwd);
		buf_adds(&f, "________________________________");
		block(&f, &h[i], fwd);
		v = quote_strip_flags(f.p, &fl);
		if (strcmp(v, "forwarded body\n") != 0 || !(fl & QUOTE_FORWARDED)) {
			printf("  forward block %s gave \"%s\"\n", h[i].lang, v);
			CHECK(0);
		}
		free(v);
		buf_free(&b);
		buf_free(&f);
	}
}

static void
test_languages_covered(void)
{
	static const char *const want[] = {"de", "en", "fr", "es", "it", "pt", "nl", "pl", "cs", "sk", "sl", "hr",
					   "sr", "hu", "ro", "bg", "ru", "uk", "el", "tr", "sv", "da", "nb", "fi",
					   "et", "lv", "lt", "zh", "ja", "ko", "ar", "fa", "hi", "id", "vi"};
	size_t n, nh;
	const struct quote_rule *r = quote_rules(&n);
	const struct quote_header *h = quote_headers(&nh);
	for (size_t w = 0; w < ARRAY_LEN(want); w++) {
		int attr = 0, mobile = 0, header = 0, sep = 0;
		size_t k = strlen(want[w]);
		for (size_t i = 0; i < n; i++) {
			/* "sv/da/nb": a rule may serve several languages */
			const char *l = r[i].lang;
			int has = 0;
			for (const char *p = l; *p; p += strcspn(p, "/"), p += *p == '/')
				has |= !strncmp(p, want[w], k) && (p[k] == '/' || p[k] == '\0' || p[k] == '-');
			if (!has)
				continue;
			attr |= r[i].kind == QR_ATTR_END || r[i].kind == QR_ATTR_MID;
			mobile |= r[i].kind == QR_MOBILE;
			sep |= r[i].kind == QR_SEP || r[i].kind == QR_FWD_SEP;
		}
		for (size_t i = 0; i < nh; i++)
			header |= strstr(h[i].lang, want[w]) != NULL;
		if (!attr || !mobile || !header || !sep) {
			printf("  %s: attribution %d, footer %d, header block %d, separator %d\n", want[w], attr,
			       mobile, header, sep);
			CHECK(0);
		}
	}
}

int
main(void)
{
	RUN(test_each_rule_matches_its_test_line);
	RUN(test_each_cutting_rule_cuts);
	RUN(test_each_header_block_cuts_and_forwards);
	RUN(test_languages_covered);
	return t_done();
}
