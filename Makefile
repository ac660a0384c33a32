# mentorbot - one non-recursive Makefile.
#   make            build ./mentorbot
#   make test       install what is missing, build, run every test (normal + ASan/UBSan build)
#   make check      the fast inner loop: unit tests, fuzz smoke, integration smoke set
#   make asan       build build/asan/mentorbot (AddressSanitizer + UBSan)
#   make demo       run the bot against private Dovecot + OpenSMTPD on loopback
#   make bench      print the benchmark figures
#   make fuzz       build the libFuzzer targets (clang)
#   make fuzz-long  run every libFuzzer target for 10 minutes (not part of make test)
#   make install    install the binary, templates, man pages, example configuration and
#                   systemd unit (PREFIX=/usr/local, SYSCONFDIR=/etc, UNITDIR, DESTDIR)
#   make uninstall  remove what make install installed

PATHS_STAMP := build/paths.stamp
PKGS     := libetpan libcurl jansson sqlite3 gnutls libstrophe libical libseccomp inih
CC       ?= cc
VERSION  := 0.1.0
PREFIX   ?= /usr/local
# the templates the installed binary reads when [bot] templates is not set
TEMPLATES_DIR ?= $(PREFIX)/share/mentorbot/templates
SYSCONFDIR ?= /etc
# the systemd unit; the Debian package uses /lib/systemd/system
UNITDIR  ?= $(PREFIX)/lib/systemd/system
WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wno-unused-parameter
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Debian's libetpan.pc leaks -specs=…no-pie-link.specs (non-PIE, needs libdpkg-perl): drop it.
# libical is loaded with dlopen() on first use (bot/ical_dl.h): the daemon does not link it;
# the unit tests, which call it directly, do.
PKG_LIBS   := $(shell pkg-config --libs $(filter-out libical,$(PKGS)) 2>/dev/null | sed 's/-specs=[^ ]*//g')
ICAL_LIBS  := $(shell pkg-config --libs libical 2>/dev/null)
CFLAGS   ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -DMENTORBOT_VERSION='"$(VERSION)"' -DMENTORBOT_TEMPLATES='"$(TEMPLATES_DIR)"' -I. -Ibot $(PKG_CFLAGS)
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS)
LDLIBS   += $(PKG_LIBS) -ldl -lpthread

SRCS     := $(sort $(wildcard bot/*.c handlers/*.c state/*.c))
LIB_SRCS := $(filter-out bot/main.c,$(SRCS))
OBJS     := $(SRCS:%.c=build/obj/%.o)
LIB_OBJS := $(LIB_SRCS:%.c=build/obj/%.o)
ASAN_OBJS     := $(SRCS:%.c=build/asan/%.o)
ASAN_LIB_OBJS := $(LIB_SRCS:%.c=build/asan/%.o)
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=build/tests/%)
UNIT_ASAN  := $(UNIT_SRCS:tests/unit/%.c=build/asan/tests/%)

.PHONY: all test check asan unit deps demo bench fuzz fuzz-long clean format check-build install uninstall FORCE
all: mentorbot

# The compiled-in paths (TEMPLATES_DIR, from PREFIX) in a file that changes only when they
# do: "make install PREFIX=/usr" after "make" rebuilds the objects with the new default.
build/paths.stamp: FORCE
	@mkdir -p build
	@echo '$(TEMPLATES_DIR)' | cmp -s - $@ || echo '$(TEMPLATES_DIR)' > $@

mentorbot: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

build/obj/%.o: %.c $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

build/asan/%.o: %.c $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -std=c11 $(WARN) $(ASAN_FLAGS) -MMD -MP -c -o $@ $<

build/asan/mentorbot: $(ASAN_OBJS)
	$(CC) $(ASAN_FLAGS) -o $@ $(ASAN_OBJS) $(LDLIBS)

# The C programs of make bench (tests/bench/*.c), linked like the unit tests.
build/bench/%: tests/bench/%.c $(LIB_OBJS) $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS)

build/tests/%: tests/unit/%.c tests/unit/t.h $(LIB_OBJS) $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS) $(ICAL_LIBS)

build/asan/tests/%: tests/unit/%.c tests/unit/t.h $(ASAN_LIB_OBJS) $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -std=c11 $(WARN) $(ASAN_FLAGS) -o $@ $< $(ASAN_LIB_OBJS) $(LDLIBS) $(ICAL_LIBS)

unit: $(UNIT_BINS) $(UNIT_ASAN)

asan: build/asan/mentorbot $(UNIT_ASAN)

deps:
	scripts/install-deps.sh

# Build after installing, in a sub-make so pkg-config sees the new packages.
test:
	scripts/install-deps.sh
	$(MAKE) -j2 mentorbot asan unit
	tests/run.sh

# The fast inner loop (a few minutes): the unit tests, each fuzz target for 3 s, and the
# integration smoke set with ./mentorbot.  make test before submitting.
check:
	scripts/install-deps.sh
	$(MAKE) -j2 mentorbot $(UNIT_BINS) fuzz
	MB_UNIT_DIRS=build/tests MB_FUZZ_SECONDS=3 MB_SMOKE_ONLY=1 tests/run.sh

demo:
	scripts/install-deps.sh
	$(MAKE) mentorbot
	tests/tools/demo.sh

bench:
	scripts/install-deps.sh bench
	$(MAKE) mentorbot build/bench/bench_privacy build/bench/bench_directory
	tests/bench/run.sh
	build/bench/bench_privacy 2>/dev/null
	build/bench/bench_directory 2>/dev/null

# The library is compiled once for all targets (instrumented, without libFuzzer's
# main); each target links it with its own entry point.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_OBJS := $(LIB_SRCS:%.c=build/fuzz/obj/%.o)
FUZZ_SAN  := -g -O1 -fsanitize=address,undefined
fuzz: $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
build/fuzz/obj/%.o: %.c $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
build/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(LDLIBS)

fuzz-long: fuzz
	tests/fuzz/long.sh

# make install [PREFIX=/usr/local] [SYSCONFDIR=/etc] [UNITDIR=…] [DESTDIR=…]: the binary is
# (re)built with the same PREFIX, so it finds the installed templates by default.
DIST_MAN8 := dist/mentorbot.8
DIST_MAN5 := dist/mentorbot.ini.5
DIST_UNIT := dist/mentorbot.service
DIST_CONF := dist/mentorbot.ini.example
TEMPLATE_FILES := $(sort $(wildcard templates/de/*.txt templates/en/*.txt))
INSTALL  ?= install
install: mentorbot
	$(INSTALL) -D -m 0755 mentorbot $(DESTDIR)$(PREFIX)/sbin/mentorbot
	for f in $(TEMPLATE_FILES); do \
		$(INSTALL) -D -m 0644 $$f $(DESTDIR)$(TEMPLATES_DIR)/$${f#templates/} || exit 1; \
	done
	$(INSTALL) -D -m 0644 $(DIST_MAN8) $(DESTDIR)$(PREFIX)/share/man/man8/mentorbot.8
	$(INSTALL) -D -m 0644 $(DIST_MAN5) $(DESTDIR)$(PREFIX)/share/man/man5/mentorbot.ini.5
	$(INSTALL) -D -m 0644 $(DIST_CONF) $(DESTDIR)$(SYSCONFDIR)/mentorbot/mentorbot.ini.example
	$(INSTALL) -D -m 0644 $(DIST_UNIT) $(DESTDIR)$(UNITDIR)/mentorbot.service

# Removes the files and the directories that are left empty (never /etc/mentorbot/mentorbot.ini).
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/mentorbot
	rm -f $(addprefix $(DESTDIR)$(TEMPLATES_DIR)/,$(TEMPLATE_FILES:templates/%=%))
	-rmdir $(DESTDIR)$(TEMPLATES_DIR)/de $(DESTDIR)$(TEMPLATES_DIR)/en $(DESTDIR)$(TEMPLATES_DIR) \
		$(DESTDIR)$(PREFIX)/share/mentorbot 2>/dev/null
	rm -f $(DESTDIR)$(PREFIX)/share/man/man8/mentorbot.8 $(DESTDIR)$(PREFIX)/share/man/man5/mentorbot.ini.5
	rm -f $(DESTDIR)$(SYSCONFDIR)/mentorbot/mentorbot.ini.example
	-rmdir $(DESTDIR)$(SYSCONFDIR)/mentorbot 2>/dev/null
	rm -f $(DESTDIR)$(UNITDIR)/mentorbot.service

format:
	clang-format -i bot/*.[ch] handlers/*.[ch] state/*.[ch] tests/unit/*.[ch]

clean:
	rm -rf build mentorbot

-include $(OBJS:.o=.d) $(ASAN_OBJS:.o=.d) $(FUZZ_OBJS:.o=.d)

# make corpus: score quote_strip() on the shared reply-parser corpus (../shared/corpus,
# or CORPUS_DIR): exact-match score per set and overall; -v lists the misses.
.PHONY: corpus
corpus: $(LIB_OBJS)
	tests/corpus/run.sh
