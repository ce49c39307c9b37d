/*
 * document.h - a loaded configuration, struct certmap_config: the file's
 * bytes, its tree, its locations, its handles and its key.
 *
 * The files of src/lib/config, each with its own header, from the bottom up
 * (a file includes only headers of the files below it):
 *   arena.c      the memory the tree lives in
 *   tree.c       elements and attributes; edits keep the original byte ranges
 *   schema.c     the table of sections, elements, attributes, collections
 *   diag.c       findings and errors that name file:line
 *   lexer.c      byte ranges of the tags of a well-formed document
 *   binding.c    the one parser of bindingInformation
 *   locpaths.c   the distinct <location path> values, kept as locations are added
 *   location.c   the location model: which <location>s apply to a target
 *   unenforced.c access rules of IIS sections certmap does not enforce
 *   value.c      typed values: parse, check, canonical spelling
 *   items.c      broken values of item errors: what a commit may keep, never add
 *   save.c       text-patching serializer
 *   parse.c      libxml2 SAX parse + lexer -> tree
 *   handle.c     element handles: lifecycle, the nodes they resolve to
 *   collection.c effective items of a collection, the one key encoder
 *   store.c      stored forms of values: certificates, password envelopes, the key file
 *   element.c    the attribute API of a handle: typed getters and setters
 *   validate.c   the tree checked against the schema
 *   lock.c       what the levels above a web.config lock
 *   config.c     open, close, validate, commit, history
 *   webconfig.c  loading a web.config
 */
#ifndef CERTMAP_CONFIG_DOCUMENT_H
#define CERTMAP_CONFIG_DOCUMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "certmap/config.h"
#include "config/location.h"
#include "config/locpaths.h"
#include "config/arena.h"
#include "secret.h"

struct cnode;
struct cloc;
struct certmap_element;
struct certmap_collection;

/*
 * What kind of file a config holds: the rules differ (a web.config may not
 * hold system.applicationHost or <certmap>, nor declare sections certmap
 * implements; see validate.c).
 */
enum cfg_kind {
    CFG_APPHOST,   /* applicationHost.config */
    CFG_WEBCONFIG, /* a web.config in a content directory (webconfig.c) */
};

struct certmap_config {
    enum cfg_kind kind;
    char *path; /* as given (NULL for certmap_config_parse) */
    char *name; /* for messages */
    char *dir;  /* directory for relative paths */
    char *key_file;
    char *history_dir;
    unsigned history_keep;
    bool skip_secrets;
    bool serve_only; /* certmap_open_options.serve_only: mapping facts kept, text packed */
    bool can_commit;
    int lock_fd; /* -1 when not locked */
    char *text;  /* original bytes (NUL-terminated) */
    size_t text_len;
    int text_fd;      /* serve-only open: the file, read into text as the parse goes; else -1 */
    size_t text_read; /* bytes of text read from text_fd so far */
    char **old_texts; /* texts of earlier commits, still referenced by attributes */
    size_t nold;
    bool existed; /* the file existed at open */
    dev_t st_dev; /* identity of the file at open / last commit */
    ino_t st_ino;
    off_t st_size;
    struct timespec st_mtim;
    mode_t st_mode;
    struct arena arena;
    struct cfg_shared *facts; /* serve-only: the certificate facts (tree.h), shared with the
                                 compact mapping indexes built from this config; NULL if none */
    struct cnode *root;       /* <configuration> */
    struct cloc *locs;        /* server level first */
    size_t nlocs, caplocs;
    struct locpaths locpaths; /* distinct location paths (locpaths.c) */
    struct locmap locmap;     /* cfg->locs by path (location.c) */
    unsigned loc_order;
    unsigned gen; /* bumped on every structural change */
    bool key_loaded;
    unsigned char key[SECRET_KEY_LEN];
    struct certmap_element *handles;   /* every handle, freed at close */
    struct certmap_collection *colls;  /* every collection, freed at close */
    struct certmap_element *sections;  /* section handles (cache) */
    struct certmap_element **sec_slot; /* the same by (section, folded location); mask + 1 slots */
    size_t sec_mask, nsec;
    char **declared; /* section paths declared in <configSections> */
    size_t ndeclared;
    /* SHA-256 of (attribute name, value) of each item error's broken value, in document order
     * (malloc): what a commit may keep but not add */
    unsigned char (*broken)[32];
    size_t nbroken, capbroken;
};

#endif
