#include "train/checkpoint_name.h"

#include <cstdio>
#include <cstdlib>

namespace charnn {

std::string checkpoint_file_name(const std::string& savefile, double epoch, double val_loss) {
  // Sized to the numbers: "%.4f" of a large loss has hundreds of digits, and a
  // fixed buffer would cut the name short of its ".h5".
  const char* format = "_epoch%.2f_%.4f.h5";
  std::string suffix(static_cast<size_t>(std::snprintf(nullptr, 0, format, epoch, val_loss)), '\0');
  std::snprintf(suffix.data(), suffix.size() + 1, format, epoch, val_loss);
  return "lm_" + savefile + suffix;
}

bool parse_checkpoint_file_name(const std::string& name, const std::string& savefile, double* epoch, double* loss) {
  if (name.size() < 4 || name.rfind("lm_", 0) != 0 || name.compare(name.size() - 3, 3, ".h5") != 0) return false;
  // The stem may itself contain "_epoch": the last occurrence starts the suffix.
  const size_t at = name.rfind("_epoch");
  if (at == std::string::npos || at < 3) return false;
  if (!savefile.empty() && name.substr(3, at - 3) != savefile) return false;
  double e = 0, l = 0;
  char tail[4] = {0};
  if (std::sscanf(name.c_str() + at, "_epoch%lf_%lf.%3s", &e, &l, tail) != 3) return false;
  *epoch = e;
  *loss = l;
  return true;
}

}  // namespace charnn
