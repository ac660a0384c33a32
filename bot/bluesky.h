/*
 * bluesky.h - the Bluesky transport (transport.h): a sender thread that posts the queued
 * "bluesky" outbox rows (social posts, bot/social.h) to the account's PDS.
 */
#ifndef MB_BLUESKY_H
#define MB_BLUESKY_H

#include "transport.h"

extern const struct transport_ops bluesky_transport_ops;

#endif
