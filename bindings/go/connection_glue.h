/* C glue for Outlook's Exchange connection (ABI 1.3); see glue.h for why
 * each wrapper captures its own result. */
#ifndef OLSTATE_GO_CONNECTION_GLUE_H
#define OLSTATE_GO_CONNECTION_GLUE_H

#include "glue.h"

olgo_result olgo_get_connection_mode(olstate_session* s, uint32_t* out);
olgo_result olgo_get_offline(olstate_session* s, uint32_t* out);
/* Reads every account (at most OLSTATE_MAX_ACCOUNTS) into out, whose
 * element size the glue sets. */
olgo_result olgo_get_accounts(olstate_session* s, olstate_account* out, uint32_t* out_count);

#endif
