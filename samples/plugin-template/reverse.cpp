// The `reverse` processor: a complete wprun plugin to copy and adapt.
//
// Each item's payload comes out with its bytes in reverse order, `repeat` times (fan-out: one
// input, several outputs). It shows the parts most plugins need: a config schema checked by the
// host, config read once in the constructor, per-worker state, and a status for each item.
//
// Thread-safety: one `reverse` instance per stage, shared read-only by the stage's workers;
// each worker thread owns one `reverse::worker`.
#include <cstdint>
#include <string>
#include <vector>
#include <wprun/plugin.hpp>

namespace {

class reverse {
public:
    static constexpr const char* name = "reverse";
    static constexpr const char* description = "Reverses the bytes of each item's payload.";
    static constexpr int64_t max_repeat = 1000;

    /// The config the stage may set; the host checks types and fills in defaults before the
    /// constructor runs, and `wprun plugins` prints it.
    static std::vector<wprun::field> schema() {
        return {
            {"repeat", WPRUN_TYPE_INT, "1", false, "how many copies of each reversed item to emit"},
        };
    }

    /// Per-thread state: a buffer reused for every item, so the hot path does not allocate.
    struct worker {
        std::string buffer;
    };

    explicit reverse(const wprun::config& cfg) : repeat_(cfg.get_int("repeat", 1)) {
        if (repeat_ < 1 || repeat_ > max_repeat)
            throw wprun::config_error("repeat must be between 1 and " + std::to_string(max_repeat) +
                                      ", got " + std::to_string(repeat_));
    }

    wprun::result process(worker& w, const wprun::job& job, wprun::emitter& out) const {
        w.buffer.assign(job.payload.rbegin(), job.payload.rend());
        for (int64_t i = 0; i < repeat_; ++i) {
            // emit() copies the bytes; false means the run is stopping: no point going on.
            if (!out.emit(w.buffer)) break;
        }
        return wprun::ok();
    }

private:
    int64_t repeat_;
};

}  // namespace

// The plugin's name and version, then every processor class it provides.
WPRUN_PLUGIN("reverse", "1.0.0", reverse)
