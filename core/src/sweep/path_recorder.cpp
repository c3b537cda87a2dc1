// The path-recording copy of forward; see path_recorder.h.
#include "sweep/path_recorder.h"

#include "common/torch_text.h"
#include "session/forward_recorder.h"
#include "session/plain_run.h"
#include "session/sample_values.h"

#include <map>

namespace ptl::detail {

using torch::jit::Block;
using torch::jit::Node;
using torch::jit::Value;

namespace {

// An event is node id * 8 + what happened.
enum Event : int64_t { kDone = 0, kThen = 1, kElse = 2, kLoopEntry = 3, kLoopIteration = 4 };
constexpr int64_t kEvents = 8;

void collect(const Block* block, std::vector<const Node*>& out) {
    for (const Node* node : block->nodes()) {
        out.push_back(node);
        for (const Block* inner : node->blocks()) collect(inner, out);
    }
}

void collectMutable(Block* block, std::vector<Node*>& out) {
    for (Node* node : block->nodes()) {
        out.push_back(node);
        for (Block* inner : node->blocks()) collectMutable(inner, out);
    }
}

bool isConstant(const Node* node) { return node->kind() == c10::prim::Constant; }

// The first node of a block that does work, or nullptr.
const Node* firstWorking(const Block* block) {
    for (const Node* node : block->nodes())
        if (!isConstant(node)) return node;
    return nullptr;
}

// The node that runs after `node` in its block, or the node holding the block at its end.
const Node* nextWorking(const Node* node) {
    for (const Node* next = node->next(); next != node->owningBlock()->return_node(); next = next->next())
        if (!isConstant(next)) return next;
    return node->owningBlock()->owningNode();
}

}  // namespace

std::vector<const Node*> preorderNodes(const torch::jit::Graph& graph) {
    std::vector<const Node*> nodes;
    collect(graph.block(), nodes);
    return nodes;
}

PathRecorder::PathRecorder(const torch::jit::Module& module, std::shared_ptr<torch::jit::Graph> forward)
    : module_(module), forward_(std::move(forward)), nodes_(preorderNodes(*forward_)), paths_(instrument(false)) {}

std::unique_ptr<torch::jit::GraphFunction> PathRecorder::instrument(bool everyNode) const {
    std::shared_ptr<torch::jit::Graph> graph = forward_->copy();
    std::vector<Node*> copies;
    collectMutable(graph->block(), copies);  // the same order: index == id
    torch::jit::Value* events = graph->addInput("path_events");
    events->setType(c10::ListType::ofInts());

    // append(events, id * 8 + event), placed by `place`.
    auto record = [&](int64_t code, auto&& place) {
        Node* constant = graph->create(c10::prim::Constant);
        constant->i_(c10::attr::value, code);
        constant->output()->setType(c10::IntType::get());
        Node* append = graph->create(c10::aten::append, {events, constant->output()});
        append->output()->setType(events->type());
        place(constant, append);
    };
    auto atStart = [](Block* block) {
        return [block](Node* constant, Node* append) {
            block->prependNode(append);
            block->prependNode(constant);
        };
    };
    for (size_t id = 0; id < copies.size(); ++id) {
        Node* node = copies[id];
        if (isConstant(node)) continue;
        const int64_t base = static_cast<int64_t>(id) * kEvents;
        if (node->kind() == c10::prim::If) {
            record(base + kThen, atStart(node->blocks()[0]));
            record(base + kElse, atStart(node->blocks()[1]));
        } else if (node->kind() == c10::prim::Loop) {
            record(base + kLoopEntry, [node](Node* constant, Node* append) {
                constant->insertBefore(node);
                append->insertBefore(node);
            });
            record(base + kLoopIteration, atStart(node->blocks()[0]));
        }
        if (everyNode && node->kind() != c10::prim::RaiseException)
            record(base + kDone, [node](Node* constant, Node* append) {
                constant->insertAfter(node);
                append->insertAfter(constant);
            });
    }
    // Other shapes are what qnnpack's linear layers corrupt memory on: each gets its guard.
    for (Node* node : copies) {
        Value* guard = guardFeatureCount(module_, *graph, node);
        if (guard && node->owningBlock() == graph->block()) graph->registerOutput(guard);  // kept alive, never read
    }
    return tupleFunction(everyNode ? "forward_progress" : "forward_path", graph);
}

bool PathRecorder::runWith(torch::jit::GraphFunction& function, const std::vector<c10::IValue>& inputs,
                           c10::List<int64_t>& events, c10::IValue& output, std::string& error) const {
    std::vector<c10::IValue> arguments = cloneInputs(inputs);
    arguments.emplace_back(events);  // shares the list: what a failed run appended stays readable
    try {
        output = runPlainly(function, module_, arguments).front();
        return true;
    } catch (const std::exception& failure) {
        error = errorText(failure);
        return false;
    }
}

RecordedPath PathRecorder::run(const std::vector<c10::IValue>& inputs) {
    c10::List<int64_t> events;
    RecordedPath path;
    path.ran = runWith(*paths_, inputs, events, path.output, path.error);
    if (!path.ran) {
        if (!progress_) progress_ = instrument(true);
        c10::List<int64_t> progress;
        c10::IValue ignored;
        std::string again;
        // The same inputs fail the same way (forward is deterministic enough for where it stops).
        if (!runWith(*progress_, inputs, progress, ignored, again)) path.errorNode = failingNode(progress);
    }
    std::map<int, SweepDecision> decisions;
    for (const int64_t event : events) {
        const int id = static_cast<int>(event / kEvents);
        const int64_t what = event % kEvents;
        SweepDecision& decision = decisions[id];
        decision.node = id;
        decision.kind = what == kThen || what == kElse ? "prim::If" : "prim::Loop";
        if (what == kThen || what == kElse) decision.taken.push_back(what == kThen ? 0 : 1);
        else if (what == kLoopEntry) decision.taken.push_back(0);
        else if (!decision.taken.empty()) ++decision.taken.back();
    }
    for (auto& [id, decision] : decisions) path.decisions.push_back(std::move(decision));
    return path;
}

// The run stopped after its last event: the op that raised is the next one to run.
int PathRecorder::failingNode(const c10::List<int64_t>& events) const {
    const Node* failed = nullptr;
    if (events.empty()) {
        failed = nodes_.empty() ? nullptr : firstWorking(nodes_.front()->owningBlock());
    } else {
        const int64_t last = events.get(events.size() - 1);
        const Node* node = nodes_.at(static_cast<size_t>(last / kEvents));
        switch (last % kEvents) {
        case kDone: failed = nextWorking(node); break;
        case kThen: failed = firstWorking(node->blocks()[0]); break;
        case kElse: failed = firstWorking(node->blocks()[1]); break;
        default: failed = firstWorking(node->blocks()[0]); break;
        }
        if (!failed) failed = node;
    }
    for (size_t id = 0; id < nodes_.size(); ++id)
        if (nodes_[id] == failed) return static_cast<int>(id);
    return -1;
}

}  // namespace ptl::detail
