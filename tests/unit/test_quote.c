/*
 * test_quote.c - quote_strip() cuts quote headers, quoted lines and
 * signatures of the common clients (English and German) and keeps the new
 * text; lang_guess() tells German from English.  Whole mails come from
 * tests/fixtures/mail/ through mime_parse(), short cases are inline.
 */
#include "mime.h"
#include "quote.h"
#include "t.h"
#include "util.h"

#include <stdlib.h>
#include <time.h>

/* quote_strip() of a fixture's body text; caller frees. */
static char *
visible(const char *name)
{
	char path[512], tmp[4096], *v;
	struct buf b = BUF_INIT;
	struct parsed_mail m;
	FILE *f;
	size_t n;
	snprintf(path, sizeof(path), "tests/fixtures/mail/%s", name);
	if (!(f = fopen(path, "rb"))) {
		printf("cannot open %s (run from the repository root)\n", path);
		return xstrdup("(missing fixture)");
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	mime_parse(b.p, b.len, NULL, &m);
	v = quote_strip(m.text);
	parsed_mail_free(&m);
	buf_free(&b);
	return v;
}

#define CHECK_VISIBLE(fixture, expected)                                                                               \
	do {                                                                                                           \
		char *v_ = visible(fixture);                                                                           \
		CHECK_STR(v_, expected);                                                                               \
		free(v_);                                                                                              \
	} while (0)
#define CHECK_STRIP(text, expected)                                                                                    \
	do {                                                                                                           \
		char *v_ = quote_strip(text);                                                                          \
		CHECK_STR(v_, expected);                                                                               \
		free(v_);                                                                                              \
	} while (0)

static void
test_gmail_wrapped_header_en(void)
{
	CHECK_VISIBLE("gmail_en.eml", "rsvp yes\n\nSee you there!\n");
}

static void
test_gmail_wrapped_header_de_crlf(void)
{
	CHECK_VISIBLE("gmail_de_crlf.eml", "Ich komme gerne, vielen Dank für die Einladung.\n");
	CHECK_STRIP("ja\r\n\r\nAm Mi., 3. Dez. 2026 um 10:00 Uhr schrieb Büro <b@x.de>:\r\n> frage\r\n", "ja\n");
}

static void
test_outlook_blocks(void)
{
	CHECK_VISIBLE("outlook_en.eml", "I’ll attend – the fee of 10 € is fine.\n");
	CHECK_VISIBLE("outlook_de.eml", "Ja, ich bin dabei. Grüße aus Köln\n");
	CHECK_VISIBLE("outlook_original_de.eml", "Abmelden bitte. Kosten 5 € sind zu viel.\n");
	/* German block without a separator line, bold field names */
	CHECK_STRIP("status\n\n*Von:* Büro <b@x.de>\n*Gesendet:* Dienstag, 2. Dezember 2026 10:00\n*An:* "
		    "Max\n*Betreff:* Frage\n\nalt\n",
		    "status\n");
	CHECK_STRIP("help\n-----Original Message-----\nFrom: x\nhelp me too\n", "help\n");
	/* a lone "From:" line in the new text is not a header block */
	CHECK_STRIP("From: now on I attend\nthanks\n", "From: now on I attend\nthanks\n");
}

static void
test_apple_mail_and_iphone(void)
{
	CHECK_VISIBLE("apple_en.eml", "help\n");
	CHECK_VISIBLE("apple_de.eml", "status\n");
	CHECK_STRIP("ok\n\nOn 3 Dec 2026, at 10:00, Max Mustermann <max@example.com> wrote:\n\nold text\n", "ok\n");
	CHECK_STRIP("ok\n\nAm 03.12.2026 um 10:00 schrieb Max Mustermann <max@example.com>:\n\nalter Text\n", "ok\n");
}

static void
test_thunderbird_inline_and_bottom_posting(void)
{
	CHECK_VISIBLE("thunderbird_de.eml", "Donnerstag passt mir gut.\n");
	CHECK_VISIBLE("thunderbird_en.eml", "Machine learning and careers in industry.\n");
	CHECK_STRIP("Am 03.12.2026 um 10:00 schrieb Max:\n> q1\nanswer 1\n> q2\nanswer 2\n", "answer 1\nanswer 2\n");
}

static void
test_mobile_footers(void)
{
	CHECK_VISIBLE("k9_de.eml", "Anmelden für den Workshop, bitte.\n");
	CHECK_VISIBLE("k9_en.eml", "sign me up\n");
	CHECK_VISIBLE("outlook_mobile_de.eml", "Ich bin dabei.\n");
	CHECK_VISIBLE("yahoo_en.eml", "Count me in.\n");
	CHECK_STRIP("yes\n\nGet Outlook for iOS\n", "yes\n");
	CHECK_STRIP("yes\n\nSent from Outlook\n", "yes\n");
	CHECK_STRIP("ja\n\nGesendet von meinem Samsung Galaxy Smartphone.\n", "ja\n");
	CHECK_STRIP("ja\nVon Outlook für iOS gesendet\n", "ja\n");
	CHECK_STRIP("yes\n\nSent from my Verizon Wireless BlackBerry\n", "yes\n");
	/* a sentence that merely starts like a footer stays */
	CHECK_STRIP("Sent from my desk, which is easier.\n", "Sent from my desk, which is easier.\n");
	CHECK_STRIP("Von meinem Konto bitte abmelden\n", "Von meinem Konto bitte abmelden\n");
}

static void
test_signature_separator(void)
{
	CHECK_STRIP("rsvp no\n-- \nMax Mustermann\nHochschule\n", "rsvp no\n");
	CHECK_STRIP("rsvp no\n--\nMax\n", "rsvp no\n");
	/* "--" inside a line is no separator */
	CHECK_STRIP("a -- b\nc\n", "a -- b\nc\n");
	CHECK_STRIP("-- FOUR gift certificates\n", "-- FOUR gift certificates\n");
}

static void
test_quoted_lines_anywhere(void)
{
	CHECK_STRIP("> old\nnew\n>> older\n  > indented old\nnewer\n", "new\nnewer\n");
}

static void
test_french_and_spanish_headers(void)
{
	CHECK_STRIP("oui\n\nLe mar. 2 déc. 2026 à 10:00, Bureau <b@x.fr> a écrit :\n> q\n", "oui\n");
	CHECK_STRIP("si\n\nEl mar, 2 dic 2026 a las 10:00, Oficina (<o@x.es>) escribió:\n> q\n", "si\n");
}

static void
test_not_a_quote_header(void)
{
	/* "On …:" without "wrote" is ordinary text */
	CHECK_STRIP("On your remote host you can run:\n\n  telnet 127.0.0.1 52698\n",
		    "On your remote host you can run:\n\n  telnet 127.0.0.1 52698\n");
}

static void
test_edges(void)
{
	CHECK_STRIP("", "");
	CHECK_STRIP("\n\n  \n", "");
	CHECK_STRIP("no newline at end", "no newline at end\n");
	CHECK_STRIP("> only a quote\n", "");
	{
		char *v = quote_strip(NULL);
		CHECK_STR(v, "");
		free(v);
	}
}

static void
test_linear_time_on_pathological_input(void)
{
	struct buf b = BUF_INIT;
	clock_t t0;
	char *v;
	for (int i = 0; i < 200000; i++)
		buf_adds(&b, "On On On On On On On On wrote wrote\n>\n-\n");
	for (int i = 0; i < 100000; i++)
		buf_adds(&b, "From: x\n");
	t0 = clock();
	v = quote_strip(b.p);
	CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
	free(v);
	buf_free(&b);
}

static void
test_lang_guess(void)
{
	CHECK_STR(lang_guess("Ich komme gerne, vielen Dank für die Einladung."), "de");
	CHECK_STR(lang_guess("Hallo, bitte meldet mich ab."), "de");
	CHECK_STR(lang_guess("I will attend, thank you for the invitation."), "en");
	CHECK_STR(lang_guess("Please sign me up for the workshop"), "en");
	CHECK(lang_guess("rsvp") == NULL);
	CHECK(lang_guess("") == NULL);
	CHECK(lang_guess(NULL) == NULL);
	CHECK(lang_guess("12345 !!!") == NULL);
}

int
main(void)
{
	RUN(test_gmail_wrapped_header_en);
	RUN(test_gmail_wrapped_header_de_crlf);
	RUN(test_outlook_blocks);
	RUN(test_apple_mail_and_iphone);
	RUN(test_thunderbird_inline_and_bottom_posting);
	RUN(test_mobile_footers);
	RUN(test_signature_separator);
	RUN(test_quoted_lines_anywhere);
	RUN(test_french_and_spanish_headers);
	RUN(test_not_a_quote_header);
	RUN(test_edges);
	RUN(test_linear_time_on_pathological_input);
	RUN(test_lang_guess);
	return t_done();
}
