/*
 * pay — how fees are paid (decisions §40): a payment provider is an adapter
 * with a name, the "ways" it takes (what a payment record says: counter,
 * bank_transfer, online) and what it can do. Two kinds:
 *
 *   confirmed by an officer (the built-in "manual" adapter: cash at the
 *   counter, a bank transfer the officer finds on the agency's account):
 *   confirm checks what the officer typed (a transfer needs the bank's
 *   transaction reference) and the payment is recorded at once;
 *
 *   an online gateway (VNPay, the national portal's payment platform, ...;
 *   none is built: there is no gateway to talk to here): start returns the
 *   URL to send the payer to, and the gateway's return/IPN call is checked
 *   by verify (its signature, the amount, the order reference) before the
 *   payment is recorded; its payments count as paid online (Decision 766).
 *
 * A domain records the payment (its own table, its own receipt); this
 * module only says which adapter takes a way and what it answered.
 */
#ifndef TS_PAY_H
#define TS_PAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/arena.h"

typedef struct pay_order {
    const char *reference; /* what is paid for ("000.20.01.H06-261202-0007/1") */
    int64_t amount_vnd;
    const char *description; /* for the payer's statement */
    const char *return_url;  /* gateways: where the payer comes back */
} pay_order;

/* What the officer typed (manual) or the gateway sent back (verify). */
typedef struct pay_proof {
    const char *way;       /* counter, bank_transfer, online */
    const char *reference; /* the bank's or gateway's transaction reference (NULL: none) */
    int64_t amount_vnd;    /* verify: the amount the gateway says was paid */
    const char *order;     /* verify: the order reference it was paid for */
} pay_proof;

typedef struct pay_adapter {
    const char *name;        /* "manual", "vnpay" */
    const char *const *ways; /* NULL-terminated */
    bool online;             /* its payments are online payments */
    /* manual: 0 when the proof is enough to record the payment; else a
     * reason (the field it names: "reference") in why */
    int (*confirm)(void *self, const pay_order *o, const pay_proof *p, const char **field,
                   char *why, size_t n);
    /* gateways: the URL to send the payer to */
    int (*start)(void *self, const pay_order *o, arena *a, const char **url, char *why, size_t n);
    /* gateways: check a callback (query string as received) into *p */
    int (*verify)(void *self, const char *query, arena *a, pay_proof *p, char *why, size_t n);
    void *self;
} pay_adapter;

/* The adapter that takes way (NULL: none). The manual adapter is always
 * there; pay_register adds a gateway (at start, before serving). */
const pay_adapter *pay_find(const char *way);
int pay_register(const pay_adapter *a); /* 0, or -1 when full */

#endif
