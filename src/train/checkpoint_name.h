// Checkpoint file names, as char-rnn named them: lm_<savefile>_epoch<E.EE>_<valloss>.h5.
// Kept free of LibTorch so the sweep tables can read them too.
#pragma once
#include <string>

namespace charnn {

// "lm_lstm_epoch0.95_2.0681.h5"
std::string checkpoint_file_name(const std::string& savefile, double epoch, double val_loss);
// Parses a file name (no directory); false unless it has the pattern. `savefile`
// may be null; when non-empty on input, only that stem matches.
bool parse_checkpoint_file_name(const std::string& name, const std::string& savefile, double* epoch, double* loss);

}  // namespace charnn
