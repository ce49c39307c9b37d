/*
 * cmd_account.c - `certmap account add|passwd|remove NAME`: accounts of the
 * file logon provider ("name:crypt-hash" lines, mode 0600, atomic rewrite).
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "authz.h"
#include "fileio.h"
#include "logon.h"

static const char help_account[] =
    "Usage: certmap account add NAME (--password-stdin | --password-file FILE)\n"
    "                           [--groups G1,G2]\n"
    "       certmap account passwd NAME (--password-stdin | --password-file FILE)\n"
    "       certmap account remove NAME\n"
    "\n"
    "Manages the accounts of the file logon provider: one 'name:hash' line per\n"
    "account, the hash from crypt(3) with a strong salt (yescrypt where available),\n"
    "'name:hash:group1,group2' for an account with groups (the roles that URL\n"
    "Authorization rules name).\n"
    "The file is the accountsFile of <certmap><logon> (default 'accounts'),\n"
    "relative to the configuration's directory; when the configuration does not\n"
    "exist yet, 'accounts' in its directory.  The file is written atomically under\n"
    "a lock with mode 0600.\n"
    "\n"
    "Options:\n"
    "  --password-stdin      read the password from standard input (one line;\n"
    "                        without echo on a terminal)\n"
    "  --password-file FILE  read the password from FILE (one line)\n"
    "  --groups G1,G2        add: the account's groups (comma-separated)\n"
    "  -c, --config FILE     configuration that names the accounts file\n"
    "\n"
    "add fails (exit 2) when NAME exists; passwd and remove when it does not.\n";

/* Names end up in "name:hash" lines and in logs: keep them to one plain token. */
static bool
valid_account_name(const char *name, const char **why)
{
    const unsigned char *p;

    if (name[0] == '\0') {
        *why = "is empty";
        return false;
    }
    if (strlen(name) > 256) {
        *why = "is longer than 256 bytes";
        return false;
    }
    for (p = (const unsigned char *)name; *p != '\0'; p++) {
        if (*p == ':') {
            *why = "contains ':' (the accounts file separator)";
            return false;
        }
        if (*p <= ' ' || *p == 0x7f) {
            *why = "contains a space or control character";
            return false;
        }
    }
    return true;
}

/*
 * The accounts file the server will read: the effective certmap/logon
 * accountsFile, relative to the config's directory.  Returns a malloc'd path
 * or NULL with *rc set after printing why.
 */
static char *
accounts_path(struct cli_ctx *ctx, int *rc)
{
    struct certmap_open_options o = cli_open_options(ctx, false);
    struct certmap_diags diags = {0};
    struct certmap_error err = {0};
    struct certmap_config *cfg = NULL;
    struct certmap_element *logon;
    struct stat st;
    const char *file, *provider;
    char *path = NULL, *dir = NULL;
    size_t i;

    if (stat(ctx->config_path, &st) != 0 && errno == ENOENT) {
        /* No configuration yet: the default accountsFile beside where it will be. */
        dir = fileio_dirname(ctx->config_path);
        if (dir == NULL || asprintf(&path, "%s/accounts", dir) < 0) {
            path = NULL;
            cli_err(ctx, "out of memory");
            *rc = CLI_IO;
        }
        goto out;
    }
    /* Accounts need no password key: do not fail on a missing or foreign key file. */
    o.skip_secrets = true;
    cfg = certmap_config_open(ctx->config_path, &o, &diags, &err);
    if (cfg == NULL) {
        for (i = 0; i < diags.count; i++)
            if (diags.items[i].severity == CERTMAP_SEV_ERROR) {
                fputs("certmap: ", stderr);
                cli_print_diag(stderr, &diags.items[i]);
            }
        if (diags.errors == 0)
            cli_fail(ctx, &err);
        *rc = cli_exit_code(&err);
        goto out;
    }
    logon = certmap_config_get_section(cfg, CERTMAP_SECTION_LOGON, NULL, &err);
    if (logon == NULL) {
        *rc = cli_fail(ctx, &err);
        goto out;
    }
    provider = certmap_element_get(logon, "provider");
    if (provider != NULL && strcasecmp(provider, "file") != 0)
        cli_warn(ctx,
                 "the logon provider is '%s'; the server does not read the accounts file "
                 "until <certmap><logon provider=\"file\"> is set",
                 provider);
    file = certmap_element_get(logon, "accountsFile");
    if (file == NULL || file[0] == '\0')
        file = "accounts";
    path = certmap_config_expand_path(cfg, file, &err);
    if (path == NULL)
        *rc = cli_fail(ctx, &err);
out:
    certmap_config_close(cfg);
    certmap_diags_free(&diags);
    free(dir);
    return path;
}

/*
 * Prints the mappings of collection name at loc written for account whose
 * stored password is not password (they still carry the old one and would
 * answer 401.1); counts them in *stale.  Passwords that do not decrypt are
 * reported too: they do not log on either.
 */
static void
stale_in(const struct cli_ctx *ctx, struct certmap_element *sec, const char *name,
         const char *account, const char *password, size_t *stale)
{
    struct certmap_collection *c = certmap_element_collection(sec, name, NULL);
    struct certmap_element *item;
    const char *u, *file = NULL;
    unsigned line = 0;
    char *plain = NULL;
    size_t i, n = c != NULL ? certmap_collection_count(c) : 0;
    bool same;

    for (i = 0; i < n; i++) {
        item = certmap_collection_item(c, i);
        u = certmap_element_get(item, "userName");
        if (certmap_element_is_inherited(item) || u == NULL || !authz_name_eq(u, account))
            continue;
        plain = NULL;
        same = certmap_element_get_secret(item, "password", &plain, NULL) == 0 &&
               strcmp(plain, password) == 0;
        if (plain != NULL) {
            OPENSSL_cleanse(plain, strlen(plain));
            free(plain);
        }
        if (same)
            continue;
        certmap_element_source(item, NULL, &file, &line);
        cli_warn(ctx, "%s:%u: %s mapping of '%s' still carries the old password", file ? file : "?",
                 line, strcmp(name, "oneToOneMappings") == 0 ? "one-to-one" : "many-to-one", u);
        (*stale)++;
    }
}

/*
 * After `account passwd`: the mappings of the account whose password is not
 * the new one.  The configuration is read only; a configuration that cannot
 * be read is said so, the account change stands.
 */
static void
report_stale(struct cli_ctx *ctx, const char *account, const char *password)
{
    struct certmap_open_options o = cli_open_options(ctx, false);
    struct certmap_error err = {0};
    struct certmap_config *cfg;
    struct certmap_element *sec;
    const char *loc;
    size_t i, n, stale = 0;
    struct stat st;

    if (stat(ctx->config_path, &st) != 0)
        return;
    cfg = certmap_config_open(ctx->config_path, &o, NULL, &err);
    if (cfg == NULL) {
        char buf[2048];

        cli_warn(ctx, "cannot check the mappings' passwords: %s",
                 certmap_error_format(&err, buf, sizeof(buf)));
        return;
    }
    n = certmap_config_location_count(cfg);
    for (i = 0; i <= n; i++) {
        /* the server level first, then every <location> */
        loc = i == 0 ? "" : certmap_config_location_path(cfg, i - 1);
        if (loc == NULL || (i > 0 && loc[0] == '\0'))
            continue;
        sec = certmap_config_get_section(cfg, CERTMAP_SECTION_CERTMAPPING, loc, NULL);
        if (sec == NULL)
            continue;
        stale_in(ctx, sec, "oneToOneMappings", account, password, &stale);
        stale_in(ctx, sec, "manyToOneMappings", account, password, &stale);
    }
    if (stale > 0)
        cli_warn(ctx,
                 "%zu mapping%s of '%s' still carr%s the old password; 'certmap set password "
                 "--user %s --password-stdin' changes them all",
                 stale, stale == 1 ? "" : "s", account, stale == 1 ? "ies" : "y", account);
    certmap_config_close(cfg);
}

int
cmd_account(struct cli_ctx *ctx, const char *verb, int argc, char **argv)
{
    static char name[32];
    const char *pw_file = NULL, *groups = NULL, *pos[1], *why = NULL;
    bool pw_stdin = false, needs_password;
    const struct cli_opt opts[] = {
        {.name = "password-stdin", .flag = &pw_stdin},
        {.name = "password-file", .value = &pw_file},
        {.name = NULL},
    };
    const struct cli_opt add_opts[] = {
        {.name = "password-stdin", .flag = &pw_stdin},
        {.name = "password-file", .value = &pw_file},
        {.name = "groups", .value = &groups},
        {.name = NULL},
    };
    const struct cli_opt no_opts[] = {{.name = NULL}};
    struct certmap_error err = {0};
    char *password = NULL, *path = NULL;
    size_t npos;
    int rc;

    if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0) {
        fputs(help_account, stdout);
        return CLI_OK;
    }
    if (strcmp(verb, "add") != 0 && strcmp(verb, "passwd") != 0 && strcmp(verb, "remove") != 0)
        return cli_usage(ctx, "unknown subcommand '%s' (add, passwd, remove)", verb);
    snprintf(name, sizeof(name), "account %s", verb);
    ctx->command = name;
    needs_password = strcmp(verb, "remove") != 0;
    rc = cli_parse(ctx, argc, argv,
                   strcmp(verb, "add") == 0 ? add_opts
                   : needs_password         ? opts
                                            : no_opts,
                   pos, 1, &npos);
    if (rc == CLI_HELP) {
        fputs(help_account, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK)
        return rc;
    if (npos != 1)
        return cli_usage(ctx, "missing account NAME");
    if (!valid_account_name(pos[0], &why)) {
        cli_err(ctx, "account name '%s' %s", pos[0], why);
        return CLI_INVALID;
    }
    if (needs_password) {
        rc = cli_check_password_source(ctx, pw_stdin, pw_file, true);
        if (rc != CLI_OK)
            return rc;
    }
    path = accounts_path(ctx, &rc);
    if (path == NULL)
        goto out;
    if (needs_password) {
        rc = cli_read_password(ctx, pw_stdin, pw_file, &password);
        if (rc != CLI_OK)
            goto out;
    }
    if (strcmp(verb, "add") == 0)
        rc = logon_account_add_groups(path, pos[0], password, groups, &err);
    else if (strcmp(verb, "passwd") == 0)
        rc = logon_account_passwd(path, pos[0], password, &err);
    else
        rc = logon_account_remove(path, pos[0], &err);
    if (rc != 0) {
        rc = cli_fail(ctx, &err);
        goto out;
    }
    if (strcmp(verb, "add") == 0)
        printf("added account '%s' to %s\n", pos[0], path);
    else if (strcmp(verb, "passwd") == 0) {
        printf("changed the password of account '%s' in %s\n", pos[0], path);
        report_stale(ctx, pos[0], password);
    } else
        printf("removed account '%s' from %s\n", pos[0], path);
    rc = CLI_OK;
out:
    cli_free_secret(password);
    free(path);
    return rc;
}
