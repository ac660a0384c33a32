/*
 * h_apply.h - what handlers/h_apply.c shares with the staff command
 * "programme" (handlers/h_programme.c).
 */
#ifndef MB_H_APPLY_H
#define MB_H_APPLY_H

/* The position of a profile field name ("topics", "visible", ...) in the
 * application form, or -1 when f names no field. */
int h_apply_field_index(const char *f);

#endif
