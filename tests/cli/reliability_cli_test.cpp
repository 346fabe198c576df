// End-to-end tests of the reliability options of `wprun run`: --joblog, --resume (with a
// simulated crash: the journal cut back and the output torn) and --retry-failed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {
namespace fs = std::filesystem;

struct result {
    int code;
    std::string out, err;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

class Reliability : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("wprun-rel-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        std::ofstream in(dir_ / "in.txt");
        for (int i = 1; i <= 20000; ++i) in << i << '\n';
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path pipeline(const std::string& name, const std::string& sink, int fail_every = 10) {
        std::ofstream(dir_ / name) << "name: rel\n"
                                   << "source: {type: lines, path: in.txt}\n"
                                   << "stages:\n"
                                   << "  - {name: check, processor: chaos, workers: 3, config: "
                                      "{fail_every: "
                                   << fail_every << "}}\n"
                                   << "  - {name: shout, processor: split, config: {separator: "
                                      "'0'}}\n"
                                   << "sink: " << sink << "\n"
                                   << "errors: {type: jsonl, path: err.jsonl}\n";
        return dir_ / name;
    }
    result wprun(const std::string& args) { return shell(std::string(WPRUN_BINARY) + " " + args); }
    result shell(const std::string& command) {
        std::string cmd = "cd " + dir_.string() + " && " + command + " > " +
                          (dir_ / "stdout").string() + " 2> " + (dir_ / "stderr").string() +
                          " < /dev/null";
        int status = std::system(cmd.c_str());
        return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir_ / "stdout"),
                slurp(dir_ / "stderr")};
    }
    fs::path dir_;
};

const char* ordered_file = "{type: lines, path: out.txt, ordered: true}";

TEST_F(Reliability, JoblogHasAHeaderAndOneLinePerSourceItem) {
    pipeline("p.yaml", "{type: lines, path: out.txt}");
    auto r = wprun("run -q --joblog job.tsv p.yaml");
    EXPECT_EQ(r.code, 1) << r.err;  // 2000 items fail
    auto lines = lines_of(slurp(dir_ / "job.tsv"));
    ASSERT_EQ(lines.size(), 20001u);
    EXPECT_EQ(lines[0], "seq\tstage\tstart\truntime\toutcome\tattempts\tmessage");
    std::set<uint64_t> seqs;
    size_t failed = 0;
    for (size_t i = 1; i < lines.size(); ++i) {
        std::vector<std::string> cols;
        std::istringstream row(lines[i]);
        for (std::string c; std::getline(row, c, '\t');) cols.push_back(c);
        ASSERT_GE(cols.size(), 6u) << lines[i];
        seqs.insert(std::stoull(cols[0]));
        if (cols[4] == "failed") {
            ++failed;
            EXPECT_EQ(cols[1], "check");
            EXPECT_EQ(cols.size(), 7u);
        } else {
            EXPECT_EQ(cols[4], "written");
            EXPECT_EQ(cols[1], "sink");
        }
    }
    EXPECT_EQ(seqs.size(), 20000u);
    EXPECT_EQ(failed, 2000u);
}

TEST_F(Reliability, ResumeAfterACrashWritesTheSameOutputAsAnUninterruptedRun) {
    pipeline("ref.yaml", "{type: lines, path: ref.txt, ordered: true}");
    pipeline("p.yaml", ordered_file);
    ASSERT_EQ(wprun("run -q ref.yaml").code, 1);
    std::string reference = slurp(dir_ / "ref.txt");
    std::string reference_errors = slurp(dir_ / "err.jsonl");
    ASSERT_EQ(wprun("run -q --resume --commit-items 2000 p.yaml").code, 1);
    // A crash after the first commit: the journal ends there (plus a torn line) and the output
    // and the error output hold more than was committed, the last line half written.
    auto journal = lines_of(slurp(dir_ / "out.txt.wprun-state/journal"));
    ASSERT_GE(journal.size(), 5u) << "expected several commits";
    std::ofstream cut(dir_ / "out.txt.wprun-state/journal", std::ios::trunc);
    cut << journal[0] << '\n' << journal[1] << '\n' << journal[2] << "\nc 99999 1";
    cut.close();
    std::ofstream(dir_ / "out.txt", std::ios::app) << "half a li";
    std::ofstream(dir_ / "err.jsonl", std::ios::app) << "{\"seq\":";
    auto r = wprun("run --resume --report rep.json p.yaml");
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("committed by an earlier run were skipped"), std::string::npos) << r.err;
    std::smatch said;
    std::regex said_skipped("resumed: (\\d+) item");
    ASSERT_TRUE(std::regex_search(r.err, said, said_skipped)) << r.err;
    EXPECT_GT(std::stoull(said[1]), 0u);
    std::smatch in_json;
    std::string report = slurp(dir_ / "rep.json");
    ASSERT_TRUE(std::regex_search(report, in_json, std::regex("\"skipped\": ?(\\d+)"))) << report;
    EXPECT_EQ(in_json[1], said[1]);
    EXPECT_EQ(slurp(dir_ / "out.txt"), reference);
    auto sorted = [](std::string text) {
        auto v = lines_of(text);
        std::sort(v.begin(), v.end());
        return v;
    };
    EXPECT_EQ(sorted(slurp(dir_ / "err.jsonl")), sorted(reference_errors));
}

/// The seqs of a job log's lines (after its header), failing the test on a repeated one.
std::set<uint64_t> joblog_seqs(const std::vector<std::string>& lines) {
    std::set<uint64_t> seqs;
    EXPECT_EQ(lines.at(0), "seq\tstage\tstart\truntime\toutcome\tattempts\tmessage");
    for (size_t i = 1; i < lines.size(); ++i)
        EXPECT_TRUE(seqs.insert(std::stoull(lines[i])).second) << "twice: " << lines[i];
    return seqs;
}

TEST_F(Reliability, ResumeCutsTheJoblogBackToTheCommittedItems) {
    pipeline("p.yaml", ordered_file);
    ASSERT_EQ(wprun("run -q --resume --joblog job.tsv --commit-items 2000 p.yaml").code, 1);
    // A crash after the first commits: the job log has lines of items the journal lost.
    auto journal = lines_of(slurp(dir_ / "out.txt.wprun-state/journal"));
    ASSERT_GE(journal.size(), 5u) << "expected several commits";
    std::ofstream cut(dir_ / "out.txt.wprun-state/journal", std::ios::trunc);
    cut << journal[0] << '\n' << journal[1] << '\n' << journal[2] << '\n';
    cut.close();
    std::ofstream(dir_ / "job.tsv", std::ios::app) << "19999\tsink\t1.0";  // torn
    auto r = wprun("run -q --resume --joblog job.tsv p.yaml");
    EXPECT_EQ(r.code, 1) << r.err;
    auto lines = lines_of(slurp(dir_ / "job.tsv"));
    EXPECT_EQ(joblog_seqs(lines).size(), 20000u);
    EXPECT_EQ(lines.size(), 20001u);
}

TEST_F(Reliability, ANewResumableRunStartsItsJoblogAfresh) {
    pipeline("p.yaml", ordered_file);
    std::ofstream(dir_ / "job.tsv") << "seq\tstage\tstart\truntime\toutcome\tattempts\tmessage\n"
                                    << "7\tsink\t1.000\t0.001\twritten\t1\t\n";
    ASSERT_EQ(wprun("run -q --resume --joblog job.tsv p.yaml").code, 1);
    auto lines = lines_of(slurp(dir_ / "job.tsv"));
    EXPECT_EQ(joblog_seqs(lines).size(), 20000u);
    EXPECT_EQ(lines.size(), 20001u);
}

TEST_F(Reliability, ResumeOfAFinishedRunDoesNothing) {
    pipeline("p.yaml", ordered_file);
    ASSERT_EQ(wprun("run -q --resume p.yaml").code, 1);
    std::string out = slurp(dir_ / "out.txt");
    auto r = wprun("run --resume p.yaml");
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.err.find("nothing to resume"), std::string::npos) << r.err;
    EXPECT_EQ(slurp(dir_ / "out.txt"), out);
}

TEST_F(Reliability, ResumeRefusesADifferentPipeline) {
    pipeline("p.yaml", ordered_file);
    ASSERT_EQ(wprun("run -q --resume p.yaml").code, 1);
    pipeline("p.yaml", ordered_file, 7);
    auto r = wprun("run --resume p.yaml");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("belongs to a different pipeline"), std::string::npos) << r.err;
}

TEST_F(Reliability, ResumeRefusesStandardOutput) {
    pipeline("p.yaml", "{type: lines, path: '-'}");
    auto r = wprun("run --resume --state-dir st p.yaml");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("standard output, which cannot be cut back"), std::string::npos) << r.err;
}

TEST_F(Reliability, RetryFailedRunsExactlyTheFailedItemsAgain) {
    pipeline("p.yaml", "{type: lines, path: out.txt}");
    ASSERT_EQ(wprun("run -q p.yaml").code, 1);
    ASSERT_EQ(lines_of(slurp(dir_ / "err.jsonl")).size(), 2000u);
    size_t written = lines_of(slurp(dir_ / "out.txt")).size();
    // The cause is fixed (no more injected failures): every failed item now goes through.
    auto r = wprun("run --retry-failed err.jsonl --set stages.check.config.fail_every=0 p.yaml");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("retry from stage 'check'): read 2000"), std::string::npos) << r.err;
    EXPECT_EQ(lines_of(slurp(dir_ / "err.jsonl.retried")).size(), 2000u);
    EXPECT_TRUE(slurp(dir_ / "err.jsonl").empty());
    std::multiset<std::string> all;
    for (auto& l : lines_of(slurp(dir_ / "out.txt"))) all.insert(l);
    EXPECT_GT(all.size(), written);
    pipeline("ref.yaml", "{type: lines, path: ref.txt}", 0);
    wprun("run -q --set stages.check.config.fail_every=0 ref.yaml");
    std::multiset<std::string> reference;
    for (auto& l : lines_of(slurp(dir_ / "ref.txt"))) reference.insert(l);
    EXPECT_EQ(all, reference);
}

TEST_F(Reliability, SigintGivesInFlightItemsTheGraceThenCancelsTheRest) {
    std::ofstream(dir_ / "g.yaml") << "name: grace\n"
                                   << "source: {type: range, count: 1000}\n"
                                   << "stages: [{name: slow, processor: chaos, workers: 2, "
                                      "config: {sleep: 100ms}}]\n"
                                   << "sink: {type: lines, path: g.txt}\n"
                                   << "shutdown: {grace: 200ms}\n";
    // Draining all 1000 items would take 50 s; the grace period cancels what is left.
    std::string bin = WPRUN_BINARY;
    auto r = shell("{ " + bin + " run g.yaml & pid=$!; sleep 0.5; kill -INT $pid; wait $pid; }");
    EXPECT_EQ(r.code, 130) << r.err;
    EXPECT_NE(r.err.find("— interrupted"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("cancelled 0 "), std::string::npos) << r.err;
}

TEST_F(Reliability, RetryFailedNamesABadErrorFile) {
    pipeline("p.yaml", "{type: lines, path: out.txt}");
    std::ofstream(dir_ / "bad.jsonl")
        << "{\"seq\":1,\"stage\":\"check\",\"payload\":\"1\"}\nnope\n";
    auto r = wprun("run --retry-failed bad.jsonl p.yaml");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("bad.jsonl:2: not a JSON object"), std::string::npos) << r.err;
}

}  // namespace
