/* pricing.c - the model price table: loading (compiled-in default, config
 * override), name matching (exact, longest boundary prefix, PCRE2 regex)
 * and the cost of a call.  Format and rules: pricing.h. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "util/mem.h"
#include "ingest/pricing.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

extern const unsigned char loupe_default_pricing[];
extern const size_t loupe_default_pricing_len;

#define MAX_NAME 512 /* longer model names are never priced */

/* Used when there is no table, and when a table has no "local_providers". */
static const char *const default_local[] = {
    "vllm", "ollama", "llama.cpp", "llamacpp", "llama_cpp", "lmstudio", "lm_studio", "tgi",
    "text-generation-inference", "localai", "sglang", "triton", "tensorrt-llm", "llamafile", "koboldcpp",
    "self-hosted", "self_hosted", "local",
};

typedef struct entry {
    price pr;
    char *lc;          /* match, lowercased (non-regex) */
    size_t lclen;
    pcre2_code *re;    /* regex entries */
} entry;

struct pricing {
    entry *e;
    size_t n;
    char **local;      /* lowercased */
    size_t nlocal;
    int free_local;
};

/* ------------------------------------------------------------ helpers */

static int ieq(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

static char *lower_dup(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        d[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
    return d;
}

static void entry_free(entry *en)
{
    free((char *)en->pr.match);
    free((char *)en->pr.provider);
    free(en->lc);
    pcre2_code_free(en->re);
}

void pricing_destroy(pricing *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        entry_free(&p->e[i]);
    free(p->e);
    for (size_t i = 0; i < p->nlocal; i++)
        free(p->local[i]);
    free(p->local);
    free(p);
}

size_t pricing_count(const pricing *p) { return p ? p->n : 0; }

/* ------------------------------------------------------------ loading */

static const char *const entry_keys[] = { "match", "regex", "provider", "input", "output", "cache_read",
                                          "cache_write", "reasoning", "reasoning_in_output", "note" };
static const char *const top_keys[] = { "models", "local_providers", "free_local", "replace",
                                        "source", "updated", "unit", "note" };

static int key_known(const char *k, const char *const *keys, size_t n)
{
    if (k[0] == '_')
        return 1;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(k, keys[i]))
            return 1;
    return 0;
}

/* A price member: absent -> dflt; else a finite number >= 0. */
static int price_of(const cJSON *o, const char *k, double dflt, double *out, const char *what, size_t i,
                    err_ctx *e)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!j) {
        *out = dflt;
        return 0;
    }
    if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble) || j->valuedouble < 0)
        return err_set(e, LOUPE_EINVAL, "%s: models[%zu]: \"%s\" must be a number >= 0 (USD per 1M tokens)", what, i,
                       k);
    *out = j->valuedouble;
    return 0;
}

static int parse_entry(const cJSON *o, entry *en, const char *what, size_t i, err_ctx *e)
{
    memset(en, 0, sizeof *en);
    if (!cJSON_IsObject(o))
        return err_set(e, LOUPE_EINVAL, "%s: models[%zu] is not an object", what, i);
    const cJSON *k;
    cJSON_ArrayForEach(k, o)
    {
        if (!key_known(k->string, entry_keys, sizeof entry_keys / sizeof entry_keys[0]))
            return err_set(e, LOUPE_EINVAL, "%s: models[%zu]: unknown key \"%s\"", what, i, k->string);
    }
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "match");
    if (!cJSON_IsString(m) || !m->valuestring[0])
        return err_set(e, LOUPE_EINVAL, "%s: models[%zu]: \"match\" must be a non-empty string", what, i);
    const cJSON *rx = cJSON_GetObjectItemCaseSensitive(o, "regex");
    const cJSON *pv = cJSON_GetObjectItemCaseSensitive(o, "provider");
    const cJSON *rio = cJSON_GetObjectItemCaseSensitive(o, "reasoning_in_output");
    if ((rx && !cJSON_IsBool(rx)) || (rio && !cJSON_IsBool(rio)))
        return err_set(e, LOUPE_EINVAL, "%s: models[%zu] (\"%s\"): \"regex\" and \"reasoning_in_output\" are booleans",
                       what, i, m->valuestring);
    if (pv && !cJSON_IsString(pv))
        return err_set(e, LOUPE_EINVAL, "%s: models[%zu] (\"%s\"): \"provider\" must be a string", what, i,
                       m->valuestring);
    if (!cJSON_GetObjectItemCaseSensitive(o, "input"))
        return err_set(e, LOUPE_EINVAL, "%s: models[%zu] (\"%s\"): \"input\" price is required", what, i,
                       m->valuestring);
    price *pr = &en->pr;
    int rc = price_of(o, "input", 0, &pr->input, what, i, e);
    if (!rc)
        rc = price_of(o, "output", pr->input, &pr->output, what, i, e);
    if (!rc)
        rc = price_of(o, "cache_read", pr->input, &pr->cache_read, what, i, e);
    if (!rc)
        rc = price_of(o, "cache_write", pr->input, &pr->cache_write, what, i, e);
    if (!rc)
        rc = price_of(o, "reasoning", pr->output, &pr->reasoning, what, i, e);
    if (rc)
        return rc;
    pr->regex = cJSON_IsTrue(rx);
    pr->reasoning_in_output = rio ? cJSON_IsTrue(rio) : 1;
    pr->match = strdup(m->valuestring);
    pr->provider = strdup(pv ? pv->valuestring : "");
    en->lc = lower_dup(m->valuestring);
    if (!pr->match || !pr->provider || !en->lc)
        return err_set(e, LOUPE_ENOMEM, "pricing: out of memory");
    en->lclen = strlen(en->lc);
    if (pr->regex) {
        int ec;
        PCRE2_SIZE off;
        en->re = pcre2_compile((PCRE2_SPTR)pr->match, PCRE2_ZERO_TERMINATED,
                               PCRE2_CASELESS | PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED, &ec, &off, NULL);
        if (!en->re) {
            PCRE2_UCHAR msg[160];
            pcre2_get_error_message(ec, msg, sizeof msg);
            return err_set(e, LOUPE_EINVAL, "%s: models[%zu]: bad regex \"%s\" at offset %zu: %s", what, i,
                           pr->match, (size_t)off, (const char *)msg);
        }
    }
    return 0;
}

static int same_key(const entry *a, const entry *b)
{
    return a->pr.regex == b->pr.regex && !strcmp(a->lc, b->lc) &&
           ieq(a->pr.provider, strlen(a->pr.provider), b->pr.provider, strlen(b->pr.provider));
}

static int check_top(const cJSON *d, const char *what, err_ctx *e)
{
    if (!cJSON_IsObject(d))
        return err_set(e, LOUPE_EINVAL, "%s: not a JSON object", what);
    const cJSON *k;
    cJSON_ArrayForEach(k, d)
    {
        if (!key_known(k->string, top_keys, sizeof top_keys / sizeof top_keys[0]))
            return err_set(e, LOUPE_EINVAL, "%s: unknown key \"%s\"", what, k->string);
    }
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(d, "models");
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(d, "local_providers");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(d, "free_local");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(d, "replace");
    if (m && !cJSON_IsArray(m))
        return err_set(e, LOUPE_EINVAL, "%s: \"models\" must be an array", what);
    if (l && !cJSON_IsArray(l))
        return err_set(e, LOUPE_EINVAL, "%s: \"local_providers\" must be an array of strings", what);
    const cJSON *s;
    cJSON_ArrayForEach(s, l)
    {
        if (!cJSON_IsString(s))
            return err_set(e, LOUPE_EINVAL, "%s: \"local_providers\" must be an array of strings", what);
    }
    if ((f && !cJSON_IsBool(f)) || (r && !cJSON_IsBool(r)))
        return err_set(e, LOUPE_EINVAL, "%s: \"free_local\" and \"replace\" are booleans", what);
    return 0;
}

/* Appends the model entries of doc, skipping those already present (an
 * override's entry replaces the base entry with the same key). */
static int add_models(pricing *p, const cJSON *doc, size_t keep_from, const char *what, err_ctx *e)
{
    const cJSON *models = cJSON_GetObjectItemCaseSensitive(doc, "models");
    size_t n = (size_t)cJSON_GetArraySize(models);
    if (!n)
        return 0;
    entry *ne = realloc(p->e, (p->n + n) * sizeof *ne);
    if (!ne)
        return err_set(e, LOUPE_ENOMEM, "pricing: out of memory");
    p->e = ne;
    size_t i = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, models)
    {
        entry *en = &p->e[p->n];
        int rc = parse_entry(m, en, what, i++, e);
        if (rc) {
            entry_free(en);
            return rc;
        }
        int dup = 0;
        for (size_t j = 0; j < keep_from && !dup; j++)
            dup = same_key(&p->e[j], en);
        if (dup)
            entry_free(en);
        else
            p->n++;
    }
    return 0;
}

static int set_local(pricing *p, const cJSON *list, err_ctx *e)
{
    size_t n = list ? (size_t)cJSON_GetArraySize(list) : sizeof default_local / sizeof default_local[0];
    p->local = calloc(n ? n : 1, sizeof *p->local);
    if (!p->local)
        return err_set(e, LOUPE_ENOMEM, "pricing: out of memory");
    size_t i = 0;
    const cJSON *s;
    if (list) {
        cJSON_ArrayForEach(s, list)
        {
            if (!(p->local[i] = lower_dup(s->valuestring)))
                return err_set(e, LOUPE_ENOMEM, "pricing: out of memory");
            p->nlocal = ++i;
        }
    } else {
        for (; i < n; i++) {
            if (!(p->local[i] = lower_dup(default_local[i])))
                return err_set(e, LOUPE_ENOMEM, "pricing: out of memory");
            p->nlocal = i + 1;
        }
    }
    return 0;
}

static const cJSON *pick(const cJSON *over, const cJSON *base, const char *k)
{
    const cJSON *j = over ? cJSON_GetObjectItemCaseSensitive(over, k) : NULL;
    return j ? j : cJSON_GetObjectItemCaseSensitive(base, k);
}

int pricing_create(slice table_json, const struct cJSON *override, pricing **out, err_ctx *e)
{
    *out = NULL;
    if (!table_json.n)
        table_json = slice_make(loupe_default_pricing, loupe_default_pricing_len);
    pricing *p = calloc(1, sizeof *p);
    cJSON *base = cJSON_ParseWithLength((const char *)table_json.p, table_json.n);
    int rc = 0;
    if (!p) {
        rc = err_set(e, LOUPE_ENOMEM, "pricing: out of memory");
        goto cleanup;
    }
    if (!base) {
        rc = err_set(e, LOUPE_EINVAL, "pricing: the price table is not valid JSON");
        goto cleanup;
    }
    if ((rc = check_top(base, "pricing", e)) || (override && (rc = check_top(override, "pricing override", e))))
        goto cleanup;
    if (override && (rc = add_models(p, override, 0, "pricing override", e)))
        goto cleanup;
    const cJSON *replace = override ? cJSON_GetObjectItemCaseSensitive(override, "replace") : NULL;
    if (!cJSON_IsTrue(replace) && (rc = add_models(p, base, p->n, "pricing", e)))
        goto cleanup;
    const cJSON *fl = pick(override, base, "free_local");
    p->free_local = fl ? cJSON_IsTrue(fl) : 1;
    if ((rc = set_local(p, pick(override, base, "local_providers"), e)))
        goto cleanup;
    *out = p;
    p = NULL;
cleanup:
    cJSON_Delete(base);
    pricing_destroy(p);
    return rc;
}

int pricing_create_text(slice table_json, slice override_json, pricing **out, err_ctx *e)
{
    cJSON *o = NULL;
    *out = NULL;
    if (override_json.n) {
        o = cJSON_ParseWithLength((const char *)override_json.p, override_json.n);
        if (!o)
            return err_set(e, LOUPE_EINVAL, "pricing override: not valid JSON");
    }
    int rc = pricing_create(table_json, o, out, e);
    cJSON_Delete(o);
    return rc;
}

/* ------------------------------------------------------------ matching */

static int boundary(char c) { return c == '-' || c == ':' || c == '@' || c == '_' || c == '/'; }

/* "us.anthropic.claude-..." -> "claude-...": strips a dotted, letters-only
 * vendor prefix before the first '-' (AWS Bedrock model ids). */
static const char *strip_vendor(const char *s)
{
    const char *dash = strchr(s, '-');
    size_t end = dash ? (size_t)(dash - s) : strlen(s);
    size_t dot = 0;
    int found = 0;
    for (size_t i = 0; i < end; i++)
        if (s[i] == '.')
            dot = i, found = 1;
    if (!found)
        return s;
    for (size_t i = 0; i < dot; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '.'))
            return s;
    return s + dot + 1;
}

const price *pricing_find(const pricing *p, slice provider, slice model)
{
    if (!p)
        return NULL;
    while (model.n && (model.p[0] == ' ' || model.p[0] == '\t'))
        model.p++, model.n--;
    while (model.n && (model.p[model.n - 1] == ' ' || model.p[model.n - 1] == '\t'))
        model.n--;
    if (!model.n || model.n >= MAX_NAME)
        return NULL;
    char name[MAX_NAME];
    for (size_t i = 0; i < model.n; i++)
        name[i] = (model.p[i] >= 'A' && model.p[i] <= 'Z') ? (char)(model.p[i] + 32) : (char)model.p[i];
    name[model.n] = '\0';
    const char *cand[3];
    size_t nc = 0;
    cand[nc++] = name;
    const char *slash = strrchr(name, '/');
    if (slash && slash[1])
        cand[nc++] = slash + 1;
    const char *v = strip_vendor(cand[nc - 1]);
    if (v != cand[nc - 1] && *v)
        cand[nc++] = v;

    /* exact (rank 2) beats boundary prefix (rank 1); longer beats shorter;
     * then the call's provider; then table order */
    const entry *best = NULL;
    int brank = 0, bprov = 0;
    size_t blen = 0;
    for (size_t i = 0; i < p->n; i++) {
        const entry *en = &p->e[i];
        if (en->pr.regex)
            continue;
        for (size_t c = 0; c < nc; c++) {
            size_t cl = strlen(cand[c]);
            int rank = 0;
            if (cl == en->lclen && !memcmp(cand[c], en->lc, cl))
                rank = 2;
            else if (cl > en->lclen && !memcmp(cand[c], en->lc, en->lclen) && boundary(cand[c][en->lclen]))
                rank = 1;
            if (!rank)
                continue;
            int prov = provider.n && ieq((const char *)provider.p, provider.n, en->pr.provider, strlen(en->pr.provider));
            if (rank > brank || (rank == brank && (en->lclen > blen || (en->lclen == blen && prov > bprov)))) {
                best = en;
                brank = rank;
                blen = en->lclen;
                bprov = prov;
            }
        }
    }
    if (best)
        return &best->pr;

    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    if (!md)
        return NULL;
    for (size_t i = 0; i < p->n && !(best && bprov); i++) {
        const entry *en = &p->e[i];
        if (!en->re)
            continue;
        for (size_t c = 0; c < nc; c++) {
            if (pcre2_match(en->re, (PCRE2_SPTR)cand[c], strlen(cand[c]), 0, 0, md, NULL) < 0)
                continue;
            int prov = provider.n && ieq((const char *)provider.p, provider.n, en->pr.provider, strlen(en->pr.provider));
            if (!best || (prov && !bprov)) {
                best = en;
                bprov = prov;
            }
            break;
        }
    }
    pcre2_match_data_free(md);
    return best ? &best->pr : NULL;
}

/* ------------------------------------------------------------ cost */

static double nonneg(int64_t v) { return v > 0 ? (double)v : 0; }

double pricing_cost(const price *pr, const rec_call *c)
{
    if (c->input_tokens < 0 && c->output_tokens < 0)
        return NAN;
    double in = nonneg(c->input_tokens), out = nonneg(c->output_tokens);
    double cr = nonneg(c->cached_input_tokens), cw = nonneg(c->cache_write_tokens);
    double rs = nonneg(c->reasoning_tokens);
    double uncached = in - cr - cw;
    if (uncached < 0)
        uncached = in; /* the source counted cached tokens apart from input */
    double cost = uncached * pr->input + cr * pr->cache_read + cw * pr->cache_write;
    if (pr->reasoning_in_output) {
        if (rs > out)
            rs = out;
        cost += (out - rs) * pr->output + rs * pr->reasoning;
    } else {
        cost += out * pr->output + rs * pr->reasoning;
    }
    return cost / 1e6;
}

int pricing_provider_is_local(const pricing *p, slice provider)
{
    if (!provider.n)
        return 0;
    if (!p) {
        for (size_t i = 0; i < sizeof default_local / sizeof default_local[0]; i++)
            if (ieq((const char *)provider.p, provider.n, default_local[i], strlen(default_local[i])))
                return 1;
        return 0;
    }
    for (size_t i = 0; i < p->nlocal; i++)
        if (ieq((const char *)provider.p, provider.n, p->local[i], strlen(p->local[i])))
            return 1;
    return 0;
}

void pricing_apply(const pricing *p, rec_call *c)
{
    if (c->cost_source == 1 && isfinite(c->cost_usd))
        return;
    c->cost_usd = NAN;
    c->cost_source = 0;
    if (!p)
        return;
    if (p->free_local && ieq((const char *)c->route.p, c->route.n, "local", 5)) {
        c->cost_usd = 0;
        c->cost_source = 2;
        return;
    }
    const price *pr = pricing_find(p, c->provider, c->model);
    double cost = pr ? pricing_cost(pr, c) : NAN;
    /* A failed call that reports no usage (a 429, a timeout before the
     * first token) was not billed: it costs 0 at the model's price rather
     * than being called unpriced.  A successful call without usage stays
     * unknown. */
    if (pr && isnan(cost) && c->status == REC_STATUS_ERROR && c->input_tokens < 0 && c->output_tokens < 0)
        cost = 0;
    if (isnan(cost))
        return;
    c->cost_usd = cost;
    c->cost_source = 2;
}
