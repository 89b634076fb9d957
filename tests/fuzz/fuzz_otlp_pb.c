/* fuzz_otlp_pb.c - libFuzzer harness: the input as the protobuf body of an
 * Export{Trace,Metrics,Logs}ServiceRequest, decoded as all three under
 * tight limits (fuzz_otlp_check.h lists what is checked). */
#include "fuzz_otlp_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const fuzz_otlp z = { data, size, 1 };
    slice body = slice_make(data, size);
    arena *a = arena_create(1 << 14);
    if (!a)
        return 0;
    err_ctx e = { 0 };
    otlp_traces t;
    fz_traces(&z, otlp_decode_traces_pb(body, &FUZZ_OTLP_LIMITS, a, &t, &e), &t, &e);
    arena_reset(a);
    err_clear(&e);
    otlp_metrics m;
    fz_metrics(&z, otlp_decode_metrics_pb(body, &FUZZ_OTLP_LIMITS, a, &m, &e), &m, &e);
    arena_reset(a);
    err_clear(&e);
    otlp_logs l;
    fz_logs(&z, otlp_decode_logs_pb(body, &FUZZ_OTLP_LIMITS, a, &l, &e), &l, &e);
    arena_destroy(a);
    return 0;
}
