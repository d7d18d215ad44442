#include "outlook_profile.h"

#include "../shim/provider/object_model/dispatch_win.h"

namespace olstate::addin {

using provider::object_model::get_property;
using provider::object_model::Variant;

std::optional<std::string> current_profile_name(IDispatch* application) noexcept {
    try {
        if (!application) return std::nullopt;
        Variant session;
        if (FAILED(get_property(application, L"Session", session)) || !session.as_dispatch()) return std::nullopt;
        Variant name;
        if (FAILED(get_property(session.as_dispatch(), L"CurrentProfileName", name))) return std::nullopt;
        auto text = name.as_utf8();
        if (!text || text->empty()) return std::nullopt;
        return text;
    } catch (...) {
        return std::nullopt;
    }
}

}  // namespace olstate::addin
