#include <gtest/gtest.h>

#include <fstream>

#include "helpers.h"
#include "train/options.h"
#include "util/status.h"

using namespace charnn;

using charnn::test::error_of;

TEST(Options, FlagsAcceptDashesAndUnderscoresAndOverrideTheConfigFile) {
  std::string path = "/tmp/charnn-options-test.yaml";
  std::ofstream(path) << "rnn_size: 64\nnum_layers: 3\nmodel: gru\n";
  auto cl = parse_train_command_line({"--config", path, "--rnn-size", "256", "--set", "dropout=0.25",
                                      "--data=x.h5", "--overlap", "false", "--explosion_guard"});
  EXPECT_EQ(cl.cfg.rnn_size, 256);
  EXPECT_EQ(cl.cfg.num_layers, 3);
  EXPECT_EQ(cl.cfg.model, CellType::Gru);
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

// --- closed sets: enums parsed once, spelt as the files have always spelt them ---

namespace {

// Every enumerator reads and prints as `spellings` (in declaration order), the
// strings in config.yaml and checkpoints; nothing else (case included) parses.
template <typename E>
void expect_round_trip(const std::vector<std::string>& spellings) {
  ASSERT_EQ(Choices<E>::names.size(), spellings.size()) << Choices<E>::key;
  for (size_t i = 0; i < spellings.size(); ++i) {
    const E e = static_cast<E>(i);
    EXPECT_EQ(to_string(e), spellings[i]);
    EXPECT_EQ(cat(e), spellings[i]);
    EXPECT_EQ(from_string<E>(spellings[i]), e) << spellings[i];
    EXPECT_EQ(parse_choice<E>(spellings[i], "--x"), e) << spellings[i];
    std::string upper = spellings[i];
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(from_string<E>(upper), std::nullopt) << upper;
  }
  EXPECT_EQ(from_string<E>(""), std::nullopt);
}

// A bad value: one line naming where, the key, the value and every choice,
// the same from parse_choice as from the options table.
template <typename E>
void expect_bad_value_error(const std::string& list) {
  const std::string key = Choices<E>::key;
  EXPECT_EQ(choice_list<E>(), list);
  const std::string want = "--" + key + ": " + key + " = 'nope': expected one of " + list;
  EXPECT_EQ(error_of([&] { parse_choice<E>("nope", "--" + key); }), want);
  TrainConfig cfg;
  EXPECT_EQ(error_of([&] { set_option(cfg, key, "nope", "--" + key); }), want);
}

// Every value through a flag, --set and a YAML file: the same enum, and the
// same config.yaml (which reads back to it).
template <typename E>
void expect_flag_set_and_yaml_agree(E TrainConfig::*field) {
  const std::string key = Choices<E>::key;
  for (size_t i = 0; i < Choices<E>::names.size(); ++i) {
    const E e = static_cast<E>(i);
    const std::string v = to_string(e);
    SCOPED_TRACE(key + " " + v);
    const TrainConfig by_flag = parse_train_command_line({"--" + key, v}).cfg;
    const TrainConfig by_set = parse_train_command_line({"--set", key + "=" + v}).cfg;
    const std::string path = "/tmp/charnn-options-enum.yaml";
    std::ofstream(path) << key << ": " << v << "\n";
    TrainConfig by_yaml, from_saved;
    apply_yaml_file(by_yaml, path);
    std::ofstream(path) << to_yaml(by_flag);
    apply_yaml_file(from_saved, path);
    EXPECT_EQ(by_flag.*field, e);
    EXPECT_EQ(by_set.*field, e);
    EXPECT_EQ(by_yaml.*field, e);
    EXPECT_EQ(from_saved.*field, e);
    EXPECT_NE(to_yaml(by_flag).find(key + ": \"" + v + "\"\n"), std::string::npos);
    EXPECT_EQ(to_yaml(by_flag), to_yaml(by_yaml));
  }
}

}  // namespace

TEST(Choices, EveryEnumRoundTripsThroughItsSpelling) {
  expect_round_trip<CellType>({"lstm", "gru", "rnn"});
  expect_round_trip<Optimizer>({"adam", "adamw", "rmsprop", "sgd"});
  expect_round_trip<LrSchedule>({"constant", "charrnn", "step", "cosine"});
  expect_round_trip<ClipMode>({"norm", "value"});
  expect_round_trip<Precision>({"fp32", "tf32", "bf16"});
}

TEST(Choices, ABadValueNamesTheKeyAndTheChoices) {
  expect_bad_value_error<CellType>("lstm | gru | rnn");
  expect_bad_value_error<Optimizer>("adam | adamw | rmsprop | sgd");
  expect_bad_value_error<LrSchedule>("constant | charrnn | step | cosine");
  expect_bad_value_error<ClipMode>("norm | value");
  expect_bad_value_error<Precision>("fp32 | tf32 | bf16");
  expect_bad_value_error<DeviceChoice>("auto | cpu | cuda");
  TrainConfig cfg;
  EXPECT_EQ(error_of([&] { set_option(cfg, "device", "tpu", "--device"); }),
            "--device: device = 'tpu': expected one of auto | cpu | cuda");
  set_option(cfg, "device", "cuda", "--device");
  EXPECT_EQ(cfg.device, DeviceChoice::Cuda);
}

// resume is a closed choice or a path, parsed once where it is read; config.yaml
// holds what was written.
TEST(Options, ResumeIsNothingLatestOrAFile) {
  TrainConfig cfg;
  EXPECT_FALSE(cfg.resume.given());
  set_option(cfg, "resume", "auto", "--resume");
  EXPECT_EQ(cfg.resume.kind, ResumeFrom::Kind::Latest);
  EXPECT_EQ(option_value(cfg, *find_option("resume")), "auto");
  set_option(cfg, "resume", "cv/lm_lstm_epoch1.00_2.0000.h5", "--resume");
  EXPECT_EQ(cfg.resume.kind, ResumeFrom::Kind::File);
  EXPECT_EQ(cfg.resume.path, "cv/lm_lstm_epoch1.00_2.0000.h5");
  TrainConfig back;
  apply_yaml_text(back, to_yaml(cfg), "config.yaml");
  EXPECT_EQ(back.resume.kind, ResumeFrom::Kind::File);
  EXPECT_EQ(back.resume.path, cfg.resume.path);
  set_option(cfg, "resume", "", "--resume");
  EXPECT_FALSE(cfg.resume.given());
  set_option(cfg, "init_from", "a.h5", "--init_from");
  set_option(cfg, "resume", "auto", "--resume");
  cfg.data = "x.h5";
  EXPECT_NE(error_of([&] { validate(cfg); }).find("exclusive"), std::string::npos);
}

// What a string option's value names lives in its row: train's file checks
// and a sweep's path rules read it from there.
TEST(Options, EachPathOptionSaysWhatItNamesInItsRow) {
  auto kind = [](const char* name) { return find_option(name)->rule.path; };
  for (const char* in : {"data", "vocab", "init_from"}) {
    EXPECT_EQ(kind(in), PathKind::InputFile) << in;
    EXPECT_TRUE(find_option(in)->sweepable()) << in;
  }
  EXPECT_EQ(kind("resume"), PathKind::CheckpointOrAuto);
  EXPECT_EQ(kind("checkpoint_dir"), PathKind::RunDir);
  EXPECT_EQ(kind("savefile"), PathKind::FileStem);
  EXPECT_FALSE(find_option("resume")->sweepable());
  EXPECT_FALSE(find_option("checkpoint_dir")->sweepable());
  EXPECT_TRUE(find_option("savefile")->sweepable());
  EXPECT_EQ(kind("tensorboard_dir"), PathKind::OutputDir);
  EXPECT_FALSE(find_option("tensorboard_dir")->sweepable());
  size_t paths = 0;
  for (const OptionSpec& o : train_options()) paths += o.rule.path != PathKind::None;
  EXPECT_EQ(paths, 7u);
}

// The temperature list is parsed once, where it is read, and written back as a list.
TEST(Options, SampleTemperaturesAreParsedWhereTheyAreRead) {
  TrainConfig cfg;
  EXPECT_EQ(cfg.sample_temperatures, (std::vector<double>{0.2, 0.5, 1.0}));
  EXPECT_EQ(option_value(cfg, *find_option("sample_temperatures")), "0.2,0.5,1");
  set_option(cfg, "sample_temperatures", "0.5, 1.25", "--sample_temperatures");
  EXPECT_EQ(cfg.sample_temperatures, (std::vector<double>{0.5, 1.25}));
  EXPECT_NE(to_yaml(cfg).find("\nsample_temperatures: \"0.5,1.25\"\n"), std::string::npos) << to_yaml(cfg);
  EXPECT_EQ(error_of([&] { set_option(cfg, "sample_temperatures", "0.5,-1", "x.yaml:3"); }),
            "x.yaml:3: sample_temperatures = '0.5,-1': expected comma-separated positive numbers");
}

TEST(Choices, FlagsSetAndYamlGiveTheSameEnum) {
  expect_flag_set_and_yaml_agree(&TrainConfig::model);
  expect_flag_set_and_yaml_agree(&TrainConfig::optimizer);
  expect_flag_set_and_yaml_agree(&TrainConfig::lr_schedule);
  expect_flag_set_and_yaml_agree(&TrainConfig::grad_clip_mode);
  expect_flag_set_and_yaml_agree(&TrainConfig::precision);
}

// --print-config, config.yaml and the config saved in checkpoints print the
// enums' defaults as the strings they were: quoted, as strings are.
TEST(Choices, DefaultConfigPrintsTheSameStrings) {
  const TrainConfig defaults;
  const std::string yaml = to_yaml(defaults);
  for (const char* line : {"\nmodel: \"lstm\"\n", "\noptimizer: \"adam\"\n", "\nlr_schedule: \"constant\"\n",
                           "\ngrad_clip_mode: \"norm\"\n", "\nprecision: \"fp32\"\n"})
    EXPECT_NE(yaml.find(line), std::string::npos) << line << " in\n" << yaml;
  auto value = [&](const char* name) { return option_value(defaults, *find_option(name)); };
  EXPECT_EQ(value("model"), "lstm");
  EXPECT_EQ(value("optimizer"), "adam");
  EXPECT_EQ(value("lr_schedule"), "constant");
  EXPECT_EQ(value("grad_clip_mode"), "norm");
  EXPECT_EQ(value("precision"), "fp32");
  EXPECT_NE(train_help().find("recurrent cell [lstm]"), std::string::npos);
  // What --print-config writes is what parse_train_command_line resolved.
  EXPECT_EQ(to_yaml(parse_train_command_line({"--print-config"}).cfg), yaml);
}

// --- edge cases of the number and boolean parsers ---

TEST(Options, DoublesRejectTrailingGarbageNonFiniteAndOutOfRange) {
  TrainConfig cfg;
  for (const char* v : {"0.5x", "1e-3abc", "", "nan", "inf", "-inf", "1e400", "-0.1", "0.995", "0.5 "}) {
    std::string e = error_of([&] { set_option(cfg, "dropout", v, "--dropout"); });
    EXPECT_EQ(e, std::string("--dropout: dropout = ") + quoted(v) + ": expected a number in [0, 0.99]") << v;
  }
  EXPECT_DOUBLE_EQ(cfg.dropout, 0.0);  // a rejected value changes nothing
  std::string e = error_of([&] { set_option(cfg, "grad_clip", "-1", "--grad_clip"); });
  EXPECT_EQ(e, "--grad_clip: grad_clip = '-1': expected a number in [0, inf]");
  set_option(cfg, "grad_clip", "1e300", "--grad_clip");  // the unbounded top is still finite
  EXPECT_DOUBLE_EQ(cfg.grad_clip, 1e300);
}

TEST(Options, NegativeCountsAndOverflowNameTheRange) {
  TrainConfig cfg;
  std::string e = error_of([&] { set_option(cfg, "keep_last", "-1", "--keep_last"); });
  EXPECT_EQ(e, "--keep_last: keep_last = '-1': expected an integer in [0, 1048576]");
  // 2^63 overflows int64; the bound 2^50 prints in full, not rounded to 6 digits.
  e = error_of([&] { set_option(cfg, "max_iters", "9223372036854775808", "--max_iters"); });
  EXPECT_EQ(e, "--max_iters: max_iters = '9223372036854775808': expected an integer in [0, 1125899906842624]");
  e = error_of([&] { set_option(cfg, "batch_size", "0", "--batch_size"); });
  EXPECT_NE(e.find("batch_size = '0': expected an integer in [1, "), std::string::npos) << e;
  e = error_of([&] { set_option(cfg, "rnn_size", "12 ", "--rnn_size"); });
  EXPECT_NE(e.find("rnn_size = '12 ': expected an integer"), std::string::npos) << e;
  EXPECT_EQ(cfg.keep_last, 3);
  EXPECT_EQ(cfg.max_iters, 0);
}

TEST(Options, BooleansTakeTheUsualSpellingsOnly) {
  TrainConfig cfg;
  for (const char* v : {"true", "TRUE", "1", "yes", "on"}) {
    cfg.overlap = false;
    set_option(cfg, "overlap", v, "--overlap");
    EXPECT_TRUE(cfg.overlap) << v;
  }
  for (const char* v : {"false", "False", "0", "no", "off"}) {
    cfg.overlap = true;
    set_option(cfg, "overlap", v, "--overlap");
    EXPECT_FALSE(cfg.overlap) << v;
  }
  for (const char* v : {"", "2", "yes please", "t"}) {
    std::string e = error_of([&] { set_option(cfg, "overlap", v, "--overlap"); });
    EXPECT_EQ(e, std::string("--overlap: overlap = ") + quoted(v) + ": expected true or false") << v;
  }
}

TEST(Options, AListOrMappingAsAKeyIsAnError) {
  TrainConfig cfg;
  EXPECT_EQ(error_of([&] { apply_yaml_text(cfg, "data: x.h5\n[rnn_size]: 3\n", "c.yaml"); }),
            "c.yaml:2: a key is a list, expected an option name (rnn_size: 128)");
}

// A config file's every key and value is checked where it is read: one line,
// "FILE:LINE: key: got ..., expected ...", never yaml-cpp's own text.
TEST(Options, YamlShapesKeysAndDuplicatesNameFileLineAndKey) {
  charnn::test::TempDir tmp;
  struct Case {
    const char* yaml;
    std::string expected;  // after "FILE"
  };
  const Case cases[] = {
      {"? [a, b]\n: 1\n", ":1: a key is a list, expected an option name (rnn_size: 128)"},
      {"rnn_size: [16, 32]\n", ":1: rnn_size: got a list, expected a single value"},
      {"model: {lstm: yes}\n", ":1: model: got a mapping, expected a single value"},
      {"data: [c.h5]\n", ":1: data: got a list, expected a single value (write \"\" for an empty string)"},
      {"rnn_size:\n", ":1: rnn_size: got nothing, expected a single value"},
      {"rnn_size: 32\nrnn_size: 64\n", ":2: rnn_size: given twice (first at line 1); expected each option once"},
      {"rnn_size: 32\nrnn-size: 64\n", ":2: rnn-size: given twice (first at line 1); expected each option once"},
      {"", ": empty; expected a mapping of option: value (rnn_size: 128)"},
      {"- rnn_size\n- 32\n", ":1: got a list, expected a mapping of option: value"},
      {"just words\n", ":1: got the value 'just words', expected a mapping of option: value"},
      {"savefile: a/b\n", ":1: savefile = 'a/b': expected a file name stem: no '/', no control characters, not "
                          "starting with '.', at most 100 bytes"},
      {"sample_temperatures: 0.5,x\n",
       ":1: sample_temperatures = '0.5,x': expected comma-separated positive numbers"},
  };
  for (const Case& c : cases) {
    const std::string path = tmp.file("bad.yaml", c.yaml);
    TrainConfig cfg;
    EXPECT_EQ(error_of([&] { apply_yaml_file(cfg, path); }), path + c.expected) << c.yaml;
  }
  const std::string tabs = tmp.file("tabs.yaml", "model: lstm\n\trnn_size: 3\n");
  TrainConfig cfg;
  const std::string e = error_of([&] { apply_yaml_file(cfg, tabs); });
  EXPECT_EQ(e.rfind(tabs + ":", 0), 0u) << e;
  EXPECT_EQ(e.find("yaml-cpp"), std::string::npos) << e;
}

TEST(Options, SavefileIsAPlainFileNameStem) {
  TrainConfig cfg;
  for (const char* ok : {"lstm", "my_model-2", "v1.5", "-x", "my model", "x\"; touch PWNED; \"", ""}) {
    EXPECT_EQ(error_of([&] { set_option(cfg, "savefile", ok, "--savefile"); }), "") << ok;
    EXPECT_EQ(cfg.savefile, ok);
  }
  for (const char* bad : {"a/b", "/abs", ".hidden", "tab\there", "..", "x\ny", "del\x7f"}) {
    const std::string e = error_of([&] { set_option(cfg, "savefile", bad, "--savefile"); });
    EXPECT_EQ(e.rfind(std::string("--savefile: savefile = ") + quoted(bad) + ": expected a file name stem", 0), 0u)
        << bad << ": " << e;
  }
  EXPECT_NE(error_of([&] { set_option(cfg, "savefile", std::string(101, 'a'), "--savefile"); }), "");
  EXPECT_EQ(error_of([&] { set_option(cfg, "checkpoint_dir", "", "--checkpoint_dir"); }),
            "--checkpoint_dir: checkpoint_dir = '': expected a directory path");
}

// Found by tests/fuzz (train_config): a value with bytes that are not UTF-8 was
// accepted, then written back by to_yaml as U+FFFD (a different, longer value
// that no longer passed its own check).
TEST(Options, StringValuesAreUtf8) {
  TrainConfig cfg;
  EXPECT_EQ(error_of([&] { set_option(cfg, "savefile", "run\xa9", "--savefile"); }),
            "--savefile: savefile = 'run\xa9': expected UTF-8 text");
  EXPECT_EQ(error_of([&] { set_option(cfg, "data", "caf\xc3", "--data"); }), "--data: data = 'caf\xc3': expected UTF-8 text");
  EXPECT_EQ(error_of([&] { set_option(cfg, "savefile", "caf\xc3\xa9", "--savefile"); }), "");
  EXPECT_EQ(cfg.savefile, "caf\xc3\xa9");
}

