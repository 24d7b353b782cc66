// src/viz/report.h: what the page says about a run or sweep, from data built
// here (tests/integration/report.sh drives the command on real directories).
#include <gtest/gtest.h>

#include "helpers.h"
#include "viz/html.h"
#include "viz/report.h"

namespace charnn {

namespace {

report::RunView run(int id, TrialState status, double best, bool done) {
  report::RunView v;
  v.row.id = id;
  v.row.dir = cat("sw/trials/000", id);
  v.row.status = status;
  v.row.params = {{"learning_rate", cat("0.00", id + 1)}};
  if (best >= 0) {
    v.row.train_curve = {{10, 3.0}, {20, 2.5}};
    v.row.val_curve = {{20, best}};
    v.row.best_val_loss = best;
    v.row.best_iter = 20;
    v.row.last_iter = 20;
  }
  v.row.done_logged = done;
  return v;
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(Report, ARunWithoutADoneLineIsInProgress) {
  report::ReportData d;
  d.dir = "run";
  d.runs = {run(-1, TrialState::unknown, 2.0, false)};
  report::Progress p = report::progress_of(d);
  EXPECT_TRUE(p.in_progress);
  EXPECT_NE(p.text.find("In progress: iteration 20"), std::string::npos) << p.text;
  EXPECT_NE(p.text.find("Run 'charnn report run' again"), std::string::npos) << p.text;
  d.runs[0].row.done_logged = true;
  p = report::progress_of(d);
  EXPECT_FALSE(p.in_progress);
  EXPECT_EQ(p.text.rfind("Finished: iteration 20", 0), 0u) << p.text;
  d.runs = {run(-1, TrialState::pending, -1, false)};
  EXPECT_EQ(report::progress_of(d).text.rfind("Not started yet.", 0), 0u);
}

TEST(Report, ASweepCountsItsTrialsByStage) {
  report::ReportData d;
  d.dir = "sw", d.sweep = true;
  d.runs = {run(0, TrialState::done, 1.5, true), run(1, TrialState::running, 1.7, false),
            run(2, TrialState::pending, -1, false), run(3, TrialState::failed, -1, false)};
  report::Progress p = report::progress_of(d);
  EXPECT_TRUE(p.in_progress);
  EXPECT_EQ(p.text.rfind("In progress: 1 of 4 trials finished, 1 running, 1 not started, 1 failed.", 0), 0u) << p.text;
  d.runs = {run(0, TrialState::done, 1.5, true), run(3, TrialState::failed, -1, false)};
  EXPECT_EQ(report::progress_of(d).text, "Finished: 1 of 2 trials finished, 1 failed.");
}

TEST(Report, SweepPageHasTheTableTheBestTrialAndASectionPerTrial) {
  report::ReportData d;
  d.dir = "sw <dir>", d.sweep = true, d.generated_at = "now";
  d.runs = {run(1, TrialState::done, 1.5, true), run(0, TrialState::done, 1.6, true),
            run(2, TrialState::running, -1, false)};
  d.runs[0].config = "savefile: \"</pre><script>x</script>\"\n";
  d.runs[0].has_config = true;
  d.runs[0].samples = {{10, 0.5, "a<b"}, {10, 1.0, "c"}, {20, 0.5, "d"}, {20, 1.0, "e"}};
  const std::string page = report::render(d);
  EXPECT_NE(page.find("<meta name=\"generator\" content=\"charnn report\">"), std::string::npos);
  EXPECT_EQ(count(page, "<tr data-trial="), 3);
  EXPECT_NE(page.find("<tr data-trial=\"1\" data-target=\"trial-0001\" class=\"best\">"), std::string::npos);
  EXPECT_NE(page.find("<th data-key=\"val_loss\" class=\"num\" aria-sort=\"ascending\">"), std::string::npos);
  EXPECT_EQ(count(page, "<details class=\"trial"), 3);
  EXPECT_NE(page.find("<details class=\"trial best\" id=\"trial-0001\""), std::string::npos);
  EXPECT_NE(page.find("class=\"series trial best\""), std::string::npos);
  EXPECT_EQ(count(page, "class=\"series trial"), 2 * 2);  // two trials with a val curve, two x views
  // Text from the directory is escaped wherever it shows.
  EXPECT_EQ(page.find("<script>x"), std::string::npos);
  EXPECT_NE(page.find("&lt;/pre&gt;&lt;script&gt;x"), std::string::npos);
  EXPECT_NE(page.find("sw &lt;dir&gt;"), std::string::npos);
  // Samples: a tab per temperature, an entry per sample point in each.
  EXPECT_EQ(count(page, "<button type=\"button\" class=\"tab"), 2);
  EXPECT_EQ(count(page, "<div class=\"sample\" data-iter="), 4);
  EXPECT_NE(page.find("<pre>a&lt;b</pre>"), std::string::npos);
  EXPECT_NE(page.find("In progress: 2 of 3 trials finished, 1 running."), std::string::npos);
}

TEST(Report, PageIsRecognisedAsOursAndNothingElseIs) {
  test::TempDir t;
  report::ReportData d;
  d.dir = "run";
  d.runs = {run(-1, TrialState::unknown, 2.0, true)};
  const std::string ours = t.file("report.html", report::render(d));
  EXPECT_TRUE(html::written_by(ours, report::kGenerator));
  EXPECT_FALSE(html::written_by(ours, "charnn neurons"));
  EXPECT_FALSE(html::written_by(t.file("other.html", "<!doctype html>\n<p>mine</p>\n"), report::kGenerator));
  EXPECT_FALSE(html::written_by(t / "absent.html", report::kGenerator));
}

}  // namespace charnn
