/* cli.c - option parsing, messages, exit codes and password input shared by the commands. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* Longest password accepted; longer input is refused rather than cut. */
#define CLI_PASSWORD_MAX 4096

void
cli_list_free(struct cli_list *l)
{
    if (l == NULL)
        return;
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

static void
vmsg(const struct cli_ctx *ctx, const char *kind, const char *fmt, va_list ap)
{
    fputs("certmap: ", stderr);
    if (kind != NULL)
        fprintf(stderr, "%s: ", kind);
    else if (ctx != NULL && ctx->command != NULL)
        fprintf(stderr, "%s: ", ctx->command);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void
cli_err(const struct cli_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vmsg(ctx, NULL, fmt, ap);
    va_end(ap);
}

void
cli_warn(const struct cli_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vmsg(ctx, "warning", fmt, ap);
    va_end(ap);
}

int
cli_usage(const struct cli_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vmsg(ctx, NULL, fmt, ap);
    va_end(ap);
    if (ctx != NULL && ctx->command != NULL)
        fprintf(stderr, "Try 'certmap %s --help'.\n", ctx->command);
    else
        fputs("Try 'certmap --help'.\n", stderr);
    return CLI_USAGE;
}

int
cli_exit_code(const struct certmap_error *err)
{
    switch (err->kind) {
    case CERTMAP_ERR_IO:
    case CERTMAP_ERR_NOMEM:
        return CLI_IO;
    case CERTMAP_ERR_NONE:
    case CERTMAP_ERR_USAGE:
    case CERTMAP_ERR_INVALID:
    case CERTMAP_ERR_CRYPTO:
    case CERTMAP_ERR_AUTH:
        break;
    }
    return CLI_INVALID;
}

int
cli_fail(const struct cli_ctx *ctx, const struct certmap_error *err)
{
    char buf[2048];

    cli_err(ctx, "%s", certmap_error_format(err, buf, sizeof(buf)));
    return cli_exit_code(err);
}

/* Refuses a password given on the command line, whatever its spelling. */
static bool
is_password_option(const char *name, size_t len)
{
    return len == strlen("password") && strncmp(name, "password", len) == 0;
}

static const struct cli_opt *
find_long(const struct cli_opt *opts, const char *name, size_t len)
{
    for (; opts != NULL && opts->name != NULL; opts++)
        if (strlen(opts->name) == len && strncmp(opts->name, name, len) == 0)
            return opts;
    return NULL;
}

static const struct cli_opt *
find_short(const struct cli_opt *opts, char c)
{
    for (; opts != NULL && opts->name != NULL; opts++)
        if (opts->short_name != 0 && opts->short_name == c)
            return opts;
    return NULL;
}

static int
list_append(struct cli_list *l, const char *v)
{
    const char **n = realloc(l->items, (l->count + 1) * sizeof(*n));

    if (n == NULL)
        return -1;
    l->items = n;
    l->items[l->count++] = v;
    return 0;
}

/* Stores the value of one recognised option; CLI_OK or CLI_USAGE. */
static int
store_option(struct cli_ctx *ctx, const struct cli_opt *o, const char *shown, const char *value,
             bool inline_value, int argc, char **argv, int *i)
{
    if (o->flag != NULL) {
        if (inline_value)
            return cli_usage(ctx, "option %s takes no value", shown);
        *o->flag = true;
        return CLI_OK;
    }
    if (!inline_value) {
        if (*i + 1 >= argc)
            return cli_usage(ctx, "option %s needs a value", shown);
        value = argv[++*i];
    }
    if (o->list != NULL) {
        if (list_append(o->list, value) != 0) {
            cli_err(ctx, "out of memory");
            return CLI_IO;
        }
        return CLI_OK;
    }
    if (*o->value != NULL)
        return cli_usage(ctx, "option %s given twice", shown);
    *o->value = value;
    return CLI_OK;
}

int
cli_parse(struct cli_ctx *ctx, int argc, char **argv, const struct cli_opt *opts, const char **pos,
          size_t max_pos, size_t *npos)
{
    const char *config = NULL, *key = NULL;
    const struct cli_opt globals[] = {
        {.name = "config", .short_name = 'c', .value = &config},
        {.name = "key-file", .short_name = 'k', .value = &key},
        {.name = NULL},
    };
    const struct cli_opt *o;
    bool options_done = false;
    int i, rc;

    *npos = 0;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        char shown[128];

        if (options_done || a[0] != '-' || a[1] == '\0') {
            if (*npos >= max_pos)
                return cli_usage(ctx, "unexpected argument '%s'", a);
            pos[(*npos)++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = true;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return CLI_HELP;
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);

            snprintf(shown, sizeof(shown), "--%.*s", (int)len, name);
            if (is_password_option(name, len)) {
                cli_err(ctx, "--password is refused: a password on the command line is visible to "
                             "other users (ps, /proc) and kept in shell history; use "
                             "--password-stdin or --password-file FILE");
                return CLI_USAGE;
            }
            o = find_long(opts, name, len);
            if (o == NULL)
                o = find_long(globals, name, len);
            if (o == NULL)
                return cli_usage(ctx, "unknown option %s", shown);
            rc =
                store_option(ctx, o, shown, eq != NULL ? eq + 1 : NULL, eq != NULL, argc, argv, &i);
        } else {
            snprintf(shown, sizeof(shown), "-%c", a[1]);
            o = find_short(opts, a[1]);
            if (o == NULL)
                o = find_short(globals, a[1]);
            if (o == NULL)
                return cli_usage(ctx, "unknown option %s", a);
            /* "-cFILE" is accepted like getopt does. */
            rc = store_option(ctx, o, shown, a + 2, a[2] != '\0', argc, argv, &i);
        }
        if (rc != CLI_OK)
            return rc;
    }
    if (config != NULL)
        ctx->config_path = config;
    if (key != NULL)
        ctx->key_file = key;
    return CLI_OK;
}

int
cli_check_password_source(const struct cli_ctx *ctx, bool from_stdin, const char *file,
                          bool required)
{
    if (from_stdin && file != NULL)
        return cli_usage(ctx, "give either --password-stdin or --password-file, not both");
    if (required && !from_stdin && file == NULL)
        return cli_usage(ctx, "a password is required: --password-stdin or --password-file FILE "
                              "(never on the command line)");
    return CLI_OK;
}

/* Reads up to max bytes from fd into buf; -1 on error, else the count (max+1 means too long). */
static ssize_t
read_fd(int fd, char *buf, size_t max)
{
    size_t got = 0;
    ssize_t n;

    while (got <= max) {
        n = read(fd, buf + got, max + 1 - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* One line from a terminal with echo off; the prompt goes to stderr. */
static ssize_t
read_tty_line(char *buf, size_t max)
{
    struct termios old, quiet;
    bool restore = false;
    ssize_t n = 0;
    char c;

    fputs("Password: ", stderr);
    fflush(stderr);
    if (tcgetattr(STDIN_FILENO, &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    for (;;) {
        ssize_t r = read(STDIN_FILENO, &c, 1);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || c == '\n')
            break;
        if ((size_t)n <= max)
            buf[n++] = c;
    }
    if (restore)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
    OPENSSL_cleanse(&c, sizeof(c));
    return n;
}

/* A password file others can read leaks the password as surely as argv would. */
static void
warn_if_shared(const struct cli_ctx *ctx, int fd, const char *file)
{
    struct stat st;

    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0077) != 0)
        cli_warn(ctx, "%s: password file is accessible to other users (mode %04o); chmod 600 it",
                 file, (unsigned)(st.st_mode & 07777));
}

int
cli_read_password(const struct cli_ctx *ctx, bool from_stdin, const char *file, char **out)
{
    char buf[CLI_PASSWORD_MAX + 2];
    const char *source = from_stdin ? "standard input" : file;
    ssize_t n;
    int fd = -1, rc = CLI_INVALID;

    *out = NULL;
    if (from_stdin) {
        n = isatty(STDIN_FILENO) ? read_tty_line(buf, CLI_PASSWORD_MAX)
                                 : read_fd(STDIN_FILENO, buf, CLI_PASSWORD_MAX);
    } else {
        fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            cli_err(ctx, "%s: cannot open password file: %s", file, strerror(errno));
            rc = CLI_IO;
            goto out;
        }
        warn_if_shared(ctx, fd, file);
        n = read_fd(fd, buf, CLI_PASSWORD_MAX);
    }
    if (n < 0) {
        cli_err(ctx, "%s: cannot read password: %s", source, strerror(errno));
        rc = CLI_IO;
        goto out;
    }
    if ((size_t)n > CLI_PASSWORD_MAX) {
        cli_err(ctx, "%s: password longer than %d bytes", source, CLI_PASSWORD_MAX);
        goto out;
    }
    /* One trailing newline is how `echo` and editors end a line, not part of the password. */
    if (n > 0 && buf[n - 1] == '\n')
        n--;
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    if (n == 0) {
        cli_err(ctx, "%s: the password is empty", source);
        goto out;
    }
    if (memchr(buf, '\n', (size_t)n) != NULL || memchr(buf, '\r', (size_t)n) != NULL) {
        cli_err(ctx, "%s: the password must be a single line", source);
        goto out;
    }
    if (strlen(buf) != (size_t)n) {
        cli_err(ctx, "%s: the password contains a NUL byte", source);
        goto out;
    }
    *out = strdup(buf);
    if (*out == NULL) {
        cli_err(ctx, "out of memory");
        rc = CLI_IO;
        goto out;
    }
    rc = CLI_OK;
out:
    if (fd >= 0)
        close(fd);
    OPENSSL_cleanse(buf, sizeof(buf));
    return rc;
}

void
cli_free_secret(char *s)
{
    if (s == NULL)
        return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}

struct certmap_open_options
cli_open_options(const struct cli_ctx *ctx, bool lock)
{
    struct certmap_open_options o;

    memset(&o, 0, sizeof(o));
    o.key_file = ctx->key_file;
    o.lock = lock;
    return o;
}

static const char *
severity_name(enum certmap_severity s)
{
    switch (s) {
    case CERTMAP_SEV_ERROR:
        return "error";
    case CERTMAP_SEV_WARNING:
        return "warning";
    case CERTMAP_SEV_NOTE:
        break;
    }
    return "note";
}

void
cli_print_diag(FILE *f, const struct certmap_diag *d)
{
    const struct certmap_error *e = &d->err;

    if (e->file[0] != '\0' && e->line > 0)
        fprintf(f, "%s:%u: ", e->file, e->line);
    else if (e->file[0] != '\0')
        fprintf(f, "%s: ", e->file);
    fprintf(f, "%s: ", severity_name(d->severity));
    if (e->element[0] != '\0')
        fprintf(f, "%s: ", e->element);
    if (e->attribute[0] != '\0')
        fprintf(f, "%s: ", e->attribute);
    fprintf(f, "%s\n", e->message);
}

void
cli_print_diag_json(FILE *f, const struct certmap_diag *d)
{
    const struct certmap_error *e = &d->err;

    fputs("{\"file\":", f);
    cli_json_string(f, e->file);
    fprintf(f, ",\"line\":%u,\"severity\":\"%s\",\"element\":", e->line,
            severity_name(d->severity));
    cli_json_string(f, e->element);
    fputs(",\"attribute\":", f);
    cli_json_string(f, e->attribute);
    fputs(",\"message\":", f);
    cli_json_string(f, e->message);
    fprintf(f, ",\"item\":%s}", d->item ? "true" : "false");
}

struct certmap_config *
cli_open_config(const struct cli_ctx *ctx, bool lock, int *rc)
{
    struct certmap_open_options o = cli_open_options(ctx, lock);
    struct certmap_diags diags = {0};
    struct certmap_error err = {0};
    struct certmap_config *cfg;
    size_t i;

    cfg = certmap_config_open(ctx->config_path, &o, &diags, &err);
    if (cfg == NULL) {
        *rc = cli_exit_code(&err);
        if (diags.errors == 0) {
            cli_fail(ctx, &err);
        } else {
            /* The whole list: fixing one error at a time is what we want to spare the admin. */
            for (i = 0; i < diags.count; i++) {
                if (diags.items[i].severity != CERTMAP_SEV_ERROR)
                    continue;
                fputs("certmap: ", stderr);
                cli_print_diag(stderr, &diags.items[i]);
            }
            cli_err(ctx, "%s: %zu error%s in the configuration", ctx->config_path, diags.errors,
                    diags.errors == 1 ? "" : "s");
        }
    } else if (diags.item_errors > 0) {
        /* The file works without them; the command goes on, but the admin hears of them. */
        cli_warn(ctx,
                 "%s: %zu item%s (mapping or virtual directory) cannot be used; "
                 "'certmap validate' lists them",
                 ctx->config_path, diags.item_errors, diags.item_errors == 1 ? "" : "s");
    }
    certmap_diags_free(&diags);
    return cfg;
}

void
cli_json_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""), *run = p;

    fputc('"', f);
    for (;; p++) {
        /* Plain bytes are written in runs; UTF-8 passes through unchanged. */
        if (*p >= 0x20 && *p != '"' && *p != '\\' && *p != 0x7f)
            continue;
        fwrite(run, 1, (size_t)(p - run), f);
        run = p + 1;
        if (*p == '\0')
            break;
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            fprintf(f, "\\u%04x", *p);
        }
    }
    fputc('"', f);
}

void
cli_element_source(const struct certmap_element *item, char *buf, size_t size)
{
    const char *file = NULL;
    unsigned line = 0;

    if (certmap_element_source(item, NULL, &file, &line) == 0 && file != NULL)
        snprintf(buf, size, "%s:%u", file, line);
    else
        snprintf(buf, size, "(not yet written)");
}
