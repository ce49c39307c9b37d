# A disabled many-to-one mapping (enabled="false") never matches: 401.2; so
# does a site where manyToOneCertificateMappingsEnabled="false", and a
# refused logon of a matched mapping is 401.1.
. "$(dirname "$0")/harness.sh"
h_init
h_m2o_std
cfg_m2o "off" partner partner-pw 'enabled="false"'
cfg_m2o_rule Subject O Contoso
cfg_m2o "fabrikam, wrong password" partner not-the-password
cfg_m2o_rule Subject O Fabrikam
h_start

req contoso /
expect_status 401 2
expect_log 1 - 401 2 /

req fabrikam /
expect_status 401 1
expect_log 1 - 401 1 /
h_stop

cfg_reset
cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:"
cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert" anon=false certmap=true m2o=false
cfg_m2o "on" partner partner-pw
cfg_m2o_rule Subject O Contoso
cfg_write
h_start
req contoso /
expect_status 401 2
expect_log 1 - 401 2 /

h_stop
h_pass
