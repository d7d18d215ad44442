// The bridge client as a provider: forwards get/set state to a bridge host
// in another process and hands the host's events, and its own lost/back, to
// the session's receiver - implementing provider/provider.h directly.
#pragma once

#include <memory>
#include <string>

#include "provider/provider.h"

namespace olstate::bridge {

// Connects to the host at `endpoint` (UTF-8) and says hello. profile (UTF-8)
// empty: whatever profile the host serves. Throws Failure:
// PROVIDER_NOT_FOUND when nobody serves the endpoint (without `reconnect`,
// or with `host_required_now`: otherwise the provider starts disconnected
// and keeps trying), PROFILE_NOT_FOUND when the host serves another
// profile, the host's own result when it refused. AUTO sets
// host_required_now to try the object-model fallback before waiting.
std::unique_ptr<provider::Provider> open_bridge_provider(const std::string& endpoint, bool reconnect,
                                                         const std::string& profile, bool host_required_now = false);

}  // namespace olstate::bridge
