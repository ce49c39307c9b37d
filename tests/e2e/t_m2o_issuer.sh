# Issuer rules read the issuer's name, with '*' wildcards; every rule of a
# mapping must match.  The first mapping wants another CA, the second the
# demo CA and a Contoso subject: contoso is admitted by the second,
# fabrikam (demo CA, not Contoso) by neither.
. "$(dirname "$0")/harness.sh"
h_init
h_m2o_std
h_account wrong wrong-pw
cfg_m2o "other CA" wrong wrong-pw
cfg_m2o_rule Issuer CN "Contoso*CA"
cfg_m2o "demo CA and Contoso" partner partner-pw
cfg_m2o_rule Issuer CN "certmap * CA"
cfg_m2o_rule Subject O Contoso
h_start

req contoso /
expect_status 200
expect_log 1 partner 200 0 /

req fabrikam /
expect_status 401 2
expect_log 1 - 401 2 /

h_stop
h_pass
