/*
 * server_modules.h - the certmapd modules a server unit test needs, included
 * as source so that tests reach their static functions (STYLE §3), with the
 * handler modules they call.  Include it once, in one test file.
 */
#ifndef CERTMAP_TEST_SERVER_MODULES_H
#define CERTMAP_TEST_SERVER_MODULES_H

#include "../../src/server/errlog.c"
#include "../../src/server/http.c"
#include "../../src/server/logfile.c"
#include "../../src/server/dirsvc.c"
#include "../../src/server/logonsvc.c"
#include "../../src/server/mime.c"
#include "../../src/server/pipeline.c"
#include "../../src/server/snapshot.c"
#include "../../src/server/snapshot_bind.c"
#include "../../src/server/snapshot_build.c"
#include "../../src/server/static.c"
#include "../../src/server/static_open.c"
#include "../../src/server/tickets.c"
#include "../../src/server/tls.c"
#include "../../src/server/tls_chain.c"
#include "../../src/server/tls_trust.c"
#include "../../src/server/w3clog.c"

#endif
