# The identity of a request as IIS server variables, shown by an .shtml page
# (server-side include #echo): the mapped user and the certificate for a
# mapped certificate, nothing for an anonymous request.
. "$(dirname "$0")/harness.sh"
h_init
h_std
mkdir -p "$WWW/public"
page='user=[<!--#echo var="LOGON_USER"-->] remote=[<!--#echo var="REMOTE_USER"-->] subject=[<!--#echo var="CERT_SUBJECT"-->] issuer=[<!--#echo var="CERT_ISSUER"-->]'
printf '%s\n' "$page" >"$WWW/whoami.shtml"
printf '%s\n' "$page" >"$WWW/public/whoami.shtml"
cfg_location "Default Web Site/public" ssl="Ssl, SslNegotiateCert" anon=true
h_start

req alice /whoami.shtml
expect_status 200
expect_body_contains "user=[alice]"
expect_body_contains "remote=[alice]"
expect_body_contains "subject=[O=certmap demo, CN=alice]"
expect_body_contains "issuer=[O=certmap demo, CN=certmap demo CA]"
expect_body_lacks "#echo"
expect_log 1 alice 200 0 /whoami.shtml

req - /public/whoami.shtml
expect_status 200
expect_body_contains "user=[]"
expect_body_lacks "alice"
expect_log 1 - 200 0 /public/whoami.shtml

h_stop
h_pass
