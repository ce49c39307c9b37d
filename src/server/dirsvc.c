/*
 * dirsvc.c - reference counting of the directory service (see dirsvc.h).
 */
#include "dirsvc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct dirsvc {
    atomic_long refs;
    struct directory *dir;   /* owned until the last reference retires it */
    dirsvc_retire_fn retire; /* NULL: directory_free() */
    void *retire_arg;
    struct certmap_directory_settings set; /* the directory's settings (strings in blob) */
    char *blob;
};

static bool
ds_same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool
dirsvc_same(const struct certmap_directory_settings *a, const struct certmap_directory_settings *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return ds_same_str(a->uri, b->uri) && ds_same_str(a->base_dn, b->base_dn) &&
           ds_same_str(a->bind_dn, b->bind_dn) &&
           ds_same_str(a->bind_password_file, b->bind_password_file) &&
           ds_same_str(a->user_attribute, b->user_attribute) &&
           ds_same_str(a->mapping_attribute, b->mapping_attribute) && a->mode == b->mode &&
           ds_same_str(a->group_attribute, b->group_attribute) &&
           ds_same_str(a->group_base_dn, b->group_base_dn) &&
           ds_same_str(a->group_member_attribute, b->group_member_attribute) &&
           a->cache_seconds == b->cache_seconds &&
           a->negative_cache_seconds == b->negative_cache_seconds &&
           a->max_stale_seconds == b->max_stale_seconds &&
           a->retry_after_seconds == b->retry_after_seconds &&
           a->timeout_seconds == b->timeout_seconds && a->connections == b->connections &&
           ds_same_str(a->ca_file, b->ca_file) && a->start_tls == b->start_tls &&
           a->allow_weak_mappings == b->allow_weak_mappings;
}

/* s's strings copied into one block. */
static int
ds_copy_set(struct dirsvc *svc, const struct certmap_directory_settings *s)
{
    const char **f[] = {&svc->set.uri,
                        &svc->set.base_dn,
                        &svc->set.bind_dn,
                        &svc->set.bind_password_file,
                        &svc->set.user_attribute,
                        &svc->set.mapping_attribute,
                        &svc->set.group_attribute,
                        &svc->set.group_base_dn,
                        &svc->set.group_member_attribute,
                        &svc->set.ca_file};
    size_t n = sizeof(f) / sizeof(f[0]), total = 0;
    char *p;

    svc->set = *s;
    for (size_t i = 0; i < n; i++)
        total += *f[i] != NULL ? strlen(*f[i]) + 1 : 0;
    svc->blob = malloc(total ? total : 1);
    if (svc->blob == NULL)
        return -1;
    p = svc->blob;
    for (size_t i = 0; i < n; i++) {
        size_t l;
        if (*f[i] == NULL)
            continue;
        l = strlen(*f[i]) + 1;
        memcpy(p, *f[i], l);
        *f[i] = p;
        p += l;
    }
    svc->set.src.file = NULL; /* the view's string: not kept */
    return 0;
}

struct dirsvc *
dirsvc_new(const struct certmap_directory_settings *s, dirsvc_retire_fn retire, void *arg,
           struct certmap_error *err)
{
    struct dirsvc *svc = calloc(1, sizeof(*svc));

    if (svc == NULL || ds_copy_set(svc, s) != 0) {
        if (svc != NULL)
            free(svc->blob);
        free(svc);
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        return NULL;
    }
    svc->dir = directory_new(&svc->set, err);
    if (svc->dir == NULL) {
        free(svc->blob);
        free(svc);
        return NULL;
    }
    svc->retire = retire;
    svc->retire_arg = arg;
    atomic_init(&svc->refs, 1);
    return svc;
}

struct dirsvc *
dirsvc_ref(struct dirsvc *svc)
{
    atomic_fetch_add_explicit(&svc->refs, 1, memory_order_relaxed);
    return svc;
}

void
dirsvc_unref(struct dirsvc *svc)
{
    if (svc == NULL)
        return;
    if (atomic_fetch_sub_explicit(&svc->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (svc->retire != NULL)
        svc->retire(svc->dir, svc->retire_arg);
    else
        directory_free(svc->dir);
    free(svc->blob);
    free(svc);
}

struct directory *
dirsvc_dir(const struct dirsvc *svc)
{
    return svc->dir;
}

const struct certmap_directory_settings *
dirsvc_settings(const struct dirsvc *svc)
{
    return &svc->set;
}
