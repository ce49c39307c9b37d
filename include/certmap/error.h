/*
 * certmap/error.h - error reporting of libcertmap.
 *
 * Every library call that can fail returns 0/-1 (or NULL) and fills a
 * `struct certmap_error` that says what went wrong and where: file, line,
 * element and attribute when the error concerns a configuration node.  The
 * library never prints and never exits.  Operations that can find several
 * problems at once (loading or validating a configuration) also fill a
 * `struct certmap_diags` list with every error, warning and note.
 */
#ifndef CERTMAP_ERROR_H
#define CERTMAP_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Category of an error, so that callers can map it to an exit code. */
enum certmap_error_kind {
    CERTMAP_ERR_NONE = 0,
    CERTMAP_ERR_USAGE,   /* bad argument to an API call */
    CERTMAP_ERR_INVALID, /* invalid input: configuration, certificate, envelope, value */
    CERTMAP_ERR_IO,      /* file system or OS failure */
    CERTMAP_ERR_CRYPTO,  /* OpenSSL failure, wrong key, tampered envelope */
    CERTMAP_ERR_NOMEM,   /* allocation failure */
    CERTMAP_ERR_AUTH,    /* logon refused */
};

struct certmap_error {
    enum certmap_error_kind kind; /* CERTMAP_ERR_NONE when no error */
    char file[512];               /* file the error concerns, "" when none */
    unsigned line;                /* 1-based line in file, 0 when unknown */
    char element[128];            /* element name, "" when none */
    char attribute[128];          /* attribute name, "" when none */
    char message[1024];           /* human-readable text, no location prefix */
};

/*
 * Fills err (when not NULL) with a printf-style message and a location.
 * Any of file/element/attribute may be NULL, line may be 0.  Returns -1 so
 * that callers can write `return certmap_error_set(...)`.
 */
int certmap_error_set(struct certmap_error *err, enum certmap_error_kind kind, const char *file,
                      unsigned line, const char *element, const char *attribute, const char *fmt,
                      ...) __attribute__((format(printf, 7, 8)));

/* Appends the OpenSSL error queue (drained) to err->message. NULL err is ignored. */
void certmap_error_add_openssl(struct certmap_error *err);

/* Resets err to "no error". NULL is ignored. */
void certmap_error_clear(struct certmap_error *err);

/*
 * Formats err as one line: "file:line: element: attribute: message" with the
 * parts that are known.  Writes at most size bytes (NUL-terminated) and
 * returns buf.
 */
const char *certmap_error_format(const struct certmap_error *err, char *buf, size_t size);

/* Severity of one diagnostic. */
enum certmap_severity {
    CERTMAP_SEV_ERROR,   /* the configuration is not usable (or, with item, one item is not) */
    CERTMAP_SEV_WARNING, /* usable, but probably not what the admin meant (plain-text password...)
                          */
    CERTMAP_SEV_NOTE,    /* informational: IIS feature kept but without effect on Linux */
};

/*
 * An item error is a CERTMAP_SEV_ERROR that disables one collection item
 * (a one-to-one mapping whose password does not decrypt or whose certificate
 * does not decode, as IIS fails only that mapping) while the rest of the
 * configuration stays usable: certmap_config_open() succeeds when every
 * error it found is an item error.  Any other error (malformed XML, unknown
 * attribute, wrong type, duplicate key...) is structural and refuses the file.
 */
struct certmap_diag {
    enum certmap_severity severity;
    bool item;                /* the error disables one collection item; the rest is usable */
    struct certmap_error err; /* location and message */
};

/* A growable list of diagnostics.  Zero-initialise, then free with certmap_diags_free(). */
struct certmap_diags {
    struct certmap_diag *items; /* owned array of count entries */
    size_t count;
    size_t cap;
    size_t errors;      /* number of CERTMAP_SEV_ERROR entries, item errors included */
    size_t item_errors; /* how many of errors are item errors (errors - item_errors: structural) */
};

/* Appends a copy of err with the given severity.  Returns 0, or -1 on allocation failure. */
int certmap_diags_add(struct certmap_diags *d, enum certmap_severity sev,
                      const struct certmap_error *err);

/* Appends a copy of err as an item error (CERTMAP_SEV_ERROR, item true).  0, or -1 (no memory). */
int certmap_diags_add_item(struct certmap_diags *d, const struct certmap_error *err);

/* Frees the items; the struct itself may be reused after. NULL is ignored. */
void certmap_diags_free(struct certmap_diags *d);

#ifdef __cplusplus
}
#endif

#endif
