/* genai.h - semantic conventions -> LLM call: recognises the spans (and
 * whole-call log events) that describe a model call and fills a rec_call.
 *
 * Families recognised, old and new, all through ONE declarative alias table
 * (genai_aliases.c, one row per {canonical field, attribute, kind,
 * precedence}): OTel GenAI (current gen_ai.provider.name / input.messages /
 * usage.* and the deprecated gen_ai.system / prompt_tokens / span events),
 * OpenInference (llm.*, input.value, openinference.span.kind), OpenLLMetry
 * (gen_ai.prompt.N.*, llm.usage.*, traceloop.*), Langfuse (langfuse.*),
 * vLLM's own spans (gen_ai.latency.*) and the seed app's plain llm.* names.
 *
 * PRECEDENCE.  When several attributes give the same field, the one with
 * the lowest precedence number in the table wins.  Numbers are assigned by
 * family, in this order:
 *     100 OTel GenAI, current names
 *     200 OTel GenAI, deprecated names and span events
 *     300 OpenInference (also user.id / session.id, which it shares with
 *         the OTel registry)
 *     400 OpenLLMetry / Traceloop
 *     500 Langfuse
 *     600 vLLM
 *     700 the seed app's plain llm.* names
 * i.e. the most standard name wins, the most local one is the fallback.
 * A span's own attributes beat a nested source (a log body, a
 * gen_ai.client.inference.operation.details span event) at any number.
 * Exceptions, decided outside the table:
 *   - route: genai_opts.route_attr wins over llm.route; without either the
 *     route is derived (see below).
 *   - model: the RESPONSE model (what actually served, e.g.
 *     "gpt-4o-2024-08-06") when present, else the request model; that is
 *     what is stored and priced, as Langfuse and OpenLIT do.
 *   - prompt / completion: a single attribute (gen_ai.input.messages,
 *     gen_ai.prompt, input.value, langfuse.observation.input, llm.prompt,
 *     or the gen_ai.content.prompt event's gen_ai.prompt) is kept byte-exact
 *     whenever one is present; only without one is the prompt built, as a
 *     JSON array [{"role":..,"content":..}] in index order, from an indexed
 *     family (gen_ai.prompt.N.*, llm.input_messages.N.*) or message events.
 *   - messages_json: from the highest-precedence source that yields chat
 *     messages (structured JSON, indexed attributes or message events);
 *     plain text yields none.  gen_ai.system_instructions becomes a leading
 *     system message.  Input messages then output messages.
 *
 * WHAT IS A CALL.  A span (or log) is an LLM call when it names a model
 * (any model alias) AND one of: token usage, prompt or completion content,
 * gen_ai.operation.name / llm.request.type of a model operation (chat,
 * text_completion, completion, generate_content, embeddings, embedding,
 * rerank), openinference.span.kind LLM or EMBEDDING, langfuse.observation.type
 * generation or embedding, or (logs) event name
 * gen_ai.client.inference.operation.details.  A kind marker naming something
 * else vetoes: operation invoke_agent / create_agent / execute_tool,
 * openinference.span.kind AGENT / CHAIN / TOOL / ..., langfuse.observation.type
 * span / agent / tool / ..., any traceloop.span.kind (workflow, task, agent,
 * tool: OpenLLMetry never sets it on model spans).  So in an agent -> LLM
 * -> tool trace only the LLM span becomes a call, even when the agent span
 * repeats the model and sums the tokens.  Embeddings count as calls: they
 * cost money and the cost dashboards must see them (they have no output
 * tokens or TTFT, so those histograms are unaffected).
 *
 * FIELDS.
 *   tokens: -1 when unknown.  input tokens INCLUDE cached ones (OTel GenAI
 *     and OpenAI convention); a missing input or output count is derived
 *     from the total when the other one is known.
 *   route: genai_opts.route_attr, else llm.route, else "local" when the
 *     provider is a local one (pricing_provider_is_local), else "local" when
 *     server.address is loopback, a private IPv4 address, a single-label
 *     host or a *.local / *.svc / *.cluster.local / *.internal name (a
 *     self-hosted server behind an OpenAI-compatible client), else "cloud"
 *     when a provider or server address is known, else empty.
 *   provider: the provider aliases, else inferred from the instrumentation
 *     scope (vLLM's tracer "vllm.*" -> "vllm").
 *   status: error when the span status is ERROR or error.type is set (logs:
 *     error.type or severity >= ERROR).  error: error.type, else the
 *     exception event's exception.type, else its exception.message, else the
 *     status message.
 *   latency_ms: span end - start (NaN for logs or a bad range).
 *   ttft_ms: gen_ai.response.time_to_first_chunk, gen_ai.server.time_to_first_token,
 *     Langfuse's completion_start_time, gen_ai.latency.time_to_first_token
 *     (vLLM, seconds), llm.ttft_ms (ms); else the first streaming-chunk span
 *     event (gen_ai.content.completion.chunk, llm.content.completion.chunk,
 *     first_token) minus the span start; else NaN.
 *   template_name: a template name (gen_ai.prompt.name, traceloop.prompt.key,
 *     langfuse.observation.prompt.name, llm.template); else OpenInference's
 *     llm.prompt_template.template text itself (it has no name).
 *   finish_reason: the first of gen_ai.response.finish_reasons, else that of
 *     the first output message that has one.
 *   service: resource service.name, else "unknown_service".
 *   cost: a cost sent on the span (gen_ai.usage.cost, llm.cost.total,
 *     Langfuse cost_details.total, llm.cost_usd) wins (cost_source 1); else
 *     pricing_apply() (cost_source 2, or NaN / 0 when unpriced).
 *
 * Hostile input: JSON is parsed with cJSON and walked to at most max_depth
 * levels; at most max_messages messages per direction; indexes above
 * 100000 are ignored; garbage JSON leaves messages_json empty while the
 * prompt keeps the raw string. */
#ifndef LOUPE_GENAI_H
#define LOUPE_GENAI_H

#include "ingest/otlp.h"
#include "ingest/pricing.h"
#include "store/records.h"
#include "util/arena.h"
#include "util/err.h"

#include <stddef.h>

typedef struct genai_opts {
    const char *route_attr; /* attribute that names the route (wins over llm.route); NULL or "" = none */
    size_t max_messages;    /* per direction (default 256) */
    int max_depth;          /* JSON nesting walked (default 16) */
} genai_opts;

void genai_opts_default(genai_opts *o);

/* 1 when span s describes an LLM call, and then *out is filled; 0 when not
 * (*out is then unspecified).  Strings in *out are borrowed from the span
 * (so live as long as its batch) or allocated in a; nothing needs freeing
 * but the arena.  p may be NULL (cost stays as sent, else NaN / unpriced;
 * built-in local provider list).  o may be NULL (defaults).  Negative
 * LOUPE_ENOMEM (message in e) only on allocation failure. */
int genai_span_call(const genai_opts *o, const pricing *p, const otlp_span *s, arena *a, rec_call *out, err_ctx *e);

/* The same for a log record carrying a whole model call (event
 * gen_ai.client.inference.operation.details, or attributes with a model
 * and usage).  Attributes first, then a kvlist body at lower precedence.
 * start = end = the log time (observed time when 0); latency is NaN. */
int genai_log_call(const genai_opts *o, const pricing *p, const otlp_log *l, arena *a, rec_call *out, err_ctx *e);

#endif
