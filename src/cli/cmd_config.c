/*
 * cmd_config.c - `certmap get config` and `certmap set config`: the
 * attributes of any supported section at any location.  AppCmd's spelling
 * (`"Site/app" -section:access /sslFlags:Ssl`) is accepted beside the clean
 * one (`--site Site --path /app --section access --set sslFlags=Ssl`).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char help_get[] =
    "Usage: certmap get config [--site SITE[/PATH]] [--path /PATH] --section SECTION\n"
    "                          [--attr NAME] [--json]\n"
    "\n"
    "Prints the effective attributes of SECTION at the location (server level\n"
    "without --site): what is set there or inherited, else the default.  One\n"
    "'name=value' line per attribute, or a JSON object with --json, or only the\n"
    "value with --attr.  Passwords are printed as stored (encrypted).\n"
    "\n"
    "SECTION is the IIS path or its last part:\n"
    "  access                       system.webServer/security/access\n"
    "  anonymousAuthentication      system.webServer/security/authentication/...\n"
    "  basicAuthentication          (same)\n"
    "  iisClientCertificateMappingAuthentication  (same)\n"
    "  windowsAuthentication, digestAuthentication  (load; not supported on Linux)\n"
    "  sites                        system.applicationHost/sites: every site (or\n"
    "                               --site SITE) with its bindings, applications and\n"
    "                               virtual directories as written\n"
    "  certmap/logon, certmap/limits, certmap/server  Linux extensions (server level)\n"
    "\n"
    "The location may also be given as a first argument, as AppCmd does:\n"
    "  certmap get config \"Default Web Site\" -section:access\n";

static const char help_set[] =
    "Usage: certmap set config [--site SITE[/PATH]] [--path /PATH] --section SECTION\n"
    "                          --set NAME=VALUE... [--unset NAME...] [--add PATH...]\n"
    "                          [--remove PATH...]\n"
    "                          [--password-stdin | --password-file FILE]\n"
    "\n"
    "Sets attributes of SECTION at the location (server level without --site).\n"
    "Values are checked against the schema (booleans, numbers, enum and flag names,\n"
    "case-insensitive: --set sslFlags=\"Ssl, SslNegotiateCert\").  --unset removes\n"
    "the attribute at this location so that it is inherited again.  The section's\n"
    "password attribute is set from --password-stdin or --password-file, never from\n"
    "--set.  All changes are committed together or not at all.\n"
    "\n"
    "AppCmd's syntax is accepted too, with its collection adds (/+, or --add PATH) and\n"
    "removes (/-, or --remove PATH):\n"
    "  certmap set config \"Default Web Site\" -section:access /sslFlags:\"Ssl, "
    "SslNegotiateCert\"\n"
    "  certmap set config \"Default Web Site\" -section:iisClientCertificateMappingAuthentication\n"
    "      /+\"manyToOneMappings.[name='Contoso Employees',userName='u',password='p']\"\n"
    "  certmap set config \"Default Web Site\" -section:iisClientCertificateMappingAuthentication\n"
    "      /+\"manyToOneMappings.[name='Contoso Employees'].rules.[certificateField='Subject',\n"
    "      certificateSubField='O',matchCriteria='Contoso',compareCaseSensitive='True']\"\n"
    "  certmap set config \"Default Web Site\" -section:iisClientCertificateMappingAuthentication\n"
    "      /-\"manyToOneMappings.[name='Contoso Employees']\"\n"
    "\n"
    "SECTION names: see 'certmap get config --help'.\n";

/* The sections certmap implements, by IIS path; the last segment is the short name. */
static const char *const known_sections[] = {
    CERTMAP_SECTION_ACCESS,
    CERTMAP_SECTION_ANONYMOUS,
    CERTMAP_SECTION_BASIC,
    CERTMAP_SECTION_CERTMAPPING,
    "system.webServer/security/authentication/windowsAuthentication",
    "system.webServer/security/authentication/digestAuthentication",
    CERTMAP_SECTION_SITES,
    CERTMAP_SECTION_LOGON,
    CERTMAP_SECTION_LIMITS,
    CERTMAP_SECTION_SERVER,
    CERTMAP_SECTION_STATUS,
    CERTMAP_SECTION_PROXY,
    CERTMAP_SECTION_UPSTREAM,
    CERTMAP_SECTION_HANDLERS,
    CERTMAP_SECTION_FASTCGI,
};
#define N_SECTIONS (sizeof(known_sections) / sizeof(known_sections[0]))

/*
 * The full section path for name (full path, a trailing part such as
 * "certmap/logon", or the last segment; case-insensitive).  An unlisted path
 * with a '/' goes to the library as is.  NULL after printing the known names.
 */
static const char *
resolve_section(const struct cli_ctx *ctx, const char *name)
{
    size_t i, n = strlen(name), len;
    const char *full;

    for (i = 0; i < N_SECTIONS; i++) {
        full = known_sections[i];
        len = strlen(full);
        if (strcasecmp(full, name) == 0)
            return full;
        if (len > n && full[len - n - 1] == '/' && strcasecmp(full + len - n, name) == 0)
            return full;
    }
    if (strchr(name, '/') != NULL)
        return name;
    fprintf(stderr, "certmap: %s: unknown section '%s' (known: ", ctx->command, name);
    for (i = 0; i < N_SECTIONS; i++) {
        full = strrchr(known_sections[i], '/');
        fprintf(stderr, "%s%s", i > 0 ? ", " : "", full + 1);
    }
    fputs(")\n", stderr);
    return NULL;
}

/*
 * Rewrites AppCmd's arguments into ours: "-section:X" or "/section:X" ->
 * "--section X", "/attr:value" -> "--set attr=value"; "/commit:..." (AppCmd's
 * commit target) is dropped, there is one file.  *out holds the new argv
 * (owned array, strings owned in *pool).
 */
static int
translate_appcmd(int argc, char **argv, char ***out, int *out_argc, char ***pool, size_t *npool)
{
    char **nv = calloc((size_t)argc * 2 + 1, sizeof(*nv));
    char **strs = calloc((size_t)argc + 1, sizeof(*strs));
    size_t ns = 0;
    int i, n = 0;

    if (nv == NULL || strs == NULL)
        goto fail;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i], *colon;

        if (strncmp(a, "/+", 2) == 0 || strncmp(a, "/-", 2) == 0) {
            /* AppCmd's collection add /+"coll.[a='v']" and remove /-"coll.[key='v']" */
            nv[n++] = a[1] == '+' ? (char *)"--add" : (char *)"--remove";
            nv[n++] = argv[i] + 2;
            continue;
        }
        if (strncasecmp(a, "-section:", 9) == 0 || strncasecmp(a, "/section:", 9) == 0) {
            nv[n++] = (char *)"--section";
            nv[n++] = argv[i] + 9;
            continue;
        }
        colon = strchr(a, ':');
        if (a[0] == '/' && colon != NULL && colon > a + 1 && strchr(a + 1, '/') == NULL) {
            if (strncasecmp(a, "/commit:", 8) == 0)
                continue;
            strs[ns] = strdup(a + 1);
            if (strs[ns] == NULL)
                goto fail;
            strs[ns][colon - a - 1] = '=';
            nv[n++] = (char *)"--set";
            nv[n++] = strs[ns++];
            continue;
        }
        nv[n++] = argv[i];
    }
    *out = nv;
    *out_argc = n;
    *pool = strs;
    *npool = ns;
    return 0;
fail:
    free(nv);
    while (ns > 0)
        free(strs[--ns]);
    free(strs);
    return -1;
}

static void
free_pool(char **pool, size_t n)
{
    while (n > 0)
        free(pool[--n]);
    free(pool);
}

/* Location options common to get and set. */
struct where {
    const char *site;
    const char *path;
    const char *section;
    const char *positional; /* AppCmd: the location as first argument */
};

/* Opens cfg and gets the section at the location; NULL after printing why. */
static struct certmap_element *
open_section(struct cli_ctx *ctx, struct certmap_config *cfg, const struct where *w, char **loc,
             const char **full, int *rc)
{
    struct certmap_error err = {0};
    struct certmap_element *sec;
    const char *site = w->site;

    if (w->positional != NULL && site != NULL) {
        *rc = cli_usage(ctx, "give the location either as --site or as an argument, not both");
        return NULL;
    }
    if (site == NULL)
        site = w->positional;
    *full = resolve_section(ctx, w->section);
    if (*full == NULL) {
        *rc = CLI_INVALID;
        return NULL;
    }
    *loc = cli_location(ctx, cfg, site, w->path, rc);
    if (*loc == NULL)
        return NULL;
    sec = certmap_config_get_section(cfg, *full, *loc, &err);
    if (sec == NULL)
        *rc = cli_fail(ctx, &err);
    return sec;
}

/* Prints the attribute names of sec after an unknown one, so the fix is in the message. */
static void
list_attributes(const struct certmap_element *sec)
{
    size_t i, n = certmap_element_attr_count(sec);

    if (n == 0) {
        fprintf(stderr, "certmap: section %s has no attributes\n", certmap_element_name(sec));
        return;
    }
    fputs("certmap: attributes of this section: ", stderr);
    for (i = 0; i < n; i++)
        fprintf(stderr, "%s%s", i > 0 ? ", " : "", certmap_element_attr_name(sec, i));
    fputc('\n', stderr);
}

/* Where get config reads: the view, and the scope of the location (NULL: the server level). */
struct reader {
    const struct certmap_view *v;
    const struct certmap_scope *scope;
    const char *section; /* full IIS path */
};

/*
 * The effective value of attr from the view.  The element names the schema's
 * attributes; a name the schema has that the view cannot answer is an error,
 * never a default.
 */
static const char *
view_value(const struct cli_ctx *ctx, const struct reader *r, const char *attr)
{
    const char *value = certmap_view_get(r->v, r->scope, r->section, attr, NULL);

    if (value == NULL)
        cli_err(ctx, "%s: %s: no effective value in the resolved view", r->section, attr);
    return value;
}

static int
print_section(const struct cli_ctx *ctx, const struct reader *r, const struct certmap_element *sec,
              const char *attr, bool json)
{
    size_t i, n = certmap_element_attr_count(sec);
    const char *name, *value;

    if (attr != NULL) {
        if (certmap_element_get(sec, attr) == NULL) {
            cli_err(ctx, "--attr '%s': no such attribute", attr);
            list_attributes(sec);
            return CLI_INVALID;
        }
        value = view_value(ctx, r, attr);
        if (value == NULL)
            return CLI_INVALID;
        if (json) {
            cli_json_string(stdout, value);
            putchar('\n');
        } else {
            printf("%s\n", value);
        }
        return CLI_OK;
    }
    /* every value first: an error must not leave half an object on stdout */
    for (i = 0; i < n; i++)
        if (view_value(ctx, r, certmap_element_attr_name(sec, i)) == NULL)
            return CLI_INVALID;
    if (json)
        putchar('{');
    for (i = 0; i < n; i++) {
        name = certmap_element_attr_name(sec, i);
        value = view_value(ctx, r, name);
        if (name == NULL || value == NULL)
            return CLI_INVALID; /* checked above; keeps gcc -O3 from guessing a NULL */
        if (json) {
            printf("%s\n  ", i > 0 ? "," : "");
            cli_json_string(stdout, name);
            putchar(':');
            cli_json_string(stdout, value);
        } else {
            printf("%s=%s\n", name, value);
        }
    }
    if (json)
        printf("%s}\n", n > 0 ? "\n" : "");
    return CLI_OK;
}

/*
 * The scope of the view that answers for loc: NULL for the server level,
 * else the scope certmap_view_match() finds for the URL path, as certmapd
 * finds it for a request.  -1 after printing why (unknown site).
 */
static int
find_scope(const struct cli_ctx *ctx, const struct certmap_view *v, const char *loc,
           const struct certmap_scope **scope, int *rc)
{
    const struct certmap_site *site;
    char path[2048];

    *scope = NULL;
    if (loc[0] == '\0')
        return 0;
    site = cli_view_site(ctx, v, loc, path, sizeof(path), rc);
    if (site == NULL)
        return -1;
    *scope = certmap_view_match(site, path, strlen(path));
    return 0;
}

int
cmd_get_config(struct cli_ctx *ctx, int argc, char **argv)
{
    struct where w = {0};
    const char *attr = NULL, *pos[1], *full = NULL;
    bool json = false;
    const struct cli_opt opts[] = {
        {.name = "site", .value = &w.site},       {.name = "path", .value = &w.path},
        {.name = "section", .value = &w.section}, {.name = "attr", .value = &attr},
        {.name = "json", .flag = &json},          {.name = NULL},
    };
    struct certmap_config *cfg = NULL;
    struct certmap_view *v = NULL;
    struct certmap_element *sec;
    struct reader r = {0};
    char **nv = NULL, **pool = NULL, *loc = NULL;
    size_t npos = 0, npool = 0;
    int nargc = 0, rc;

    if (translate_appcmd(argc, argv, &nv, &nargc, &pool, &npool) != 0) {
        cli_err(ctx, "out of memory");
        return CLI_IO;
    }
    rc = cli_parse(ctx, nargc, nv, opts, pos, 1, &npos);
    if (rc == CLI_HELP) {
        fputs(help_get, stdout);
        rc = CLI_OK;
        goto out;
    }
    if (rc != CLI_OK)
        goto out;
    if (w.section == NULL) {
        rc = cli_usage(ctx, "--section is required");
        goto out;
    }
    w.positional = npos > 0 ? pos[0] : NULL;
    cfg = cli_open_config(ctx, false, &rc);
    if (cfg == NULL)
        goto out;
    full = resolve_section(ctx, w.section);
    if (full != NULL && strcmp(full, CERTMAP_SECTION_SITES) == 0 && attr == NULL) {
        /* the section is its collection: sites with bindings, applications, directories */
        if (w.path != NULL || (w.site != NULL && w.positional != NULL)) {
            rc = cli_usage(ctx, "sites are listed by --site SITE only (no --path)");
            goto out;
        }
        rc = cli_print_sites(ctx, cfg, w.site != NULL ? w.site : w.positional, json);
        goto out;
    }
    /* the element checks the section, the location and the attribute names (the schema) */
    sec = open_section(ctx, cfg, &w, &loc, &full, &rc);
    if (sec == NULL)
        goto out;
    /* the values come from the view certmapd serves from: inheritance is decided there only */
    v = cli_view(ctx, cfg, NULL, &rc);
    if (v == NULL)
        goto out;
    r.v = v;
    r.section = full;
    if (find_scope(ctx, v, loc, &r.scope, &rc) != 0)
        goto out;
    rc = print_section(ctx, &r, sec, attr, json);
out:
    certmap_view_unref(v);
    certmap_config_close(cfg);
    free(loc);
    free(nv);
    free_pool(pool, npool);
    return rc;
}

/* Applies the --set and --unset values; an exit code. */
static int
apply_changes(const struct cli_ctx *ctx, struct certmap_element *sec, const struct cli_list *sets,
              const struct cli_list *unsets, const char *password)
{
    struct certmap_error err = {0};
    char name[256];
    const char *eq;
    size_t i;

    for (i = 0; i < sets->count; i++) {
        eq = strchr(sets->items[i], '=');
        if (eq == NULL || eq == sets->items[i] || (size_t)(eq - sets->items[i]) >= sizeof(name))
            return cli_usage(ctx, "--set '%s': expected NAME=VALUE", sets->items[i]);
        snprintf(name, sizeof(name), "%.*s", (int)(eq - sets->items[i]), sets->items[i]);
        if (strcasecmp(name, "password") == 0)
            return cli_usage(ctx, "--set password=... is refused: a password on the command "
                                  "line is visible to other users; use --password-stdin or "
                                  "--password-file FILE");
        if (certmap_element_get(sec, name) == NULL) {
            cli_err(ctx, "--set %s: no attribute '%s' in section %s", sets->items[i], name,
                    certmap_element_name(sec));
            list_attributes(sec);
            return CLI_INVALID;
        }
        if (certmap_element_set(sec, name, eq + 1, &err) != 0)
            return cli_fail(ctx, &err);
    }
    for (i = 0; i < unsets->count; i++) {
        if (certmap_element_get(sec, unsets->items[i]) == NULL) {
            cli_err(ctx, "--unset %s: no such attribute in section %s", unsets->items[i],
                    certmap_element_name(sec));
            list_attributes(sec);
            return CLI_INVALID;
        }
        if (certmap_element_unset(sec, unsets->items[i], &err) != 0)
            return cli_fail(ctx, &err);
    }
    if (password != NULL) {
        if (certmap_element_get(sec, "password") == NULL) {
            cli_err(ctx, "section %s has no password attribute", certmap_element_name(sec));
            return CLI_INVALID;
        }
        if (certmap_element_set(sec, "password", password, &err) != 0)
            return cli_fail(ctx, &err);
    }
    return CLI_OK;
}

int
cmd_set_config(struct cli_ctx *ctx, int argc, char **argv)
{
    struct where w = {0};
    struct cli_list sets = {0}, unsets = {0}, adds = {0}, removes = {0};
    const char *pw_file = NULL, *pos[1], *full = NULL;
    bool pw_stdin = false;
    const struct cli_opt opts[] = {
        {.name = "site", .value = &w.site},           {.name = "path", .value = &w.path},
        {.name = "section", .value = &w.section},     {.name = "set", .list = &sets},
        {.name = "unset", .list = &unsets},           {.name = "password-stdin", .flag = &pw_stdin},
        {.name = "password-file", .value = &pw_file}, {.name = "add", .list = &adds},
        {.name = "remove", .list = &removes},         {.name = NULL},
    };
    struct certmap_config *cfg = NULL;
    struct certmap_element *sec;
    char **nv = NULL, **pool = NULL, *loc = NULL, *password = NULL;
    size_t npos = 0, npool = 0, i;
    int nargc = 0, rc;

    if (translate_appcmd(argc, argv, &nv, &nargc, &pool, &npool) != 0) {
        cli_err(ctx, "out of memory");
        return CLI_IO;
    }
    rc = cli_parse(ctx, nargc, nv, opts, pos, 1, &npos);
    if (rc == CLI_HELP) {
        fputs(help_set, stdout);
        rc = CLI_OK;
        goto out;
    }
    if (rc != CLI_OK)
        goto out;
    if (w.section == NULL) {
        rc = cli_usage(ctx, "--section is required");
        goto out;
    }
    if (sets.count == 0 && unsets.count == 0 && adds.count == 0 && removes.count == 0 &&
        !pw_stdin && pw_file == NULL) {
        rc = cli_usage(ctx, "nothing to change: give --set NAME=VALUE or --unset NAME");
        goto out;
    }
    rc = cli_check_password_source(ctx, pw_stdin, pw_file, false);
    if (rc != CLI_OK)
        goto out;
    if (pw_stdin || pw_file != NULL) {
        rc = cli_read_password(ctx, pw_stdin, pw_file, &password);
        if (rc != CLI_OK)
            goto out;
    }
    w.positional = npos > 0 ? pos[0] : NULL;
    cfg = cli_open_config(ctx, true, &rc);
    if (cfg == NULL)
        goto out;
    sec = open_section(ctx, cfg, &w, &loc, &full, &rc);
    if (sec == NULL)
        goto out;
    rc = apply_changes(ctx, sec, &sets, &unsets, password);
    for (i = 0; rc == CLI_OK && i < adds.count; i++)
        rc = cli_appcmd_edit(ctx, sec, '+', adds.items[i]);
    for (i = 0; rc == CLI_OK && i < removes.count; i++)
        rc = cli_appcmd_edit(ctx, sec, '-', removes.items[i]);
    if (rc != CLI_OK)
        goto out;
    rc = cli_commit(ctx, cfg);
    if (rc != CLI_OK)
        goto out;
    for (i = 0; i < sets.count; i++) {
        const char *eq = strchr(sets.items[i], '=');
        char name[256];

        snprintf(name, sizeof(name), "%.*s", (int)(eq - sets.items[i]), sets.items[i]);
        printf("%s at '%s': %s=%s\n", full, loc[0] != '\0' ? loc : "(server)", name,
               certmap_element_get(sec, name));
    }
    for (i = 0; i < unsets.count; i++)
        printf("%s at '%s': %s inherited (%s)\n", full, loc[0] != '\0' ? loc : "(server)",
               unsets.items[i], certmap_element_get(sec, unsets.items[i]));
    if (password != NULL)
        printf("%s at '%s': password set (encrypted)\n", full, loc[0] != '\0' ? loc : "(server)");
    for (i = 0; i < adds.count; i++)
        printf("%s at '%s': added %s\n", full, loc[0] != '\0' ? loc : "(server)", adds.items[i]);
    for (i = 0; i < removes.count; i++)
        printf("%s at '%s': removed %s\n", full, loc[0] != '\0' ? loc : "(server)",
               removes.items[i]);
out:
    certmap_config_close(cfg);
    cli_free_secret(password);
    cli_list_free(&sets);
    cli_list_free(&unsets);
    cli_list_free(&adds);
    cli_list_free(&removes);
    free(loc);
    free(nv);
    free_pool(pool, npool);
    return rc;
}
