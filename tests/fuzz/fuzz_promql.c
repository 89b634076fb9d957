/* fuzz_promql.c - libFuzzer harness: the PromQL lexer and parser
 * (query/parser.h), the type checks, and the canonical printer. */
#include "query/parser.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Every node of an accepted tree is typed and lies inside its parent. */
static void check_tree(const ast *n, int lo, int hi, size_t size)
{
    if (n->type == VT_NONE || n->pos < lo || n->end > hi || n->pos >= n->end || (size_t)n->end > size)
        abort();
    switch (n->kind) {
    case AST_BINARY:
        check_tree(n->bin.lhs, n->pos, n->end, size);
        check_tree(n->bin.rhs, n->pos, n->end, size);
        break;
    case AST_UNARY: check_tree(n->unary.expr, n->pos, n->end, size); break;
    case AST_PAREN: check_tree(n->paren.expr, n->pos, n->end, size); break;
    case AST_SUBQUERY: check_tree(n->sub.expr, n->pos, n->end, size); break;
    case AST_CALL:
        for (size_t i = 0; i < n->call.nargs; i++)
            check_tree(n->call.args[i], n->pos, n->end, size);
        break;
    case AST_AGG:
        if (n->agg.param)
            check_tree(n->agg.param, n->pos, n->end, size);
        check_tree(n->agg.expr, n->pos, n->end, size);
        break;
    case AST_VECTOR_SEL:
    case AST_MATRIX_SEL:
        if (n->sel.nms == 0 || (n->sel.name && strcmp((const char *)n->sel.ms[0].value.p, n->sel.name)))
            abort();
        break;
    default: break;
    }
}

/* Parses q into its canonical form; 0, or -1 when q is rejected. */
static int canonical(const char *q, size_t n, buf *out, int check)
{
    arena *a = arena_create(4096);
    if (!a)
        return -1;
    ast *root = NULL;
    err_ctx e = { 0 };
    int rc = promql_parse(q, n, a, &root, &e);
    if (rc == 0) {
        if (!root)
            abort();
        if (check)
            check_tree(root, 0, (int)n, n);
        if (ast_format(root, out))
            rc = -1;
        ast_free_matchers(root);
    } else if (root || e.code != rc || (rc == LOUPE_EINVAL && !strstr(e.msg, ": parse error: "))) {
        abort(); /* a rejected query leaves no tree and always names its position */
    }
    arena_destroy(a);
    return rc ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    buf first = BUF_INIT, second = BUF_INIT;
    if (canonical((const char *)data, size, &first, 1) == 0) {
        /* Prometheus's String() form is valid PromQL that prints the same way */
        if (canonical((const char *)first.p, first.n, &second, 0) != 0 || first.n != second.n ||
            memcmp(first.p, second.p, first.n) != 0)
            abort();
    }
    buf_free(&first);
    buf_free(&second);
    return 0;
}
