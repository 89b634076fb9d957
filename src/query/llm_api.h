/* llm_api.h - loupe's LLM call API over the records store (DESIGN.md).
 *
 *   GET /api/v1/llm/calls?user_id=&session_id=&trace_id=&model=&route=&provider=&service=&template=
 *                        &status=ok|error&q=&start=&end=&min_cost=&max_cost=&limit=&cursor=
 *       {"status":"success","calls":[call...],"next_cursor":"..."|null}, newest first;
 *       q is full-text over prompt + completion (calls then carry snippet + highlights)
 *   GET /api/v1/llm/calls/<id>           (prefix route "/api/v1/llm/calls/")
 *       the call object itself (as DESIGN.md reads: a call "adds" these keys) with
 *       prompt, completion (full, byte-exact), messages (raw JSON or null), attributes
 *       (the span's attributes object, {} when none); its "status" is the call's ok/error
 *   GET /api/v1/llm/top?by=user|template|model|route|provider|service&metric=cost|tokens|calls
 *                        &start=&end=&limit=&model=&route=
 *       {"status":"success","data":[{"key","calls","errors","unpriced","input_tokens",
 *                                    "output_tokens","cached_input_tokens","cost_usd"}...]}
 *
 * A call object has exactly DESIGN.md's keys plus end_time and
 * cache_write_tokens; unknown values are null (NaN, -1 token counts, empty
 * strings).  Errors are {"status":"error","errorType":"bad_data"|"not_found"|...,"error":msg}.
 * Times accept RFC 3339 or unix seconds; the default range is all time. */
#ifndef LOUPE_LLM_API_H
#define LOUPE_LLM_API_H

#include "store/records.h"
#include "util/httpmsg.h"

typedef struct llm_api_ctx {
    records *rec;
} llm_api_ctx;

int llm_calls(void *ctx, http_req *req, http_resp *resp);
/* Prefix route: path_rest is the decimal call id. */
int llm_call(void *ctx, http_req *req, http_resp *resp);
int llm_top(void *ctx, http_req *req, http_resp *resp);

#endif
