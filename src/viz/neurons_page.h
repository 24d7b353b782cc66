// src/viz/neurons_page: the page `charnn neurons` writes, and its --json.
// Owns the page's layout, its data budget and its script: the text as one
// <span> per character, coloured by the script from one cell's series at a
// time; the picker; the guesses panel; the ranked "cells that track X" table.
// Built on viz/html.h (escaping, embedding, the CSP); no LibTorch.
//
// What makes 100k characters usable (figures in docs/visualise.md): the text
// is in chunks of whole lines drawn only when on screen (content-visibility);
// every cell series is one byte per character (Trace's quantisation), base64,
// in its own block, decoded only when that series is picked; the top guesses
// are ids plus probabilities as uint16 (floor(p * 65535): never above p, so
// they still sum to <= 1), and the surprise of each character a float32.
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "data/vocab.h"
#include "viz/discovery.h"
#include "viz/trace.h"

namespace charnn {

struct NeuronsPage {
  std::string checkpoint;  // path, for the heading
  std::string source;      // what was traced: "FILE" or "CACHE.h5 (val split)"
  const Vocab* vocab = nullptr;
  const std::vector<int64_t>* ids = nullptr;  // the characters traced
  const Trace* trace = nullptr;
  std::vector<PropertyRanking> ranking;
  std::string first_view;  // the view opened when the link names none: "L1.c.42" or "surprise"
};

// Mean surprise (-ln p, nats per character) over the characters that were predicted (all but the first).
double mean_surprise(const Trace& trace);

// The whole HTML document.
std::string neurons_html(const NeuronsPage& page);

// --json: the discovery table and the model's mean surprise, as one object
// ("format": "charnn-neurons"; an existing file is replaced only if it has that).
nlohmann::ordered_json neurons_json(const NeuronsPage& page);
bool is_neurons_json(const std::string& path);

}  // namespace charnn
