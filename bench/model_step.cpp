// seqvi_bench_model: the speed of one training step (forward + backward, float, one thread) of the
// VOSP and the VRAE at the paper's size — hidden 400, latent 64, 88 keys, batch 32, chunks of 100
// frames, all frames valid, random binary x at ~5% density — against a single-core Eigen SGEMM of
// the recurrent product's shape (32×400 · 400×400), measured in the same run.
//
// Output: one JSON line per model, prior (wiener, learned) and posterior form (increments, marginal,
// markov) on stdout,
//   {"model": …, "prior": …, "posterior": …, "frames_per_s": …, "gflops": …, "sgemm_gflops": …,
//    "ms_per_step": …, "clock": "thread_cpu", "wall_ms_per_step": …, "wall_gflops": …, "wall_sgemm_gflops": …,
//    "gemm_gflop_per_step": …, "useful_gflop_per_step": …, "frames_per_s_per_sgemm_gflops": …,
//    "frames_per_s_per_sgemm_gflops_bound": …, "allocations_per_step": …}
// then one line per transfer (tanh, sigmoid) with the CPU cost of its moments per element:
//   {"kernel": "transfer_moments", "transfer": …, "forward_ns_per_element": …,
//    "backward_ns_per_element": …, "values_ns_per_element": …, "check": …}
// ms_per_step is the median over the timed steps of the thread's CPU time (the machine is shared:
// the wall clock also counts the time spent waiting for a core; its figures follow as wall_*).
// gflops = GEMM FLOPs of one step (gemm_gflop_per_step, counted from the products the layers
// perform, see step_flops) / ms_per_step; sgemm_gflops the reference measured with the same clock;
// frames_per_s = T·B / ms_per_step. frames_per_s_per_sgemm_gflops_bound = T·B / useful GFLOP is
// what that ratio would be if the useful products ran at the SGEMM rate and nothing else took
// time: no implementation of this FLOP count can exceed it. allocations_per_step counts heap
// allocations (malloc, calloc, realloc calls) per timed step. Details (min / max, the FLOP split, Eigen's threads) go
// to stderr. Eigen runs on one thread: seqvi is not built with OpenMP (Eigen::nbThreads() is printed, and
// setNbThreads(1) is called anyway), and no BLAS backend is used.
//
// Usage: seqvi_bench_model [--steps N] [--models vosp,vrae]
//                          [--priors wiener,learned] [--posteriors increments,marginal,markov]
//        seqvi_bench_model --check-allocations  (small shapes, every kind; exit 1 on any allocation
//                                                 in a step after the first — registered as a test)
#include "seqvi/model.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <random>
#include <string>
#include <vector>

// ---- heap-allocation counter ------------------------------------------------------------------
// malloc, calloc and realloc are replaced by pass-throughs to glibc's __libc_* entry points that
// count calls while `g_counting` is set. (Eigen allocates through malloc; operator new ends there
// too.) Not built under AddressSanitizer, which owns malloc.
namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
void count() {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

#if !defined(__SANITIZE_ADDRESS__)
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* malloc(std::size_t n) noexcept {
  count();
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) noexcept {
  count();
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) noexcept {
  count();
  return __libc_realloc(p, n);
}
}
#endif

namespace {

using namespace seqvi::model;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// CPU time of the calling thread, in seconds: unlike the wall clock it does not count the time the
// thread waits for a core, which on a shared machine dominates the wall clock's noise.
double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// ---- GEMM FLOPs of one step --------------------------------------------------------------------
// 2·m·k·n per product op(A)(m×k)·op(B)(k×n), summed over the products the layers run (read off
// fd_rnn.cpp, fd_rnn_backward.cpp, fd_moments.cpp, fd_moments_backward.cpp and latent_heads.cpp),
// for the benchmark's configuration: every FD layer in moment mode (keep rates < 1), learned
// recognition keep rates, the softplus variance head. R = T·B rows.
double gemm(double m, double k, double n) { return 2 * m * k * n; }

struct Flops {
  double forward = 0, backward = 0;
  Flops& operator+=(const Flops& o) {
    forward += o.forward;
    backward += o.backward;
    return *this;
  }
};

// FdRnn: forward = input mean and variance projections (R×in·in×H each) + for frames 1 … T−1 the
// recurrent mean and variance products (B×H·H×H each); backward = the same 2(T−1) recurrent
// products (carry), the W_in and W_rec gradients (mean and variance: 4 products of depth R) and,
// when the input adjoint is needed, the input mean and variance adjoints (2 × R×H·H×in). A
// recognition RNN on data takes no input adjoint: its input keep rates' gradient comes from the
// W_in gradient's products (fd_rnn_backward.cpp); until that change the two input-adjoint
// products ran for it too (R·H·in·4 FLOPs per recognition RNN: 0.45 GFLOP at the benchmark's size).
//
// Audited against the code (fd_rnn_backward.cpp, fd_dense.cpp, latent_heads.cpp) for this
// configuration: every variance-path product feeds a needed gradient — the exact transfer
// moments make each E[h] depend on Var[a], so Var's adjoint is nonzero even where only E[h] is
// used (the recognition RNNs under the latent heads); the generating networks' inputs have fixed
// keep rates 0.9, so the input variance adjoint feeds the mean adjoint (ṽ = d(1 − d)m²). The one
// product part that is done but not needed: the W_rec gradients are (T·B)-deep, and the B rows
// of the first frame are zero (h_0 = 0), 2·gemm(H, B, H) per FdRnn (`useful` leaves them out).
struct Count {
  Flops done, useful;
  Count& operator+=(const Count& o) {
    done += o.done;
    useful += o.useful;
    return *this;
  }
};

Count fd_rnn(double R, double T, double B, double in, double H, bool input_adjoint) {
  Flops f;
  f.forward = 2 * gemm(R, in, H) + 2 * (T - 1) * gemm(B, H, H);
  f.backward =
      2 * (T - 1) * gemm(B, H, H) + 2 * gemm(in, R, H) + 2 * gemm(H, R, H) + (input_adjoint ? 2 * gemm(R, H, in) : 0);
  Flops u = f;
  u.backward -= 2 * gemm(H, B, H);
  return {f, u};
}

// FdDense (fd_affine) with a variance adjoint: forward = mean and variance products; backward =
// the W gradient's and the input adjoint's mean and variance products.
Count fd_dense(double R, double in, double out) {
  const Flops f{2 * gemm(R, in, out), 4 * gemm(R, in, out)};
  return {f, f};
}

// The softplus-mode latent heads (latent_heads.cpp): [μ | a_s] = E[h] [diag(d) W_μ | W_s] is one
// R×in·in×2K product forward (3K wide with the Markov posterior's coefficient head); backward the
// W gradient (in×R·R×wide) and the input adjoint.
Count latent_heads(double R, double in, double K, Posterior posterior) {
  const double wide = (posterior == Posterior::markov ? 3 : 2) * K;
  const Flops f{gemm(R, in, wide), 2 * gemm(R, in, wide)};
  return {f, f};
}

Count step_flops(ModelKind kind, Prior prior, Posterior posterior, double T, double B, double D, double H, double K) {
  const double R = T * B;
  Count f;
  if (kind == ModelKind::vosp) {
    f += fd_rnn(R, T, B, D, H, /*input_adjoint=*/false);  // on data: no input adjoint
    f += latent_heads(R, H, K, posterior);
    // The learned prior's head on h_{t−1}: [μ_p | a_p] = E[h] [W_μ | W_s], R×H·H×2K, and its backward
    // (W gradient and the adjoint into h). The VRAE's learned transition is element-wise: no product.
    if (prior == Prior::learned) f += latent_heads(R, H, K, Posterior::marginal);
    f += fd_dense(R, K + H, H);  // MLP hidden layer on [z | h_{t−1}]
    f += fd_dense(R, H, D);      // output layer
  } else {
    f += fd_rnn(R, T, B, D, H, false);  // recognition on data, forward direction
    f += fd_rnn(R, T, B, D, H, false);  // and reverse
    f += latent_heads(R, 2 * H, K, posterior);
    f += fd_rnn(R, T, B, K, H, true);  // generating bi-RNN on z (z's adjoint needed)
    f += fd_rnn(R, T, B, K, H, true);
    f += fd_dense(R, 2 * H, D);
  }
  return f;
}

// ---- set-up ------------------------------------------------------------------------------------

struct Problem {
  Index T, B;
  Mat<float> x, eps;
  ColVec<float> mask;
};

Problem make_problem(Index T, Index B, Index D, Index K, const std::vector<Index>& lengths, std::uint64_t seed) {
  Problem p{T, B, Mat<float>::Zero(T * B, D), Mat<float>(T * B, K), ColVec<float>(T * B)};
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution on(0.05);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (Index t = 0; t < T; ++t)
    for (Index b = 0; b < B; ++b) {
      const Index r = t * B + b;
      const Index len = lengths.empty() ? T : lengths[static_cast<std::size_t>(b) % lengths.size()];
      p.mask[r] = t >= T - len ? 1.0f : 0.0f;
      for (Index d = 0; d < D; ++d) p.x(r, d) = p.mask[r] != 0 && on(rng) ? 1.0f : 0.0f;
      for (Index k = 0; k < K; ++k) p.eps(r, k) = normal(rng);
    }
  return p;
}

// Small random weights (N(0, 0.05²)), output bias −0.8, keep logits as make_params sets them.
ParamSet<float> make_params(const SequenceModel<float>& m, std::uint64_t seed) {
  ParamSet<float> p = m.make_params();
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (m.role(i) == ParamRole::keep_logit) continue;
    if (m.role(i) == ParamRole::output_bias) {
      p[i].setConstant(-0.8f);
      continue;
    }
    for (Index r = 0; r < p[i].rows(); ++r)
      for (Index c = 0; c < p[i].cols(); ++c) p[i](r, c) = normal(rng);
  }
  return p;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Single-core SGEMM of C = A·B, A 32×400, B 400×400, by Eigen's product (`noalias`). Each sample is
// a batch of repetitions lasting ≥ 20 ms; its GFLOP/s by thread CPU time and by wall clock. The
// benchmark takes one sample after every timed step, so that the reference sees the same load
// on the shared machine as the steps, and reports the median.
struct Rate {
  double cpu = 0, wall = 0;
};

class Sgemm {
 public:
  Sgemm() : a_(Mat<float>::Random(32, 400)), b_(Mat<float>::Random(400, 400)), c_(32, 400) {
    c_.noalias() = a_ * b_;
    for (;;) {  // calibrate: a batch of reps_ products takes ≥ 20 ms
      const double t0 = thread_seconds();
      for (int i = 0; i < reps_; ++i) c_.noalias() = a_ * b_;
      if (thread_seconds() - t0 >= 0.02) break;
      reps_ *= 2;
    }
  }

  Rate sample() {
    const double c0 = thread_seconds();
    const auto w0 = Clock::now();
    for (int i = 0; i < reps_; ++i) c_.noalias() = a_ * b_;
    const double flops = gemm(32, 400, 400) * reps_;
    Rate r{flops / (thread_seconds() - c0) / 1e9, flops / seconds_since(w0) / 1e9};
    if (!std::isfinite(c_.sum())) r = {};
    return r;
  }

 private:
  Mat<float> a_, b_, c_;
  int reps_ = 1;
};

// CPU time per element of the transfer moments (forward, and the reverse pass) of the FD layers'
// hidden units, on a B×H = 32×400 block of pre-activations as they occur (E ~ N(0, 1.5²),
// V ~ U(0, 0.5)), next to the deterministic transfer f(E): the median of 15 samples of ≥ 5 ms each.
void transfer_cost(Transfer f) {
  const Index rows = 32, cols = 400;
  std::mt19937_64 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.5f);
  std::uniform_real_distribution<float> uniform(0.0f, 0.5f);
  Mat<float> mu(rows, cols), v(rows, cols), g(rows, cols), mean(rows, cols), var(rows, cols),
      mu_adj = Mat<float>::Zero(rows, cols), v_adj = Mat<float>::Zero(rows, cols);
  for (Index i = 0; i < mu.size(); ++i) {
    mu.data()[i] = normal(rng);
    v.data()[i] = uniform(rng);
    g.data()[i] = normal(rng);
  }
  auto ns_per_element = [&](auto&& kernel) {
    int reps = 1;
    for (;;) {
      const double t0 = thread_seconds();
      for (int i = 0; i < reps; ++i) kernel();
      if (thread_seconds() - t0 >= 0.005) break;
      reps *= 2;
    }
    std::vector<double> ns;
    for (int sample = 0; sample < 15; ++sample) {
      const double t0 = thread_seconds();
      for (int i = 0; i < reps; ++i) kernel();
      ns.push_back(1e9 * (thread_seconds() - t0) / (double(reps) * double(mu.size())));
    }
    return median(ns);
  };
  const double forward = ns_per_element([&] { transfer_moments<float>(f, mu, v, mean, var); });
  const double backward = ns_per_element([&] { transfer_moments_backward<float>(f, mu, v, g, g, mu_adj, v_adj); });
  const double values = ns_per_element([&] { transfer_values<float>(f, mu, mean); });
  nlohmann::ordered_json j;
  j["kernel"] = "transfer_moments";
  j["transfer"] = std::string(to_string(f));
  j["forward_ns_per_element"] = forward;
  j["backward_ns_per_element"] = backward;
  j["values_ns_per_element"] = values;
  j["check"] = mean.sum() + var.sum() + mu_adj.sum() + v_adj.sum();  // keeps the work observable
  std::cout << j.dump() << std::endl;
}

int run_benchmark(int steps, const std::vector<ModelKind>& kinds, const std::vector<Prior>& priors,
                  const std::vector<Posterior>& posteriors) {
  const Index T = 100, B = 32, D = 88, H = 400, K = 64;
  Sgemm reference;
  std::cerr << "eigen threads: " << Eigen::nbThreads() << ", SIMD: " << Eigen::SimdInstructionSetsInUse() << "\n";
  for (ModelKind kind : kinds)
    for (Prior prior : priors)
      for (Posterior posterior : posteriors) {
        ModelConfig config;
        config.kind = kind;
        config.inputs = D;
        config.hidden = H;
        config.latent = K;
        config.latent_spec.prior = prior;
        config.latent_spec.posterior = posterior;
        auto model = make_model<float>(config);
        const ParamSet<float> params = make_params(*model, 1);
        ParamSet<float> grad = params.zeros_like();
        const Problem p = make_problem(T, B, D, model->noise_dim(), {}, 2);
        const BatchView<float> batch{p.x, p.mask, T, B};
        auto step = [&] {
          grad.set_zero();
          return model->forward_backward(params, batch, p.eps, &grad, 1.0f / float(T * B));
        };
        step();
        step();  // warm-up: workspaces sized and touched, caches warm
        std::vector<double> cpu_ms, wall_ms, sgemm_cpu, sgemm_wall;
        cpu_ms.reserve(static_cast<std::size_t>(steps));  // no allocation inside the counted region
        wall_ms.reserve(static_cast<std::size_t>(steps));
        long allocations = 0;
        BoundTerms terms;
        for (int i = 0; i < steps; ++i) {
          g_allocations = 0;
          g_counting = true;
          const double c0 = thread_seconds();
          const auto w0 = Clock::now();
          terms = step();
          wall_ms.push_back(1e3 * seconds_since(w0));
          cpu_ms.push_back(1e3 * (thread_seconds() - c0));
          g_counting = false;
          allocations += g_allocations.load();
          const Rate r = reference.sample();
          sgemm_cpu.push_back(r.cpu);
          sgemm_wall.push_back(r.wall);
        }
        const Rate sgemm{median(sgemm_cpu), median(sgemm_wall)};
        const Count count = step_flops(kind, prior, posterior, double(T), double(B), double(D), double(H), double(K));
        const Flops f = count.done;
        const double flops = f.forward + f.backward;
        const double useful = count.useful.forward + count.useful.backward;
        const double cpu = median(cpu_ms), wall = median(wall_ms);
        nlohmann::ordered_json j;
        j["model"] = std::string(to_string(kind));
        j["prior"] = std::string(to_string(config.latent_spec.prior));
        j["posterior"] = std::string(to_string(posterior));
        j["frames_per_s"] = double(T * B) / (cpu / 1e3);
        j["gflops"] = flops / (cpu / 1e3) / 1e9;
        j["sgemm_gflops"] = sgemm.cpu;
        j["ms_per_step"] = cpu;
        j["clock"] = "thread_cpu";
        j["wall_ms_per_step"] = wall;
        j["wall_gflops"] = flops / (wall / 1e3) / 1e9;
        j["wall_sgemm_gflops"] = sgemm.wall;
        j["gemm_gflop_per_step"] = flops / 1e9;
        // The products a step must do (those whose results reach the bound or a gradient; see Count).
        j["useful_gflop_per_step"] = useful / 1e9;
        j["frames_per_s_per_sgemm_gflops"] = double(T * B) / (cpu / 1e3) / sgemm.cpu;
        j["frames_per_s_per_sgemm_gflops_bound"] = double(T * B) / (useful / 1e9);
        j["allocations_per_step"] = double(allocations) / steps;
        std::cout << j.dump() << std::endl;
        std::cerr << to_string(kind) << ", " << to_string(posterior) << ": " << steps << " steps; CPU ms min "
                  << *std::min_element(cpu_ms.begin(), cpu_ms.end()) << " median " << cpu << " max "
                  << *std::max_element(cpu_ms.begin(), cpu_ms.end()) << "; wall ms min "
                  << *std::min_element(wall_ms.begin(), wall_ms.end()) << " median " << wall << " max "
                  << *std::max_element(wall_ms.begin(), wall_ms.end()) << "; sgemm GFLOP/s median " << sgemm.cpu
                  << " (CPU; min " << *std::min_element(sgemm_cpu.begin(), sgemm_cpu.end()) << ", max "
                  << *std::max_element(sgemm_cpu.begin(), sgemm_cpu.end()) << "), " << sgemm.wall
                  << " (wall); GEMM GFLOP per step " << flops / 1e9 << " (forward " << f.forward / 1e9 << ", backward "
                  << f.backward / 1e9 << "); gflops/sgemm " << flops / (cpu / 1e3) / 1e9 / sgemm.cpu << " (CPU), "
                  << flops / (wall / 1e3) / 1e9 / sgemm.wall << " (wall); bound "
                  << terms.negative_bound() / double(terms.frames) << " nats/frame\n";
      }
  return 0;
}

// Every kind, both variance heads, learned and fixed keep rates and all specs whose code path
// differs, at small shapes with padding: after a first call, neither a training step nor a
// forward-only call allocates. log_weights is exempt: it returns a vector by design.
int check_allocations() {
#if defined(__SANITIZE_ADDRESS__)
  std::cerr << "allocation counting is off under AddressSanitizer\n";
  return 0;
#else
  int failures = 0;
  const std::vector<LatentSpec> specs = {{Prior::wiener, Posterior::increments, KlMode::exact},
                                         {Prior::wiener, Posterior::marginal, KlMode::exact},
                                         {Prior::wiener, Posterior::marginal, KlMode::paper_diagonal},
                                         {Prior::normal, Posterior::marginal, KlMode::exact},
                                         {Prior::normal, Posterior::increments, KlMode::exact},
                                         {Prior::normal, Posterior::markov, KlMode::exact},
                                         {Prior::wiener, Posterior::markov, KlMode::exact},
                                         {Prior::learned, Posterior::marginal, KlMode::exact},
                                         {Prior::learned, Posterior::markov, KlMode::exact}};
  for (ModelKind kind : {ModelKind::vrae, ModelKind::vosp, ModelKind::rnn, ModelKind::fdrnn})
    for (const LatentSpec& spec : specs)
      for (VarianceHead head : {VarianceHead::softplus, VarianceHead::fd})
        for (bool learn : {true, false}) {
          const bool latent = kind == ModelKind::vrae || kind == ModelKind::vosp;
          if (!latent && (spec.posterior != Posterior::increments || spec.prior != Prior::wiener ||
                          head != VarianceHead::softplus || !learn))
            continue;
          ModelConfig config;
          config.kind = kind;
          config.inputs = 12;
          config.hidden = 16;
          config.latent = 4;
          config.latent_spec = spec;
          config.variance_head = head;
          config.learn_keep = learn;
          auto model = make_model<float>(config);
          const ParamSet<float> params = make_params(*model, 3);
          ParamSet<float> grad = params.zeros_like();
          const Problem p = make_problem(6, 5, 12, model->noise_dim(), {6, 3, 0, 1, 6}, 4);
          const BatchView<float> batch{p.x, p.mask, 6, 5};
          auto pass = [&] {
            model->forward_backward(params, batch, p.eps, &grad, 0.5f);
            model->forward_backward(params, batch, p.eps, nullptr, 0.0f);
          };
          pass();
          g_allocations = 0;
          g_counting = true;
          pass();
          g_counting = false;
          const long n = g_allocations.load();
          if (n != 0) {
            std::cerr << "FAIL: " << to_string(kind) << ", " << to_string(spec) << ", head " << to_string(head)
                      << (learn ? ", learned" : ", fixed") << " keep rates: " << n
                      << " allocations in a step after the first\n";
            ++failures;
          }
        }
  std::cerr << (failures == 0 ? "no allocations after the first call\n" : "allocations found\n");
  return failures == 0 ? 0 : 1;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  Eigen::setNbThreads(1);
  int steps = 9;
  std::vector<ModelKind> kinds = {ModelKind::vosp, ModelKind::vrae};
  std::vector<Posterior> posteriors = {Posterior::increments, Posterior::marginal, Posterior::markov};
  std::vector<Prior> priors = {Prior::wiener, Prior::learned};
  auto split = [](const std::string& list, auto parse) {
    std::vector<decltype(parse(std::string()))> out;
    for (std::size_t at = 0; at <= list.size();) {
      const std::size_t end = std::min(list.find(',', at), list.size());
      out.push_back(parse(list.substr(at, end - at)));
      at = end + 1;
    }
    return out;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--check-allocations") return check_allocations();
    if (arg == "--steps" && i + 1 < argc) {
      steps = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--models" && i + 1 < argc) {
      kinds = split(argv[++i], [](const std::string& x) { return parse_model_kind(x); });
    } else if (arg == "--priors" && i + 1 < argc) {
      priors = split(argv[++i], [](const std::string& x) { return parse_prior(x); });
    } else if (arg == "--posteriors" && i + 1 < argc) {
      posteriors = split(argv[++i], [](const std::string& x) { return parse_posterior(x); });
    } else {
      std::cerr << "usage: seqvi_bench_model [--steps N] [--models vosp,vrae] "
                   "[--priors wiener,learned] [--posteriors increments,marginal,markov] | --check-allocations\n";
      return 2;
    }
  }
  const int rc = run_benchmark(steps, kinds, priors, posteriors);
  for (Transfer f : {Transfer::tanh, Transfer::sigmoid}) transfer_cost(f);
  return rc;
}
