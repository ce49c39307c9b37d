/*
 * cmd_list_views.c - the two views of `certmap list mappings` that answer
 * from the resolved view rather than from the file as written:
 *
 *   --site S --path P --effective   the mappings certmapd consults for a
 *                                   request to P (after inheritance, <clear/>,
 *                                   <remove> and the scope's settings)
 *   --expiring DAYS                 mapped certificates whose notAfter is
 *                                   within DAYS, expired ones first
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certmap/cert.h"
#include "mapping.h"
#include "mapping/many.h"

/* A mapped certificate as both views print it. */
struct mapped {
    const char *site; /* borrowed from the view */
    const struct mapping *m;
    struct certmap_cert_info info;
    bool decoded;
};

static void
mapped_fill(struct mapped *e, const char *site, const struct mapping *m)
{
    e->site = site;
    e->m = m;
    e->decoded = certmap_cert_info(m->der, m->der_len, &e->info, NULL) == 0;
}

static void
print_source(FILE *f, const char *file, unsigned line)
{
    fprintf(f, "%s:%u", file != NULL ? file : "(default)", line);
}

/* days_left (may be NULL): whole days until notAfter, negative once expired. */
static void
json_one_to_one(const struct mapped *e, bool first, const long *days_left)
{
    printf("%s\n  {\"kind\":\"oneToOne\",\"site\":", first ? "" : ",");
    cli_json_string(stdout, e->site);
    fputs(",\"user\":", stdout);
    cli_json_string(stdout, e->m->user);
    printf(",\"enabled\":%s,\"sha256\":\"%s\",\"subject\":", e->m->enabled ? "true" : "false",
           e->decoded ? e->info.sha256 : "");
    cli_json_string(stdout, e->decoded ? e->info.subject : "");
    printf(",\"notAfter\":\"%s\",\"file\":", e->decoded ? e->info.not_after : "");
    cli_json_string(stdout, e->m->file);
    printf(",\"line\":%u", e->m->line);
    if (days_left != NULL)
        printf(",\"daysLeft\":%ld,\"expired\":%s", *days_left, *days_left < 0 ? "true" : "false");
    putchar('}');
}

/* The scope of --site/--path in the view; NULL after printing why. */
static const struct certmap_scope *
effective_scope(const struct cli_ctx *ctx, struct certmap_config *cfg, const struct certmap_view *v,
                const char *site_arg, const char *path_arg, const struct certmap_site **site,
                char *path, size_t size, int *rc)
{
    char *loc = cli_location(ctx, cfg, site_arg, path_arg, rc);

    if (loc == NULL)
        return NULL;
    *site = cli_view_site(ctx, v, loc, path, size, rc);
    free(loc);
    if (*site == NULL)
        return NULL;
    return certmap_view_match(*site, path, strlen(path));
}

/* Says why no mapping applies at the scope (stderr keeps stdout the list). */
static void
explain_off(const struct certmap_scope *sc, const char *shown)
{
    const struct certmap_settings *s = &sc->settings;
    const struct certmap_source *src =
        !s->cm_enabled ? &s->src[CERTMAP_SET_CM_ENABLED] : &s->src[CERTMAP_SET_CM_ONE_TO_ONE];

    fprintf(stderr, "certmap: note: %s: %s is false here (", shown,
            !s->cm_enabled ? "iisClientCertificateMappingAuthentication enabled"
                           : "oneToOneCertificateMappingsEnabled");
    print_source(stderr, src->file, src->line);
    fputs("): no one-to-one mapping applies\n", stderr);
}

static void
print_effective_table(const struct certmap_site *site, const struct certmap_scope *sc,
                      const char *shown)
{
    const struct certmap_settings *s = &sc->settings;
    const struct m2o_mapping *mm;
    struct mapped e;
    size_t i;

    printf("%s (scope '%s' of site '%s')\n", shown, sc->path[0] != '\0' ? sc->path : "/",
           site->name);
    printf("%-10s  %-20s  %-7s  %-64s  %s\n", "KIND", "USER", "ENABLED", "SHA256 / NAME", "SOURCE");
    for (i = 0; s->mappings != NULL && i < mapping_index_count(s->mappings); i++) {
        mapped_fill(&e, site->name, mapping_index_entry(s->mappings, i));
        printf("%-10s  %-20s  %-7s  %-64s  ", "one-to-one", e.m->user, e.m->enabled ? "yes" : "no",
               e.decoded ? e.info.sha256 : "-");
        print_source(stdout, e.m->file, e.m->line);
        putchar('\n');
    }
    for (i = 0; s->many_to_one != NULL && (mm = m2o_set_entry(s->many_to_one, i)) != NULL; i++) {
        printf("%-10s  %-20s  %-7s  %-64s  ", "many-to-one", mm->base.user,
               mm->base.enabled ? "yes" : "no", mm->name);
        print_source(stdout, mm->base.file, mm->base.line);
        putchar('\n');
    }
}

static void
print_effective_json(const struct certmap_site *site, const struct certmap_scope *sc,
                     const char *path)
{
    const struct certmap_settings *s = &sc->settings;
    const struct m2o_mapping *mm;
    struct mapped e;
    bool first = true;
    size_t i;

    fputs("{\"site\":", stdout);
    cli_json_string(stdout, site->name);
    fputs(",\"path\":", stdout);
    cli_json_string(stdout, path[0] != '\0' ? path : "/");
    fputs(",\"scope\":", stdout);
    cli_json_string(stdout, sc->path[0] != '\0' ? sc->path : "/");
    printf(",\"certificateMapping\":%s,\"oneToOne\":%s,\"manyToOne\":%s,\"mappings\":[",
           s->cm_enabled ? "true" : "false", s->mappings != NULL ? "true" : "false",
           s->many_to_one != NULL ? "true" : "false");
    for (i = 0; s->mappings != NULL && i < mapping_index_count(s->mappings); i++) {
        mapped_fill(&e, site->name, mapping_index_entry(s->mappings, i));
        json_one_to_one(&e, first, NULL);
        first = false;
    }
    for (i = 0; s->many_to_one != NULL && (mm = m2o_set_entry(s->many_to_one, i)) != NULL; i++) {
        printf("%s\n  {\"kind\":\"manyToOne\",\"name\":", first ? "" : ",");
        cli_json_string(stdout, mm->name);
        fputs(",\"user\":", stdout);
        cli_json_string(stdout, mm->base.user);
        printf(",\"enabled\":%s,\"deny\":%s,\"file\":", mm->base.enabled ? "true" : "false",
               mm->deny ? "true" : "false");
        cli_json_string(stdout, mm->base.file);
        printf(",\"line\":%u}", mm->base.line);
        first = false;
    }
    printf("%s]}\n", first ? "" : "\n");
}

int
cli_list_effective(struct cli_ctx *ctx, const char *site_arg, const char *path_arg, bool json)
{
    struct certmap_config *cfg = NULL;
    struct certmap_view *v = NULL;
    const struct certmap_site *site = NULL;
    const struct certmap_scope *sc;
    char path[2048], shown[2600];
    int rc;

    if (site_arg == NULL)
        return cli_usage(ctx, "--effective needs --site (and --path, default the site root)");
    cfg = cli_open_config(ctx, false, &rc);
    if (cfg == NULL)
        goto out;
    v = cli_view(ctx, cfg, NULL, &rc);
    if (v == NULL)
        goto out;
    sc = effective_scope(ctx, cfg, v, site_arg, path_arg, &site, path, sizeof(path), &rc);
    if (sc == NULL)
        goto out;
    snprintf(shown, sizeof(shown), "%s%s", site->name, path);
    if (sc->error_status != 0)
        fprintf(stderr, "certmap: note: %s: every request here gets %d.%d: %s\n", shown,
                sc->error_status, sc->error_substatus, sc->error != NULL ? sc->error : "");
    if (sc->settings.mappings == NULL)
        explain_off(sc, shown);
    if (json)
        print_effective_json(site, sc, path);
    else
        print_effective_table(site, sc, shown);
    rc = fflush(stdout) == 0 ? CLI_OK : CLI_IO;
out:
    certmap_view_unref(v);
    certmap_config_close(cfg);
    return rc;
}

static int
cmp_not_after(const void *a, const void *b)
{
    const struct mapped *x = a, *y = b;

    return x->info.not_after_t < y->info.not_after_t ? -1
                                                     : x->info.not_after_t > y->info.not_after_t;
}

/*
 * Appends the entries of idx expiring before limit to *out, once per <add>
 * (a server-level mapping is in every site's index).  -1 on allocation failure.
 */
static int
collect_expiring(const struct certmap_site *site, const struct mapping_index *idx, int64_t limit,
                 struct mapped **out, size_t *n, size_t *cap)
{
    const struct mapping *m;
    struct mapped e, *t;
    size_t i, k;

    for (i = 0; idx != NULL && (m = mapping_index_entry(idx, i)) != NULL; i++) {
        mapped_fill(&e, site->name, m);
        if (!e.decoded || e.info.not_after_t > limit)
            continue;
        for (k = 0; k < *n; k++)
            if ((*out)[k].m->line == m->line && strcmp((*out)[k].m->file, m->file) == 0)
                break;
        if (k < *n)
            continue;
        if (*n == *cap) {
            *cap = *cap == 0 ? 16 : *cap * 2;
            t = realloc(*out, *cap * sizeof(*t));
            if (t == NULL)
                return -1;
            *out = t;
        }
        (*out)[(*n)++] = e;
    }
    return 0;
}

int
cli_list_expiring(struct cli_ctx *ctx, const char *site_arg, const char *days_arg, bool json)
{
    struct certmap_config *cfg = NULL;
    struct certmap_view *v = NULL;
    const struct certmap_site *only = NULL, *site;
    struct mapped *list = NULL;
    size_t n = 0, cap = 0, i, ns;
    int64_t now = (int64_t)time(NULL), limit;
    char *end = NULL, dl[32];
    long days;
    int rc;

    days = strtol(days_arg, &end, 10);
    if (end == days_arg || *end != '\0' || days < 0 || days > 36500)
        return cli_usage(ctx, "--expiring '%s': expected a number of days (0-36500)", days_arg);
    limit = now + (int64_t)days * 86400;
    cfg = cli_open_config(ctx, false, &rc);
    if (cfg == NULL)
        goto out;
    v = cli_view(ctx, cfg, NULL, &rc);
    if (v == NULL)
        goto out;
    if (site_arg != NULL) {
        only = certmap_view_find_site(v, site_arg);
        if (only == NULL) {
            cli_err(ctx, "unknown site '%s'", site_arg);
            rc = CLI_INVALID;
            goto out;
        }
    }
    ns = certmap_view_site_count(v);
    for (i = 0; i < ns; i++) {
        site = certmap_view_site(v, i);
        if (only != NULL && site != only)
            continue;
        if (collect_expiring(site, certmap_view_site_mappings(site), limit, &list, &n, &cap) != 0) {
            cli_err(ctx, "out of memory");
            rc = CLI_IO;
            goto out;
        }
    }
    /* notAfter ascending: the expired ones come first, then the soonest */
    qsort(list, n, sizeof(*list), cmp_not_after);
    if (json)
        putchar('[');
    else
        printf("%-20s  %-9s  %-20s  %-7s  %-64s  %s\n", "NOT AFTER", "DAYS LEFT", "USER", "ENABLED",
               "SHA256", "SOURCE");
    for (i = 0; i < n; i++) {
        const struct mapped *e = &list[i];
        int64_t left = e->info.not_after_t - now;
        /* whole days left, rounded down; negative once expired */
        long d = (long)(left >= 0 ? left / 86400 : -((-left + 86399) / 86400));

        if (json) {
            json_one_to_one(e, i == 0, &d);
            continue;
        }
        if (left < 0)
            snprintf(dl, sizeof(dl), "expired");
        else
            snprintf(dl, sizeof(dl), "%ld", d);
        printf("%-20s  %-9s  %-20s  %-7s  %-64s  ", e->info.not_after, dl, e->m->user,
               e->m->enabled ? "yes" : "no", e->info.sha256);
        print_source(stdout, e->m->file, e->m->line);
        putchar('\n');
    }
    if (json)
        printf("%s]\n", n > 0 ? "\n" : "");
    rc = fflush(stdout) == 0 ? CLI_OK : CLI_IO;
out:
    free(list);
    certmap_view_unref(v);
    certmap_config_close(cfg);
    return rc;
}
