"""The alumni directory with the real servers (issue 13, point 2).

Two alumni join the alumni programme by mail and set their profiles: a German
alumna (graduation year, field "Informatik", city "München", a hidden company,
open to mentoring and talks, a LinkedIn link) and an English alumnus
("mechanical engineering", "Köln", internships).  A student searches in
English and German: English words find German values and the other way
round, umlauts are found written out or without dots, a hidden field never
matches and never shows, results are numbered and never show an address.
"""
import lib
from network_lib import ask, profile


def people(bot):
    ada, ben, sam = lib.addr("ada"), lib.addr("ben"), lib.addr("sam")
    lib.join_programme(bot, ada, "alumni")
    ask(bot, ada, "profil sprache de", "profile_set", lang=None)  # the answer's language is not this test's matter
    profile(bot, ada, ["profil name Ada Alt", "profil sichtbar name ja",
                       "profil abschluss 2014", "profil sichtbar abschluss ja",
                       "profil fach Informatik", "profil sichtbar fach ja",
                       "profil stadt München", "profil sichtbar stadt ja",
                       "profil firma GeheimFirma",
                       "profil offen_für Mentoring, Vorträge", "profil sichtbar offen_für ja",
                       "profil link https://www.linkedin.com/in/ada-alt", "profil sichtbar link ja"], "de")
    lib.join_programme(bot, ben, "alumni")
    profile(bot, ben, ["profile name Ben Bau", "profile visible name yes",
                       "profile field mechanical engineering", "profile visible field yes",
                       "profile city Köln", "profile visible city yes",
                       "profile topics internships, robotics", "profile visible topics yes"], "en")
    lib.join_programme(bot, sam, "mentoring")
    return ada, ben, sam


@lib.timeout(300)
def test_find_alumni_in_both_languages_respects_visibility():
    bot = lib.Bot(config={"bot": {"reply_limit": "200"}})
    ada, ben, sam = people(bot)

    # a bad value is refused with what the field takes
    r = ask(bot, ada, "profil abschluss 1890", "alumni.profile.bad_year", lang="de")
    lib.ensure("vierstellig" in r.text, "year hint: %r" % r.text[:400])
    ask(bot, ben, "profile link http://evil.example/in/ben", "alumni.profile.bad_link")

    # English words find the German value; the hit shows visible fields, never the hidden or an address
    r = ask(bot, sam, "find alumni computer science", "alumni.find.results")
    lib.ensure("1. Ada Alt" in r.text, "Ada found by English words: %r" % r.text[:800])
    lib.ensure("Graduation year: 2014" in r.text and "Open to: mentoring, talks" in r.text,
               "visible fields in the reader's language: %r" % r.text[:800])
    lib.ensure("https://www.linkedin.com/in/ada-alt" in r.text, "profile link shown: %r" % r.text[:800])
    lib.ensure("GeheimFirma" not in r.text, "hidden company shown: %r" % r.text[:800])
    for a in (ada, ben, sam):
        lib.ensure(a not in r.text.split("\n\n", 1)[-1], "an address in the results: %r" % r.text[:800])
    lib.ensure("Ben Bau" not in r.text, "Ben does not match: %r" % r.text[:800])

    # German words (a German-speaking student now), umlauts written out or left off, the English value
    # by its German word
    ask(bot, sam, "profile language de", "profile_set", lang=None)
    r = ask(bot, sam, "alumni finden Muenchen", "alumni.find.results", lang="de")
    lib.ensure("1. Ada Alt" in r.text and "Studiengang: Informatik" in r.text, "Muenchen: %r" % r.text[:800])
    r = ask(bot, sam, "alumni suchen koln", "alumni.find.results", lang="de")
    lib.ensure("1. Ben Bau" in r.text and "Ada Alt" not in r.text, "koln: %r" % r.text[:800])
    r = ask(bot, sam, "alumni finden Maschinenbau Praktikum", "alumni.find.results", lang="de")
    lib.ensure("1. Ben Bau" in r.text, "Maschinenbau Praktikum: %r" % r.text[:800])
    r = ask(bot, sam, "find alumni vortrag", "alumni.find.results", lang="de")
    lib.ensure("1. Ada Alt" in r.text and "Offen für: Mentoring, Vorträge" in r.text,
               "talks by their German word: %r" % r.text[:800])

    # a hidden field never matches; FTS syntax is only words
    ask(bot, sam, "find alumni GeheimFirma", "alumni.find.none", lang="de")
    ask(bot, sam, 'find alumni " OR * NEAR(x)', "alumni.find.none", lang="de")
    ask(bot, sam, "find alumni ** ()", "alumni.find.usage", lang="de")

    # hiding the city takes it out of the index at once
    ask(bot, ada, "profil sichtbar stadt nein", "profile_visibility_set", lang="de")
    ask(bot, sam, "find alumni München", "alumni.find.none", lang="de")
