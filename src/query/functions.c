/* functions.c - the PromQL function signature table (Prometheus 2.42). */
#include "query/functions.h"

#include <string.h>

#define S VT_SCALAR
#define V VT_VECTOR
#define M VT_MATRIX
#define STR VT_STRING
#define N VT_NONE

/* name, id, arg types, variadic, min args, return type */
static const func_def FUNCS[] = {
    { "abs", FN_ABS, { V, N }, 1, 1, V },
    { "absent", FN_ABSENT, { V, N }, 1, 1, V },
    { "absent_over_time", FN_ABSENT_OVER_TIME, { M, N }, 1, 1, V },
    { "acos", FN_ACOS, { V, N }, 1, 1, V },
    { "acosh", FN_ACOSH, { V, N }, 1, 1, V },
    { "asin", FN_ASIN, { V, N }, 1, 1, V },
    { "asinh", FN_ASINH, { V, N }, 1, 1, V },
    { "atan", FN_ATAN, { V, N }, 1, 1, V },
    { "atanh", FN_ATANH, { V, N }, 1, 1, V },
    { "avg_over_time", FN_AVG_OVER_TIME, { M, N }, 1, 1, V },
    { "ceil", FN_CEIL, { V, N }, 1, 1, V },
    { "changes", FN_CHANGES, { M, N }, 1, 1, V },
    { "clamp", FN_CLAMP, { V, S, S, N }, 3, 3, V },
    { "clamp_max", FN_CLAMP_MAX, { V, S, N }, 2, 2, V },
    { "clamp_min", FN_CLAMP_MIN, { V, S, N }, 2, 2, V },
    { "cos", FN_COS, { V, N }, 1, 1, V },
    { "cosh", FN_COSH, { V, N }, 1, 1, V },
    { "count_over_time", FN_COUNT_OVER_TIME, { M, N }, 1, 1, V },
    { "days_in_month", FN_DAYS_IN_MONTH, { V, N }, 0, 1, V },
    { "day_of_month", FN_DAY_OF_MONTH, { V, N }, 0, 1, V },
    { "day_of_week", FN_DAY_OF_WEEK, { V, N }, 0, 1, V },
    { "day_of_year", FN_DAY_OF_YEAR, { V, N }, 0, 1, V },
    { "deg", FN_DEG, { V, N }, 1, 1, V },
    { "delta", FN_DELTA, { M, N }, 1, 1, V },
    { "deriv", FN_DERIV, { M, N }, 1, 1, V },
    { "exp", FN_EXP, { V, N }, 1, 1, V },
    { "floor", FN_FLOOR, { V, N }, 1, 1, V },
    { "histogram_count", FN_HISTOGRAM_COUNT, { V, N }, 1, 1, V },
    { "histogram_fraction", FN_HISTOGRAM_FRACTION, { S, S, V, N }, 3, 3, V },
    { "histogram_quantile", FN_HISTOGRAM_QUANTILE, { S, V, N }, 2, 2, V },
    { "histogram_sum", FN_HISTOGRAM_SUM, { V, N }, 1, 1, V },
    { "holt_winters", FN_HOLT_WINTERS, { M, S, S, N }, 3, 3, V },
    { "hour", FN_HOUR, { V, N }, 0, 1, V },
    { "idelta", FN_IDELTA, { M, N }, 1, 1, V },
    { "increase", FN_INCREASE, { M, N }, 1, 1, V },
    { "irate", FN_IRATE, { M, N }, 1, 1, V },
    { "label_join", FN_LABEL_JOIN, { V, STR, STR, STR, N }, 3, -1, V },
    { "label_replace", FN_LABEL_REPLACE, { V, STR, STR, STR, STR }, 5, 5, V },
    { "last_over_time", FN_LAST_OVER_TIME, { M, N }, 1, 1, V },
    { "ln", FN_LN, { V, N }, 1, 1, V },
    { "log10", FN_LOG10, { V, N }, 1, 1, V },
    { "log2", FN_LOG2, { V, N }, 1, 1, V },
    { "max_over_time", FN_MAX_OVER_TIME, { M, N }, 1, 1, V },
    { "min_over_time", FN_MIN_OVER_TIME, { M, N }, 1, 1, V },
    { "minute", FN_MINUTE, { V, N }, 0, 1, V },
    { "month", FN_MONTH, { V, N }, 0, 1, V },
    { "pi", FN_PI, { N }, 0, 0, S },
    { "predict_linear", FN_PREDICT_LINEAR, { M, S, N }, 2, 2, V },
    { "present_over_time", FN_PRESENT_OVER_TIME, { M, N }, 1, 1, V },
    { "quantile_over_time", FN_QUANTILE_OVER_TIME, { S, M, N }, 2, 2, V },
    { "rad", FN_RAD, { V, N }, 1, 1, V },
    { "rate", FN_RATE, { M, N }, 1, 1, V },
    { "resets", FN_RESETS, { M, N }, 1, 1, V },
    { "round", FN_ROUND, { V, S, N }, 1, 2, V },
    { "scalar", FN_SCALAR, { V, N }, 1, 1, S },
    { "sgn", FN_SGN, { V, N }, 1, 1, V },
    { "sin", FN_SIN, { V, N }, 1, 1, V },
    { "sinh", FN_SINH, { V, N }, 1, 1, V },
    { "sort", FN_SORT, { V, N }, 1, 1, V },
    { "sort_desc", FN_SORT_DESC, { V, N }, 1, 1, V },
    { "sqrt", FN_SQRT, { V, N }, 1, 1, V },
    { "stddev_over_time", FN_STDDEV_OVER_TIME, { M, N }, 1, 1, V },
    { "stdvar_over_time", FN_STDVAR_OVER_TIME, { M, N }, 1, 1, V },
    { "sum_over_time", FN_SUM_OVER_TIME, { M, N }, 1, 1, V },
    { "tan", FN_TAN, { V, N }, 1, 1, V },
    { "tanh", FN_TANH, { V, N }, 1, 1, V },
    { "time", FN_TIME, { N }, 0, 0, S },
    { "timestamp", FN_TIMESTAMP, { V, N }, 1, 1, V },
    { "vector", FN_VECTOR, { S, N }, 1, 1, V },
    { "year", FN_YEAR, { V, N }, 0, 1, V },
};

const func_def *func_lookup(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof FUNCS / sizeof FUNCS[0]; i++)
        if (strlen(FUNCS[i].name) == len && !memcmp(FUNCS[i].name, name, len))
            return &FUNCS[i];
    return NULL;
}

const func_def *func_table(size_t *n)
{
    *n = sizeof FUNCS / sizeof FUNCS[0];
    return FUNCS;
}
