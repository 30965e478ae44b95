/*
 * fuzz_config — a configuration file as an operator (or a broken editor)
 * might write it: any bytes through config_parse, whose table drives the
 * parsing and range checks of every key. The answer is the settings or an
 * error naming the key; never a crash, a leak or a value outside its range.
 */
#include <stdint.h>
#include <stdlib.h>

#include "app/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    app_config c;
    config_defaults(&c);
    ts_err e;
    ts_err_clear(&e);
    if (config_parse((const char *)data, size, &c, &e) == TS_OK) {
        /* what the table lets through stays in its ranges */
        if (c.http.max_body == 0 || c.http.timeout_s < 1 || c.http.nproxies > HTTP_MAX_PROXIES)
            abort();
    } else {
        char out[512];
        ts_msg_render(out, sizeof out, e.msg, e.arg, 0);
        for (int i = 0; i < e.nfields; i++)
            ts_msg_render(out, sizeof out, e.fields[i].msg, e.fields[i].arg, 1);
    }
    return 0;
}
