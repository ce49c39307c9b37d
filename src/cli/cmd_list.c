/*
 * cmd_list.c - `certmap list mappings [--site SITE] [--json]`: one row per
 * <add> written in the file, with what the certificate says about itself and
 * whether certmapd reads it (from the resolved view: a site's one-to-one index
 * holds the mappings of the server and site level only, as IIS reads them).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certmap/cert.h"
#include "mapping.h" /* the entries of a site's one-to-one index in the view */

static const char help_list[] =
    "Usage: certmap list mappings [--site SITE] [--json]\n"
    "       certmap list mappings --site SITE [--path /P] --effective [--json]\n"
    "       certmap list mappings --expiring DAYS [--site SITE] [--json]\n"
    "\n"
    "Lists the one-to-one mappings written in the configuration: one row per <add>\n"
    "at every location of SITE (with the server-level mappings, which apply to it\n"
    "too), or of every site.  Inherited copies are not repeated.\n"
    "\n"
    "STATUS says whether certmapd reads the mapping: 'used' (in the site's\n"
    "one-to-one index; with --site, in that site's), 'ignored' (written below a\n"
    "site, where IIS and certmapd do not read mappings, or cleared at its level),\n"
    "'broken' (its certificate does not decode or its password cannot be\n"
    "decrypted; 'certmap validate' says how to repair it).\n"
    "\n"
    "Options:\n"
    "  --site SITE  only the locations of this site (and the server level)\n"
    "  --json       a JSON array of objects with the fields site, location, user,\n"
    "               enabled, status, sha256, sha1, subject, issuer, serial, notBefore,\n"
    "               notAfter, file, line (dates ISO 8601 UTC, fingerprints hex)\n"
    "  --effective  what certmapd applies to a request for /P of SITE: the\n"
    "               one-to-one and many-to-one mappings of the resolved view (IIS\n"
    "               reads them at the server and site level, after <clear/> and\n"
    "               <remove>; none when the path's scope turns mapping off), each\n"
    "               with the file:line it comes from.  JSON: an object with site,\n"
    "               path, scope, certificateMapping, oneToOne, manyToOne, mappings\n"
    "  --expiring DAYS  the mapped certificates (of SITE, or of every site) whose\n"
    "               notAfter is within DAYS days, expired ones first, then the\n"
    "               soonest; JSON rows add daysLeft and expired\n";

/* A table row: what is printed, copied so the column widths can be measured first. */
struct row {
    char *location; /* owned */
    char *user;     /* owned */
    bool enabled;
    const char *status; /* static text */
    char not_after[32];
    char sha256[65];
    char *subject; /* owned */
};

struct table {
    struct row *rows; /* owned array */
    size_t count;
    size_t cap;
};

/* One mapping as the command reports it. */
struct entry {
    const char *site;     /* first segment of the location, "" at the server level */
    const char *location; /* <location path>, "" at the server level */
    const char *user;
    bool enabled;
    const char *status; /* "used", "ignored" or "broken" (see help_list) */
    bool decoded;       /* false when the certificate attribute does not decode */
    struct certmap_cert_info info;
    const char *file;
    unsigned line;
};

static void
table_free(struct table *t)
{
    size_t i;

    for (i = 0; i < t->count; i++) {
        free(t->rows[i].location);
        free(t->rows[i].user);
        free(t->rows[i].subject);
    }
    free(t->rows);
}

static int
table_add(struct table *t, const struct entry *e)
{
    struct row *r, *n;

    if (t->count == t->cap) {
        size_t cap = t->cap == 0 ? 64 : t->cap * 2;

        n = realloc(t->rows, cap * sizeof(*n));
        if (n == NULL)
            return -1;
        t->rows = n;
        t->cap = cap;
    }
    r = &t->rows[t->count];
    memset(r, 0, sizeof(*r));
    r->location = strdup(e->location[0] != '\0' ? e->location : "(server)");
    r->user = strdup(e->user);
    r->subject = strdup(e->decoded ? e->info.subject : "(certificate does not decode)");
    r->enabled = e->enabled;
    r->status = e->status;
    snprintf(r->not_after, sizeof(r->not_after), "%.10s", e->decoded ? e->info.not_after : "-");
    snprintf(r->sha256, sizeof(r->sha256), "%s", e->decoded ? e->info.sha256 : "-");
    t->count++;
    if (r->location == NULL || r->user == NULL || r->subject == NULL)
        return -1;
    return 0;
}

static void
table_print(const struct table *t)
{
    size_t wl = strlen("LOCATION"), wu = strlen("USER"), i, n;

    for (i = 0; i < t->count; i++) {
        n = strlen(t->rows[i].location);
        wl = n > wl ? n : wl;
        n = strlen(t->rows[i].user);
        wu = n > wu ? n : wu;
    }
    printf("%-*s  %-*s  %-7s  %-7s  %-10s  %-64s  %s\n", (int)wl, "LOCATION", (int)wu, "USER",
           "ENABLED", "STATUS", "NOT AFTER", "SHA256", "SUBJECT");
    for (i = 0; i < t->count; i++) {
        const struct row *r = &t->rows[i];

        printf("%-*s  %-*s  %-7s  %-7s  %-10s  %-64s  %s\n", (int)wl, r->location, (int)wu, r->user,
               r->enabled ? "yes" : "no", r->status, r->not_after, r->sha256, r->subject);
    }
}

static void
json_field(const char *name, const char *value, bool comma)
{
    printf("\"%s\":", name);
    cli_json_string(stdout, value);
    if (comma)
        putchar(',');
}

static void
json_print(const struct entry *e, bool first)
{
    const struct certmap_cert_info *i = &e->info;

    printf("%s\n  {", first ? "" : ",");
    json_field("site", e->site, true);
    json_field("location", e->location, true);
    json_field("user", e->user, true);
    printf("\"enabled\":%s,", e->enabled ? "true" : "false");
    json_field("status", e->status, true);
    json_field("sha256", e->decoded ? i->sha256 : "", true);
    json_field("sha1", e->decoded ? i->sha1 : "", true);
    json_field("subject", e->decoded ? i->subject : "", true);
    json_field("issuer", e->decoded ? i->issuer : "", true);
    json_field("serial", e->decoded ? i->serial : "", true);
    json_field("notBefore", e->decoded ? i->not_before : "", true);
    json_field("notAfter", e->decoded ? i->not_after : "", true);
    json_field("file", e->file != NULL ? e->file : "", true);
    printf("\"line\":%u}", e->line);
}

/* Fills e from one <add> item; false when the certificate does not decode (warned). */
static void
entry_fill(const struct cli_ctx *ctx, struct entry *e, const struct certmap_element *item)
{
    const char *cert = certmap_element_get(item, "certificate");
    unsigned char *der = NULL;
    size_t len = 0;
    bool enabled = true;

    e->user = certmap_element_get(item, "userName");
    if (e->user == NULL)
        e->user = "";
    certmap_element_get_bool(item, "enabled", &enabled, NULL);
    e->enabled = enabled;
    e->file = NULL;
    e->line = 0;
    certmap_element_source(item, NULL, &e->file, &e->line);
    e->decoded = cert != NULL && certmap_cert_decode(cert, strlen(cert), &der, &len, NULL) == 0 &&
                 certmap_cert_info(der, len, &e->info, NULL) == 0;
    if (!e->decoded)
        cli_warn(ctx, "%s:%u: certificate of the mapping for '%s' does not decode",
                 e->file != NULL ? e->file : "?", e->line, e->user);
    free(der);
}

/* The site a location belongs to: its first segment, copied into buf. */
static const char *
site_of(const char *loc, char *buf, size_t size)
{
    const char *slash = strchr(loc, '/');
    size_t n = slash != NULL ? (size_t)(slash - loc) : strlen(loc);

    snprintf(buf, size, "%.*s", (int)n, loc);
    return buf;
}

/* A mapping certmapd reads: the line of its <add> and the site whose index holds it. */
struct used {
    unsigned line;
    const struct certmap_site *site;
};

/* What the view says about the written mappings. */
struct reads {
    const struct certmap_view *v;
    const char *file;  /* the configuration's name in sources */
    struct used *used; /* every index entry from the file, sorted by line (owned) */
    size_t nused;
    unsigned *broken; /* lines of the file's mappings with an item error, sorted (owned) */
    size_t nbroken;
};

static int
cmp_used(const void *a, const void *b)
{
    const struct used *x = a, *y = b;

    return x->line < y->line ? -1 : x->line > y->line;
}

static int
cmp_line(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

    return x < y ? -1 : x > y;
}

static void
reads_free(struct reads *r)
{
    free(r->used);
    free(r->broken);
}

/*
 * Collects the index entries of every site of the view and the item errors of
 * its build (found): O(n log n) for n mappings.  -1 on allocation failure.
 */
static int
reads_init(struct reads *r, const struct certmap_view *v, const char *file,
           const struct certmap_diags *found)
{
    size_t i, j, n = 0, ns = certmap_view_site_count(v);

    memset(r, 0, sizeof(*r));
    r->v = v;
    r->file = file;
    for (i = 0; i < ns; i++) {
        const struct mapping_index *idx = certmap_view_site_mappings(certmap_view_site(v, i));

        n += idx != NULL ? mapping_index_count(idx) : 0;
    }
    r->used = malloc((n > 0 ? n : 1) * sizeof(*r->used));
    r->broken = malloc((found->count > 0 ? found->count : 1) * sizeof(*r->broken));
    if (r->used == NULL || r->broken == NULL)
        return -1;
    for (i = 0; i < ns; i++) {
        const struct certmap_site *site = certmap_view_site(v, i);
        const struct mapping_index *idx = certmap_view_site_mappings(site);
        const struct mapping *m;

        for (j = 0; idx != NULL && (m = mapping_index_entry(idx, j)) != NULL; j++)
            if (m->file != NULL && strcmp(m->file, file) == 0)
                r->used[r->nused++] = (struct used){.line = m->line, .site = site};
    }
    for (i = 0; i < found->count; i++)
        if (found->items[i].item && strcmp(found->items[i].err.file, file) == 0)
            r->broken[r->nbroken++] = found->items[i].err.line;
    qsort(r->used, r->nused, sizeof(*r->used), cmp_used);
    qsort(r->broken, r->nbroken, sizeof(*r->broken), cmp_line);
    return 0;
}

/*
 * Whether certmapd reads the mapping e: "used" when the index of its site (of
 * some site, for the server level) holds the <add> at e's line.
 */
static const char *
reads_status(const struct reads *r, const struct entry *e)
{
    const struct certmap_site *site = NULL;
    size_t lo = 0, hi = r->nused, mid;
    unsigned line = e->line;

    if (e->file == NULL || strcmp(e->file, r->file) != 0)
        return "ignored";
    if (e->site[0] != '\0') {
        site = certmap_view_find_site(r->v, e->site);
        if (site == NULL)
            return "ignored";
    }
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (r->used[mid].line < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < r->nused && r->used[lo].line == line; lo++)
        if (site == NULL || r->used[lo].site == site)
            return "used";
    if (!e->decoded || bsearch(&line, r->broken, r->nbroken, sizeof(line), cmp_line) != NULL)
        return "broken";
    return "ignored";
}

/* Reports the mappings written at loc; an exit code. */
static int
list_location(const struct cli_ctx *ctx, struct certmap_config *cfg, const struct reads *r,
              const char *loc, bool json, struct table *t, bool *first)
{
    struct certmap_error err = {0};
    struct certmap_element *sec, *item;
    struct certmap_collection *c;
    struct entry e;
    char site[512];
    size_t i, n;

    sec = certmap_config_get_section(cfg, CERTMAP_SECTION_CERTMAPPING, loc, &err);
    if (sec == NULL)
        return cli_fail(ctx, &err);
    c = certmap_element_collection(sec, "oneToOneMappings", &err);
    if (c == NULL)
        return cli_fail(ctx, &err);
    n = certmap_collection_count(c);
    for (i = 0; i < n; i++) {
        item = certmap_collection_item(c, i);
        if (certmap_element_is_inherited(item))
            continue;
        memset(&e, 0, sizeof(e));
        e.location = loc;
        e.site = site_of(loc, site, sizeof(site));
        entry_fill(ctx, &e, item);
        e.status = reads_status(r, &e);
        if (json) {
            json_print(&e, *first);
            *first = false;
        } else if (table_add(t, &e) != 0) {
            cli_err(ctx, "out of memory");
            return CLI_IO;
        }
    }
    return CLI_OK;
}

int
cmd_list_mappings(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *site = NULL, *pos[1], *loc, *path = NULL, *expiring = NULL;
    bool json = false, first = true, effective = false;
    const struct cli_opt opts[] = {
        {.name = "site", .value = &site},         {.name = "json", .flag = &json},
        {.name = "path", .value = &path},         {.name = "effective", .flag = &effective},
        {.name = "expiring", .value = &expiring}, {.name = NULL},
    };
    struct certmap_config *cfg = NULL;
    struct certmap_view *v = NULL;
    struct certmap_diags found = {0};
    struct reads r = {0};
    struct table t = {0};
    const char *canon = "";
    size_t npos, i, n;
    int rc;

    rc = cli_parse(ctx, argc, argv, opts, pos, 0, &npos);
    if (rc == CLI_HELP) {
        fputs(help_list, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK)
        return rc;
    if (effective && expiring != NULL)
        return cli_usage(ctx, "give either --effective or --expiring, not both");
    if (effective)
        return cli_list_effective(ctx, site, path, json);
    if (path != NULL)
        return cli_usage(ctx, "--path goes with --effective");
    if (expiring != NULL)
        return cli_list_expiring(ctx, site, expiring, json);
    cfg = cli_open_config(ctx, false, &rc);
    if (cfg == NULL)
        goto out;
    if (site != NULL) {
        canon = cli_find_site(ctx, cfg, site, &rc);
        if (canon == NULL)
            goto out;
    }
    v = cli_view(ctx, cfg, &found, &rc);
    if (v == NULL)
        goto out;
    if (reads_init(&r, v, certmap_config_path(cfg), &found) != 0) {
        cli_err(ctx, "out of memory");
        rc = CLI_IO;
        goto out;
    }
    if (json)
        putchar('[');
    /* The server level first: its mappings apply to every site. */
    rc = list_location(ctx, cfg, &r, "", json, &t, &first);
    n = certmap_config_location_count(cfg);
    for (i = 0; i < n && rc == CLI_OK; i++) {
        loc = certmap_config_location_path(cfg, i);
        if (loc == NULL || loc[0] == '\0' || !cli_location_within(loc, canon))
            continue;
        rc = list_location(ctx, cfg, &r, loc, json, &t, &first);
    }
    if (rc != CLI_OK)
        goto out;
    if (json)
        printf("%s]\n", first ? "" : "\n");
    else
        table_print(&t);
    if (fflush(stdout) != 0) {
        cli_err(ctx, "standard output: write failed");
        rc = CLI_IO;
    }
out:
    table_free(&t);
    reads_free(&r);
    certmap_diags_free(&found);
    certmap_view_unref(v);
    certmap_config_close(cfg);
    return rc;
}
