// The closed sets among the training options besides the cell type
// (model/cell_type.h), as enums (util/choice.h): parsed once by the options
// table (train/options.cpp), switched on by the optimizer, the schedules and
// the trainer. The spellings are part of the file formats (config.yaml, the
// config saved in a checkpoint, its optimizer/type attribute), so files
// written before the enums existed read back the same.
#pragma once
#include <array>

#include "model/cell_type.h"
#include "model/init_scheme.h"
#include "util/progress.h"
#include "util/choice.h"

namespace charnn {

enum class Optimizer { Adam, AdamW, RmsProp, Sgd };
enum class LrSchedule { Constant, CharRnn, Step, Cosine };
enum class ClipMode { Norm, Value };
enum class Precision { Fp32, Tf32, Bf16 };
enum class CudaGraph { Auto, On, Off };
enum class LrScale { None, Linear };

template <>
struct Choices<Optimizer> {
  static constexpr const char* key = "optimizer";
  static constexpr std::array<const char*, 4> names{"adam", "adamw", "rmsprop", "sgd"};
};
template <>
struct Choices<LrSchedule> {
  static constexpr const char* key = "lr_schedule";
  static constexpr std::array<const char*, 4> names{"constant", "charrnn", "step", "cosine"};
};
template <>
struct Choices<ClipMode> {
  static constexpr const char* key = "grad_clip_mode";
  static constexpr std::array<const char*, 2> names{"norm", "value"};
};
template <>
struct Choices<Precision> {
  static constexpr const char* key = "precision";
  static constexpr std::array<const char*, 3> names{"fp32", "tf32", "bf16"};
};
template <>
struct Choices<CudaGraph> {
  static constexpr const char* key = "cuda_graph";
  static constexpr std::array<const char*, 3> names{"auto", "on", "off"};
};
template <>
struct Choices<LrScale> {
  static constexpr const char* key = "lr_scale";
  static constexpr std::array<const char*, 2> names{"none", "linear"};
};

}  // namespace charnn
