// Order statistics shared by every section of olstate-bench.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace bench_stats {

// The middle element (the upper one of an even count); 0 for none.
inline double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// The element below which a fraction p of a sorted vector lies (p = 1: the
// largest); 0 for none.
inline double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())))];
}

}  // namespace bench_stats
