// talker: a fixture plugin for the isolation tests. Per item it logs "talker: seq N" (warn),
// prints noise on stdout (which must not reach the protocol), and emits the payload twice;
// `flush` emits "seen N" with the number of items its worker saw. `reject_config: true` refuses
// the config.
#include <cstdio>
#include <string>
#include <vector>
#include <wprun/plugin.hpp>

namespace {

class talker {
public:
    static constexpr const char* name = "talker";
    static constexpr const char* description = "Logs, prints and emits twice (isolation tests).";
    struct worker {
        uint64_t seen = 0;
    };

    static std::vector<wprun::field> schema() {
        return {{"reject_config", WPRUN_TYPE_BOOL, "false", false, "refuse the config"}};
    }

    explicit talker(const wprun::config& cfg) : log_(cfg.log()) {
        if (cfg.get_bool("reject_config")) throw wprun::config_error("talker: config refused");
    }

    wprun::result process(worker& w, const wprun::job& j, wprun::emitter& out) const {
        ++w.seen;
        log_.warn("talker: seq " + std::to_string(j.seq));
        std::printf("stdout noise that must not reach the protocol\n");
        std::fflush(stdout);
        out.emit(j.payload);
        out.emit(j.payload);
        return wprun::ok();
    }

    wprun::result flush(worker* const* workers, size_t count, wprun::emitter& out) const {
        for (size_t i = 0; i < count; ++i)
            if (workers[i] != nullptr) out.emit("seen " + std::to_string(workers[i]->seen));
        return wprun::ok();
    }

private:
    wprun::logger log_;
};

}  // namespace

WPRUN_PLUGIN("talker", "1.0.0", talker)
