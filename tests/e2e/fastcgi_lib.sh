# fastcgi_lib.sh - the FastCGI scenario of the t_fastcgi_* tests, over
# harness.sh: the standard site (alice mapped, carol unmapped) with a
# FastCgiModule handler for *.php, /pub anonymous (no certificate needed),
# and id.php printing what PHP sees.  fc_std APP-FULL-PATH [APP-ATTRS]
# writes it; fc_go starts certmapd.  As root, certmapd drops to a
# throwaway service user. FC_ARGS: the application's arguments (FastCGI programs never run as root); the user is
# removed at exit.
. "$(dirname "$0")/harness.sh"

FC_SVC=""
FC_KILL="" # processes killed with SIGKILL at exit (php-cgi -b ignores SIGTERM)

fc_cleanup() {
    local rc=$? p
    for p in $FC_KILL; do kill -KILL "$p" 2>/dev/null; done
    if [ -n "$SERVER_PID" ] && h_alive "$SERVER_PID"; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    [ -n "$FC_SVC" ] && userdel -f "$FC_SVC" >/dev/null 2>&1
    (exit $rc)
    h_cleanup
}

fc_std() {
    [ -x /usr/bin/php-cgi ] || h_skip "no /usr/bin/php-cgi (scripts/install-deps installs php-cgi)"
    h_std
    trap fc_cleanup EXIT
    mkdir -p "$WWW/pub"
    cat >"$WWW/id.php" <<'PHP'
<?php
header('Content-Type: text/plain');
foreach (['REMOTE_USER', 'AUTH_TYPE', 'LOGON_USER', 'CERT_SUBJECT', 'HTTPS', 'SCRIPT_NAME',
          'PATH_INFO', 'CONTENT_LENGTH', 'REQUEST_METHOD', 'HTTP_X_REMOTE_USER', 'HTTP_REMOTE_USER', 'HTTP_AUTH_USER'] as $k)
    echo $k, '=', $_SERVER[$k] ?? '', "\n";
echo 'md5=', md5(file_get_contents('php://input')), "\n";
echo 'pid=', getmypid(), "\n";
PHP
    cp "$WWW/id.php" "$WWW/pub/id.php"
    printf '<?php sleep(30); echo "late";\n' >"$WWW/slow.php"
    cfg_location "Default Web Site/pub" ssl="Ssl" anon=true certmap=false
    FC_APP=$1
    FC_APP_ATTRS=${2:-}
    fc_raw
    H_LIMITS='maxBodyBytes="200000000"'
    if [ "$(id -u)" -eq 0 ]; then
        FC_SVC=cmfc$$
        useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "$FC_SVC" ||
            h_fail "useradd $FC_SVC"
        chmod 0755 "$T"
        H_SERVER="$H_SERVER user=\"$FC_SVC\" readFilesAsUser=\"false\""
        H_SERVER=${H_SERVER//allowRoot=\"true\"/}
    fi
}

# The fastCgi and handlers sections from FC_APP (fullPath), FC_APP_ATTRS,
# FC_ARGS, and FC_MORE_APPS / FC_MORE_HANDLERS (more <application> and
# <add> elements, the latter before StaticFile), into H_RAW_XML.
fc_raw() {
    H_RAW_XML=""
    cfg_raw "  <system.webServer>
    <fastCgi>
      <application fullPath=\"$FC_APP\" ${FC_ARGS:+arguments=\"$FC_ARGS\"} $FC_APP_ATTRS />
      ${FC_MORE_APPS:-}
    </fastCgi>
    <handlers accessPolicy=\"Read, Script\">
      <clear />
      <add name=\"PHP\" path=\"*.php\" verb=\"*\" modules=\"FastCgiModule\" scriptProcessor=\"$FC_APP${FC_ARGS:+|$FC_ARGS}\" resourceType=\"File\" requireAccess=\"Script\" />
      ${FC_MORE_HANDLERS:-}
      <add name=\"StaticFile\" path=\"*\" verb=\"*\" modules=\"StaticFileModule\" resourceType=\"Either\" requireAccess=\"Read\" />
    </handlers>
  </system.webServer>"
}

# fc_reload: writes the configuration again (after a change of the FC_*
# variables) and waits until certmapd has reloaded it.
fc_reload() {
    local n
    n=$(h_reloads)
    fc_raw
    cfg_write
    kill -HUP "$SERVER_PID"
    h_reload_wait "$n"
    grep -a -q 'reload failed' "$T/certmapd.out" && h_fail "reload failed: $(grep -a 'reload failed' "$T/certmapd.out" | tail -n 1)"
    return 0
}

# fc_gone PID SECONDS: waits until PID has exited; false after SECONDS.
fc_gone() {
    local i
    for i in $(seq 1 $(($2 * 10 * H_SLOW))); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

fc_go() {
    cfg_write
    if [ -n "$FC_SVC" ]; then
        chgrp "$FC_SVC" "$T/accounts" && chmod 0640 "$T/accounts"
        chmod -R a+rX "$PKI" "$WWW"
        chown "$FC_SVC" "$LOGDIR"
    fi
    h_start
    for _ in $(seq 1 $((100 * H_SLOW))); do
        grep -a -q "certmapd .* started" "$T/certmapd.out" && break
        sleep 0.1
    done
    grep -a -q "certmapd .* started" "$T/certmapd.out" || h_fail "certmapd did not finish starting within $((10 * H_SLOW)) s"
}

# fc_alice_x: alice asks for /id.php/x; PHP sees her identity and PATH_INFO /x.
fc_alice_x() {
    req alice /id.php/x
    expect_status 200
    [ "$(fc_var REMOTE_USER)" = alice ] || h_fail "REMOTE_USER: $(fc_var REMOTE_USER)"
    case $(fc_var CERT_SUBJECT) in *CN=alice*) ;; *) h_fail "CERT_SUBJECT: $(fc_var CERT_SUBJECT)" ;; esac
    [ "$(fc_var PATH_INFO)" = /x ] || h_fail "PATH_INFO: $(fc_var PATH_INFO)"
}

# fc_anonymous: an anonymous request claiming an identity in its headers; PHP sees none.
fc_anonymous() {
    req - /pub/id.php -H 'X-Remote-User: mallory' -H 'Remote_User: mallory'
    expect_status 200
    [ -z "$(fc_var REMOTE_USER)" ] || h_fail "anonymous REMOTE_USER: $(fc_var REMOTE_USER)"
    [ -z "$(fc_var HTTP_REMOTE_USER)" ] || h_fail "HTTP_REMOTE_USER: $(fc_var HTTP_REMOTE_USER)"
}

# fc_var NAME: the value id.php printed for NAME in the last response.
fc_var() {
    printf '%s\n' "$BODY" | sed -n "s/^$1=//p"
}
