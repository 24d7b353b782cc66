#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "util/fsutil.h"
#include "data/corpus.h"
#include "data/preprocess.h"
#include "helpers.h"
#include "data/vocab.h"
#include "util/status.h"

using namespace charnn;
using charnn::test::error_of;
using charnn::test::TempDir;
namespace fs = std::filesystem;

TEST(Vocab, IdsFollowTokenValueNotFirstAppearance) {
  std::vector<uint64_t> counts(0x110000, 0);
  for (char32_t c : std::u32string(U"zebra\u00e9")) counts[c]++;
  Vocab v = Vocab::from_counts(counts, Encoding::Utf8);
  ASSERT_EQ(v.size(), 6u);
  EXPECT_EQ(v.values, (std::vector<uint32_t>{'a', 'b', 'e', 'r', 'z', 0xE9}));
  EXPECT_EQ(v.id_of('z'), 4);
  EXPECT_EQ(v.id_of('q'), -1);
  EXPECT_EQ(v.text(5), "\xC3\xA9");
  EXPECT_EQ(v.id_bytes(), 1);
}

TEST(Vocab, TorchRnnOrderIsKeptAndDifferencesAreListed) {
  Vocab a = Vocab::make(Encoding::Utf8, {'b', 'a', '\n'}, {});
  EXPECT_EQ(a.id_of('\n'), 2);
  Vocab b = Vocab::make(Encoding::Utf8, {'a', 'b', 'c'}, {});
  std::string d = describe_vocab_difference(a, b);
  EXPECT_NE(d.find("\\n"), std::string::npos) << d;
  EXPECT_NE(d.find(" c"), std::string::npos) << d;
  EXPECT_THROW(Vocab::make(Encoding::Utf8, {'a', 'a'}, {}), Error);
}

TEST(Splits, ArithmeticAtTheEdges) {
  SplitSizes s = split_sizes(100, 0.1, 0.1);
  EXPECT_EQ(s.train, 80u);
  EXPECT_EQ(s.val, 10u);
  EXPECT_EQ(s.test, 10u);
  EXPECT_NE(error_of([] { split_sizes(10, 0.05, 0.0); }).find("val split"), std::string::npos);
  EXPECT_EQ(split_sizes(20, 0.05, 0.0).val, 1u);
  EXPECT_EQ(split_sizes(20, 0.0, 0.0).train, 20u);
  EXPECT_NE(error_of([] { split_sizes(100, 0.5, 0.5); }).find("sum < 1"), std::string::npos);
  EXPECT_NE(error_of([] { split_sizes(100, -0.1, 0); }).find("[0, 1)"), std::string::npos);
  EXPECT_NE(error_of([] { split_sizes(100, 1.0, 0); }).find("[0, 1)"), std::string::npos);
}

TEST(Preprocess, RoundTripThroughHdf5) {
  TempDir d;
  std::string text;
  for (int i = 0; i < 50; ++i) text += "hello world, h\xC3\xA9llo\n";
  PreprocessOptions o;
  o.inputs = {d.file("a.txt", "\xEF\xBB\xBF" + text), d.file("b.txt", "xyz")};  // BOM dropped
  o.output = d / "c.h5";
  o.val_frac = 0.1;
  o.test_frac = 0.1;
  PreprocessResult r = preprocess(o);
  auto c = Corpus::open(o.output);
  EXPECT_EQ(c->format(), "charnn");
  EXPECT_EQ(c->vocab().size(), r.vocab.size());
  EXPECT_EQ(c->vocab().id_of(0xFEFF), -1);
  const uint64_t n = 50 * 19 + 3;  // 19 characters a line
  EXPECT_EQ(c->size(Split::Train) + c->size(Split::Val) + c->size(Split::Test), n);
  // Reassemble the text from all three splits.
  std::string back;
  for (Split s : {Split::Train, Split::Val, Split::Test}) {
    std::vector<int64_t> ids(c->size(s));
    c->read(s, 0, ids.size(), ids.data());
    for (int64_t id : ids) back += c->vocab().text(id);
  }
  EXPECT_EQ(back, text + "xyz");
  std::vector<int64_t> w(5);
  c->read(Split::Train, 3, 5, w.data());
  EXPECT_EQ(c->vocab().text(w[0]), "l");
  EXPECT_THROW(c->read(Split::Val, c->size(Split::Val) - 2, 5, w.data()), Error);
}

TEST(Preprocess, BytesModeAcceptsAnyFile) {
  TempDir d;
  std::string bin;
  for (int i = 0; i < 1000; ++i) bin += static_cast<char>(i * 7 % 256);
  PreprocessOptions o;
  o.inputs = {d.file("bin", bin)};
  o.output = d / "b.h5";
  o.encoding = Encoding::Bytes;
  PreprocessResult r = preprocess(o);
  EXPECT_EQ(r.vocab.size(), 256u);
  auto c = Corpus::open(o.output);
  std::vector<int64_t> ids(10);
  c->read(Split::Train, 0, 10, ids.data());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(c->vocab().values[ids[i]], static_cast<uint32_t>(i * 7 % 256));
}

TEST(Preprocess, BadInputsFailClearlyAndWriteNothing) {
  TempDir d;
  const std::string good = d.file("good.txt", std::string(1000, 'a') + "bc");
  auto run = [&](std::vector<std::string> inputs, std::string out, bool force = false) {
    PreprocessOptions o;
    o.inputs = inputs;
    o.output = out;
    o.force = force;
    return error_of([&] { preprocess(o); });
  };
  EXPECT_NE(run({d.file("empty.txt", "")}, d / "o.h5").find("empty"), std::string::npos);
  EXPECT_NE(run({d / "missing.txt"}, d / "o.h5").find("not found"), std::string::npos);
  EXPECT_NE(run({d.path.string()}, d / "o.h5").find("is a directory"), std::string::npos);
  EXPECT_NE(run({good}, d / "nodir/o.h5").find("does not exist"), std::string::npos);
  std::string bad = run({good, d.file("bad.txt", "abc\xFF")}, d / "o.h5");
  EXPECT_NE(bad.find("bad.txt: invalid UTF-8 at byte offset 3"), std::string::npos) << bad;
  EXPECT_NE(bad.find("--encoding bytes"), std::string::npos);
  EXPECT_NE(run({d.file("trunc.txt", "abc\xE2\x82")}, d / "o.h5").find("ends inside"), std::string::npos);
  EXPECT_FALSE(fs::exists(d / "o.h5"));
  for (auto& e : fs::directory_iterator(d.path)) EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos);

  // An existing output is kept unless --force.
  EXPECT_EQ(run({good}, d / "o.h5"), "");
  auto size_before = fs::file_size(d / "o.h5");
  EXPECT_NE(run({good}, d / "o.h5").find("--force"), std::string::npos);
  EXPECT_EQ(fs::file_size(d / "o.h5"), size_before);
  // A failing overwrite leaves the old file intact.
  EXPECT_NE(run({d.file("bad2.txt", "\xC0")}, d / "o.h5", true), "");
  EXPECT_EQ(fs::file_size(d / "o.h5"), size_before);
  EXPECT_EQ(Corpus::open(d / "o.h5")->vocab().size(), 3u);
}

TEST(Corpus, ForeignOrCorruptFilesAreClearErrors) {
  TempDir d;
  // Neither sealed by charnn nor a torch-rnn pair: refused before HDF5 parses a byte.
  EXPECT_NE(error_of([&] { Corpus::open(d.file("x.h5", "not hdf5 at all")); }).find("not a corpus cache charnn wrote"),
            std::string::npos);
  // With a torch-rnn vocabulary beside it, HDF5 is asked, and says so.
  d.file("y.json", "{}");
  EXPECT_NE(error_of([&] { Corpus::open(d.file("y.h5", "not hdf5 at all")); }).find("not an HDF5 file"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Corpus::open(d / "nope.h5"); }).find("not found"), std::string::npos);
}
