/* genai_messages.c - prompt, completion and the normalised chat messages of
 * a call, from whichever source a span has: one attribute holding JSON
 * (OTel "parts", OpenAI request/response bodies, Langfuse, plain chat
 * arrays) or text, an indexed family (gen_ai.prompt.N.*,
 * llm.input_messages.N.*), or the deprecated message span events.  Rules in
 * genai.h; input is hostile, so JSON is walked to a bounded depth and the
 * number of messages is capped. */
#include "util/mem.h"
#include "ingest/genai_int.h"
#include "util/json.h"
#include "util/sort.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <string.h>

#define EVENT_MSG_PREC 220    /* message span events: OTel GenAI, deprecated */
#define EVENT_SINGLE_PREC 210 /* gen_ai.content.prompt / .completion events */

static int oom(err_ctx *e) { return err_set(e, LOUPE_ENOMEM, "genai: out of memory"); }

/* ------------------------------------------------------------ message list */

static int msgs_push(genai_msgs *l, slice role, slice content, slice finish)
{
    if (l->n >= l->max)
        return 0; /* capped: the rest is dropped */
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        if (cap > l->max)
            cap = l->max;
        genai_msg *m = arena_alloc(l->a, cap * sizeof *m);
        if (!m)
            return LOUPE_ENOMEM;
        mem_copy(m, l->m, l->n * sizeof *m);
        l->m = m;
        l->cap = cap;
    }
    genai_msg *m = &l->m[l->n++];
    m->role = role;
    m->content = content;
    m->finish = finish;
    return 0;
}

static int arena_slice(arena *a, const void *p, size_t n, slice *out)
{
    char *c = arena_strndup(a, p ? p : "", n);
    if (!c)
        return LOUPE_ENOMEM;
    *out = slice_make(c, n);
    return 0;
}

/* ------------------------------------------------------------ JSON walking */

static const cJSON *member(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }
static const char *member_str(const cJSON *o, const char *k)
{
    const cJSON *j = member(o, k);
    return cJSON_IsString(j) ? j->valuestring : NULL;
}

static int print_json(const cJSON *j, buf *b)
{
    char *s = cJSON_PrintUnformatted(j);
    if (!s)
        return LOUPE_ENOMEM;
    int rc = buf_puts(b, s);
    cJSON_free(s);
    return rc;
}

/* Text types of content parts (OTel "text", OpenAI "text" / "input_text" /
 * "output_text"); other parts (tool calls, images, reasoning) carry no
 * message text, except a tool result's response. */
static int text_type(const char *t)
{
    return !t || !strcmp(t, "text") || !strcmp(t, "input_text") || !strcmp(t, "output_text");
}

/* Appends the text of a message's content: a string, an array of parts or
 * strings, or one part object; depth-bounded. */
static int content_text(const cJSON *j, int depth, buf *b)
{
    if (!j || depth <= 0)
        return 0;
    if (cJSON_IsString(j))
        return buf_puts(b, j->valuestring);
    if (cJSON_IsNumber(j) || cJSON_IsBool(j))
        return print_json(j, b);
    if (cJSON_IsArray(j)) {
        const cJSON *el;
        cJSON_ArrayForEach(el, j)
        {
            int rc = content_text(el, depth - 1, b);
            if (rc)
                return rc;
        }
        return 0;
    }
    if (!cJSON_IsObject(j))
        return 0;
    const char *type = member_str(j, "type");
    if (type && !strcmp(type, "tool_call_response")) {
        const cJSON *r = member(j, "response");
        return cJSON_IsString(r) ? buf_puts(b, r->valuestring) : r ? print_json(r, b) : 0;
    }
    if (!text_type(type))
        return 0;
    const cJSON *t = member(j, "text");
    if (cJSON_IsString(t))
        return buf_puts(b, t->valuestring);
    if (cJSON_IsObject(t) && member_str(t, "value")) /* Azure AI agents: {"text":{"value":..}} */
        return buf_puts(b, member_str(t, "value"));
    const cJSON *c = member(j, "content");
    if (c)
        return content_text(c, depth - 1, b);
    return type ? 0 : print_json(j, b); /* an unknown object: keep it as JSON text */
}

/* One message object: {"role", "parts" | "content" | "text", "finish_reason"},
 * or a choice {"message": {...}, "finish_reason"}. */
static int msg_from_obj(genai_msgs *l, const cJSON *o, const char *def_role, int depth)
{
    if (depth <= 0)
        return 0;
    const cJSON *inner = member(o, "message");
    const char *finish = member_str(o, "finish_reason");
    if (!finish)
        finish = member_str(o, "stop_reason");
    if (cJSON_IsObject(inner) && !member(o, "content") && !member(o, "parts")) {
        if (!finish)
            finish = member_str(inner, "finish_reason");
        if (!member_str(inner, "role") && member_str(o, "role"))
            def_role = member_str(o, "role");
        o = inner;
    }
    const cJSON *body = member(o, "parts");
    if (!body)
        body = member(o, "content");
    if (!body)
        body = member(o, "text");
    const char *role = member_str(o, "role");
    if (!role)
        role = def_role;
    if (!body && !member_str(o, "role"))
        return 0; /* not a message */
    buf b = BUF_INIT;
    slice rs, cs, fs = { 0 };
    int rc = content_text(body, depth - 1, &b);
    if (!rc)
        rc = arena_slice(l->a, b.p, b.n, &cs);
    if (!rc)
        rc = arena_slice(l->a, role, strlen(role), &rs);
    if (!rc && finish)
        rc = arena_slice(l->a, finish, strlen(finish), &fs);
    buf_free(&b);
    return rc ? rc : msgs_push(l, rs, cs, fs);
}

static int msgs_from_array(genai_msgs *l, const cJSON *arr, const char *def_role, int depth)
{
    const cJSON *el;
    int rc = 0;
    cJSON_ArrayForEach(el, arr)
    {
        if (l->n >= l->max)
            break;
        if (cJSON_IsObject(el)) {
            rc = msg_from_obj(l, el, def_role, depth - 1);
        } else if (cJSON_IsString(el)) {
            slice c;
            rc = arena_slice(l->a, el->valuestring, strlen(el->valuestring), &c);
            if (!rc)
                rc = msgs_push(l, slice_cstr(def_role), c, slice_make(NULL, 0));
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* Messages from a JSON document in any common chat shape:
 *   [{"role":..,"parts"|"content":..}, ...]          OTel GenAI, Langfuse, chat arrays
 *   {"messages":[...], "system":..}                  OpenAI / Anthropic request bodies
 *   {"choices":[{"message":{..},"finish_reason":..}]} OpenAI response bodies
 *   {"role":..,"content":..}                         one message */
static int msgs_from_doc(genai_msgs *l, const cJSON *d, const char *def_role, int depth)
{
    if (cJSON_IsArray(d))
        return msgs_from_array(l, d, def_role, depth);
    if (!cJSON_IsObject(d))
        return 0;
    const cJSON *m = member(d, "messages"), *ch = member(d, "choices");
    if (cJSON_IsArray(m)) {
        const cJSON *sys = member(d, "system");
        if (sys) {
            buf b = BUF_INIT;
            slice c;
            int rc = content_text(sys, depth - 1, &b);
            if (!rc)
                rc = arena_slice(l->a, b.p, b.n, &c);
            buf_free(&b);
            if (!rc)
                rc = msgs_push(l, slice_cstr("system"), c, slice_make(NULL, 0));
            if (rc)
                return rc;
        }
        return msgs_from_array(l, m, def_role, depth);
    }
    if (cJSON_IsArray(ch)) {
        const cJSON *el;
        cJSON_ArrayForEach(el, ch)
        {
            if (l->n >= l->max)
                break;
            int rc = cJSON_IsObject(el) ? msg_from_obj(l, el, def_role, depth - 1) : 0;
            if (rc)
                return rc;
        }
        return 0;
    }
    return msg_from_obj(l, d, def_role, depth);
}

static cJSON *parse_json(slice s)
{
    size_t i = 0;
    while (i < s.n && (s.p[i] == ' ' || s.p[i] == '\n' || s.p[i] == '\r' || s.p[i] == '\t'))
        i++;
    if (i == s.n || (s.p[i] != '[' && s.p[i] != '{'))
        return NULL; /* plain text: not worth a parse */
    return cJSON_ParseWithLength((const char *)s.p, s.n);
}

static int msgs_from_text(genai_msgs *l, slice text, const char *def_role, int depth)
{
    cJSON *d = parse_json(text);
    if (!d)
        return 0;
    int rc = msgs_from_doc(l, d, def_role, depth);
    cJSON_Delete(d);
    return rc;
}

/* ------------------------------------------------------------ indexed families */

static int item_cmp(const void *pa, const void *pb)
{
    const genai_item *a = pa, *b = pb;
    if (a->i != b->i)
        return a->i < b->i ? -1 : 1;
    if (a->what != b->what)
        return a->what < b->what ? -1 : 1;
    if (a->j != b->j)
        return a->j < b->j ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq); /* the later duplicate last, so it wins */
}

/* The text of one indexed content value; an OpenLLMetry content that is a
 * JSON array of parts yields their text. */
static int item_text(genai_res *r, const genai_item *it, buf *b)
{
    slice s;
    if (genai_value_text(r->a, it->v, &s))
        return LOUPE_ENOMEM;
    if (it->row->kind == GK_IDX_TL && s.n && s.p[0] == '[') {
        cJSON *d = cJSON_ParseWithLength((const char *)s.p, s.n);
        if (d) {
            size_t before = b->n;
            int rc = content_text(d, r->o->max_depth, b);
            cJSON_Delete(d);
            if (rc || b->n > before)
                return rc;
        }
    }
    return buf_append(b, s.p, s.n);
}

static int msgs_from_items(genai_res *r, const genai_alias *row, genai_msgs *l, const char *def_role)
{
    size_t n = 0;
    genai_item *its = arena_alloc(r->a, (r->nitems ? r->nitems : 1) * sizeof *its);
    if (!its)
        return LOUPE_ENOMEM;
    for (size_t k = 0; k < r->nitems; k++)
        if (r->items[k].row == row)
            its[n++] = r->items[k]; /* this family only */
    sort_array(its, n, sizeof its[0], item_cmp);
    buf b = BUF_INIT;
    int rc = 0;
    for (size_t k = 0; k < n && !rc && l->n < l->max;) {
        uint32_t idx = its[k].i;
        slice role = slice_cstr(def_role), finish = { 0 };
        int has_content = 0;
        b.n = 0;
        for (; k < n && its[k].i == idx && !rc; k++) {
            const genai_item *it = &its[k];
            switch (it->what) {
            case GI_ROLE:
                rc = genai_value_text(r->a, it->v, &role);
                break;
            case GI_FINISH:
                rc = genai_value_text(r->a, it->v, &finish);
                break;
            case GI_CONTENT:
                b.n = 0; /* a later duplicate replaces */
                rc = item_text(r, it, &b);
                has_content = 1;
                break;
            case GI_PART:
                if (!has_content)
                    rc = item_text(r, it, &b);
                break;
            }
        }
        slice content;
        if (!rc)
            rc = arena_slice(r->a, b.p, b.n, &content);
        if (!rc)
            rc = msgs_push(l, role, content, finish);
    }
    buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------ events */

/* A message event's body: its attributes as one object, with the
 * gen_ai.event.content JSON (Semantic Kernel, Azure SDKs) merged over them. */
static int msg_from_event(genai_res *r, const otlp_event *ev, const char *def_role, genai_msgs *l)
{
    buf b = BUF_INIT;
    int rc = otlp_attrs_json(&ev->attrs, &b);
    cJSON *attrs = rc ? NULL : cJSON_ParseWithLength((const char *)b.p, b.n);
    buf_free(&b);
    if (rc)
        return rc;
    if (!attrs)
        return 0;
    const cJSON *body = attrs;
    cJSON *inner = NULL;
    const char *ec = member_str(attrs, "gen_ai.event.content");
    if (ec) {
        inner = cJSON_Parse(ec);
        if (cJSON_IsObject(inner))
            body = inner;
    }
    const char *role = member_str(attrs, "role");
    rc = msg_from_obj(l, body, role ? role : def_role, r->o->max_depth);
    cJSON_Delete(inner);
    cJSON_Delete(attrs);
    return rc;
}

static int msgs_from_events(genai_res *r, genai_event_kind want, genai_msgs *l)
{
    for (size_t i = 0; i < r->nevents && l->n < l->max; i++) {
        const char *role = NULL;
        if (genai_event_lookup(r->events[i].name, &role) != want)
            continue;
        int rc = msg_from_event(r, &r->events[i], role, l);
        if (rc)
            return rc;
    }
    return 0;
}

/* ------------------------------------------------------------ one side */

typedef struct side {
    genai_field single, indexed;
    genai_event_kind msg_event, single_event;
    const char *single_attr; /* attribute of the single event */
    const char *def_role;
} side;

static const side sides[2] = {
    { GF_INPUT, GF_INPUT_IDX, GE_MSG_IN, GE_PROMPT, "gen_ai.prompt", "user" },
    { GF_OUTPUT, GF_OUTPUT_IDX, GE_MSG_OUT, GE_COMPLETION, "gen_ai.completion", "assistant" },
};

static int write_msgs(buf *b, const genai_msg *m, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = buf_puts(b, i ? ",{\"role\":" : "{\"role\":");
        if (!rc)
            rc = json_str(b, m[i].role);
        if (!rc)
            rc = buf_puts(b, ",\"content\":");
        if (!rc)
            rc = json_str(b, m[i].content);
        if (!rc)
            rc = buf_putc(b, '}');
    }
    return rc;
}

/* Messages and the single text of one side.  Sources are tried in
 * precedence order until one yields messages. */
static int build_side(genai_res *r, const side *sd, genai_msgs *l, slice *text)
{
    const genai_val *single = &r->f[sd->single];
    const otlp_value *sv = single->prec != INT32_MAX ? single->v : NULL;
    int sprec = single->prec;
    for (size_t i = 0; i < r->nevents; i++) { /* gen_ai.content.prompt / .completion */
        if (genai_event_lookup(r->events[i].name, NULL) != sd->single_event || sprec <= EVENT_SINGLE_PREC)
            continue;
        const otlp_value *v = otlp_attrs_get(&r->events[i].attrs, sd->single_attr);
        if (v && !(v->type == OTLP_STRING && !v->u.s.n)) {
            sv = v;
            sprec = EVENT_SINGLE_PREC;
        }
    }
    int rc = 0;
    *text = slice_make(NULL, 0);
    if (sv && (rc = genai_value_json_text(r->a, sv, text)))
        return rc;

    int has_events = 0;
    for (size_t i = 0; i < r->nevents && !has_events; i++)
        has_events = genai_event_lookup(r->events[i].name, NULL) == sd->msg_event;
    const genai_val *idx = &r->f[sd->indexed];
    int iprec = idx->prec, eprec = has_events ? EVENT_MSG_PREC : INT32_MAX;
    int tried_s = !sv, tried_i = iprec == INT32_MAX, tried_e = !has_events;
    size_t base = l->n; /* a leading system instruction is not a source's yield */
    while (!rc && l->n == base && !(tried_s && tried_i && tried_e)) {
        int best = INT32_MAX, which = 0;
        if (!tried_s && sprec < best)
            best = sprec, which = 1;
        if (!tried_i && iprec < best)
            best = iprec, which = 2;
        if (!tried_e && eprec < best)
            best = eprec, which = 3;
        if (which == 1) {
            tried_s = 1;
            rc = msgs_from_text(l, *text, sd->def_role, r->o->max_depth);
        } else if (which == 2) {
            tried_i = 1;
            rc = msgs_from_items(r, idx->row, l, sd->def_role);
        } else {
            tried_e = 1;
            rc = msgs_from_events(r, sd->msg_event, l);
        }
    }
    return rc;
}

/* gen_ai.system_instructions: a parts array (or plain text) -> one text. */
static int system_text(genai_res *r, slice *out)
{
    const genai_val *g = &r->f[GF_SYSTEM];
    *out = slice_make(NULL, 0);
    if (g->prec == INT32_MAX)
        return 0;
    slice s;
    if (genai_value_json_text(r->a, g->v, &s))
        return LOUPE_ENOMEM;
    cJSON *d = parse_json(s);
    if (!d) {
        *out = s;
        return 0;
    }
    buf b = BUF_INIT;
    int rc = content_text(d, r->o->max_depth, &b);
    if (!rc)
        rc = arena_slice(r->a, b.p, b.n, out);
    buf_free(&b);
    cJSON_Delete(d);
    return rc;
}

int genai_build_messages(genai_res *r, rec_call *c, err_ctx *e)
{
    size_t max = r->o->max_messages ? r->o->max_messages : 1;
    genai_msgs in = { NULL, 0, 0, max, r->a }, out = { NULL, 0, 0, max, r->a };
    slice sys;
    int rc = system_text(r, &sys);
    if (!rc && sys.n)
        rc = msgs_push(&in, slice_cstr("system"), sys, slice_make(NULL, 0));
    size_t nsys = in.n;
    if (!rc)
        rc = build_side(r, &sides[0], &in, &c->prompt);
    if (!rc)
        rc = build_side(r, &sides[1], &out, &c->completion);
    buf b = BUF_INIT;
    /* a side with no single text gets its messages as JSON */
    for (int s = 0; s < 2 && !rc; s++) {
        genai_msgs *l = s ? &out : &in;
        slice *t = s ? &c->completion : &c->prompt;
        if (t->n || l->n <= (s ? 0 : nsys))
            continue;
        b.n = 0;
        rc = buf_putc(&b, '[');
        if (!rc)
            rc = write_msgs(&b, l->m, l->n);
        if (!rc)
            rc = buf_putc(&b, ']');
        if (!rc)
            rc = arena_slice(r->a, b.p, b.n, t);
    }
    if (!rc && (in.n > nsys || out.n)) {
        b.n = 0;
        rc = buf_putc(&b, '[');
        if (!rc)
            rc = write_msgs(&b, in.m, in.n);
        if (!rc && in.n && out.n)
            rc = buf_putc(&b, ',');
        if (!rc)
            rc = write_msgs(&b, out.m, out.n);
        if (!rc)
            rc = buf_putc(&b, ']');
        if (!rc)
            rc = arena_slice(r->a, b.p, b.n, &c->messages_json);
    }
    buf_free(&b);
    for (size_t i = 0; i < out.n && !c->finish_reason.n; i++)
        c->finish_reason = out.m[i].finish;
    return rc ? oom(e) : 0;
}
