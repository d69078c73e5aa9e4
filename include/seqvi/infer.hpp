// seqvi/infer.hpp — the inference layer's public surface: applications of a trained VRAE or VOSP to
// single piano-roll sequences (Bayer & Osendorfer 2014, sec. 5): online denoising (VOSP),
// imputation of missing frames (VRAE), sampling (both), and note-level scores. Pure functions over
// the model core's networks: no files, no logging (depends on core/, data/ and model/ only).
#ifndef SEQVI_INFER_HPP
#define SEQVI_INFER_HPP

#include "seqvi/infer/denoise.hpp"
#include "seqvi/infer/impute.hpp"
#include "seqvi/infer/roll.hpp"
#include "seqvi/infer/roll_metrics.hpp"
#include "seqvi/infer/sample.hpp"
#include "seqvi/infer/vosp_net.hpp"
#include "seqvi/infer/vrae_net.hpp"

#endif  // SEQVI_INFER_HPP
