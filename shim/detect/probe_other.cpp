// Outside Windows there is no Outlook: every fact is absent (verdict NONE).
// The simulator is deliberately not reported as an Outlook: a program asks
// this question to decide what to tell a user about their real Outlook.
#include "outlook_facts.h"

namespace olstate::detect {

OutlookFacts probe_outlook() { return {}; }

}  // namespace olstate::detect
