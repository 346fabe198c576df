#include "io/redis_source.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <optional>
#include <stdexcept>

#include "io/opening.h"

namespace wprun::io {

// One stream entry as read: its id, payload and key (when it has them), and its deliveries.
struct redis_source::entry {
    std::string id;
    std::optional<std::string> payload;
    std::string key;
    int64_t deliveries = 1;
};

namespace {

std::string text_of(const redisReply* r) {
    return r != nullptr && r->str != nullptr ? std::string(r->str, r->len) : std::string();
}

bool is_array(const redisReply* r) { return r != nullptr && r->type == REDIS_REPLY_ARRAY; }

}  // namespace

std::string default_consumer_name() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "host");
    return std::string(host) + "-" + std::to_string(::getpid());
}

// The completion log: on the sink thread, gathers the seqs of items that ended (not cancelled)
// and acknowledges their entries after committing the outputs.
class redis_source::acknowledger final : public engine::item_log {
public:
    explicit acknowledger(redis_source& src) : src_(src), link_(src.o_.where) {}

    void completed(const engine::completed_item& c) override {
        if (c.result != engine::outcome::cancelled) done_.push_back(c.seq);
        std::lock_guard lock(src_.in_flight_mutex_);
        if (src_.suspect_ != c.seq) return;
        if (c.result != engine::outcome::cancelled) {
            urgent_ = true;  // the source waits for this one: acknowledge at the next checkpoint
        } else {
            src_.suspect_.reset();  // it stays pending; the run is stopping
            src_.suspect_done_.notify_all();
        }
    }
    void checkpoint(engine::sink& out,
                    engine::error_sink& errors,
                    const engine::checkpoint_info& info) override {
        auto now = std::chrono::steady_clock::now();
        if (done_.empty() || (!info.final && !urgent_ && now - last_ < src_.o_.ack_every)) return;
        urgent_ = false;
        last_ = now;
        out.commit();  // what is acknowledged must have reached the outputs first
        errors.commit();
        acknowledge();
    }
    uint64_t acknowledged() const noexcept { return acknowledged_.load(); }

private:
    void acknowledge() {
        redis_command xack{"XACK", src_.o_.stream, src_.o_.group};
        {
            std::lock_guard lock(src_.in_flight_mutex_);
            for (uint64_t seq : done_) {
                auto it = src_.in_flight_.find(seq);
                if (it != src_.in_flight_.end()) xack.push_back(it->second);
            }
        }
        if (xack.size() > 3) check(*link_.run(xack), link_, "XACK");
        std::lock_guard lock(src_.in_flight_mutex_);
        for (uint64_t seq : done_) {
            auto it = src_.in_flight_.find(seq);
            if (it == src_.in_flight_.end()) continue;
            src_.in_flight_ids_.erase(it->second);
            src_.in_flight_.erase(it);
            if (src_.suspect_ == seq) {
                src_.suspect_.reset();
                src_.suspect_done_.notify_all();
            }
        }
        acknowledged_ += xack.size() - 3;
        done_.clear();
    }

    redis_source& src_;
    redis_link link_;
    std::vector<uint64_t> done_;
    std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
    std::atomic<uint64_t> acknowledged_{0};
    bool urgent_ = false;  ///< the suspect ended: acknowledge without waiting for ack_every
};

redis_source::redis_source(redis_source_options o)
    : o_(std::move(o)), link_(o_.where), acks_(std::make_unique<acknowledger>(*this)) {
    link_.connect_once();
    redis_reply r = link_.run({"XGROUP", "CREATE", o_.stream, o_.group, o_.start, "MKSTREAM"});
    if (r->type == REDIS_REPLY_ERROR && text_of(r.get()).rfind("BUSYGROUP", 0) != 0)
        check(*r, link_, "creating group '" + o_.group + "'");
}

redis_source::~redis_source() = default;

engine::item_log* redis_source::completion_log() { return acks_.get(); }

uint64_t redis_source::acknowledged() const noexcept { return acks_->acknowledged(); }

std::string redis_source::summary() const {
    return "redis source (consumer " + o_.consumer + "): " + std::to_string(redelivered_) +
           " entr(ies) redelivered from idle consumers, " + std::to_string(poisoned_) +
           " given up after " + std::to_string(o_.max_deliveries) + " deliveries, " +
           std::to_string(acknowledged()) + " acknowledged, " + std::to_string(link_.reconnects()) +
           " reconnect(s)";
}

std::vector<figure> redis_source::figures() const {
    return {{"redelivered", static_cast<double>(redelivered_)},
            {"given_up", static_cast<double>(poisoned_)},
            {"acknowledged", static_cast<double>(acknowledged())},
            {"reconnects", static_cast<double>(link_.reconnects())}};
}

size_t redis_source::read(engine::item* out, size_t max) {
    while (wait_for_suspect()) {
        if (link_.reconnects() != reconnects_seen_) {
            reconnects_seen_ = link_.reconnects();
            recover_from_ = "0";
        }
        if (recover_from_)
            if (recover_own(out) > 0) return 1;
        auto now = std::chrono::steady_clock::now();
        if (claiming_ ||
            now - last_claim_ >= std::max(o_.claim_idle / 4, std::chrono::milliseconds(100))) {
            last_claim_ = now;
            if (claim(out) > 0) return 1;
        }
        if (size_t n = read_new(out, max); n > 0) return n;
        if (claim(out) > 0) return 1;  // nothing new: work left behind by a dead consumer?
        if (!others_pending()) return 0;
    }
    return 0;  // intake stopped (Ctrl-C, deadline): what was read finishes, the rest waits
}

bool redis_source::wait_for_suspect() {
    std::unique_lock lock(in_flight_mutex_);
    while (suspect_ && !stop_.load()) suspect_done_.wait_for(lock, std::chrono::milliseconds(50));
    return !stop_.load();
}

// Entries of a [id, [field, value, ...]] array; an entry deleted meanwhile has no fields.
static void entries_of(const redisReply* list,
                       const std::string& field,
                       std::vector<redis_source::entry>& out);

size_t redis_source::read_new(engine::item* out, size_t max) {
    redis_reply r =
        link_.run({"XREADGROUP", "GROUP", o_.group, o_.consumer, "COUNT", std::to_string(max),
                   "BLOCK", std::to_string(o_.block.count()), "STREAMS", o_.stream, ">"});
    check(*r, link_, "XREADGROUP");
    std::vector<entry> entries;
    if (is_array(r.get()) && r->elements > 0 && is_array(r->element[0]) &&
        r->element[0]->elements == 2)
        entries_of(r->element[0]->element[1], o_.field, entries);
    return hand_out(entries, out);
}

// Finds an entry idle longer than claim_idle (XPENDING IDLE: the server scans, we do not) that
// is not in flight here, and takes it over (XCLAIM, which checks the idle time again, so two
// consumers never both get it). Only that one entry's delivery count grows.
size_t redis_source::claim(engine::item* out) {
    const std::string idle = std::to_string(o_.claim_idle.count());
    std::string from = "-";
    for (;;) {
        redis_reply p = link_.run({"XPENDING", o_.stream, o_.group, "IDLE", idle, from, "+", "16"});
        check(*p, link_, "XPENDING IDLE");
        claiming_ = is_array(p.get()) && p->elements > 0;
        if (!claiming_) return 0;
        for (size_t i = 0; i < p->elements; ++i) {
            const redisReply* row = p->element[i];  // [id, consumer, idle ms, deliveries]
            if (!is_array(row) || row->elements < 2) continue;
            std::string id = text_of(row->element[0]);
            from = "(" + id;
            {
                std::lock_guard lock(in_flight_mutex_);  // ours, being processed: not lost
                if (in_flight_ids_.count(id) > 0) continue;
            }
            redis_reply c = link_.run({"XCLAIM", o_.stream, o_.group, o_.consumer, idle, id});
            check(*c, link_, "XCLAIM");
            std::vector<entry> entries;
            entries_of(c.get(), o_.field, entries);
            if (!entries.empty()) return hand_out_suspect(std::move(entries.front()), out);
        }  // taken by another consumer meanwhile, or deleted: look further
    }
}

size_t redis_source::hand_out_suspect(entry e, engine::item* out) {
    std::vector<entry> one{std::move(e)};
    count_deliveries(one);
    ++redelivered_;
    hand_out(one, out);
    std::lock_guard lock(in_flight_mutex_);
    suspect_ = next_seq_ - 1;
    return 1;
}

size_t redis_source::recover_own(engine::item* out) {
    while (recover_from_) {
        redis_reply r = link_.run({"XREADGROUP", "GROUP", o_.group, o_.consumer, "COUNT", "1",
                                   "STREAMS", o_.stream, *recover_from_});
        check(*r, link_, "XREADGROUP (own pending entries)");
        std::vector<entry> entries;
        if (is_array(r.get()) && r->elements > 0 && is_array(r->element[0]) &&
            r->element[0]->elements == 2)
            entries_of(r->element[0]->element[1], o_.field, entries);
        if (entries.empty()) {
            recover_from_.reset();  // all of our pending entries were seen
            return 0;
        }
        recover_from_ = entries.back().id;
        {
            std::lock_guard lock(in_flight_mutex_);  // those in flight here are not lost
            std::erase_if(entries, [&](const entry& e) { return in_flight_ids_.count(e.id) > 0; });
        }
        if (!entries.empty()) return hand_out_suspect(std::move(entries.front()), out);
    }
    return 0;
}

void redis_source::count_deliveries(std::vector<entry>& entries) {
    std::vector<redis_command> ask;  // the delivery count of each entry
    for (const entry& e : entries)
        ask.push_back({"XPENDING", o_.stream, o_.group, e.id, e.id, "1"});
    std::vector<redis_reply> counts = link_.run_all(ask);
    for (size_t i = 0; i < entries.size(); ++i) {
        const redisReply* c = counts[i].get();
        if (is_array(c) && c->elements == 1 && is_array(c->element[0]) &&
            c->element[0]->elements == 4)
            entries[i].deliveries = c->element[0]->element[3]->integer;
    }
}

bool redis_source::others_pending() {
    redis_reply r = link_.run({"XPENDING", o_.stream, o_.group});
    check(*r, link_, "XPENDING");
    if (!is_array(r.get()) || r->elements < 4 || !is_array(r->element[3])) return false;
    for (size_t i = 0; i < r->element[3]->elements; ++i) {
        const redisReply* c = r->element[3]->element[i];
        if (is_array(c) && c->elements == 2 && text_of(c->element[0]) != o_.consumer) return true;
    }
    return false;
}

size_t redis_source::hand_out(const std::vector<entry>& entries, engine::item* out) {
    std::lock_guard lock(in_flight_mutex_);
    for (size_t i = 0; i < entries.size(); ++i) {
        const entry& e = entries[i];
        engine::item& it = out[i];
        if (e.payload) it.payload.assign(*e.payload);
        if (!e.key.empty()) it.set_key(e.key);
        if (!e.payload)
            it.fail(0, "redis entry " + e.id + " of stream '" + o_.stream + "' has no field '" +
                           o_.field + "'");
        else if (o_.max_deliveries > 0 && e.deliveries > o_.max_deliveries) {
            ++poisoned_;
            it.fail(0, "redis entry " + e.id + " delivered " + std::to_string(e.deliveries) +
                           " times (max_deliveries " + std::to_string(o_.max_deliveries) +
                           "): given up");
        }
        in_flight_.emplace(next_seq_++, e.id);
        in_flight_ids_.insert(e.id);
    }
    return entries.size();
}

static void entries_of(const redisReply* list,
                       const std::string& field,
                       std::vector<redis_source::entry>& out) {
    if (!is_array(list)) return;
    for (size_t i = 0; i < list->elements; ++i) {
        const redisReply* e = list->element[i];
        if (!is_array(e) || e->elements != 2) continue;
        redis_source::entry got;
        got.id = text_of(e->element[0]);
        const redisReply* fields = e->element[1];
        for (size_t f = 0; is_array(fields) && f + 1 < fields->elements; f += 2) {
            std::string name = text_of(fields->element[f]);
            if (name == field) got.payload = text_of(fields->element[f + 1]);
            if (name == "key") got.key = text_of(fields->element[f + 1]);
        }
        out.push_back(std::move(got));
    }
}

const std::vector<engine::field_schema>& redis_source_schema() {
    static const std::vector<engine::field_schema> fields = {
        {"host", WPRUN_TYPE_STRING, "127.0.0.1", false, "Redis server's host name or address"},
        {"port", WPRUN_TYPE_INT, "6379", false, "Redis server's port"},
        {"stream", WPRUN_TYPE_STRING, std::nullopt, true, "stream to take work from"},
        {"group", WPRUN_TYPE_STRING, "wprun", false, "consumer group (created when missing)"},
        {"consumer", WPRUN_TYPE_STRING, "", false, "this process's consumer name; HOST-PID"},
        {"field", WPRUN_TYPE_STRING, "payload", false, "entry field that holds the payload"},
        {"start", WPRUN_TYPE_STRING, "0", false,
         "where a new group starts: 0 = the whole stream, $ = only entries added later"},
        {"block", WPRUN_TYPE_DURATION, "2s", false,
         "wait this long for new entries; then, with none pending elsewhere, the input ends"},
        {"claim_idle", WPRUN_TYPE_DURATION, "60s", false,
         "take over entries pending this long with another consumer (it died)"},
        {"max_deliveries", WPRUN_TYPE_INT, "5", false,
         "an entry delivered more often goes to the error output; 0 = no limit"},
        {"ack_every", WPRUN_TYPE_DURATION, "100ms", false,
         "commit the outputs and acknowledge finished entries this often"},
        {"reconnect", WPRUN_TYPE_DURATION, "30s", false,
         "how long to keep reconnecting to a lost server before the run fails"},
    };
    return fields;
}

namespace {

std::chrono::milliseconds millis(const engine::io_spec& spec, const char* name, int64_t ns) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::nanoseconds(spec.opts.get_duration_ns(name, ns)));
}

}  // namespace

std::unique_ptr<engine::source> make_redis_source(const engine::io_spec& spec,
                                                  const std::filesystem::path& /*base_dir*/) {
    redis_source_options o;
    o.where = address_of(spec);
    o.stream = required_option(spec, "stream");
    o.group = spec.opts.get_string("group", "wprun");
    o.consumer = spec.opts.get_string("consumer", "");
    if (o.consumer.empty()) o.consumer = default_consumer_name();
    o.field = spec.opts.get_string("field", "payload");
    o.start = spec.opts.get_string("start", "0");
    o.block = millis(spec, "block", 2'000'000'000);
    o.claim_idle = millis(spec, "claim_idle", 60'000'000'000);
    o.ack_every = millis(spec, "ack_every", 100'000'000);
    o.max_deliveries = spec.opts.get_int("max_deliveries", 5);
    if (o.stream.empty()) throw_option_error(spec, "stream", "redis: stream must not be empty");
    if (o.group.empty()) throw_option_error(spec, "group", "redis: group must not be empty");
    if (o.max_deliveries < 0)
        throw_option_error(spec, "max_deliveries", "redis: max_deliveries must be 0 or more");
    if (o.block.count() < 1) throw_option_error(spec, "block", "redis: block must be at least 1ms");
    try {
        return std::make_unique<redis_source>(std::move(o));
    } catch (const std::runtime_error& e) {
        throw_option_error(spec, "host",
                           std::string(e.what()) + "; start the server or fix host/port");
    }
}

}  // namespace wprun::io
