// seqvi/model.hpp — the model layer's public surface: the latent-state sequence models of Bayer &
// Osendorfer, "Variational inference of latent state sequences using Recurrent Networks" (2014,
// "STORN") — the VRAE, the VOSP and the Table-1 one-step predictors — and their building blocks.
// Users include this header only; include/seqvi/model/detail/ is internal.
//
// Layout convention (the one layout of model/; types.hpp defines the types):
//   * Matrices are row-major, one row per (frame, sequence) and one column per feature, so a layer
//     is `X * W` with W of shape (in × out) and a bias is a 1 × out row.
//   * A chunk of B sequences of T frames is time-major, (T·B) × F: row t·B + b is frame t of
//     sequence b, so frame t of the whole batch is the contiguous block `X.middleRows(t * B, B)`
//     and a projection of every frame is a single GEMM.
//   * Chunks are pre-padded: sequence b's len_b valid frames are its LAST ones (t ≥ T − len_b), and
//     a mask of T·B entries (1 valid / 0 padding) says which rows are valid. Padded rows are never
//     read (they may hold anything) and add nothing; a recurrent state starts at 0 at each
//     sequence's first valid frame.
//   * Fast-dropout activations are Moments (mean, var) of the same shape; an empty var (0 × 0)
//     means "identically zero" (deterministic data or a sample).
//   * Value functions `op`, reverse passes `op_backward` that ADD into their outputs; nats.
#ifndef SEQVI_MODEL_HPP
#define SEQVI_MODEL_HPP

#include "seqvi/model/param_set.hpp"
#include "seqvi/model/types.hpp"

// fast-dropout building blocks
#include "seqvi/model/fd_birnn.hpp"
#include "seqvi/model/fd_dense.hpp"
#include "seqvi/model/fd_mlp.hpp"
#include "seqvi/model/fd_moments.hpp"
#include "seqvi/model/fd_rnn.hpp"
#include "seqvi/model/keep_rate.hpp"

// latent variables and emissions
#include "seqvi/model/bernoulli.hpp"
#include "seqvi/model/kl.hpp"
#include "seqvi/model/latent.hpp"
#include "seqvi/model/latent_density.hpp"
#include "seqvi/model/learned_prior.hpp"
#include "seqvi/model/prior_sample.hpp"
#include "seqvi/model/reparam.hpp"

// the models
#include "seqvi/model/predictor.hpp"
#include "seqvi/model/sequence_model.hpp"
#include "seqvi/model/variational_model.hpp"
#include "seqvi/model/vosp.hpp"
#include "seqvi/model/vrae.hpp"

#endif  // SEQVI_MODEL_HPP
