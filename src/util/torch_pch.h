// Precompiled header for the LibTorch translation units (saves ~20 s per unit).
#pragma once
#include <torch/torch.h>
