// redis_source: the `redis` source, which takes work from a Redis stream through a consumer
// group (XREADGROUP), so that any number of wprun processes share one stream.
//
// Each process is one consumer of the group (created with MKSTREAM when missing). An entry
// becomes an item (payload = the entry's `field`, key = its `key` field when present) and is
// acknowledged (XACK) only after its item reached a terminal state and the outputs were
// committed: the source's completion log (engine/source.h) hears each completed item on the
// sink thread and, at most every `ack_every` (and at the end of the run), commits the sink and
// the error output and acknowledges the written, filtered and failed items in one XACK.
// Cancelled items are not acknowledged: they stay pending and are delivered again.
//
// Entries left pending longer than `claim_idle` by consumers that died (or by this one, when a
// reply was lost) are taken over (XPENDING IDLE, then XCLAIM); an entry delivered more than
// `max_deliveries` times becomes a failed item (so it reaches the error output and is acknowledged)
// instead of looping forever. At start and after every reconnect, the consumer reads its own
// pending entries again (XREADGROUP from id 0): those of a read whose reply was lost when the
// server went away (or of an earlier process with the same `consumer` name) are handed out (and
// counted as redelivered) instead of waiting for `claim_idle`. The source ends when a read
// blocked for `block` without a new entry and no other consumer of the group holds pending
// entries.
//
// Thread-safety: `read` runs on the source thread, the completion log on the sink thread; each
// has its own connection, and they share only the map of entries in flight (under a mutex).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/source.h"
#include "engine/spec.h"
#include "io/figures.h"
#include "io/redis_link.h"

namespace wprun::io {

struct redis_source_options {
    redis_address where;
    std::string stream, group = "wprun", consumer, field = "payload";
    std::string start = "0";  ///< where a new group starts: "0" = the whole stream, "$" = new only
    std::chrono::milliseconds block{2000};
    std::chrono::milliseconds claim_idle{60000};
    std::chrono::milliseconds ack_every{100};
    int64_t max_deliveries = 5;  ///< 0 = no limit
};

/// "HOST-PID": the default consumer name (one per process).
std::string default_consumer_name();

class redis_source final : public engine::source, public reported {
public:
    /// Connects and creates the group when missing; throws std::runtime_error on failure.
    explicit redis_source(redis_source_options o);
    ~redis_source() override;
    size_t read(engine::item* out, size_t max) override;
    engine::item_log* completion_log() override;
    std::string summary() const override;
    /// redelivered, given_up, acknowledged, reconnects.
    std::vector<figure> figures() const override;
    void request_stop() noexcept override { stop_.store(true); }

    uint64_t redelivered() const noexcept { return redelivered_; }
    uint64_t acknowledged() const noexcept;

    struct entry;  ///< one stream entry as read (redis_source.cpp)

private:
    class acknowledger;

    size_t claim(engine::item* out);
    size_t recover_own(engine::item* out);
    size_t hand_out_suspect(entry e, engine::item* out);
    bool wait_for_suspect();
    void count_deliveries(std::vector<entry>& entries);
    size_t read_new(engine::item* out, size_t max);
    bool others_pending();
    size_t hand_out(const std::vector<entry>& entries, engine::item* out);

    redis_source_options o_;
    redis_link link_;
    std::unique_ptr<acknowledger> acks_;
    std::mutex in_flight_mutex_;
    std::unordered_map<uint64_t, std::string> in_flight_;  ///< seq -> entry id
    std::unordered_set<std::string> in_flight_ids_;        ///< not handed out twice
    std::atomic<bool> stop_{false};  ///< intake stopped: the next wait ends the input
    uint64_t next_seq_ = 0;
    uint64_t redelivered_ = 0, poisoned_ = 0;
    /// Our own pending entries are read again (from this id) at start and after a reconnect:
    /// a read whose reply was lost left entries pending with us that we never handed out.
    std::optional<std::string> recover_from_ = "0";
    uint64_t reconnects_seen_ = 0;
    bool claiming_ = false;  ///< the last claim found idle entries: claim before reading new
    /// The redelivered entry in flight (under in_flight_mutex_): redelivered entries go one at a
    /// time, the next once this one was acknowledged, so that a crash counts a delivery only
    /// against the entry that caused it.
    std::optional<uint64_t> suspect_;
    std::condition_variable suspect_done_;
    std::chrono::steady_clock::time_point last_claim_{};
};

/// Options of the `redis` source: host, port, stream, group, consumer, field, start, block,
/// claim_idle, max_deliveries, ack_every, reconnect.
const std::vector<engine::field_schema>& redis_source_schema();

std::unique_ptr<engine::source> make_redis_source(const engine::io_spec& spec,
                                                  const std::filesystem::path& base_dir);

}  // namespace wprun::io
