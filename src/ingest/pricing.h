/* pricing.h - the model price table (config, not code) and the cost of a call.
 *
 * TABLE FORMAT (config/pricing.json, and the config file's "pricing"
 * section, which has the same shape):
 *   {
 *     "source": "...", "updated": "YYYY-MM-DD", "unit": "USD per 1M tokens",
 *     "free_local": true,               // local-route calls cost 0
 *     "local_providers": ["vllm", ...], // providers whose calls are route "local"
 *     "models": [
 *       { "match": "gpt-4o",            // required; a name, or a PCRE2 pattern with "regex": true
 *         "regex": false,
 *         "provider": "openai",         // optional; a tie-breaker, never a filter
 *         "input": 2.5, "output": 10,   // USD per 1M tokens; input required, output defaults to input
 *         "cache_read": 1.25,           // cached input tokens (default: input price)
 *         "cache_write": 3.75,          // cache-creation input tokens (default: input price)
 *         "reasoning": 10,              // reasoning tokens (default: output price)
 *         "reasoning_in_output": true,  // default true, see COST
 *         "note": "..." },              // ignored, as is every key starting with "_"
 *       ...] }
 * Unknown keys in a model entry are errors (a typo must not price silently).
 *
 * OVERRIDE.  The config's "pricing" section overrides the base table: its
 * model entries come first, and replace a base entry with the same
 * (match, regex, provider); "free_local" and "local_providers" replace the
 * base values when given; "replace": true drops the base models entirely.
 *
 * MATCHING a model name (case-insensitive, surrounding spaces ignored):
 * the name is tried as given, then without a provider path ("openai/gpt-4o",
 * "meta-llama/Llama-3.1-8B" -> after the last '/'), then without a Bedrock
 * vendor prefix ("us.anthropic.claude-..." -> "claude-...").  Over all of
 * those: an exact name wins; else the LONGEST non-regex match that is a
 * prefix ending at a boundary ('-', ':', '@', '_', '/' or the end), so
 * "gpt-4o-2024-08-06" finds gpt-4o while "gpt-4o-mini-2024-07-18" finds
 * the longer gpt-4o-mini (and "gpt-4" never finds "gpt-4o" or "gpt-4.1");
 * else the first regex (fully anchored, caseless) in table order.  Between
 * equal matches an entry whose provider equals the call's provider wins,
 * then table order.
 *
 * COST (USD) = ((input - cache_read - cache_write) * input_price
 *               + cache_read * cache_read_price + cache_write * cache_write_price
 *               + output * output_price) / 1e6
 * Input tokens INCLUDE cached ones (OTel GenAI, OpenAI, OpenInference); when
 * cache_read + cache_write exceed input the source counted them apart
 * (Anthropic's raw API style) and input is taken as the uncached part.
 * Reasoning tokens: by default they are INCLUDED in output tokens (OpenAI's
 * convention, which OTel follows), so they are charged within output, at
 * the reasoning price when one is given (output - reasoning at the output
 * price).  With "reasoning_in_output": false they are charged on top.
 * Unknown token counts count as 0, but a call with neither input nor output
 * tokens is unpriced -- unless it failed (status error): a failed call that
 * reports no usage (a 429, a timeout) was not billed and costs 0.
 *
 * Thread safety: a pricing is immutable after creation; every function may
 * be called from any thread. */
#ifndef LOUPE_PRICING_H
#define LOUPE_PRICING_H

#include "store/records.h"
#include "util/buf.h"
#include "util/err.h"

struct cJSON;

typedef struct pricing pricing;

/* One model entry; prices in USD per 1M tokens (defaults already applied). */
typedef struct price {
    const char *match;      /* as written in the table */
    const char *provider;   /* "" when none */
    int regex;
    double input, output, cache_read, cache_write, reasoning;
    int reasoning_in_output;
} price;

/* Builds the table from table_json (empty slice = the compiled-in default,
 * config/pricing.json) and an optional override (the config's "pricing"
 * object, may be NULL).  LOUPE_EINVAL with a message naming the entry for a
 * malformed table or a bad regex; LOUPE_ENOMEM.  *out is freed with
 * pricing_destroy(). */
int pricing_create(slice table_json, const struct cJSON *override, pricing **out, err_ctx *e);
/* Same, with the override given as JSON text (empty = none). */
int pricing_create_text(slice table_json, slice override_json, pricing **out, err_ctx *e);
void pricing_destroy(pricing *p); /* accepts NULL */

/* The entry pricing `model` (see MATCHING), or NULL.  Valid until
 * pricing_destroy(). */
const price *pricing_find(const pricing *p, slice provider, slice model);
size_t pricing_count(const pricing *p);

/* The cost in USD of the call's tokens at pr's prices (see COST); NaN when
 * neither input nor output tokens are known. */
double pricing_cost(const price *pr, const rec_call *c);

/* 1 when provider (case-insensitive) is in the local providers list; p
 * NULL uses the default list (vllm, ollama, llama.cpp, lmstudio, tgi,
 * localai, sglang, self-hosted, ...). */
int pricing_provider_is_local(const pricing *p, slice provider);

/* Fills c->cost_usd / c->cost_source unless a cost was sent (cost_source 1):
 * route "local" with free_local -> 0 (source 2); else a matching entry and
 * known tokens -> the cost (source 2); a matching entry, status error and
 * no tokens -> 0 (source 2); else NaN (source 0, "unpriced", never 0). */
void pricing_apply(const pricing *p, rec_call *c);

#endif
