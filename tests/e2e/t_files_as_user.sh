# Static files are opened as the request's account (certmapd runs as root here,
# so it holds CAP_SETUID/CAP_SETGID): alice's certificate maps to system account
# A and reads A's 0600 file; bob's maps to B and gets 401.3 (sc-win32-status 5),
# also right after the file cache holds A's copy; a directory only A may enter
# is 401.3 for B, default document included; anonymous requests read as
# "nobody" (IUSR): a public file yes, A's or root's 0600 file no; a virtual
# directory's userName reads as that account whoever asks.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/fsuid_lib.sh"
h_init
fa_users
h_account "$FA_A" a-pw
h_account "$FA_B" b-pw
printf 'public\n' >"$WWW/pub.txt"
printf 'secret of A\n' >"$WWW/a.txt"
printf 'root only\n' >"$WWW/root.txt"
mkdir -p "$WWW/private" "$T/www-b"
printf 'private index\n' >"$WWW/private/index.html"
printf 'file of B\n' >"$T/www-b/b.txt"
printf 'file of A\n' >"$T/www-b/a.txt"
chown "$FA_A:$FA_A" "$WWW/a.txt" "$WWW/private" "$WWW/private/index.html" "$T/www-b/a.txt"
chown "$FA_B:$FA_B" "$T/www-b/b.txt"
chmod 0600 "$WWW/a.txt" "$WWW/root.txt" "$T/www-b/a.txt" "$T/www-b/b.txt"
chmod 0700 "$WWW/private"
chmod 0755 "$WWW" "$T/www-b"
cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:"
H_APPS_XML+="        <application path=\"/as-b\">
          <virtualDirectory path=\"/\" physicalPath=\"$T/www-b\" userName=\"$FA_B\" />
        </application>
"
cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert" anon=true certmap=true
cfg_map alice "$FA_A" a-pw
cfg_map bob "$FA_B" b-pw
# one worker: the requests below meet the same file cache
H_SERVER="$H_SERVER workers=\"1\""
h_start

req alice /a.txt
expect_status 200
expect_body_contains "secret of A"
expect_log 1 "$FA_A" 200 0 /a.txt
req bob /a.txt
expect_status 401 3
expect_body_lacks "secret of A"
expect_log 1 "$FA_B" 401 3 /a.txt
[ "$(fa_w3c_win32)" = "401 3 5" ] || h_fail "W3C: '$(fa_w3c_win32)', expected sc-win32-status 5"
grep -a "refused 401.3: site \"Default Web Site\" path /a.txt" "$LOGDIR/certmapd.log" |
    grep -aq "uid $(id -u "$FA_B")" || h_fail "no info line naming B's uid for the 401.3"

# The cache: A's copy is in memory (read twice), B still cannot have it.
req alice /a.txt
expect_status 200
req alice /a.txt
expect_status 200
expect_body_contains "secret of A"
req bob /a.txt
expect_status 401 3
expect_body_lacks "secret of A"
req bob /pub.txt
expect_status 200
expect_body_contains "public"

# A directory only A may enter: the default document is probed as the account.
req alice /private/
expect_status 200
expect_body_contains "private index"
req bob /private/
expect_status 401 3
req bob /private/index.html
expect_status 401 3

# Anonymous: IUSR is "nobody", never certmapd's root.
req - /pub.txt
expect_status 200
expect_log 1 - 200 0 /pub.txt
req - /a.txt
expect_status 401 3
expect_log 1 - 401 3 /a.txt
req - /root.txt
expect_status 401 3
expect_body_lacks "root only"
req alice /root.txt
expect_status 401 3

# A virtual directory's userName: its files are read as B, whoever asks.
req alice /as-b/b.txt
expect_status 200
expect_body_contains "file of B"
req alice /as-b/a.txt
expect_status 401 3
req - /as-b/b.txt
expect_status 200

# Said once at start-up, not per request.
n=$(grep -a -c "static files are read as each request's account" "$LOGDIR/certmapd.log")
[ "$n" = 1 ] || h_fail "the start-up notice appears $n times"

h_stop
h_pass
