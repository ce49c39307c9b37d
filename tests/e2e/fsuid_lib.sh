# tests/e2e/fsuid_lib.sh - throwaway system accounts for the files-as-user
# tests (t_files_as_user*.sh), sourced after harness.sh.
#
#   fa_users            creates $FA_A and $FA_B (system users, own groups, no
#                       home, no shell) named with a prefix unique to this
#                       run, removed at exit; skips the test when not root
#   fa_stop_and_cleanup the EXIT trap: server stopped, accounts removed
#
# The harness's own cleanup runs after the accounts are removed.

FA_PREFIX=cmfa$$
FA_A=${FA_PREFIX}a
FA_B=${FA_PREFIX}b
FA_USERS=()

fa_stop_and_cleanup() {
    local rc=$? u
    if [ -n "$SERVER_PID" ] && h_alive "$SERVER_PID"; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    for u in "${FA_USERS[@]}"; do
        userdel -f "$u" >/dev/null 2>&1
        getent group "$u" >/dev/null && groupdel "$u" >/dev/null 2>&1
    done
    (exit $rc)
    h_cleanup
}

# fa_user NAME: one throwaway system account (and its group).
fa_user() {
    useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "$1" >/dev/null ||
        h_fail "useradd $1"
    FA_USERS+=("$1")
}

fa_users() {
    [ "$(id -u)" -eq 0 ] || h_skip "needs root: creates system accounts and switches to them"
    command -v useradd >/dev/null || h_skip "no useradd"
    trap fa_stop_and_cleanup EXIT
    fa_user "$FA_A"
    fa_user "$FA_B"
}

# fa_w3c_win32: sc-status sc-substatus sc-win32-status of the last request's W3C line.
fa_w3c_win32() {
    local files=("$LOGDIR/W3SVC1"/u_ex*.log)
    awk -v ua="$REQ_UA" '
        /^#Fields:/ { delete ix; for (i = 2; i <= NF; i++) ix[$i] = i - 1; next }
        /^#/ { next }
        $(ix["cs(User-Agent)"]) == ua {
            last = $(ix["sc-status"]) " " $(ix["sc-substatus"]) " " $(ix["sc-win32-status"])
        }
        END { print last }' "${files[@]}"
}
