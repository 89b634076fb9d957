/* genai_aliases.c - the one declarative table of GenAI attribute aliases
 * (every family, old and new), plus the small tables of kind markers, event
 * names and instrumentation scopes that genai.c consults.  Adding a name is
 * one line; precedence numbers follow the family order in genai.h. */
#include "ingest/genai_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define R(f, name, kind, prec) { f, name, kind, prec, NULL }
#define J(f, name, kind, prec, sub) { f, name, kind, prec, sub }
#define LF_USAGE "langfuse.observation.usage_details"
#define LF_COST "langfuse.observation.cost_details"

/* {canonical field, attribute, kind, precedence[, JSON member]} */
const genai_alias genai_aliases[] = {
    /* provider */
    R(GF_PROVIDER, "gen_ai.provider.name", GK_STR, 100),
    R(GF_PROVIDER, "gen_ai.system", GK_STR, 200),
    R(GF_PROVIDER, "llm.provider", GK_STR, 300), /* OpenInference; also the seed app */
    R(GF_PROVIDER, "llm.system", GK_STR, 310),

    /* what kind of operation: see the verdict table below */
    R(GF_OPERATION, "gen_ai.operation.name", GK_STR, 100),
    R(GF_OPERATION, "llm.request.type", GK_STR, 400),
    R(GF_OI_KIND, "openinference.span.kind", GK_STR, 300),
    R(GF_TL_KIND, "traceloop.span.kind", GK_STR, 400),
    R(GF_LF_TYPE, "langfuse.observation.type", GK_STR, 500),

    /* model */
    R(GF_REQ_MODEL, "gen_ai.request.model", GK_STR, 100),
    R(GF_REQ_MODEL, "llm.model_name", GK_STR, 300),
    R(GF_REQ_MODEL, "llm.request.model", GK_STR, 400),
    R(GF_REQ_MODEL, "langfuse.observation.model.name", GK_STR, 500),
    R(GF_REQ_MODEL, "llm.model", GK_STR, 700),
    R(GF_RESP_MODEL, "gen_ai.response.model", GK_STR, 100), /* also vLLM's spans */
    R(GF_RESP_MODEL, "llm.response.model", GK_STR, 400),

    /* token usage; input includes cached tokens */
    R(GF_INPUT_TOKENS, "gen_ai.usage.input_tokens", GK_COUNT, 100),
    R(GF_INPUT_TOKENS, "gen_ai.usage.prompt_tokens", GK_COUNT, 200), /* also OpenLLMetry, vLLM */
    R(GF_INPUT_TOKENS, "llm.token_count.prompt", GK_COUNT, 300),
    R(GF_INPUT_TOKENS, "llm.usage.prompt_tokens", GK_COUNT, 400),
    J(GF_INPUT_TOKENS, LF_USAGE, GK_JSON_COUNT, 500, "input"),
    J(GF_INPUT_TOKENS, LF_USAGE, GK_JSON_COUNT, 501, "input_tokens"),
    J(GF_INPUT_TOKENS, LF_USAGE, GK_JSON_COUNT, 502, "prompt_tokens"),
    R(GF_INPUT_TOKENS, "llm.input_tokens", GK_COUNT, 700),

    R(GF_OUTPUT_TOKENS, "gen_ai.usage.output_tokens", GK_COUNT, 100),
    R(GF_OUTPUT_TOKENS, "gen_ai.usage.completion_tokens", GK_COUNT, 200),
    R(GF_OUTPUT_TOKENS, "llm.token_count.completion", GK_COUNT, 300),
    R(GF_OUTPUT_TOKENS, "llm.usage.completion_tokens", GK_COUNT, 400),
    J(GF_OUTPUT_TOKENS, LF_USAGE, GK_JSON_COUNT, 500, "output"),
    J(GF_OUTPUT_TOKENS, LF_USAGE, GK_JSON_COUNT, 501, "output_tokens"),
    J(GF_OUTPUT_TOKENS, LF_USAGE, GK_JSON_COUNT, 502, "completion_tokens"),
    R(GF_OUTPUT_TOKENS, "llm.output_tokens", GK_COUNT, 700),

    R(GF_TOTAL_TOKENS, "gen_ai.usage.total_tokens", GK_COUNT, 200),
    R(GF_TOTAL_TOKENS, "llm.token_count.total", GK_COUNT, 300),
    R(GF_TOTAL_TOKENS, "llm.usage.total_tokens", GK_COUNT, 400),
    J(GF_TOTAL_TOKENS, LF_USAGE, GK_JSON_COUNT, 500, "total"),
    R(GF_TOTAL_TOKENS, "llm.total_tokens", GK_COUNT, 700),

    R(GF_CACHE_READ, "gen_ai.usage.cache_read.input_tokens", GK_COUNT, 100),
    R(GF_CACHE_READ, "gen_ai.usage.cache_read_input_tokens", GK_COUNT, 200),
    R(GF_CACHE_READ, "gen_ai.usage.input_tokens_details.cached_tokens", GK_COUNT, 210),
    R(GF_CACHE_READ, "gen_ai.usage.prompt_tokens_details.cached_tokens", GK_COUNT, 220),
    R(GF_CACHE_READ, "llm.token_count.prompt_details.cache_read", GK_COUNT, 300),
    R(GF_CACHE_READ, "llm.usage.cache_read_input_tokens", GK_COUNT, 400),
    J(GF_CACHE_READ, LF_USAGE, GK_JSON_COUNT, 500, "cache_read_input_tokens"),
    J(GF_CACHE_READ, LF_USAGE, GK_JSON_COUNT, 501, "input_cache_read"),
    J(GF_CACHE_READ, LF_USAGE, GK_JSON_COUNT, 502, "input_cached_tokens"),
    R(GF_CACHE_READ, "llm.cached_input_tokens", GK_COUNT, 700),

    R(GF_CACHE_WRITE, "gen_ai.usage.cache_creation.input_tokens", GK_COUNT, 100),
    R(GF_CACHE_WRITE, "gen_ai.usage.cache_creation_input_tokens", GK_COUNT, 200),
    R(GF_CACHE_WRITE, "gen_ai.usage.cache_write_input_tokens", GK_COUNT, 210),
    R(GF_CACHE_WRITE, "llm.token_count.prompt_details.cache_write", GK_COUNT, 300),
    R(GF_CACHE_WRITE, "llm.usage.cache_creation_input_tokens", GK_COUNT, 400),
    J(GF_CACHE_WRITE, LF_USAGE, GK_JSON_COUNT, 500, "cache_creation_input_tokens"),
    J(GF_CACHE_WRITE, LF_USAGE, GK_JSON_COUNT, 501, "input_cache_creation"),
    R(GF_CACHE_WRITE, "llm.cache_write_tokens", GK_COUNT, 700),

    R(GF_REASONING, "gen_ai.usage.reasoning.output_tokens", GK_COUNT, 100),
    R(GF_REASONING, "gen_ai.usage.reasoning_tokens", GK_COUNT, 200),
    R(GF_REASONING, "gen_ai.usage.output_tokens_details.reasoning_tokens", GK_COUNT, 210),
    R(GF_REASONING, "gen_ai.usage.completion_tokens_details.reasoning_tokens", GK_COUNT, 220),
    R(GF_REASONING, "llm.token_count.completion_details.reasoning", GK_COUNT, 300),
    R(GF_REASONING, "llm.usage.reasoning_tokens", GK_COUNT, 400),
    J(GF_REASONING, LF_USAGE, GK_JSON_COUNT, 500, "output_reasoning_tokens"),
    J(GF_REASONING, LF_USAGE, GK_JSON_COUNT, 501, "output_reasoning"),
    J(GF_REASONING, LF_USAGE, GK_JSON_COUNT, 502, "reasoning_tokens"),
    R(GF_REASONING, "llm.reasoning_tokens", GK_COUNT, 700),

    /* a cost sent by the app wins over the price table */
    R(GF_COST, "gen_ai.usage.cost", GK_NUM, 200), /* OpenLIT */
    R(GF_COST, "llm.cost.total", GK_NUM, 300),
    J(GF_COST, LF_COST, GK_JSON_NUM, 500, "total"),
    R(GF_COST, "llm.cost_usd", GK_NUM, 700),

    /* time to first token */
    R(GF_TTFT, "gen_ai.response.time_to_first_chunk", GK_SEC, 100),
    R(GF_TTFT, "gen_ai.server.time_to_first_token", GK_SEC, 110),
    R(GF_TTFT, "langfuse.observation.completion_start_time", GK_TIME, 500),
    R(GF_TTFT, "gen_ai.latency.time_to_first_token", GK_SEC, 600), /* vLLM */
    R(GF_TTFT, "llm.ttft_ms", GK_MS, 700),

    /* who */
    R(GF_USER, "enduser.id", GK_STR, 200),
    R(GF_USER, "gen_ai.user.id", GK_STR, 210),
    R(GF_USER, "user.id", GK_STR, 300),
    R(GF_USER, "traceloop.association.properties.user_id", GK_STR, 400),
    R(GF_USER, "llm.user", GK_STR, 410), /* OpenLLMetry: the OpenAI `user` parameter */
    R(GF_USER, "langfuse.user.id", GK_STR, 500),
    R(GF_USER, "llm.user_id", GK_STR, 700),

    R(GF_SESSION, "gen_ai.conversation.id", GK_STR, 100),
    R(GF_SESSION, "session.id", GK_STR, 300),
    R(GF_SESSION, "traceloop.association.properties.session_id", GK_STR, 400),
    R(GF_SESSION, "langfuse.session.id", GK_STR, 500),
    R(GF_SESSION, "llm.session_id", GK_STR, 700),

    R(GF_ROUTE, "llm.route", GK_STR, 700),

    /* template: names first; OpenInference's template text only last (genai.h) */
    R(GF_TEMPLATE, "gen_ai.prompt.name", GK_STR, 100),
    R(GF_TEMPLATE, "traceloop.prompt.key", GK_STR, 400),
    R(GF_TEMPLATE, "langfuse.observation.prompt.name", GK_STR, 500),
    R(GF_TEMPLATE, "llm.template", GK_STR, 700),
    R(GF_TEMPLATE, "llm.prompt_template.template", GK_STR, 900),

    R(GF_FINISH, "gen_ai.response.finish_reasons", GK_STR_FIRST, 100),
    R(GF_ERROR, "error.type", GK_STR, 100),
    R(GF_SERVER, "server.address", GK_STR, 100),
    R(GF_SERVER, "net.peer.name", GK_STR, 200),

    /* prompt and completion: single attributes ... */
    R(GF_INPUT, "gen_ai.input.messages", GK_MSGS_PARTS, 100),
    R(GF_INPUT, "gen_ai.prompt", GK_MSGS_ANY, 200),
    R(GF_INPUT, "input.value", GK_MSGS_ANY, 310),
    R(GF_INPUT, "langfuse.observation.input", GK_MSGS_ANY, 500),
    R(GF_INPUT, "llm.prompt", GK_MSGS_ANY, 700),
    R(GF_OUTPUT, "gen_ai.output.messages", GK_MSGS_PARTS, 100),
    R(GF_OUTPUT, "gen_ai.completion", GK_MSGS_ANY, 200),
    R(GF_OUTPUT, "output.value", GK_MSGS_ANY, 310),
    R(GF_OUTPUT, "langfuse.observation.output", GK_MSGS_ANY, 500),
    R(GF_OUTPUT, "llm.completion", GK_MSGS_ANY, 700),
    R(GF_SYSTEM, "gen_ai.system_instructions", GK_MSGS_PARTS, 100),
    /* ... and indexed families (key prefixes followed by the message index) */
    R(GF_INPUT_IDX, "llm.input_messages.", GK_IDX_OI, 300),
    R(GF_OUTPUT_IDX, "llm.output_messages.", GK_IDX_OI, 300),
    R(GF_INPUT_IDX, "gen_ai.prompt.", GK_IDX_TL, 400),
    R(GF_OUTPUT_IDX, "gen_ai.completion.", GK_IDX_TL, 400),
};
const size_t genai_naliases = sizeof genai_aliases / sizeof genai_aliases[0];

/* ------------------------------------------------------------ lookup index */

/* Built once (pthread_once), read-only afterwards. */
static const genai_alias *g_sorted[sizeof genai_aliases / sizeof genai_aliases[0]]; /* exact rows, by name */
static size_t g_nsorted;
static const genai_alias *g_prefix[sizeof genai_aliases / sizeof genai_aliases[0]];
static size_t g_nprefix;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static int is_prefix_kind(genai_kind k) { return k == GK_IDX_TL || k == GK_IDX_OI; }

static int row_cmp(const void *pa, const void *pb)
{
    const genai_alias *a = *(const genai_alias *const *)pa, *b = *(const genai_alias *const *)pb;
    int c = strcmp(a->name, b->name);
    if (c)
        return c;
    return (a > b) - (a < b); /* stable: table order within a name */
}

static void build_index(void)
{
    for (size_t i = 0; i < genai_naliases; i++) {
        const genai_alias *r = &genai_aliases[i];
        if (is_prefix_kind(r->kind)) {
            if (g_nprefix < sizeof g_prefix / sizeof g_prefix[0])
                g_prefix[g_nprefix++] = r;
        } else {
            g_sorted[g_nsorted++] = r;
        }
    }
    qsort(g_sorted, g_nsorted, sizeof g_sorted[0], row_cmp);
}

static int key_cmp(slice key, const char *name)
{
    size_t n = strlen(name);
    size_t m = key.n < n ? key.n : n;
    int c = m ? memcmp(key.p, name, m) : 0;
    if (c)
        return c;
    return (key.n > n) - (key.n < n);
}

const genai_alias *const *genai_alias_lookup(slice key, size_t *count)
{
    pthread_once(&g_once, build_index);
    size_t lo = 0, hi = g_nsorted;
    while (lo < hi) { /* first row >= key */
        size_t mid = lo + (hi - lo) / 2;
        if (key_cmp(key, g_sorted[mid]->name) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = 0;
    while (lo + n < g_nsorted && key_cmp(key, g_sorted[lo + n]->name) == 0)
        n++;
    *count = n;
    return n ? &g_sorted[lo] : NULL;
}

const genai_alias *genai_alias_prefix(slice key)
{
    pthread_once(&g_once, build_index);
    for (size_t i = 0; i < g_nprefix; i++) {
        size_t n = strlen(g_prefix[i]->name);
        if (key.n > n && memcmp(key.p, g_prefix[i]->name, n) == 0 && key.p[n] >= '0' && key.p[n] <= '9')
            return g_prefix[i];
    }
    return NULL;
}

/* ------------------------------------------------------------ kind markers */

/* {field, value (NULL = any other value), verdict}; values compare
 * case-insensitively.  The first row of a field that matches decides. */
static const struct {
    genai_field field;
    const char *value;
    int verdict;
} verdicts[] = {
    { GF_OPERATION, "chat", GV_CALL },
    { GF_OPERATION, "text_completion", GV_CALL },
    { GF_OPERATION, "completion", GV_CALL }, /* OpenLLMetry llm.request.type */
    { GF_OPERATION, "generate_content", GV_CALL },
    { GF_OPERATION, "embeddings", GV_CALL },
    { GF_OPERATION, "embedding", GV_CALL },
    { GF_OPERATION, "rerank", GV_CALL },
    { GF_OPERATION, "invoke_agent", GV_VETO },
    { GF_OPERATION, "create_agent", GV_VETO },
    { GF_OPERATION, "execute_tool", GV_VETO },
    { GF_OI_KIND, "LLM", GV_CALL },
    { GF_OI_KIND, "EMBEDDING", GV_CALL },
    { GF_OI_KIND, NULL, GV_VETO }, /* AGENT, CHAIN, TOOL, RETRIEVER, RERANKER, GUARDRAIL, EVALUATOR */
    { GF_LF_TYPE, "generation", GV_CALL },
    { GF_LF_TYPE, "embedding", GV_CALL },
    { GF_LF_TYPE, NULL, GV_VETO }, /* span, event, agent, tool, chain, retriever, ... */
    { GF_TL_KIND, NULL, GV_VETO },  /* workflow, task, agent, tool */
};

int genai_kind_verdict(genai_field f, slice value)
{
    for (size_t i = 0; i < sizeof verdicts / sizeof verdicts[0]; i++) {
        if (verdicts[i].field != f)
            continue;
        if (!verdicts[i].value || genai_ieq(value, verdicts[i].value))
            return verdicts[i].verdict;
    }
    return GV_NONE;
}

/* ------------------------------------------------------------ scopes */

/* Instrumentation scopes that imply a provider: {scope name or prefix
 * before '.', provider}. */
static const struct {
    const char *scope, *provider;
} scopes[] = {
    { "vllm", "vllm" }, /* vLLM's tracer is "vllm.llm_engine" */
};

const char *genai_scope_provider(slice name)
{
    for (size_t i = 0; i < sizeof scopes / sizeof scopes[0]; i++) {
        size_t n = strlen(scopes[i].scope);
        if (name.n >= n && memcmp(name.p, scopes[i].scope, n) == 0 && (name.n == n || name.p[n] == '.'))
            return scopes[i].provider;
    }
    return "";
}

/* ------------------------------------------------------------ events */

static const struct {
    const char *name;
    genai_event_kind kind;
    const char *role; /* default role of a message event */
} events[] = {
    { "gen_ai.system.message", GE_MSG_IN, "system" },
    { "gen_ai.user.message", GE_MSG_IN, "user" },
    { "gen_ai.assistant.message", GE_MSG_IN, "assistant" },
    { "gen_ai.tool.message", GE_MSG_IN, "tool" },
    { "gen_ai.choice", GE_MSG_OUT, "assistant" },
    { "gen_ai.content.prompt", GE_PROMPT, NULL },         /* attribute gen_ai.prompt */
    { "gen_ai.content.completion", GE_COMPLETION, NULL }, /* attribute gen_ai.completion */
    { "gen_ai.content.completion.chunk", GE_CHUNK, NULL },
    { "llm.content.completion.chunk", GE_CHUNK, NULL },   /* OpenLLMetry streaming */
    { "first_token", GE_CHUNK, NULL },
    { "exception", GE_EXCEPTION, NULL },
    { "gen_ai.client.inference.operation.details", GE_DETAILS, NULL },
};

genai_event_kind genai_event_lookup(slice name, const char **role)
{
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        if (slice_eq_cstr(name, events[i].name)) {
            if (role)
                *role = events[i].role;
            return events[i].kind;
        }
    }
    return GE_NONE;
}
