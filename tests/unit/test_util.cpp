// util/process (the one way to start a program), util/log (who prints what),
// util/status (error context), util/fsutil's ScratchFiles, cli/cli_util's
// option parsing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>

#include "cli/cli_util.h"
#include "helpers.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/process.h"
#include "util/status.h"

namespace fs = std::filesystem;
using namespace charnn;
using charnn::test::error_of;
using charnn::test::TempDir;

TEST(Process, CapturesStdoutAndExitCode) {
  SpawnOptions so;
  so.capture_stdout = true;
  ProcessResult r = run_process({"sh", "-c", "printf 'a b\\n'; echo ignored >&2; exit 3"}, so);
  EXPECT_EQ(r.out, "a b\n");
  EXPECT_EQ(r.exit_code, 3);
}

TEST(Process, ArgumentsAreNotReparsedByAShell) {
  SpawnOptions so;
  so.capture_stdout = true;
  // One argument with spaces, quotes and a $: printed back exactly.
  ProcessResult r = run_process({"printf", "%s", "x y 'z' $HOME;"}, so);
  EXPECT_EQ(r.out, "x y 'z' $HOME;");
}

TEST(Process, KilledChildIs128PlusSignal) {
  EXPECT_EQ(run_process({"sh", "-c", "kill -9 $$"}).exit_code, 128 + 9);
}

TEST(Process, LogFileGetsStdoutAndStderrAppended) {
  TempDir d;
  const std::string log = d / "out.log";
  std::ofstream(log) << "before\n";
  SpawnOptions so;
  so.log_file = log;
  const pid_t pid = start_process({"sh", "-c", "echo out; echo err >&2"}, so);
  EXPECT_EQ(wait_process(pid), 0);
  EXPECT_EQ(read_file(log), "before\nout\nerr\n");
}

TEST(Process, WaitAnyReturnsEachChildOnce) {
  const pid_t a = start_process({"sh", "-c", "exit 4"});
  int code = -1;
  EXPECT_EQ(wait_any_process(&code), a);
  EXPECT_EQ(code, 4);
  EXPECT_EQ(wait_any_process(&code), -1);  // none left
}

TEST(Process, MissingProgramNamesItAndTheHint) {
  SpawnOptions so;
  so.missing_hint = "install it";
  const std::string msg = error_of([&] { run_process({"charnn-no-such-program"}, so); });
  EXPECT_EQ(msg, "cannot start charnn-no-such-program: No such file or directory; install it");
}

TEST(Log, JobLinesComeFromRankZeroOnly) {
  log::set_rank(1, 2);
  testing::internal::CaptureStderr();
  log::info("resuming from {}", "x.h5");
  log::warn("only {} batches", 3);
  log::warn_rank("teardown: {}", "busy");
  log::error("cannot open y.h5");
  const std::string rank1 = testing::internal::GetCapturedStderr();
  EXPECT_EQ(rank1, "charnn: warning: [rank 1] teardown: busy\ncharnn: error: [rank 1] cannot open y.h5\n");

  log::set_rank(0, 2);
  testing::internal::CaptureStderr();
  log::info("resuming from {}", "x.h5");
  log::warn("only {} batches", 3);
  log::error_job("NaN loss");
  const std::string rank0 = testing::internal::GetCapturedStderr();
  EXPECT_EQ(rank0, "charnn: resuming from x.h5\ncharnn: warning: only 3 batches\ncharnn: error: NaN loss\n");

  log::set_rank(0, 1);  // one rank: no prefix on its own lines either
  testing::internal::CaptureStderr();
  log::warn_rank("teardown: {}", "busy");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "charnn: warning: teardown: busy\n");
}

TEST(Log, ALineClearsTheProgressBarFirst) {
  log::set_rank(0, 1);
  testing::internal::CaptureStderr();
  log::progress("[####....] it 5/10", true);
  log::info("val loss {}", 1.5);
  log::progress("[########] it 10/10", true);
  log::end_transient();
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "\r\033[K[####....] it 5/10\r\033[Kcharnn: val loss 1.5\n\r\033[K[########] it 10/10\n");
}

TEST(Log, AnErrorIsOneLineWhateverItsTextHolds) {
  log::set_rank(0, 1);
  testing::internal::CaptureStderr();
  log::error("runs/a\nb.h5: invalid YAML: unknown escape character: \x01\x1b[2J");
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "charnn: error: runs/a\\nb.h5: invalid YAML: unknown escape character: \\x01\\x1b[2J\n");
}

TEST(Status, ContextIsAddedOnce) {
  auto rethrow = [](const std::string& msg) {
    return error_of([&] {
      try {
        fail(msg);
      } catch (const Error& e) {
        rethrow_with_context("run/ck.h5", e);
      }
    });
  };
  EXPECT_EQ(rethrow("dataset 'train' is missing"), "run/ck.h5: dataset 'train' is missing");
  EXPECT_EQ(rethrow("run/ck.h5: cannot open"), "run/ck.h5: cannot open");
}

TEST(ScratchFiles, RemovedOnEveryWayOut) {
  TempDir d;
  const std::string a = d / "a.tmp", b = d / "b.tmp";
  std::ofstream(a) << "x";
  EXPECT_FALSE(error_of([&] {
                 ScratchFiles s({a, b});  // b never made: no error
                 fail("boom");
               }).empty());
  EXPECT_FALSE(fs::exists(a));
}

// check_output_path (util/fsutil.h): an output is never an input, whatever the
// path's spelling, and an existing output is replaced only when it is what charnn
// writes there.
namespace {

const char kHdf5Head[] = "\x89HDF\r\n\x1a\n and the rest of an HDF5 file";

OutputPath h5_output(const std::string& path, bool force = true) {
  return {path, "--output", "corpus cache", OutputKind::File, has_hdf5_signature, true, force};
}

}  // namespace

TEST(OutputPath, AnInputIsRefusedUnderEverySpellingOfItsPath) {
  TempDir d;
  const std::string in = d.file("in.txt", "the corpus");
  fs::create_directories(d.path / "sub");
  ASSERT_EQ(::link(in.c_str(), (d / "hard.txt").c_str()), 0);
  fs::create_symlink("in.txt", d.path / "soft.txt");
  const OutputPath any{"", "--output", "corpus cache", OutputKind::File};
  for (const std::string out : {in, d / "./in.txt", d / "sub/../in.txt", d / "hard.txt", d / "soft.txt"}) {
    OutputPath o = any;
    o.path = out;
    const std::string e = error_of([&] { check_output_path(o, {d / "other.txt", in}); });
    EXPECT_EQ(e.rfind("--output " + out + ": is ", 0), 0u) << out << ": " << e;
    EXPECT_NE(e.find("would destroy it"), std::string::npos) << e;
  }
  EXPECT_TRUE(same_file(d / "hard.txt", in));
  EXPECT_TRUE(same_file(d / "soft.txt", d / "./sub/../in.txt"));
  EXPECT_FALSE(same_file(d / "missing", d / "missing"));  // nothing there is nobody's input
  EXPECT_EQ(read_file(in), "the corpus");
}

TEST(OutputPath, AnExistingFileIsReplacedOnlyWhenItIsWhatCharnnWritesThere) {
  TempDir d;
  const std::string text = d.file("notes.txt", "my notes");
  const std::string cache = d.file("c.h5", kHdf5Head);
  const std::string empty = d.file("empty.h5", "");
  EXPECT_EQ(error_of([&] { check_output_path(h5_output(d / "new.h5"), {}); }), "");
  EXPECT_EQ(error_of([&] { check_output_path(h5_output(cache), {}); }), "");
  EXPECT_EQ(error_of([&] { check_output_path(h5_output(empty), {}); }), "");  // nothing to lose
  EXPECT_EQ(error_of([&] { check_output_path(h5_output(text), {}); }),
            "--output " + text + ": exists and is not a corpus cache written by charnn; refusing to replace it "
            "even with --force (remove it or choose another path)");
  // Without --force, nothing that exists is replaced, ours or not.
  EXPECT_EQ(error_of([&] { check_output_path(h5_output(cache, false), {}); }),
            "--output " + cache + ": output exists; pass --force to overwrite it");
  EXPECT_NE(error_of([&] { check_output_path(h5_output(d.path.string()), {}); }).find(": is a directory"),
            std::string::npos);
  EXPECT_NE(error_of([&] { check_output_path(h5_output(d / "nodir/x.h5"), {}); }).find("does not exist"),
            std::string::npos);
  // A symlink at the output is judged by what it points to; a dangling one hides nothing.
  fs::create_symlink("notes.txt", d.path / "to-notes.h5");
  EXPECT_NE(error_of([&] { check_output_path(h5_output(d / "to-notes.h5"), {}); }).find("is not a corpus cache"),
            std::string::npos);
  fs::create_symlink("nowhere.h5", d.path / "dangling.h5");
  EXPECT_EQ(error_of([&] { check_output_path(h5_output(d / "dangling.h5"), {}); }), "");
  EXPECT_TRUE(has_hdf5_signature(cache));
  EXPECT_FALSE(has_hdf5_signature(text));
  EXPECT_FALSE(has_png_signature(cache));
  // After a user block (charnn's seal: 4096 bytes) HDF5 finds its signature at a
  // power of two from 512; anywhere else it is not an HDF5 file.
  const std::string sealed = d.file("sealed.h5", std::string(4096, 's') + kHdf5Head);
  EXPECT_TRUE(has_hdf5_signature(sealed));
  EXPECT_TRUE(has_hdf5_signature(d.file("at512.h5", std::string(512, 's') + kHdf5Head)));
  EXPECT_FALSE(has_hdf5_signature(d.file("at100.h5", std::string(100, 's') + kHdf5Head)));
  EXPECT_FALSE(has_hdf5_signature(d.file("short.h5", "\x89HD")));
}

TEST(OutputPath, ALinkReplacesOnlyALink) {
  TempDir d;
  const std::string ck = d.file("ck.h5", kHdf5Head);
  fs::create_symlink("ck.h5", d.path / "best.h5");
  const OutputPath link{d / "best.h5", "--link", "link", OutputKind::Link};
  // The link itself is replaced, not what it points to: pointing at an input is fine.
  EXPECT_EQ(error_of([&] { check_output_path(link, {ck}); }), "");
  OutputPath file = link;
  file.path = ck;
  EXPECT_EQ(error_of([&] { check_output_path(file, {}); }),
            "--link " + ck + ": exists and is not a symlink (a file); refusing to replace it with a link: remove it "
            "or choose another path");
  file.path = d.path.string();
  EXPECT_NE(error_of([&] { check_output_path(file, {}); }).find("(a directory)"), std::string::npos);
  // And a failed replacement leaves no hidden temporary link behind.
  EXPECT_NE(error_of([&] { replace_symlink("ck.h5", d.path.string()); }), "");
  EXPECT_FALSE(fs::exists(fs::symlink_status(temp_path_for(d.path.string()))));
}

TEST(OutputPath, ADirectoryOutputMustBeADirectoryAndNoInput) {
  TempDir d;
  const std::string data = d.file("c.h5", kHdf5Head);
  const OutputPath dir{d / "run", "checkpoint_dir", "run directory", OutputKind::Directory};
  EXPECT_EQ(error_of([&] { check_output_path(dir, {data}); }), "");  // created later
  OutputPath onto = dir;
  onto.path = data;
  EXPECT_NE(error_of([&] { check_output_path(onto, {data}); }).find("checkpoint_dir " + data + ": is also an input"),
            std::string::npos);
  onto.path = d.file("notes.txt", "x");
  EXPECT_EQ(error_of([&] { check_output_path(onto, {data}); }),
            "checkpoint_dir " + onto.path + ": exists and is not a directory; expected a run directory");
  fs::create_directories(d.path / "run");
  const std::string inside = d.file("run/lm_lstm_epoch1.00_2.0000.h5", kHdf5Head);
  fs::create_symlink("lm_lstm_epoch1.00_2.0000.h5", d.path / "run/latest");
  EXPECT_TRUE(is_within(inside, d / "run"));
  EXPECT_TRUE(is_within(d / "run/latest", d / "./run"));
  EXPECT_FALSE(is_within(data, d / "run"));
}

namespace {
// parse_or_help on a subcommand's table like sample's: a positional, a
// dash-named int and double, a short string option, a switch and one name
// registered with an underscore.
struct ParsedFlags {
  std::string checkpoint, primetext;
  int num_samples = 1;
  double top_p = 1;
  bool skip_unknown = false;
  int64_t max_iters = 0;
};
ParsedFlags parse_flags(std::vector<std::string> args) {
  ParsedFlags f;
  po::options_description desc("Options");
  desc.add_options()("checkpoint", po::value(&f.checkpoint))("num-samples", po::value(&f.num_samples))(
      "top-p", po::value(&f.top_p))("primetext,p", po::value(&f.primetext))(
      "skip-unknown", po::bool_switch(&f.skip_unknown))("max_iters", po::value(&f.max_iters));
  args.insert(args.begin(), "sample");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  po::variables_map vm;
  EXPECT_TRUE(parse_or_help(static_cast<int>(argv.size()), argv.data(), "usage", desc, "checkpoint", vm));
  return f;
}
}  // namespace

TEST(ParseOrHelp, UnderscoresAndDashesInLongNamesAreTheSame) {
  ParsedFlags f = parse_flags({"ck.h5", "--num_samples", "3", "--top_p=0.25", "--skip_unknown", "--max-iters", "7"});
  EXPECT_EQ(f.checkpoint, "ck.h5");
  EXPECT_EQ(f.num_samples, 3);
  EXPECT_EQ(f.top_p, 0.25);
  EXPECT_TRUE(f.skip_unknown);
  EXPECT_EQ(f.max_iters, 7);  // registered with '_', given with '-'
  f = parse_flags({"--num-samples=2", "--top-p", "0.5", "--max_iters=4", "x.h5"});  // the registered spellings
  EXPECT_EQ(f.num_samples, 2);
  EXPECT_EQ(f.top_p, 0.5);
  EXPECT_EQ(f.max_iters, 4);
  EXPECT_EQ(f.checkpoint, "x.h5");
  // Values are not option names: "-p a_b", "--primetext=top_p", and the word after -p or --primetext.
  EXPECT_EQ(parse_flags({"-p", "a_b"}).primetext, "a_b");
  EXPECT_EQ(parse_flags({"--primetext=--top_p"}).primetext, "--top_p");
  EXPECT_EQ(parse_flags({"--num_samples", "2", "-p", "--top_p"}).primetext, "--top_p");
  EXPECT_EQ(parse_flags({"--primetext", "--top_p"}).primetext, "--top_p");
  EXPECT_EQ(parse_flags({"--prime", "--top_p", "--top_p", "0.5"}).top_p, 0.5);  // a prefix Boost completes
}

TEST(ParseOrHelp, UnknownSpellingsAreStillErrors) {
  for (const char* bad : {"--num__samples", "--num_sample_s", "--top_q"}) {
    std::string e = error_of([&] { parse_flags({bad, "1"}); });
    EXPECT_NE(e.find(std::string("unrecognised option '") + bad + "'"), std::string::npos) << e;
    EXPECT_EQ(e.rfind("sample: ", 0), 0u) << e;
  }
}
