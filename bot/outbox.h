/*
 * outbox.h - the mail transport's sending half (mail_transport_ops, transport.h):
 * the shared sender (sender.h) on a thread of its own, with one SMTP handle.
 * The retry steps and the attempt cap are the shared sender's (sender.h).
 */
#ifndef MB_OUTBOX_H
#define MB_OUTBOX_H

#include "sender.h"

#endif
