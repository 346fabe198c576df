#include "cli/failure_log.h"

namespace wprun::cli {

failure_log::failure_log(engine::error_sink& inner, size_t keep) : inner_(inner), keep_(keep) {}

void failure_log::write(const engine::failure& f) {
    // Keep the row first: when the real output throws, the report still shows the failure.
    ++seen_;
    if (kept_.size() < keep_)
        kept_.push_back({f.it.seq, std::string(f.stage), f.it.attempt, std::string(f.message)});
    inner_.write(f);
}

}  // namespace wprun::cli
