// CRC-32C against published check values, the TFRecord framing and the
// hand-written Event protobuf bytes (tensorboard/). The files as a whole are
// decoded by python3-protobuf in tests/integration/tensorboard.sh.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tensorboard/crc32c.h"
#include "tensorboard/event_file.h"
#include "tensorboard/tensorboard.h"
#include "util/status.h"

namespace charnn {
namespace {

uint32_t crc_of(const std::string& s) { return crc32c(s.data(), s.size()); }

TEST(Crc32c, KnownVectors) {
  // The CRC catalogue's check value, and RFC 3720 (iSCSI) appendix B.4.
  EXPECT_EQ(crc_of("123456789"), 0xE3069283u);
  EXPECT_EQ(crc_of(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc_of(std::string(32, '\xff')), 0x62A8AB43u);
  std::string up, down;
  for (int i = 0; i < 32; ++i) up.push_back(static_cast<char>(i)), down.push_back(static_cast<char>(31 - i));
  EXPECT_EQ(crc_of(up), 0x46DD794Eu);
  EXPECT_EQ(crc_of(down), 0x113FDB5Cu);
  EXPECT_EQ(crc_of(""), 0u);
}

TEST(Crc32c, ContinuesAcrossPieces) {
  const std::string a = "12345", b = "6789";
  EXPECT_EQ(crc32c(b.data(), b.size(), crc32c(a.data(), a.size())), 0xE3069283u);
}

TEST(Crc32c, MaskedAsTensorFlowMasksIt) {
  const uint32_t crc = 0xE3069283u;
  EXPECT_EQ(masked_crc32c("123456789", 9), ((crc >> 15) | (crc << 17)) + 0xa282ead8u);
}

TEST(TfRecord, FramesLengthDataAndCrcs) {
  const std::string data = "brain";
  const std::string r = tfrecord(data);
  ASSERT_EQ(r.size(), 8u + 4 + data.size() + 4);
  uint64_t len = 0;
  for (int i = 7; i >= 0; --i) len = (len << 8) | static_cast<unsigned char>(r[i]);
  EXPECT_EQ(len, data.size());
  uint32_t c1 = 0, c2 = 0;
  for (int i = 3; i >= 0; --i) c1 = (c1 << 8) | static_cast<unsigned char>(r[8 + i]);
  for (int i = 3; i >= 0; --i) c2 = (c2 << 8) | static_cast<unsigned char>(r[12 + data.size() + i]);
  EXPECT_EQ(c1, masked_crc32c(r.data(), 8));
  EXPECT_EQ(c2, masked_crc32c(data.data(), data.size()));
  EXPECT_EQ(r.substr(12, data.size()), data);
}

TEST(EventProto, FileVersionBytes) {
  // wall_time 1.0 (field 1, fixed64), file_version (field 3) "brain.Event:2".
  const std::string e = event_file_version(1.0);
  const std::string want = std::string("\x09\x00\x00\x00\x00\x00\x00\xf0\x3f", 9) + "\x1a\x0d" + "brain.Event:2";
  EXPECT_EQ(e, want);
}

TEST(EventProto, ScalarBytes) {
  // step 300 = varint ac 02; summary (5) { value (1) { tag (1) "lr"; simple_value (2) 0.5f } }.
  const std::string e = event_scalars(0.0, 300, {{"lr", 0.5}});
  const std::string want = std::string("\x09\x00\x00\x00\x00\x00\x00\x00\x00", 9) + "\x10\xac\x02" +
                           "\x2a\x0b" + "\x0a\x09" + "\x0a\x02lr" + std::string("\x15\x00\x00\x00\x3f", 5);
  EXPECT_EQ(e, want);
}

TEST(TensorBoardScalars, TrainAndValLines) {
  const auto train = tensorboard_scalars(
      nlohmann::json::parse(R"({"event":"train","iter":10,"loss":2.0,"lr":0.002,"grad_norm":1.5,"chars_per_sec":900})"),
      "m:1");
  ASSERT_EQ(train.size(), 5u);
  EXPECT_EQ(train[0].tag, "loss/train");
  EXPECT_DOUBLE_EQ(train[1].value, 2.0 / std::log(2.0));
  EXPECT_EQ(train[4].tag, "chars_per_sec");
  const auto val = tensorboard_scalars(nlohmann::json::parse(R"({"event":"val","val_loss":1.5,"val_bpc":2.1})"), "m:2");
  ASSERT_EQ(val.size(), 2u);
  EXPECT_EQ(val[1].tag, "bpc/val");
  EXPECT_TRUE(tensorboard_scalars(nlohmann::json::parse(R"({"event":"start","iter":0})"), "m:3").empty());
  try {
    tensorboard_scalars(nlohmann::json::parse(R"({"event":"train","loss":"x"})"), "run/metrics.jsonl:4");
    FAIL() << "a loss that is not a number was accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "run/metrics.jsonl:4: loss: got \"x\", expected a number");
  }
}

TEST(TensorBoardNames, TrialRunNameAndSampleTag) {
  EXPECT_EQ(trial_run_name(7, {{"learning_rate", "0.002"}, {"model", "a/b"}}), "0007_learning_rate=0.002,model=a_b");
  EXPECT_EQ(trial_run_name(12, {}), "0012");
  EXPECT_EQ(sample_tag(0.5), "samples/temperature_0.5");
}

TEST(EventFile, WriterStartsWithFileVersionAndIsRecognised) {
  const std::string dir = ::testing::TempDir() + "/charnn_tb_writer";
  std::filesystem::remove_all(dir);
  std::string path;
  {
    EventFileWriter w(dir);
    w.write(event_scalars(unix_seconds_now(), 1, {{"loss/train", 3.0}}));
    path = w.path();
  }
  EXPECT_NE(path.find("/events.out.tfevents."), std::string::npos);
  EXPECT_TRUE(is_event_file(path));
  std::ofstream(dir + "/not_events") << "hello world, not a record";
  EXPECT_FALSE(is_event_file(dir + "/not_events"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace charnn
