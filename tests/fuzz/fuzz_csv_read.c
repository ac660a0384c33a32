/*
 * fuzz_csv_read.c - libFuzzer target: any bytes through the import's CSV reader
 * (bot/csv_read.h).  Checks: every field is valid UTF-8 without NUL and within
 * CSV_MAX_FIELD bytes; rows within the limits and their lines increasing; the
 * header map points inside the header; every value of every row is a string.
 * Seed corpus: tests/fixtures/csv_read/.
 */
#include "csv_read.h"
#include "mime.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_table t;
	size_t line = 0;
	int rc = csv_read((const char *)data, size, &t, &line);
	if (t.sep != ';' && t.sep != ',')
		abort();
	if (rc != CSV_OK && line == 0 && rc != CSV_EMPTY)
		abort();
	if (t.nrows > CSV_MAX_ROWS)
		abort();
	for (size_t r = 0; r < t.nrows; r++) {
		if (t.rows[r].nfields == 0 || t.rows[r].nfields > CSV_MAX_FIELDS)
			abort();
		if (r && t.rows[r].line <= t.rows[r - 1].line)
			abort();
		for (size_t f = 0; f < t.rows[r].nfields; f++) {
			const char *s = t.rows[r].fields[f];
			size_t n = strlen(s);
			if (n > CSV_MAX_FIELD || !utf8_valid(s, n))
				abort();
		}
	}
	if (rc == CSV_OK) {
		int map[CSV_NCOLS];
		char *unknown = NULL;
		csv_header_map(&t.rows[0], map, &unknown);
		for (int c = 0; c < CSV_NCOLS; c++)
			if (map[c] >= (int)t.rows[0].nfields)
				abort();
		for (size_t r = 1; r < t.nrows; r++)
			for (int c = 0; c < CSV_NCOLS; c++)
				free(csv_value(&t.rows[r], map, (enum csv_col)c));
		free(unknown);
	}
	csv_table_free(&t);
	return 0;
}
