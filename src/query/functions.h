/* functions.h - the PromQL function table: names and signatures, one line
 * each (the parser type-checks calls against it; the evaluator dispatches on
 * `id`).  Prometheus 2.42's set. */
#ifndef LOUPE_FUNCTIONS_H
#define LOUPE_FUNCTIONS_H

#include <stddef.h>

typedef enum { VT_NONE, VT_SCALAR, VT_VECTOR, VT_MATRIX, VT_STRING } value_type;

typedef enum {
    FN_ABS, FN_ABSENT, FN_ABSENT_OVER_TIME, FN_ACOS, FN_ACOSH, FN_ASIN, FN_ASINH, FN_ATAN, FN_ATANH,
    FN_AVG_OVER_TIME, FN_CEIL, FN_CHANGES, FN_CLAMP, FN_CLAMP_MAX, FN_CLAMP_MIN, FN_COS, FN_COSH,
    FN_COUNT_OVER_TIME, FN_DAYS_IN_MONTH, FN_DAY_OF_MONTH, FN_DAY_OF_WEEK, FN_DAY_OF_YEAR, FN_DEG,
    FN_DELTA, FN_DERIV, FN_EXP, FN_FLOOR, FN_HISTOGRAM_COUNT, FN_HISTOGRAM_FRACTION, FN_HISTOGRAM_QUANTILE,
    FN_HISTOGRAM_SUM, FN_HOLT_WINTERS, FN_HOUR, FN_IDELTA,
    FN_INCREASE, FN_IRATE, FN_LABEL_JOIN, FN_LABEL_REPLACE, FN_LAST_OVER_TIME, FN_LN, FN_LOG10,
    FN_LOG2, FN_MAX_OVER_TIME, FN_MIN_OVER_TIME, FN_MINUTE, FN_MONTH, FN_PI, FN_PREDICT_LINEAR,
    FN_PRESENT_OVER_TIME, FN_QUANTILE_OVER_TIME, FN_RAD, FN_RATE, FN_RESETS, FN_ROUND, FN_SCALAR,
    FN_SGN, FN_SIN, FN_SINH, FN_SORT, FN_SORT_DESC, FN_SQRT, FN_STDDEV_OVER_TIME,
    FN_STDVAR_OVER_TIME, FN_SUM_OVER_TIME, FN_TAN, FN_TANH, FN_TIME, FN_TIMESTAMP, FN_VECTOR,
    FN_YEAR,
    FN_COUNT_ /* number of functions */
} func_id;

typedef struct func_def {
    const char *name;
    func_id id;
    value_type args[5]; /* argument types in order (VT_NONE after the last) */
    int min_args;       /* fewest arguments accepted (0 for hour() etc., which default to vector(time())) */
    int max_args;       /* most accepted; -1 = unbounded, the last listed type repeating (label_join) */
    value_type ret;
} func_def;

/* Looks a function up by name; NULL if there is none. */
const func_def *func_lookup(const char *name, size_t len);
/* The whole table (for documentation and tests). */
const func_def *func_table(size_t *n);

#endif
