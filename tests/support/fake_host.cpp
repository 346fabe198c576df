#include "support/fake_host.h"

#include <cstring>
#include <stdexcept>

#include "config/options_check.h"

// The plugin under test, linked into the same executable.
extern "C" const wprun_plugin_info* wprun_plugin_init(const wprun_host_api* host,
                                                      wprun_error* error);

// The opaque handles of the ABI, defined here the way the fake host needs them.
struct wprun_stage_context {
    wprun::testing::fake_host* host;
};

struct wprun_emitter {
    wprun::testing::fake_host* host;
    std::vector<std::string>* outputs;
    uint64_t* retry_after_ns;
};

namespace wprun::testing {
namespace {

// Logging without a stage context (a plugin's default `logger`) still has to land somewhere.
fake_host* current_host = nullptr;

constexpr size_t message_capacity = 1024;

void log_line_cb(const wprun_stage_context* ctx,
                 wprun_log_level level,
                 const char* message,
                 size_t size) {
    fake_host* host = ctx ? ctx->host : current_host;
    if (host) host->add_log(level, std::string_view(message, size));
}

int emit_cb(wprun_emitter* out, const char* data, size_t size) {
    out->outputs->emplace_back(data, size);
    return out->host->should_stop() ? 1 : 0;
}

// The fake host runs no batches: `select` has nothing to route.
void select_cb(wprun_emitter*, size_t) {}

int should_stop_cb(const wprun_emitter* out) { return out->host->should_stop() ? 1 : 0; }

uint64_t deadline_cb(const wprun_emitter* out) { return out->host->deadline_ns(); }

void retry_after_cb(wprun_emitter* out, uint64_t delay_ns) {
    if (out->retry_after_ns) *out->retry_after_ns = delay_ns;
}

bool has_entry(const config_list& config, std::string_view name) {
    for (const auto& [n, v] : config)
        if (n == name) return true;
    return false;
}

bool in_schema(const wprun_processor_def& def, std::string_view name) {
    for (size_t i = 0; i < def.config_field_count; ++i)
        if (name == def.config_fields[i]->name) return true;
    return false;
}

// What the real host does before `create`: reject unknown and missing fields, fill defaults.
std::string complete_config(const wprun_processor_def& def, config_list& config) {
    for (const auto& entry : config)
        if (!in_schema(def, entry.first)) return "unknown config field '" + entry.first + "'";
    for (size_t i = 0; i < def.config_field_count; ++i) {
        const wprun_config_field& f = *def.config_fields[i];
        if (has_entry(config, f.name)) continue;
        if (f.required) return std::string("missing required config field '") + f.name + "'";
        if (!f.default_value) continue;
        // Defaults are declared in user form ("10s", "8MiB"); the host hands plugins canonical
        // values, with the very same conversion as for values a pipeline sets.
        auto value = wprun::config::canonical_value(f.type, f.default_value);
        if (!value) return std::string("bad default for config field '") + f.name + "'";
        config.emplace_back(f.name, *value);
    }
    return {};
}

}  // namespace

struct fake_host::stage {
    const wprun_processor_def* def = nullptr;
    wprun_stage_context context{};
    void* instance = nullptr;
    std::vector<void*> workers;
};

fake_host::fake_host() {
    api_.struct_size = sizeof(wprun_host_api);
    api_.abi_version = WPRUN_ABI_VERSION;
    api_.log = &log_line_cb;
    api_.emit = &emit_cb;
    api_.select = &select_cb;
    api_.should_stop = &should_stop_cb;
    api_.deadline_ns = &deadline_cb;
    api_.retry_after = &retry_after_cb;
    char message[message_capacity] = {};
    wprun_error error{message, sizeof message};
    info_ = wprun_plugin_init(&api_, &error);
    if (info_ == nullptr) throw std::runtime_error(std::string("plugin init failed: ") + message);
    current_host = this;
}

fake_host::~fake_host() {
    destroy_stage();
    if (current_host == this) current_host = nullptr;
}

const wprun_processor_def* fake_host::find(std::string_view name) const noexcept {
    for (size_t i = 0; i < info_->processor_count; ++i)
        if (name == info_->processors[i]->name) return info_->processors[i];
    return nullptr;
}

void fake_host::offer_retry_after(bool offer) noexcept {
    api_.retry_after = offer ? &retry_after_cb : nullptr;
}

void fake_host::add_log(wprun_log_level level, std::string_view message) {
    logs_.push_back({level, std::string(message)});
}

void fake_host::destroy_stage() noexcept {
    if (!stage_) return;
    for (void* w : stage_->workers)
        if (stage_->def->worker_destroy) stage_->def->worker_destroy(stage_->instance, w);
    if (stage_->instance) stage_->def->destroy(stage_->instance);
    stage_.reset();
}

fake_result fake_host::create(std::string_view processor,
                              const config_list& config,
                              size_t workers) {
    destroy_stage();
    const wprun_processor_def* def = find(processor);
    if (def == nullptr)
        return {WPRUN_INVALID_CONFIG, {}, "no processor '" + std::string(processor) + "'"};
    config_list complete = config;
    if (std::string why = complete_config(*def, complete); !why.empty())
        return {WPRUN_INVALID_CONFIG, {}, why};

    std::vector<wprun_config_entry> entries;
    for (const auto& [name, value] : complete) entries.push_back({name.c_str(), value.c_str()});
    wprun_config cfg{sizeof(wprun_config), entries.data(), entries.size(), "test-stage"};

    auto s = std::make_unique<stage>();
    s->def = def;
    s->context.host = this;
    char message[message_capacity] = {};
    wprun_error error{message, sizeof message};
    wprun_status st = def->create(&s->context, &cfg, &s->instance, &error);
    if (st != WPRUN_OK) return {st, {}, message};
    stage_ = std::move(s);
    for (size_t i = 0; i < workers; ++i) {
        void* w = nullptr;
        if (def->worker_create) {
            st = def->worker_create(stage_->instance, &w, &error);
            if (st != WPRUN_OK) return {st, {}, message};
        }
        stage_->workers.push_back(w);
    }
    return {};
}

fake_result fake_host::process(std::string_view payload,
                               std::string_view key,
                               uint64_t seq,
                               uint32_t attempt,
                               size_t worker,
                               int32_t priority) {
    if (!stage_ || worker >= stage_->workers.size())
        throw std::logic_error("fake_host::process: no stage or no such worker");
    fake_result r;
    wprun_emitter out{this, &r.outputs, &r.retry_after_ns};
    wprun_job job{
        sizeof(wprun_job), {payload.data(), payload.size()}, {key.data(), key.size()}, seq, attempt,
        priority};
    char message[message_capacity] = {};
    wprun_error error{message, sizeof message};
    r.status = stage_->def->process(stage_->instance, stage_->workers[worker], &job, &out, &error);
    r.message = message;
    return r;
}

fake_result fake_host::flush() {
    if (!stage_) throw std::logic_error("fake_host::flush: no stage");
    fake_result r;
    if (!stage_->def->flush) return r;
    wprun_emitter out{this, &r.outputs, nullptr};
    char message[message_capacity] = {};
    wprun_error error{message, sizeof message};
    r.status = stage_->def->flush(stage_->instance, stage_->workers.data(), stage_->workers.size(),
                                  &out, &error);
    r.message = message;
    return r;
}

}  // namespace wprun::testing
