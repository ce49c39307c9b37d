# tests/e2e/cli_lib.sh - the one fixture of the `certmap` CLI tests.
#
# A test sources this file, calls cli_init (a temporary directory with a
# valid applicationHost.config: sites "Default Web Site" and "Shop", client
# certificate mapping enabled for "Default Web Site"), then states only its
# difference:
#
#   . "$(dirname "$0")/cli_lib.sh"
#   cli_init
#   new_cert alice                     # $T/alice.pem, $T/alice.der
#   run_ok add mapping --site "Default Web Site" --cert "$T/alice.pem" \
#       --user alice --password-file "$T/pw"
#   expect_out '"user":"alice"'        # grep in the last command's stdout
#   expect_valid                       # `certmap validate` exits 0
#   cli_pass
#
# Every command runs as `certmap -c $CFG ...`; its stdout, stderr and exit
# code are kept in $OUT, $ERR and $RC.  Checks print the reason with the
# command's output and exit 1.  Environment: CERTMAP_BINDIR (set by CTest;
# default the source tree's build/bin), CLI_KEEP=1 keeps the directory.

set -u -o pipefail

CLI_SRCDIR=${CERTMAP_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CLI_BINDIR=${CERTMAP_BINDIR:-$CLI_SRCDIR/build/bin}
CERTMAP=$CLI_BINDIR/certmap
CLI_TEST=$(basename "${0%.sh}")

T=""   # temporary directory (removed at exit)
CFG="" # the configuration the commands work on
OUT="" # stdout of the last command
ERR="" # stderr of the last command
RC=""  # exit code of the last command
LAST="" # the last command line, for messages

SITE="Default Web Site"

cli_log() { printf '[%s] %s\n' "$CLI_TEST" "$*"; }

cli_fail() {
    printf '[%s] FAIL: %s\n' "$CLI_TEST" "$*" >&2
    if [ -n "$LAST" ]; then
        printf '  command: %s (exit %s)\n  ---- stdout\n' "$LAST" "$RC" >&2
        [ -f "$OUT" ] && head -c 3000 "$OUT" >&2
        printf '  ---- stderr\n' >&2
        [ -f "$ERR" ] && head -c 3000 "$ERR" >&2
    fi
    exit 1
}

cli_pass() {
    cli_log "PASS"
    exit 0
}

cli_cleanup() {
    if [ -n "$T" ] && [ -d "$T" ]; then
        if [ "${CLI_KEEP:-0}" = 1 ]; then
            cli_log "kept $T"
        else
            rm -rf "$T"
        fi
    fi
}

# A self-signed client certificate: $T/NAME.pem (PEM) and $T/NAME.der (DER).
# $2: subject (default "/CN=NAME/O=certmap tests"); $3: days (default 30).
new_cert() {
    local name=$1 subj=${2:-/CN=$1/O=certmap tests} days=${3:-30}
    openssl req -x509 -utf8 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$T/$name.key" -out "$T/$name.pem" -subj "$subj" -days "$days" \
        >/dev/null 2>&1 || cli_fail "openssl req for $name failed"
    openssl x509 -in "$T/$name.pem" -outform DER -out "$T/$name.der" ||
        cli_fail "openssl x509 -outform DER for $name failed"
}

# Lower-case hex SHA-256 of a certificate's DER.
cert_sha256() {
    openssl x509 -in "$T/$1.pem" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1
}

# Writes the standard configuration to $CFG.  $1: extra XML inserted before
# </configuration> (a <location> or <certmap> element).
write_config() {
    cat >"$CFG" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.applicationHost>
    <sites>
      <site name="Default Web Site" id="1">
        <application path="/">
          <virtualDirectory path="/" physicalPath="$T/www" />
        </application>
        <bindings>
          <binding protocol="https" bindingInformation="127.0.0.1:8443:" certificateFile="$T/server.pem" certificateKeyFile="$T/server.key" />
        </bindings>
      </site>
      <site name="Shop" id="2">
        <application path="/">
          <virtualDirectory path="/" physicalPath="$T/www" />
        </application>
        <bindings>
          <binding protocol="http" bindingInformation="127.0.0.1:8080:" />
        </bindings>
      </site>
    </sites>
  </system.applicationHost>
  <!-- mapping authentication for the default site, as in IIS's sample -->
  <location path="Default Web Site">
    <system.webServer>
      <security>
        <access sslFlags="Ssl, SslNegotiateCert" />
        <authentication>
          <anonymousAuthentication enabled="false" />
          <iisClientCertificateMappingAuthentication enabled="true" oneToOneCertificateMappingsEnabled="true">
            <oneToOneMappings>
            </oneToOneMappings>
          </iisClientCertificateMappingAuthentication>
        </authentication>
      </security>
    </system.webServer>
  </location>
${1:-}
</configuration>
EOF
}

# Creates $T with the standard configuration, a server certificate and a
# password file $T/pw ("s3cret-pw").
cli_init() {
    [ -x "$CERTMAP" ] || cli_fail "$CERTMAP not built"
    T=$(mktemp -d "${TMPDIR:-/tmp}/certmap-cli.XXXXXX") || cli_fail "mktemp failed"
    trap cli_cleanup EXIT
    OUT=$T/.out
    ERR=$T/.err
    CFG=$T/applicationHost.config
    mkdir -p "$T/www"
    new_cert server "/CN=localhost" 30
    printf 's3cret-pw\n' >"$T/pw"
    chmod 600 "$T/pw"
    write_config
}

# Runs `certmap -c $CFG ARGS...` with stdin from $CLI_STDIN (default
# /dev/null); sets $OUT, $ERR, $RC.
cm() {
    LAST="certmap -c $CFG $*"
    "$CERTMAP" -c "$CFG" "$@" <"${CLI_STDIN:-/dev/null}" >"$OUT" 2>"$ERR"
    RC=$?
    return 0
}

# Runs the command and requires exit code N.
run_rc() {
    local want=$1
    shift
    cm "$@"
    [ "$RC" = "$want" ] || cli_fail "expected exit $want"
}

run_ok() { run_rc 0 "$@"; }

# The command must fail with exit N, print an error line matching PATTERN on
# stderr, and leave $CFG byte-identical:  run_fails N PATTERN ARGS...
run_fails() {
    local want=$1 pattern=$2 before after
    shift 2
    before=$(sha256sum "$CFG" | cut -d' ' -f1)
    cm "$@"
    after=$(sha256sum "$CFG" | cut -d' ' -f1)
    [ "$RC" = "$want" ] || cli_fail "expected exit $want"
    [ "$before" = "$after" ] || cli_fail "failed command changed $CFG"
    grep -qE -- "$pattern" "$ERR" || cli_fail "stderr does not match /$pattern/"
}

expect_out() { grep -qE -- "$1" "$OUT" || cli_fail "stdout does not match /$1/"; }
expect_no_out() { ! grep -qE -- "$1" "$OUT" || cli_fail "stdout matches /$1/"; }
expect_err() { grep -qE -- "$1" "$ERR" || cli_fail "stderr does not match /$1/"; }
expect_no_err() { ! grep -qE -- "$1" "$ERR" || cli_fail "stderr matches /$1/"; }

# $CFG must (not) contain the extended regular expression.
expect_cfg() { grep -qE -- "$1" "$CFG" || cli_fail "$CFG does not match /$1/"; }
expect_cfg_text() { grep -qF -- "$1" "$CFG" || cli_fail "$CFG does not contain '$1'"; }
expect_no_cfg() { ! grep -qE -- "$1" "$CFG" || cli_fail "$CFG matches /$1/"; }

# `certmap validate` must exit 0 (warnings and notes allowed).
expect_valid() {
    local save=$LAST
    run_ok validate
    LAST=$save
}

# Number of objects in the JSON array of the last `list mappings --json`.
json_count() { grep -c '"sha256":' "$OUT"; }

# The JSON object (one line) of the mapping whose sha256 is $1.
json_row() { grep "\"sha256\":\"$1\"" "$OUT"; }

# Adds a mapping of $T/NAME.pem to user NAME at the default site with the
# password file; extra arguments are appended.
add_map() {
    local name=$1
    shift
    run_ok add mapping --site "$SITE" --cert "$T/$name.pem" --user "$name" \
        --password-file "$T/pw" "$@"
}
