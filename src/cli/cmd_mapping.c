/*
 * cmd_mapping.c - `certmap add|set|enable|disable|remove mapping` and
 * `certmap clear mappings`: one-to-one mappings of
 * iisClientCertificateMappingAuthentication, selected by site, path and
 * certificate (file or fingerprint).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "certmap/cert.h"

#define MAPPINGS "oneToOneMappings"

static const char help_add[] =
    "Usage: certmap add mapping --site SITE [--path /APP] --cert FILE --user USER\n"
    "                           (--password-stdin | --password-file FILE) [--disabled]\n"
    "\n"
    "Adds a one-to-one mapping from the certificate in FILE (PEM, DER or base64) to\n"
    "the account USER at <location path=\"SITE[/APP]\">.  The certificate is stored\n"
    "as the single-line base64 IIS uses, the password encrypted.  The site must\n"
    "exist.  The same certificate already mapped at that location (or inherited\n"
    "from an enclosing one) is refused with the line of the existing mapping.\n"
    "Authentication is not enabled implicitly: a warning says so when\n"
    "iisClientCertificateMappingAuthentication is off at the location.\n"
    "\n"
    "Options:\n"
    "  --site SITE           site name (system.applicationHost/sites)\n"
    "  --path /APP           application or directory below the site\n"
    "  --cert FILE           client certificate\n"
    "  --user USER           account to log on (DOMAIN\\user or user)\n"
    "  --password-stdin      read the account's password from standard input\n"
    "  --password-file FILE  read it from FILE (one line)\n"
    "  --disabled            add the mapping disabled (enabled=\"false\")\n";

static const char help_select[] =
    "Selecting the mapping:\n"
    "  --site SITE           site name\n"
    "  --path /APP           location below the site (default: the site itself)\n"
    "  --cert FILE           the mapped certificate (PEM, DER or base64), or\n"
    "  --fingerprint HEX     its SHA-256 (or SHA-1) fingerprint, ':' separators allowed\n"
    "Exit status 2 when no mapping at that location matches.\n";

static const char help_set[] =
    "Usage: certmap set mapping SELECTION [--user USER]\n"
    "           [--password-stdin | --password-file FILE] [--enable | --disable]\n"
    "           [--new-cert FILE]\n"
    "\n"
    "Changes the account, password or state of one mapping.  --new-cert rotates\n"
    "the certificate: the mapping keeps its user, password and state and maps the\n"
    "certificate in FILE instead, in one commit (no window where neither or both\n"
    "certificates are mapped).  Refused when FILE is already mapped at that\n"
    "location (written there or inherited).\n"
    "\n";

static const char help_enable[] = "Usage: certmap enable mapping SELECTION\n"
                                  "\n"
                                  "Sets enabled=\"true\" on one mapping.\n"
                                  "\n";

static const char help_disable[] = "Usage: certmap disable mapping SELECTION\n"
                                   "\n"
                                   "Sets enabled=\"false\" on one mapping: it stays in the file "
                                   "but never matches.\n"
                                   "\n";

static const char help_remove[] = "Usage: certmap remove mapping SELECTION\n"
                                  "\n"
                                  "Deletes one mapping from the file.\n"
                                  "\n";

static const char help_clear[] =
    "Usage: certmap clear mappings --site SITE [--path /APP]\n"
    "\n"
    "Removes every mapping written at the location and writes <clear/>, so that\n"
    "mappings of enclosing locations no longer apply there either (IIS semantics).\n";

/* Which mapping a command works on. */
struct selector {
    const char *site;        /* --site */
    const char *path;        /* --path */
    const char *cert_file;   /* --cert */
    const char *fingerprint; /* --fingerprint */
    unsigned char *der;      /* decoded --cert (owned) */
    size_t der_len;
    char *iis;            /* der as IIS's single-line base64 (owned) */
    unsigned char fp[32]; /* --fingerprint bytes, or the SHA-256 of der */
    int fp_len;           /* 32 (SHA-256) or 20 (SHA-1) */
};

static void
selector_free(struct selector *s)
{
    free(s->der);
    free(s->iis);
    s->der = NULL;
    s->iis = NULL;
}

/* Checks the selection options and decodes the certificate; an exit code. */
static int
selector_load(const struct cli_ctx *ctx, struct selector *s)
{
    struct certmap_error err = {0};

    if (s->site == NULL)
        return cli_usage(ctx, "--site is required");
    if ((s->cert_file == NULL) == (s->fingerprint == NULL))
        return cli_usage(ctx, "select the mapping with exactly one of --cert FILE or "
                              "--fingerprint SHA256");
    if (s->fingerprint != NULL) {
        s->fp_len = certmap_parse_fingerprint(s->fingerprint, s->fp);
        if (s->fp_len != 32 && s->fp_len != 20) {
            cli_err(ctx, "--fingerprint '%s': expected 64 (SHA-256) or 40 (SHA-1) hex digits",
                    s->fingerprint);
            return CLI_INVALID;
        }
        return CLI_OK;
    }
    if (certmap_cert_decode_file(s->cert_file, &s->der, &s->der_len, &err) != 0)
        return cli_fail(ctx, &err);
    s->iis = certmap_cert_to_iis_string(s->der, s->der_len);
    if (s->iis == NULL) {
        cli_err(ctx, "out of memory");
        return CLI_IO;
    }
    certmap_cert_sha256(s->der, s->der_len, s->fp);
    s->fp_len = 32;
    return CLI_OK;
}

/* true when the certificate of item is the selected one (compared as DER, never as text). */
static bool
selector_matches(const struct selector *s, const struct certmap_element *item)
{
    const char *value = certmap_element_get(item, "certificate");
    unsigned char *der = NULL, fp[32];
    size_t len = 0;
    bool match = false;

    if (value == NULL || certmap_cert_decode(value, strlen(value), &der, &len, NULL) != 0)
        return false;
    if (s->der != NULL) {
        match = len == s->der_len && memcmp(der, s->der, len) == 0;
    } else if (s->fp_len == 32) {
        certmap_cert_sha256(der, len, fp);
        match = memcmp(fp, s->fp, 32) == 0;
    } else {
        certmap_cert_sha1(der, len, fp);
        match = memcmp(fp, s->fp, 20) == 0;
    }
    free(der);
    return match;
}

/* The oneToOneMappings collection at loc; NULL after printing why. */
static struct certmap_collection *
mappings_at(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *loc,
            struct certmap_element **section)
{
    struct certmap_error err = {0};
    struct certmap_element *sec;
    struct certmap_collection *c;

    sec = certmap_config_get_section(cfg, CERTMAP_SECTION_CERTMAPPING, loc, &err);
    if (sec == NULL) {
        cli_fail(ctx, &err);
        return NULL;
    }
    c = certmap_element_collection(sec, MAPPINGS, &err);
    if (c == NULL) {
        cli_fail(ctx, &err);
        return NULL;
    }
    if (section != NULL)
        *section = sec;
    return c;
}

/* The effective item of c matching s (local or inherited), or NULL. */
static struct certmap_element *
find_item(const struct selector *s, struct certmap_collection *c)
{
    struct certmap_element *item;
    size_t i, n;

    /* The collection compares certificates as DER (its key), in O(1) on large files. */
    if (s->iis != NULL)
        return certmap_collection_find(c, s->iis);
    /* A fingerprint has no key to look up: compare each certificate. */
    n = certmap_collection_count(c);
    for (i = 0; i < n; i++) {
        item = certmap_collection_item(c, i);
        if (selector_matches(s, item))
            return item;
    }
    return NULL;
}

/*
 * When the selected mapping is not at loc, says where the site does map that
 * certificate, so that the admin can add the right --path.
 */
static void
hint_other_locations(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *site,
                     const char *loc, const struct selector *s)
{
    struct certmap_collection *c;
    struct certmap_element *item;
    size_t i, n = certmap_config_location_count(cfg);
    const char *other;
    char where[600];

    for (i = 0; i < n; i++) {
        other = certmap_config_location_path(cfg, i);
        if (other == NULL || strcmp(other, loc) == 0 || !cli_location_within(other, site))
            continue;
        c = mappings_at(ctx, cfg, other, NULL);
        if (c == NULL)
            continue;
        item = find_item(s, c);
        if (item == NULL || certmap_element_is_inherited(item))
            continue;
        cli_element_source(item, where, sizeof(where));
        fprintf(stderr, "certmap: note: that certificate is mapped at location '%s' (%s)\n", other,
                where);
    }
}

/*
 * Finds the mapping selected by s among the items written at its location.
 * Returns it (with *coll set) or NULL after printing why (*rc set).
 */
static struct certmap_element *
select_mapping(const struct cli_ctx *ctx, struct certmap_config *cfg, struct selector *s,
               char **loc_out, struct certmap_collection **coll, int *rc)
{
    struct certmap_element *item = NULL;
    char *loc;
    char where[600];
    const char *what = s->cert_file != NULL ? s->cert_file : s->fingerprint;

    loc = cli_location(ctx, cfg, s->site, s->path, rc);
    if (loc == NULL)
        return NULL;
    *coll = mappings_at(ctx, cfg, loc, NULL);
    if (*coll == NULL) {
        *rc = CLI_INVALID;
        goto out;
    }
    item = find_item(s, *coll);
    if (item != NULL && certmap_element_is_inherited(item)) {
        /* Changing it here would add a <remove> or a copy; the admin meant the original. */
        cli_element_source(item, where, sizeof(where));
        cli_err(ctx,
                "the mapping of %s is inherited at '%s' from an enclosing location (%s); "
                "select the location where it is written",
                what, loc, where);
        item = NULL;
        *rc = CLI_INVALID;
        goto out;
    }
    if (item == NULL) {
        cli_err(ctx, "no mapping of %s at location '%s'", what, loc);
        hint_other_locations(ctx, cfg, s->site, loc, s);
        *rc = CLI_INVALID;
        goto out;
    }
    *rc = CLI_OK;
out:
    if (item != NULL)
        *loc_out = loc;
    else
        free(loc);
    return item;
}

/* A location below loc that maps the certificate itself, before the add. */
struct below {
    const char *loc; /* borrowed from cfg */
    size_t count;    /* effective items there before the add */
    char where[600]; /* file:line of its own mapping */
};

/*
 * The locations below loc that map the selected certificate themselves.
 * Returns the number found (at most max), filling out.
 */
static size_t
find_below(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *loc,
           const struct selector *s, struct below *out, size_t max)
{
    size_t i, n = certmap_config_location_count(cfg), found = 0;
    struct certmap_collection *c;
    struct certmap_element *item;
    const char *other;

    for (i = 0; i < n && found < max; i++) {
        other = certmap_config_location_path(cfg, i);
        if (other == NULL || other[0] == '\0' || strcmp(other, loc) == 0 ||
            !cli_location_within(other, loc))
            continue;
        c = mappings_at(ctx, cfg, other, NULL);
        item = c != NULL ? find_item(s, c) : NULL;
        if (item == NULL || certmap_element_is_inherited(item))
            continue;
        out[found].loc = other;
        out[found].count = certmap_collection_count(c);
        cli_element_source(item, out[found].where, sizeof(out[found].where));
        found++;
    }
    return found;
}

/*
 * After the add: a location below that maps the certificate itself and now
 * also inherits the new mapping would hold it twice, which IIS refuses.  The
 * commit would refuse it too, but with a line of the document not yet
 * written; this names the existing mapping instead.  true when one does.
 */
static bool
conflicts_below(const struct cli_ctx *ctx, struct certmap_config *cfg, const struct selector *s,
                const struct below *b, size_t nb)
{
    struct certmap_collection *c;
    struct certmap_element *item;
    size_t i;

    for (i = 0; i < nb; i++) {
        c = mappings_at(ctx, cfg, b[i].loc, NULL);
        if (c == NULL)
            continue;
        item = find_item(s, c);
        /* A <clear/> there keeps the new mapping out: the count and the found item stay. */
        if (certmap_collection_count(c) <= b[i].count &&
            (item == NULL || !certmap_element_is_inherited(item)))
            continue;
        cli_err(ctx,
                "%s: certificate already mapped below, at '%s' by %s; it would inherit a "
                "second mapping (remove that one first)",
                s->cert_file, b[i].loc, b[i].where);
        return true;
    }
    return false;
}

/* Warns about what would keep a new mapping from ever being used. */
static void
warn_unused(const struct cli_ctx *ctx, struct certmap_element *sec, const char *loc,
            const unsigned char *der, size_t der_len)
{
    struct certmap_cert_info info;
    bool on = true;
    const char *shown = loc[0] != '\0' ? loc : "(server level)";

    if (certmap_element_get_bool(sec, "enabled", &on, NULL) == 0 && !on)
        cli_warn(ctx,
                 "iisClientCertificateMappingAuthentication is not enabled at '%s'; the mapping "
                 "has no effect until 'certmap set config --site \"%s\" --section "
                 "iisClientCertificateMappingAuthentication --set enabled=true'",
                 shown, loc);
    on = true;
    if (certmap_element_get_bool(sec, "oneToOneCertificateMappingsEnabled", &on, NULL) == 0 && !on)
        cli_warn(ctx, "oneToOneCertificateMappingsEnabled is false at '%s'", shown);
    if (certmap_cert_info(der, der_len, &info, NULL) == 0) {
        time_t now = time(NULL);

        if (info.not_after_t < (int64_t)now)
            cli_warn(ctx, "the certificate expired on %s; certmapd answers 403.17 for it",
                     info.not_after);
        else if (info.not_before_t > (int64_t)now)
            cli_warn(ctx, "the certificate is not valid before %s", info.not_before);
    }
}

int
cmd_add_mapping(struct cli_ctx *ctx, int argc, char **argv)
{
    struct selector s = {0};
    const char *user = NULL, *pw_file = NULL;
    bool pw_stdin = false, disabled = false;
    const struct cli_opt opts[] = {
        {.name = "site", .value = &s.site},
        {.name = "path", .value = &s.path},
        {.name = "cert", .value = &s.cert_file},
        {.name = "user", .value = &user},
        {.name = "password-stdin", .flag = &pw_stdin},
        {.name = "password-file", .value = &pw_file},
        {.name = "disabled", .flag = &disabled},
        {.name = NULL},
    };
    struct certmap_error err = {0};
    struct certmap_config *cfg = NULL;
    struct certmap_element *sec = NULL, *item, *existing;
    struct certmap_collection *coll;
    char *password = NULL, *loc = NULL, where[600], hex[65];
    struct below below[16];
    const char *pos[1];
    size_t npos, nbelow;
    int rc;

    rc = cli_parse(ctx, argc, argv, opts, pos, 0, &npos);
    if (rc == CLI_HELP) {
        fputs(help_add, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK)
        return rc;
    if (s.site == NULL || s.cert_file == NULL || user == NULL)
        return cli_usage(ctx, "--site, --cert and --user are required");
    if (user[0] == '\0')
        return cli_usage(ctx, "--user must not be empty");
    rc = cli_check_password_source(ctx, pw_stdin, pw_file, true);
    if (rc != CLI_OK)
        return rc;
    rc = selector_load(ctx, &s);
    if (rc != CLI_OK)
        goto out;
    rc = cli_read_password(ctx, pw_stdin, pw_file, &password);
    if (rc != CLI_OK)
        goto out;
    cfg = cli_open_location(ctx, true, s.site, s.path, &loc, &rc);
    if (cfg == NULL)
        goto out;
    rc = CLI_INVALID;
    coll = mappings_at(ctx, cfg, loc, &sec);
    if (coll == NULL)
        goto out;
    existing = find_item(&s, coll);
    if (existing != NULL) {
        cli_element_source(existing, where, sizeof(where));
        cli_err(ctx, "%s: certificate already mapped at '%s' by %s (user '%s')%s", s.cert_file, loc,
                where, certmap_element_get(existing, "userName"),
                certmap_element_is_inherited(existing) ? ", inherited from an enclosing location"
                                                       : "");
        goto out;
    }
    nbelow = find_below(ctx, cfg, loc, &s, below, sizeof(below) / sizeof(below[0]));
    item = certmap_collection_create_element(coll, NULL, &err);
    if (item == NULL || certmap_element_set(item, "certificate", s.iis, &err) != 0 ||
        certmap_element_set(item, "userName", user, &err) != 0 ||
        certmap_element_set(item, "password", password, &err) != 0 ||
        (disabled && certmap_element_set_bool(item, "enabled", false, &err) != 0) ||
        certmap_collection_add(coll, item, &err) != 0) {
        rc = cli_fail(ctx, &err);
        goto out;
    }
    if (conflicts_below(ctx, cfg, &s, below, nbelow))
        goto out;
    rc = cli_commit(ctx, cfg);
    if (rc != CLI_OK)
        goto out;
    warn_unused(ctx, sec, loc, s.der, s.der_len);
    printf("added %smapping at '%s': sha256 %s -> %s\n", disabled ? "disabled " : "", loc,
           certmap_hex(s.fp, 32, hex), user);
out:
    certmap_config_close(cfg);
    cli_free_secret(password);
    selector_free(&s);
    free(loc);
    return rc;
}

/* What a selection command changes on the selected mapping. */
struct change {
    const char *new_cert; /* --new-cert FILE: rotate the certificate, or NULL */
    const char *user;     /* new userName, or NULL */
    const char *password; /* new password, or NULL */
    int enabled;          /* 1 enable, 0 disable, -1 unchanged */
    bool remove;          /* delete the mapping */
};

/*
 * Refuses a rotation to a certificate that the location already maps (its own
 * <add> or an inherited one): the commit would hold it twice.  An exit code.
 */
static int
check_rotation(const struct cli_ctx *ctx, struct certmap_collection *coll,
               const struct certmap_element *item, const struct selector *next, const char *loc)
{
    struct certmap_element *existing = certmap_collection_find(coll, next->iis);
    char where[600];

    if (existing == NULL)
        return CLI_OK;
    if (selector_matches(next, item)) {
        cli_err(ctx, "--new-cert %s: that is the certificate the mapping already has",
                next->cert_file);
        return CLI_INVALID;
    }
    cli_element_source(existing, where, sizeof(where));
    cli_err(ctx, "--new-cert %s: certificate already mapped at '%s' by %s (user '%s')%s",
            next->cert_file, loc, where, certmap_element_get(existing, "userName"),
            certmap_element_is_inherited(existing) ? ", inherited from an enclosing location" : "");
    return CLI_INVALID;
}

/* Opens the config locked, selects the mapping, applies ch and commits. */
static int
change_mapping(struct cli_ctx *ctx, struct selector *s, const struct change *ch)
{
    struct certmap_error err = {0};
    struct certmap_config *cfg = NULL;
    struct certmap_collection *coll = NULL;
    struct certmap_element *item;
    struct selector next = {.site = s->site, .cert_file = ch->new_cert};
    char *loc = NULL, hex[65], next_hex[65], user[512];
    bool was = true;
    int rc;

    rc = selector_load(ctx, s);
    if (rc == CLI_OK && ch->new_cert != NULL)
        rc = selector_load(ctx, &next);
    if (rc != CLI_OK)
        goto out;
    cfg = cli_open_config(ctx, true, &rc);
    if (cfg == NULL)
        goto out;
    item = select_mapping(ctx, cfg, s, &loc, &coll, &rc);
    if (item == NULL)
        goto out;
    if (ch->new_cert != NULL) {
        rc = check_rotation(ctx, coll, item, &next, loc);
        if (rc != CLI_OK)
            goto out;
    }
    snprintf(user, sizeof(user), "%s", certmap_element_get(item, "userName"));
    certmap_element_get_bool(item, "enabled", &was, NULL);
    if (ch->remove) {
        if (certmap_collection_remove(coll, item, &err) != 0) {
            rc = cli_fail(ctx, &err);
            goto out;
        }
    } else if (ch->enabled >= 0 && ch->user == NULL && ch->password == NULL && next.iis == NULL &&
               was == (ch->enabled == 1)) {
        /* Nothing to write: say so instead of adding a history entry for nothing. */
        printf("mapping at '%s' for '%s' is already %s\n", loc, user, was ? "enabled" : "disabled");
        rc = CLI_OK;
        goto out;
    } else if ((next.iis != NULL &&
                certmap_element_set(item, "certificate", next.iis, &err) != 0) ||
               (ch->user != NULL && certmap_element_set(item, "userName", ch->user, &err) != 0) ||
               (ch->password != NULL &&
                certmap_element_set(item, "password", ch->password, &err) != 0) ||
               (ch->enabled >= 0 &&
                certmap_element_set_bool(item, "enabled", ch->enabled == 1, &err) != 0)) {
        rc = cli_fail(ctx, &err);
        goto out;
    }
    rc = cli_commit(ctx, cfg);
    if (rc != CLI_OK)
        goto out;
    if (s->der != NULL)
        certmap_hex(s->fp, 32, hex);
    else
        certmap_hex(s->fp, (size_t)s->fp_len, hex);
    if (ch->remove)
        printf("removed mapping at '%s': %s -> %s\n", loc, hex, user);
    else if (next.iis != NULL)
        printf("rotated mapping at '%s' for '%s': %s -> sha256 %s\n", loc,
               ch->user != NULL ? ch->user : user, hex, certmap_hex(next.fp, 32, next_hex));
    else
        printf("changed mapping at '%s': %s -> %s%s\n", loc, hex,
               ch->user != NULL ? ch->user : user,
               ch->enabled == 1   ? " (enabled)"
               : ch->enabled == 0 ? " (disabled)"
                                  : "");
out:
    certmap_config_close(cfg);
    selector_free(s);
    selector_free(&next);
    free(loc);
    return rc;
}

/* Parses the selection options plus extra ones; an exit code or CLI_HELP (help printed). */
static int
parse_selection(struct cli_ctx *ctx, int argc, char **argv, struct selector *s,
                const struct cli_opt *extra, size_t nextra, const char *help)
{
    struct cli_opt opts[16];
    const char *pos[1];
    size_t n = 0, i, npos;
    int rc;

    opts[n++] = (struct cli_opt){.name = "site", .value = &s->site};
    opts[n++] = (struct cli_opt){.name = "path", .value = &s->path};
    opts[n++] = (struct cli_opt){.name = "cert", .value = &s->cert_file};
    opts[n++] = (struct cli_opt){.name = "fingerprint", .value = &s->fingerprint};
    for (i = 0; i < nextra && n < 15; i++)
        opts[n++] = extra[i];
    opts[n] = (struct cli_opt){.name = NULL};
    rc = cli_parse(ctx, argc, argv, opts, pos, 0, &npos);
    if (rc == CLI_HELP) {
        fputs(help, stdout);
        fputs(help_select, stdout);
    }
    return rc;
}

/* enable / disable / remove: selection only. */
static int
simple_change(struct cli_ctx *ctx, int argc, char **argv, const char *help, const struct change *ch)
{
    struct selector s = {0};
    int rc = parse_selection(ctx, argc, argv, &s, NULL, 0, help);

    if (rc == CLI_HELP)
        return CLI_OK;
    if (rc != CLI_OK)
        return rc;
    return change_mapping(ctx, &s, ch);
}

int
cmd_enable_mapping(struct cli_ctx *ctx, int argc, char **argv)
{
    const struct change ch = {.enabled = 1};

    return simple_change(ctx, argc, argv, help_enable, &ch);
}

int
cmd_disable_mapping(struct cli_ctx *ctx, int argc, char **argv)
{
    const struct change ch = {.enabled = 0};

    return simple_change(ctx, argc, argv, help_disable, &ch);
}

int
cmd_remove_mapping(struct cli_ctx *ctx, int argc, char **argv)
{
    const struct change ch = {.enabled = -1, .remove = true};

    return simple_change(ctx, argc, argv, help_remove, &ch);
}

int
cmd_set_mapping(struct cli_ctx *ctx, int argc, char **argv)
{
    struct selector s = {0};
    struct change ch = {.enabled = -1};
    const char *user = NULL, *pw_file = NULL, *new_cert = NULL;
    bool pw_stdin = false, enable = false, disable = false;
    const struct cli_opt extra[] = {
        {.name = "new-cert", .value = &new_cert},      {.name = "user", .value = &user},
        {.name = "password-stdin", .flag = &pw_stdin}, {.name = "password-file", .value = &pw_file},
        {.name = "enable", .flag = &enable},           {.name = "disable", .flag = &disable},
    };
    char *password = NULL;
    int rc;

    rc = parse_selection(ctx, argc, argv, &s, extra, sizeof(extra) / sizeof(extra[0]), help_set);
    if (rc == CLI_HELP)
        return CLI_OK;
    if (rc != CLI_OK)
        return rc;
    if (enable && disable)
        return cli_usage(ctx, "give either --enable or --disable, not both");
    if (user == NULL && !pw_stdin && pw_file == NULL && !enable && !disable && new_cert == NULL)
        return cli_usage(ctx, "nothing to change: give --new-cert, --user, --password-stdin, "
                              "--password-file, --enable or --disable");
    if (user != NULL && user[0] == '\0')
        return cli_usage(ctx, "--user must not be empty");
    rc = cli_check_password_source(ctx, pw_stdin, pw_file, false);
    if (rc != CLI_OK)
        return rc;
    if (pw_stdin || pw_file != NULL) {
        rc = cli_read_password(ctx, pw_stdin, pw_file, &password);
        if (rc != CLI_OK)
            return rc;
    }
    ch.new_cert = new_cert;
    ch.user = user;
    ch.password = password;
    ch.enabled = enable ? 1 : disable ? 0 : -1;
    rc = change_mapping(ctx, &s, &ch);
    cli_free_secret(password);
    return rc;
}

int
cmd_clear_mappings(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *site = NULL, *path = NULL, *pos[1];
    const struct cli_opt opts[] = {
        {.name = "site", .value = &site},
        {.name = "path", .value = &path},
        {.name = NULL},
    };
    struct certmap_error err = {0};
    struct certmap_config *cfg = NULL;
    struct certmap_collection *coll;
    char *loc = NULL;
    size_t npos, i, n, local = 0;
    int rc;

    rc = cli_parse(ctx, argc, argv, opts, pos, 0, &npos);
    if (rc == CLI_HELP) {
        fputs(help_clear, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK)
        return rc;
    if (site == NULL)
        return cli_usage(ctx, "--site is required");
    cfg = cli_open_location(ctx, true, site, path, &loc, &rc);
    if (cfg == NULL)
        goto out;
    rc = CLI_INVALID;
    coll = mappings_at(ctx, cfg, loc, NULL);
    if (coll == NULL)
        goto out;
    n = certmap_collection_count(coll);
    for (i = 0; i < n; i++)
        if (!certmap_element_is_inherited(certmap_collection_item(coll, i)))
            local++;
    if (certmap_collection_clear(coll, &err) != 0) {
        rc = cli_fail(ctx, &err);
        goto out;
    }
    rc = cli_commit(ctx, cfg);
    if (rc != CLI_OK)
        goto out;
    printf("cleared mappings at '%s': %zu removed, %zu inherited no longer apply\n", loc, local,
           n - local);
out:
    certmap_config_close(cfg);
    free(loc);
    return rc;
}
