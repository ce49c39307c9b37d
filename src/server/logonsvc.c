/*
 * logonsvc.c - reference counting of the logon service (see logonsvc.h).
 */
#include "logonsvc.h"

#include <stdatomic.h>
#include <stdlib.h>

struct logonsvc {
    atomic_long refs;
    struct logon *logon; /* owned until the last reference retires it */
    logonsvc_retire_fn retire;
    void *retire_arg;
};

struct logonsvc *
logonsvc_new(const struct logon_settings *s, logonsvc_retire_fn retire, void *arg,
             struct certmap_error *err)
{
    struct logonsvc *svc = calloc(1, sizeof(*svc));

    if (svc == NULL) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    svc->logon = logon_new(s, err);
    if (svc->logon == NULL) {
        free(svc);
        return NULL;
    }
    atomic_init(&svc->refs, 1);
    svc->retire = retire;
    svc->retire_arg = arg;
    return svc;
}

struct logonsvc *
logonsvc_ref(struct logonsvc *svc)
{
    atomic_fetch_add_explicit(&svc->refs, 1, memory_order_relaxed);
    return svc;
}

void
logonsvc_unref(struct logonsvc *svc)
{
    if (svc == NULL)
        return;
    if (atomic_fetch_sub_explicit(&svc->refs, 1, memory_order_acq_rel) != 1)
        return;
    svc->retire(svc->logon, svc->retire_arg);
    free(svc);
}

struct logon *
logonsvc_logon(const struct logonsvc *svc)
{
    return svc->logon;
}
