/*
 * test_social_text.c - the text of a social post (bot/social_text.h): grapheme counts of
 * umlauts, combining marks, emoji with modifiers and ZWJ sequences, flags; shortening at a
 * word boundary with the link and the hashtags kept; the facets' UTF-8 byte ranges; TIDs.
 */
#include "t.h"
#include "social_text.h"

#include <stdlib.h>

static size_t
g(const char *s)
{
	return social_graphemes(s, strlen(s));
}

static void
graphemes_are_counted_as_people_see_them(void)
{
	CHECK(g("") == 0);
	CHECK(g("abc") == 3);
	CHECK(g("Grüße") == 5); /* precomposed */
	CHECK(g("Gru\xCC\x88\xC3\x9F"
		"e") == 5);                                            /* u + combining diaeresis */
	CHECK(g("\xF0\x9F\x8E\x93") == 1);                             /* 🎓 */
	CHECK(g("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD") == 1);             /* 👍🏽 thumbs up + modifier */
	CHECK(g("\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x8E\x93") == 1); /* 👩‍🎓 ZWJ sequence */
	CHECK(g("\xF0\x9F\x91\xA9\xF0\x9F\x8F\xBD\xE2\x80\x8D\xF0\x9F\x8E\x93") == 1); /* 👩🏽‍🎓 */
	CHECK(g("\xF0\x9F\x87\xA9\xF0\x9F\x87\xAA") == 1);                             /* 🇩🇪 */
	CHECK(g("\xF0\x9F\x87\xA9\xF0\x9F\x87\xAA\xF0\x9F\x87\xA6") == 2);             /* 🇩🇪 + a lone indicator */
	CHECK(g("\xE2\x9D\xA4\xEF\xB8\x8F") == 1);                                     /* ❤️ with VS16 */
	CHECK(g("a\r\nb") == 3);
	CHECK(g("a\xE2\x80\x8D"
		"b") == 2); /* ZWJ between letters: b stands alone */
	CHECK(g("\xFF\xFE"
		"a") == 3); /* invalid bytes count one each */
}

static void
clean_replaces_invalid_bytes_and_controls(void)
{
	char *c = social_clean("a\x01"
			       "b\xFF"
			       "c\n",
			       6, 1);
	CHECK_STR(c, "a b\xEF\xBF\xBD"
		     "c\n");
	free(c);
	c = social_clean("x\ny", 3, 0);
	CHECK_STR(c, "x y");
	free(c);
}

/* Every facet's byte range must be exactly its URL or "#tag" in the text. */
static int
facets_ok(const struct social_text *t)
{
	for (size_t i = 0; i < t->nfacets; i++) {
		const struct social_facet *f = &t->facets[i];
		if (f->end > t->len || f->start >= f->end)
			return 0;
		char *want = f->kind == SOCIAL_FACET_LINK ? strdup(f->value) : NULL;
		if (!want) {
			want = malloc(strlen(f->value) + 2);
			want[0] = '#';
			strcpy(want + 1, f->value);
		}
		int ok = f->end - f->start == strlen(want) && memcmp(t->text + f->start, want, strlen(want)) == 0;
		free(want);
		if (!ok)
			return 0;
	}
	return 1;
}

static void
short_text_is_kept_with_link_and_tags(void)
{
	const char *tags[] = {"Mentoring", "#Uni", "bad tag", "123"};
	struct social_text t;
	CHECK(social_text_build("Sommerfest 🎉 im Schloß", "https://uni.example/e/1", tags, 4, 300, 3000, &t) == 0);
	CHECK_STR(t.text, "Sommerfest 🎉 im Schloß\n\nhttps://uni.example/e/1\n#Mentoring #Uni");
	CHECK(t.nfacets == 3);
	CHECK(t.facets[0].kind == SOCIAL_FACET_LINK);
	/* "Sommerfest 🎉 im Schloß\n\n": 11 + 4 (🎉) + 4 + 5 + 2 (ß) + 2 = 28 bytes */
	CHECK(t.facets[0].start == 28);
	CHECK(t.facets[0].end == 28 + strlen("https://uni.example/e/1"));
	CHECK(t.facets[1].kind == SOCIAL_FACET_TAG);
	CHECK_STR(t.facets[1].value, "Mentoring");
	CHECK_STR(t.facets[2].value, "Uni");
	CHECK(facets_ok(&t));
	CHECK(!t.shortened);
	social_text_free(&t);
}

static void
long_text_is_cut_at_a_word_with_the_link_kept(void)
{
	char body[4000] = "Übung für Gäste 👩🏽‍🎓: ";
	while (strlen(body) < 3000)
		strcat(body, "Größere Wörter über Ärger ");
	const char *tags[] = {"Mentoring"};
	struct social_text t;
	CHECK(social_text_build(body, "https://uni.example/e/42", tags, 1, 300, 3000, &t) == 0);
	CHECK(g(t.text) <= 300);
	CHECK(g(t.text) >= 280);
	CHECK(t.len <= 3000);
	CHECK(t.shortened);
	CHECK(strstr(t.text, "\xE2\x80\xA6\n\nhttps://uni.example/e/42\n#Mentoring") != NULL);
	/* the cut is at a word: the character before "…" ends a whole word */
	const char *e = strstr(t.text, "\xE2\x80\xA6");
	CHECK(e && e[-1] != ' ');
	CHECK(e &&
	      (strncmp(e - 6, "Wörter", 6) == 0 || strncmp(e - 5, "über", 5) == 0 || strncmp(e - 5, "Ärger", 5) == 0 ||
	       strncmp(e - 7, "Größere", 7) == 0 || strncmp(e - 4, "Ärg", 3) == 0 || e[-1] == 'e' || e[-1] == 'r'));
	CHECK(facets_ok(&t));
	social_text_free(&t);
}

static void
emoji_only_text_respects_the_limits(void)
{
	char body[8000] = "";
	for (int i = 0; i < 400; i++)
		strcat(body, "👩🏽‍🎓");
	struct social_text t;
	CHECK(social_text_build(body, NULL, NULL, 0, 300, 3000, &t) == 0);
	CHECK(g(t.text) <= 300);
	CHECK(t.len <= 3000);
	CHECK(t.nfacets == 0);
	social_text_free(&t);
	/* the byte limit binds first: 15 bytes a grapheme */
	CHECK(social_text_build(body, "https://a.example/", NULL, 0, 300, 600, &t) == 0);
	CHECK(t.len <= 600);
	CHECK(facets_ok(&t));
	social_text_free(&t);
}

static void
tags_are_dropped_before_the_link(void)
{
	const char *tags[] = {"Eins", "Zwei"};
	struct social_text t;
	CHECK(social_text_build("Titel", "https://x.example/abc", tags, 2, 30, 3000, &t) == 0);
	CHECK(g(t.text) <= 30);
	CHECK(strstr(t.text, "https://x.example/abc") != NULL);
	CHECK(facets_ok(&t));
	social_text_free(&t);
}

static void
tids_are_valid_and_differ(void)
{
	char a[14], b[14], c[14];
	social_rkey("bluesky", "event:1", 1764867600000000LL, a);
	social_rkey("bluesky", "event:2", 1764867600000000LL, b);
	social_rkey("bluesky", "event:1", 1764867600000000LL, c);
	CHECK(social_is_tid(a));
	CHECK(social_is_tid(b));
	CHECK(strcmp(a, b) != 0);
	CHECK_STR(a, c);
	social_tid(0, 0, a);
	CHECK_STR(a, "2222222222222");
	social_tid((1LL << 53) - 1, 1023, a);
	CHECK_STR(a, "bzzzzzzzzzzzz");
	CHECK(social_is_tid(a));
	CHECK(!social_is_tid("kzzzzzzzzzzzz"));
	CHECK(!social_is_tid("3jzfcijpj2z2"));
}

int
main(void)
{
	RUN(graphemes_are_counted_as_people_see_them);
	RUN(clean_replaces_invalid_bytes_and_controls);
	RUN(short_text_is_kept_with_link_and_tags);
	RUN(long_text_is_cut_at_a_word_with_the_link_kept);
	RUN(emoji_only_text_respects_the_limits);
	RUN(tags_are_dropped_before_the_link);
	RUN(tids_are_valid_and_differ);
	return t_done();
}
