// Logging: every diagnostic line charnn writes to stderr goes through here
// (results a command is asked for go to stdout, and are not logging).
//
//   charnn: resuming from run/ck_1.2345_100.h5 at iteration 100
//   charnn: warning: only 3 batches per epoch ...
//   charnn: error: [rank 2] run/data.h5: cannot open ...
//
// Who prints is decided here, once: a *job* line (what every rank would say
// alike: "resuming", "done", a settings warning) is printed by rank 0 only; a
// *rank* line (this rank's own state: its GPU, its teardown, its error) is
// printed by every rank that has it, prefixed "[rank r] " when the job has
// more than one rank. The live progress bar (util/progress) is drawn through
// here too, so a log line never lands in the middle of it. A line is always one
// line: control characters in its text (a newline in a path, a raw byte a parser
// quotes) are written as escapes (\n, \x01).
#pragma once
#include <string>
#include <utility>

#include <fmt/format.h>

namespace charnn::log {

enum class Level { Info, Note, Warning, Error };
enum class Who { Job, Rank };  // Job: rank 0 prints; Rank: every rank prints, with its prefix

// Called once the process group is known (comm_init); before that every
// process counts as rank 0 of 1.
void set_rank(int rank, int size);
// "[rank 3] " in a multi-rank job, "" otherwise.
std::string rank_prefix();

// One whole line, "charnn: " + level tag + rank prefix (Who::Rank) + text.
void line(Level level, Who who, const std::string& text);
// Progress output: `transient` text is redrawn in place (a terminal's bar,
// no newline); otherwise a plain line without the "charnn:" tag.
void progress(const std::string& text, bool transient);
// Ends a transient line so the next output starts on a fresh line.
void end_transient();

template <typename... A>
void info(fmt::format_string<A...> f, A&&... a) {
  line(Level::Info, Who::Job, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void note(fmt::format_string<A...> f, A&&... a) {
  line(Level::Note, Who::Job, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void warn(fmt::format_string<A...> f, A&&... a) {
  line(Level::Warning, Who::Job, fmt::format(f, std::forward<A>(a)...));
}
// A warning about this rank's own state (its GPU, its teardown).
template <typename... A>
void warn_rank(fmt::format_string<A...> f, A&&... a) {
  line(Level::Warning, Who::Rank, fmt::format(f, std::forward<A>(a)...));
}
// An error this rank hit; the caller decides whether the job ends.
inline void error(const std::string& text) { line(Level::Error, Who::Rank, text); }
// An error every rank reached together: said once, by rank 0.
inline void error_job(const std::string& text) { line(Level::Error, Who::Job, text); }

}  // namespace charnn::log
