/* genai_int.h - private types shared by genai.c (resolution), genai_aliases.c
 * (the alias table) and genai_messages.c (prompt / completion / messages). */
#ifndef LOUPE_GENAI_INT_H
#define LOUPE_GENAI_INT_H

#include "ingest/genai.h"
#include "util/buf.h"

#include <stdint.h>

/* Canonical fields of a call that attributes can give. */
typedef enum genai_field {
    GF_PROVIDER,
    GF_OPERATION,   /* gen_ai.operation.name, llm.request.type */
    GF_OI_KIND,     /* openinference.span.kind */
    GF_LF_TYPE,     /* langfuse.observation.type */
    GF_TL_KIND,     /* traceloop.span.kind */
    GF_REQ_MODEL,
    GF_RESP_MODEL,
    GF_INPUT_TOKENS,
    GF_OUTPUT_TOKENS,
    GF_TOTAL_TOKENS,
    GF_CACHE_READ,
    GF_CACHE_WRITE,
    GF_REASONING,
    GF_COST,
    GF_TTFT,        /* milliseconds after conversion */
    GF_USER,
    GF_SESSION,
    GF_ROUTE,
    GF_TEMPLATE,
    GF_FINISH,
    GF_ERROR,
    GF_SERVER,      /* server.address */
    GF_INPUT,       /* one attribute holding the whole prompt */
    GF_OUTPUT,      /* one attribute holding the whole completion */
    GF_INPUT_IDX,   /* an indexed family of input messages (prefix rows) */
    GF_OUTPUT_IDX,
    GF_SYSTEM,      /* gen_ai.system_instructions */
    GF_COUNT
} genai_field;

/* How an attribute's value is read. */
typedef enum genai_kind {
    GK_STR,        /* a string; other scalars as their text */
    GK_STR_FIRST,  /* a string, or the first string of an array */
    GK_COUNT,      /* token count: int, integral double or decimal string, >= 0 */
    GK_NUM,        /* a finite number >= 0 (int, double or numeric string) */
    GK_SEC,        /* seconds, stored as ms */
    GK_MS,         /* milliseconds */
    GK_TIME,       /* a timestamp (RFC 3339, possibly JSON-quoted, or unix ns), stored as ms after start */
    GK_JSON_COUNT, /* a JSON object (string or kvlist); member `sub` as a token count */
    GK_JSON_NUM,   /* a JSON object (string or kvlist); member `sub` as a number */
    GK_MSGS_PARTS, /* OTel GenAI messages: [{"role":..,"parts":[{"type":"text","content":..}]}] */
    GK_MSGS_ANY,   /* text, or JSON in any common chat shape */
    GK_IDX_TL,     /* prefix of OpenLLMetry's N.role / N.content / N.finish_reason */
    GK_IDX_OI,     /* prefix of OpenInference's N.message.role / .content / .contents.M.message_content.text */
} genai_kind;

typedef struct genai_alias {
    genai_field field;
    const char *name; /* attribute key; for GK_IDX_* the key prefix, ending in '.' */
    genai_kind kind;
    int prec;         /* lower wins; family order in genai.h */
    const char *sub;  /* JSON member for GK_JSON_* */
} genai_alias;

extern const genai_alias genai_aliases[];
extern const size_t genai_naliases;

/* Rows of attribute `key` (exact, non-prefix rows): *first and count; the
 * rows are adjacent in a name-sorted index built once. */
const genai_alias *const *genai_alias_lookup(slice key, size_t *count);
/* The prefix row whose prefix key starts with (followed by a digit), or NULL. */
const genai_alias *genai_alias_prefix(slice key);

/* Kind-marker verdicts (see genai.h "WHAT IS A CALL"). */
enum { GV_NONE = 0, GV_CALL = 1, GV_VETO = -1 };
int genai_kind_verdict(genai_field f, slice value);
/* Provider implied by the instrumentation scope name ("" when none). */
const char *genai_scope_provider(slice scope_name);
/* Event names. */
typedef enum { GE_NONE, GE_MSG_IN, GE_MSG_OUT, GE_PROMPT, GE_COMPLETION, GE_CHUNK, GE_EXCEPTION, GE_DETAILS } genai_event_kind;
genai_event_kind genai_event_lookup(slice name, const char **role);

/* ------------------------------------------------------------ resolution */

/* The value chosen for one field. */
typedef struct genai_val {
    int prec;                /* INT32_MAX when unset */
    const genai_alias *row;
    const otlp_value *v;     /* the attribute's value */
    double num;              /* numeric kinds (tokens, cost, ms) */
    slice s;                 /* string kinds */
} genai_val;

/* One attribute of an indexed family. */
typedef enum { GI_ROLE, GI_CONTENT, GI_PART, GI_FINISH } genai_item_kind;
typedef struct genai_item {
    const genai_alias *row;
    uint32_t i, j;          /* message index, part index */
    uint32_t seq;           /* attribute order, so a later duplicate wins */
    genai_item_kind what;
    const otlp_value *v;
} genai_item;

typedef struct genai_res {
    genai_val f[GF_COUNT];
    genai_item *items;       /* indexed-family attributes, arena */
    size_t nitems, capitems;
    /* span events */
    const otlp_event *events;
    size_t nevents;
    uint64_t start_ns;
    arena *a;
    const genai_opts *o;
} genai_res;

/* ------------------------------------------------------------ messages */

typedef struct genai_msg {
    slice role, content, finish;
} genai_msg;

typedef struct genai_msgs {
    genai_msg *m;
    size_t n, cap, max;
    arena *a;
} genai_msgs;

/* Fills prompt / completion / messages_json / finish_reason (when unset)
 * of c from the resolved sources.  0 or LOUPE_ENOMEM. */
int genai_build_messages(genai_res *r, rec_call *c, err_ctx *e);

/* Text of any value into the arena (strings borrowed as they are). */
int genai_value_text(arena *a, const otlp_value *v, slice *out);
/* JSON text of a value: strings as they are (they hold JSON), others
 * rendered with otlp_value_json into the arena. */
int genai_value_json_text(arena *a, const otlp_value *v, slice *out);

static inline int genai_ieq(slice a, const char *b)
{
    size_t n = strlen(b);
    if (a.n != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t x = a.p[i], y = (uint8_t)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (uint8_t)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (uint8_t)(y + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

#endif
