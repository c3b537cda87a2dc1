#include "handoff/sqnr_plot.h"

#include "handoff/text.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace ptl::handoff {

std::string sqnrPlotSvg(const std::vector<OpError>& errors) {
    constexpr double width = 960, height = 280, left = 48, right = 12, top = 12, bottom = 40;
    const double plotWidth = width - left - right, plotHeight = height - top - bottom;
    double highest = kLowSqnrDb + 10;
    for (const OpError& error : errors)
        if (std::isfinite(error.sqnrDb)) highest = std::max(highest, error.sqnrDb);
    highest = std::ceil(highest / 10) * 10;
    auto y = [&](double db) { return top + plotHeight * (1 - std::clamp(db, 0.0, highest) / highest); };

    std::ostringstream svg;
    svg << "<svg class=\"sqnr\" role=\"img\" viewBox=\"0 0 " << width << " " << height
        << "\" width=\"" << width << "\" height=\"" << height << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
        << "<title>Per-layer SQNR (dB) of the quantized ops in execution order</title>\n";
    for (double db = 0; db <= highest; db += 10)
        svg << "<line x1=\"" << left << "\" x2=\"" << width - right << "\" y1=\"" << fixed(y(db), 1) << "\" y2=\""
            << fixed(y(db), 1) << "\" stroke=\"#e0e0e0\"/><text x=\"" << left - 6 << "\" y=\"" << fixed(y(db) + 4, 1)
            << "\" text-anchor=\"end\" fill=\"#5f6368\">" << db << "</text>\n";
    const double slot = plotWidth / double(std::max<size_t>(errors.size(), 1));
    for (size_t i = 0; i < errors.size(); ++i) {
        const OpError& error = errors[i];
        const double db = std::isfinite(error.sqnrDb) ? error.sqnrDb : highest;
        const bool low = db < kLowSqnrDb;
        svg << "<rect x=\"" << fixed(left + slot * double(i) + slot * 0.1, 1) << "\" y=\"" << fixed(y(db), 1) << "\" width=\""
            << fixed(std::max(slot * 0.8, 1.0), 1) << "\" height=\"" << fixed(y(0) - y(db), 1) << "\" fill=\""
            << (low ? "#b3261e" : "#1a73e8") << "\"><title>" << htmlEscape(error.op) << " at "
            << htmlEscape(error.module.empty() ? "(top module)" : error.module) << ": " << fixed(error.sqnrDb, 1)
            << " dB</title></rect>\n";
    }
    svg << "<line x1=\"" << left << "\" x2=\"" << width - right << "\" y1=\"" << fixed(y(kLowSqnrDb), 1) << "\" y2=\""
        << fixed(y(kLowSqnrDb), 1) << "\" stroke=\"#b3261e\" stroke-dasharray=\"4 3\"/>\n"
        << "<text x=\"" << left + plotWidth / 2 << "\" y=\"" << height - 8
        << "\" text-anchor=\"middle\" fill=\"#5f6368\">quantized ops in execution order (" << errors.size()
        << "); SQNR in dB</text>\n</svg>";
    return svg.str();
}

}  // namespace ptl::handoff
