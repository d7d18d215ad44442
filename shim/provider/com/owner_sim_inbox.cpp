// The strict simulator's owner inbox as a channel: the Linux stand-in for
// Outlook's message loop (the test's owner thread runs olstate_sim_pump or
// olstate_sim_run_owner_loop), and on Windows the fallback for an owner
// thread without a message queue.
#include <olstate.h>

#include "owner_channel.h"

namespace olstate::provider {
namespace {

class SimInboxChannel final : public OwnerChannel {
public:
    SimInboxChannel(OwnerPostFn post, void* inbox) noexcept : post_(post), inbox_(inbox) {}

    bool post(Work work, void* context) noexcept override {
        return post_(inbox_, work, context) == 0;
    }
    std::uint32_t threading() const noexcept override { return OLSTATE_THREADING_OWNER_LOOP; }

private:
    const OwnerPostFn post_;
    void* const inbox_;  // lives as long as the process (the simulator never frees inboxes)
};

}  // namespace

std::unique_ptr<OwnerChannel> open_owner_inbox(const ProviderLibrary& library) {
    if (!library.owner_current || !library.owner_post) return nullptr;
    void* inbox = nullptr;
    // S_OK with an inbox: strict; S_FALSE: forgiving, any thread may call.
    if (library.owner_current(&inbox) != 0 || !inbox) return nullptr;
    return std::make_unique<SimInboxChannel>(library.owner_post, inbox);
}

}  // namespace olstate::provider
