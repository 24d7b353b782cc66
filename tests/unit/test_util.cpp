// util/process (the one way to start a program), util/log (who prints what),
// util/status (error context), util/fsutil's ScratchFiles.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>

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
