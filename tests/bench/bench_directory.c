/*
 * bench_directory.c - figures for the alumni directory (issue 13, Benchmark):
 * 50,000 alumni (each with a mail address, an active membership of "alumni"
 * and nine visible profile fields: name, graduation year, field of study,
 * company, position, city, topics, languages, open to), indexed by the
 * triggers of schema 12 as the daemon indexes them.
 *
 *   bench.network.find_alumni_ms_p50   "find alumni <words>" by mail, from the journal row to
 *   bench.network.find_alumni_ms_p99   the committed reply in the outbox (one dispatch: the
 *                                      search, the stored hits, the rendered answer), over
 *                                      200 searches of one to three words (German and
 *                                      English, umlauts, prefixes)
 *   bench.network.search_ms_p50        the search alone (dir_alumni_find)
 *   bench.network.rss_50k_alumni_kb    the bench process's peak RSS (getrusage ru_maxrss) with
 *                                      the 50,000 alumni loaded and searched: the bot's core in
 *                                      one process with one database connection like a
 *                                      daemon thread's (the population went through a second
 *                                      connection, closed before the searches)
 *
 * Built by make (build/bench/bench_directory) and run by make bench.
 */
#define T_MAXOUT 64
#include "../unit/t_bot.h"

#include <sqlite3.h>
#include <sys/resource.h>
#include <time.h>

#include "state/directory.h"

#define ALUMNI 50000
#define SEARCHES 200

static double
ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static const char *const first[] = {"Anna", "Ben", "Clara", "David", "Elif",  "Felix",  "Greta", "Hannah", "Jonas",
				    "Lea",  "Max", "Nora",  "Oskar", "Paula", "Quirin", "Rosa",  "Sven",   "Tara"};
static const char *const last[] = {"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer",   "Wagner",
				   "Becker", "Schulz",  "Hoffmann",  "Koch",    "Bauer", "Richter", "Klein"};
static const char *const fields[] = {
	"Informatik",  "Maschinenbau", "Elektrotechnik",         "computer science",      "Betriebswirtschaft",
	"Physik",      "Mathematik",   "mechanical engineering", "Wirtschaftsinformatik", "Chemie",
	"Architektur", "Psychologie"};
static const char *const companies[] = {"Siemens",  "Bosch",       "SAP",        "BMW",       "Allianz",
					"Infineon", "Zeiss",       "Trumpf",     "Festo",     "Datev",
					"Adidas",   "Continental", "Stadtwerke", "Fraunhofer"};
static const char *const positions[] = {"Software Engineer", "Entwicklerin",    "Projektleiter",
					"Data Scientist",    "Beraterin",       "Teamleiter",
					"Ingenieur",         "Product Manager", "Researcher"};
static const char *const cities[] = {"München",    "Köln",      "Berlin",  "Hamburg", "Nürnberg", "Stuttgart",
				     "Düsseldorf", "Frankfurt", "Leipzig", "Wien",    "Zürich",   "Erlangen"};
static const char *const topics[] = {
	"machine learning", "robotics", "Praktikum",      "embedded",   "cloud",   "Gründung", "Vorträge",
	"security",         "data",     "Nachhaltigkeit", "automotive", "finance", "career",   "Abschlussarbeit",
	"startup",          "UX"};
static const char *const queries[] = {"Informatik",
				      "computer science München",
				      "Maschinenbau Köln",
				      "Siemens",
				      "muenchen",
				      "robotics",
				      "Praktikum",
				      "internship Berlin",
				      "Data Scientist",
				      "Entwicklerin SAP",
				      "nurnberg embedded",
				      "thesis",
				      "Beraterin Zürich",
				      "machine learning",
				      "Physik 2015",
				      "Fraunhofer Researcher",
				      "Gründung",
				      "security cloud",
				      "talks",
				      "Wirtschaftsinf"};

#define PICK(a, i) (a)[(unsigned)(i) % ARRAY_LEN(a)]

static int
populate(void)
{
	sqlite3 *h;
	if (sqlite3_open(dbpath, &h) != SQLITE_OK)
		return -1;
	char *err = NULL;
	int rc = sqlite3_exec(h, "BEGIN", NULL, NULL, &err);
	sqlite3_stmt *p = NULL, *e = NULL, *m = NULL, *f = NULL;
	sqlite3_prepare_v2(h, "INSERT INTO person(id, lang, created) VALUES (?, 'de', 1)", -1, &p, NULL);
	sqlite3_prepare_v2(h,
			   "INSERT INTO endpoint(person_id, kind, address, verified, created) VALUES (?1, 'mail',"
			   " 'alum' || ?1 || '@example.test', 1, 1)",
			   -1, &e, NULL);
	sqlite3_prepare_v2(h,
			   "INSERT INTO membership(person_id, programme, role, status, since)"
			   " VALUES (?, 'alumni', 'alumnus', 'active', 1)",
			   -1, &m, NULL);
	sqlite3_prepare_v2(h, "INSERT INTO profile(person_id, field, value, visible) VALUES (?, ?, ?, 1)", -1, &f,
			   NULL);
	for (int i = 1; i <= ALUMNI && rc == SQLITE_OK; i++) {
		unsigned r = (unsigned)i * 2654435761u;
		char name[64], year[8], tp[128];
		snprintf(name, sizeof name, "%s %s", PICK(first, r >> 3), PICK(last, r >> 9));
		snprintf(year, sizeof year, "%d", 1990 + (int)((r >> 5) % 36));
		snprintf(tp, sizeof tp, "%s, %s", PICK(topics, r >> 11), PICK(topics, r >> 17));
		const char *kv[][2] = {{"name", name},
				       {"year", year},
				       {"field", PICK(fields, r >> 7)},
				       {"company", PICK(companies, r >> 13)},
				       {"position", PICK(positions, r >> 15)},
				       {"city", PICK(cities, r >> 19)},
				       {"topics", tp},
				       {"languages", (r >> 21) % 3 ? "de, en" : "de, en, fr"},
				       {"open_to", (r >> 23) % 4 ? "mentoring, contact" : "talks, internships"}};
		sqlite3_stmt *one[] = {p, e, m};
		for (size_t k = 0; k < 3; k++) {
			sqlite3_bind_int(one[k], 1, i);
			if (sqlite3_step(one[k]) != SQLITE_DONE)
				rc = SQLITE_ERROR;
			sqlite3_reset(one[k]);
		}
		for (size_t k = 0; k < ARRAY_LEN(kv); k++) {
			sqlite3_bind_int(f, 1, i);
			sqlite3_bind_text(f, 2, kv[k][0], -1, SQLITE_STATIC);
			sqlite3_bind_text(f, 3, kv[k][1], -1, SQLITE_TRANSIENT);
			if (sqlite3_step(f) != SQLITE_DONE)
				rc = SQLITE_ERROR;
			sqlite3_reset(f);
		}
	}
	sqlite3_finalize(p);
	sqlite3_finalize(e);
	sqlite3_finalize(m);
	sqlite3_finalize(f);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, "COMMIT; INSERT INTO alumni_fts(alumni_fts) VALUES ('optimize')", NULL, NULL,
				  &err);
	if (rc != SQLITE_OK)
		fprintf(stderr, "populate: %s\n", err ? err : sqlite3_errmsg(h));
	sqlite3_free(err);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : -1;
}

int
main(void)
{
	static double ms[SEARCHES], sms[SEARCHES];
	if (t_bot_open("bench-directory", NULL, NULL))
		return 1;
	double t0 = ms_now();
	if (populate() < 0)
		return 1;
	double load_s = (ms_now() - t0) / 1e3;
	/* the student who searches */
	int64_t me;
	db_begin(db);
	state_person_create(db, "en", &me);
	state_endpoint_add(db, me, "mail", "student@example.test", 1);
	state_membership_set(db, me, "mentoring", "mentee", "active");
	db_commit(db);
	struct out o;
	size_t hits = 0;
	for (int i = 0; i < SEARCHES; i++) {
		const char *q = queries[i % ARRAY_LEN(queries)];
		char *subject = xasprintf("find alumni %s", q);
		double t = ms_now();
		int rc = deliver("student@example.test", subject, NULL, "");
		ms[i] = ms_now() - t;
		if (rc != DISP_DONE)
			fprintf(stderr, "%s: dispatch result %d\n", subject, rc);
		take("mail", &o);
		if (find(&o, "student@example.test", "alumni.find.results") >= 0)
			hits++;
		out_free(&o);
		free(subject);
		char *expr = dir_match_expr(q);
		int64_t *ids = NULL;
		size_t n = 0;
		t = ms_now();
		db_begin(db);
		dir_alumni_find(db, expr, me, DIR_HITS_MAX, &ids, &n);
		db_commit(db);
		sms[i] = ms_now() - t;
		free(ids);
		free(expr);
	}
	qsort(ms, SEARCHES, sizeof *ms, cmp_d);
	qsort(sms, SEARCHES, sizeof *sms, cmp_d);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("bench.network.find_alumni_ms_p50: %.2f\n", ms[SEARCHES / 2]);
	printf("bench.network.find_alumni_ms_p99: %.2f\n", ms[SEARCHES * 99 / 100]);
	printf("bench.network.search_ms_p50: %.2f\n", sms[SEARCHES / 2]);
	printf("bench.network.rss_50k_alumni_kb: %ld\n", ru.ru_maxrss);
	printf("# %d alumni with 9 visible fields each (loaded and indexed in %.1f s), %d searches of %zu queries, "
	       "%zu with results; the whole dispatch from journal row to outbox row (targets 5, 20 ms; RSS 24 MB)\n",
	       ALUMNI, load_s, SEARCHES, ARRAY_LEN(queries), hits);
	t_bot_close();
	return 0;
}
