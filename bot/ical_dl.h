/*
 * ical_dl.h - libical, loaded with dlopen() the first time the bot builds or
 * reads a calendar.  libical pulls in ICU and libstdc++ (about 3.5 MB of
 * resident memory at load); a bot that never touches a calendar or a date
 * never pays for it.  Only bot/ical.c and bot/when.c use libical: they include
 * this header after
 * <libical/ical.h> with ICAL_DL_NAMES defined, which turns every libical
 * call in it into a call through the table below.  The list holds exactly
 * the functions ical.c and when.c call; a new one is added here (the build fails
 * until it is, and the link of ./mentorbot has no -lical to hide it).
 */
#ifndef MB_ICAL_DL_H
#define MB_ICAL_DL_H

#include <libical/ical.h>

#define ICAL_DL_FUNCS(X)                                                                                               \
	X(icalcomponent_add_component)                                                                                 \
	X(icalcomponent_add_property)                                                                                  \
	X(icalcomponent_as_ical_string_r)                                                                              \
	X(icalcomponent_count_components)                                                                              \
	X(icalcomponent_free)                                                                                          \
	X(icalcomponent_get_dtstart)                                                                                   \
	X(icalcomponent_get_first_component)                                                                           \
	X(icalcomponent_get_first_property)                                                                            \
	X(icalcomponent_get_next_component)                                                                            \
	X(icalcomponent_get_next_property)                                                                             \
	X(icalcomponent_get_uid)                                                                                       \
	X(icalcomponent_isa)                                                                                           \
	X(icalcomponent_new)                                                                                           \
	X(icalcomponent_new_clone)                                                                                     \
	X(icalcomponent_remove_component)                                                                              \
	X(icalerror_set_errors_are_fatal)                                                                              \
	X(icalmemory_free_buffer)                                                                                      \
	X(icalparameter_enum_to_string)                                                                                \
	X(icalparameter_get_cn)                                                                                        \
	X(icalparameter_get_partstat)                                                                                  \
	X(icalparameter_get_rsvp)                                                                                      \
	X(icalparameter_get_tzid)                                                                                      \
	X(icalparameter_get_xvalue)                                                                                    \
	X(icalparameter_new_cn)                                                                                        \
	X(icalparameter_new_partstat)                                                                                  \
	X(icalparameter_new_role)                                                                                      \
	X(icalparameter_new_rsvp)                                                                                      \
	X(icalparameter_new_tzid)                                                                                      \
	X(icalparser_parse_string)                                                                                     \
	X(icalproperty_add_parameter)                                                                                  \
	X(icalproperty_free)                                                                                           \
	X(icalproperty_get_attendee)                                                                                   \
	X(icalproperty_get_comment)                                                                                    \
	X(icalproperty_get_first_parameter)                                                                            \
	X(icalproperty_get_organizer)                                                                                  \
	X(icalproperty_get_rdate)                                                                                      \
	X(icalproperty_get_rrule)                                                                                      \
	X(icalproperty_get_sequence)                                                                                   \
	X(icalproperty_get_tzid)                                                                                       \
	X(icalproperty_get_value)                                                                                      \
	X(icalproperty_get_value_as_string)                                                                            \
	X(icalproperty_new)                                                                                            \
	X(icalproperty_new_calscale)                                                                                   \
	X(icalproperty_new_class)                                                                                      \
	X(icalproperty_new_description)                                                                                \
	X(icalproperty_new_dtstamp)                                                                                    \
	X(icalproperty_new_location)                                                                                   \
	X(icalproperty_new_method)                                                                                     \
	X(icalproperty_new_prodid)                                                                                     \
	X(icalproperty_new_sequence)                                                                                   \
	X(icalproperty_new_status)                                                                                     \
	X(icalproperty_new_summary)                                                                                    \
	X(icalproperty_new_transp)                                                                                     \
	X(icalproperty_new_tzid)                                                                                       \
	X(icalproperty_new_uid)                                                                                        \
	X(icalproperty_new_url)                                                                                        \
	X(icalproperty_new_version)                                                                                    \
	X(icalproperty_new_x)                                                                                          \
	X(icalproperty_set_tzid)                                                                                       \
	X(icalproperty_set_value)                                                                                      \
	X(icalproperty_set_x_name)                                                                                     \
	X(icaltime_as_timet_with_zone)                                                                                 \
	X(icaltime_from_timet_with_zone)                                                                               \
	X(icaltime_is_null_time)                                                                                       \
	X(icaltime_is_utc)                                                                                             \
	X(icaltime_is_valid_time)                                                                                      \
	X(icaltimezone_free)                                                                                           \
	X(icaltimezone_get_builtin_timezone)                                                                           \
	X(icaltimezone_get_component)                                                                                  \
	X(icaltimezone_get_utc_offset_of_utc_time)                                                                     \
	X(icaltimezone_get_utc_timezone)                                                                               \
	X(icaltimezone_new)                                                                                            \
	X(icaltimezone_set_component)                                                                                  \
	X(icalvalue_get_datetime)                                                                                      \
	X(icalvalue_isa)                                                                                               \
	X(icalvalue_new_caladdress)                                                                                    \
	X(icalvalue_new_datetime)

struct ical_dl_table {
#define ICAL_DL_FIELD(f) __typeof__(&f) f;
	ICAL_DL_FUNCS(ICAL_DL_FIELD)
#undef ICAL_DL_FIELD
};
extern struct ical_dl_table ical_dl;

/* Load libical and resolve every function of the list: 0, or -1 (logged) when
 * the library or one of the functions is missing.  Thread-safe; loads once. */
int ical_dl_open(void);

#endif

#ifdef ICAL_DL_NAMES
#ifndef MB_ICAL_DL_NAMES
#define MB_ICAL_DL_NAMES
#define icalcomponent_add_component (*ical_dl.icalcomponent_add_component)
#define icalcomponent_add_property (*ical_dl.icalcomponent_add_property)
#define icalcomponent_as_ical_string_r (*ical_dl.icalcomponent_as_ical_string_r)
#define icalcomponent_count_components (*ical_dl.icalcomponent_count_components)
#define icalcomponent_free (*ical_dl.icalcomponent_free)
#define icalcomponent_get_dtstart (*ical_dl.icalcomponent_get_dtstart)
#define icalcomponent_get_first_component (*ical_dl.icalcomponent_get_first_component)
#define icalcomponent_get_first_property (*ical_dl.icalcomponent_get_first_property)
#define icalcomponent_get_next_component (*ical_dl.icalcomponent_get_next_component)
#define icalcomponent_get_next_property (*ical_dl.icalcomponent_get_next_property)
#define icalcomponent_get_uid (*ical_dl.icalcomponent_get_uid)
#define icalcomponent_isa (*ical_dl.icalcomponent_isa)
#define icalcomponent_new (*ical_dl.icalcomponent_new)
#define icalcomponent_new_clone (*ical_dl.icalcomponent_new_clone)
#define icalcomponent_remove_component (*ical_dl.icalcomponent_remove_component)
#define icalerror_set_errors_are_fatal (*ical_dl.icalerror_set_errors_are_fatal)
#define icalmemory_free_buffer (*ical_dl.icalmemory_free_buffer)
#define icalparameter_enum_to_string (*ical_dl.icalparameter_enum_to_string)
#define icalparameter_get_cn (*ical_dl.icalparameter_get_cn)
#define icalparameter_get_partstat (*ical_dl.icalparameter_get_partstat)
#define icalparameter_get_rsvp (*ical_dl.icalparameter_get_rsvp)
#define icalparameter_get_tzid (*ical_dl.icalparameter_get_tzid)
#define icalparameter_get_xvalue (*ical_dl.icalparameter_get_xvalue)
#define icalparameter_new_cn (*ical_dl.icalparameter_new_cn)
#define icalparameter_new_partstat (*ical_dl.icalparameter_new_partstat)
#define icalparameter_new_role (*ical_dl.icalparameter_new_role)
#define icalparameter_new_rsvp (*ical_dl.icalparameter_new_rsvp)
#define icalparameter_new_tzid (*ical_dl.icalparameter_new_tzid)
#define icalparser_parse_string (*ical_dl.icalparser_parse_string)
#define icalproperty_add_parameter (*ical_dl.icalproperty_add_parameter)
#define icalproperty_free (*ical_dl.icalproperty_free)
#define icalproperty_get_attendee (*ical_dl.icalproperty_get_attendee)
#define icalproperty_get_comment (*ical_dl.icalproperty_get_comment)
#define icalproperty_get_first_parameter (*ical_dl.icalproperty_get_first_parameter)
#define icalproperty_get_organizer (*ical_dl.icalproperty_get_organizer)
#define icalproperty_get_rdate (*ical_dl.icalproperty_get_rdate)
#define icalproperty_get_rrule (*ical_dl.icalproperty_get_rrule)
#define icalproperty_get_sequence (*ical_dl.icalproperty_get_sequence)
#define icalproperty_get_tzid (*ical_dl.icalproperty_get_tzid)
#define icalproperty_get_value (*ical_dl.icalproperty_get_value)
#define icalproperty_get_value_as_string (*ical_dl.icalproperty_get_value_as_string)
#define icalproperty_new (*ical_dl.icalproperty_new)
#define icalproperty_new_calscale (*ical_dl.icalproperty_new_calscale)
#define icalproperty_new_class (*ical_dl.icalproperty_new_class)
#define icalproperty_new_description (*ical_dl.icalproperty_new_description)
#define icalproperty_new_dtstamp (*ical_dl.icalproperty_new_dtstamp)
#define icalproperty_new_location (*ical_dl.icalproperty_new_location)
#define icalproperty_new_method (*ical_dl.icalproperty_new_method)
#define icalproperty_new_prodid (*ical_dl.icalproperty_new_prodid)
#define icalproperty_new_sequence (*ical_dl.icalproperty_new_sequence)
#define icalproperty_new_status (*ical_dl.icalproperty_new_status)
#define icalproperty_new_summary (*ical_dl.icalproperty_new_summary)
#define icalproperty_new_transp (*ical_dl.icalproperty_new_transp)
#define icalproperty_new_tzid (*ical_dl.icalproperty_new_tzid)
#define icalproperty_new_uid (*ical_dl.icalproperty_new_uid)
#define icalproperty_new_url (*ical_dl.icalproperty_new_url)
#define icalproperty_new_version (*ical_dl.icalproperty_new_version)
#define icalproperty_new_x (*ical_dl.icalproperty_new_x)
#define icalproperty_set_tzid (*ical_dl.icalproperty_set_tzid)
#define icalproperty_set_value (*ical_dl.icalproperty_set_value)
#define icalproperty_set_x_name (*ical_dl.icalproperty_set_x_name)
#define icaltime_as_timet_with_zone (*ical_dl.icaltime_as_timet_with_zone)
#define icaltime_from_timet_with_zone (*ical_dl.icaltime_from_timet_with_zone)
#define icaltime_is_null_time (*ical_dl.icaltime_is_null_time)
#define icaltime_is_utc (*ical_dl.icaltime_is_utc)
#define icaltime_is_valid_time (*ical_dl.icaltime_is_valid_time)
#define icaltimezone_free (*ical_dl.icaltimezone_free)
#define icaltimezone_get_builtin_timezone (*ical_dl.icaltimezone_get_builtin_timezone)
#define icaltimezone_get_component (*ical_dl.icaltimezone_get_component)
#define icaltimezone_get_utc_offset_of_utc_time (*ical_dl.icaltimezone_get_utc_offset_of_utc_time)
#define icaltimezone_get_utc_timezone (*ical_dl.icaltimezone_get_utc_timezone)
#define icaltimezone_new (*ical_dl.icaltimezone_new)
#define icaltimezone_set_component (*ical_dl.icaltimezone_set_component)
#define icalvalue_get_datetime (*ical_dl.icalvalue_get_datetime)
#define icalvalue_isa (*ical_dl.icalvalue_isa)
#define icalvalue_new_caladdress (*ical_dl.icalvalue_new_caladdress)
#define icalvalue_new_datetime (*ical_dl.icalvalue_new_datetime)
#endif
#endif
