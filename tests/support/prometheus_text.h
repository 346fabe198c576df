// prometheus_text: a strict reader of Prometheus text exposition (format 0.0.4) for tests.
//
// Parses `# HELP` / `# TYPE` lines and samples, and lists every way the text breaks the format
// or the naming conventions: a malformed line, a metric or label name outside the allowed
// characters, a bad escape in a label value, a sample before its family's TYPE, a family split
// in two, a duplicate series, a counter not named `_total`, histogram buckets out of order or
// decreasing, or a +Inf bucket different from `_count`. Header-only; not thread-safe.
#pragma once

#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace wprun::testing {

struct prom_sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

struct prom_family {
    std::string type, help;
};

struct prom_text {
    std::map<std::string, prom_family> families;
    std::vector<prom_sample> samples;
    std::vector<std::string> problems;  ///< empty when the text is well-formed

    /// The value of the series `name{labels}` (labels must match exactly), if present.
    std::optional<double> value(const std::string& name,
                                const std::map<std::string, std::string>& labels = {}) const {
        for (const prom_sample& s : samples)
            if (s.name == name && s.labels == labels) return s.value;
        return std::nullopt;
    }
    /// Sum over every series of `name` whose labels include `having`.
    double sum(const std::string& name,
               const std::map<std::string, std::string>& having = {}) const {
        double total = 0;
        for (const prom_sample& s : samples) {
            if (s.name != name) continue;
            bool match = true;
            for (const auto& [k, v] : having)
                match = match && s.labels.count(k) && s.labels.at(k) == v;
            if (match) total += s.value;
        }
        return total;
    }
};

namespace prom_detail {

inline bool name_ok(const std::string& n, bool colon) {
    if (n.empty()) return false;
    for (size_t i = 0; i < n.size(); ++i) {
        char c = n[i];
        bool ok = std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (colon && c == ':') ||
                  (i > 0 && std::isdigit(static_cast<unsigned char>(c)));
        if (!ok) return false;
    }
    return true;
}

inline std::optional<double> number(const std::string& t) {
    if (t == "+Inf") return INFINITY;
    if (t == "-Inf") return -INFINITY;
    if (t == "NaN") return NAN;
    char* end = nullptr;
    double v = std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size()) return std::nullopt;
    return v;
}

/// The family a sample belongs to: histogram series end in _bucket, _sum or _count.
inline std::string family_of(const std::string& name, const std::map<std::string, prom_family>& f) {
    if (f.count(name)) return name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        std::string s = suffix;
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
            std::string base = name.substr(0, name.size() - s.size());
            if (f.count(base) && f.at(base).type == "histogram") return base;
        }
    }
    return name;
}

/// Parses `{a="x",b="y"}` from `line` at `at` (just past the name); false when malformed.
inline bool labels(const std::string& line, size_t& at, std::map<std::string, std::string>& out) {
    if (at >= line.size() || line[at] != '{') return true;
    ++at;
    while (at < line.size() && line[at] != '}') {
        size_t eq = line.find('=', at);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') return false;
        std::string key = line.substr(at, eq - at), value;
        if (!name_ok(key, false) || out.count(key)) return false;
        size_t i = eq + 2;
        for (; i < line.size() && line[i] != '"'; ++i) {
            if (line[i] != '\\') {
                value += line[i];
                continue;
            }
            if (++i >= line.size()) return false;
            if (line[i] == 'n')
                value += '\n';
            else if (line[i] == '\\' || line[i] == '"')
                value += line[i];
            else
                return false;
        }
        if (i >= line.size()) return false;
        out[key] = value;
        at = i + 1;
        if (at < line.size() && line[at] == ',') ++at;
    }
    if (at >= line.size()) return false;
    ++at;
    return true;
}

inline void check_histograms(prom_text& t) {
    // series (name + labels without le) -> (le, count) in text order
    std::map<std::string, std::vector<std::pair<double, double>>> buckets;
    std::map<std::string, double> counts;
    for (const prom_sample& s : t.samples) {
        std::string family = family_of(s.name, t.families);
        if (!t.families.count(family) || t.families.at(family).type != "histogram") continue;
        auto rest = s.labels;
        rest.erase("le");
        std::string key = family;
        for (const auto& [k, v] : rest) key += "|" + k + "=" + v;
        if (s.name == family + "_bucket") {
            auto le = s.labels.count("le") ? number(s.labels.at("le")) : std::nullopt;
            if (!le)
                t.problems.push_back(key + ": bucket without a numeric le");
            else
                buckets[key].emplace_back(*le, s.value);
        } else if (s.name == family + "_count") {
            counts[key] = s.value;
        }
    }
    for (const auto& [key, list] : buckets) {
        for (size_t i = 1; i < list.size(); ++i) {
            if (!(list[i].first > list[i - 1].first))
                t.problems.push_back(key + ": le not ascending");
            if (list[i].second < list[i - 1].second)
                t.problems.push_back(key + ": bucket decreases");
        }
        if (list.empty() || !std::isinf(list.back().first))
            t.problems.push_back(key + ": no +Inf bucket");
        else if (!counts.count(key) || counts.at(key) != list.back().second)
            t.problems.push_back(key + ": +Inf bucket differs from _count");
    }
}

}  // namespace prom_detail

inline prom_text parse_prometheus(const std::string& text) {
    using namespace prom_detail;
    prom_text t;
    std::set<std::string> closed, series;  // families whose samples ended; seen series
    std::string current;
    std::istringstream in(text);
    std::string line;
    size_t number_of_line = 0;
    auto bad = [&](const std::string& why) {
        t.problems.push_back("line " + std::to_string(number_of_line) + ": " + why + ": " + line);
    };
    if (!text.empty() && text.back() != '\n') t.problems.push_back("the text does not end in \\n");
    while (std::getline(in, line)) {
        ++number_of_line;
        if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
            std::istringstream words(line.substr(7));
            std::string name, rest;
            words >> name;
            std::getline(words, rest);
            if (!name_ok(name, true)) bad("bad metric name");
            if (closed.count(name) || (t.families.count(name) && current != name))
                bad("family split");
            if (current != name && !current.empty()) closed.insert(current);
            current = name;
            if (line[2] == 'H') {
                t.families[name].help = rest.empty() ? rest : rest.substr(1);
                continue;
            }
            std::string type = rest.empty() ? rest : rest.substr(1);
            static const std::set<std::string> types{"counter", "gauge", "histogram", "summary",
                                                     "untyped"};
            if (!types.count(type)) bad("unknown type");
            if (!t.families[name].type.empty()) bad("second TYPE");
            t.families[name].type = type;
            if (type == "counter" &&
                (name.size() < 6 || name.compare(name.size() - 6, 6, "_total") != 0))
                bad("a counter's name should end in _total");
            continue;
        }
        if (line.empty() || line[0] == '#') {
            bad("blank line or unknown comment");
            continue;
        }
        prom_sample s;
        size_t at = 0;
        while (at < line.size() && line[at] != '{' && line[at] != ' ') ++at;
        s.name = line.substr(0, at);
        if (!name_ok(s.name, true)) bad("bad metric name");
        if (!labels(line, at, s.labels)) bad("bad labels");
        auto value =
            at < line.size() && line[at] == ' ' ? number(line.substr(at + 1)) : std::nullopt;
        if (!value) bad("bad value");
        s.value = value.value_or(0);
        std::string family = family_of(s.name, t.families);
        if (!t.families.count(family) || t.families.at(family).type.empty())
            bad("no TYPE before it");
        if (family != current) bad("not under its family's TYPE");
        std::string key = s.name;
        for (const auto& [k, v] : s.labels) key += "|" + k + "=" + v;
        if (!series.insert(key).second) bad("duplicate series");
        t.samples.push_back(std::move(s));
    }
    check_histograms(t);
    return t;
}

}  // namespace wprun::testing
