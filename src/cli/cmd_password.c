/*
 * cmd_password.c - `certmap set password --user U --password-stdin [--site S]`:
 * one password per account.  IIS stores a copy of the account's password in
 * every mapping; when the password changes, every copy must change with it or
 * that certificate gets 401.1.  This command rewrites all of them (one-to-one
 * and many-to-one, every location, or those of one site) in one commit.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h" /* authz_name_eq: the one comparison of account names */

static const char help_password[] =
    "Usage: certmap set password --user USER (--password-stdin | --password-file FILE)\n"
    "                           [--site SITE]\n"
    "\n"
    "Sets the password of every one-to-one and many-to-one mapping of USER, at every\n"
    "location (with --site: the locations of that site only; mappings written at\n"
    "the server level are then left alone, since they apply to every site) in one\n"
    "commit, and says how many it changed.  User names compare as IIS compares\n"
    "them: case-insensitively, and DOMAIN\\user is the same account as user@DOMAIN.\n"
    "Exit status 2 when no mapping names USER.\n"
    "\n"
    "Change the account itself first ('certmap account passwd USER' for the file\n"
    "logon provider, passwd(1) or the directory for PAM).\n";

/* What the command changed. */
struct tally {
    size_t one_to_one;
    size_t many_to_one;
    size_t locations;
};

/*
 * Sets password on the items of collection name at loc written there whose
 * userName is user; *n counts them.  An exit code.
 */
static int
set_in_collection(const struct cli_ctx *ctx, struct certmap_element *sec, const char *name,
                  const char *user, const char *password, size_t *n)
{
    struct certmap_error err = {0};
    struct certmap_collection *c;
    struct certmap_element *item;
    const char *u;
    size_t i, count;

    c = certmap_element_collection(sec, name, &err);
    if (c == NULL)
        return cli_fail(ctx, &err);
    count = certmap_collection_count(c);
    if (certmap_collection_error(c, &err) != 0)
        return cli_fail(ctx, &err);
    for (i = 0; i < count; i++) {
        item = certmap_collection_item(c, i);
        /* an inherited copy is changed where it is written */
        if (certmap_element_is_inherited(item))
            continue;
        u = certmap_element_get(item, "userName");
        if (u == NULL || !authz_name_eq(u, user))
            continue;
        if (certmap_element_set(item, "password", password, &err) != 0)
            return cli_fail(ctx, &err);
        (*n)++;
    }
    return CLI_OK;
}

/* Both collections at loc; an exit code. */
static int
set_at(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *loc, const char *user,
       const char *password, struct tally *t)
{
    struct certmap_error err = {0};
    struct certmap_element *sec;
    size_t before = t->one_to_one + t->many_to_one;
    int rc;

    sec = certmap_config_get_section(cfg, CERTMAP_SECTION_CERTMAPPING, loc, &err);
    if (sec == NULL)
        return cli_fail(ctx, &err);
    rc = set_in_collection(ctx, sec, "oneToOneMappings", user, password, &t->one_to_one);
    if (rc == CLI_OK)
        rc = set_in_collection(ctx, sec, "manyToOneMappings", user, password, &t->many_to_one);
    if (t->one_to_one + t->many_to_one > before)
        t->locations++;
    return rc;
}

int
cmd_set_password(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *user = NULL, *site = NULL, *pw_file = NULL, *pos[1], *canon = NULL, *loc;
    bool pw_stdin = false;
    const struct cli_opt opts[] = {
        {.name = "user", .value = &user},
        {.name = "site", .value = &site},
        {.name = "password-stdin", .flag = &pw_stdin},
        {.name = "password-file", .value = &pw_file},
        {.name = NULL},
    };
    struct certmap_config *cfg = NULL;
    struct tally t = {0};
    char *password = NULL;
    size_t npos, i, n;
    int rc;

    rc = cli_parse(ctx, argc, argv, opts, pos, 0, &npos);
    if (rc == CLI_HELP) {
        fputs(help_password, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK)
        return rc;
    if (user == NULL || user[0] == '\0')
        return cli_usage(ctx, "--user is required");
    rc = cli_check_password_source(ctx, pw_stdin, pw_file, true);
    if (rc != CLI_OK)
        return rc;
    rc = cli_read_password(ctx, pw_stdin, pw_file, &password);
    if (rc != CLI_OK)
        return rc;
    cfg = cli_open_config(ctx, true, &rc);
    if (cfg == NULL)
        goto out;
    if (site != NULL) {
        canon = cli_find_site(ctx, cfg, site, &rc);
        if (canon == NULL)
            goto out;
    }
    /* the server level applies to every site: touched only without --site */
    rc = canon == NULL ? set_at(ctx, cfg, "", user, password, &t) : CLI_OK;
    n = certmap_config_location_count(cfg);
    for (i = 0; i < n && rc == CLI_OK; i++) {
        loc = certmap_config_location_path(cfg, i);
        if (loc == NULL || loc[0] == '\0' || (canon != NULL && !cli_location_within(loc, canon)))
            continue;
        rc = set_at(ctx, cfg, loc, user, password, &t);
    }
    if (rc != CLI_OK)
        goto out;
    if (t.one_to_one + t.many_to_one == 0) {
        cli_err(ctx, "no mapping names the user '%s'%s%s%s", user, canon ? " at site '" : "",
                canon ? canon : "", canon ? "'" : "");
        rc = CLI_INVALID;
        goto out;
    }
    rc = cli_commit(ctx, cfg);
    if (rc != CLI_OK)
        goto out;
    printf("changed the password of %zu mapping%s of '%s' (%zu one-to-one, %zu many-to-one) at "
           "%zu location%s\n",
           t.one_to_one + t.many_to_one, t.one_to_one + t.many_to_one == 1 ? "" : "s", user,
           t.one_to_one, t.many_to_one, t.locations, t.locations == 1 ? "" : "s");
out:
    certmap_config_close(cfg);
    cli_free_secret(password);
    return rc;
}
