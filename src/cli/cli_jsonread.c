/*
 * cli_jsonread.c - reads the JSON the CLI writes back in: an array of flat
 * objects whose values are strings, numbers, true, false or null (what
 * `certmap export mappings --json` prints).  Strict: anything else (nested
 * values, trailing commas, bad escapes) is an error naming the line.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

struct reader {
    const char *p;
    unsigned line;
    const char *why; /* static text, set on the first error */
};

static void
skip_ws(struct reader *r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\r' || *r->p == '\n') {
        if (*r->p == '\n')
            r->line++;
        r->p++;
    }
}

static int
reader_fail(struct reader *r, const char *why)
{
    if (r->why == NULL)
        r->why = why;
    return -1;
}

static int
hex4(const char *p, unsigned *out)
{
    unsigned v = 0;

    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* A string at r->p (after its opening quote) into a malloc'd UTF-8 copy. */
static char *
read_string(struct reader *r)
{
    size_t cap = 64, n = 0;
    char *s = malloc(cap), *t;
    unsigned cp;

    while (s != NULL && *r->p != '"') {
        if (n + 4 >= cap) {
            t = realloc(s, cap *= 2);
            if (t == NULL)
                break;
            s = t;
        }
        if ((unsigned char)*r->p < 0x20) {
            reader_fail(r, "control character or end of input inside a string");
            goto bad;
        }
        if (*r->p != '\\') {
            s[n++] = *r->p++;
            continue;
        }
        r->p++;
        switch (*r->p) {
        case '"':
        case '\\':
        case '/':
            s[n++] = *r->p;
            break;
        case 'n':
            s[n++] = '\n';
            break;
        case 'r':
            s[n++] = '\r';
            break;
        case 't':
            s[n++] = '\t';
            break;
        case 'u':
            /* the writer escapes control characters only: the BMP is enough */
            if (hex4(r->p + 1, &cp) != 0 || cp == 0 || (cp >= 0xd800 && cp < 0xe000)) {
                reader_fail(r, "bad \\u escape");
                goto bad;
            }
            if (cp < 0x80) {
                s[n++] = (char)cp;
            } else if (cp < 0x800) {
                s[n++] = (char)(0xc0 | (cp >> 6));
                s[n++] = (char)(0x80 | (cp & 0x3f));
            } else {
                s[n++] = (char)(0xe0 | (cp >> 12));
                s[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                s[n++] = (char)(0x80 | (cp & 0x3f));
            }
            r->p += 4;
            break;
        default:
            reader_fail(r, "bad escape in a string");
            goto bad;
        }
        r->p++;
    }
    if (s == NULL) {
        reader_fail(r, "out of memory");
        return NULL;
    }
    r->p++;
    s[n] = '\0';
    return s;
bad:
    free(s);
    return NULL;
}

/* A scalar that is not a string: true, false, null or a number, copied as text. */
static char *
read_scalar(struct reader *r)
{
    size_t n = strspn(r->p, "0123456789+-.eE");
    char *s;

    if (strncmp(r->p, "true", 4) == 0 || strncmp(r->p, "null", 4) == 0)
        n = 4;
    else if (strncmp(r->p, "false", 5) == 0)
        n = 5;
    if (n == 0) {
        reader_fail(r,
                    "expected a string, number, true, false or null (nested values are not read)");
        return NULL;
    }
    s = strndup(r->p, n);
    if (s == NULL)
        reader_fail(r, "out of memory");
    r->p += n;
    return s;
}

static int
read_object(struct reader *r, struct cli_json_obj *o)
{
    char *key, *val;
    bool str;

    o->line = r->line;
    r->p++;
    skip_ws(r);
    if (*r->p == '}') {
        r->p++;
        return 0;
    }
    for (;;) {
        skip_ws(r);
        if (*r->p != '"')
            return reader_fail(r, "expected a member name");
        r->p++;
        key = read_string(r);
        if (key == NULL)
            return -1;
        skip_ws(r);
        if (*r->p != ':') {
            free(key);
            return reader_fail(r, "expected ':'");
        }
        r->p++;
        skip_ws(r);
        str = *r->p == '"';
        if (str)
            r->p++;
        val = str ? read_string(r) : read_scalar(r);
        if (val == NULL || o->n == CLI_JSON_MEMBERS_MAX) {
            free(key);
            free(val);
            return reader_fail(r, "too many members in an object");
        }
        o->keys[o->n] = key;
        o->vals[o->n] = val;
        o->is_str[o->n++] = str;
        skip_ws(r);
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        if (*r->p != '}')
            return reader_fail(r, "expected ',' or '}'");
        r->p++;
        return 0;
    }
}

int
cli_json_read_objects(const char *text, struct cli_json_obj **objs, size_t *n, unsigned *line,
                      const char **why)
{
    struct reader r = {.p = text, .line = 1};
    struct cli_json_obj *v = NULL, *t;
    size_t count = 0, cap = 0;

    skip_ws(&r);
    if (*r.p != '[') {
        reader_fail(&r, "expected a JSON array of objects");
        goto bad;
    }
    r.p++;
    skip_ws(&r);
    while (*r.p != ']') {
        if (count > 0) {
            if (*r.p != ',') {
                reader_fail(&r, "expected ',' or ']'");
                goto bad;
            }
            r.p++;
            skip_ws(&r);
        }
        if (*r.p != '{') {
            reader_fail(&r, "expected an object");
            goto bad;
        }
        if (count == cap) {
            cap = cap == 0 ? 64 : cap * 2;
            t = realloc(v, cap * sizeof(*v));
            if (t == NULL) {
                reader_fail(&r, "out of memory");
                goto bad;
            }
            v = t;
        }
        memset(&v[count], 0, sizeof(v[count]));
        count++;
        if (read_object(&r, &v[count - 1]) != 0)
            goto bad;
        skip_ws(&r);
    }
    r.p++;
    skip_ws(&r);
    if (*r.p != '\0') {
        reader_fail(&r, "text after the array");
        goto bad;
    }
    *objs = v;
    *n = count;
    return 0;
bad:
    cli_json_objs_free(v, count);
    *line = r.line;
    *why = r.why;
    return -1;
}

const char *
cli_json_get(const struct cli_json_obj *o, const char *key, bool *is_str)
{
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->keys[i], key) == 0) {
            if (is_str != NULL)
                *is_str = o->is_str[i];
            return o->vals[i];
        }
    return NULL;
}

void
cli_json_objs_free(struct cli_json_obj *objs, size_t n)
{
    for (size_t i = 0; objs != NULL && i < n; i++)
        for (size_t k = 0; k < objs[i].n; k++) {
            free(objs[i].keys[k]);
            free(objs[i].vals[k]);
        }
    free(objs);
}
