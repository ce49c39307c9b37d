/*
 * certmap.c - entry point of the certmap admin CLI: global options, command
 * dispatch, help and version.  The commands live in cmd_*.c.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CERTMAP_VERSION
#define CERTMAP_VERSION "0.0.0"
#endif

/* A command named by one or two words ("validate", "add mapping"). */
struct command {
    const char *verb;   /* first word */
    const char *object; /* second word, NULL for one-word commands */
    int (*run)(struct cli_ctx *ctx, int argc, char **argv);
    const char *summary; /* one line for `certmap --help` */
};

static const struct command commands[] = {
    {"add", "mapping", cmd_add_mapping, "map a certificate file to an account"},
    {"list", "mappings", cmd_list_mappings, "list one-to-one mappings (table or --json)"},
    {"set", "mapping", cmd_set_mapping, "change a mapping's user, password, state or certificate"},
    {"import", "mappings", cmd_import_mappings,
     "add many mappings in one commit (CSV, directory, JSON)"},
    {"export", "mappings", cmd_export_mappings, "print a site's mappings as JSON for import"},
    {"set", "password", cmd_set_password, "set the password of every mapping of an account"},
    {"enable", "mapping", cmd_enable_mapping, "enable a mapping"},
    {"disable", "mapping", cmd_disable_mapping, "disable a mapping (kept in the file)"},
    {"remove", "mapping", cmd_remove_mapping, "remove a mapping"},
    {"clear", "mappings", cmd_clear_mappings, "remove all mappings of a location (<clear/>)"},
    {"add", "many-to-one", cmd_add_m2o, "add a many-to-one mapping (rules on subject/issuer)"},
    {"list", "many-to-one", cmd_list_m2o, "list a site's many-to-one mappings (or --json)"},
    {"enable", "many-to-one", cmd_enable_m2o, "enable a many-to-one mapping"},
    {"disable", "many-to-one", cmd_disable_m2o, "disable a many-to-one mapping"},
    {"remove", "many-to-one", cmd_remove_m2o, "remove a many-to-one mapping"},
    {"add", "binding", cmd_add_binding, "add an http or https binding to a site"},
    {"remove", "binding", cmd_remove_binding, "remove a binding of a site"},
    {"set", "site", cmd_set_site, "AppCmd's set site SITE /+bindings.[...]"},
    {"get", "config", cmd_get_config, "print the effective attributes of a section"},
    {"set", "config", cmd_set_config, "set attributes of a section at a location"},
    {"list", "config", cmd_get_config, "AppCmd's name of get config (same command)"},
    {"cert-string", NULL, cmd_cert_string, "print the single-line base64 IIS stores"},
    {"test-cert", NULL, cmd_test_cert, "explain what certmapd answers a certificate at a path"},
    {"validate", NULL, cmd_validate, "check the configuration; every finding with file:line"},
    {"encrypt-passwords", NULL, cmd_encrypt_passwords, "encrypt plain-text passwords"},
    {NULL, NULL, NULL, NULL},
};

static void
usage(FILE *f)
{
    const struct command *c;
    char name[64];

    fputs("Usage: certmap [-c CONFIG] [-k KEYFILE] COMMAND [ARGS...]\n"
          "\n"
          "Manages the client-certificate mappings and settings of a certmap\n"
          "applicationHost.config (IIS format).  Every change is validated and written\n"
          "atomically under a lock; a failed command leaves the file unchanged.\n"
          "\n"
          "Commands:\n",
          f);
    for (c = commands; c->verb != NULL; c++) {
        snprintf(name, sizeof(name), "%s%s%s", c->verb, c->object ? " " : "",
                 c->object ? c->object : "");
        fprintf(f, "  %-20s %s\n", name, c->summary);
    }
    fputs("  account add NAME     add an account to the file logon provider\n"
          "  account passwd NAME  change an account's password\n"
          "  account remove NAME  remove an account\n"
          "  ticket-keys rotate   write a new shared session-ticket key (keeps two previous)\n"
          "  ticket-keys show     list the session-ticket keys (ids only) and their age\n"
          "\n"
          "Global options (also accepted after the command):\n"
          "  -c, --config FILE    configuration file (default: $CERTMAP_CONFIG, else\n"
          "                       " CLI_DEFAULT_CONFIG ")\n"
          "  -k, --key-file FILE  password key file (default: certmap.key beside the config)\n"
          "  -h, --help           this help; 'certmap COMMAND --help' for a command\n"
          "  -V, --version        print the version\n"
          "\n"
          "Passwords are read only from standard input (--password-stdin) or a file\n"
          "(--password-file FILE), never from the command line.\n"
          "\n"
          "Exit status: 0 success, 1 usage error, 2 invalid input or configuration,\n"
          "3 I/O error.  See certmap(1).\n",
          f);
}

/* "mapping" and "mappings" name the same object, whichever the verb. */
static bool
object_matches(const char *want, const char *given)
{
    if (strcmp(want, given) == 0)
        return true;
    if (strcmp(want, "mappings") == 0)
        return strcmp(given, "mapping") == 0;
    if (strcmp(want, "mapping") == 0)
        return strcmp(given, "mappings") == 0;
    return false;
}

/* Runs the command named by argv[0] (and argv[1]); returns its exit code. */
static int
dispatch(struct cli_ctx *ctx, int argc, char **argv)
{
    const struct command *c;
    static char name[64];
    bool verb_known = false, first = true;

    if (strcmp(argv[0], "account") == 0) {
        ctx->command = "account";
        if (argc < 2)
            return cli_usage(ctx, "missing subcommand: add, passwd or remove");
        return cmd_account(ctx, argv[1], argc - 2, argv + 2);
    }
    if (strcmp(argv[0], "ticket-keys") == 0) {
        ctx->command = "ticket-keys";
        if (argc < 2)
            return cli_usage(ctx, "missing subcommand: rotate or show");
        return cmd_ticket_keys(ctx, argv[1], argc - 2, argv + 2);
    }
    for (c = commands; c->verb != NULL; c++) {
        if (strcmp(c->verb, argv[0]) != 0)
            continue;
        verb_known = true;
        if (c->object == NULL) {
            ctx->command = c->verb;
            return c->run(ctx, argc - 1, argv + 1);
        }
        if (argc >= 2 && object_matches(c->object, argv[1])) {
            snprintf(name, sizeof(name), "%s %s", c->verb, c->object);
            ctx->command = name;
            return c->run(ctx, argc - 2, argv + 2);
        }
    }
    if (verb_known) {
        fprintf(stderr, "certmap: %s: missing or unknown object%s%s (", argv[0],
                argc >= 2 ? " " : "", argc >= 2 ? argv[1] : "");
        for (c = commands; c->verb != NULL; c++) {
            if (strcmp(c->verb, argv[0]) != 0)
                continue;
            fprintf(stderr, "%s%s", first ? "" : ", ", c->object);
            first = false;
        }
        fputs(")\nTry 'certmap --help'.\n", stderr);
        return CLI_USAGE;
    }
    return cli_usage(NULL, "unknown command '%s'", argv[0]);
}

int
main(int argc, char **argv)
{
    struct cli_ctx ctx = {0};
    const char *env = getenv("CERTMAP_CONFIG");
    int i;

    ctx.config_path = env != NULL && env[0] != '\0' ? env : CLI_DEFAULT_CONFIG;
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        const char *value = NULL;

        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return CLI_OK;
        }
        if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
            printf("certmap %s\n", CERTMAP_VERSION);
            return CLI_OK;
        }
        if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0 || strncmp(a, "--config=", 9) == 0 ||
            strncmp(a, "-c", 2) == 0)
            slot = &ctx.config_path;
        else if (strcmp(a, "-k") == 0 || strcmp(a, "--key-file") == 0 ||
                 strncmp(a, "--key-file=", 11) == 0 || strncmp(a, "-k", 2) == 0)
            slot = &ctx.key_file;
        else
            return cli_usage(NULL, "unknown option %s", a);
        if (strchr(a, '=') != NULL && a[1] == '-')
            value = strchr(a, '=') + 1;
        else if (a[1] != '-' && a[2] != '\0')
            value = a + 2;
        else if (i + 1 < argc)
            value = argv[++i];
        else
            return cli_usage(NULL, "option %s needs a value", a);
        if (value[0] == '\0')
            return cli_usage(NULL, "option %s needs a non-empty value", a);
        *slot = value;
    }
    if (i >= argc) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[i], "help") == 0) {
        /* `certmap help add mapping` is `certmap add mapping --help`. */
        char *help[4] = {NULL};
        int n = 0;

        if (i + 1 >= argc) {
            usage(stdout);
            return CLI_OK;
        }
        for (i = i + 1; i < argc && n < 2; i++)
            help[n++] = argv[i];
        help[n++] = (char *)"--help";
        return dispatch(&ctx, n, help);
    }
    return dispatch(&ctx, argc - i, argv + i);
}
