/*
 * test_when.c - when_parse() reads session dates, times and durations the
 * way people write them in German and English, in Europe/Berlin, relative
 * to a fixed "now"; DST switches are exact; mistakes get clear errors.
 * Expected instants are computed with timegm() and the offset written out
 * by hand (CET +1 h, CEST +2 h), independent of the code under test.
 */
#define _DEFAULT_SOURCE
#include "t.h"
#include "when.h"

#include <stdint.h>
#include <time.h>

/* Now: Friday 2026-11-20 10:00 CET. */
#define NOW ((int64_t)1795165200)

/* Epoch of a Berlin wall time whose UTC offset is off_h hours. */
static int64_t
at(int y, int mo, int d, int h, int mi, int off_h)
{
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm) - off_h * 3600;
}

#define CET 1
#define CEST 2

/* Parse s at now; check start, minutes and the rest of the line. */
#define CHECK_WHEN_AT(s, now, start_, minutes_, rest_)                                                                 \
	do {                                                                                                           \
		struct when w_;                                                                                        \
		int rc_ = when_parse((s), (now), &w_);                                                                 \
		CHECK(rc_ == 0);                                                                                       \
		if (rc_ == 0) {                                                                                        \
			CHECK(w_.start == (start_));                                                                   \
			CHECK(w_.minutes == (minutes_));                                                               \
			CHECK_STR((s) + w_.rest, (rest_));                                                             \
		} else                                                                                                 \
			printf("  %s -> %s\n", (s), when_strerror(rc_));                                               \
	} while (0)
#define CHECK_WHEN(s, start_, minutes_, rest_) CHECK_WHEN_AT(s, NOW, start_, minutes_, rest_)
#define CHECK_ERR(s, err_)                                                                                             \
	do {                                                                                                           \
		struct when w_;                                                                                        \
		int rc_ = when_parse((s), NOW, &w_);                                                                   \
		CHECK(rc_ == (err_));                                                                                  \
		if (rc_ != (err_))                                                                                     \
			printf("  %s -> %d (%s)\n", (s), rc_, when_strerror(rc_));                                     \
	} while (0)

static void
test_german_dates(void)
{
	CHECK_WHEN("3.12.2026 15:00", at(2026, 12, 3, 15, 0, CET), 60, "");
	CHECK_WHEN("03.12.2026 15:00 Raum 2.14", at(2026, 12, 3, 15, 0, CET), 60, "Raum 2.14");
	CHECK_WHEN("03.12. 15 Uhr", at(2026, 12, 3, 15, 0, CET), 60, "");
	CHECK_WHEN("3.12. 15:30", at(2026, 12, 3, 15, 30, CET), 60, "");
	CHECK_WHEN("3.12 15:30 Café Extrablatt", at(2026, 12, 3, 15, 30, CET), 60, "Café Extrablatt");
	CHECK_WHEN("03.12.26 um 9:05 Uhr", at(2026, 12, 3, 9, 5, CET), 60, "");
	CHECK_WHEN("3.12. 15.30 Uhr Mensa", at(2026, 12, 3, 15, 30, CET), 60, "Mensa");
	CHECK_WHEN("  3.12.2026,  15:00 Uhr, Bibliothek", at(2026, 12, 3, 15, 0, CET), 60, "Bibliothek");
}

static void
test_iso_and_us_dates(void)
{
	CHECK_WHEN("2026-12-03 3pm", at(2026, 12, 3, 15, 0, CET), 60, "");
	CHECK_WHEN("2026-12-03 15:00", at(2026, 12, 3, 15, 0, CET), 60, "");
	CHECK_WHEN("2026-12-03 3 PM online", at(2026, 12, 3, 15, 0, CET), 60, "online");
	CHECK_WHEN("12/3/2026 3:00 PM", at(2026, 12, 3, 15, 0, CET), 60, "");
	CHECK_WHEN("12/3/2026 9:15 a.m. Zoom", at(2026, 12, 3, 9, 15, CET), 60, "Zoom");
	CHECK_WHEN("12/3 12 am", at(2026, 12, 3, 0, 0, CET), 60, "");
	CHECK_WHEN("12/3/2026 12pm", at(2026, 12, 3, 12, 0, CET), 60, "");
}

static void
test_relative_days(void)
{
	CHECK_WHEN("morgen 15 Uhr", at(2026, 11, 21, 15, 0, CET), 60, "");
	CHECK_WHEN("Morgen um 15:00 Uhr Raum 1", at(2026, 11, 21, 15, 0, CET), 60, "Raum 1");
	CHECK_WHEN("tomorrow 3pm", at(2026, 11, 21, 15, 0, CET), 60, "");
	CHECK_WHEN("Tomorrow at 3 pm 45min Skype", at(2026, 11, 21, 15, 0, CET), 45, "Skype");
	CHECK_WHEN("heute 18:00", at(2026, 11, 20, 18, 0, CET), 60, "");
	CHECK_WHEN("today 6pm", at(2026, 11, 20, 18, 0, CET), 60, "");
	CHECK_WHEN("übermorgen 10 Uhr", at(2026, 11, 22, 10, 0, CET), 60, "");
	/* month and year roll over */
	CHECK_WHEN_AT("morgen 9 Uhr", at(2026, 12, 31, 12, 0, CET), at(2027, 1, 1, 9, 0, CET), 60, "");
}

static void
test_year_omitted_means_next_such_date(void)
{
	/* 3.12. is ahead this year; 1.3. and 20.11. 09:00 have passed → next year */
	CHECK_WHEN("3.12. 15 Uhr", at(2026, 12, 3, 15, 0, CET), 60, "");
	CHECK_WHEN("1.3. 15 Uhr", at(2027, 3, 1, 15, 0, CET), 60, "");
	CHECK_WHEN("20.11. 9:00", at(2027, 11, 20, 9, 0, CET), 60, "");
	CHECK_WHEN("20.11. 11:00", at(2026, 11, 20, 11, 0, CET), 60, "");
	CHECK_WHEN("1.7. 10:00", at(2027, 7, 1, 10, 0, CEST), 60, "");
	/* 29.2. waits for the next leap year */
	CHECK_WHEN("29.2. 10:00", at(2028, 2, 29, 10, 0, CET), 60, "");
}

static void
test_durations(void)
{
	CHECK_WHEN("3.12.2026 15:00 60", at(2026, 12, 3, 15, 0, CET), 60, "");
	CHECK_WHEN("3.12.2026 15:00 60min Raum 5", at(2026, 12, 3, 15, 0, CET), 60, "Raum 5");
	CHECK_WHEN("3.12.2026 15:00 90 Minuten Raum 5", at(2026, 12, 3, 15, 0, CET), 90, "Raum 5");
	CHECK_WHEN("3.12.2026 15:00 1h", at(2026, 12, 3, 15, 0, CET), 60, "");
	CHECK_WHEN("3.12.2026 15:00 1,5h Mensa", at(2026, 12, 3, 15, 0, CET), 90, "Mensa");
	CHECK_WHEN("3.12.2026 15:00 1.5 h", at(2026, 12, 3, 15, 0, CET), 90, "");
	CHECK_WHEN("3.12.2026 15:00 2 Std", at(2026, 12, 3, 15, 0, CET), 120, "");
	CHECK_WHEN("3.12.2026 15:00 2 Std. Aula", at(2026, 12, 3, 15, 0, CET), 120, "Aula");
	CHECK_WHEN("3.12.2026 15:00 2 Stunden", at(2026, 12, 3, 15, 0, CET), 120, "");
	CHECK_WHEN("2026-12-03 3pm 2 hours Room 4", at(2026, 12, 3, 15, 0, CET), 120, "Room 4");
	CHECK_WHEN("2026-12-03 3pm 1h30 Room 4", at(2026, 12, 3, 15, 0, CET), 90, "Room 4");
	CHECK_WHEN("2026-12-03 3pm 45 mins", at(2026, 12, 3, 15, 0, CET), 45, "");
	/* a place that starts with a decimal number is no duration */
	CHECK_WHEN("3.12.2026 15:00 3.14 Hörsaal", at(2026, 12, 3, 15, 0, CET), 60, "3.14 Hörsaal");
	/* ranges give the duration */
	CHECK_WHEN("3.12.2026 15:00-16:30 Raum 2", at(2026, 12, 3, 15, 0, CET), 90, "Raum 2");
	CHECK_WHEN("3.12. 15 - 16 Uhr", at(2026, 12, 3, 15, 0, CET), 60, "");
	CHECK_WHEN("3.12. 15 bis 17 Uhr Mensa", at(2026, 12, 3, 15, 0, CET), 120, "Mensa");
	CHECK_WHEN("2026-12-03 3-4:30pm", at(2026, 12, 3, 15, 0, CET), 90, "");
	CHECK_WHEN("2026-12-03 11-1pm", at(2026, 12, 3, 11, 0, CET), 120, "");
}

static void
test_dst_switches(void)
{
	/* 29 March 2026: 02:00 CET → 03:00 CEST */
	CHECK_WHEN("29.3.2027 01:59", at(2027, 3, 29, 1, 59, CEST), 60, ""); /* 2027 switches on the 28th */
	CHECK_WHEN_AT("29.3.2026 01:59", at(2026, 3, 1, 0, 0, CET), at(2026, 3, 29, 1, 59, CET), 60, "");
	CHECK_WHEN_AT("29.3.2026 03:00", at(2026, 3, 1, 0, 0, CET), at(2026, 3, 29, 3, 0, CEST), 60, "");
	CHECK(at(2026, 3, 29, 3, 0, CEST) - at(2026, 3, 29, 1, 59, CET) == 60);
	{
		struct when w;
		CHECK(when_parse("29.3.2026 02:30", at(2026, 3, 1, 0, 0, CET), &w) == WHEN_ERR_NO_SUCH_TIME);
	}
	/* 25 October 2026: 03:00 CEST → 02:00 CET; 02:30 happens twice, the first is meant */
	CHECK_WHEN_AT("25.10.2026 02:30", at(2026, 10, 1, 0, 0, CEST), at(2026, 10, 25, 2, 30, CEST), 60, "");
	CHECK_WHEN_AT("25.10.2026 01:59", at(2026, 10, 1, 0, 0, CEST), at(2026, 10, 25, 1, 59, CEST), 60, "");
	CHECK_WHEN_AT("25.10.2026 03:00", at(2026, 10, 1, 0, 0, CEST), at(2026, 10, 25, 3, 0, CET), 60, "");
	/* "tomorrow" across the switch keeps the wall time */
	CHECK_WHEN_AT("morgen 10 Uhr", at(2026, 3, 28, 12, 0, CET), at(2026, 3, 29, 10, 0, CEST), 60, "");
	CHECK_WHEN_AT("tomorrow 10am", at(2026, 10, 24, 12, 0, CEST), at(2026, 10, 25, 10, 0, CET), 60, "");
	/* the exact instants checked against zoneinfo by hand */
	CHECK(at(2026, 10, 25, 2, 30, CEST) == 1792888200);
	CHECK(at(2026, 3, 29, 3, 0, CEST) == 1774746000);
}

static void
test_local_conversions(void)
{
	struct when_tm tm;
	int64_t t;
	CHECK(when_local_to_epoch(2026, 12, 3, 15, 0, &t) == 0 && t == at(2026, 12, 3, 15, 0, CET));
	CHECK(when_local_to_epoch(2026, 7, 1, 0, 0, &t) == 0 && t == at(2026, 7, 1, 0, 0, CEST));
	CHECK(when_local_to_epoch(2026, 2, 29, 10, 0, &t) == WHEN_ERR_BAD_DATE);
	CHECK(when_local_to_epoch(2026, 3, 29, 2, 0, &t) == WHEN_ERR_NO_SUCH_TIME);
	CHECK(when_epoch_to_local(at(2026, 10, 25, 2, 30, CEST), &tm) == 0);
	CHECK(tm.year == 2026 && tm.mon == 10 && tm.day == 25 && tm.hour == 2 && tm.min == 30 && tm.utc_offset == 7200);
	CHECK(tm.wday == 0);
	CHECK(when_epoch_to_local(at(2026, 10, 25, 2, 30, CET), &tm) == 0);
	CHECK(tm.hour == 2 && tm.min == 30 && tm.utc_offset == 3600);
	CHECK(when_epoch_to_local(NOW, &tm) == 0 && tm.wday == 5 && tm.hour == 10);
}

static void
test_errors(void)
{
	CHECK_ERR("", WHEN_ERR_EMPTY);
	CHECK_ERR("   ", WHEN_ERR_EMPTY);
	CHECK_ERR("irgendwann", WHEN_ERR_DATE);
	CHECK_ERR("next week", WHEN_ERR_DATE);
	CHECK_ERR("3.12.2026", WHEN_ERR_TIME);
	CHECK_ERR("3.12.2026 15", WHEN_ERR_TIME); /* bare hour: could be a duration */
	CHECK_ERR("3.12.2026 25:00", WHEN_ERR_TIME);
	CHECK_ERR("3.12.2026 15:60", WHEN_ERR_TIME);
	CHECK_ERR("2026-12-03 13pm", WHEN_ERR_TIME);
	CHECK_ERR("31.2.2027 10:00", WHEN_ERR_BAD_DATE);
	CHECK_ERR("3.13.2026 10:00", WHEN_ERR_BAD_DATE);
	CHECK_ERR("2026-00-10 10:00", WHEN_ERR_BAD_DATE);
	CHECK_ERR("29.2.2027 10:00", WHEN_ERR_BAD_DATE);
	CHECK_ERR("12/3/2026 15:00", WHEN_ERR_AMBIGUOUS); /* US order only with AM/PM */
	CHECK_ERR("3.12.2025 15:00", WHEN_ERR_PAST);
	CHECK_ERR("20.11.2026 09:59", WHEN_ERR_PAST);
	CHECK_ERR("heute 9 Uhr", WHEN_ERR_PAST);
	CHECK_ERR("today 9am", WHEN_ERR_PAST);
	CHECK_ERR("3.12.2026 15:00 0min", WHEN_ERR_DURATION);
	CHECK_ERR("3.12.2026 15:00 25h", WHEN_ERR_DURATION);
	CHECK_ERR("3.12.2026 15:00 99999999 min", WHEN_ERR_DURATION);
	CHECK_ERR("3.12.2026 16:00-15:00", WHEN_ERR_DURATION);
	CHECK_ERR("3.12.2026.5 15:00", WHEN_ERR_DATE);
	CHECK_ERR("99999999999999999999 15:00", WHEN_ERR_DATE);
	{
		struct when w;
		CHECK(when_parse(NULL, NOW, &w) == WHEN_ERR_EMPTY);
	}
}

int
main(void)
{
	RUN(test_german_dates);
	RUN(test_iso_and_us_dates);
	RUN(test_relative_days);
	RUN(test_year_omitted_means_next_such_date);
	RUN(test_durations);
	RUN(test_dst_switches);
	RUN(test_local_conversions);
	RUN(test_errors);
	return t_done();
}
