/*
 * The pure readers of the company side: the offer form (German and English
 * names, every missing and invalid field named at once, the kinds and the
 * remote words normalised, the deadline a date in the future, the link an
 * https URL), the staff decision word, the action words and the folded
 * filter of "offers <words>".
 */
#include <stdlib.h>
#include <string.h>

#include "handlers/h_offer.h"
#include "t.h"

#define NOW 1900000000 /* 2030-03-17 */

static void
complete_english_form_passes(void)
{
	struct offer_form f = {0};
	offer_form_read(&f, "offer:\nKind: Working Student\nTitle: Data pipelines\nDescription: Python and SQL\n"
			    "Location: Berlin\nRemote: hybrid\nStart: April\nDeadline: 30.04.2030\n"
			    "Link: https://example.com/jobs/1\nContact: Jane Doe\nSomething else: ignored\n");
	CHECK(offer_form_check(&f, NOW) == 0);
	CHECK_STR(f.kind, "working_student");
	CHECK_STR(f.remote, "hybrid");
	CHECK_STR(f.v[OF_TITLE], "Data pipelines");
	CHECK_STR(f.v[OF_START], "April");
	CHECK(f.deadline > NOW && f.deadline < NOW + 60 * 86400);
	offer_form_free(&f);
}

static void
german_names_and_words_pass(void)
{
	struct offer_form f = {0};
	offer_form_read(&f, "angebot:\nArt: Praktikum\nTitel: Praktikum Konstruktion\nBeschreibung: Mit CAD\n"
			    "Ort: München\nRemote: nein\nBeginn: sofort\nFrist: 2030-05-01\nKontakt: Frau Müller\n");
	CHECK(offer_form_check(&f, NOW) == 0);
	CHECK_STR(f.kind, "internship");
	CHECK_STR(f.remote, "no");
	CHECK_STR(f.v[OF_LOCATION], "München");
	offer_form_free(&f);
	offer_form_read(&f, "ART: Abschlussarbeit\nTITEL: x\nBESCHREIBUNG: y\nORT: z\n");
	CHECK(offer_form_check(&f, NOW) == 0);
	CHECK_STR(f.kind, "thesis");
	CHECK(f.remote == NULL && f.deadline == 0);
	offer_form_free(&f);
}

static void
every_problem_is_named_at_once(void)
{
	struct offer_form f = {0};
	offer_form_read(&f, "offer:\nKind: apprenticeship\nDescription: something\nRemote: sometimes\n"
			    "Deadline: 01.01.2020\nLink: http://example.com\n");
	CHECK(offer_form_check(&f, NOW) == 6);
	CHECK(f.problem[OF_KIND] == OP_INVALID);
	CHECK(f.problem[OF_TITLE] == OP_MISSING);
	CHECK(f.problem[OF_DESC] == OP_NONE);
	CHECK(f.problem[OF_LOCATION] == OP_MISSING);
	CHECK(f.problem[OF_REMOTE] == OP_INVALID);
	CHECK(f.problem[OF_DEADLINE] == OP_INVALID); /* in the past */
	CHECK(f.problem[OF_LINK] == OP_INVALID);     /* not https */
	offer_form_free(&f);
	/* nothing at all: the four required fields */
	offer_form_read(&f, "offer:\n");
	CHECK(offer_form_check(&f, NOW) == 4 && f.n == 0);
	offer_form_free(&f);
	/* an empty value or "-" is no value */
	offer_form_read(&f, "Kind: job\nTitle: -\nDescription:   \nLocation: x\nDeadline: someday\n");
	CHECK(offer_form_check(&f, NOW) == 3);
	CHECK(f.problem[OF_TITLE] == OP_MISSING && f.problem[OF_DESC] == OP_MISSING);
	CHECK(f.problem[OF_DEADLINE] == OP_INVALID);
	offer_form_free(&f);
}

static void
links_and_dates(void)
{
	struct offer_form f = {0};
	const char *bad[] = {"https://", "https:///x", "https://a b", "ftp://x", "javascript:alert(1)", "https://x\"y"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *t = malloc(200);
		snprintf(t, 200, "Kind: job\nTitle: t\nDescription: d\nLocation: l\nLink: %s\n", bad[i]);
		offer_form_read(&f, t);
		CHECK(offer_form_check(&f, NOW) == 1 && f.problem[OF_LINK] == OP_INVALID);
		offer_form_free(&f);
		free(t);
	}
	int64_t t;
	CHECK(offer_parse_date("31.12.2030", NOW, &t) == 0);
	CHECK(offer_parse_date("31.12.2030 garbage", NOW, &t) == -1);
	CHECK(offer_parse_date("31.02.2030", NOW, &t) == -1);
	CHECK(offer_parse_date("", NOW, &t) == -1);
}

static void
decisions_and_actions(void)
{
	const char *rest;
	CHECK(offer_decision("ok", &rest) == 1);
	CHECK(offer_decision("  Freigeben.\n", &rest) == 1);
	CHECK(offer_decision("Ja, passt", &rest) == 1 && strcmp(rest, "passt") == 0);
	CHECK(offer_decision("nein - zu vage", &rest) == 0 && strcmp(rest, "zu vage") == 0);
	CHECK(offer_decision("Ablehnen: kein Bezug zum Studium", &rest) == 0);
	CHECK(offer_decision("no", &rest) == 0);
	CHECK(offer_decision("maybe later", &rest) == -1);
	CHECK(offer_decision("", &rest) == -1);
	CHECK_STR(offer_action("VERLÄNGERN"), "renew");
	CHECK_STR(offer_action("schließen"), "close");
	CHECK_STR(offer_action("beenden"), "close");
	CHECK_STR(offer_action("approve"), "approve");
	CHECK_STR(offer_action("ablehnen"), "reject");
	CHECK(offer_action("delete") == NULL && offer_action(NULL) == NULL);
	CHECK_STR(offer_after_words("12 reject  too vague", 2), "too vague");
	CHECK_STR(offer_after_words("12", 2), "");
}

static void
filter_ignores_case_and_umlauts(void)
{
	const char *text = "internship Praktikum Konstruktion München Maschinenbau";
	CHECK(offer_text_matches(text, ""));
	CHECK(offer_text_matches(text, "praktikum"));
	CHECK(offer_text_matches(text, "MÜNCHEN"));
	CHECK(offer_text_matches(text, "muenchen"));
	CHECK(offer_text_matches(text, "munchen praktikum"));
	CHECK(!offer_text_matches(text, "munchen job"));
	char *f = offer_fold("Größe ÄÖÜ");
	CHECK_STR(f, "groesse aeoeue");
	free(f);
}

int
main(void)
{
	RUN(complete_english_form_passes);
	RUN(german_names_and_words_pass);
	RUN(every_problem_is_named_at_once);
	RUN(links_and_dates);
	RUN(decisions_and_actions);
	RUN(filter_ignores_case_and_umlauts);
	return t_done();
}
