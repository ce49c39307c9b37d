/*
 * cli_appcmd.c - AppCmd's collection syntax for `certmap set config`:
 *
 *   /+"manyToOneMappings.[name='Contoso Employees',userName='u',password='p']"
 *   /+"manyToOneMappings.[name='Contoso Employees'].rules.[certificateField='Subject',...]"
 *
 *   /-"manyToOneMappings.[name='Contoso Employees']"
 *
 * A path is a chain of COLLECTION.[attr='value',...] steps: every step but
 * the last selects an existing item of its collection (all the attributes
 * given must match, compared case-insensitively as IIS compares keys); the
 * last step adds a new item with those attributes (/+), or removes the item
 * they select (/-: a local item is deleted, an inherited one gets a
 * <remove> entry, as AppCmd does).  Values are quoted with
 * single quotes as AppCmd writes them (no escapes: AppCmd has none), or
 * unquoted up to the next ',' or ']'.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STEPS_MAX 4
#define ATTRS_MAX 16

struct step {
    const char *coll;
    const char *names[ATTRS_MAX];
    const char *values[ATTRS_MAX];
    size_t n;
};

/* Parses s (modified in place) into steps; NULL, or what is wrong. */
static const char *
parse_path(char *s, struct step *steps, size_t *nsteps)
{
    *nsteps = 0;
    for (;;) {
        struct step *st;
        char *dot = strstr(s, ".[");

        if (*nsteps == STEPS_MAX)
            return "too many steps";
        if (dot == NULL || dot == s)
            return "expected COLLECTION.[attribute='value',...]";
        st = &steps[(*nsteps)++];
        memset(st, 0, sizeof(*st));
        *dot = '\0';
        st->coll = s;
        s = dot + 2;
        for (;;) {
            char *eq = strchr(s, '=');
            if (eq == NULL || eq == s || st->n == ATTRS_MAX)
                return "expected attribute='value' inside [...]";
            *eq = '\0';
            st->names[st->n] = s;
            s = eq + 1;
            if (*s == '\'') {
                char *q = strchr(s + 1, '\'');
                if (q == NULL)
                    return "unterminated quote";
                st->values[st->n++] = s + 1;
                *q = '\0';
                s = q + 1;
            } else {
                st->values[st->n++] = s;
                s += strcspn(s, ",]");
            }
            if (*s == ',') {
                *s++ = '\0';
                continue;
            }
            if (*s != ']')
                return "expected ',' or ']' after a value";
            *s++ = '\0';
            break;
        }
        if (*s == '\0')
            return NULL;
        if (*s != '.')
            return "expected '.' after ']'";
        s++;
    }
}

/* The effective item of c whose attributes match all of st's, or NULL. */
static struct certmap_element *
find_item(const struct certmap_collection *c, const struct step *st)
{
    size_t n = certmap_collection_count(c);

    for (size_t i = 0; i < n; i++) {
        struct certmap_element *item = certmap_collection_item(c, i);
        size_t k;
        for (k = 0; k < st->n; k++) {
            const char *v = certmap_element_get(item, st->names[k]);
            if (v == NULL || strcasecmp(v, st->values[k]) != 0)
                break;
        }
        if (k == st->n)
            return item;
    }
    return NULL;
}

int
cli_appcmd_edit(const struct cli_ctx *ctx, struct certmap_element *sec, char op, const char *path)
{
    struct certmap_error err = {0};
    struct certmap_element *cur = sec, *item;
    struct certmap_collection *c;
    struct step steps[STEPS_MAX];
    size_t nsteps = 0;
    const char *why;
    char *copy = strdup(path);
    int rc = CLI_INVALID;

    if (copy == NULL) {
        cli_err(ctx, "out of memory");
        return CLI_IO;
    }
    why = parse_path(copy, steps, &nsteps);
    if (why != NULL) {
        rc = cli_usage(ctx, "/%c\"%s\": %s", op, path, why);
        goto out;
    }
    for (size_t i = 0; i < nsteps; i++) {
        const struct step *st = &steps[i];
        c = certmap_element_collection(cur, st->coll, &err);
        if (c == NULL) {
            rc = cli_fail(ctx, &err);
            goto out;
        }
        if (i + 1 < nsteps) {
            cur = find_item(c, st);
            if (cur == NULL) {
                cli_err(ctx, "/%c\"%s\": no item of %s matches the selection of step %zu", op, path,
                        st->coll, i + 1);
                goto out;
            }
            if (certmap_element_is_inherited(cur)) {
                cli_err(ctx,
                        "/%c\"%s\": that item of %s is inherited from an enclosing location; "
                        "change it where it is written",
                        op, path, st->coll);
                goto out;
            }
            continue;
        }
        if (op == '-') {
            item = find_item(c, st);
            if (item == NULL) {
                cli_err(ctx, "/-\"%s\": no item of %s matches", path, st->coll);
                goto out;
            }
            if (certmap_collection_remove(c, item, &err) != 0) {
                rc = cli_fail(ctx, &err);
                goto out;
            }
            break;
        }
        item = certmap_collection_create_element(c, NULL, &err);
        if (item == NULL) {
            rc = cli_fail(ctx, &err);
            goto out;
        }
        for (size_t k = 0; k < st->n; k++) {
            if (strcasecmp(st->names[k], "password") == 0)
                cli_warn(ctx,
                         "/+\"%s.[...]\": a password on the command line is visible to "
                         "other users (ps, shell history); it is stored encrypted",
                         st->coll);
            if (certmap_element_set(item, st->names[k], st->values[k], &err) != 0) {
                rc = cli_fail(ctx, &err);
                goto out;
            }
        }
        if (certmap_collection_add(c, item, &err) != 0) {
            rc = cli_fail(ctx, &err);
            goto out;
        }
    }
    rc = CLI_OK;
out:
    free(copy);
    return rc;
}
