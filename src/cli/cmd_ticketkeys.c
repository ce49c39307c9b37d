/*
 * cmd_ticketkeys.c - `certmap ticket-keys rotate|show [--file F]`: the shared
 * session-ticket key file of <server ticketKeyFile> (secret/ticketkeys.h,
 * docs/ticket-keys.md).  Key material is never printed: a key is shown by
 * the first bytes of its name only.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "certmap/view.h"
#include "fileio.h"
#include "secret/ticketkeys.h"

static const char help_rotate[] =
    "Usage: certmap ticket-keys rotate [--file FILE]\n"
    "\n"
    "Writes a new random session-ticket key first into FILE (default: the\n"
    "configuration's <certmap><server ticketKeyFile>), keeping the previous current\n"
    "key and the one before it for decryption; an older key leaves the file, and\n"
    "sessions whose tickets it encrypted get a full handshake.  The file is\n"
    "replaced atomically, under a lock, keeping its owner, group and mode (a new\n"
    "file is created with mode 0600).  Every certmapd that shares the file picks\n"
    "the new key up by itself (the file is watched).  Rotate more often than\n"
    "sessionTicketSeconds so that a ticket outlives at most two rotations.\n"
    "\n"
    "  --file FILE   the key file (needed when the configuration names none)\n";

static const char help_show[] =
    "Usage: certmap ticket-keys show [--file FILE]\n"
    "\n"
    "Lists the keys of the session-ticket key file (default: the configuration's\n"
    "ticketKeyFile): which one encrypts, a short id of each (the first bytes of its\n"
    "name, never key material), and when the file was last rotated.\n";

/* The key file: --file, else the configuration's ticketKeyFile (malloc'd into *path). */
static int
key_path(struct cli_ctx *ctx, const char *file, char **path)
{
    struct certmap_config *cfg;
    struct certmap_view *v;
    const char *p;
    int rc = CLI_OK;

    if (file != NULL) {
        *path = strdup(file);
        return *path != NULL ? CLI_OK : CLI_IO;
    }
    cfg = cli_open_config(ctx, false, &rc);
    if (cfg == NULL)
        return rc;
    v = cli_view(ctx, cfg, NULL, &rc);
    if (v != NULL) {
        p = certmap_view_server(v)->ticket_key_file;
        if (p == NULL) {
            cli_err(ctx, "%s names no <certmap><server ticketKeyFile>; give --file FILE",
                    ctx->config_path);
            rc = CLI_INVALID;
        } else {
            *path = strdup(p);
            rc = *path != NULL ? CLI_OK : CLI_IO;
        }
    }
    certmap_view_unref(v);
    certmap_config_close(cfg);
    return rc;
}

static void
print_id(const unsigned char name[16])
{
    for (int i = 0; i < 4; i++)
        printf("%02x", name[i]);
}

static int
rotate(struct cli_ctx *ctx, const char *path)
{
    struct ticketkeys old = {0}, keys = {0};
    struct certmap_error err = {0};
    struct stat st;
    char *lock_path = NULL, *text = NULL;
    size_t len = 0;
    int lock = -1, rc = CLI_IO;

    if (asprintf(&lock_path, "%s.lock", path) < 0) {
        lock_path = NULL;
        goto out;
    }
    lock = fileio_lock(lock_path, &err);
    if (lock < 0) {
        rc = cli_fail(ctx, &err);
        goto out;
    }
    /* An unusable file is not overwritten: it may be a mistake worth seeing first. */
    if (stat(path, &st) == 0 || errno != ENOENT) {
        if (ticketkeys_load(path, &old, &err) != 0) {
            rc = cli_fail(ctx, &err);
            goto out;
        }
    }
    if (ticketkeys_generate(&keys.k[0], &err) != 0) {
        rc = cli_fail(ctx, &err);
        goto out;
    }
    keys.n = 1;
    for (size_t i = 0; i < old.n && keys.n < TICKETKEYS_MAX; i++)
        keys.k[keys.n++] = old.k[i];
    text = ticketkeys_format(&keys, &len);
    if (text == NULL) {
        cli_err(ctx, "out of memory");
        goto out;
    }
    if (fileio_write_atomic(path, text, len, 0600, &err) != 0) {
        rc = cli_fail(ctx, &err);
        goto out;
    }
    printf("%s: new current key ", path);
    print_id(keys.k[0].name);
    printf("; %zu previous key%s kept", keys.n - 1, keys.n == 2 ? "" : "s");
    if (old.n == TICKETKEYS_MAX) {
        printf(", key ");
        print_id(old.k[TICKETKEYS_MAX - 1].name);
        printf(" removed");
    }
    printf("\n");
    rc = fflush(stdout) == 0 ? CLI_OK : CLI_IO;
out:
    ticketkeys_clear(&old);
    ticketkeys_clear(&keys);
    ticketkeys_free_text(text, len);
    fileio_unlock(lock);
    free(lock_path);
    return rc;
}

static int
show(struct cli_ctx *ctx, const char *path)
{
    struct ticketkeys keys;
    struct certmap_error err = {0};
    char when[32] = "?";
    struct tm tm;
    time_t now = time(NULL);

    if (ticketkeys_load(path, &keys, &err) != 0)
        return cli_fail(ctx, &err);
    if (gmtime_r(&keys.mtime, &tm) != NULL)
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("%s: %zu key%s, last rotated %s (%lld s ago)\n", path, keys.n, keys.n == 1 ? "" : "s",
           when, (long long)(now - keys.mtime));
    for (size_t i = 0; i < keys.n; i++) {
        printf("  line %u  ", keys.k[i].line);
        print_id(keys.k[i].name);
        printf("  %s\n", i == 0 ? "current (encrypts and decrypts)" : "previous (decrypts only)");
    }
    ticketkeys_clear(&keys);
    return fflush(stdout) == 0 ? CLI_OK : CLI_IO;
}

int
cmd_ticket_keys(struct cli_ctx *ctx, const char *sub, int argc, char **argv)
{
    const char *file = NULL;
    const struct cli_opt opts[] = {{.name = "file", .value = &file}, {.name = NULL}};
    const char *pos[1];
    size_t npos = 0;
    char *path = NULL;
    bool is_rotate = strcmp(sub, "rotate") == 0;
    int rc;

    if (!is_rotate && strcmp(sub, "show") != 0)
        return cli_usage(ctx, "unknown subcommand \"%s\": rotate or show", sub);
    rc = cli_parse(ctx, argc, argv, opts, pos, 0, &npos);
    if (rc == CLI_HELP) {
        fputs(is_rotate ? help_rotate : help_show, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK)
        return rc;
    rc = key_path(ctx, file, &path);
    if (rc == CLI_OK)
        rc = is_rotate ? rotate(ctx, path) : show(ctx, path);
    free(path);
    return rc;
}
