# tests/e2e/harness.sh - the one fixture of the certmapd end-to-end tests.
#
# A test is one scenario: it sources this file, calls h_init, describes its
# configuration (usually h_std plus its difference), starts certmapd, makes
# requests with curl or openssl s_client and checks status, sub-status, body
# and the W3C log line.  Everything runs on loopback in a private temporary
# directory that is removed (and the server killed) on exit.
#
#   . "$(dirname "$0")/harness.sh"
#   h_init
#   h_std                        # site "Default Web Site" requiring a mapped cert
#   h_start
#   req alice /                  # curl with alice's certificate
#   expect_status 200
#   expect_log 1 alice 200 0
#   h_stop                       # SIGTERM, exit code 0 expected
#   h_pass
#
# Environment: CERTMAP_SRCDIR, CERTMAP_BINDIR (set by CTest; default: the
# source tree and its build/bin), E2E_KEEP=1 keeps the temporary directory.
#
# Each function documents what it sets.  Checks call h_fail, which prints the
# reason with the server's output and exits 1.

set -u -o pipefail

H_SRCDIR=${CERTMAP_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
H_BINDIR=${CERTMAP_BINDIR:-$H_SRCDIR/build/bin}
CERTMAPD=$H_BINDIR/certmapd
CERTMAP=$H_BINDIR/certmap
H_TEST=$(basename "${0%.sh}")

T=""               # the test's temporary directory
PKI=""             # certificates from scripts/gen-certs
CFG=""             # the applicationHost.config certmapd runs with
WWW=""             # physical path of the standard site
LOGDIR=""          # certmap/server/@logDirectory: W3C logs and error log
PORT=""            # https port of the standard site
SERVER_PID=""      # running certmapd
SERVER_RC=""       # its exit code once stopped
H_ENV=()           # extra environment for certmapd (NAME=value)
H_WAIT_PORTS=()    # ports h_start waits for
H_CLAIMS=()        # port claims released at exit
H_BG_PIDS=()       # background helpers killed at exit
H_REQ_N=0          # request counter (unique User-Agent per request)
H_SLOW=1           # time multiplier: 3 under AddressSanitizer, 6 under valgrind

# ---------------------------------------------------------------- basics

h_log() { printf '[%s] %s\n' "$H_TEST" "$*"; }

# Prints the failure, the server's output and its logs, then exits 1.
h_fail() {
    printf '[%s] FAIL: %s\n' "$H_TEST" "$*" >&2
    h_diagnostics >&2
    exit 1
}

h_diagnostics() {
    [ -n "$T" ] && [ -d "$T" ] || return 0
    local f
    for f in "$T/certmapd.out" "$LOGDIR/certmapd.log"; do
        if [ -s "$f" ]; then
            echo "---- ${f#"$T"/} (last 30 lines)"
            tail -n 30 "$f"
        fi
    done
    for f in "$LOGDIR"/W3SVC*/u_ex*.log; do
        [ -f "$f" ] || continue
        echo "---- ${f#"$T"/} (last 10 lines)"
        tail -n 10 "$f"
    done
    if [ -s "$T/headers" ] || [ -s "$T/body" ]; then
        echo "---- last response (headers, first 600 bytes of body)"
        cat "$T/headers" 2>/dev/null
        head -c 600 "$T/body" 2>/dev/null
        echo
    fi
}

h_pass() {
    h_log "PASS"
    exit 0
}

# Skips the test (exit 77, which CTest reports as skipped): for what this
# machine cannot do (e.g. create accounts when not root).  CI runs as root,
# where such tests run.
h_skip() {
    h_log "SKIP: $*"
    exit 77
}

# True while pid runs (a zombie counts as stopped).
h_alive() {
    local st
    [ -r "/proc/$1/stat" ] || return 1
    st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ -n "$st" ] && [ "$st" != Z ]
}

h_cleanup() {
    local rc=$? p
    trap - EXIT INT TERM
    for p in "${H_BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    if [ -n "$SERVER_PID" ] && h_alive "$SERVER_PID"; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        for _ in $(seq 1 50); do
            h_alive "$SERVER_PID" || break
            sleep 0.1
        done
        h_alive "$SERVER_PID" && kill -KILL "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    for p in "${H_CLAIMS[@]}"; do rm -rf "${H_CLAIM_DIR:?}/$p"; done
    if [ -n "$T" ] && [ -d "$T" ]; then
        if [ "${E2E_KEEP:-0}" = 1 ]; then
            h_log "kept $T"
        else
            rm -rf "$T"
        fi
    fi
    exit "$rc"
}

# True when something accepts TCP connections on 127.0.0.1:$1 (bash's
# /dev/tcp, so no iproute2 needed).
h_listening() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Number of sockets listening on TCP port $1 (IPv4 and IPv6), from the
# kernel: certmapd has one per worker (SO_REUSEPORT), so a refused probe
# connection does not prove that all are closed.
h_listeners() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p=":$hex" 'FNR > 1 && substr($2, length($2) - 4) == p && $4 == "0A"' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null | wc -l
}

# Claims a free loopback TCP port and stores it in the variable named $1.
# Ports come from 20000-31999 (below the ephemeral range) and are claimed with
# mkdir in a shared directory, because certmapd listens with SO_REUSEPORT:
# two tests on one port would silently share it.  A claim whose test is gone
# is taken over.
H_CLAIM_DIR=${TMPDIR:-/tmp}/certmap-e2e-ports
h_port() {
    local var=$1 p i owner
    mkdir -p "$H_CLAIM_DIR"
    for i in $(seq 1 500); do
        p=$((20000 + RANDOM % 12000))
        if ! mkdir "$H_CLAIM_DIR/$p" 2>/dev/null; then
            owner=$(cat "$H_CLAIM_DIR/$p/pid" 2>/dev/null)
            if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then
                rm -rf "${H_CLAIM_DIR:?}/$p"
            fi
            continue
        fi
        echo $$ >"$H_CLAIM_DIR/$p/pid"
        if h_listening "$p"; then
            rm -rf "${H_CLAIM_DIR:?}/$p"
            continue
        fi
        H_CLAIMS+=("$p")
        printf -v "$var" '%s' "$p"
        return 0
    done
    h_fail "no free port found"
}

# Creates the temporary directory and the PKI, claims PORT, sets T, PKI, CFG,
# WWW, LOGDIR and installs the cleanup trap.
h_init() {
    [ -x "$CERTMAPD" ] || {
        echo "[$H_TEST] FAIL: $CERTMAPD is not built" >&2
        exit 1
    }
    for tool in curl openssl timeout; do
        command -v "$tool" >/dev/null || {
            echo "[$H_TEST] FAIL: $tool is missing (scripts/install-deps test)" >&2
            exit 1
        }
    done
    T=$(mktemp -d "${TMPDIR:-/tmp}/certmap-e2e.$H_TEST.XXXXXX") || exit 1
    trap h_cleanup EXIT
    trap 'exit 1' INT TERM
    PKI=$T/pki
    CFG=$T/applicationHost.config
    WWW=$T/www
    LOGDIR=$T/logs
    "$H_SRCDIR/scripts/gen-certs" "$PKI" || h_fail "scripts/gen-certs failed"
    mkdir -p "$WWW" "$LOGDIR"
    h_port PORT
    H_WAIT_PORTS=("$PORT")
    if ldd "$CERTMAPD" 2>/dev/null | grep -q libasan; then
        H_SLOW=3
    fi
    # under valgrind (scripts/test-valgrind: $CERTMAPD is its wrapper) startup alone takes seconds
    if [ -n "${CERTMAP_VG_TEST-}" ]; then
        H_SLOW=6
    fi
    cfg_reset
}

# ---------------------------------------------------------------- config
#
# cfg_* build $CFG from a compact description:
#   cfg_site NAME ID [PHYSPATH]        a site (PHYSPATH default $WWW)
#   cfg_https IP:PORT:HOST [CERT] [ATTRS]  https binding of the last site;
#                                      CERT names server certificate files in
#                                      $PKI (default "server"); ATTRS is raw XML
#                                      attribute text (default: clientCaFile
#                                      and crlFile of the demo CA)
#   cfg_http IP:PORT:HOST              http binding of the last site (both
#                                      binding calls work after cfg_location too)
#   cfg_app PATH PHYSPATH              an application (its root virtual
#                                      directory at PHYSPATH) of the last site
#   cfg_location PATH [key=value...]   a <location>; keys: ssl (sslFlags),
#                                      anon, basic, certmap (enabled), o2o
#                                      (oneToOneCertificateMappingsEnabled),
#                                      m2o (manyToOneCertificateMappingsEnabled),
#                                      domain (defaultLogonDomain), clear=1,
#                                      inherit (inheritInChildApplications)
#   cfg_map CERT USER PASSWORD [ENABLED]  a oneToOneMappings <add> in the last
#                                      location (certificate from $PKI/CERT.crt)
#   cfg_m2o NAME USER PASSWORD [ATTRS] a manyToOneMappings <add> in the last
#                                      location (ATTRS: raw attribute text,
#                                      e.g. 'permissionMode="Deny"')
#   cfg_m2o_rule FIELD SUBFIELD CRITERIA [CASESENSITIVE]
#                                      a rule of the last cfg_m2o mapping
#   cfg_raw XML                        raw XML put after the locations (a
#                                      <location> with sections the other
#                                      calls do not describe)
#   cfg_write                          writes $CFG (the description stays
#                                      open: a test may add to it and write
#                                      again)
# H_LOGON, H_SERVER, H_LIMITS, H_UPSTREAM hold the attributes of
# <certmap><logon>, <server>, <limits> and <upstream>.

# certmapd refuses to serve as root unless told so: the tests run as root in CI.
H_ALLOW_ROOT=""
[ "$(id -u)" -eq 0 ] && H_ALLOW_ROOT='allowRoot="true"'

xml_escape() {
    local s=$1
    s=${s//&/&amp;}
    s=${s//</&lt;}
    s=${s//>/&gt;}
    s=${s//\"/&quot;}
    printf '%s' "$s"
}

cfg_reset() {
    H_SITES_XML=""
    H_SITE_OPEN=""
    H_BINDINGS_XML=""
    H_APPS_XML=""
    H_LOCS_XML=""
    H_LOC_OPEN=""
    H_LOC_ATTRS=()
    H_MAPS_XML=""
    H_M2O_XML=""
    H_M2O_OPEN=""
    H_RAW_XML=""
    H_LOGON="provider=\"file\" accountsFile=\"$T/accounts\""
    H_SERVER="logDirectory=\"$LOGDIR\" $H_ALLOW_ROOT"
    H_LIMITS=""
    H_UPSTREAM=""
    H_STATUS=""
}

# Prints the XML of the open site (nothing when none is open).
h_render_site() {
    [ -n "$H_SITE_OPEN" ] || return 0
    local name id phys
    IFS=$'\t' read -r name id phys <<<"$H_SITE_OPEN"
    printf '%s\n' "      <site name=\"$(xml_escape "$name")\" id=\"$id\">
        <application path=\"/\">
          <virtualDirectory path=\"/\" physicalPath=\"$(xml_escape "$phys")\" />
        </application>
$H_APPS_XML        <bindings>
$H_BINDINGS_XML        </bindings>
      </site>"
}

cfg_site() {
    H_SITES_XML+=$(h_render_site)$'\n'
    H_BINDINGS_XML=""
    H_APPS_XML=""
    H_SITE_OPEN="$1"$'\t'"$2"$'\t'"${3:-$WWW}"
}

cfg_https() {
    local cert=${2:-server}
    local extra=${3-"clientCaFile=\"$PKI/ca.crt\" crlFile=\"$PKI/crl.pem\""}
    H_BINDINGS_XML+="          <binding protocol=\"https\" bindingInformation=\"$1\" certificateFile=\"$PKI/$cert.crt\" certificateKeyFile=\"$PKI/$cert.key\" $extra />
"
}

cfg_http() {
    H_BINDINGS_XML+="          <binding protocol=\"http\" bindingInformation=\"$1\" />
"
}

cfg_app() {
    H_APPS_XML+="        <application path=\"$(xml_escape "$1")\">
          <virtualDirectory path=\"/\" physicalPath=\"$(xml_escape "$2")\" />
        </application>
"
}

# Prints the XML of the open location (nothing when none is open).
h_render_location() {
    [ -n "$H_LOC_OPEN" ] || return 0
    local kv k v ssl="" anon="" basic="" certmap="" o2o="" m2o="" domain="" clear="" inherit=""
    for kv in "${H_LOC_ATTRS[@]}"; do
        k=${kv%%=*}
        v=${kv#*=}
        case $k in
        ssl) ssl=$v ;;
        anon) anon=$v ;;
        basic) basic=$v ;;
        certmap) certmap=$v ;;
        o2o) o2o=$v ;;
        m2o) m2o=$v ;;
        domain) domain=$v ;;
        clear) clear=$v ;;
        inherit) inherit=$v ;;
        esac
    done
    local x
    x="  <location path=\"$(xml_escape "$H_LOC_OPEN")\"${inherit:+ inheritInChildApplications=\"$inherit\"}>
    <system.webServer>
      <security>
"
    [ -n "$ssl" ] && x+="        <access sslFlags=\"$ssl\" />
"
    x+="        <authentication>
"
    [ -n "$anon" ] && x+="          <anonymousAuthentication enabled=\"$anon\" />
"
    [ -n "$basic" ] && x+="          <basicAuthentication enabled=\"$basic\" />
"
    if [ -n "$certmap$o2o$m2o$domain$clear$H_MAPS_XML$H_M2O_XML" ]; then
        x+="          <iisClientCertificateMappingAuthentication"
        [ -n "$certmap" ] && x+=" enabled=\"$certmap\""
        [ -n "$o2o" ] && x+=" oneToOneCertificateMappingsEnabled=\"$o2o\""
        [ -n "$m2o" ] && x+=" manyToOneCertificateMappingsEnabled=\"$m2o\""
        [ -n "$domain" ] && x+=" defaultLogonDomain=\"$domain\""
        x+=">
            <oneToOneMappings>
"
        [ -n "$clear" ] && x+="              <clear />
"
        x+="$H_MAPS_XML            </oneToOneMappings>
"
        if [ -n "$H_M2O_XML" ]; then
            x+="            <manyToOneMappings>
$H_M2O_XML$(h_m2o_close)
            </manyToOneMappings>
"
        fi
        x+="          </iisClientCertificateMappingAuthentication>
"
    fi
    x+="        </authentication>
      </security>
    </system.webServer>
  </location>
"
    printf '%s' "$x"
}

cfg_location() {
    local kv
    H_LOCS_XML+=$(h_render_location)$'\n'
    H_MAPS_XML=""
    H_M2O_XML=""
    H_M2O_OPEN=""
    H_LOC_OPEN=$1
    shift
    for kv in "$@"; do
        case ${kv%%=*} in
        ssl | anon | basic | certmap | o2o | m2o | domain | clear | inherit) ;;
        *) h_fail "cfg_location: unknown key in '$kv'" ;;
        esac
    done
    H_LOC_ATTRS=("$@")
}

# Single-line base64 of a certificate's DER, as IIS stores it.
cert_b64() {
    openssl x509 -in "$PKI/$1.crt" -outform DER | base64 -w0
}

cfg_map() {
    [ -n "$H_LOC_OPEN" ] || h_fail "cfg_map outside a location"
    H_MAPS_XML+="              <add enabled=\"${4:-true}\" userName=\"$(xml_escape "$2")\" password=\"$(xml_escape "$3")\" certificate=\"$(cert_b64 "$1")\" />
"
}

# Closing tags of the open many-to-one mapping (its rules element when it has rules).
h_m2o_close() {
    case $H_M2O_OPEN in
    rules) printf '                </rules>\n              </add>' ;;
    add) printf '              </add>' ;;
    esac
}

cfg_m2o() {
    [ -n "$H_LOC_OPEN" ] || h_fail "cfg_m2o outside a location"
    [ -n "$H_M2O_OPEN" ] && H_M2O_XML+=$(h_m2o_close)$'\n'
    H_M2O_XML+="              <add name=\"$(xml_escape "$1")\" userName=\"$(xml_escape "$2")\" password=\"$(xml_escape "$3")\" ${4-}>
"
    H_M2O_OPEN=add
}

cfg_m2o_rule() {
    [ -n "$H_M2O_OPEN" ] || h_fail "cfg_m2o_rule without cfg_m2o"
    if [ "$H_M2O_OPEN" = add ]; then
        H_M2O_XML+="                <rules>
"
        H_M2O_OPEN=rules
    fi
    H_M2O_XML+="                  <add certificateField=\"$1\" certificateSubField=\"$2\" matchCriteria=\"$(xml_escape "$3")\"${4:+ compareCaseSensitive=\"$4\"} />
"
}

# h_issue NAME SUBJECT [CA]: a client certificate $PKI/NAME.crt/.key (EKU
# clientAuth) with SUBJECT ("/O=Contoso/CN=partner1"), issued by the demo CA
# (or $PKI/CA.crt/.key).
h_issue() {
    local ca=${3:-ca}
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$1.key" 2>/dev/null ||
        h_fail "h_issue: key"
    printf 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n' >"$T/issue.ext"
    openssl req -new -key "$PKI/$1.key" -subj "$2" -out "$T/$1.csr" 2>/dev/null ||
        h_fail "h_issue: request"
    openssl x509 -req -in "$T/$1.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial \
        -CAserial "$T/issue.srl" -days 365 -sha256 -extfile "$T/issue.ext" -out "$PKI/$1.crt" 2>/dev/null ||
        h_fail "h_issue: signing"
}

cfg_raw() {
    H_RAW_XML+="$1"$'\n'
}

cfg_write() {
    {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        echo '<configuration>'
        echo '  <system.applicationHost>'
        echo '    <sites>'
        printf '%s' "$H_SITES_XML"
        h_render_site
        echo '    </sites>'
        echo '  </system.applicationHost>'
        printf '%s' "$H_LOCS_XML"
        h_render_location
        printf '%s' "$H_RAW_XML"
        echo
        echo '  <certmap>'
        echo "    <logon $H_LOGON />"
        [ -n "$H_LIMITS" ] && echo "    <limits $H_LIMITS />"
        [ -n "$H_UPSTREAM" ] && echo "    <upstream $H_UPSTREAM />"
        echo "    <server $H_SERVER />"
        [ -n "$H_STATUS" ] && echo "    <status $H_STATUS />"
        echo '  </certmap>'
        echo '</configuration>'
    } >"$CFG.tmp" && mv "$CFG.tmp" "$CFG"
}

# Adds NAME with PASSWORD to $T/accounts (file logon provider, SHA-512 crypt).
h_account() {
    local hash
    hash=$(printf '%s' "$2" | openssl passwd -6 -stdin) || h_fail "openssl passwd failed"
    printf '%s:%s\n' "$1" "$hash" >>"$T/accounts"
    chmod 0600 "$T/accounts"
}

# The standard scenario, as the seed's Configuration Sample: site "Default
# Web Site" (id 1) on https://127.0.0.1:$PORT, "/" requires a certificate
# mapped one-to-one; alice is mapped (enabled), bob is mapped but disabled,
# carol is not mapped.  Accounts alice, bob, carol exist with the right
# passwords.  The location stays open: a test may cfg_map more.
# $1: the https bindingInformation (default "127.0.0.1:$PORT:").
h_std() {
    printf 'certmap e2e site A\n' >"$WWW/index.html"
    h_account alice alice-pw
    h_account bob bob-pw
    h_account carol carol-pw
    cfg_site "Default Web Site" 1
    cfg_https "${1:-127.0.0.1:$PORT:}"
    cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false \
        basic=false certmap=true o2o=true
    cfg_map alice alice alice-pw
    cfg_map bob bob bob-pw false
}

# The many-to-one scenario of the IIS docs: site "Default Web Site" (id 1)
# on https://127.0.0.1:$PORT, "/" negotiates a certificate ("Ssl,
# SslNegotiateCert", the docs' sample), certificate mapping enabled,
# anonymous and Basic off, no mapping yet (the test adds cfg_m2o).
# Certificates issued by the demo CA: contoso ("/O=Contoso/OU=HR/CN=contoso"),
# sales ("/O=Contoso/OU=Sales/CN=sales"), fabrikam ("/O=Fabrikam/CN=fabrikam").
# Account partner (password partner-pw) exists.
h_m2o_std() {
    printf 'certmap e2e site A\n' >"$WWW/index.html"
    h_account partner partner-pw
    h_issue contoso "/O=Contoso/OU=HR/CN=contoso"
    h_issue sales "/O=Contoso/OU=Sales/CN=sales"
    h_issue fabrikam "/O=Fabrikam/CN=fabrikam"
    cfg_site "Default Web Site" 1
    cfg_https "127.0.0.1:$PORT:"
    cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert" anon=false basic=false certmap=true "$@"
}

# Two sites on one port, told apart by SNI and Host: "Default Web Site" (id 1,
# host localhost, server.crt, $WWW) maps alice; "Site B" (id 2, host
# b.localhost, server-b.crt, $T/www-b) maps bob.  Both require a certificate.
h_two_sites() {
    mkdir -p "$T/www-b"
    printf 'certmap e2e site A\n' >"$WWW/index.html"
    printf 'certmap e2e site B\n' >"$T/www-b/index.html"
    h_account alice alice-pw
    h_account bob bob-pw
    cfg_site "Default Web Site" 1
    cfg_https "127.0.0.1:$PORT:localhost"
    cfg_site "Site B" 2 "$T/www-b"
    cfg_https "127.0.0.1:$PORT:b.localhost" server-b
    cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
    cfg_map alice alice alice-pw
    cfg_location "Site B" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
    cfg_map bob bob bob-pw
}

# ---------------------------------------------------------------- server

# Starts certmapd -c $CFG --foreground (writing $CFG first if it does not
# exist) with H_ENV added to its environment, and waits until every port in
# H_WAIT_PORTS listens.  Sets SERVER_PID.  Extra arguments go to certmapd.
h_start() {
    [ -f "$CFG" ] || cfg_write
    env "${H_ENV[@]}" "$CERTMAPD" -c "$CFG" --foreground "$@" >"$T/certmapd.out" 2>&1 &
    SERVER_PID=$!
    SERVER_RC=""
    # Should this shell be killed outright (a CTest timeout), the guard
    # still stops the server instead of leaving it listening.
    h_bg h_guard $$ "$SERVER_PID" </dev/null >/dev/null 2>&1
    local deadline=$((SECONDS + 10 * H_SLOW)) p ok
    while :; do
        h_alive "$SERVER_PID" || {
            wait "$SERVER_PID"
            SERVER_RC=$?
            h_fail "certmapd exited during startup with code $SERVER_RC"
        }
        ok=1
        for p in "${H_WAIT_PORTS[@]}"; do
            h_listening "$p" || ok=0
        done
        [ $ok = 1 ] && return 0
        [ $SECONDS -lt $deadline ] || h_fail "certmapd does not listen on ${H_WAIT_PORTS[*]} after $((10 * H_SLOW)) s"
        sleep 0.05
    done
}

# h_start_instance CFG PORT OUT: one more certmapd (a second instance beside
# the one h_start runs, e.g. sharing a ticket-key file) on configuration CFG,
# its output in OUT; waits until PORT listens.  Sets INSTANCE_PID; h_cleanup
# stops it with the background helpers.
h_start_instance() {
    env "${H_ENV[@]}" "$CERTMAPD" -c "$1" --foreground >"$3" 2>&1 &
    INSTANCE_PID=$!
    H_BG_PIDS+=("$INSTANCE_PID")
    h_bg h_guard $$ "$INSTANCE_PID" </dev/null >/dev/null 2>&1
    local deadline=$((SECONDS + 10 * H_SLOW))
    until h_listening "$2"; do
        h_alive "$INSTANCE_PID" || h_fail "the instance on $1 exited during startup: $(head -c 500 "$3")"
        [ $SECONDS -lt $deadline ] || h_fail "the instance on $1 does not listen on $2"
        sleep 0.05
    done
}

# h_start_fails WHAT PATTERN: certmapd -c $CFG must exit non-zero promptly
# (without listening) and its output match the extended regular expression.
# The output is kept in $T/start.out.
h_start_fails() {
    timeout $((10 * H_SLOW)) "$CERTMAPD" -c "$CFG" --foreground >"$T/start.out" 2>&1
    local rc=$?
    [ $rc -ne 0 ] && [ $rc -ne 124 ] || h_fail "$1: certmapd exit code $rc (expected non-zero, prompt)"
    grep -aqE -- "$2" "$T/start.out" || h_fail "$1: no message matching '$2': $(head -c 500 "$T/start.out")"
}

# Kills pid $2 once pid $1 is gone (run in the background by h_start).
h_guard() {
    while kill -0 "$1" 2>/dev/null; do
        sleep 1
    done
    kill -KILL "$2" 2>/dev/null
}

# Waits (bounded) for certmapd to exit; sets SERVER_RC (124 when it had to be
# killed).  $1: seconds to wait (default 10).
h_wait_exit() {
    local limit=$((${1:-10} * H_SLOW)) i
    for i in $(seq 1 $((limit * 10))); do
        h_alive "$SERVER_PID" || break
        sleep 0.1
    done
    if h_alive "$SERVER_PID"; then
        kill -KILL "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
        SERVER_RC=124
    else
        wait "$SERVER_PID"
        SERVER_RC=$?
    fi
    SERVER_PID=""
}

# SIGTERM, then expects exit code 0 within 10 s.
h_stop() {
    [ -n "$SERVER_PID" ] || h_fail "h_stop: no server"
    kill -TERM "$SERVER_PID" 2>/dev/null
    h_wait_exit 10
    [ "$SERVER_RC" = 0 ] || h_fail "certmapd exited with code $SERVER_RC after SIGTERM (expected 0)"
}

# Number of reloads certmapd has finished so far, taken or refused (it logs
# one "configuration reloaded" or "reload failed" line at the end of each).
h_reloads() {
    grep -a -c -e 'configuration reloaded' -e 'reload failed' "$T/certmapd.out" 2>/dev/null
}

# h_reload_wait N: waits until more than N reloads are finished (N taken with
# h_reloads before the change that triggers the reload); fails after 10 s.
h_reload_wait() {
    local deadline=$((SECONDS + 10 * H_SLOW))
    while [ "$(h_reloads)" -le "$1" ]; do
        [ $SECONDS -lt $deadline ] || h_fail "no reload finished within $((10 * H_SLOW)) s"
        sleep 0.05
    done
}

# ---------------------------------------------------------------- requests

# req WHO URL [curl options...]
#   WHO: a client certificate in $PKI (alice, bob, expired...) or - for none.
#   URL: a path (https://localhost:$PORT/...) or a whole URL on loopback.
# Sets STATUS (HTTP code, 000 when no response), CURL_RC, BODY (first 64 KiB),
# REQ_UA (the request's unique User-Agent, for expect_log); the response is
# in $T/headers and $T/body.  The path is sent as is (--path-as-is).
req() {
    local who=$1 url=$2
    shift 2
    case $url in
    /*) url="https://localhost:$PORT$url" ;;
    esac
    local hostport=${url#*://}
    hostport=${hostport%%/*}
    local host=${hostport%:*} port=${hostport##*:}
    H_REQ_N=$((H_REQ_N + 1))
    REQ_UA="certmap-e2e/$$.$H_REQ_N"
    local args=(-sS --noproxy '*' --max-time $((10 * H_SLOW)) --path-as-is -o "$T/body" -D "$T/headers"
        -w '%{http_code}' -A "$REQ_UA" --cacert "$PKI/ca.crt")
    case $host in
    \[*) ;;
    *) args+=(--resolve "$host:$port:127.0.0.1") ;;
    esac
    [ "$who" = - ] || args+=(--cert "$PKI/$who.crt" --key "$PKI/$who.key")
    : >"$T/body"
    : >"$T/headers"
    STATUS=$(curl "${args[@]}" "$@" "$url" 2>"$T/curl.err")
    CURL_RC=$?
    BODY=$(head -c 65536 "$T/body" | tr -d '\0')
}

# expect_status CODE [SUBSTATUS]: STATUS is CODE; with SUBSTATUS the body
# also holds "HTTP Error CODE.SUBSTATUS" (the fixed error-body interface).
expect_status() {
    if [ "$STATUS" != "$1" ]; then
        h_fail "expected HTTP $1${2:+.$2}, got '$STATUS' (curl exit $CURL_RC: $(head -c 300 "$T/curl.err"))"
    fi
    if [ $# -ge 2 ] && ! grep -qF "HTTP Error $1.$2" "$T/body"; then
        h_fail "HTTP $1: body lacks 'HTTP Error $1.$2'"
    fi
}

expect_body_contains() {
    grep -qF -- "$1" "$T/body" || h_fail "body lacks '$1'"
}

expect_body_lacks() {
    ! grep -qF -- "$1" "$T/body" || h_fail "body contains '$1'"
}

# Value of response header $1 (case-insensitive, last occurrence, no CR).
resp_header() {
    grep -i "^$1:" "$T/headers" | tail -n 1 | sed 's/^[^:]*:[[:space:]]*//' | tr -d '\r'
}

# expect_log SITEID USER STATUS SUBSTATUS [URI-STEM]
# Finds the W3C log line of the last request (by its User-Agent) in
# $LOGDIR/W3SVC<SITEID>/u_ex*.log, waiting up to 3 s for the flush, and
# checks cs-username, sc-status, sc-substatus (and cs-uri-stem).  Fields are
# located through the file's #Fields directive.
expect_log() {
    local site=$1 user=$2 st=$3 sub=$4 uri=${5-} line="" i
    for i in $(seq 1 $((30 * H_SLOW))); do
        line=$(w3c_line "$site" "$REQ_UA")
        [ -n "$line" ] && break
        sleep 0.1
    done
    [ -n "$line" ] || h_fail "no W3C log line with User-Agent $REQ_UA in $LOGDIR/W3SVC$site/"
    local got_user got_st got_sub got_uri
    IFS=$'\t' read -r got_user got_st got_sub got_uri <<<"$line"
    [ "$got_user" = "$user" ] && [ "$got_st" = "$st" ] && [ "$got_sub" = "$sub" ] ||
        h_fail "log line: cs-username=$got_user sc-status=$got_st sc-substatus=$got_sub, expected $user $st $sub"
    if [ -n "$uri" ] && [ "$got_uri" != "$uri" ]; then
        h_fail "log line: cs-uri-stem=$got_uri, expected $uri"
    fi
}

# Prints "cs-username TAB sc-status TAB sc-substatus TAB cs-uri-stem" of the
# last line of site $1's logs whose cs(User-Agent) is $2.
w3c_line() {
    w3c_complete "$1" | awk -v ua="$2" '
        /^#Fields:/ { delete ix; for (i = 2; i <= NF; i++) ix[$i] = i - 1; next }
        /^#/ { next }
        ("cs(User-Agent)" in ix) && $(ix["cs(User-Agent)"]) == ua {
            last = $(ix["cs-username"]) "\t" $(ix["sc-status"]) "\t" $(ix["sc-substatus"]) "\t" $(ix["cs-uri-stem"])
        }
        END { if (last != "") print last }'
}

# Number of W3C log lines of site $1 with User-Agent $2 (no waiting).
w3c_count() {
    w3c_complete "$1" | awk -v ua="$2" '
        /^#Fields:/ { delete ix; for (i = 2; i <= NF; i++) ix[$i] = i - 1; next }
        /^#/ { next }
        ("cs(User-Agent)" in ix) && $(ix["cs(User-Agent)"]) == ua { n++ }
        END { print n + 0 }'
}

# Prints the complete lines of site $1's W3C logs, file after file.  The
# flusher appends a whole buffer with one write(2), but a reader can still
# see the part of it the kernel has copied so far (a line cut where the
# write crosses a page): such an unfinished last line, without its newline,
# is left out, so that it is read whole on the next poll.
w3c_complete() {
    local f snap=$T/w3c.$BASHPID.snap
    for f in "$LOGDIR/W3SVC$1"/u_ex*.log; do
        [ -f "$f" ] || continue
        cat "$f" >"$snap" 2>/dev/null || continue
        if [ -n "$(tail -c 1 "$snap")" ]; then
            sed '$d' "$snap"
        else
            cat "$snap"
        fi
    done
}

# tls_req SNI WHO [s_client options...]
#   One HTTP/1.1 request (GET $TLS_PATH, default /, Host: $TLS_HOST, default
#   SNI) through `openssl s_client` to 127.0.0.1:$PORT with server name SNI and
#   client certificate WHO (- for none).  Sets REQ_UA, TLS_STATUS (HTTP code or 000),
#   TLS_REUSED (1 when s_client reports a resumed session); the whole output is
#   in $T/tls.out.  Use -sess_out/-sess_in FILE for session tests.
#   s_client prints the session (and a ticket that arrives late) through
#   stdio but writes the response with write(2): fully buffered, a 4 KiB
#   flush could cut a line of the session print around the response, and
#   whether it did depended on the ticket's size; stdbuf -oL keeps each
#   line whole.  adv_tls_get and late_get do the same.
tls_req() {
    local sni=$1 who=$2
    shift 2
    local args=(s_client -connect "127.0.0.1:$PORT" -servername "$sni" -CAfile "$PKI/ca.crt" -ign_eof)
    [ "$who" = - ] || args+=(-cert "$PKI/$who.crt" -key "$PKI/$who.key")
    H_REQ_N=$((H_REQ_N + 1))
    REQ_UA="certmap-e2e/$$.$H_REQ_N"
    printf 'GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nConnection: close\r\n\r\n' \
        "${TLS_PATH:-/}" "${TLS_HOST:-$sni}" "$REQ_UA" |
        timeout $((10 * H_SLOW)) stdbuf -oL openssl "${args[@]}" "$@" >"$T/tls.out" 2>&1
    TLS_STATUS=$(grep -a -m1 -o '^HTTP/1\.[01] [0-9][0-9][0-9]' "$T/tls.out" | awk '{print $2}')
    TLS_STATUS=${TLS_STATUS:-000}
    if grep -aq '^Reused,' "$T/tls.out"; then TLS_REUSED=1; else TLS_REUSED=0; fi
}

# Runs a background helper that h_cleanup kills; sets BG_PID.
h_bg() {
    "$@" &
    BG_PID=$!
    H_BG_PIDS+=("$BG_PID")
}

# Environment for running certmapd under pam_wrapper with the PAM service
# files in directory $1 (adds to H_ENV).  Under AddressSanitizer the ASan
# runtime must stay first in the preload list.
h_pam_wrapper_env() {
    local wrapper="" f asan=""
    for f in /usr/lib/*/libpam_wrapper.so /usr/lib/libpam_wrapper.so; do
        [ -f "$f" ] && wrapper=$f && break
    done
    [ -n "$wrapper" ] || h_fail "libpam_wrapper.so not found (apt-get install -y libpam-wrapper)"
    asan=$(ldd "$CERTMAPD" 2>/dev/null | awk '/libasan/ {print $3}')
    if [ -n "$asan" ]; then
        H_ENV+=("LD_PRELOAD=$asan $wrapper" PAM_WRAPPER_DISABLE_DEEPBIND=1)
    else
        H_ENV+=("LD_PRELOAD=$wrapper")
    fi
    H_ENV+=(PAM_WRAPPER=1 "PAM_WRAPPER_SERVICE_DIR=$1")
}

# Path of pam_matrix.so from libpam-wrapper.
h_pam_matrix() {
    local f
    for f in /usr/lib/*/pam_wrapper/pam_matrix.so /usr/lib/pam_wrapper/pam_matrix.so; do
        [ -f "$f" ] && {
            echo "$f"
            return 0
        }
    done
    h_fail "pam_matrix.so not found (apt-get install -y libpam-wrapper)"
}
