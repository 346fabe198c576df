#include "engine/fan_out.h"

#include <charconv>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "engine/fan_out_parts.h"

namespace wprun::engine {
namespace {

using namespace fan_out_parts;

constexpr const char* plan_entry = "wprun.fan_out";

fan_out* plan_of(const wprun_config* config) {
    for (size_t i = 0; config != nullptr && i < config->count; ++i) {
        if (std::strcmp(config->entries[i].name, plan_entry) != 0) continue;
        const char* text = config->entries[i].value;
        uintptr_t address = 0;
        auto [end, ec] = std::from_chars(text, text + std::strlen(text), address);
        if (ec == std::errc() && *end == '\0') return reinterpret_cast<fan_out*>(address);
    }
    return nullptr;
}

void destroy_branches(instance& in, size_t created) noexcept {
    for (size_t b = 0; b < created; ++b) in.plan->branches()[b].def->destroy(in.branches[b]);
}

wprun_status create_branch(instance& in, size_t b, wprun_error* error) {
    const branch_config& branch = in.plan->branches()[b];
    std::vector<wprun_config_entry> entries;
    for (const auto& [k, v] : branch.config) entries.push_back({k.c_str(), v.c_str()});
    wprun_config config{sizeof(wprun_config), entries.data(), entries.size(),
                        in.contexts[b].name.c_str()};
    char message[message_capacity] = {};
    wprun_error inner{message, sizeof message};
    wprun_status st = branch.def->create(&in.contexts[b], &config, &in.branches[b], &inner);
    if (st != WPRUN_OK) name_failure(*error, branch.name, message);
    return st;
}

wprun_status create(const wprun_stage_context* ctx,
                    const wprun_config* config,
                    void** out,
                    wprun_error* error) noexcept {
    try {
        fan_out* plan = plan_of(config);
        if (plan == nullptr) {
            write(*error, "fan-out: no branches were given (the host builds this processor)");
            return WPRUN_INVALID_CONFIG;
        }
        auto in = std::make_unique<instance>();
        in->plan = plan;
        size_t n = plan->branches().size();
        std::string stage = ctx != nullptr ? ctx->name : config->stage_name;
        in->contexts.resize(n);
        in->branches.assign(n, nullptr);
        for (size_t b = 0; b < n; ++b) {
            in->contexts[b].name = stage + "/" + plan->branches()[b].name;
            if (create_branch(*in, b, error) != WPRUN_OK) {
                destroy_branches(*in, b);
                return WPRUN_INVALID_CONFIG;
            }
        }
        *out = in.release();
        return WPRUN_OK;
    } catch (const std::exception& e) {
        write(*error, std::string("fan-out: ") + e.what());
        return WPRUN_INVALID_CONFIG;
    }
}

void destroy(void* p) {
    auto* in = static_cast<instance*>(p);
    destroy_branches(*in, in->branches.size());
    delete in;
}

void destroy_states(instance& in, worker& w) noexcept {
    const auto& branches = in.plan->branches();
    for (size_t b = 0; b < branches.size(); ++b)
        if (branches[b].def->worker_destroy != nullptr && w.states[b] != nullptr)
            branches[b].def->worker_destroy(in.branches[b], w.states[b]);
}

wprun_status worker_create(void* p, void** out, wprun_error* error) noexcept {
    auto& in = *static_cast<instance*>(p);
    const auto& branches = in.plan->branches();
    try {
        auto w = std::make_unique<worker>();
        size_t n = branches.size();
        w->states.assign(n, nullptr);
        w->parts.resize(n);
        w->done.assign(n, 0);
        w->counts.resize(n);
        for (size_t b = 0; b < n; ++b) {
            if (branches[b].def->worker_create == nullptr) continue;
            w->message[0] = '\0';
            wprun_error inner{w->message, sizeof w->message};
            wprun_status st = branches[b].def->worker_create(in.branches[b], &w->states[b], &inner);
            if (st == WPRUN_OK) continue;
            name_failure(*error, branches[b].name, w->message);
            w->states[b] = nullptr;
            destroy_states(in, *w);
            return st;
        }
        *out = w.release();
        return WPRUN_OK;
    } catch (const std::exception& e) {
        write(*error, std::string("fan-out: ") + e.what());
        return WPRUN_FATAL;
    }
}

void worker_destroy(void* p, void* state) {
    auto& in = *static_cast<instance*>(p);
    auto* w = static_cast<worker*>(state);
    destroy_states(in, *w);
    in.plan->add_counts(w->counts, w->unrouted);
    delete w;
}

/// Every branch's flush, in file order, with that branch's states of every worker.
wprun_status flush(
    void* p, void* const* workers, size_t count, wprun_emitter* out, wprun_error* error) noexcept {
    auto& in = *static_cast<instance*>(p);
    const auto& branches = in.plan->branches();
    try {
        worker scratch;
        std::vector<item> parts;
        std::vector<branch_counts> counts(branches.size());
        for (size_t b = 0; b < branches.size(); ++b) {
            if (branches[b].def->flush == nullptr) continue;
            std::vector<void*> states(count, nullptr);
            for (size_t k = 0; k < count; ++k)
                if (workers[k] != nullptr) states[k] = static_cast<worker*>(workers[k])->states[b];
            parts.clear();
            arm(scratch.inner, *out, &parts);
            wprun_error inner{scratch.message, sizeof scratch.message};
            wprun_status st = branches[b].def->flush(in.branches[b], states.data(), count,
                                                     &scratch.inner, &inner);
            if ((st = check_emits(scratch, st)) != WPRUN_OK) {
                name_failure(*error, branches[b].name, scratch.message);
                return st;
            }
            counts[b].outputs += parts.size();
            for (item& o : parts) out->out->push_back(std::move(o));
        }
        in.plan->add_counts(counts, 0);
        return WPRUN_OK;
    } catch (const std::exception& e) {
        write(*error, std::string("fan-out: ") + e.what());
        return WPRUN_FATAL;
    }
}

}  // namespace

fan_out::fan_out(fan_out_mode mode, std::vector<branch_config> branches)
    : mode_(mode), branches_(std::move(branches)) {
    if (mode_ == fan_out_mode::none || branches_.empty())
        throw std::invalid_argument("a fan-out needs broadcast or route, and branches");
    std::vector<std::string> names;
    uint32_t max_workers = 0;
    bool any_flush = false;
    for (const branch_config& b : branches_) {
        if (b.def == nullptr) throw std::invalid_argument("fan-out branch without a processor");
        names.push_back(b.name);
        if (b.def->max_workers != 0 && (max_workers == 0 || b.def->max_workers < max_workers))
            max_workers = b.def->max_workers;
        any_flush = any_flush || b.def->flush != nullptr;
    }
    text_ = fan_out_text(mode_, names);
    description_ = "fan-out to " + std::to_string(branches_.size()) + " branches";
    tallies_ = std::make_unique<tally[]>(branches_.size());
    def_.struct_size = sizeof(wprun_processor_def);
    def_.name = text_.c_str();
    def_.description = description_.c_str();
    def_.max_workers = max_workers;
    def_.create = &create;
    def_.destroy = &destroy;
    def_.worker_create = &worker_create;
    def_.worker_destroy = &worker_destroy;
    def_.process = &process;
    def_.process_batch = &process_batch;
    def_.flush = any_flush ? &flush : nullptr;
}

std::vector<std::pair<std::string, std::string>> fan_out::stage_config_entries() const {
    return {{plan_entry, std::to_string(reinterpret_cast<uintptr_t>(this))}};
}

std::vector<branch_counts> fan_out::counts() const {
    std::vector<branch_counts> out;
    for (size_t b = 0; b < branches_.size(); ++b) {
        const tally& t = tallies_[b];
        out.push_back({branches_[b].name, t.items.load(std::memory_order_relaxed),
                       t.outputs.load(std::memory_order_relaxed),
                       t.errors.load(std::memory_order_relaxed)});
    }
    return out;
}

void fan_out::add_counts(const std::vector<branch_counts>& per_branch, uint64_t unrouted) noexcept {
    for (size_t b = 0; b < per_branch.size() && b < branches_.size(); ++b) {
        tallies_[b].items.fetch_add(per_branch[b].items, std::memory_order_relaxed);
        tallies_[b].outputs.fetch_add(per_branch[b].outputs, std::memory_order_relaxed);
        tallies_[b].errors.fetch_add(per_branch[b].errors, std::memory_order_relaxed);
    }
    unrouted_.fetch_add(unrouted, std::memory_order_relaxed);
}

}  // namespace wprun::engine
