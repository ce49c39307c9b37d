/*
 * cmd_validate.c - `certmap validate` (every error, warning and note with
 * file:line) and `certmap encrypt-passwords` (plain-text password attributes
 * to envelopes).
 */
#include "cli.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help_validate[] =
    "Usage: certmap validate [--quiet] [--json] [--directory]\n"
    "\n"
    "Loads the configuration as certmapd would (decrypting every password with the\n"
    "key file) and prints every error, warning and note as\n"
    "'file:line: severity: element: attribute: message', then a summary line.\n"
    "Notes list IIS settings kept in the file but without effect on Linux.  Access\n"
    "rules of IIS sections certmap does not enforce (dynamicIpSecurity, requestFiltering,\n"
    "...) are errors, as in certmapd, unless their section is\n"
    "listed in <certmap><server unenforcedSections>.  Then it builds the resolved\n"
    "view certmapd serves from (web.config files included) and lists its findings\n"
    "too: unusable bindings and physical paths, mappings that cannot be used, and\n"
    "one-to-one mappings written below a site (notes: IIS and certmapd read them\n"
    "only at the server and site level).  Last, it runs the checks of 'certmapd -t'\n"
    "(the same library code): server certificates and keys load and match (with\n"
    "the server's own loader), chains, certificateHash found in its store,\n"
    "clientCaFile and crlFile load as the handshake loads them, CRLs past their\n"
    "nextUpdate (errors) or near it (warnings, crlWarningHours), a missing\n"
    "clientCaFile where client certificates are requested (a warning naming the\n"
    "system trust store that then decides), physical paths that are missing or not\n"
    "directories, log directories the current user cannot write, and bindings that\n"
    "conflict with each other; <certmap><directory>: uri and baseDn parse, the\n"
    "bindPasswordFile exists, holds a password, is readable by the service account\n"
    "and closed to others (0600 or 0640), the caFile loads.  Each finding is printed\n"
    "once.\n"
    "\n"
    "Options:\n"
    "  -q, --quiet   print errors only, no summary\n"
    "  --json        one JSON object: file, errors, warnings, notes and findings,\n"
    "                an array of {file, line, severity, element, attribute,\n"
    "                message, item} (item: the error disables one item only)\n"
    "  --directory   also connect to <certmap><directory>, bind and search once\n"
    "                (certmapd -t --directory): a directory that does not answer is\n"
    "                a warning, one that refuses the bind or lacks baseDn an error\n"
    "\n"
    "A mapping whose password cannot be decrypted (an envelope IIS wrote with its\n"
    "own key, another key file, a damaged value) or whose certificate does not\n"
    "decode is an error of that mapping only: certmapd serves the rest, and\n"
    "'certmap set mapping ... --password-stdin' or 'certmap remove mapping'\n"
    "repairs it.\n"
    "\n"
    "Exit status 0 when there is no error (warnings and notes allowed), 2 when\n"
    "there is any, 3 when the file cannot be read.\n";

static const char help_encrypt[] =
    "Usage: certmap encrypt-passwords\n"
    "\n"
    "Replaces every plain-text password attribute (one-to-one mappings, anonymous\n"
    "authentication, virtual directories) with an AES-256-GCM envelope\n"
    "[enc:AesProvider:...:enc] under the key file (-k, default certmap.key beside\n"
    "the configuration, created 0600 on first use), and reports how many.\n"
    "Envelopes are left alone; those the key file does not open (written by IIS,\n"
    "or under another key) are listed as warnings with their file:line, to be set\n"
    "again with 'certmap set mapping ... --password-stdin'.\n";

/* true when an earlier finding than d names the same place (file, line, element, attribute). */
static bool
said_before(const struct certmap_diags *diags, size_t upto, const struct certmap_diag *d)
{
    const struct certmap_error *e = &d->err, *o;

    if (e->line == 0)
        return false;
    for (size_t i = 0; i < upto; i++) {
        o = &diags->items[i].err;
        if (o->line == e->line && strcmp(o->file, e->file) == 0 &&
            strcmp(o->element, e->element) == 0 && strcmp(o->attribute, e->attribute) == 0)
            return true;
    }
    return false;
}

/*
 * Builds the view as certmapd does at load and runs the checks of certmapd
 * -t over it (check.h), appending the findings to diags.
 * The loader's findings come first; a view finding at the same place as one
 * of them (a binding whose protocol is not served, an item the loader already
 * named) is the same finding and is dropped, so each is printed once.
 * Returns 0, or -1 with err filled when the view failed without saying why
 * in diags (out of memory).
 */
static int
view_findings(struct certmap_config *cfg, bool directory, struct certmap_diags *diags,
              struct certmap_error *err)
{
    const struct certmap_view_options vo = {.web_config = true, .compact_mappings = true};
    const struct check_options co = {.directory = directory};
    struct certmap_diags found = {0};
    struct certmap_view *v;
    size_t loader = diags->count, errors = 0, i;
    int ret = -1;

    v = certmap_view_build(cfg, &vo, &found, err);
    /* What certmapd -t checks: the files the view points to, as certmapd loads them. */
    if (v != NULL && check_view(v, &co, &found) != 0) {
        certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
        goto out;
    }
    for (i = 0; i < found.count; i++) {
        const struct certmap_diag *d = &found.items[i];

        if (d->severity == CERTMAP_SEV_ERROR)
            errors++;
        if (said_before(diags, loader, d))
            continue;
        if ((d->item ? certmap_diags_add_item(diags, &d->err)
                     : certmap_diags_add(diags, d->severity, &d->err)) != 0) {
            certmap_error_set(err, CERTMAP_ERR_NOMEM, NULL, 0, NULL, NULL, "out of memory");
            goto out;
        }
    }
    /* a view refused without any error of its own to show is a failure of this run */
    if (v == NULL && errors == 0)
        goto out;
    ret = 0;
out:
    certmap_view_unref(v);
    certmap_diags_free(&found);
    return ret;
}

int
cmd_validate(struct cli_ctx *ctx, int argc, char **argv)
{
    bool quiet = false, json = false, first = true, directory = false;
    const struct cli_opt opts[] = {
        {.name = "quiet", .short_name = 'q', .flag = &quiet},
        {.name = "json", .flag = &json},
        {.name = "directory", .flag = &directory},
        {.name = NULL},
    };
    struct certmap_open_options o = cli_open_options(ctx, false);
    struct certmap_diags diags = {0};
    struct certmap_error err = {0};
    struct certmap_config *cfg;
    size_t npos, i, warnings = 0, notes = 0;
    const char *pos[1];
    int rc;

    rc = cli_parse(ctx, argc, argv, opts, pos, 0, &npos);
    if (rc == CLI_HELP) {
        fputs(help_validate, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK)
        return rc;
    /*
     * Checked, never written: opened as certmapd opens it (serve-only, compact
     * view), which validates alike and finds the same errors, warnings and
     * notes (test_check_serve.c) in a fraction of the memory.
     */
    o.serve_only = true;
    cfg = certmap_config_open(ctx->config_path, &o, &diags, &err);
    /*
     * What certmapd finds at load: the view (it also refuses access rules certmap would not
     * enforce, certmap_config_check_unenforced()).
     */
    if (cfg != NULL && view_findings(cfg, directory, &diags, &err) != 0) {
        rc = cli_fail(ctx, &err);
        goto out;
    }
    for (i = 0; i < diags.count; i++) {
        const struct certmap_diag *d = &diags.items[i];

        if (d->severity == CERTMAP_SEV_WARNING)
            warnings++;
        else if (d->severity == CERTMAP_SEV_NOTE)
            notes++;
    }
    if (cfg == NULL && diags.errors == 0) {
        /* Not a finding in the file: it could not be read at all. */
        rc = cli_fail(ctx, &err);
        goto out;
    }
    if (json) {
        fputs("{\"file\":", stdout);
        cli_json_string(stdout, ctx->config_path);
        printf(",\"errors\":%zu,\"warnings\":%zu,\"notes\":%zu,\"findings\":[", diags.errors,
               warnings, notes);
    }
    for (i = 0; i < diags.count; i++) {
        const struct certmap_diag *d = &diags.items[i];

        if (quiet && d->severity != CERTMAP_SEV_ERROR)
            continue;
        if (json) {
            fputs(first ? "\n  " : ",\n  ", stdout);
            cli_print_diag_json(stdout, d);
            first = false;
        } else {
            cli_print_diag(stdout, d);
        }
    }
    if (json) {
        printf("%s]}\n", first ? "" : "\n");
        quiet = true; /* the counts are in the object */
    }
    if (!quiet && diags.item_errors > 0 && diags.errors == diags.item_errors && cfg != NULL)
        printf("%s: %zu error%s (each disables one item only; the rest is usable), "
               "%zu warning%s, %zu note%s\n",
               ctx->config_path, diags.errors, diags.errors == 1 ? "" : "s", warnings,
               warnings == 1 ? "" : "s", notes, notes == 1 ? "" : "s");
    else if (!quiet)
        printf("%s: %zu error%s, %zu warning%s, %zu note%s\n", ctx->config_path, diags.errors,
               diags.errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s", notes,
               notes == 1 ? "" : "s");
    rc = cfg != NULL && diags.errors == 0 ? CLI_OK : CLI_INVALID;
out:
    certmap_config_close(cfg);
    certmap_diags_free(&diags);
    return rc;
}

/* A password attribute to encrypt: the element and its plain text (owned copy). */
struct pending {
    struct certmap_element *e;
    char *plain;
};

struct pending_list {
    struct pending *items; /* owned */
    size_t count;
    size_t cap;
    size_t undecryptable; /* envelopes the key file does not open (reported, kept) */
};

/* Our envelopes and those of IIS's own providers alike are not plain text. */
static bool
is_plain(const char *v)
{
    size_t n;

    if (v == NULL || v[0] == '\0')
        return false;
    n = strlen(v);
    return !(strncmp(v, "[enc:", 5) == 0 && n > 10 && strcmp(v + n - 5, ":enc]") == 0);
}

/* Warns about an envelope the key file does not open: it stays as it is. */
static void
check_envelope(const struct cli_ctx *ctx, struct pending_list *l, struct certmap_element *e)
{
    struct certmap_error err = {0};
    char *plain = NULL, buf[2048];

    if (certmap_element_get_secret(e, "password", &plain, &err) == 0) {
        cli_free_secret(plain);
        return;
    }
    l->undecryptable++;
    cli_warn(ctx, "%s; left as it is", certmap_error_format(&err, buf, sizeof(buf)));
}

/*
 * Queues e's password when it is plain text (an envelope is checked and
 * reported when it does not decrypt); -1 on allocation failure.
 */
static int
collect(const struct cli_ctx *ctx, struct pending_list *l, struct certmap_element *e)
{
    const char *v;
    struct pending *n;

    if (e == NULL)
        return 0;
    v = certmap_element_get(e, "password");
    if (v != NULL && v[0] != '\0' && !is_plain(v)) {
        check_envelope(ctx, l, e);
        return 0;
    }
    if (!is_plain(v))
        return 0;
    if (l->count == l->cap) {
        size_t cap = l->cap == 0 ? 16 : l->cap * 2;

        n = realloc(l->items, cap * sizeof(*n));
        if (n == NULL)
            return -1;
        l->items = n;
        l->cap = cap;
    }
    l->items[l->count].e = e;
    l->items[l->count].plain = strdup(v);
    if (l->items[l->count].plain == NULL)
        return -1;
    l->count++;
    return 0;
}

static void
pending_free(struct pending_list *l)
{
    size_t i;

    for (i = 0; i < l->count; i++)
        cli_free_secret(l->items[i].plain);
    free(l->items);
}

/* The location that loc inherits from: "" for a site, "Site/app" for "Site/app/dir". */
static void
parent_location(const char *loc, char *buf, size_t size)
{
    const char *slash = strrchr(loc, '/');

    if (slash == NULL)
        snprintf(buf, size, "%s", "");
    else
        snprintf(buf, size, "%.*s", (int)(slash - loc), loc);
}

/* true when attr of e is written at e's own location, not inherited from parent. */
static bool
written_here(struct certmap_element *e, struct certmap_element *parent, const char *attr)
{
    const char *f1 = NULL, *f2 = NULL;
    unsigned l1 = 0, l2 = 0;

    if (certmap_element_source(e, attr, &f1, &l1) != 0)
        return false;
    if (parent == NULL || certmap_element_source(parent, attr, &f2, &l2) != 0)
        return true;
    return !(l1 == l2 && f1 != NULL && f2 != NULL && strcmp(f1, f2) == 0);
}

/* Plain passwords of the location-scoped sections at loc. */
static int
collect_location(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *loc,
                 struct pending_list *l)
{
    struct certmap_element *sec, *anon, *parent = NULL;
    struct certmap_collection *c;
    char up[2048];
    size_t i, n;

    sec = certmap_config_get_section(cfg, CERTMAP_SECTION_CERTMAPPING, loc, NULL);
    c = sec != NULL ? certmap_element_collection(sec, "oneToOneMappings", NULL) : NULL;
    n = c != NULL ? certmap_collection_count(c) : 0;
    for (i = 0; i < n; i++) {
        struct certmap_element *item = certmap_collection_item(c, i);

        if (!certmap_element_is_inherited(item) && collect(ctx, l, item) != 0)
            return -1;
    }
    anon = certmap_config_get_section(cfg, CERTMAP_SECTION_ANONYMOUS, loc, NULL);
    if (anon == NULL)
        return 0;
    if (loc[0] != '\0') {
        parent_location(loc, up, sizeof(up));
        parent = certmap_config_get_section(cfg, CERTMAP_SECTION_ANONYMOUS, up, NULL);
    }
    /* Rewriting an inherited value here would add a copy at this location. */
    if (written_here(anon, parent, "password"))
        return collect(ctx, l, anon);
    return 0;
}

/* Plain passwords of virtual directories (and their defaults) under system.applicationHost/sites.
 */
static int
collect_sites(const struct cli_ctx *ctx, struct certmap_config *cfg, struct pending_list *l)
{
    struct certmap_element *sites, *site, *app;
    struct certmap_collection *cs, *ca, *cv;
    size_t i, j, k;

    sites = certmap_config_get_section(cfg, CERTMAP_SECTION_SITES, NULL, NULL);
    if (sites == NULL)
        return 0;
    if (collect(ctx, l, certmap_element_child(sites, "virtualDirectoryDefaults", NULL)) != 0)
        return -1;
    cs = certmap_element_collection(sites, NULL, NULL);
    for (i = 0; cs != NULL && i < certmap_collection_count(cs); i++) {
        site = certmap_collection_item(cs, i);
        if (collect(ctx, l, certmap_element_child(site, "virtualDirectoryDefaults", NULL)) != 0)
            return -1;
        ca = certmap_element_collection(site, NULL, NULL);
        for (j = 0; ca != NULL && j < certmap_collection_count(ca); j++) {
            app = certmap_collection_item(ca, j);
            if (collect(ctx, l, certmap_element_child(app, "virtualDirectoryDefaults", NULL)) != 0)
                return -1;
            cv = certmap_element_collection(app, NULL, NULL);
            for (k = 0; cv != NULL && k < certmap_collection_count(cv); k++)
                if (collect(ctx, l, certmap_collection_item(cv, k)) != 0)
                    return -1;
        }
    }
    return 0;
}

int
cmd_encrypt_passwords(struct cli_ctx *ctx, int argc, char **argv)
{
    const struct cli_opt opts[] = {{.name = NULL}};
    struct certmap_error err = {0};
    struct certmap_config *cfg = NULL;
    struct pending_list l = {0};
    const char *pos[1], *loc;
    size_t npos, i, n;
    int rc;

    rc = cli_parse(ctx, argc, argv, opts, pos, 0, &npos);
    if (rc == CLI_HELP) {
        fputs(help_encrypt, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK)
        return rc;
    cfg = cli_open_config(ctx, true, &rc);
    if (cfg == NULL)
        goto out;
    /* Collect everything first, then write: sets must not change what is read next. */
    rc = CLI_IO;
    if (collect_location(ctx, cfg, "", &l) != 0 || collect_sites(ctx, cfg, &l) != 0)
        goto nomem;
    n = certmap_config_location_count(cfg);
    for (i = 0; i < n; i++) {
        loc = certmap_config_location_path(cfg, i);
        if (loc != NULL && loc[0] != '\0' && collect_location(ctx, cfg, loc, &l) != 0)
            goto nomem;
    }
    if (l.undecryptable > 0)
        cli_warn(ctx,
                 "%zu encrypted password%s cannot be decrypted with the key file; set %s again "
                 "with 'certmap set mapping --site SITE --cert FILE --password-stdin'",
                 l.undecryptable, l.undecryptable == 1 ? "" : "s",
                 l.undecryptable == 1 ? "it" : "them");
    if (l.count == 0) {
        printf("no plain-text password in %s\n", ctx->config_path);
        rc = CLI_OK;
        goto out;
    }
    for (i = 0; i < l.count; i++) {
        if (certmap_element_set(l.items[i].e, "password", l.items[i].plain, &err) != 0) {
            rc = cli_fail(ctx, &err);
            goto out;
        }
    }
    rc = cli_commit(ctx, cfg);
    if (rc != CLI_OK)
        goto out;
    printf("encrypted %zu password%s in %s\n", l.count, l.count == 1 ? "" : "s", ctx->config_path);
    goto out;
nomem:
    cli_err(ctx, "out of memory");
out:
    pending_free(&l);
    certmap_config_close(cfg);
    return rc;
}
