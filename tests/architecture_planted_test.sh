#!/usr/bin/env bash
# The layer test (architecture_test.sh) must fail on a violation: on a copy of include/ and src/, each
# planted #include below makes it fail naming the planted file, and the untouched copy passes.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${1:-$here/..}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
cp -r "$root/include" "$root/src" "$tmp/" || exit 2
"$here/architecture_test.sh" "$tmp" >/dev/null || { echo "the unmodified copy fails the layer test"; exit 1; }
status=0
plant() {  # plant <file under the copy> <include line>: the layer test must fail and name the file
  local file=$1 line=$2
  cp "$tmp/$file" "$tmp/$file.orig"
  printf '%s\n' "$line" >> "$tmp/$file"
  local out
  if out=$("$here/architecture_test.sh" "$tmp"); then
    echo "not caught: '$line' in $file"; status=1
  elif ! grep -q "$file" <<<"$out"; then
    echo "caught '$line' in $file without naming the file:"; echo "$out"; status=1
  fi
  mv "$tmp/$file.orig" "$tmp/$file"
}
plant src/core/rng.cpp '#include <Eigen/Core>'
plant src/model/vosp.cpp '#include <hdf5.h>'
plant src/model/kl.cpp '#include "seqvi/train/trainer.hpp"'
plant src/infer/impute.cpp '#include <fstream>'
plant src/data/midi.cpp '#include "seqvi/model/vosp.hpp"'
plant src/search/ranking.cpp '#include <Eigen/Core>'
plant src/mpi/coordinator.cpp '#include "seqvi/store/sweep_store.hpp"'
plant src/mpi/worker.cpp '#include "seqvi/sweep/store_ledger.hpp"'
plant src/store/sweep_store.cpp '#include "seqvi/mpi/coordinator.hpp"'
plant src/search/trial_table.cpp '#include "seqvi/sweep/store_ledger.hpp"'
plant src/sweep/store_ledger.cpp '#include "seqvi/model/vosp.hpp"'
plant src/train/trainer.cpp '#include <H5Cpp.h>'
plant src/cli/train_cmd.cpp '#include <mpi.h>'
[ $status -eq 0 ] && echo "every planted violation was caught"
exit $status
