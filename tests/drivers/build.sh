#!/bin/sh
# Build the IMAP test driver (tests/drivers/imap_driver.c) against the daemon's
# own objects.  Run from anywhere; output in build/drivers/.
#   tests/drivers/build.sh          -> build/drivers/imap_driver
#   ASAN=1 tests/drivers/build.sh   -> build/drivers/imap_driver-asan (ASan + UBSan)
set -eu
cd "$(dirname "$0")/../.."
LIBS=$(pkg-config --libs libetpan gnutls | sed 's/-specs=[^ ]*//g')
CFLAGS_PKG=$(pkg-config --cflags libetpan gnutls)
mkdir -p build/drivers
if [ "${ASAN:-0}" = 1 ]; then
	make -s build/asan/bot/imap.o build/asan/bot/util.o
	cc -std=c11 -Wall -Wextra -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
		-D_GNU_SOURCE -I. -Ibot $CFLAGS_PKG -o build/drivers/imap_driver-asan \
		tests/drivers/imap_driver.c build/asan/bot/imap.o build/asan/bot/util.o $LIBS -lpthread
else
	make -s build/obj/bot/imap.o build/obj/bot/util.o
	cc -std=c11 -Wall -Wextra -O2 -g -D_GNU_SOURCE -I. -Ibot $CFLAGS_PKG -o build/drivers/imap_driver \
		tests/drivers/imap_driver.c build/obj/bot/imap.o build/obj/bot/util.o $LIBS -lpthread
fi
