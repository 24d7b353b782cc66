#include <gtest/gtest.h>

#include <fstream>

#include "train/options.h"
#include "util/status.h"

using namespace charnn;

static std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Options, FlagsAcceptDashesAndUnderscoresAndOverrideTheConfigFile) {
  std::string path = "/tmp/charnn-options-test.yaml";
  std::ofstream(path) << "rnn_size: 64\nnum_layers: 3\nmodel: gru\n";
  auto cl = parse_train_command_line({"--config", path, "--rnn-size", "256", "--set", "dropout=0.25",
                                      "--data=x.h5", "--overlap", "false", "--explosion_guard"});
  EXPECT_EQ(cl.cfg.rnn_size, 256);
  EXPECT_EQ(cl.cfg.num_layers, 3);
  EXPECT_EQ(cl.cfg.model, "gru");
  EXPECT_DOUBLE_EQ(cl.cfg.dropout, 0.25);
  EXPECT_EQ(cl.cfg.data, "x.h5");
  EXPECT_FALSE(cl.cfg.overlap);
  EXPECT_TRUE(cl.cfg.explosion_guard);
}

TEST(Options, UnknownKeysNameFileLineAndSuggest) {
  std::string path = "/tmp/charnn-options-bad.yaml";
  std::ofstream(path) << "rnn_size: 64\nnum_layer: 3\n";
  TrainConfig cfg;
  std::string e = error_of([&] { apply_yaml_file(cfg, path); });
  EXPECT_NE(e.find(path + ":2"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'num_layers'"), std::string::npos) << e;
  e = error_of([] { parse_train_command_line({"--learning-rat", "0.1"}); });
  EXPECT_NE(e.find("did you mean 'learning_rate'"), std::string::npos) << e;
}

TEST(Options, WrongTypesAndRangesNameKeyValueAndExpectation) {
  std::string path = "/tmp/charnn-options-type.yaml";
  std::ofstream(path) << "# comment\nrnn_size: big\n";
  TrainConfig cfg;
  std::string e = error_of([&] { apply_yaml_file(cfg, path); });
  EXPECT_NE(e.find(":2: rnn_size = 'big': expected an integer"), std::string::npos) << e;
  e = error_of([&] { set_option(cfg, "dropout", "1.5", "--dropout"); });
  EXPECT_NE(e.find("expected a number in [0, 0.99]"), std::string::npos) << e;
  e = error_of([&] { set_option(cfg, "model", "transformer", "--model"); });
  EXPECT_NE(e.find("lstm | gru | rnn"), std::string::npos) << e;
  e = error_of([&] { set_option(cfg, "batch_size", "2.5", "--batch_size"); });
  EXPECT_NE(e.find("expected an integer"), std::string::npos) << e;
}

TEST(Options, ResolvedConfigRoundTripsThroughYaml) {
  TrainConfig a;
  a.rnn_size = 77;
  a.learning_rate = 0.00123;
  a.checkpoint_dir = "x: y";  // needs quoting
  std::string path = "/tmp/charnn-options-rt.yaml";
  std::ofstream(path) << to_yaml(a);
  TrainConfig b;
  apply_yaml_file(b, path);
  EXPECT_EQ(to_yaml(a), to_yaml(b));
  EXPECT_EQ(b.checkpoint_dir, "x: y");
}

TEST(Options, IntegersAreParsedExactlyAndOutOfRangeIsAnError) {
  TrainConfig cfg;
  set_option(cfg, "seed", "9007199254740993", "--seed");  // 2^53 + 1: not a double
  EXPECT_EQ(cfg.seed, 9007199254740993LL);
  set_option(cfg, "seed", "9200000000000000000", "--seed");  // the top of its range
  EXPECT_EQ(cfg.seed, 9200000000000000000LL);
  for (const char* v : {"9200000000000000001", "99999999999999999999999", "-1", "1e3", "12abc", "", " 5", "0x10"}) {
    std::string e = error_of([&] { set_option(cfg, "seed", v, "--seed"); });
    EXPECT_NE(e.find("--seed: seed = "), std::string::npos) << v << ": " << e;
    EXPECT_NE(e.find("expected an integer in [0, "), std::string::npos) << v << ": " << e;
  }
  EXPECT_EQ(cfg.seed, 9200000000000000000LL);
  std::string e = error_of([&] { set_option(cfg, "rnn_size", "65537", "--rnn_size"); });
  EXPECT_NE(e.find("rnn_size = '65537': expected an integer in [1, 65536]"), std::string::npos) << e;
}

TEST(Options, DoubleListRejectsTrailingGarbage) {
  EXPECT_EQ(parse_double_list("0.5,1,1.25", "sample_temperatures"), (std::vector<double>{0.5, 1, 1.25}));
  EXPECT_EQ(parse_double_list("0.5, 1 ", "sample_temperatures"), (std::vector<double>{0.5, 1}));  // YAML style
  for (const char* v : {"0.5x", "0.5,1x", "0.5,,1", "0.5 1", "-1", "nan", "inf"}) {
    std::string e = error_of([&] { parse_double_list(v, "sample_temperatures"); });
    EXPECT_NE(e.find(std::string("sample_temperatures = ") + quoted(v) + ": expected comma-separated positive numbers"),
              std::string::npos)
        << v << ": " << e;
  }
}

TEST(Options, DoublesPrintInTheirShortestRoundTripForm) {
  TrainConfig cfg;
  auto value = [&](const char* name) { return option_value(cfg, *find_option(name)); };
  EXPECT_EQ(value("beta1"), "0.9");
  EXPECT_EQ(value("learning_rate"), "0.002");
  EXPECT_EQ(value("max_epochs"), "50");
  cfg.learning_rate = 0.1 + 0.2;  // needs all 17 digits
  EXPECT_EQ(std::stod(value("learning_rate")), 0.1 + 0.2);
  EXPECT_EQ(to_yaml(TrainConfig()).find("0000000"), std::string::npos) << to_yaml(TrainConfig());
  EXPECT_NE(train_help().find("[0.9]"), std::string::npos);
}
