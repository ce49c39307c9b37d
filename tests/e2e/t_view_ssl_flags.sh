# The sslFlags table of the resolved view, end to end.  Site "S" with the
# applications /app and /dir/app2 (own physical paths) and three locations:
#   S         inheritInChildApplications="false": Ssl, SslNegotiateCert,
#             SslRequireCert; anonymous off; one-to-one mapping of alice
#   S/dir     inheritInChildApplications="false": Ssl, SslNegotiateCert
#             (anonymous off and the mappings inherited from S: /dir is a
#             directory of the root application)
#   S/Public  None, anonymous on
# and, as IIS ships it, anonymous authentication enabled at server level.
# inheritInChildApplications="false" stops a location at child applications,
# so /app and /dir/app2 get the server level (sslFlags None, anonymous) and
# serve over plain HTTP too; "/" and "/dir" refuse plain HTTP (403.4).
# Under sslFlags None the client certificate is not consulted (IIS ignores
# it), so alice is anonymous there.  Paths match case-insensitively.
. "$(dirname "$0")/harness.sh"
h_init
h_port HTTP_PORT
H_WAIT_PORTS+=("$HTTP_PORT")
h_account alice alice-pw
mkdir -p "$WWW/dir" "$WWW/Public" "$T/app" "$T/app2"
printf 'root file\n' >"$WWW/x.txt"
printf 'dir file\n' >"$WWW/dir/d.txt"
printf 'public file\n' >"$WWW/Public/p.txt"
printf 'app file\n' >"$T/app/a.txt"
printf 'app index\n' >"$T/app/index.html"
printf 'app2 file\n' >"$T/app2/b.txt"
# Decoys: the application's URL path as a directory of the root application.
mkdir -p "$WWW/app" "$WWW/dir/app2"
printf 'WRONG: root application\n' >"$WWW/app/a.txt"
printf 'WRONG: root application\n' >"$WWW/dir/app2/b.txt"

cfg_site S 1
cfg_app /app "$T/app"
cfg_app /dir/app2 "$T/app2"
cfg_https "127.0.0.1:$PORT:"
cfg_http "127.0.0.1:$HTTP_PORT:"
cfg_location S inherit=false ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
cfg_map alice alice alice-pw
cfg_location S/dir inherit=false ssl="Ssl, SslNegotiateCert"
cfg_location S/Public ssl=None anon=true
cfg_raw '  <system.webServer>
    <security>
      <authentication>
        <anonymousAuthentication enabled="true" userName="IUSR" />
      </authentication>
    </security>
  </system.webServer>'
cfg_write
h_start

# client: "none" (https, no certificate), "alice" (https, mapped), "carol"
# (https, trusted but unmapped), "http" (plain http, same site).  A body of
# "-" is not checked; a 200 body must contain the text.
table="
path              client  status sub user   body
/x.txt            none    403    7   -      -
/x.txt            alice   200    0   alice  root file
/x.txt            carol   401    2   -      -
/x.txt            http    403    4   -      -
/                 http    403    4   -      -
/app/a.txt        none    200    0   -      app file
/app/a.txt        alice   200    0   -      app file
/app/a.txt        carol   200    0   -      app file
/app/a.txt        http    200    0   -      app file
/APP/a.txt        http    200    0   -      app file
/app/             none    200    0   -      app index
/app/missing.txt  none    404    0   -      -
/app/missing.txt  http    404    0   -      -
/dir/d.txt        none    401    2   -      -
/dir/d.txt        alice   200    0   alice  dir file
/dir/d.txt        carol   401    2   -      -
/dir/d.txt        http    403    4   -      -
/Dir/d.txt        http    403    4   -      -
/dir/app2/b.txt   none    200    0   -      app2 file
/dir/app2/b.txt   alice   200    0   -      app2 file
/dir/app2/b.txt   http    200    0   -      app2 file
/Public/p.txt     none    200    0   -      public file
/Public/p.txt     alice   200    0   -      public file
/Public/p.txt     carol   200    0   -      public file
/Public/p.txt     http    200    0   -      public file
/public/p.txt     http    200    0   -      public file
/PUBLIC/p.txt     none    200    0   -      public file
"

n=0
while read -r path client status sub user body; do
    case $path in "" | path) continue ;; esac
    case $client in
    none) req - "$path" ;;
    http) req - "http://localhost:$HTTP_PORT$path" ;;
    *) req "$client" "$path" ;;
    esac
    what="GET $path ($client)"
    [ "$STATUS" = "$status" ] ||
        h_fail "$what: HTTP $STATUS, expected $status.$sub (curl exit $CURL_RC)"
    if [ "$status" != 200 ]; then
        grep -qF "HTTP Error $status.$sub" "$T/body" || h_fail "$what: body lacks 'HTTP Error $status.$sub'"
        for c in "root file" "dir file" "public file" "app file" "app index" "app2 file"; do
            expect_body_lacks "$c"
        done
    elif [ "$body" != - ]; then
        grep -qF -- "$body" "$T/body" || h_fail "$what: body $(head -c 100 "$T/body"), expected '$body'"
    fi
    expect_body_lacks "WRONG"
    expect_log 1 "$user" "$status" "$sub" "$path" || exit 1
    n=$((n + 1))
done <<<"$table"
[ $n = 27 ] || h_fail "ran $n rows of the table, expected 27"

h_stop
h_pass
