#ifndef CERTMAP_TEST_FIXTURE_H
#define CERTMAP_TEST_FIXTURE_H

#include <stddef.h>

/* Creates a fresh temporary directory; returns its malloc'd path or NULL. */
char *fixture_tmpdir(void);

/* Removes a directory tree made by fixture_tmpdir() and frees the path. NULL is ignored. */
void fixture_rmtree(char *dir);

/* Writes len bytes to dir/name; returns the malloc'd path or NULL. */
char *fixture_write(const char *dir, const char *name, const void *data, size_t len);

/* Reads a whole file, NUL-terminated; returns malloc'd bytes (length in *len) or NULL. */
char *fixture_read(const char *path, size_t *len);

#endif
