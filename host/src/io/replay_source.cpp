#include "io/replay_source.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace wprun::io {
namespace {

using json = nlohmann::json;

[[noreturn]] void bad_line(const std::filesystem::path& file,
                           uint64_t line,
                           const std::string& why) {
    throw std::runtime_error(file.string() + ":" + std::to_string(line) + ": " + why);
}

failed_record parse_record(const std::string& text,
                           const std::filesystem::path& file,
                           uint64_t line) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        bad_line(file, line, "not a JSON object: is this an error output of wprun?");
    auto seq = j.find("seq");
    auto stage = j.find("stage");
    auto payload = j.find("payload");
    if (seq == j.end() || !seq->is_number_unsigned() || stage == j.end() || !stage->is_string() ||
        payload == j.end() || !payload->is_string())
        bad_line(file, line, "a failure record needs \"seq\", \"stage\" and \"payload\"");
    failed_record r{seq->get<uint64_t>(), stage->get<std::string>(), payload->get<std::string>(),
                    "", line};
    if (auto key = j.find("key"); key != j.end() && key->is_string())
        r.key = key->get<std::string>();
    return r;
}

}  // namespace

std::vector<failed_record> read_failed_records(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read '" + file.string() + "'");
    std::stringstream all;
    all << in.rdbuf();
    std::string text = all.str();
    std::vector<failed_record> out;
    uint64_t line = 0;
    for (size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1) {
        ++line;
        std::string one = text.substr(at, nl - at);
        if (one.find_first_not_of(" \t\r") == std::string::npos) continue;
        out.push_back(parse_record(one, file, line));
    }
    return out;
}

size_t replay_source::read(engine::item* out, size_t max) {
    size_t n = 0;
    for (; n < max && next_ < records_.size(); ++n, ++next_) {
        out[n].payload.assign(records_[next_].payload);
        out[n].set_key(records_[next_].key);
    }
    return n;
}

}  // namespace wprun::io
