#include "sample/lstm_sample_kernels.h"

#include <cuda_runtime.h>

#include <cfloat>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace charnn {

namespace {

constexpr int kWarpsPerBlock = 4;

__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ float sigmoidf(float x) { return 1.0f / (1.0f + __expf(-x)); }

// One warp per hidden unit j: the four gate rows j, H+j, 2H+j, 3H+j, each a
// dot product over the input and the previous h, lanes striding over the row
// (coalesced: the rows are contiguous), reduced with shuffles.
__global__ void lstm_layer_step_kernel(LstmLayerStep a) {
  const int H = a.hidden;
  const int lane = threadIdx.x & 31;
  const int j = blockIdx.x * kWarpsPerBlock + (threadIdx.x >> 5);
  if (j >= H) return;
  float acc[4] = {0.f, 0.f, 0.f, 0.f};
  for (int k = lane; k < H; k += 32) {
    const float hk = a.h_in[k];
#pragma unroll
    for (int g = 0; g < 4; ++g) acc[g] += a.w_hh[static_cast<size_t>(g * H + j) * H + k] * hk;
  }
  if (!a.proj0) {
    for (int k = lane; k < H; k += 32) {
      const float xk = a.x[k];
#pragma unroll
      for (int g = 0; g < 4; ++g) acc[g] += a.w_ih[static_cast<size_t>(g * H + j) * H + k] * xk;
    }
  }
#pragma unroll
  for (int g = 0; g < 4; ++g) acc[g] = warp_sum(acc[g]);
  if (lane == 0) {
    float pre[4];
    if (a.proj0) {
      const float* row = a.proj0 + static_cast<size_t>(*a.token) * 4 * H;
#pragma unroll
      for (int g = 0; g < 4; ++g) pre[g] = acc[g] + row[g * H + j];
    } else {
#pragma unroll
      for (int g = 0; g < 4; ++g) pre[g] = acc[g] + a.bias[g * H + j];
    }
    const float i = sigmoidf(pre[0]), f = sigmoidf(pre[1]), gg = tanhf(pre[2]), o = sigmoidf(pre[3]);
    const float c = f * a.c_in[j] + i * gg;
    a.c_out[j] = c;
    a.h_out[j] = o * tanhf(c);
  }
}

// splitmix64: a counter-based generator, so a graph replay needs no host state.
__device__ __forceinline__ uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// One block: logits into shared memory (a warp per row), then the Gumbel-max
// draw: argmax_v(logit_v / T + G_v) with G_v = -log(-log U_v) is a sample of
// softmax(logits / T), with no normalisation and no host round trip.
__global__ void decode_draw_kernel(DecodeDraw a) {
  extern __shared__ float logits[];
  __shared__ float best_val[32];
  __shared__ int best_idx[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  for (int v = warp; v < a.vocab; v += warps) {
    float acc = 0.f;
    for (int k = lane; k < a.hidden; k += 32) acc += a.w[static_cast<size_t>(v) * a.hidden + k] * a.h[k];
    acc = warp_sum(acc);
    if (lane == 0) logits[v] = acc + a.b[v];
  }
  __syncthreads();
  const uint64_t base = mix(*a.seed ^ mix(static_cast<uint64_t>(*a.counter)));
  const float inv_t = *a.inv_temperature;
  float bv = -FLT_MAX;
  int bi = 0;
  for (int v = threadIdx.x; v < a.vocab; v += blockDim.x) {
    float s = logits[v];
    if (!a.argmax) {
      const double u = (static_cast<double>(mix(base + static_cast<uint64_t>(v)) >> 11) + 0.5) * 0x1.0p-53;
      s = s * inv_t - static_cast<float>(log(-log(u)));
    }
    if (s > bv) bv = s, bi = v;
  }
  for (int o = 16; o > 0; o >>= 1) {
    const float ov = __shfl_xor_sync(0xffffffffu, bv, o);
    const int oi = __shfl_xor_sync(0xffffffffu, bi, o);
    if (ov > bv || (ov == bv && oi < bi)) bv = ov, bi = oi;
  }
  if (lane == 0) best_val[warp] = bv, best_idx[warp] = bi;
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int w = 1; w < warps; ++w)
      if (best_val[w] > bv || (best_val[w] == bv && best_idx[w] < bi)) bv = best_val[w], bi = best_idx[w];
    *a.token = bi;
    if (a.out) *a.out = bi;
    *a.counter += 1;
  }
}

void check_launch(const char* what) {
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}

}  // namespace

void launch_lstm_layer_step(const LstmLayerStep& a, void* stream) {
  const int blocks = (a.hidden + kWarpsPerBlock - 1) / kWarpsPerBlock;
  lstm_layer_step_kernel<<<blocks, kWarpsPerBlock * 32, 0, static_cast<cudaStream_t>(stream)>>>(a);
  check_launch("lstm_layer_step kernel launch");
}

void launch_decode_draw(const DecodeDraw& a, void* stream) {
  if (a.vocab > kMaxDrawVocab) throw std::runtime_error("decode_draw: vocabulary too large");
  decode_draw_kernel<<<1, 1024, a.vocab * sizeof(float), static_cast<cudaStream_t>(stream)>>>(a);
  check_launch("decode_draw kernel launch");
}

}  // namespace charnn
