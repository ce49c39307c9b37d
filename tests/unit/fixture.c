/* Shared helpers for unit tests: temporary directories and files. */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ftw.h>

char *
fixture_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[512];

    snprintf(tmpl, sizeof(tmpl), "%s/certmap-test.XXXXXX", base != NULL ? base : "/tmp");
    if (mkdtemp(tmpl) == NULL)
        return NULL;
    return strdup(tmpl);
}

static int
on_remove(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
fixture_rmtree(char *dir)
{
    if (dir == NULL)
        return;
    nftw(dir, on_remove, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

char *
fixture_write(const char *dir, const char *name, const void *data, size_t len)
{
    char path[1024];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL)
        return NULL;
    if (len > 0 && fwrite(data, 1, len, f) != len) {
        fclose(f);
        return NULL;
    }
    if (fclose(f) != 0)
        return NULL;
    return strdup(path);
}

char *
fixture_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    buf = malloc((size_t)n + 1);
    if (buf == NULL)
        goto out;
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
        goto out;
    }
    buf[n] = '\0';
    if (len != NULL)
        *len = (size_t)n;
out:
    fclose(f);
    return buf;
}
