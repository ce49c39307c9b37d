/*
 * cmd_m2o.c - `certmap add|list|enable|disable|remove many-to-one`: the
 * manyToOneMappings of iisClientCertificateMappingAuthentication at a site.
 *
 * IIS reads many-to-one mappings at the server and site level only, so the
 * commands work on <location path="SITE"> and have no --path.  A mapping is
 * selected by its name (the collection's key, compared case-insensitively
 * as IIS does).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cert/rdn.h"
#include "mapping/many.h"

#define M2O "manyToOneMappings"

static const char help_add[] =
    "Usage: certmap add many-to-one --site SITE --name NAME --user USER\n"
    "           (--password-stdin | --password-file FILE) --rule FIELD:SUBFIELD=PATTERN...\n"
    "           [--deny] [--description TEXT] [--case-insensitive] [--disabled]\n"
    "\n"
    "Adds a many-to-one mapping at <location path=\"SITE\">: every certificate whose\n"
    "fields match all the rules logs on as USER (with --deny: gets 403.12).  The\n"
    "password is stored encrypted.\n"
    "\n"
    "Options:\n"
    "  --site SITE           site name\n"
    "  --name NAME           the mapping's name (its key)\n"
    "  --user USER           account to log on (not needed with --deny)\n"
    "  --password-stdin      read the account's password from standard input\n"
    "  --password-file FILE  read it from FILE (one line)\n"
    "  --rule F:S=P          a rule: F is Subject or Issuer, S a subfield (CN, O, OU,\n"
    "                        C, S, L, E, ...), P the value, '*' matching any run;\n"
    "                        repeat for more rules (all must match)\n"
    "  --case-insensitive    compare the rules' values ignoring case\n"
    "  --deny                permissionMode=\"Deny\": matching certificates get 403.12\n"
    "  --description TEXT    description\n"
    "  --disabled            add the mapping disabled\n";

static const char help_list[] =
    "Usage: certmap list many-to-one --site SITE [--json]\n"
    "\n"
    "Lists the site's effective many-to-one mappings (server level and site) in\n"
    "the order certmapd tries them, with their rules and file:line.  Passwords are\n"
    "never shown.\n";

static const char help_enable[] = "Usage: certmap enable many-to-one --site SITE --name NAME\n";
static const char help_disable[] = "Usage: certmap disable many-to-one --site SITE --name NAME\n";
static const char help_remove[] = "Usage: certmap remove many-to-one --site SITE --name NAME\n";

/* One parsed --rule. */
struct rule_arg {
    const char *field; /* canonical "Subject" or "Issuer" */
    char subfield[64];
    const char *pattern; /* borrowed from argv */
};

/* Parses "FIELD:SUBFIELD=PATTERN"; an exit code. */
static int
parse_rule(const struct cli_ctx *ctx, const char *text, struct rule_arg *r)
{
    const char *colon = strchr(text, ':'), *eq;
    size_t flen, slen;

    if (colon == NULL || (eq = strchr(colon + 1, '=')) == NULL)
        return cli_usage(
            ctx, "--rule '%s': expected FIELD:SUBFIELD=PATTERN (e.g. Subject:O=Contoso)", text);
    flen = (size_t)(colon - text);
    slen = (size_t)(eq - colon - 1);
    if (flen == 7 && strncasecmp(text, "Subject", 7) == 0)
        r->field = "Subject";
    else if (flen == 6 && strncasecmp(text, "Issuer", 6) == 0)
        r->field = "Issuer";
    else {
        cli_err(ctx, "--rule '%s': unknown field \"%.*s\" (allowed: Subject, Issuer)", text,
                (int)flen, text);
        return CLI_INVALID;
    }
    if (slen >= sizeof(r->subfield) || cert_rdn_nid(colon + 1, slen) == 0) {
        cli_err(ctx, "--rule '%s': unknown subfield \"%.*s\" (allowed: %s)", text, (int)slen,
                colon + 1, cert_rdn_allowed());
        return CLI_INVALID;
    }
    memcpy(r->subfield, colon + 1, slen);
    r->subfield[slen] = '\0';
    r->pattern = eq + 1;
    if (r->pattern[0] == '\0') {
        cli_err(ctx, "--rule '%s': empty pattern (use '*' to match any value)", text);
        return CLI_INVALID;
    }
    return CLI_OK;
}

/* The manyToOneMappings collection at loc; NULL after printing why. */
static struct certmap_collection *
m2o_at(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *loc)
{
    struct certmap_error err = {0};
    struct certmap_element *sec;
    struct certmap_collection *c;

    sec = certmap_config_get_section(cfg, CERTMAP_SECTION_CERTMAPPING, loc, &err);
    c = sec != NULL ? certmap_element_collection(sec, M2O, &err) : NULL;
    if (c == NULL)
        cli_fail(ctx, &err);
    return c;
}

/* Adds the rules to the (already added) mapping item; 0, or -1 and err. */
static int
add_rules(struct certmap_element *item, const struct rule_arg *rules, size_t n, bool nocase,
          struct certmap_error *err)
{
    struct certmap_collection *rc = certmap_element_collection(item, "rules", err);

    if (rc == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct certmap_element *r = certmap_collection_create_element(rc, NULL, err);
        if (r == NULL || certmap_element_set(r, "certificateField", rules[i].field, err) != 0 ||
            certmap_element_set(r, "certificateSubField", rules[i].subfield, err) != 0 ||
            certmap_element_set(r, "matchCriteria", rules[i].pattern, err) != 0 ||
            (nocase && certmap_element_set_bool(r, "compareCaseSensitive", false, err) != 0) ||
            certmap_collection_add(rc, r, err) != 0)
            return -1;
    }
    return 0;
}

int
cmd_add_m2o(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *site = NULL, *name = NULL, *user = NULL, *pw_file = NULL, *desc = NULL, *pos[1];
    bool pw_stdin = false, deny = false, nocase = false, disabled = false;
    struct cli_list rule_list = {0};
    const struct cli_opt opts[] = {
        {.name = "site", .value = &site},
        {.name = "name", .value = &name},
        {.name = "user", .value = &user},
        {.name = "password-stdin", .flag = &pw_stdin},
        {.name = "password-file", .value = &pw_file},
        {.name = "rule", .list = &rule_list},
        {.name = "deny", .flag = &deny},
        {.name = "case-insensitive", .flag = &nocase},
        {.name = "description", .value = &desc},
        {.name = "disabled", .flag = &disabled},
        {.name = NULL},
    };
    struct certmap_error err = {0};
    struct certmap_config *cfg = NULL;
    struct certmap_collection *coll;
    struct certmap_element *item, *existing;
    struct rule_arg *rules = NULL;
    char *password = NULL, *loc = NULL, where[600];
    size_t npos;
    int rc;

    rc = cli_parse(ctx, argc, argv, opts, pos, 0, &npos);
    if (rc == CLI_HELP) {
        fputs(help_add, stdout);
        rc = CLI_OK;
        goto out;
    }
    if (rc != CLI_OK)
        goto out;
    rc = CLI_USAGE;
    if (site == NULL || name == NULL || rule_list.count == 0) {
        cli_usage(ctx, "--site, --name and at least one --rule are required");
        goto out;
    }
    if (name[0] == '\0' || (user != NULL && user[0] == '\0')) {
        cli_usage(ctx, "--name and --user must not be empty");
        goto out;
    }
    if (!deny && user == NULL) {
        cli_usage(ctx, "--user is required (an Allow mapping logs on as that account)");
        goto out;
    }
    rules = calloc(rule_list.count, sizeof(*rules));
    if (rules == NULL) {
        cli_err(ctx, "out of memory");
        rc = CLI_IO;
        goto out;
    }
    for (size_t i = 0; i < rule_list.count; i++) {
        rc = parse_rule(ctx, rule_list.items[i], &rules[i]);
        if (rc != CLI_OK)
            goto out;
    }
    rc = cli_check_password_source(ctx, pw_stdin, pw_file, !deny);
    if (rc != CLI_OK)
        goto out;
    if (pw_stdin || pw_file != NULL) {
        rc = cli_read_password(ctx, pw_stdin, pw_file, &password);
        if (rc != CLI_OK)
            goto out;
    }
    cfg = cli_open_location(ctx, true, site, NULL, &loc, &rc);
    if (cfg == NULL)
        goto out;
    rc = CLI_INVALID;
    coll = m2o_at(ctx, cfg, loc);
    if (coll == NULL)
        goto out;
    existing = certmap_collection_find(coll, name);
    if (existing != NULL) {
        cli_element_source(existing, where, sizeof(where));
        cli_err(ctx, "a many-to-one mapping named '%s' already exists at '%s' (%s)%s", name, loc,
                where, certmap_element_is_inherited(existing) ? ", inherited" : "");
        goto out;
    }
    item = certmap_collection_create_element(coll, NULL, &err);
    if (item == NULL || certmap_element_set(item, "name", name, &err) != 0 ||
        (desc != NULL && certmap_element_set(item, "description", desc, &err) != 0) ||
        (disabled && certmap_element_set_bool(item, "enabled", false, &err) != 0) ||
        certmap_element_set(item, "permissionMode", deny ? "Deny" : "Allow", &err) != 0 ||
        (user != NULL && certmap_element_set(item, "userName", user, &err) != 0) ||
        (password != NULL && certmap_element_set(item, "password", password, &err) != 0) ||
        certmap_collection_add(coll, item, &err) != 0 ||
        add_rules(item, rules, rule_list.count, nocase, &err) != 0) {
        rc = cli_fail(ctx, &err);
        goto out;
    }
    rc = cli_commit(ctx, cfg);
    if (rc != CLI_OK)
        goto out;
    printf("added %smany-to-one mapping '%s' at '%s': %zu rule(s) -> %s\n",
           disabled ? "disabled " : "", name, loc, rule_list.count, deny ? "Deny (403.12)" : user);
out:
    certmap_config_close(cfg);
    cli_free_secret(password);
    cli_list_free(&rule_list);
    free(rules);
    free(loc);
    return rc;
}

/* enable / disable / remove by name. */
static int
change_m2o(struct cli_ctx *ctx, int argc, char **argv, const char *help, int enable)
{
    const char *site = NULL, *name = NULL, *pos[1];
    const struct cli_opt opts[] = {
        {.name = "site", .value = &site},
        {.name = "name", .value = &name},
        {.name = NULL},
    };
    struct certmap_error err = {0};
    struct certmap_config *cfg = NULL;
    struct certmap_collection *coll;
    struct certmap_element *item;
    char *loc = NULL, where[600];
    size_t npos;
    int rc;

    rc = cli_parse(ctx, argc, argv, opts, pos, 0, &npos);
    if (rc == CLI_HELP) {
        fputs(help, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK)
        return rc;
    if (site == NULL || name == NULL)
        return cli_usage(ctx, "--site and --name are required");
    cfg = cli_open_location(ctx, true, site, NULL, &loc, &rc);
    if (cfg == NULL)
        goto out;
    rc = CLI_INVALID;
    coll = m2o_at(ctx, cfg, loc);
    if (coll == NULL)
        goto out;
    item = certmap_collection_find(coll, name);
    if (item == NULL) {
        cli_err(ctx, "no many-to-one mapping named '%s' at '%s'", name, loc);
        goto out;
    }
    if (certmap_element_is_inherited(item)) {
        cli_element_source(item, where, sizeof(where));
        cli_err(ctx,
                "the many-to-one mapping '%s' is inherited at '%s' from the server level (%s); "
                "change it there",
                name, loc, where);
        goto out;
    }
    if (enable < 0 ? certmap_collection_remove(coll, item, &err) != 0
                   : certmap_element_set_bool(item, "enabled", enable == 1, &err) != 0) {
        rc = cli_fail(ctx, &err);
        goto out;
    }
    rc = cli_commit(ctx, cfg);
    if (rc != CLI_OK)
        goto out;
    printf("%s many-to-one mapping '%s' at '%s'\n",
           enable < 0 ? "removed"
           : enable   ? "enabled"
                      : "disabled",
           name, loc);
out:
    certmap_config_close(cfg);
    free(loc);
    return rc;
}

int
cmd_enable_m2o(struct cli_ctx *ctx, int argc, char **argv)
{
    return change_m2o(ctx, argc, argv, help_enable, 1);
}

int
cmd_disable_m2o(struct cli_ctx *ctx, int argc, char **argv)
{
    return change_m2o(ctx, argc, argv, help_disable, 0);
}

int
cmd_remove_m2o(struct cli_ctx *ctx, int argc, char **argv)
{
    return change_m2o(ctx, argc, argv, help_remove, -1);
}

static void
json_rule(const struct m2o_rule *r, bool first)
{
    printf("%s{\"field\": \"%s\", \"subfield\": ", first ? "" : ", ",
           r->field == M2O_SUBJECT ? "Subject" : "Issuer");
    cli_json_string(stdout, r->subfield);
    printf(", \"criteria\": ");
    cli_json_string(stdout, r->criteria);
    printf(", \"caseSensitive\": %s, \"file\": ", r->case_sensitive ? "true" : "false");
    cli_json_string(stdout, r->file);
    printf(", \"line\": %u}", r->line);
}

static void
json_mapping(const char *site, const struct m2o_mapping *m, bool first)
{
    printf("%s\n  {\"site\": ", first ? "" : ",");
    cli_json_string(stdout, site);
    printf(", \"name\": ");
    cli_json_string(stdout, m->name);
    printf(", \"description\": ");
    cli_json_string(stdout, m->description);
    printf(", \"enabled\": %s, \"permissionMode\": \"%s\", \"user\": ",
           m->base.enabled ? "true" : "false", m->deny ? "Deny" : "Allow");
    cli_json_string(stdout, m->base.user);
    printf(", \"file\": ");
    cli_json_string(stdout, m->base.file);
    printf(", \"line\": %u, \"rules\": [", m->base.line);
    for (size_t i = 0; i < m->nrules; i++)
        json_rule(&m->rules[i], i == 0);
    printf("]}");
}

static void
text_mapping(const struct m2o_mapping *m)
{
    printf("%s\t%s\t%s\t%s\t%s:%u\n", m->name, m->deny ? "Deny" : "Allow",
           m->deny ? "-" : m->base.user, m->base.enabled ? "enabled" : "disabled", m->base.file,
           m->base.line);
    for (size_t i = 0; i < m->nrules; i++) {
        const struct m2o_rule *r = &m->rules[i];
        printf("  %s:%s=%s%s\t%s:%u\n", r->field == M2O_SUBJECT ? "Subject" : "Issuer", r->subfield,
               r->criteria, r->case_sensitive ? "" : " (case-insensitive)", r->file, r->line);
    }
    if (m->nrules == 0)
        printf("  (no rules: never matches)\n");
}

int
cmd_list_m2o(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *site_name = NULL, *pos[1];
    bool json = false;
    const struct cli_opt opts[] = {
        {.name = "site", .value = &site_name},
        {.name = "json", .flag = &json},
        {.name = NULL},
    };
    struct certmap_config *cfg = NULL;
    struct certmap_view *v = NULL;
    const struct certmap_site *site;
    const struct m2o_set *set;
    char *loc = NULL, path[16];
    size_t npos, n;
    int rc;

    rc = cli_parse(ctx, argc, argv, opts, pos, 0, &npos);
    if (rc == CLI_HELP) {
        fputs(help_list, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK)
        return rc;
    if (site_name == NULL)
        return cli_usage(ctx, "--site is required");
    cfg = cli_open_location(ctx, false, site_name, NULL, &loc, &rc);
    if (cfg == NULL)
        goto out;
    v = cli_view(ctx, cfg, NULL, &rc);
    if (v == NULL)
        goto out;
    site = cli_view_site(ctx, v, loc, path, sizeof(path), &rc);
    if (site == NULL)
        goto out;
    set = certmap_view_site_many_to_one(site);
    n = m2o_set_count(set);
    if (json)
        printf("[");
    for (size_t i = 0; i < n; i++) {
        if (json)
            json_mapping(site->name, m2o_set_entry(set, i), i == 0);
        else
            text_mapping(m2o_set_entry(set, i));
    }
    if (json)
        printf("%s]\n", n > 0 ? "\n" : "");
    rc = CLI_OK;
out:
    certmap_view_unref(v);
    certmap_config_close(cfg);
    free(loc);
    return rc;
}
