/* app.h - owns every module handle: starts the HTTP server (readiness 503),
 * opens the stores, then marks ready; stops in reverse order. */
#ifndef LOUPE_APP_H
#define LOUPE_APP_H

#include "config.h"
#include "util/err.h"

typedef struct app app;

int app_start(const loupe_config *cfg, app **out, err_ctx *e);
/* Stops accepting requests, finishes those in flight, commits and closes
 * the stores.  Accepts NULL. */
void app_stop(app *a);

#endif
