/*
 * value.c - typed attribute values: IIS's bool, uint, int64, enum and flags.
 * Reading is lenient where IIS is (case of enum and flag names, spaces around
 * flags); writing always uses the canonical spelling IIS writes.
 */
#include "config/value.h"

#include "config/document.h"
#include "config/schema.h"
#include "config/unenforced.h"

#include "cert/rdn.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool
eq_nocase(const char *a, const char *b, size_t blen)
{
    return strlen(a) == blen && strncasecmp(a, b, blen) == 0;
}

/* Decimal digits only, no sign or spaces (as IIS). 0 on success. */
static int
parse_decimal(const char *s, size_t len, unsigned long long *out)
{
    unsigned long long v = 0;

    if (len == 0 || len > 20)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        if (v > (~0ULL - (unsigned)(s[i] - '0')) / 10)
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

const char *
cfg_value_format_flags(const struct schema_attr *a, unsigned long long v, char *buf, size_t size)
{
    size_t n = 0;

    buf[0] = '\0';
    if (v == 0) {
        for (const struct schema_enum *e = a->values; e->name != NULL; e++)
            if (e->value == 0) {
                snprintf(buf, size, "%s", e->name);
                break;
            }
        return buf;
    }
    for (const struct schema_enum *e = a->values; e->name != NULL && n < size; e++) {
        if (e->value == 0 || (v & e->value) != e->value)
            continue;
        int w = snprintf(buf + n, size - n, "%s%s", n > 0 ? ", " : "", e->name);
        if (w < 0)
            break;
        n += (size_t)w;
    }
    return buf;
}

static int
parse_flags(const struct schema_attr *a, const char *text, size_t len, unsigned long long *out,
            char *msg, size_t msgsize)
{
    unsigned long long v = 0, all = 0, num;
    size_t i = 0;
    char allowed[512];

    for (const struct schema_enum *e = a->values; e->name != NULL; e++)
        all |= e->value;
    while (i < len && (text[i] == ' ' || text[i] == '\t'))
        i++;
    if (i == len) {
        /* IIS reads an empty flags value as 0 */
        *out = 0;
        return 0;
    }
    i = 0;
    while (i <= len) {
        size_t b, e;
        while (i < len && (text[i] == ' ' || text[i] == '\t'))
            i++;
        b = i;
        while (i < len && text[i] != ',')
            i++;
        e = i;
        while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t'))
            e--;
        i++; /* past the comma (or the end) */
        if (e == b) {
            snprintf(msg, msgsize, "empty flag in \"%.*s\" (allowed: %s)", (int)len, text,
                     cfg_schema_allowed(a, allowed, sizeof(allowed)));
            return -1;
        }
        const struct schema_enum *hit = NULL;
        for (const struct schema_enum *en = a->values; en->name != NULL; en++)
            if (eq_nocase(en->name, text + b, e - b)) {
                hit = en;
                break;
            }
        if (hit != NULL) {
            v |= hit->value;
        } else if (parse_decimal(text + b, e - b, &num) == 0 && (num & ~all) == 0) {
            v |= num;
        } else {
            snprintf(msg, msgsize, "unknown flag \"%.*s\" (allowed: %s)", (int)(e - b), text + b,
                     cfg_schema_allowed(a, allowed, sizeof(allowed)));
            return -1;
        }
    }
    *out = v;
    return 0;
}

int
cfg_value_parse(const struct schema_attr *a, const char *text, size_t len, char *canon, size_t size,
                unsigned long long *num, char *msg, size_t msgsize)
{
    unsigned long long v = 0, max;
    char allowed[512];

    switch (a->type) {
    case ST_STRING:
        if ((a->flags & SA_NONEMPTY) && len == 0) {
            snprintf(msg, msgsize, "must not be empty");
            return -1;
        }
        /*
         * A line break or escape in a user name or path ends up in logs, headers and PAM
         * conversations.  Certificates are exempt (base64 with line breaks is tolerated and
         * normalised), and so are passwords: their stored form is an envelope, and their plain
         * text is the account's business, never echoed.
         */
        if (!(a->flags & (SA_CERT | SA_ENCRYPTED)))
            for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)text[i];
                if (c < 0x20 || c == 0x7f) {
                    snprintf(msg, msgsize,
                             "control character 0x%02x at position %zu: not allowed in %s", c,
                             i + 1, a->name);
                    return -1;
                }
            }
        if (a->flags & SA_SECTIONS)
            return unenforced_parse_list(text, len, NULL, msg, msgsize);
        if ((a->flags & SA_RDN) && cert_rdn_nid(text, len) == 0) {
            snprintf(msg, msgsize, "unknown certificate subfield \"%.*s\" (allowed: %s)", (int)len,
                     text, cert_rdn_allowed());
            return -1;
        }
        return 0;
    case ST_BOOL:
        if (eq_nocase("true", text, len))
            v = 1;
        else if (eq_nocase("false", text, len))
            v = 0;
        else {
            snprintf(msg, msgsize, "not a boolean: \"%.*s\" (allowed: true, false)", (int)len,
                     text);
            return -1;
        }
        if (canon != NULL)
            snprintf(canon, size, "%s", v ? "true" : "false");
        break;
    case ST_UINT:
    case ST_INT64:
        max = a->max != 0 ? a->max : (a->type == ST_UINT ? 4294967295ULL : 9223372036854775807ULL);
        if (parse_decimal(text, len, &v) != 0) {
            snprintf(msg, msgsize, "not a number: \"%.*s\"", (int)len, text);
            return -1;
        }
        if (v < a->min || v > max) {
            snprintf(msg, msgsize, "%llu out of range (%llu to %llu)", v, a->min, max);
            return -1;
        }
        if (canon != NULL)
            snprintf(canon, size, "%llu", v);
        break;
    case ST_ENUM: {
        const struct schema_enum *hit = NULL;
        for (const struct schema_enum *e = a->values; e->name != NULL; e++)
            if (eq_nocase(e->name, text, len)) {
                hit = e;
                break;
            }
        if (hit == NULL && parse_decimal(text, len, &v) == 0)
            for (const struct schema_enum *e = a->values; e->name != NULL; e++)
                if (e->value == v) {
                    hit = e;
                    break;
                }
        if (hit == NULL) {
            snprintf(msg, msgsize, "unknown value \"%.*s\" (allowed: %s)", (int)len, text,
                     cfg_schema_allowed(a, allowed, sizeof(allowed)));
            return -1;
        }
        v = hit->value;
        if (canon != NULL)
            snprintf(canon, size, "%s", hit->name);
        break;
    }
    case ST_FLAGS:
        if (parse_flags(a, text, len, &v, msg, msgsize) != 0)
            return -1;
        if (canon != NULL)
            cfg_value_format_flags(a, v, canon, size);
        break;
    }
    if (num != NULL)
        *num = v;
    return 0;
}
