/* fuzz_genai.c - libFuzzer harness: GenAI call recognition (genai_span_call,
 * genai_log_call) and pricing on spans and log records decoded from the
 * input as OTLP/JSON (traces, then logs), so attribute values, message JSON
 * and events are all attacker-controlled. */
#include "ingest/genai.h"
#include "ingest/otlp.h"
#include "ingest/pricing.h"

#include <math.h>
#include <stdlib.h>

static pricing *g_prices;

/* Every call record must be self-consistent whatever the input. */
static void check(const rec_call *c)
{
    const int64_t tok[] = { c->input_tokens, c->output_tokens, c->cached_input_tokens, c->cache_write_tokens,
                            c->reasoning_tokens };
    for (size_t i = 0; i < sizeof tok / sizeof tok[0]; i++)
        if (tok[i] < -1)
            abort();
    if (c->status != REC_STATUS_OK && c->status != REC_STATUS_ERROR)
        abort();
    if (c->cost_source < 0 || c->cost_source > 2 || (c->cost_source == 0 && !isnan(c->cost_usd)))
        abort();
    if (c->cost_source == 2 && !(c->cost_usd >= 0))
        abort();
    if (c->model.n == 0)
        abort(); /* a call always names its model */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    err_ctx e = { 0 };
    if (!g_prices && pricing_create(slice_make(NULL, 0), NULL, &g_prices, &e))
        abort(); /* the built-in table must load */
    arena *a = arena_create(1 << 16);
    if (!a)
        return 0;
    otlp_limits lim;
    otlp_limits_default(&lim);
    lim.max_items = 2000;
    lim.max_value_bytes = 1 << 16;
    genai_opts o;
    genai_opts_default(&o);
    otlp_traces t;
    if (otlp_decode_traces_json(slice_make(data, size), &lim, a, &t, &e) == 0)
        for (size_t i = 0; i < t.nspans; i++) {
            rec_call c;
            err_clear(&e);
            int rc = genai_span_call(&o, g_prices, &t.spans[i], a, &c, &e);
            if (rc < 0 && rc != LOUPE_ENOMEM)
                abort(); /* only running out of memory is an error */
            if (rc == 1)
                check(&c);
        }
    err_clear(&e);
    otlp_logs l;
    if (otlp_decode_logs_json(slice_make(data, size), &lim, a, &l, &e) == 0)
        for (size_t i = 0; i < l.nlogs; i++) {
            rec_call c;
            err_clear(&e);
            int rc = genai_log_call(&o, g_prices, &l.logs[i], a, &c, &e);
            if (rc < 0 && rc != LOUPE_ENOMEM)
                abort();
            if (rc == 1)
                check(&c);
        }
    arena_destroy(a);
    return 0;
}
