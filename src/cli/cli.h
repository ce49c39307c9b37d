/*
 * cli.h - shared pieces of the certmap admin CLI: the command context,
 * option parsing, messages, exit codes and password input.
 *
 * Every command is a function `int cmd_xxx(struct cli_ctx *ctx, int argc,
 * char **argv)` that receives the arguments after its name and returns an
 * exit code.  Only main() exits.
 */
#ifndef CERTMAP_CLI_H
#define CERTMAP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "certmap/config.h"
#include "certmap/error.h"
#include "certmap/view.h"

/* Exit codes (fixed interface: outside scripts rely on them). */
enum cli_exit {
    CLI_OK = 0,      /* success */
    CLI_USAGE = 1,   /* bad command line */
    CLI_INVALID = 2, /* invalid input or configuration, object not found, duplicate */
    CLI_IO = 3,      /* file system or OS failure */
};

#define CLI_DEFAULT_CONFIG "/etc/certmap/applicationHost.config"

struct cli_ctx {
    const char
        *config_path;     /* -c, $CERTMAP_CONFIG, or CLI_DEFAULT_CONFIG (borrowed from argv/env) */
    const char *key_file; /* -k: password key file, NULL for the default beside the config */
    const char *command;  /* full command name for messages, e.g. "add mapping" */
};

/* One option of a command.  Exactly one of value, flag or list is set. */
struct cli_opt {
    const char *name;      /* long name without "--", e.g. "site" */
    char short_name;       /* single-letter alias, 0 when none */
    const char **value;    /* option with an argument: where to store it (borrowed from argv) */
    bool *flag;            /* option without argument: set to true */
    struct cli_list *list; /* repeatable option with an argument */
};

/* Values of a repeatable option, in command-line order (borrowed from argv). */
struct cli_list {
    const char **items; /* owned array */
    size_t count;
};

/* Frees the array of a list (not the strings). */
void cli_list_free(struct cli_list *l);

/* Result of cli_parse() besides the exit codes. */
#define CLI_HELP (-1)

/*
 * Parses argv[0..argc) (the arguments after the command name) against opts
 * (terminated by an entry with name NULL).  "--name value", "--name=value"
 * and "-x value" are accepted; "--" ends the options; -c/--config and
 * -k/--key-file are accepted everywhere and stored in ctx.  Positional
 * arguments go to pos (at most max_pos, count in *npos).  Returns CLI_OK,
 * CLI_HELP for -h/--help, or CLI_USAGE after printing why.  A password given
 * on the command line is refused here.
 */
int cli_parse(struct cli_ctx *ctx, int argc, char **argv, const struct cli_opt *opts,
              const char **pos, size_t max_pos, size_t *npos);

/* Prints "certmap: <command>: message" to stderr. */
void cli_err(const struct cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "certmap: warning: message" to stderr. */
void cli_warn(const struct cli_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints a usage error and the hint to run --help; returns CLI_USAGE. */
int cli_usage(const struct cli_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints a library error as one line and returns its exit code (2, or 3 for I/O). */
int cli_fail(const struct cli_ctx *ctx, const struct certmap_error *err);

/* Exit code of a library error kind. */
int cli_exit_code(const struct certmap_error *err);

/*
 * Reads a password from stdin (from_stdin) or from file (a single line; one
 * trailing newline is dropped).  On a terminal, stdin is read as one line
 * without echo.  Returns CLI_OK with *out malloc'd (wipe with secret_free()),
 * or an exit code after printing why (empty, line break inside, unreadable).
 */
int cli_read_password(const struct cli_ctx *ctx, bool from_stdin, const char *file, char **out);

/* Wipes and frees a password from cli_read_password(). NULL is ignored. */
void cli_free_secret(char *s);

/*
 * Checks that exactly one password source was given.  Returns CLI_OK or
 * CLI_USAGE after printing why.  required=false allows none.
 */
int cli_check_password_source(const struct cli_ctx *ctx, bool from_stdin, const char *file,
                              bool required);

/* Open options for ctx: key file, and the lock for commands that write. */
struct certmap_open_options cli_open_options(const struct cli_ctx *ctx, bool lock);

/*
 * Opens the configuration; prints every error (with file:line) and returns
 * NULL with *rc set to the exit code on failure.
 */
struct certmap_config *cli_open_config(const struct cli_ctx *ctx, bool lock, int *rc);

/* Prints one diagnostic as "file:line: severity: element: attribute: message" to f. */
void cli_print_diag(FILE *f, const struct certmap_diag *d);

/*
 * Writes one diagnostic as a JSON object to f: file, line (0 when none),
 * severity ("error", "warning", "note"), element, attribute, message, item
 * (true for an error that disables one collection item only).
 */
void cli_print_diag_json(FILE *f, const struct certmap_diag *d);

/* "file:line" of a configuration element into buf, or "(not yet written)" for a new one. */
void cli_element_source(const struct certmap_element *item, char *buf, size_t size);

/* Writes s as a JSON string literal (with quotes) to f. */
void cli_json_string(FILE *f, const char *s);

/* cli_location.c */

/* The <site> collection of system.applicationHost/sites; NULL after printing why. */
struct certmap_collection *cli_sites(const struct cli_ctx *ctx, struct certmap_config *cfg);

/*
 * The name of the site called name (case-insensitive, as IIS compares them)
 * in the file's spelling, borrowed from cfg.  NULL and *rc = CLI_INVALID
 * after printing "unknown site" with the known names.
 */
const char *cli_find_site(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *name,
                          int *rc);

/*
 * The <location path> for --site SITE[/path] and --path P: "" (server level)
 * without a site, else "Site" or "Site/app/dir" with the site's spelling from
 * the file.  The site must exist.  Returns a malloc'd string, or NULL with *rc
 * set after printing why.
 */
char *cli_location(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *site,
                   const char *path, int *rc);

/*
 * The prologue of a command on one location: opens the configuration
 * (locked when the command writes) and names the location of site and path
 * (cli_location()).  Returns the configuration with *loc set (the caller
 * closes and frees both), or NULL with *rc set after printing why.
 */
struct certmap_config *cli_open_location(const struct cli_ctx *ctx, bool lock, const char *site,
                                         const char *path, char **loc, int *rc);

/* true when location loc is the site's own location or one below it ("" site: every location). */
bool cli_location_within(const char *loc, const char *site);

/*
 * Commits cfg.  On failure prints every validation error (file:line) and says
 * the file is unchanged; returns the exit code.
 */
int cli_commit(const struct cli_ctx *ctx, struct certmap_config *cfg);

/* cli_view.c */

/*
 * Builds the resolved view of cfg as certmapd does (web.config files
 * included): the one source of effective settings for the CLI.  NULL with *rc
 * set after printing every error (file:line) when certmapd would refuse the
 * configuration; item errors (one broken mapping) do not refuse it and are not
 * printed here (cli_open_config() counted them, `validate` lists them).  When
 * found is not NULL it receives the build's findings (the caller frees them
 * with certmap_diags_free()).  The caller drops the view with
 * certmap_view_unref().
 */
struct certmap_view *cli_view(const struct cli_ctx *ctx, struct certmap_config *cfg,
                              struct certmap_diags *found, int *rc);

/*
 * The view's site named by the first segment of the location loc ("Site" or
 * "Site/app/dir", as cli_location() returns it), with the URL path below it
 * ("" or "/app/dir") written to path.  NULL and *rc = CLI_INVALID after
 * printing an error naming the site when the view has no such site.
 */
const struct certmap_site *cli_view_site(const struct cli_ctx *ctx, const struct certmap_view *v,
                                         const char *loc, char *path, size_t size, int *rc);

/* cli_appcmd.c */

/*
 * Applies AppCmd's /+"COLLECTION.[attr='value',...]" (op '+', path without
 * the "/+"): adds an item to a collection of section sec, through items of
 * nested collections selected by earlier steps; or /-"..." (op '-'):
 * removes the item the last step selects.  An exit code; messages printed.
 */
int cli_appcmd_edit(const struct cli_ctx *ctx, struct certmap_element *sec, char op,
                    const char *path);

/* cmd_list_views.c */

/*
 * `list mappings --site S --path P --effective [--json]`: the mappings the
 * resolved view applies at P (one-to-one index and many-to-one set of its
 * scope), each with its file:line.  An exit code.
 */
int cli_list_effective(struct cli_ctx *ctx, const char *site, const char *path, bool json);

/*
 * `list mappings --expiring DAYS [--site S] [--json]`: mapped certificates of
 * the view whose notAfter is within DAYS from now, expired first.  An exit code.
 */
int cli_list_expiring(struct cli_ctx *ctx, const char *site, const char *days, bool json);

/* cmd_binding.c */

/*
 * `get config --section system.applicationHost/sites [--site S] [--json]`:
 * the sites (or site S) as written, with bindings, applications and virtual
 * directories (virtual directory passwords left out), each with file:line in
 * JSON.  An exit code.
 */
int cli_print_sites(const struct cli_ctx *ctx, struct certmap_config *cfg, const char *site,
                    bool json);

/* cli_jsonread.c */

#define CLI_JSON_MEMBERS_MAX 32

/* One flat JSON object: member names and values as text (strings unescaped, owned). */
struct cli_json_obj {
    size_t n;
    char *keys[CLI_JSON_MEMBERS_MAX];
    char *vals[CLI_JSON_MEMBERS_MAX]; /* a string's value, or the literal ("true", "12", "null") */
    bool is_str[CLI_JSON_MEMBERS_MAX];
    unsigned line; /* where the object starts */
};

/*
 * Parses text (NUL-terminated) as a JSON array of flat objects (string,
 * number, true, false, null values; nothing nested).  0 with *objs (free with
 * cli_json_objs_free()) and *n, or -1 with *line and *why (static text) saying
 * where and what is wrong.
 */
int cli_json_read_objects(const char *text, struct cli_json_obj **objs, size_t *n, unsigned *line,
                          const char **why);

/* The value of member key of o (borrowed), or NULL; *is_str (may be NULL) says if a string. */
const char *cli_json_get(const struct cli_json_obj *o, const char *key, bool *is_str);

/* Frees what cli_json_read_objects() returned. NULL is ignored. */
void cli_json_objs_free(struct cli_json_obj *objs, size_t n);

/* Command implementations.  argv holds the arguments after the command name. */
int cmd_cert_string(struct cli_ctx *ctx, int argc, char **argv);
/* `certmap ticket-keys rotate|show`: sub is the subcommand, argv what follows it. */
int cmd_ticket_keys(struct cli_ctx *ctx, const char *sub, int argc, char **argv);
int cmd_validate(struct cli_ctx *ctx, int argc, char **argv);
int cmd_test_cert(struct cli_ctx *ctx, int argc, char **argv);
int cmd_encrypt_passwords(struct cli_ctx *ctx, int argc, char **argv);
int cmd_account(struct cli_ctx *ctx, const char *verb, int argc, char **argv);
int cmd_add_mapping(struct cli_ctx *ctx, int argc, char **argv);
int cmd_list_mappings(struct cli_ctx *ctx, int argc, char **argv);
int cmd_set_mapping(struct cli_ctx *ctx, int argc, char **argv);
int cmd_import_mappings(struct cli_ctx *ctx, int argc, char **argv);
int cmd_export_mappings(struct cli_ctx *ctx, int argc, char **argv);
int cmd_add_binding(struct cli_ctx *ctx, int argc, char **argv);
int cmd_remove_binding(struct cli_ctx *ctx, int argc, char **argv);
int cmd_set_site(struct cli_ctx *ctx, int argc, char **argv);
int cmd_set_password(struct cli_ctx *ctx, int argc, char **argv);
int cmd_enable_mapping(struct cli_ctx *ctx, int argc, char **argv);
int cmd_disable_mapping(struct cli_ctx *ctx, int argc, char **argv);
int cmd_remove_mapping(struct cli_ctx *ctx, int argc, char **argv);
int cmd_clear_mappings(struct cli_ctx *ctx, int argc, char **argv);
int cmd_add_m2o(struct cli_ctx *ctx, int argc, char **argv);
int cmd_list_m2o(struct cli_ctx *ctx, int argc, char **argv);
int cmd_enable_m2o(struct cli_ctx *ctx, int argc, char **argv);
int cmd_disable_m2o(struct cli_ctx *ctx, int argc, char **argv);
int cmd_remove_m2o(struct cli_ctx *ctx, int argc, char **argv);
int cmd_get_config(struct cli_ctx *ctx, int argc, char **argv);
int cmd_set_config(struct cli_ctx *ctx, int argc, char **argv);

#endif
