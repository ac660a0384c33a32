/*
 * fuzz_ical.c - libFuzzer target for the iTIP parser (ical_parse_reply):
 * what a calendar's Accept/Decline button mails back, from anyone.  The
 * first input byte picks the MIME method hint (none, REPLY, REQUEST).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ical.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hints[] = {NULL, "REPLY", "REQUEST"};
	const char *hint = size ? hints[data[0] % 3] : NULL;
	struct ical_itip it;
	int rc = ical_parse_reply((const char *)data, size, hint, &it);
	if (rc == 0 && it.nevents == 0)
		abort(); /* a REPLY is promised to hold a VEVENT */
	for (size_t i = 0; i < it.nevents; i++) {
		const struct ical_vevent *ev = &it.events[i];
		for (size_t a = 0; a < ev->nattendees; a++)
			if (ev->attendees[a].addr)
				(void)ical_find_attendee(ev, ev->attendees[a].addr);
	}
	ical_itip_free(&it);
	return 0;
}
