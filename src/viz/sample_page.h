// src/viz/sample_page: the page `charnn export --format html` writes. The
// reader types a prime, picks a temperature, length and seed, and watches the
// model write: the cells (LSTM, GRU, tanh RNN) run in the page's own script
// (sample.js), in PyTorch's gate order and formulas as sample/sampler.cpp
// computes them, on the weights embedded as float32 base64 (one block per
// parameter). Temperature 0 takes the most likely character each time, as
// `charnn sample --argmax`, and gives the same text; a seeded generator in the
// page makes a seed repeat its text. The work runs in chunks between which the
// page takes input, so it stays responsive; the page CSP is the shared one
// (viz/html.h): nothing is fetched, not even a worker script.
//
// Links like model.html#prime=ROMEO%3A&temperature=0&length=200&seed=7&run
// fill the fields and start (tests/integration/export_html.sh drives it so).
#pragma once
#include <string>

#include "export/export.h"

namespace charnn {

constexpr const char* kSamplePageGenerator = "charnn export";

// The whole HTML document.
std::string sample_page_html(const ExportModel& m);

}  // namespace charnn
