#include "connection_glue.h"

olgo_result olgo_get_connection_mode(olstate_session* s, uint32_t* out) {
    return olgo_capture(olstate_get_connection_mode(s, out));
}

olgo_result olgo_get_offline(olstate_session* s, uint32_t* out) {
    return olgo_capture(olstate_get_offline(s, out));
}

olgo_result olgo_get_accounts(olstate_session* s, olstate_account* out, uint32_t* out_count) {
    out[0].struct_size = sizeof *out;
    return olgo_capture(olstate_get_accounts(s, out, OLSTATE_MAX_ACCOUNTS, out_count));
}
