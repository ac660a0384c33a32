/*
 * ical_dl.c - see ical_dl.h.
 */
#include "ical_dl.h"

#include <dlfcn.h>
#include <pthread.h>

#include "util.h"

/* the soname of Debian 12's libical3 */
#define LIBICAL_SONAME "libical.so.3"

struct ical_dl_table ical_dl;

static pthread_once_t dl_once = PTHREAD_ONCE_INIT;
static int dl_state = -1;

static void
dl_load(void)
{
	void *h = dlopen(LIBICAL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		log_err("ical: cannot load %s: %s; calendar invitations and replies are off", LIBICAL_SONAME,
			dlerror());
		return;
	}
#define ICAL_DL_RESOLVE(f)                                                                                             \
	if (!(*(void **)&ical_dl.f = dlsym(h, #f))) {                                                                  \
		log_err("ical: %s has no %s; calendar invitations and replies are off", LIBICAL_SONAME, #f);           \
		return;                                                                                                \
	}
	ICAL_DL_FUNCS(ICAL_DL_RESOLVE)
#undef ICAL_DL_RESOLVE
	dl_state = 0;
}

int
ical_dl_open(void)
{
	pthread_once(&dl_once, dl_load);
	return dl_state;
}
