# compareCaseSensitive: true (IIS's default) compares exactly, false folds
# case.  "contoso" does not match O=Contoso case-sensitively, so the first
# mapping is skipped and the case-insensitive second one admits the client.
. "$(dirname "$0")/harness.sh"
h_init
h_m2o_std
h_account wrong wrong-pw
cfg_m2o "exact" wrong wrong-pw
cfg_m2o_rule Subject O contoso
cfg_m2o "any case" partner partner-pw
cfg_m2o_rule Subject O CONTOSO false
h_start

req contoso /
expect_status 200
expect_log 1 partner 200 0 /

h_stop
h_pass
