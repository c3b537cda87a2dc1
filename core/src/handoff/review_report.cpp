// The review report as one HTML document: verdict, model summary, findings, variants,
// integration code, reproducibility. Everything inline (styles, SVG plots), so the file opens
// offline, mails as one attachment and prints to PDF.
#include "handoff/sqnr_plot.h"
#include "handoff/text.h"
#include "ptl/export_readiness.h"
#include "ptl/finding_categories.h"
#include "ptl/handoff.h"
#include "ptl/input_spec.h"

#include <algorithm>
#include <sstream>

namespace ptl {

namespace {

using handoff::htmlEscape;

const char* kStyle = R"css(
:root { --ok: #1b7f3b; --bad: #b3261e; --warn: #a15c00; --muted: #5f6368; --rule: #dadce0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #202124;
       margin: 0 auto; max-width: 1120px; padding: 24px 32px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--rule); }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta, .note { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--rule); }
th { background: #f1f3f4; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, pre { font: 12px/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace; }
pre { background: #f8f9fa; border: 1px solid var(--rule); border-radius: 4px; padding: 8px 10px; overflow-x: auto;
      white-space: pre-wrap; word-break: break-word; }
.verdict { border-radius: 6px; padding: 14px 18px; color: #fff; }
.verdict.ships { background: var(--ok); }
.verdict.blocked { background: var(--bad); }
.verdict h2 { border: 0; margin: 0 0 4px; font-size: 22px; color: #fff; }
.verdict ul { margin: 6px 0 0 18px; padding: 0; }
.sev-error { color: var(--bad); font-weight: 600; }
.sev-warning { color: var(--warn); font-weight: 600; }
.sev-info { color: var(--muted); }
.impact-blocks { color: var(--bad); font-weight: 600; }
.impact-ready { color: var(--ok); }
.impact-declare { color: var(--warn); font-weight: 600; }
.impact-check { color: var(--muted); font-weight: 600; }
.ops { columns: 3 260px; font: 12px/1.5 "DejaVu Sans Mono", Menlo, Consolas, monospace; margin: 4px 0; padding-left: 18px; }
.snippet h3 { margin-bottom: 2px; }
table.findings col.severity { width: 8%; } table.findings col.finding { width: 32%; }
table.findings col.source { width: 28%; } table.findings col.advice { width: 32%; }
td .where { display: block; font-size: 12px; color: var(--muted); }
ol.stack { margin: 4px 0; padding-left: 18px; font: 11px/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace; word-break: break-all; }
svg { max-width: 100%; height: auto; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section { break-inside: auto; }
  h2, h3 { break-after: avoid; }
  tr, pre, svg, .verdict { break-inside: avoid; }
  .snippet pre { break-inside: auto; }  /* a long file continues on the next page */
  thead { display: table-header-group; }
}
)css";

const char* severityClass(Severity severity) {
    switch (severity) {
        case Severity::Error: return "sev-error";
        case Severity::Warning: return "sev-warning";
        case Severity::Info: return "sev-info";
    }
    return "sev-info";
}

std::string categoryTitle(const std::string& id) {
    const FindingCategory* category = findFindingCategory(id);
    return category ? std::string(category->title) : id;
}

std::string sourceText(const SourceLocation& source) {
    if (!source.known()) return "";
    if (source.file.empty()) return "line " + std::to_string(source.line);  // of code without a file name
    std::string where = source.file.substr(source.file.find_last_of('/') + 1);
    if (source.line > 0) where += ":" + std::to_string(source.line);
    return where;
}

std::string baseName(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

// A traced file records no Python source, only the tracer's call stack ("/path/model.py(40):
// forward", one frame a line, PyTorch's own frames included). Shown: the frames outside PyTorch,
// file names without their folders, innermost first.
std::string tracedStackHtml(const std::string& stack) {
    std::vector<std::string> frames;
    size_t skipped = 0;
    std::istringstream lines(stack);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty()) continue;
        const size_t paren = line.rfind('(', line.find("): "));
        const std::string path = paren == std::string::npos ? line : line.substr(0, paren);
        if (path.find("-packages/torch/") != std::string::npos) {  // site-packages or dist-packages
            ++skipped;
            continue;
        }
        frames.push_back(baseName(path) + (paren == std::string::npos ? "" : line.substr(paren)));
    }
    if (frames.empty()) return "";
    std::string html = "<span class=\"where\">traced: no Python source in the file; where the tracer was called:</span>"
                       "<ol class=\"stack\">";
    for (const std::string& frame : frames) html += "<li>" + htmlEscape(frame) + "</li>";
    html += "</ol>";
    if (skipped) html += "<span class=\"where\">(" + std::to_string(skipped) + " PyTorch frames left out)</span>";
    return html;
}

std::string ratio(int64_t part, int64_t whole) {
    return whole > 0 ? handoff::fixed(double(part) / double(whole), 2) + "×" : "";
}

int64_t totalParameters(const Report& report) {
    return report.modules.empty() ? -1 : report.modules.front().totalParameters;
}

std::string formatName(const Report& report) {
    std::string text = report.format == "lite" ? "Lite Interpreter bytecode" : "TorchScript";
    if (!report.container.empty()) text += " (" + report.container + ")";
    if (!report.methods.empty() && !report.methods.front().origin.empty())
        text += ", forward " + report.methods.front().origin;
    return text;
}

std::string libtorchVersion(const ReviewInput& input) {
    if (input.sourceLatency && !input.sourceLatency->environment.libtorch.empty())
        return input.sourceLatency->environment.libtorch;
    for (const ReviewVariant& variant : input.variants)
        if (variant.latency && !variant.latency->environment.libtorch.empty()) return variant.latency->environment.libtorch;
    return "";
}

// Milliseconds, or microseconds below 0.1 ms (a tiny model's 0.01 ms says nothing).
std::string duration(double ms) {
    return ms < 0.1 ? handoff::fixed(ms * 1000, 1) + " µs" : handoff::fixed(ms, 2) + " ms";
}

std::string latencyText(const BenchResult& latency) {
    return "p50 " + duration(latency.p50) + ", p90 " + duration(latency.p90) + " (" + std::to_string(latency.samplesMs.size()) +
           " runs)";
}

// The latency cell: the figures, then in which runtime on which host (the note below the table
// says which host in full).
std::string latencyHtml(const BenchResult& latency) {
    return htmlEscape(latencyText(latency)) + "<span class=\"where\">" + htmlEscape(latency.environment.engine) + ", " +
           std::to_string(latency.environment.threads) + (latency.environment.threads == 1 ? " thread" : " threads") +
           " on this host, not a phone</span>";
}

// The host in full; the runtime and threads are in each latency cell.
std::string whereMeasured(const BenchResult& latency) {
    std::string text = latency.environment.cpu + ", quantized engine " + latency.environment.quantizedEngine;
    if (!latency.environment.libtorch.empty()) text += ", LibTorch " + latency.environment.libtorch;
    return text;
}

std::string settingsText(const ReviewVariant& variant) {
    const ConvertOptions& options = variant.options;
    std::string text = std::string("quantization ") + quantizationName(options.quantize);
    if (options.quantize == Quantization::Static)
        text += " (" + std::string(backendName(options.backend)) + ", " + observerName(options.observer) +
                " observer, calibration " + calibrationText(options.calibration) + ")";
    text += options.optimize ? "; optimize_for_mobile" : "; not optimized";
    for (const std::string& skipped : options.skipOptimizations) text += ", without " + skipped;
    for (const std::string& kept : options.keepFloat) text += "; " + kept + " kept in float";
    if (options.bytecodeVersion >= 0) text += "; backported to bytecode v" + std::to_string(options.bytecodeVersion);
    return text;
}

std::string errorText(const Verification& verification) {
    if (verification.quantizationMaxAbsError >= 0) {
        std::string text = "max abs " + handoff::shortFloat(verification.quantizationMaxAbsError) + ", cosine " +
                           handoff::fixed(verification.quantizationCosine, 5);
        if (verification.top1Agreement >= 0)
            text += ", top-1 agreement " + handoff::fixed(100 * verification.top1Agreement, 1) + "%";
        return text + " (" + std::to_string(verification.errorSamples) + " batch(es))";
    }
    if (verification.compared) return "float: same as the source (export max abs difference " +
                                      handoff::shortFloat(verification.maxAbsDiff) + ")";
    return "not compared (no sample inputs)";
}

// The integration code is generated for the variant the verdict rests on (its bytecode and
// normalization), else for the model as given.
IntegrationSettings integrationSettingsFor(const ReviewInput& input, const Verdict& verdict) {
    IntegrationSettings settings;
    const std::string stem = baseName(input.report.file).substr(0, baseName(input.report.file).find('.'));
    settings.assetName = stem + ".ptl";
    if (verdict.verifiedVariant >= 0) {
        const ReviewVariant& variant = input.variants[size_t(verdict.verifiedVariant)];
        settings.bytecodeVersion = variant.result.bytecodeVersion;
        settings.mean = variant.options.mean;
        settings.std = variant.options.std;
    }
    return settings;
}

class HtmlWriter {
public:
    explicit HtmlWriter(const ReviewInput& input) : input_(input), report_(input.report), verdict_(reviewVerdict(input)) {}

    std::string write() {
        out_ << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
             << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
             // No network: a page that can fetch nothing cannot leak the model's name either.
             << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
                "img-src data:\">\n"
             << "<title>Handoff review: " << htmlEscape(baseName(report_.file)) << "</title>\n<style>" << kStyle
             << "</style>\n</head>\n<body>\n";
        header();
        verdictSection();
        summarySection();
        findingsSection();
        exportReadinessSection();
        sweepSection();
        variantsSection();
        integrationSection();
        reproducibilitySection();
        out_ << "</body>\n</html>\n";
        return out_.str();
    }

private:
    const ReviewInput& input_;
    const Report& report_;
    const Verdict verdict_;
    std::ostringstream out_;

    void header() {
        out_ << "<header>\n<h1>Handoff review: " << htmlEscape(baseName(report_.file)) << "</h1>\n"
             << "<p class=\"meta\">" << htmlEscape(report_.tool) << " · " << htmlEscape(input_.createdAt) << "</p>\n</header>\n";
    }

    void verdictSection() {
        out_ << "<section id=\"verdict\">\n<div class=\"verdict " << (verdict_.ships ? "ships" : "blocked") << "\">\n<h2>"
             << (verdict_.ships ? "Ships on the Lite Interpreter" : "Does not ship on the Lite Interpreter") << "</h2>\n<p>"
             << htmlEscape(verdict_.summary) << "</p>\n";
        if (!verdict_.blocking.empty()) {
            out_ << "<ul>\n";
            for (const Finding* finding : verdict_.blocking) {
                out_ << "<li><strong>" << htmlEscape(categoryTitle(finding->category)) << "</strong>: "
                     << htmlEscape(finding->message);
                const std::string where = sourceText(finding->source);
                if (!where.empty()) out_ << " (" << htmlEscape(where) << ")";
                out_ << "</li>\n";
            }
            out_ << "</ul>\n";
        }
        for (const std::string& caution : verdict_.cautions) out_ << "<p>To review: " << htmlEscape(caution) << "</p>\n";
        out_ << "</div>\n</section>\n";
    }

    void row(const std::string& name, const std::string& valueHtml) {
        out_ << "<tr><th>" << name << "</th><td>" << valueHtml << "</td></tr>\n";
    }

    void summarySection() {
        out_ << "<section id=\"summary\">\n<h2>Model</h2>\n<table>\n";
        row("File", "<code>" + htmlEscape(report_.file) + "</code>");
        row("Format", htmlEscape(formatName(report_)));
        std::string bytecode = report_.bytecodeVersion >= 0 ? "v" + std::to_string(report_.bytecodeVersion) : "";
        for (const ReviewVariant& variant : input_.variants)
            if (variant.error.empty())
                bytecode += (bytecode.empty() ? "" : "; ") + htmlEscape(variant.name) + " exports v" +
                            std::to_string(variant.result.bytecodeVersion);
        row("Bytecode version", bytecode.empty() ? "none (TorchScript; converted on export)" : bytecode);
        row("Size", htmlEscape(humanBytes(uint64_t(report_.fileBytes))) + " (" + handoff::groupedInteger(report_.fileBytes) +
                        " bytes)");
        const int64_t parameters = totalParameters(report_);
        row("Parameters", parameters >= 0 ? handoff::groupedInteger(parameters) : "unknown (Lite bytecode only)");
        const std::optional<int64_t> macs = reportMacs(report_);
        row("MACs", macs ? handoff::groupedInteger(*macs) + " per forward (" + humanMacs(*macs) + "); peak activations " +
                               humanBytes(static_cast<uint64_t>(report_.compute.peakActivationBytes)) +
                               (report_.compute.peakScope.empty() ? std::string() : " at " + htmlEscape(report_.compute.peakScope))
                         : "<span class=\"note\">not measured: no sample run</span>");
        row("Methods", std::to_string(report_.methods.size()) + " (" +
                           (report_.methods.empty() ? std::string("none") : htmlEscape(report_.methods.front().name)) + " first)");
        out_ << "</table>\n<h3>Inputs</h3>\n";
        if (report_.inputs.empty()) {
            out_ << "<p class=\"note\">No sample inputs could be made; give them with <code>--input</code>.</p>\n";
        } else {
            out_ << "<table>\n<thead><tr><th>Argument</th><th>Type</th><th>Shape</th><th>Dtype</th><th>Where it came from</th></tr></thead>\n";
            for (const InputInfo& in : report_.inputs)
                out_ << "<tr><td><code>" << htmlEscape(in.argument) << "</code></td><td>" << htmlEscape(in.type) << "</td><td>"
                     << htmlEscape(in.shape.empty() ? "" : formatShape(in.shape)) << "</td><td>" << htmlEscape(in.dtype)
                     << "</td><td>" << htmlEscape(inputOrigin(in.source)) << "</td></tr>\n";
            out_ << "</table>\n";
        }
        out_ << "</section>\n";
    }

    static std::string inputOrigin(const std::string& source) {
        if (source == "spec") return "given (--input / Sample Inputs)";
        if (source == "bundled") return "bundled with the model";
        if (source == "inferred") return "inferred from the layers that read it";
        return source;
    }

    void findingsSection() {
        out_ << "<section id=\"findings\">\n<h2>Findings (" << report_.findings.size() << ")</h2>\n";
        if (report_.findings.empty()) {
            out_ << "<p>No findings: nothing in the graph depends on shapes or values, no traced-in constants, nothing the "
                    "Lite Interpreter rejects.</p>\n</section>\n";
            return;
        }
        out_ << "<table class=\"findings\">\n<colgroup><col class=\"severity\"><col class=\"finding\"><col class=\"source\">"
                "<col class=\"advice\"></colgroup>\n"
                "<thead><tr><th>Severity</th><th>Finding</th><th>Source</th><th>What to do</th></tr></thead>\n";
        const std::vector<Finding>& findings = report_.findings;
        for (size_t i = 0; i < findings.size(); ++i) {
            const Finding& finding = findings[i];
            out_ << "<tr><td class=\"" << severityClass(finding.severity) << "\">" << severityName(finding.severity)
                 << "</td><td><strong>" << htmlEscape(categoryTitle(finding.category)) << "</strong><br>"
                 << htmlEscape(finding.message) << "</td><td>";
            const std::string where = sourceText(finding.source);
            if (!where.empty()) out_ << "<code>" << htmlEscape(where) << "</code>";
            if (finding.source.traced) out_ << tracedStackHtml(finding.source.text);
            else if (!finding.source.text.empty()) out_ << "<pre>" << htmlEscape(finding.source.text) << "</pre>";
            out_ << "</td>";
            // Advice said once for a run of findings that share it (MobileNetV2 and LSTMs repeat
            // one category a dozen times in PyTorch's own code). Not a rowspan: print would keep
            // the whole run on one page.
            if (i > 0 && findings[i - 1].advice == finding.advice) out_ << "<td class=\"note\">as above</td>";
            else out_ << "<td>" << htmlEscape(finding.advice) << "</td>";
            out_ << "</tr>\n";
        }
        out_ << "</table>\n</section>\n";
    }

    // What stands between the model's Python source and torch.export / ExecuTorch.
    void exportReadinessSection() {
        const ExportReadiness readiness = exportReadiness(report_);
        out_ << "<section id=\"export-readiness\">\n<h2>torch.export readiness</h2>\n<p class=\""
             << (readiness.ready ? "impact-ready" : "impact-blocks") << "\"><strong>" << htmlEscape(readiness.summary)
             << "</strong></p>\n";
        if (!readiness.items.empty()) {
            out_ << "<table>\n<thead><tr><th>Impact</th><th>Construct</th><th>Source</th><th>Finding</th><th>What to do</th></tr></thead>\n";
            for (const ExportItem& item : readiness.items) {
                out_ << "<tr><td class=\"impact-" << exportImpactName(item.impact) << "\">" << exportImpactName(item.impact)
                     << "</td><td><strong>" << htmlEscape(item.title) << "</strong><br>" << handoff::htmlWithCode(item.detail)
                     << "</td><td>";
                const std::string where = sourceText(item.source);
                if (!where.empty()) out_ << "<code>" << htmlEscape(where) << "</code>";
                out_ << "</td><td>";
                if (!item.findingId.empty())
                    out_ << htmlEscape(item.findingId) << " <code>" << htmlEscape(item.findingCategory) << "</code>";
                else
                    out_ << "<span class=\"note\">from the graph</span>";
                out_ << "</td><td>" << htmlEscape(item.action) << "</td></tr>\n";
            }
            out_ << "</table>\n";
        }
        if (!readiness.dynamicDims.empty()) {
            out_ << "<p>Dimensions forward's control flow reads, to declare with <code>torch.export.Dim</code>:</p>\n<ul>\n";
            for (const DynamicDim& dim : readiness.dynamicDims)
                out_ << "<li><code>" << htmlEscape(dim.argument) << "</code> dim " << dim.dim
                     << (dim.sampleSize >= 0 ? " (size " + std::to_string(dim.sampleSize) + " in the sample)" : std::string())
                     << "</li>\n";
            out_ << "</ul>\n";
        }
        out_ << "<h3>Export call</h3>\n<pre><code class=\"language-python\">" << htmlEscape(readiness.exportCode)
             << "</code></pre>\n<h3>What was checked</h3>\n<ul>\n";
        for (const std::string& line : readiness.checked) out_ << "<li>" << htmlEscape(line) << "</li>\n";
        out_ << "</ul>\n</section>\n";
    }

    // Where forward node `id` was written, "file:line", or "" when unknown.
    std::string nodeSource(int id) const {
        if (report_.methods.empty() || id < 0) return "";
        const std::vector<Node>& nodes = report_.methods.front().graph.nodes;
        return size_t(id) < nodes.size() ? sourceText(nodes[size_t(id)].source) : "";
    }

    // "if #12 (model.py:40): else" / "loop #14: 16 trips", each time it ran (the first few).
    std::string decisionHtml(const SweepDecision& decision) const {
        const bool branch = decision.kind == "prim::If";
        std::string taken;
        for (size_t i = 0; i < decision.taken.size() && i < 4; ++i)
            taken += (i ? ", " : "") + (branch ? std::string(decision.taken[i] ? "else" : "then")
                                               : std::to_string(decision.taken[i]) + " trips");
        if (decision.taken.size() > 4) taken += ", ...";
        const std::string where = nodeSource(decision.node);
        return std::string(branch ? "if" : "loop") + " #" + std::to_string(decision.node) +
               (where.empty() ? "" : " (" + htmlEscape(where) + ")") + ": " + taken;
    }

    // What one input shape did. A small forward lists every if and loop; a big one (MobileNetV2
    // runs hundreds, in PyTorch's own code) counts them and lists only where it left the sample's path.
    std::string decisionsHtml(const SweepPoint& point) const {
        constexpr size_t kListedAll = 8;
        if (point.decisions.empty()) return "<span class=\"note\">no if or loop ran</span>";
        auto diverged = [&](int node) {
            return std::find(point.divergedNodes.begin(), point.divergedNodes.end(), node) != point.divergedNodes.end();
        };
        std::string text;
        size_t branches = 0, loops = 0;
        for (const SweepDecision& decision : point.decisions) {
            (decision.kind == "prim::If" ? branches : loops) += 1;
            const bool differs = diverged(decision.node);
            if (point.decisions.size() > kListedAll && !differs) continue;
            text += (text.empty() ? "" : "<br>") + std::string(differs ? "<strong>" : "") + decisionHtml(decision) +
                    (differs ? "</strong>" : "");
        }
        if (point.decisions.size() <= kListedAll) return text;
        const std::string counted = std::to_string(branches) + (branches == 1 ? " if, " : " ifs, ") + std::to_string(loops) +
                                    (loops == 1 ? " loop" : " loops");
        if (!point.ran) return counted + " ran before it failed";
        if (text.empty()) return counted + (point.sample ? ": the reference path" : ": the same path as the sample");
        return counted + "; another path than the sample at:<br>" + text;
    }

    std::string failureHtml(const SweepPoint& point) const {
        std::string where;
        if (point.errorNode >= 0) {
            const std::string source = nodeSource(point.errorNode);
            where = " at #" + std::to_string(point.errorNode) + (source.empty() ? "" : " (" + htmlEscape(source) + ")");
        }
        return "failed" + where + ": " + htmlEscape(point.error);
    }

    void sweepSection() {
        const ShapeSweep& sweep = report_.sweep;
        out_ << "<section id=\"sweep\">\n<h2>Shape sweep</h2>\n";
        if (!sweep.requested) {
            out_ << "<p class=\"note\">Not run: add <code>--sweep</code> to run the model at other batch sizes, image sizes "
                    "or sequence lengths.</p>\n</section>\n";
            return;
        }
        if (!sweep.problem.empty()) {
            out_ << "<p class=\"note\">Not run: " << htmlEscape(sweep.problem) << "</p>\n</section>\n";
            return;
        }
        out_ << "<p>Forward at " << sweep.points.size() << " input shapes ("
             << htmlEscape(sweep.spec.empty() ? "derived from the sample inputs" : sweep.spec) << "): "
             << sweepFailures(sweep) << " failed, " << sweepDivergences(sweep)
             << " took another branch or loop count than the sample input. Measured on this host with the full JIT.</p>\n"
             << "<table>\n<thead><tr><th>Shape</th><th>Inputs</th><th>Result</th><th>Outputs</th><th>Branches and loops</th></tr></thead>\n";
        for (const SweepPoint& point : sweep.points) {
            std::string inputs, outputs;
            for (const std::string& spec : point.inputs) inputs += (inputs.empty() ? "" : " + ") + spec;
            for (const auto& shape : point.outputShapes) outputs += (outputs.empty() ? "" : ", ") + formatShape(shape);
            out_ << "<tr><td>" << htmlEscape(point.label) << (point.sample ? " (sample)" : "") << "</td><td><code>"
                 << htmlEscape(inputs) << "</code></td><td class=\""
                 << (point.ran ? (point.diverged ? "sev-warning" : "") : "sev-error") << "\">"
                 << (point.ran ? (point.diverged ? "ran, another path" : "ran") : failureHtml(point))
                 << "</td><td>" << htmlEscape(outputs) << "</td><td>" << decisionsHtml(point) << "</td></tr>\n";
        }
        out_ << "</table>\n</section>\n";
    }

    void variantsSection() {
        out_ << "<section id=\"variants\">\n<h2>Variants (" << input_.variants.size() << ")</h2>\n";
        if (input_.variants.empty()) {
            const bool bytecodeOnly = report_.format == "lite" && !report_.methods.empty() &&
                                      report_.methods.front().origin == "unknown";
            out_ << "<p class=\"note\">"
                 << (bytecodeOnly ? "No conversions: Lite Interpreter bytecode without TorchScript code cannot be converted "
                                    "again, so this file is reviewed as it is."
                                  : "No conversions were made for this review.")
                 << "</p>\n";
            if (!input_.sourceLatency) {
                out_ << "</section>\n";
                return;
            }
        }
        out_ << "<table>\n<thead><tr><th>Variant</th><th>Settings</th><th class=\"num\">Size</th><th>Latency</th>"
                "<th>Error against float</th></tr></thead>\n";
        if (input_.sourceLatency)
            out_ << "<tr><td>source model</td><td>as given</td><td class=\"num\">"
                 << htmlEscape(humanBytes(uint64_t(report_.fileBytes))) << "</td><td>"
                 << latencyHtml(*input_.sourceLatency) << "</td><td>reference</td></tr>\n";
        for (const ReviewVariant& variant : input_.variants) {
            out_ << "<tr><td><strong>" << htmlEscape(variant.name) << "</strong></td><td>" << htmlEscape(settingsText(variant))
                 << "</td>";
            if (!variant.error.empty()) {
                out_ << "<td colspan=\"3\" class=\"sev-error\">failed: " << htmlEscape(variant.error) << "</td></tr>\n";
                continue;
            }
            out_ << "<td class=\"num\">" << htmlEscape(humanBytes(uint64_t(variant.result.outputBytes))) << "<br>"
                 << ratio(variant.result.outputBytes, variant.result.inputBytes) << "</td><td>"
                 << (variant.latency ? latencyHtml(*variant.latency)
                                  : std::string(report_.inputs.empty() ? "not measured: no sample inputs" : "not measured")) << "</td><td>"
                 << htmlEscape(errorText(variant.result.verification)) << "</td></tr>\n";
        }
        out_ << "</table>\n";
        measuredWhere();
        for (const ReviewVariant& variant : input_.variants)
            if (variant.error.empty()) variantDetails(variant);
        out_ << "</section>\n";
    }

    void measuredWhere() {
        std::vector<std::string> places;
        auto add = [&](const std::optional<BenchResult>& latency) {
            if (!latency) return;
            const std::string place = whereMeasured(*latency);
            for (const std::string& known : places)
                if (known == place) return;
            places.push_back(place);
        };
        add(input_.sourceLatency);
        for (const ReviewVariant& variant : input_.variants) add(variant.latency);
        for (const std::string& place : places)
            out_ << "<p class=\"note\">Latency measured on " << htmlEscape(place)
                 << ": host latency, not phone latency; compare the variants with each other, and measure on the "
                    "phone before quoting a figure.</p>\n";
    }

    void variantDetails(const ReviewVariant& variant) {
        const ConvertResult& result = variant.result;
        out_ << "<h3>" << htmlEscape(variant.name) << "</h3>\n<p>";
        if (result.verification.compared)
            out_ << "Exported to bytecode v" << result.bytecodeVersion
                 << ", reloaded in the Lite Interpreter; its outputs match the converted model (max abs difference "
                 << htmlEscape(handoff::shortFloat(result.verification.maxAbsDiff)) << ", tolerance "
                 << htmlEscape(handoff::shortFloat(result.verification.tolerance)) << ").";
        else
            out_ << "Exported to bytecode v" << result.bytecodeVersion << " and reloaded in the Lite Interpreter; outputs not "
                    "compared (no sample inputs).";
        out_ << "</p>\n";
        for (const std::string& warning : result.warnings) out_ << "<p class=\"sev-warning\">" << htmlEscape(warning) << "</p>\n";
        if (!result.verification.opErrors.empty())
            out_ << "<p>Per-layer SQNR against the float layer it replaced (dB, higher is better; below 20 dB is marked):</p>\n"
                 << handoff::sqnrPlotSvg(result.verification.opErrors) << "\n" << lowestSqnrHtml(result.verification.opErrors);
        out_ << "<p>" << result.operators.size() << " root operators, what a selective PyTorch Mobile build of this variant needs:</p>\n<ul class=\"ops\">\n";
        for (const std::string& op : result.operators) out_ << "<li>" << htmlEscape(op) << "</li>\n";
        out_ << "</ul>\n";
    }

    // The plot's bars carry their layer only as a tooltip, which print loses: the worst by name.
    static std::string lowestSqnrHtml(std::vector<OpError> errors) {
        constexpr size_t kShown = 5;
        std::sort(errors.begin(), errors.end(), [](const OpError& a, const OpError& b) { return a.sqnrDb < b.sqnrDb; });
        std::string html = "<p>Lowest SQNR: ";
        for (size_t i = 0; i < errors.size() && i < kShown; ++i)
            html += (i ? ", " : "") + std::string("<code>") + htmlEscape(errors[i].module.empty() ? "(top module)" : errors[i].module) +
                    "</code> " + htmlEscape(errors[i].op) + " " + handoff::fixed(errors[i].sqnrDb, 1) + " dB";
        return html + (errors.size() > kShown ? " (lowest " + std::to_string(kShown) + " of " + std::to_string(errors.size()) + ")" : "") +
               ".</p>\n";
    }

    void integrationSection() {
        const IntegrationSettings settings = integrationSettingsFor(input_, verdict_);
        out_ << "<section id=\"integration\">\n<h2>Integration code</h2>\n<p class=\"note\">For <code>"
             << htmlEscape(settings.assetName) << "</code>";
        if (verdict_.verifiedVariant >= 0)
            out_ << " (the " << htmlEscape(input_.variants[size_t(verdict_.verifiedVariant)].name) << " variant)";
        out_ << ", its input shapes and normalization.</p>\n";
        for (const CodeSnippet& snippet : integrationSnippets(report_, settings))
            out_ << "<div class=\"snippet\" id=\"" << snippet.id << "\">\n<h3>" << htmlEscape(snippet.title)
                 << "</h3>\n<pre><code class=\"language-" << snippet.language << "\">" << htmlEscape(snippet.code)
                 << "</code></pre>\n</div>\n";
        out_ << "</section>\n";
    }

    void reproducibilitySection() {
        out_ << "<section id=\"reproducibility\">\n<h2>Reproducibility</h2>\n<table>\n";
        row("Tool", htmlEscape(report_.tool));
        const std::string libtorch = libtorchVersion(input_);
        row("LibTorch", libtorch.empty() ? "<span class=\"note\">no measurement in this review</span>" : htmlEscape(libtorch));
        if (!input_.producedBy.empty()) row("Produced by", "<code>" + htmlEscape(input_.producedBy) + "</code>");
        row("Created", htmlEscape(input_.createdAt));
        std::string inputs;
        for (const InputInfo& in : report_.inputs)
            inputs += (inputs.empty() ? "" : ", ") + in.argument + " " + (in.shape.empty() ? "?" : formatShape(in.shape)) + ":" +
                      in.dtype + " (" + in.source + ")";
        row("Sample inputs", htmlEscape(inputs.empty() ? "none" : inputs) +
                                 "<br><span class=\"note\">generated values are drawn after torch.manual_seed(0): the same "
                                 "shapes give the same inputs</span>");
        for (const ReviewVariant& variant : input_.variants)
            row("Options: " + htmlEscape(variant.name), "<code>" + htmlEscape(settingsText(variant)) + "</code>");
        out_ << "</table>\n<h3>SHA-256</h3>\n<table>\n<thead><tr><th>What</th><th>File</th><th class=\"num\">Bytes</th><th>SHA-256</th></tr></thead>\n";
        for (const FileDigest& digest : input_.digests)
            out_ << "<tr><td>" << htmlEscape(digest.role) << "</td><td><code>" << htmlEscape(baseName(digest.path))
                 << "</code></td><td class=\"num\">" << handoff::groupedInteger(digest.bytes) << "</td><td><code>"
                 << (digest.problem.empty() ? htmlEscape(digest.sha256) : htmlEscape(digest.problem)) << "</code></td></tr>\n";
        out_ << "</table>\n";
        if (!input_.variants.empty())
            out_ << "<p class=\"note\">The variants' files are not kept with the report: <code>ptl-studio-cli convert</code> "
                    "with a variant's options writes the same bytes (the conversion is deterministic, random calibration "
                    "data included), so its digest above identifies the file to ship.</p>\n";
        out_ << "</section>\n";
    }
};

}  // namespace

std::optional<int64_t> reportMacs(const Report& report) {
    if (!report.compute.measured) return std::nullopt;  // no sample run, so no shapes to count from
    return report.compute.total.macs;
}

Verdict reviewVerdict(const ReviewInput& input) {
    Verdict verdict;
    for (const Finding& finding : input.report.findings)
        if (finding.severity == Severity::Error) verdict.blocking.push_back(&finding);
    for (size_t i = 0; i < input.variants.size() && verdict.verifiedVariant < 0; ++i)
        if (input.variants[i].error.empty() && input.variants[i].result.verification.compared) verdict.verifiedVariant = int(i);

    for (const ReviewVariant& variant : input.variants) {
        const Verification& figures = variant.result.verification;
        if (!variant.error.empty() || figures.quantizationCosine < 0) continue;
        // Thresholds where a classifier's answers visibly change; trained weights and real
        // calibration data decide whether they hold.
        if (figures.quantizationCosine < 0.99 || (figures.top1Agreement >= 0 && figures.top1Agreement < 0.95))
            verdict.cautions.push_back("the " + variant.name + " variant's outputs differ from the float model's (cosine " +
                                       handoff::fixed(figures.quantizationCosine, 4) +
                                       (figures.top1Agreement >= 0
                                            ? ", top-1 agreement " + handoff::fixed(100 * figures.top1Agreement, 1) + "%"
                                            : std::string()) +
                                       "): check it on real data before shipping it.");
    }
    if (const int failed = sweepFailures(input.report.sweep)) {
        std::string shapes;
        for (const SweepPoint& point : input.report.sweep.points)
            if (!point.ran) shapes += (shapes.empty() ? "" : ", ") + point.label;
        verdict.cautions.push_back("forward fails at " + shapes + " (" + std::to_string(failed) + " of " +
                                   std::to_string(input.report.sweep.points.size()) +
                                   " shapes of the shape sweep): make sure the app feeds only shapes that run.");
    }
    const std::string blocking = std::to_string(verdict.blocking.size()) +
                                 (verdict.blocking.size() == 1 ? " blocking finding" : " blocking findings");
    if (!verdict.blocking.empty()) {
        verdict.summary = blocking + " (errors): the Lite Interpreter rejects or mis-runs this model until they are fixed.";
        return verdict;
    }
    if (verdict.verifiedVariant >= 0) {
        const ReviewVariant& variant = input.variants[size_t(verdict.verifiedVariant)];
        verdict.ships = true;
        verdict.summary = "No blocking findings; the " + variant.name + " variant was exported to bytecode v" +
                          std::to_string(variant.result.bytecodeVersion) +
                          ", reloaded in the Lite Interpreter and its outputs matched the converted model.";
        return verdict;
    }
    if (!input.variants.empty()) {
        const auto exported = std::find_if(input.variants.begin(), input.variants.end(),
                                           [](const ReviewVariant& variant) { return variant.error.empty(); });
        verdict.summary = exported == input.variants.end()
                              ? "No variant was verified in the Lite Interpreter: every conversion failed (see Variants)."
                              : "No variant was verified in the Lite Interpreter: the " + exported->name +
                                    " variant was exported and reloaded, but without sample inputs its outputs were not "
                                    "compared; give them with --input (Model > Sample Inputs in the window).";
        return verdict;
    }
    const RoundTrip& trip = input.report.roundTrip;
    if (input.report.format == "lite" || (trip.attempted && trip.reloaded && (!trip.compared || trip.matched))) {
        verdict.ships = true;
        verdict.summary = input.report.format == "lite"
                              ? "No blocking findings in this Lite Interpreter file."
                              : "No blocking findings; the inspection's export to Lite bytecode reloaded in the Lite Interpreter" +
                                    std::string(trip.compared ? " and matched the model's outputs." : ".");
        return verdict;
    }
    verdict.summary = trip.attempted ? "The export to Lite bytecode did not round-trip: " + trip.error
                                     : "Not exported to the Lite Interpreter in this review.";
    return verdict;
}

std::string reviewReportHtml(const ReviewInput& input) { return HtmlWriter(input).write(); }

}  // namespace ptl
