/* pay — payment adapters; see pay.h. */
#include "pay.h"

#include <stdio.h>
#include <string.h>

static const char *const manual_ways[] = {"counter", "bank_transfer", NULL};

/* cash needs nothing more; a transfer needs the bank's reference, so that
 * the payment can be found on the agency's statement */
static int manual_confirm(void *self, const pay_order *o, const pay_proof *p, const char **field,
                          char *why, size_t n)
{
    (void)self;
    (void)o;
    *field = NULL;
    if (!strcmp(p->way, "bank_transfer") && (!p->reference || !*p->reference)) {
        *field = "reference";
        snprintf(why, n, "a bank transfer needs its transaction reference");
        return -1;
    }
    return 0;
}

static const pay_adapter manual = {"manual", manual_ways, false, manual_confirm, NULL, NULL, NULL};

#define PAY_MAX 8
static const pay_adapter *registered[PAY_MAX] = {&manual};
static int nregistered = 1;

int pay_register(const pay_adapter *a)
{
    if (nregistered >= PAY_MAX) return -1;
    registered[nregistered++] = a;
    return 0;
}

const pay_adapter *pay_find(const char *way)
{
    if (!way) return NULL;
    for (int i = nregistered - 1; i >= 0; i--)
        for (const char *const *w = registered[i]->ways; w && *w; w++)
            if (!strcmp(*w, way)) return registered[i];
    return NULL;
}
